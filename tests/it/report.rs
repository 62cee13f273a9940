//! `conlab report` rebuilds every format from what a sweep wrote, including a sweep cut
//! off mid-line, and refuses files that are not conlab results.

use std::path::{Path, PathBuf};

use crate::common::*;

fn sweep(dir: &Path) -> PathBuf {
    let out = dir.join("run");
    let output = bench(
        &out,
        &[
            "--workload",
            "sleep:20ms",
            "--models",
            "rs-async,rs-thread",
            "--tasks",
            "1,5",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    out
}

fn report(file: &Path, format: &str) -> std::process::Output {
    conlab()
        .arg("report")
        .arg(file)
        .args(["--format", format])
        .output()
        .unwrap()
}

#[test]
fn every_format_renders_from_json_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let out = sweep(dir.path());
    for file in [out.join("results.json"), out.join("results.jsonl")] {
        let json = report(&file, "json");
        assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
        let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_valid("results.schema.json", &doc);
        assert_eq!(doc["cells"].as_array().unwrap().len(), 4);

        let csv = report(&file, "csv");
        let mut reader = csv::Reader::from_reader(&csv.stdout[..]);
        let header = reader.headers().unwrap().clone();
        assert_eq!(&header[2], "model");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 4 + 2, "one row per cell and per baseline");
        assert!(rows.iter().all(|r| r.len() == header.len()));

        let md = String::from_utf8(report(&file, "markdown").stdout).unwrap();
        assert!(md.contains("| tasks | rs-async | rs-thread |"), "{md}");
        assert!(
            md.lines().filter(|l| l.starts_with("| ") && l.contains(" · ")).count() >= 2,
            "{md}"
        );

        // The HTML report: its charts (tasks in flight included, as this sweep counted
        // them) with every model named at its line's end, and nothing to load or run.
        let html = String::from_utf8(report(&file, "html").stdout).unwrap();
        assert!(!html.contains("<script"));
        assert!(html.contains("Peak tasks in flight"), "the achieved concurrency chart");
        let charts: Vec<&str> = html.split(r#"<svg class="chart""#).skip(1).collect();
        assert_eq!(
            charts.len(),
            6,
            "work time, caller p99, start lag, RSS, per task, in flight"
        );
        for chart in charts {
            assert!(chart.contains(">rs-async</tspan>") && chart.contains(">rs-thread</tspan>"));
        }

        let term = String::from_utf8(report(&file, "terminal").stdout).unwrap();
        assert!(term.contains("★") && term.contains("rs-thread"), "{term}");
    }
    let to_file = dir.path().join("out.md");
    let written = conlab()
        .arg("report")
        .arg(out.join("results.json"))
        .args(["--format", "markdown", "-o"])
        .arg(&to_file)
        .output()
        .unwrap();
    assert_eq!(written.status.code(), Some(0));
    assert!(std::fs::read_to_string(to_file)
        .unwrap()
        .starts_with("# conlab results"));
}

#[test]
fn a_cut_off_jsonl_keeps_its_complete_cells() {
    let dir = tempfile::tempdir().unwrap();
    let out = sweep(dir.path());
    let text = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let cut = &text[..text.len() - 40];
    let file = dir.path().join("cut.jsonl");
    std::fs::write(&file, cut).unwrap();
    let json = report(&file, "json");
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let err = stderr(&json);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("incomplete"), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["cells"].as_array().unwrap().len(), 3);
    assert_eq!(doc["interrupted"], true);

    // A cut-off results.json says where the JSON broke, not that it is someone else's.
    let whole = std::fs::read_to_string(out.join("results.json")).unwrap();
    let file = dir.path().join("cut.json");
    std::fs::write(&file, &whole[..whole.len() / 2]).unwrap();
    let broken = report(&file, "terminal");
    assert_eq!(broken.status.code(), Some(2));
    let err = stderr(&broken);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("cut.json:") && err.contains("column") && !err.contains("is not conlab"),
        "{err}"
    );
}

#[test]
fn foreign_files_and_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.json");
    std::fs::write(&file, "{\"hello\": 1}\n").unwrap();
    for (path, format) in [(file.clone(), "terminal"), (dir.path().join("missing.jsonl"), "json")] {
        let out = report(&path, format);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
    }
    let out = sweep(dir.path());
    let bad = report(&out.join("results.json"), "pdf");
    assert_eq!(bad.status.code(), Some(2));
    let err = stderr(&bad);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("'pdf'") && err.contains("markdown"), "{err}");
}
