//! `rs-async` and `rs-async-st`: one tokio task per task, on a multi-thread runtime or on
//! a current-thread runtime (one event loop, the shape of Python's asyncio). The two differ
//! only in how the runtime is built, so they share this file.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::job::{cores, Job, Model};
use super::run::CellRun;
use crate::measure::clock::mono_ns;
use crate::measure::inflight;
use crate::measure::latency::{Buckets, TaskRecord};
use crate::params::{Params, SpecError};
use crate::results::{ErrorKind, Failure, FailureKind};
use crate::workload::{TaskCtx, Workload};

/// `rs-async[:workers=W]`: a multi-thread runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiThread {
    pub workers: Option<usize>,
}

/// `rs-async-st`: a current-thread runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentThread {}

impl MultiThread {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let workers = p.positional_count("workers")?;
        p.finish("workers")?;
        Ok(MultiThread { workers })
    }

    fn width(&self) -> usize {
        self.workers.unwrap_or_else(cores)
    }
}

impl CurrentThread {
    pub fn parse(p: Params) -> Result<Self, SpecError> {
        p.finish("none")?;
        Ok(CurrentThread {})
    }
}

impl fmt::Display for MultiThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.workers {
            None => f.write_str("rs-async"),
            Some(w) => write!(f, "rs-async:workers={w}"),
        }
    }
}

impl Model for MultiThread {
    fn describe(&self, tasks: usize) -> String {
        format!(
            "{} on a multi-thread runtime, {}",
            crate::units::plural(tasks, "tokio task"),
            crate::units::plural(self.width(), "worker")
        )
    }

    fn run(&self, work: Arc<dyn Workload>, cell: &Job, run: &mut CellRun) -> Result<(), Failure> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.width())
            .enable_all()
            .build();
        run_on(rt, work, 0..cell.tasks, run, true)
    }
}

impl Model for CurrentThread {
    fn describe(&self, tasks: usize) -> String {
        format!("{tasks} tokio tasks on a current-thread runtime")
    }

    fn run(&self, work: Arc<dyn Workload>, cell: &Job, run: &mut CellRun) -> Result<(), Failure> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
        run_on(rt, work, 0..cell.tasks, run, true)
    }
}

/// Spawn the tasks `indices` on the runtime, await them all, and measure the loop's lag.
/// `mark_ready`: the cell's ready mark is set once the loop runs (an `rs-process:async=true`
/// worker leaves it alone: its recorder already counts from the cell's mark).
#[link_section = ".text.hot.conlab"]
pub fn run_on(
    rt: std::io::Result<tokio::runtime::Runtime>,
    work: Arc<dyn Workload>,
    indices: std::ops::Range<usize>,
    run: &mut CellRun,
    mark_ready: bool,
) -> Result<(), Failure> {
    let rt = rt.map_err(runtime_failed)?;
    // Each task holds a thin `&'static` pointer to the workload instead of an `Arc`
    // clone, so a waiting task costs what a hand-written `spawn(sleep(d))` costs
    // (BENCHMARKS.md compares the two). The cell process exits right after the run,
    // so the one leaked box is never missed.
    let work: &'static Arc<dyn Workload> = Box::leak(Box::new(work));
    rt.block_on(async move {
        let heartbeat = Heartbeat::start();
        if mark_ready {
            run.ready();
        }
        let mut handles = Vec::with_capacity(indices.len());
        for index in indices {
            let ctx = TaskCtx { index };
            handles.push(tokio::spawn(async move {
                let _running = inflight::enter();
                let start_ns = mono_ns();
                let result = work.run_async(&ctx).await;
                TaskRecord {
                    start_ns,
                    end_ns: mono_ns(),
                    result,
                }
            }));
        }
        run.all_spawned();
        for handle in handles {
            match handle.await {
                Ok(record) => run.rec.record(record),
                Err(_) => run.rec.record_errors(ErrorKind::Panic, "task panicked", 1),
            }
        }
        run.loop_lag_us = heartbeat.finish().await;
    });
    Ok(())
}

/// A tokio runtime that could not be built, as the cell's failure.
pub fn runtime_failed(err: std::io::Error) -> Failure {
    Failure {
        kind: FailureKind::Runtime,
        message: format!("tokio runtime could not start: {err}"),
        at_task: None,
        limit: Some(crate::measure::limits::diagnose_spawn(&err)),
    }
}

/// Every async cell also measures how late a 1 ms heartbeat wakes up: a blocked event
/// loop shows as lag, not only as slower tasks.
pub struct Heartbeat {
    done: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<Buckets>,
}

impl Heartbeat {
    /// Start beating on the current runtime.
    pub fn start() -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let handle = tokio::spawn(heartbeat(Arc::clone(&done)));
        Heartbeat { done, handle }
    }

    /// Stop, and hand back the lateness of every beat (microseconds).
    pub async fn finish(self) -> Option<crate::measure::latency::HistogramWire> {
        self.done.store(true, Ordering::Relaxed);
        self.handle.await.ok().map(|lag| lag.wire())
    }
}

/// Sleep 1 ms at a time until `done`, recording how late each wake-up is.
async fn heartbeat(done: Arc<AtomicBool>) -> Buckets {
    let mut lag = Buckets::default();
    while !done.load(Ordering::Relaxed) {
        let due = tokio::time::Instant::now() + Duration::from_millis(1);
        tokio::time::sleep_until(due).await;
        let late = tokio::time::Instant::now().saturating_duration_since(due);
        lag.record(late.as_micros() as u64);
    }
    lag
}
