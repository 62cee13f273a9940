//! `bench --slo`: a real, tiny capacity search (rs-async, 4 connections, probes of 200 ms
//! through the hidden CONLAB_SLO_MIN_PROBE override, so the test takes seconds), checked
//! for its shape, never for a figure: every probe kept and judged, the capacity the
//! highest rate that passed, the same in the terminal, results.jsonl and the report.

use crate::common::{assert_valid, read_json, stderr, stdout};

fn slo_bench(dir: &std::path::Path, workload: &str, slo: &str) -> std::process::Output {
    let mut cmd = crate::common::conlab();
    cmd.env("CONLAB_SLO_MIN_PROBE", "200ms")
        .args(["bench", "--workload", workload, "--models", "rs-async", "--tasks", "4"])
        .args(["--repeat", "1", "--slo", slo, "--out"])
        .arg(dir)
        .timeout(std::time::Duration::from_secs(120));
    cmd.output().expect("conlab bench runs")
}

#[test]
fn a_search_keeps_every_probe_and_finds_the_highest_rate_that_passed() {
    let dir = tempfile::tempdir().unwrap();
    let out = slo_bench(
        dir.path(),
        "serve-http:latency=10ms,duration=100ms",
        "p99=50ms,errors=1%",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = read_json(&dir.path().join("results.json"));
    assert_valid("results.schema.json", &doc);
    let capacity = &doc["capacity"];
    assert_eq!(capacity["slo"], "p99=50ms,errors=1%");
    assert_eq!(capacity["probe_s"], 0.2);
    let searches = capacity["searches"].as_array().unwrap();
    assert_eq!(searches.len(), 1);
    let s = &searches[0];
    assert_eq!((s["model"].as_str(), s["tasks"].as_u64()), (Some("rs-async"), Some(4)));
    let probes = s["probes"].as_array().unwrap();
    assert!((2..=12).contains(&probes.len()), "{probes:?}");
    // 4 connections × 10 ms: the ramp starts at an eighth of 400 requests/s.
    assert_eq!(probes[0]["rate"], 50);
    for p in probes {
        assert!(
            p["p99_ms"].as_f64().is_some() && p["achieved_rps"].as_f64().is_some(),
            "{p}"
        );
        assert_eq!(p["pass"].as_bool().unwrap(), p["reason"].is_null(), "{p}");
    }
    let passed: Vec<f64> = probes
        .iter()
        .filter(|p| p["pass"] == true)
        .map(|p| p["rate"].as_f64().unwrap())
        .collect();
    let highest = passed
        .iter()
        .cloned()
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    assert_eq!(s["capacity_rps"].as_f64(), highest);
    assert!(["converged", "max-probes", "max-rate", "no-pass"].contains(&s["end"].as_str().unwrap()));
    // The search's record in results.jsonl, and the same section rebuilt from it.
    let jsonl = std::fs::read_to_string(dir.path().join("results.jsonl")).unwrap();
    assert_eq!(jsonl.matches(r#""record":"capacity""#).count(), 1);
    // The search's progress line counts the measured cells only, not the baseline.
    assert!(stderr(&out).contains("[1/1] serve-http"), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("capacity at p99 ≤ 50ms: serve-http"), "{text}");
    assert!(text.contains(&format!("{} probe", probes.len())), "{text}");
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(report.contains("<h2>capacity at p99 ≤ 50ms</h2>") && report.contains(r#"class="slo""#));
    let rebuilt = crate::common::conlab()
        .args(["report", "--format", "json"])
        .arg(dir.path().join("results.jsonl"))
        .output()
        .unwrap();
    let rebuilt: serde_json::Value = serde_json::from_slice(&rebuilt.stdout).unwrap();
    assert_eq!(rebuilt["capacity"]["searches"], capacity["searches"]);
    assert_eq!(rebuilt["interrupted"], false);
    // A merged document keeps the searches.
    let merged = dir.path().join("merged.json");
    let out = crate::common::conlab()
        .arg("merge")
        .arg(dir.path())
        .arg("-o")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_json(&merged)["capacity"]["searches"], capacity["searches"]);
    // Every probe as a CSV row, written from the document.
    let csv = dir.path().join("probes.csv");
    let out = crate::common::conlab()
        .arg("report")
        .arg(dir.path().join("results.json"))
        .arg("--export-capacity")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("slo,workload,model,tasks,repeat,capacity_rps"),
        "{csv}"
    );
    assert_eq!(lines.len(), probes.len() + 1, "{csv}");
    assert!(lines[1].starts_with(r#""p99=50ms,errors=1%","serve-http:"#), "{csv}");
}

#[test]
fn export_capacity_without_searches_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("probes.csv");
    let no_slo = crate::common::conlab()
        .args(["bench", "--workload", "serve-http:latency=10ms", "--models", "rs-async"])
        .args(["--tasks", "4", "--export-capacity"])
        .arg(&csv)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/default-sweep.json");
    let no_capacity = crate::common::conlab()
        .args(["report", fixture, "--export-capacity"])
        .arg(&csv)
        .output()
        .unwrap();
    for (out, says) in [(no_slo, "give --slo too"), (no_capacity, "has no capacity searches")] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
    assert!(!csv.exists() && !dir.path().join("out").exists());
}

#[test]
fn a_workload_without_an_open_loop_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = slo_bench(
        &dir.path().join("out"),
        "serve-tcp:interval=10ms,duration=1s",
        "p99=50ms",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--slo needs a server workload"), "{err}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn advise_app_wants_the_server_side_and_a_valid_app() {
    let out = crate::common::conlab()
        .args([
            "advise",
            "--app",
            "examples/python/asgi_app.py:app",
            "--connections",
            "8",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("goes with --side server"), "{}", stderr(&out));
    let out = crate::common::conlab()
        .args([
            "advise",
            "--side",
            "server",
            "--app",
            "asgi=app.py",
            "--slo",
            "p99=100ms",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected FILE:APP"), "{}", stderr(&out));
}

#[test]
fn advise_app_ranks_the_asgi_stacks_by_capacity() {
    if !crate::common::importable("uvicorn") {
        println!("skipped: uvicorn is not installed (pip install uvicorn)");
        return;
    }
    // A generous objective, so the search ramps to the app's throughput in a few 200 ms
    // probes; 2 connections keep it seconds long.
    let out = crate::common::conlab()
        .env("CONLAB_SLO_MIN_PROBE", "200ms")
        .args(["advise", "--side", "server", "--app", "examples/python/asgi_app.py:app"])
        .args(["--connections", "2", "--slo", "p99=10s"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (text, err) = (stdout(&out), stderr(&out));
    // An `async def` app is ASGI: only the ASGI stacks are searched, numbered among
    // themselves, at the objective given.
    assert!(err.contains("serve-app:asgi=examples/python/asgi_app.py:app"), "{err}");
    assert!(
        err.contains("[1/") && err.contains("py-asyncio+uvicorn n=2 at p99=10s: capacity"),
        "{err}"
    );
    assert!(text.contains("capacity at p99 ≤ 10s"), "{text}");
    let first = text
        .lines()
        .find(|l| l.trim_start().starts_with("1. "))
        .unwrap_or_default();
    assert!(first.contains("req/s"), "{text}");
    assert!(
        text.contains("py-asyncio+uvicorn") && text.contains("Use py-"),
        "{text}"
    );
    assert!(!text.contains("gunicorn") && !err.contains("[0/"), "{text}");
}

#[test]
fn the_objective_is_part_of_the_plan() {
    let plan = |slo: Option<&str>| {
        let mut cmd = crate::common::conlab();
        cmd.args(["bench", "--workload", "serve-http:latency=10ms", "--models", "rs-async"])
            .args(["--tasks", "4", "--plan-only"]);
        if let Some(s) = slo {
            cmd.args(["--slo", s]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (plain, searched) = (plan(None), plan(Some("p99=50ms")));
    assert_eq!(searched["slo"], "p99=50ms");
    assert!(plain["slo"].is_null());
    assert_ne!(plain["fingerprint"], searched["fingerprint"]);
}
