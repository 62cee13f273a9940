//! `rs-pool`: a fixed pool of threads that take tasks in order, what a user writes when
//! threads per task are too many. Its default width copies Python's ThreadPoolExecutor
//! (min(32, cores + 4)), so the Rust and Python pools queue the same way.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::Builder;

use super::{cores, Model};
use crate::cell::CellRun;
use crate::measure::{
    clock::mono_ns,
    latency::{Recorder, TaskRecord},
    limits,
};
use crate::params::Params;
use crate::results::Failure;
use crate::workload::{TaskCtx, Workload};

pub struct Pool {
    size: Option<usize>,
}

impl Pool {
    pub fn parse(mut p: Params) -> Result<Arc<dyn Model>, String> {
        let size = p
            .positional("size")
            .map(|s| crate::units::parse_count(&s))
            .transpose()?;
        p.finish("size")?;
        Ok(Arc::new(Pool { size }))
    }

    fn width(&self) -> usize {
        self.size.unwrap_or_else(|| 32.min(cores() + 4))
    }
}

impl Model for Pool {
    fn spec(&self) -> String {
        match self.size {
            Some(s) => format!("rs-pool:size={s}"),
            None => "rs-pool".into(),
        }
    }

    fn describe(&self, tasks: usize) -> String {
        format!("{} pool threads for {tasks} tasks", self.width().min(tasks))
    }

    fn queue_width(&self) -> Option<usize> {
        Some(self.width())
    }

    fn run(&self, work: Arc<dyn Workload>, tasks: usize, run: &mut CellRun) -> Result<(), Failure> {
        let origin = run.ready();
        let next = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        let mut failure = None;
        for w in 0..self.width().min(tasks) {
            let (work, next) = (Arc::clone(&work), Arc::clone(&next));
            let spawned = Builder::new().name(format!("pool-{w}")).spawn(move || {
                let mut rec = Recorder::new(origin);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= tasks {
                        return rec;
                    }
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
                        kind: "spawn-limit".into(),
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
                .record_errors("not-started", "no pool thread could be created", tasks as u64);
        }
        run.all_spawned();
        for handle in workers {
            match handle.join() {
                Ok(rec) => run.rec.merge(&rec),
                Err(_) => run.rec.record_errors("panic", "pool thread panicked", 1),
            }
        }
        failure.map_or(Ok(()), Err)
    }
}
