//! py-gevent through the real binary: greenlets hold every task at once on one thread,
//! C code that blocks stalls the hub (and the heartbeat says so), the server model serves
//! on the inherited listener, and an interpreter without gevent skips the model with one
//! line. Each test that needs gevent says so and returns when `python3` lacks it.

use crate::common::*;
use serde_json::Value;

/// The real interpreter behind `python3` (not a pyenv shim, whose wrapper processes would
/// count in the cell's tree), when it has gevent; `None` (and a line saying so) when not.
pub fn python_with(module: &str) -> Option<String> {
    let out = std::process::Command::new("python3")
        .args(["-c", &format!("import sys, {module}; print(sys.executable)")])
        .output()
        .ok()?;
    if !out.status.success() {
        println!("python3 has no {module}: skipped");
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn run(python: &str, args: &[&str]) -> (std::process::Output, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut all = args.to_vec();
    all.extend(["--python", python]);
    let output = bench(&out, &all);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let results = read_json(&out.join("results.json"));
    assert_valid("results.schema.json", &results);
    (output, results["cells"].as_array().unwrap().clone())
}

#[test]
fn greenlets_hold_every_sleeping_task_at_once_on_one_thread() {
    let Some(python) = python_with("gevent") else { return };
    let (_, cells) = run(
        &python,
        &[
            "--workload",
            "sleep:300ms",
            "--models",
            "py-gevent,py-gevent:size=50",
            "--tasks",
            "200",
        ],
    );
    let of = |model: &str| cells.iter().find(|c| c["model"] == model).unwrap().clone();
    let each = of("py-gevent");
    assert_eq!(each["status"], "ok", "{each}");
    assert_eq!(each["tasks_ok"], 200);
    assert_eq!(each["peak_in_flight"], 200, "{each}");
    assert_eq!(each["peak_threads"], 1, "one hub, one thread: {each}");
    assert!(each["loop_lag_ms"]["max"].is_number(), "the hub's heartbeat: {each}");
    assert!(each["runner"].as_str().unwrap().contains("greenlets"), "{each}");
    // A pool of 50 greenlets: never more than 50 at once, so 200 sleeps take 4 rounds.
    let pool = of("py-gevent:size=50");
    assert_eq!(pool["status"], "ok", "{pool}");
    assert_eq!(pool["peak_in_flight"], 50, "{pool}");
    assert_eq!(pool["concurrency"], 50, "{pool}");
    assert!(pool["work_s"].as_f64().unwrap() >= 4.0 * 0.3, "{pool}");
}

#[test]
fn a_blocking_c_call_stalls_the_hub_and_every_greenlet() {
    let Some(python) = python_with("gevent") else { return };
    let (_, cells) = run(
        &python,
        &[
            "--workload",
            "blocking:call=20ms,offload=false",
            "--workload",
            "blocking:call=20ms,offload=true",
            "--models",
            "py-gevent",
            "--tasks",
            "50",
        ],
    );
    for c in &cells {
        assert_eq!(c["status"], "ok", "{c}");
    }
    let on_hub = cells
        .iter()
        .find(|c| c["workload"].as_str().unwrap().contains("offload=false"))
        .unwrap();
    // The 50 calls block the one thread in turn: at least 50 x 20 ms. The heartbeat set its
    // 1 ms timer before any task ran, and the first call held the hub for 20 ms, so some
    // wake-up came at least 19 ms late: a logical bound, not a race.
    assert!(on_hub["work_s"].as_f64().unwrap() >= 1.0, "{on_hub}");
    assert!(on_hub["loop_lag_ms"]["max"].as_f64().unwrap() >= 19.0, "{on_hub}");
    assert_eq!(
        on_hub["peak_in_flight"], 1,
        "each call runs to its end on the hub: {on_hub}"
    );
    assert!(
        on_hub["client"].as_str().unwrap().contains("blocking gevent's hub"),
        "{on_hub}"
    );
    // Offloaded to gevent's thread pool, the hub keeps turning: the greenlets wait together.
    let offloaded = cells
        .iter()
        .find(|c| c["workload"].as_str().unwrap().contains("offload=true"))
        .unwrap();
    assert!(offloaded["peak_in_flight"].as_u64().unwrap() > 1, "{offloaded}");
    assert!(
        offloaded["client"].as_str().unwrap().contains("threadpool"),
        "{offloaded}"
    );
}

#[test]
fn gevent_fetches_with_its_codec_and_requests_and_serves_on_the_inherited_listener() {
    let Some(python) = python_with("gevent") else { return };
    let has_requests = python_with("requests").is_some();
    let models = if has_requests {
        "py-gevent,py-gevent+requests"
    } else {
        "py-gevent"
    };
    let (_, cells) = run(
        &python,
        &[
            "--workload",
            "http:latency=50ms,requests=2",
            "--models",
            models,
            "--tasks",
            "40",
        ],
    );
    assert_eq!(cells.len(), if has_requests { 2 } else { 1 });
    for c in &cells {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["requests_ok"], 80, "{c}");
        assert_eq!(c["peak_in_flight"], 40, "every fetch waits at once: {c}");
        assert!(c["request_latency_ms"]["p50"].as_f64().unwrap() >= 50.0, "{c}");
    }
    let (_, cells) = run(
        &python,
        &[
            "--workload",
            "serve-http:latency=10ms,duration=500ms",
            "--models",
            "py-gevent",
            "--tasks",
            "20",
        ],
    );
    let served = &cells[0];
    assert_eq!(served["status"], "ok", "{served}");
    assert_eq!(served["peak_in_flight"], 20, "a greenlet per connection: {served}");
    assert!(served["requests_ok"].as_u64().unwrap() >= 20, "{served}");
    assert!(served["runner"].as_str().unwrap().contains("StreamServer"), "{served}");
}

#[test]
fn an_interpreter_without_gevent_skips_the_model_with_one_line() {
    let lacking = ["3.13", "3.12", "3.10"].iter().find_map(|v| {
        let dir = std::fs::read_dir("/root/.pyenv/versions").ok()?;
        dir.flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{v}.")))
            .map(|e| e.path().join("bin/python3"))
            .find(|p| {
                std::process::Command::new(p)
                    .args(["-c", "import gevent"])
                    .output()
                    .is_ok_and(|o| !o.status.success())
            })
    });
    let Some(python) = lacking else {
        println!("no interpreter without gevent here: skipped");
        return;
    };
    let python = python.display().to_string();
    let (output, cells) = run(
        &python,
        &[
            "--workload",
            "sleep:10ms",
            "--models",
            "py-gevent,py-gevent+requests,py-asyncio",
            "--tasks",
            "2",
        ],
    );
    let err = stderr(&output);
    for model in ["py-gevent", "py-gevent+requests"] {
        let line = format!("{model} skipped: gevent is not installed for {python}");
        assert_eq!(err.lines().filter(|l| l.contains(&line)).count(), 1, "{err}");
    }
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0]["model"], "py-asyncio");
}
