//! `rs-pool`: a fixed pool of threads that take tasks in order, what a user writes when
//! threads per task are too many. Its default width copies Python's ThreadPoolExecutor
//! (min(32, cores + 4)), so the Rust and Python pools queue the same way.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::Builder;

use serde::{Deserialize, Serialize};

use super::job::{default_pool_size, Job, Model};
use super::run::CellRun;
use crate::measure::{
    clock::mono_ns,
    inflight,
    latency::{Recorder, TaskRecord},
    limits,
};
use crate::params::{Params, SpecError};
use crate::results::{ErrorKind, Failure, FailureKind};
use crate::workload::{TaskCtx, Workload};

/// `rs-pool[:size=P]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    pub size: Option<usize>,
}

impl Pool {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let size = p.positional_count("size")?;
        p.finish("size")?;
        Ok(Pool { size })
    }

    /// The pool's threads: the size given, or Python's ThreadPoolExecutor default.
    pub fn width(&self) -> usize {
        self.size.unwrap_or_else(default_pool_size)
    }
}

impl fmt::Display for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.size {
            Some(s) => write!(f, "rs-pool:size={s}"),
            None => f.write_str("rs-pool"),
        }
    }
}

impl Model for Pool {
    fn describe(&self, tasks: usize) -> String {
        format!(
            "{} for {}",
            crate::units::plural(self.width().min(tasks), "pool thread"),
            crate::units::plural(tasks, "task")
        )
    }

    fn run(&self, work: Arc<dyn Workload>, cell: &Job, run: &mut CellRun) -> Result<(), Failure> {
        let tasks = cell.tasks;
        let origin = run.ready();
        let next = Arc::new(AtomicUsize::new(0));
        let binned = run.rec.bins.is_some();
        let mut workers = Vec::new();
        let mut failure = None;
        for w in 0..self.width().min(tasks) {
            let (work, next) = (Arc::clone(&work), Arc::clone(&next));
            let spawned = Builder::new().name(format!("pool-{w}")).spawn(move || {
                let mut rec = Recorder::new(origin);
                if binned {
                    rec.enable_bins();
                }
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= tasks {
                        return rec;
                    }
                    let _running = inflight::enter();
                    let start_ns = mono_ns();
                    let result = work.run_blocking(&TaskCtx { index });
                    rec.record(TaskRecord {
                        start_ns,
                        end_ns: mono_ns(),
                        result,
                    });
                }
            });
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(err) => {
                    failure = Some(Failure {
                        kind: FailureKind::SpawnLimit,
                        message: format!("pool thread {w} could not be created: {err}"),
                        at_task: None,
                        limit: Some(limits::diagnose_spawn(&err)),
                    });
                    break;
                }
            }
        }
        if workers.is_empty() && tasks > 0 {
            run.rec
                .record_errors(ErrorKind::NotStarted, "no pool thread could be created", tasks as u64);
        }
        run.all_spawned();
        for handle in workers {
            match handle.join() {
                Ok(rec) => run.rec.merge(&rec),
                Err(_) => run.rec.record_errors(ErrorKind::Panic, "pool thread panicked", 1),
            }
        }
        failure.map_or(Ok(()), Err)
    }
}
