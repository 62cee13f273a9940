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

/// The Python interpreters of pyenv whose version starts with `prefix` (`3.12`).
fn pyenv(prefix: &str) -> Option<String> {
    std::fs::read_dir("/root/.pyenv/versions")
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{prefix}.")))
        .map(|e| e.path().join("bin/python3"))
        .find(|p| p.exists())
        .map(|p| p.display().to_string())
}

#[test]
fn eager_tasks_run_on_3_12_and_are_skipped_with_the_reason_before() {
    let dir = tempfile::tempdir().unwrap();
    // python3 here is 3.11: the eager model is skipped at plan time, the plain one runs.
    let (output, results) = run(
        dir.path(),
        &[
            "--workload",
            "sleep:10ms",
            "--models",
            "py-asyncio:eager=true,py-asyncio",
            "--tasks",
            "4",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let minor = results["environment"]["python"][0]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let cells = results["cells"].as_array().unwrap();
    let eager_ran = cells.iter().any(|c| c["model"] == "py-asyncio:eager=true");
    let older = minor.starts_with("3.") && minor[2..].split('.').next().unwrap().parse::<u32>().unwrap() < 12;
    assert_eq!(eager_ran, !older, "python3 is {minor}: {cells:?}");
    if older {
        let err = stderr(&output);
        assert!(
            err.contains(
                "py-asyncio:eager=true skipped: eager=true needs asyncio.eager_task_factory, Python 3.12 or later"
            ),
            "{err}"
        );
    }
    let Some(py312) = pyenv("3.12") else {
        println!("no Python 3.12 here: the eager run is skipped");
        return;
    };
    let (output, results) = run(
        &dir.path().join("3.12"),
        &[
            "--workload",
            "sleep:10ms",
            "--workload",
            "cpu:iterations=1000",
            "--models",
            "py-asyncio:eager=true,py-asyncio:threads=2,eager=true",
            "--tasks",
            "20",
            "--python",
            &py312,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let cells = results["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4, "{cells:?}");
    for c in cells {
        assert_eq!(c["status"], "ok", "{c}");
        assert!(c["runner"].as_str().unwrap().contains("eager"), "{c}");
        assert!(c["model"].as_str().unwrap().ends_with("eager=true"), "{c}");
    }
    // An eager task that never waits runs to its end inside create_task: one at a time.
    let cpu = cells
        .iter()
        .find(|c| c["model"] == "py-asyncio:eager=true" && c["workload"].as_str().unwrap().starts_with("cpu"))
        .unwrap();
    assert_eq!(cpu["peak_in_flight"], 1, "{cpu}");
}

/// A target that serves one request at a time, 20 ms each, whatever the number of
/// connections: 50 requests/s at most. Stopped when the test process ends.
fn stalling_server() -> String {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let one_at_a_time = Arc::new(Mutex::new(()));
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let turn = one_at_a_time.clone();
            std::thread::spawn(move || {
                let mut conn = conn;
                let (mut buf, mut head) = ([0u8; 4096], Vec::new());
                loop {
                    while let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                        head.drain(..end + 4);
                        let _held = turn.lock().unwrap();
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        if conn
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .is_err()
                        {
                            return;
                        }
                    }
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
            });
        }
    });
    url
}

#[test]
fn a_python_open_loop_exposes_a_server_that_serves_one_request_at_a_time() {
    // The Rust client's check (tests/it/server.rs), from the Python clients. Closed loop,
    // 4 connections wait for each other: p99 about 4 x 20 ms. Open loop at 100 requests/s
    // for 1 s against a server that serves 50, latency counted from each intended send
    // time: the j-th answer comes 20·j ms or more after the first send while the sends are
    // intended 10 ms apart, so the two slowest answers are at least ~1 s late and the
    // latencies add up to at least 100 x 515 ms, whatever the machine's load: bounds of
    // logic, asserted with a margin for the tasks' start spread (BENCHMARKS.md, "open-loop
    // Python", has the two side by side).
    let target = stalling_server();
    let gevent = crate::gevent::python_with("gevent").is_some();
    let models = if gevent {
        "py-thread,py-asyncio,py-gevent"
    } else {
        "py-thread,py-asyncio"
    };
    let latencies = |workload: &str| -> Vec<(String, Value, u64)> {
        let dir = tempfile::tempdir().unwrap();
        let (output, results) = run(
            dir.path(),
            &[
                "--workload",
                workload,
                "--models",
                models,
                "--tasks",
                "4",
                "--target",
                &target,
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        results["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["status"], "ok", "{c}");
                (
                    c["model"].as_str().unwrap().to_string(),
                    c["request_latency_ms"].clone(),
                    c["requests_ok"].as_u64().unwrap() + c["requests_failed"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let closed = latencies("http:duration=1s");
    let open = latencies("http:duration=1s,rate=100");
    assert_eq!(closed.len(), if gevent { 3 } else { 2 });
    let ms = |v: &Value, key: &str| v[key].as_f64().unwrap();
    for ((model, closed, _), (_, open, sent)) in closed.iter().zip(&open) {
        assert!(
            ms(closed, "p99") >= 19.0,
            "{model}: closed {closed}: the server takes 20 ms"
        );
        // The schedule, not the server, sets how many are sent: 4 tasks x 25 sends 40 ms apart.
        assert_eq!(*sent, 100, "{model}");
        assert!(ms(open, "p99") >= 800.0, "{model}: open {open}");
        assert!(ms(open, "mean") >= 400.0, "{model}: open {open}");
        // Not asserted: open p99 against closed p99. Both are live timings, and on a busy
        // machine the closed loop's can grow past any fixed share of the open loop's.
    }
}
