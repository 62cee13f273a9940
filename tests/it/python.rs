//! Python models through the real binary and a real interpreter: the same workloads,
//! measured the same way, and every way Python can be missing or broken handled.

use std::os::unix::fs::PermissionsExt;

use crate::common::*;
use serde_json::Value;

fn run(dir: &std::path::Path, args: &[&str]) -> (std::process::Output, Value) {
    let out = dir.join("run");
    let output = bench(&out, args);
    let results = read_json(&out.join("results.json"));
    assert_valid("results.schema.json", &results);
    (output, results)
}

#[test]
fn python_models_run_sleep_and_record_the_interpreter() {
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(
        dir.path(),
        &[
            "--workload",
            "sleep:100ms",
            "--models",
            "py-thread,py-pool:size=4,py-asyncio,py-process",
            "--tasks",
            "8",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let py = &results["environment"]["python"][0];
    assert_eq!(py["implementation"], "cpython");
    assert_eq!(py["gil"], true);
    for c in results["cells"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["tasks_ok"], 8);
        let p50 = c["latency_ms"]["p50"].as_f64().unwrap();
        assert!((99.0..160.0).contains(&p50), "{c}");
        // Interpreter start and imports are reported apart from the work.
        assert!(c["ready_s"].as_f64().unwrap() > 0.005, "{c}");
        assert!(c["runner"].as_str().unwrap().contains("cpython"), "{c}");
    }
    let pool = results["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["model"] == "py-pool:size=4")
        .unwrap();
    assert!(
        pool["work_s"].as_f64().unwrap() >= 0.2,
        "8 sleeps on 4 threads take two rounds: {pool}"
    );
}

#[test]
fn python_http_variants_answer_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(
        dir.path(),
        &[
            "--workload",
            "http:latency=20ms,requests=2",
            "--models",
            "py-thread,py-asyncio,py-thread+requests,py-asyncio+aiohttp,py-asyncio+uvloop",
            "--tasks",
            "20",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let libs = results["environment"]["python"][0]["libraries"]
        .as_object()
        .unwrap()
        .clone();
    let cells = results["cells"].as_array().unwrap();
    for (model, lib) in [
        ("py-thread+requests", "requests"),
        ("py-asyncio+aiohttp", "aiohttp"),
        ("py-asyncio+uvloop", "uvloop"),
    ] {
        let ran = cells.iter().any(|c| c["model"] == model);
        assert_eq!(ran, libs.contains_key(lib), "{model}");
        if !ran {
            assert!(stderr(&output).contains(&format!("{model} skipped: {lib} is not installed")));
        }
    }
    for c in cells {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["requests_ok"], 40, "{c}");
        assert!(c["request_latency_ms"]["p50"].as_f64().unwrap() >= 20.0, "{c}");
        assert!(c["client"].as_str().is_some(), "{c}");
    }
}

#[test]
fn a_missing_python_skips_python_models_and_keeps_rust_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(
        dir.path(),
        &[
            "--workload",
            "sleep:10ms",
            "--models",
            "py-asyncio,rs-async",
            "--tasks",
            "2",
            "--python",
            "/nonexistent/python3",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(
        err.lines().filter(|l| l.contains("Python models skipped")).count(),
        1,
        "{err}"
    );
    let cells = results["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0]["model"], "rs-async");

    // Only Python models and no Python: nothing to run is bad input.
    let output = bench(
        &dir.path().join("none"),
        &["--models", "py-asyncio", "--python", "/nonexistent/python3"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output).trim().lines().count(), 1, "{}", stderr(&output));
}

#[test]
fn an_exception_in_the_driver_is_a_crashed_cell() {
    let dir = tempfile::tempdir().unwrap();
    // An interpreter that answers the probe like python3 (`-m conlab_driver.probe`, as
    // every helper module runs) but fails running the driver.
    let fake = dir.path().join("python-broken");
    std::fs::write(
        &fake,
        "#!/bin/sh\nif [ \"$1\" = \"-m\" ]; then exec python3 \"$@\"; fi\nexec python3 -c \"raise ValueError('boom from the driver')\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (output, results) = run(
        dir.path(),
        &[
            "--workload",
            "sleep:10ms",
            "--models",
            "py-asyncio",
            "--tasks",
            "2",
            "--python",
            fake.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let cell = &results["cells"][0];
    assert_eq!(cell["status"], "crashed", "{cell}");
    assert!(
        cell["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("ValueError: boom from the driver"),
        "{cell}"
    );
}

#[test]
fn several_interpreters_name_models_by_version() {
    let others: Vec<String> = ["3.10", "3.12", "3.13"]
        .iter()
        .flat_map(|v| {
            std::fs::read_dir("/root/.pyenv/versions")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(move |e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.starts_with(&format!("{v}."))
                        .then(|| e.path().join("bin/python3").display().to_string())
                })
        })
        .collect();
    let Some(other) = others.first() else {
        // No second interpreter on this machine: the naming rule is checked in-process
        // (src/checks/specs.rs, a_versioned_python_model_keeps_its_name).
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(
        dir.path(),
        &[
            "--workload",
            "sleep:10ms",
            "--models",
            "py-asyncio",
            "--tasks",
            "2",
            "--python",
            "python3",
            "--python",
            other,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let names: Vec<&str> = results["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("py3.") && n.ends_with("-asyncio")),
        "{names:?}"
    );
    assert_eq!(results["environment"]["python"].as_array().unwrap().len(), 2);
}
