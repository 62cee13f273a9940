//! `rs-thread`: one OS thread per task, the model the article's `threading` example uses
//! and the one whose limits (pid_max, max_map_count, stack reservations) are real.

use std::sync::Arc;
use std::thread::Builder;

use super::Model;
use crate::cell::CellRun;
use crate::measure::{clock::mono_ns, latency::TaskRecord, limits};
use crate::params::Params;
use crate::results::Failure;
use crate::units;
use crate::workload::{TaskCtx, Workload};

pub struct ThreadPerTask {
    stack: Option<u64>,
}

impl ThreadPerTask {
    pub fn parse(mut p: Params) -> Result<Arc<dyn Model>, String> {
        let stack = p.size("stack")?;
        p.finish("stack")?;
        if stack.is_some_and(|s| s < 16 * 1024) {
            return Err("rs-thread: stack must be at least 16KiB".into());
        }
        Ok(Arc::new(ThreadPerTask { stack }))
    }
}

impl Model for ThreadPerTask {
    fn spec(&self) -> String {
        match self.stack {
            Some(s) => format!("rs-thread:stack={}", units::format_size(s)),
            None => "rs-thread".into(),
        }
    }

    fn describe(&self, tasks: usize) -> String {
        let stack = self.stack.map(|s| units::format_bytes(s as f64)).unwrap_or_else(|| "2 MiB (Rust default)".into());
        format!("{tasks} std::thread threads, stack {stack}")
    }

    fn run(&self, work: Arc<dyn Workload>, tasks: usize, run: &mut CellRun) -> Result<(), Failure> {
        run.ready();
        let mut handles = Vec::with_capacity(tasks);
        let mut failure = None;
        for index in 0..tasks {
            let work = Arc::clone(&work);
            let mut builder = Builder::new();
            if let Some(stack) = self.stack {
                builder = builder.stack_size(stack as usize);
            }
            let spawned = builder.spawn(move || {
                let start_ns = mono_ns();
                let result = work.run_blocking(&TaskCtx { index });
                TaskRecord { start_ns, end_ns: mono_ns(), result }
            });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(err) => {
                    failure = Some(Failure {
                        kind: "spawn-limit".into(),
                        message: format!("thread for task {index} could not be created: {err}"),
                        at_task: Some(index),
                        limit: Some(limits::diagnose_spawn(&err)),
                    });
                    run.rec.record_errors("not-started", "no thread could be created", (tasks - index) as u64);
                    break;
                }
            }
        }
        run.all_spawned();
        for handle in handles {
            match handle.join() {
                Ok(record) => run.rec.record(record),
                Err(_) => run.rec.record_errors("panic", "task panicked", 1),
            }
        }
        failure.map_or(Ok(()), Err)
    }
}
