//! Each cell over time: a tiny bench keeps `cells[].series` for a Rust and a Python cell
//! (the parent's samples and the child's task counts on one axis), the HTML draws the
//! over-time charts, `--export-timeseries` and `report --cell` give the points, and
//! `--no-series` keeps none.

use crate::common::*;
use serde_json::Value;

const MODELS: &str = "rs-thread,py-thread";

fn sweep(dir: &std::path::Path, extra: &[&str]) -> (std::path::PathBuf, Value) {
    let out = dir.join("run");
    let mut args = vec![
        "--workload",
        "sleep:150ms",
        "--models",
        MODELS,
        "--tasks",
        "20",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let output = bench(&out, &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let results = read_json(&out.join("results.json"));
    assert_valid("results.schema.json", &results);
    (out, results)
}

#[test]
fn a_bench_keeps_each_cells_series_and_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("series.csv");
    let (out, results) = sweep(dir.path(), &["--export-timeseries", csv_path.to_str().unwrap()]);
    let cells = results["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    let mut rows_expected = 0;
    for c in cells {
        let s = &c["series"];
        let points = s["points"].as_array().unwrap_or_else(|| panic!("no series: {c}"));
        rows_expected += points.len();
        assert!(
            (2..=200).contains(&points.len()),
            "{}: {} points",
            c["model"],
            points.len()
        );
        let t: Vec<f64> = points.iter().map(|p| p["t_ms"].as_f64().unwrap()).collect();
        assert!(t.windows(2).all(|w| w[0] < w[1]), "in time order: {t:?}");
        let ready = s["ready_ms"].as_f64().unwrap();
        let finished = s["finished_ms"].as_f64().unwrap();
        assert!(ready < finished && finished <= t[t.len() - 1] + 200.0, "{s}");
        // The 20 tasks sleep together: some point sees all of them in flight, and none
        // before the ready mark sees any.
        let in_flight = |p: &Value| p["in_flight"].as_u64().unwrap();
        assert!(points.iter().any(|p| in_flight(p) == 20), "{}: {s}", c["model"]);
        assert!(points
            .iter()
            .filter(|p| p["t_ms"].as_f64().unwrap() < ready)
            .all(|p| in_flight(p) == 0));
        let peak = c["peak_rss_bytes"].as_u64().unwrap();
        assert!(points.iter().all(|p| p["rss_bytes"].as_u64().unwrap() > 0));
        assert!(points.iter().any(|p| p["threads"].as_u64().unwrap() >= 20), "{s}");
        assert!(peak > 0);
    }

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Each model's largest cell over time"));
    for (i, m) in MODELS.split(',').enumerate() {
        let chart = format!(r#"<svg class="chart overtime m{i}" data-model="{m}" data-tasks="20""#);
        assert!(html.contains(&chart), "an over-time chart of {m}");
    }

    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "workload",
            "model",
            "tasks",
            "repeat",
            "t_ms",
            "rss_bytes",
            "threads",
            "fds",
            "procs",
            "in_flight",
            "completed"
        ]
    );
    assert_eq!(reader.records().count(), rows_expected, "one row per point");

    let listing = conlab()
        .args([
            "report",
            out.join("results.json").to_str().unwrap(),
            "--cell",
            "py-thread,20",
        ])
        .output()
        .unwrap();
    assert_eq!(listing.status.code(), Some(0), "{}", stderr(&listing));
    let listing = stdout(&listing);
    assert!(listing.starts_with("sleep:150ms · py-thread · 20 tasks"), "{listing}");
    assert!(listing.contains("in flight"), "{listing}");

    let missing = conlab()
        .args([
            "report",
            out.join("results.json").to_str().unwrap(),
            "--cell",
            "py-thread,21",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no such cell"), "{}", stderr(&missing));
}

#[test]
fn no_series_keeps_none() {
    let dir = tempfile::tempdir().unwrap();
    let (out, results) = sweep(dir.path(), &["--no-series"]);
    for c in results["cells"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
        assert!(c.get("series").is_none(), "{c}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("overtime"));
}
