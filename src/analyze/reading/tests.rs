//! The reading on fixed cells: each mechanism found from the numbers that show it, ties
//! by the winners' noise rule, and the headline's pick per language.

use std::time::Duration;

use crate::analyze::analyze;
use crate::cell::parent::{unrun, CellMeta};
use crate::measure::latency::LatencySummary;
use crate::results::reading::{Mechanism, Metric, Ranking, Reading};
use crate::results::{CellResult, Failure, FailureKind, Status};

const HTTP: &str = "http:latency=50ms,requests=1,keepalive=true,bytes=128";

fn latency(p50: f64, p99: f64) -> Option<LatencySummary> {
    Some(LatencySummary {
        p50,
        p90: p99,
        p99,
        max: p99,
        mean: p50,
    })
}

/// An `ok` cell that ran every task at once, each in `task_ms`, over `work` seconds.
fn cell(workload: &str, model: &str, tasks: usize, work: f64, task_ms: f64) -> CellResult {
    let meta = CellMeta {
        index: 1,
        workload: workload.into(),
        model: model.into(),
        tasks,
        repeat: 0,
        baseline: tasks == 0,
    };
    let mut c = unrun(meta, Status::Ok, None, Duration::from_secs(60));
    c.work_s = Some(work);
    c.started_s = Some(0.001);
    c.concurrency = Some(tasks);
    c.peak_in_flight = Some(tasks as u64);
    c.latency_ms = latency(task_ms, task_ms);
    c.caller_latency_ms = latency(task_ms, work * 1e3);
    c.peak_rss_bytes = 10_000_000 + 10_000 * tasks as u64;
    c.peak_vm_bytes = 100_000_000;
    c.peak_threads = 2;
    c.peak_processes = 1;
    c
}

fn reading_of(cells: &[CellResult], baselines: &[CellResult], workload: &str) -> Reading {
    let mut models: Vec<String> = cells.iter().map(|c| c.model.clone()).collect();
    models.dedup();
    let a = analyze(cells, baselines, &[workload.to_string()], &models);
    a.workloads[0].reading.clone().unwrap()
}

fn ranking(r: &Reading, metric: Metric) -> &Ranking {
    r.rankings.iter().find(|x| x.metric == metric).unwrap()
}

/// py-thread asked for 5,000 requests of 50 ms but started about 2,900 threads/s: the
/// first had ended long before the last began, so at most 146 ran at once.
fn start_bound_py_thread() -> Vec<CellResult> {
    let mut thread = cell(HTTP, "py-thread", 5000, 3.05, 50.0);
    thread.peak_in_flight = Some(146);
    thread.started_s = Some(1.72);
    thread.peak_threads = 147;
    let asyncio = cell(HTTP, "py-asyncio", 5000, 0.30, 60.0);
    vec![asyncio, thread]
}

#[test]
fn a_start_bound_thread_model_is_explained_by_its_start_rate() {
    let r = reading_of(&start_bound_py_thread(), &[], HTTP);
    let time = ranking(&r, Metric::Time);
    assert_eq!(time.entries[0].model, "py-asyncio");
    assert!(!time.entries[1].tied);
    let why = time
        .why
        .iter()
        .find(|w| w.model == "py-thread")
        .expect("a why for py-thread");
    match &why.mechanism {
        Mechanism::StartBound {
            peak_in_flight,
            starts_per_s,
            task_ms,
            threads,
            ..
        } => {
            assert_eq!(*peak_in_flight, 146);
            assert!((starts_per_s - 5000.0 / 1.72).abs() < 1e-6, "{starts_per_s}");
            assert_eq!(*task_ms, 50.0);
            assert!(threads);
        }
        other => panic!("not start-bound: {other:?}"),
    }
    let line = crate::report::reading::why_line(why);
    assert!(line.contains("py-thread started about 2,900 threads/s"), "{line}");
    assert!(line.contains("at most 146 of 5,000 ran at once"), "{line}");
    // It ran fewer at once than asked, so it is left out of the memory ranking.
    let memory = ranking(&r, Metric::Memory);
    assert_eq!(memory.left_out[0].model, "py-thread");
    assert_eq!(memory.left_out[0].peak_in_flight, 146);
}

#[test]
fn a_fast_start_is_not_start_bound() {
    // The same shortfall in flight, but the last task started before the first ended.
    let mut cells = start_bound_py_thread();
    cells[1].started_s = Some(0.04);
    let r = reading_of(&cells, &[], HTTP);
    assert!(ranking(&r, Metric::Time)
        .why
        .iter()
        .all(|w| !matches!(w.mechanism, Mechanism::StartBound { .. })));
}

#[test]
fn ties_follow_the_winners_noise_rule_not_a_fixed_ratio() {
    // One run each: 10%. b is within it of a, c is not (from the group's first, a).
    let cells = vec![
        cell("sleep:1s", "a", 100, 1.00, 1000.0),
        cell("sleep:1s", "b", 100, 1.08, 1000.0),
        cell("sleep:1s", "c", 100, 1.16, 1000.0),
    ];
    let models: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let a = &analyze(&cells, &[], &["sleep:1s".into()], &models).workloads[0];
    let time = ranking(a.reading.as_ref().unwrap(), Metric::Time);
    let tied: Vec<bool> = time.entries.iter().map(|e| e.tied).collect();
    assert_eq!(tied, [false, true, false]);
    // The winner's rule says the same: a and b are too close to call.
    assert_eq!(a.winners[0].by_time, None);
    assert_eq!(a.reading.as_ref().unwrap().headline.fastest, ["a", "b"]);

    // Three runs of a that agree within 1%, and of b within 1%: 5% apart is a place.
    let mut cells = Vec::new();
    for (i, (ta, tb)) in [(1.00, 1.05), (1.005, 1.055), (1.01, 1.06)].into_iter().enumerate() {
        let mut x = cell("sleep:1s", "a", 100, ta, 1000.0);
        let mut y = cell("sleep:1s", "b", 100, tb, 1000.0);
        (x.repeat, y.repeat) = (i, i);
        cells.extend([x, y]);
    }
    let a = &analyze(&cells, &[], &["sleep:1s".into()], &models[..2]).workloads[0];
    let time = ranking(a.reading.as_ref().unwrap(), Metric::Time);
    assert!(!time.entries[1].tied, "{time:?}");
    assert_eq!(a.winners[0].by_time.as_deref(), Some("a"));
    assert_eq!(time.entries[1].runs, 3);
}

#[test]
fn a_pool_is_queue_bound_by_its_width() {
    let mut pool = cell(HTTP, "py-pool", 1000, 8.6, 50.0);
    pool.concurrency = Some(6);
    pool.peak_in_flight = Some(6);
    let cells = vec![cell(HTTP, "py-asyncio", 1000, 0.2, 60.0), pool];
    let r = reading_of(&cells, &[], HTTP);
    let why = &ranking(&r, Metric::Time).why[0];
    assert_eq!(why.model, "py-pool");
    match why.mechanism {
        Mechanism::QueueBound {
            width, floor_s, ran, ..
        } => {
            assert_eq!((width, ran), (6, true));
            assert!((floor_s - 1000.0 * 0.05 / 6.0).abs() < 1e-9, "{floor_s}");
        }
        ref other => panic!("{other:?}"),
    }
    let line = crate::report::reading::why_line(why);
    assert!(
        line.contains("6 at a time: 1,000 × 50.0ms / 6 = 8.33s at least"),
        "{line}"
    );
}

#[test]
fn a_skipped_queue_is_explained_from_the_count_it_ran() {
    let mut pool10 = cell(HTTP, "rs-pool", 10, 0.11, 54.0);
    pool10.concurrency = Some(6);
    let meta = CellMeta {
        index: 2,
        workload: HTTP.into(),
        model: "rs-pool".into(),
        tasks: 5000,
        repeat: 0,
        baseline: false,
    };
    let failure = Failure {
        kind: FailureKind::PredictedTimeout,
        message: "needs at least 45s".into(),
        at_task: None,
        limit: None,
    };
    let skipped = unrun(meta, Status::Skipped, failure, Duration::from_secs(60));
    let cells = vec![
        cell(HTTP, "rs-async", 10, 0.055, 53.0),
        cell(HTTP, "rs-async", 5000, 0.9, 400.0),
        cell(HTTP, "rs-thread", 5000, 0.8, 100.0),
        pool10,
        skipped,
    ];
    let r = reading_of(&cells, &[], HTTP);
    let why = ranking(&r, Metric::Time)
        .why
        .iter()
        .find(|w| w.model == "rs-pool")
        .unwrap();
    assert_eq!(
        why.mechanism,
        Mechanism::QueueBound {
            width: 6,
            task_ms: 54.0,
            floor_s: 5000.0 * 0.054 / 6.0,
            measured_at: 10,
            ran: false
        }
    );
}

#[test]
fn a_python_model_on_one_core_is_gil_bound_when_the_work_used_more() {
    let w = "cpu:iterations=200000";
    let mut rust = cell(w, "rs-thread", 100, 1.0, 20.0);
    (rust.user_s, rust.sys_s) = (1.9, 0.0);
    let mut py = cell(w, "py-thread", 100, 4.0, 150.0);
    (py.user_s, py.sys_s) = (3.8, 0.1);
    let r = reading_of(&[rust, py], &[], w);
    let why = &ranking(&r, Metric::Time).why[0];
    match &why.mechanism {
        Mechanism::GilBound {
            cores_used,
            other,
            other_cores,
        } => {
            assert!((cores_used - 0.975).abs() < 1e-9);
            assert_eq!((other.as_str(), *other_cores), ("rs-thread", 1.9));
        }
        other => panic!("{other:?}"),
    }
    // A Python model split over processes is not held by one GIL.
    let mut rust = cell(w, "rs-thread", 100, 1.0, 20.0);
    (rust.user_s, rust.sys_s) = (1.9, 0.0);
    let mut procs = cell(w, "py-process", 100, 4.0, 150.0);
    (procs.user_s, procs.peak_processes) = (3.9, 3);
    let r = reading_of(&[rust, procs], &[], w);
    assert!(ranking(&r, Metric::Time).why.is_empty());
}

#[test]
fn a_loop_late_by_the_whole_call_is_blocked() {
    let w = "blocking:call=20ms,offload=false";
    let spec: crate::workload::WorkloadSpec = w.parse().unwrap();
    let w = spec.to_string();
    let mut blocked = cell(&w, "py-asyncio", 100, 2.0, 20.0);
    blocked.loop_lag_ms = latency(19.0, 21.0);
    // One task at a time, the last started late: the blocked loop is the cause, said once.
    (blocked.peak_in_flight, blocked.started_s) = (Some(1), Some(1.98));
    let r = reading_of(&[cell(&w, "py-thread", 100, 0.03, 20.0), blocked], &[], &w);
    assert_eq!(
        ranking(&r, Metric::Time).why.len(),
        1,
        "{:?}",
        ranking(&r, Metric::Time).why
    );
    let why = &ranking(&r, Metric::Time).why[0];
    assert_eq!(
        why.mechanism,
        Mechanism::LoopBlocked {
            loop_lag_p99_ms: 21.0,
            call_ms: 20.0
        }
    );
}

#[test]
fn reserved_address_space_is_set_against_resident_memory() {
    // Threads reserve 8 MiB of stack each but touch 16 KiB; async tasks neither.
    let mut cells = Vec::new();
    let mut baselines = Vec::new();
    for (model, vm, rss) in [("py-thread", 8 << 20, 16 << 10), ("py-asyncio", 0, 4 << 10)] {
        let mut b = cell("sleep:1s", model, 0, 0.0, 0.0);
        (b.peak_vm_bytes, b.peak_rss_bytes) = (50 << 20, 10 << 20);
        baselines.push(b);
        let mut c = cell("sleep:1s", model, 1000, 1.01, 1000.0);
        c.peak_vm_bytes = (50 << 20) + 1000 * vm;
        c.peak_rss_bytes = (10 << 20) + 1000 * rss;
        cells.push(c);
    }
    let r = reading_of(&cells, &baselines, "sleep:1s");
    let per_task = ranking(&r, Metric::MemoryPerTask);
    assert_eq!(per_task.entries[0].model, "py-asyncio");
    assert_eq!(per_task.why.len(), 1, "{:?}", per_task.why);
    assert_eq!(
        per_task.why[0].mechanism,
        Mechanism::Reserved {
            virtual_per_task: (8 << 20) as f64,
            resident_per_task: (16 << 10) as f64
        }
    );
    let line = crate::report::reading::why_line(&per_task.why[0]).replace('\u{a0}', " ");
    assert!(
        line.contains("reserves 8.00 MiB of address space per task; 16.0 KiB of it is resident"),
        "{line}"
    );
}

#[test]
fn a_limit_is_the_reason_a_model_is_missing() {
    let meta = CellMeta {
        index: 3,
        workload: "sleep:1s".into(),
        model: "rs-thread".into(),
        tasks: 100,
        repeat: 0,
        baseline: false,
    };
    let failure = Failure {
        kind: FailureKind::SpawnLimit,
        message: "thread 31,998 refused".into(),
        at_task: Some(31_998),
        limit: Some("pid_max 32768".into()),
    };
    let failed = unrun(meta, Status::Failed, failure, Duration::from_secs(60));
    let cells = vec![
        cell("sleep:1s", "rs-async", 100, 1.0, 1000.0),
        cell("sleep:1s", "rs-async-st", 100, 1.0, 1000.0),
        failed,
    ];
    let r = reading_of(&cells, &[], "sleep:1s");
    let why = &ranking(&r, Metric::Time).why[0];
    assert_eq!(why.model, "rs-thread");
    assert!(matches!(&why.mechanism, Mechanism::LimitBound { limit: Some(l), .. } if l == "pid_max 32768"));
    let line = crate::report::reading::why_line(why);
    assert_eq!(
        line,
        "rs-thread stopped at 100 tasks (spawn-limit at task 31,998): pid_max 32768."
    );
}

#[test]
fn the_headline_picks_per_language_and_says_from_how_many_tasks() {
    let mut cells = Vec::new();
    for (n, thread, asyncio) in [(10, 0.055, 0.056), (1000, 0.40, 0.20), (5000, 3.05, 0.30)] {
        cells.push(cell(HTTP, "py-thread", n, thread, 50.0));
        cells.push(cell(HTTP, "py-asyncio", n, asyncio, 50.0));
        cells.push(cell(HTTP, "rs-async", n, 0.055 + n as f64 * 1e-5, 50.0));
    }
    let r = reading_of(&cells, &[], HTTP);
    let h = &r.headline;
    assert_eq!(
        (h.tasks, h.fastest.as_slice()),
        (Some(5000), &["rs-async".to_string()][..])
    );
    let python = h
        .languages
        .iter()
        .find(|p| p.language == crate::results::reading::Language::Python);
    let python = python.unwrap();
    assert_eq!(python.best, ["py-asyncio"]);
    assert_eq!(python.behind, ["py-thread"]);
    assert_eq!(python.from_tasks, Some(1000));
}
