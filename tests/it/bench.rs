//! End-to-end sweeps through the real binary: every Rust model runs a small sleep sweep,
//! the files it writes match the committed schemas, and the figures are plausible.

use crate::common::*;
use serde_json::Value;

fn cells(results: &Value) -> &Vec<Value> {
    results["cells"].as_array().expect("cells array")
}

#[test]
fn every_rust_model_runs_a_sleep_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = bench(
        &out,
        &[
            "--workload",
            "sleep:100ms",
            "--models",
            "rs-thread,rs-pool,rs-async,rs-async-st,rs-process",
            "--tasks",
            "1,50",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"));

    let results = read_json(&out.join("results.json"));
    assert_valid("results.schema.json", &results);
    assert_eq!(results["schema"], "conlab.results/1");
    let cells = cells(&results);
    assert_eq!(cells.len(), 10);
    for c in cells {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["tasks_ok"], c["tasks"], "{c}");
        assert_eq!(c["tasks_failed"], 0);
        assert!(c["peak_rss_bytes"].as_u64().unwrap() > 500_000, "{c}");
        assert!(c["peak_vm_bytes"].as_u64() >= c["peak_rss_bytes"].as_u64());
        let p50 = c["latency_ms"]["p50"].as_f64().unwrap();
        assert!((99.0..150.0).contains(&p50), "a 100 ms sleep took {p50} ms: {c}");
        assert!(c["work_s"].as_f64().unwrap() >= 0.099);
        assert!(c["wall_s"].as_f64().unwrap() >= c["work_s"].as_f64().unwrap());
    }
    let at = |model: &str, n: u64| cells.iter().find(|c| c["model"] == model && c["tasks"] == n).unwrap();
    // A thread per task really is a thread per task; one event loop really is one thread.
    assert!(at("rs-thread", 50)["peak_threads"].as_u64().unwrap() >= 51);
    assert_eq!(at("rs-async-st", 50)["peak_threads"], 1);
    // Two worker processes each run 25 sleeps of 100 ms one after another.
    assert!(at("rs-process", 50)["work_s"].as_f64().unwrap() >= 2.5);
    assert_eq!(at("rs-process", 50)["peak_processes"], 3);
    assert_eq!(results["baselines"].as_array().unwrap().len(), 5);

    // results.jsonl: a sweep header, then one line per cell (baselines included).
    let lines: Vec<Value> = std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1 + 5 + 10);
    assert_eq!(lines[0]["record"], "sweep");
    for line in &lines {
        assert_valid("results-line.schema.json", line);
    }

    let analysis = &results["analysis"]["workloads"][0];
    assert_eq!(analysis["workload"], "sleep:100ms");
    assert_eq!(analysis["winners"].as_array().unwrap().len(), 2);
    // Computed for every model; its size is a measurement (at 50 threads the cell's
    // start-up peak can still be its peak, and the slope then reads 0), not asserted here.
    assert!(analysis["bytes_per_task"]["rs-thread"].as_f64().is_some());

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(r#"<svg class="chart""#) && html.contains("rs-async-st"));

    let table = stdout(&output);
    assert!(table.contains("rs-async-st") && table.contains("★"), "{table}");
    assert!(table.contains("memory per task"), "{table}");
    assert!(table.contains("report.html"), "{table}");
}

#[test]
fn a_refused_thread_is_a_spawn_limit_result() {
    // RLIMIT_AS of 1.5 GiB leaves room for roughly 700 thread stacks of 2 MiB: the
    // kernel refuses the rest, without touching limits shared with other tests.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let script = format!(
        "ulimit -v 1500000 && exec {} bench --workload sleep:500ms --models rs-thread --tasks 10,3000,5000 --repeat 1 --out {}",
        assert_cmd::cargo::cargo_bin("conlab").display(),
        out.display()
    );
    let output = std::process::Command::new("sh").args(["-c", &script]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let all = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        !all.contains("panicked") && !all.contains("fatal runtime error"),
        "{all}"
    );

    let results = read_json(&out.join("results.json"));
    let cells = cells(&results);
    assert_eq!(cells[0]["status"], "ok");
    let failed = &cells[1];
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["failure"]["kind"], "spawn-limit");
    let at = failed["failure"]["at_task"].as_u64().unwrap();
    assert!((100..3000).contains(&at), "struck at task {at}");
    assert!(
        failed["failure"]["limit"].as_str().unwrap().contains("RLIMIT_AS"),
        "{failed}"
    );
    assert_eq!(
        failed["tasks_ok"].as_u64().unwrap(),
        at,
        "the threads that started all finished"
    );
    assert_eq!(cells[2]["status"], "skipped");
    assert!(cells[2]["failure"]["message"].as_str().unwrap().contains("3,000"));
}

#[test]
fn queueing_models_that_cannot_finish_in_time_are_skipped_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = bench(
        &out,
        &[
            "--workload",
            "sleep:1s",
            "--models",
            "rs-pool:size=2",
            "--tasks",
            "100",
            "--cell-timeout",
            "5s",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let results = read_json(&out.join("results.json"));
    let cell = &cells(&results)[0];
    assert_eq!(cell["status"], "skipped");
    assert_eq!(cell["failure"]["kind"], "predicted-timeout");
    assert!(
        cell["failure"]["message"].as_str().unwrap().contains("50.00s"),
        "{cell}"
    );
}

#[test]
fn a_cell_over_its_timeout_is_killed_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // Arithmetic cannot predict a computation's length, so this cell really runs.
    let output = bench(
        &out,
        &[
            "--workload",
            "cpu:iterations=99000000000",
            "--models",
            "rs-async",
            "--tasks",
            "2",
            "--cell-timeout",
            "500ms",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let results = read_json(&out.join("results.json"));
    let cell = &cells(&results)[0];
    assert_eq!(cell["status"], "timeout");
    assert!(cell["wall_s"].as_f64().unwrap() < 5.0);
    assert!(
        processes_with("99000000000").is_empty(),
        "the timed-out cell was not stopped"
    );
}
