//! `conlab compare` says "same" within noise and flags a real change.

mod common;

use std::path::Path;

use common::*;

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
