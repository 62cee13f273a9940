//! A sync-only call inside async code: on the event loop it serialises every task and the
//! loop's heartbeat shows the stall; offloaded, both collapse.

use crate::common::*;
use serde_json::Value;

fn cells(offload: bool) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let spec = format!("blocking:call=20ms,offload={offload}");
    let output = bench(
        &out,
        &[
            "--workload",
            &spec,
            "--models",
            "rs-async-st,py-asyncio,rs-thread",
            "--tasks",
            "30",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let results = read_json(&out.join("results.json"));
    assert_valid("results.schema.json", &results);
    results["cells"].as_array().unwrap().clone()
}

#[test]
fn a_blocked_event_loop_shows_as_time_and_lag_and_offloading_fixes_both() {
    for c in cells(false) {
        assert_eq!(c["status"], "ok", "{c}");
        let work = c["work_s"].as_f64().unwrap();
        if c["model"] == "rs-thread" {
            assert!(work < 0.3, "threads run the calls side by side: {c}");
            assert!(c["loop_lag_ms"].is_null());
            continue;
        }
        assert!(work >= 0.55, "30 calls of 20 ms on one loop take 0.6 s: {c}");
        assert!(c["loop_lag_ms"]["max"].as_f64().unwrap() >= 20.0, "{c}");
        assert!(c["client"].as_str().unwrap().contains("on the event loop"), "{c}");
    }
    for c in cells(true) {
        assert_eq!(c["status"], "ok", "{c}");
        if c["model"] == "rs-thread" {
            continue;
        }
        assert!(c["work_s"].as_f64().unwrap() < 0.4, "{c}");
        assert!(c["loop_lag_ms"]["max"].as_f64().unwrap() < 20.0, "{c}");
    }
}
