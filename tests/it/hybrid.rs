//! Hybrid models: one event loop per worker process (`py-asyncio:procs=P`,
//! `rs-process:async=true`) or per thread (`py-asyncio:threads=T`). Each must run its share
//! of the tasks at once, and the result must say how the tasks were split.

use std::collections::BTreeSet;

use crate::common::*;
use serde_json::Value;

#[test]
fn hybrids_split_the_tasks_over_their_loops_and_record_each_share() {
    let dir = tempfile::tempdir().unwrap();
    let out = bench(
        dir.path(),
        &[
            "--workload",
            "sleep:300ms",
            "--models",
            "py-asyncio:procs=2,py-asyncio+uvloop:threads=2,rs-process:workers=2,async=true",
            "--tasks",
            "10",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    let cells: Vec<&Value> = results["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["baseline"] == false)
        .collect();
    assert_eq!(cells.len(), 3);
    for c in cells {
        let model = c["model"].as_str().unwrap();
        assert_eq!(c["status"], "ok", "{model}: {c}");
        // Every task ran at once: the loops are not a pool.
        assert_eq!(c["peak_in_flight"], 10, "{model}");
        assert!(
            c["loop_lag_ms"]["p99"].is_number(),
            "{model}: each loop's lag is measured"
        );
        let workers = c["workers"]
            .as_array()
            .unwrap_or_else(|| panic!("{model}: no workers: {c}"));
        assert_eq!(workers.len(), 2, "{model}");
        let shares: Vec<(u64, u64)> = workers
            .iter()
            .map(|w| (w["first_task"].as_u64().unwrap(), w["tasks"].as_u64().unwrap()))
            .collect();
        assert_eq!(shares, [(0, 5), (5, 5)], "{model}");
        assert!(workers.iter().all(|w| w["peak_in_flight"] == 5), "{model}: {workers:?}");
        let pids: BTreeSet<u64> = workers.iter().map(|w| w["pid"].as_u64().unwrap()).collect();
        if model.contains("threads=") {
            assert_eq!(pids.len(), 1, "{model}: threads share the cell's process");
        } else {
            assert_eq!(pids.len(), 2, "{model}: one process per loop");
            assert!(workers.iter().all(|w| w["peak_rss_bytes"].as_u64().unwrap() > 0));
        }
    }
}

#[test]
fn a_hybrid_spec_must_be_one_or_the_other() {
    for (spec, why) in [
        ("py-asyncio:procs=2,threads=2", "exclude each other"),
        ("py-asyncio:procs=0", "at least 1"),
        ("rs-process+ureq:async=true", "ureq blocks"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = bench(
            dir.path(),
            &["--workload", "sleep:1ms", "--models", spec, "--tasks", "1"],
        );
        assert_eq!(out.status.code(), Some(2), "{spec}");
        assert!(stderr(&out).contains(why), "{spec}: {}", stderr(&out));
    }
}
