//! `rs-async` and `rs-async-st`: one tokio task per task, on a multi-thread runtime or on
//! a current-thread runtime (one event loop, the shape of Python's asyncio). The two differ
//! only in how the runtime is built, so they share this file.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{cores, Model};
use crate::cell::CellRun;
use crate::measure::clock::mono_ns;
use crate::measure::latency::{new_histogram, summarize, TaskRecord};
use crate::params::Params;
use crate::results::Failure;
use crate::workload::{TaskCtx, Workload};

pub struct Tokio {
    /// `None`: current-thread runtime; `Some(w)`: multi-thread with `w` workers
    /// (`Some(0)` meaning the default, one per core).
    workers: Option<usize>,
}

impl Tokio {
    pub fn parse_multi(mut p: Params) -> Result<Arc<dyn Model>, String> {
        let workers = p
            .positional("workers")
            .map(|s| crate::units::parse_count(&s))
            .transpose()?;
        p.finish("workers")?;
        Ok(Arc::new(Tokio {
            workers: Some(workers.unwrap_or(0)),
        }))
    }

    pub fn parse_single(p: Params) -> Result<Arc<dyn Model>, String> {
        p.finish("none")?;
        Ok(Arc::new(Tokio { workers: None }))
    }

    fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        match self.workers {
            None => tokio::runtime::Builder::new_current_thread().enable_all().build(),
            Some(w) => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(if w == 0 { cores() } else { w })
                .enable_all()
                .build(),
        }
    }
}

impl Model for Tokio {
    fn spec(&self) -> String {
        match self.workers {
            None => "rs-async-st".into(),
            Some(0) => "rs-async".into(),
            Some(w) => format!("rs-async:workers={w}"),
        }
    }

    fn describe(&self, tasks: usize) -> String {
        match self.workers {
            None => format!("{tasks} tokio tasks on a current-thread runtime"),
            Some(w) => format!(
                "{tasks} tokio tasks on a multi-thread runtime, {} workers",
                if w == 0 { cores() } else { w }
            ),
        }
    }

    fn is_async(&self) -> bool {
        true
    }

    fn run(&self, work: Arc<dyn Workload>, tasks: usize, run: &mut CellRun) -> Result<(), Failure> {
        let rt = self.runtime().map_err(|err| Failure {
            kind: "runtime".into(),
            message: format!("tokio runtime could not start: {err}"),
            at_task: None,
            limit: Some(crate::measure::limits::diagnose_spawn(&err)),
        })?;
        // Each task holds a thin `&'static` pointer to the workload instead of an `Arc`
        // clone, so a waiting task costs what a hand-written `spawn(sleep(d))` costs
        // (BENCHMARKS.md compares the two). The cell process exits right after the run,
        // so the one leaked box is never missed.
        let work: &'static Arc<dyn Workload> = Box::leak(Box::new(work));
        rt.block_on(async move {
            // Every async cell also measures how late a 1 ms heartbeat wakes up: a blocked
            // event loop shows as lag, not only as slower tasks.
            let done = Arc::new(AtomicBool::new(false));
            let heartbeat = tokio::spawn(heartbeat(Arc::clone(&done)));
            run.ready();
            let mut handles = Vec::with_capacity(tasks);
            for index in 0..tasks {
                let ctx = TaskCtx { index };
                handles.push(tokio::spawn(async move {
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
                    Err(_) => run.rec.record_errors("panic", "task panicked", 1),
                }
            }
            done.store(true, Ordering::Relaxed);
            if let Ok(lag) = heartbeat.await {
                run.loop_lag = summarize(&lag);
            }
        });
        Ok(())
    }
}

/// Sleep 1 ms at a time until `done`, recording how late each wake-up is.
async fn heartbeat(done: Arc<AtomicBool>) -> hdrhistogram::Histogram<u32> {
    let mut lag = new_histogram();
    while !done.load(Ordering::Relaxed) {
        let due = tokio::time::Instant::now() + Duration::from_millis(1);
        tokio::time::sleep_until(due).await;
        let late = tokio::time::Instant::now().saturating_duration_since(due);
        lag.saturating_record((late.as_micros() as u64).max(1));
    }
    lag
}
