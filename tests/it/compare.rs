//! `conlab compare` says "same" within noise and flags a real change.

use std::path::Path;

use crate::common::*;

#[test]
fn identical_runs_are_the_same_and_a_doubled_time_is_flagged() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json");
    let same = conlab().arg("compare").arg(&fixture).arg(&fixture).output().unwrap();
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    let text = stdout(&same);
    assert!(text.contains(" 0 faster, 0 slower, "), "{text}");

    let mut doc = read_json(&fixture);
    let cells = doc["cells"].as_array_mut().unwrap();
    let target = cells
        .iter_mut()
        .find(|c| c["status"] == "ok" && c["model"] == "rs-async" && c["tasks"] == 100)
        .unwrap();
    let work = target["work_s"].as_f64().unwrap();
    target["work_s"] = serde_json::json!(work * 2.0);
    let dir = tempfile::tempdir().unwrap();
    let doubled = dir.path().join("doubled.json");
    std::fs::write(&doubled, serde_json::to_string(&doc).unwrap()).unwrap();

    let out = conlab().arg("compare").arg(&fixture).arg(&doubled).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "a slower B is a regression: {text}");
    assert!(text.contains(" 0 faster, 1 slower, "), "{text}");
    let slower: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("slower") && l.contains("rs-async "))
        .collect();
    assert_eq!(slower.len(), 1, "{text}");
    assert!(slower[0].contains("2.00"), "{}", slower[0]);
}

#[test]
fn compare_refuses_files_that_are_not_results() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json");
    let out = conlab()
        .arg("compare")
        .arg(&fixture)
        .arg("Cargo.toml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).trim().lines().count(), 1);
}

/// The fixture with every rs-async cell's time doubled (compare reads `work_s`, and
/// `wall_s` when a cell has none), written into `dir`.
fn doubled_rs_async(dir: &Path) -> std::path::PathBuf {
    let mut doc = read_json(&fixture());
    let mut doubled = 0;
    for cell in doc["cells"].as_array_mut().unwrap() {
        if cell["model"] == "rs-async" {
            for field in ["work_s", "wall_s"] {
                if let Some(t) = cell[field].as_f64() {
                    cell[field] = serde_json::json!(t * 2.0);
                }
            }
            doubled += 1;
        }
    }
    assert!(doubled > 0, "the fixture has rs-async cells");
    let path = dir.join("slower.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    path
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json")
}

#[test]
fn fail_if_slower_exits_1_on_a_2x_slower_rs_async_and_0_on_itself() {
    let dir = tempfile::tempdir().unwrap();
    let slower = doubled_rs_async(dir.path());
    let gate = |b: &Path, pct: &str| {
        conlab()
            .arg("compare")
            .arg(fixture())
            .arg(b)
            .args(["--fail-if-slower", pct])
            .output()
            .unwrap()
    };

    let same = gate(&fixture(), "10");
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));

    let out = gate(&slower, "10");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("in 6 cells") && err.contains("rs-async") && !err.contains("rs-thread"),
        "{err}"
    );

    // Twice as slow is 100% slower: a 150% gate lets it through, and says nothing.
    let lenient = gate(&slower, "150%");
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    assert!(stderr(&lenient).is_empty());

    let bad = gate(&slower, "ten");
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(stderr(&bad).trim().lines().count(), 1, "{}", stderr(&bad));
}

#[test]
fn json_format_has_every_matched_cell_with_both_sides_and_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let slower = doubled_rs_async(dir.path());
    let file = dir.path().join("compare.json");
    let out = conlab()
        .arg("compare")
        .arg(fixture())
        .arg(&slower)
        .args(["--format", "json", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "a regression keeps exit 3: {}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "-o writes the file, not stdout");
    let doc = read_json(&file);
    assert_valid("compare.schema.json", &doc);
    assert_eq!(doc["schema"], "conlab.compare/1");
    assert_eq!(doc["regressed"], true);
    let cells = doc["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 18, "every matched non-baseline cell of the fixture");
    for c in cells {
        let ratio = c["ratio"].as_f64().unwrap();
        let (a, b) = (c["a"]["time_s"].as_f64().unwrap(), c["b"]["time_s"].as_f64().unwrap());
        assert!((ratio - b / a).abs() < 1e-9, "{c}");
        assert!(c["a"]["runs"].as_u64().unwrap() >= 1, "{c}");
        let (want_ratio, want_verdict) = match c["model"] == "rs-async" {
            true => (2.0, "slower"),
            false => (1.0, "same"),
        };
        assert!((ratio - want_ratio).abs() < 1e-9, "{c}");
        assert_eq!(c["verdict"], want_verdict, "{c}");
    }
    assert_eq!(doc["unmatched"].as_array().unwrap().len(), 0);
}
