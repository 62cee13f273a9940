//! The answer on fixed results: the default sweep (as a fixture) for the article's
//! scales and memory, and fixed cells for the gotchas.

use std::time::Duration;

use super::{answer, Call};
use crate::cell::parent::{unrun, CellMeta};
use crate::measure::latency::LatencySummary;
use crate::results::{CellResult, Results, Status};

fn default_sweep() -> Results {
    let path = concat!(env!("CONLAB_ROOT"), "/tests/fixtures/default-sweep.json");
    crate::report::load::load(std::path::Path::new(path)).unwrap().results
}

#[test]
fn the_default_sweep_gives_each_scale_and_memory_with_their_cells() {
    let results = default_sweep();
    let a = answer(&results, None, &[]);
    let counts: Vec<usize> = a.scale.iter().map(|r| r.tasks).collect();
    assert_eq!(counts, [10, 1000, 5000]);
    assert_eq!(a.scale[0].scale, "10");
    assert_eq!(a.scale[2].scale, "1,000+");
    for r in &a.scale {
        assert_eq!(
            (r.thread.cell.model.as_str(), r.asyncio.cell.model.as_str()),
            ("py-thread", "py-asyncio")
        );
        assert_eq!((r.thread.cell.tasks, r.thread.cell.runs), (r.tasks, 3));
        assert!(r.thread.cell.workload.starts_with("http:"));
    }
    let m = a.memory.as_ref().unwrap();
    assert_eq!(m.thread_vm.cell.workload, "sleep:1s");
    // Reserved is not resident: gigabytes of address space, tens of MiB resident.
    assert!(m.thread_vm.value > 50.0 * m.thread_rss.value, "{m:?}");
    // Both workloads compare two Python models.
    assert_eq!(a.matrix.len(), 2);
    assert!(a.loop_lag.is_none() && a.connection_limit.is_none());

    let md = crate::report::answer::markdown(&a, &results);
    for title in [
        "## In short",
        "## Decision matrix",
        "## Performance at scale",
        "## Memory at 1,000 tasks",
        "## Gotchas",
        "## The article's claims",
    ] {
        assert!(md.contains(title), "{title} missing:\n{md}");
    }
    assert!(md.contains("[sleep 1s · py-thread · 1,000 tasks · 3 runs]"), "{md}");
    // A tie names no crossover.
    assert!(
        md.contains("| py-thread ≈ py-asyncio | none: too close to call at 5,000 tasks |"),
        "{md}"
    );
    let html = crate::report::answer::html(&a, &results);
    assert!(html.contains("<h2>Performance at scale</h2>") && !html.contains("<script"));
    assert!(!html.contains('`'), "backticks written as code: {html}");
    assert!(html.contains(r#"<span class="ref">[sleep 1s · py-thread · 1,000 tasks · 3 runs]</span>"#));
}

fn cell(workload: &str, model: &str, tasks: usize, work: f64, repeat: usize) -> CellResult {
    let meta = CellMeta {
        index: 1,
        workload: workload.into(),
        model: model.into(),
        tasks,
        repeat,
        baseline: false,
    };
    let mut c = unrun(meta, Status::Ok, None, Duration::from_secs(60));
    c.work_s = Some(work);
    c.peak_in_flight = Some(tasks as u64);
    c
}

fn results_of(cells: Vec<CellResult>) -> Results {
    let mut results = default_sweep();
    let mut models: Vec<String> = Vec::new();
    let mut workloads: Vec<String> = Vec::new();
    for c in &cells {
        if !models.contains(&c.model) {
            models.push(c.model.clone());
        }
        if !workloads.contains(&c.workload) {
            workloads.push(c.workload.clone());
        }
    }
    results.analysis = crate::analyze::analyze(&cells, &[], &workloads, &models);
    (results.cells, results.plan.models, results.plan.workloads) = (cells, models, workloads);
    results.baselines.clear();
    results
}

#[test]
fn a_blocked_loop_and_a_connection_limit_are_figures_from_their_cells() {
    let blocking: crate::workload::WorkloadSpec = "blocking:call=20ms,offload=false".parse().unwrap();
    let blocking = blocking.to_string();
    let http: crate::workload::WorkloadSpec = "http:latency=50ms".parse().unwrap();
    let http = http.to_string();
    let mut cells = Vec::new();
    for r in 0..3 {
        let mut a = cell(&blocking, "py-asyncio", 50, 1.0 + r as f64 * 0.01, r);
        a.loop_lag_ms = Some(LatencySummary {
            p50: 19.0,
            p90: 20.0,
            p99: 20.5 + r as f64,
            max: 25.0,
            mean: 19.0,
        });
        cells.push(a);
        cells.push(cell(&blocking, "py-thread", 50, 0.03, r));
        let mut limited = cell(&http, "py-asyncio+aiohttp:limit=100", 1000, 0.55, r);
        limited.peak_fds = 108;
        cells.push(limited);
        let mut unlimited = cell(&http, "py-asyncio+aiohttp", 1000, 0.30, r);
        unlimited.peak_fds = 1008;
        cells.push(unlimited);
    }
    // The sweep did not measure these; the claims' results beside it did.
    let results = default_sweep();
    let claims = results_of(cells);
    let a = answer(&results, Some(&claims), &[]);
    let lag = a.loop_lag.as_ref().unwrap();
    assert_eq!((lag.lag_p99_ms.value, lag.call_ms), (21.5, 20.0));
    assert_eq!(lag.lag_p99_ms.cell.runs, 3);
    assert_eq!(lag.thread_time.as_ref().unwrap().value, 0.03);
    let limit = a.connection_limit.as_ref().unwrap();
    assert_eq!(
        (limit.limit, limit.limited_fds.value, limit.unlimited_fds.value),
        (100, 108.0, 1008.0)
    );
    assert_eq!((limit.limited_time.value, limit.unlimited_time.value), (0.55, 0.30));
    assert_eq!(limit.limited_time.cell.model, "py-asyncio+aiohttp:limit=100");
    // The blocking workload's Python pick: threads, beyond the noise.
    let row = a.matrix.iter().find(|r| r.workload == blocking).unwrap();
    assert_eq!(row.pick.best, ["py-thread"]);
    // A workload both ran is the sweep's alone: one row, the sweep's count.
    let rows: Vec<_> = a.matrix.iter().filter(|r| r.workload == http).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].tasks, 5000);
    assert_eq!(a.cells, results.cells.len() + claims.cells.len());
    let md = crate::report::answer::markdown(&a, &results);
    assert!(md.contains("heartbeat was 21.5ms"), "{md}");
    assert!(md.contains("held at most 108 file descriptors"), "{md}");
}

#[test]
fn threads_and_asyncio_within_the_noise_are_similar() {
    let http: crate::workload::WorkloadSpec = "http:latency=50ms".parse().unwrap();
    let http = http.to_string();
    let mut cells = Vec::new();
    for (r, (t, a)) in [(0.40, 0.20), (0.42, 0.21), (0.41, 0.205)].into_iter().enumerate() {
        cells.push(cell(&http, "py-thread", 1000, t, r));
        cells.push(cell(&http, "py-asyncio", 1000, a, r));
        // At 10, 10% apart but each model's runs spread by 30%.
        cells.push(cell(&http, "py-thread", 10, [0.05, 0.065, 0.055][r], r));
        cells.push(cell(&http, "py-asyncio", 10, [0.06, 0.05, 0.06][r], r));
    }
    let a = answer(&results_of(cells), None, &[]);
    assert_eq!(a.scale[0].call, Call::Similar);
    match &a.scale[1].call {
        Call::Faster { model, ratio } => {
            assert_eq!(model, "py-asyncio");
            assert!((ratio - 2.0).abs() < 1e-9, "{ratio}");
        }
        other => panic!("{other:?}"),
    }
}
