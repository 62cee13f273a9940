//! `rs-thread`: one OS thread per task, the model the article's `threading` example uses
//! and the one whose limits (pid_max, max_map_count, stack reservations) are real.

use std::fmt;
use std::sync::Arc;
use std::thread::Builder;

use serde::{Deserialize, Serialize};

use super::job::{Job, Model};
use super::run::CellRun;
use crate::measure::{clock::mono_ns, inflight, latency::TaskRecord, limits, procfs};
use crate::params::{Params, SpecError};
use crate::results::{ErrorKind, Failure, FailureKind};
use crate::units;
use crate::workload::{TaskCtx, Workload};

/// `rs-thread[:stack=SIZE]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPerTask {
    pub stack: Option<u64>,
}

impl ThreadPerTask {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let stack = p.size("stack")?;
        if stack.is_some_and(|s| s < 16 * 1024) {
            return Err(SpecError::invalid(p.spec(), "stack must be at least 16KiB"));
        }
        p.finish("stack")?;
        Ok(ThreadPerTask { stack })
    }
}

impl fmt::Display for ThreadPerTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stack {
            Some(s) => write!(f, "rs-thread:stack={}", units::format_size(s)),
            None => f.write_str("rs-thread"),
        }
    }
}

impl Model for ThreadPerTask {
    fn describe(&self, tasks: usize) -> String {
        let stack = self
            .stack
            .map(|s| units::format_bytes(s as f64))
            .unwrap_or_else(|| "2 MiB (Rust default)".into());
        format!("{}, stack {stack}", units::plural(tasks, "std::thread thread"))
    }

    #[link_section = ".text.hot.conlab"]
    fn run(&self, work: Arc<dyn Workload>, cell: &Job, run: &mut CellRun) -> Result<(), Failure> {
        let tasks = cell.tasks;
        let stack = stack_size(self.stack);
        let mut maps = MapBudget::new(stack);
        run.ready();
        let mut handles = Vec::with_capacity(tasks);
        let mut failure = None;
        for index in 0..tasks {
            if let Some(limit) = maps.exhausted(index) {
                failure = Some(Failure {
                    kind: FailureKind::SpawnLimit,
                    message: format!(
                        "thread for task {index} not created: the kernel would refuse its stack or signal stack, and Rust's std aborts the whole process when a new thread cannot map its signal stack"
                    ),
                    at_task: Some(index),
                    limit: Some(limit),
                });
                run.rec.record_errors(
                    ErrorKind::NotStarted,
                    "no thread could be created",
                    (tasks - index) as u64,
                );
                break;
            }
            let work = Arc::clone(&work);
            let spawned = Builder::new().stack_size(stack).spawn(move || {
                let _running = inflight::enter();
                let start_ns = mono_ns();
                let result = work.run_blocking(&TaskCtx { index });
                TaskRecord {
                    start_ns,
                    end_ns: mono_ns(),
                    result,
                }
            });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(err) => {
                    failure = Some(Failure {
                        kind: FailureKind::SpawnLimit,
                        message: format!("thread for task {index} could not be created: {err}"),
                        at_task: Some(index),
                        limit: Some(limits::diagnose_spawn(&err)),
                    });
                    run.rec.record_errors(
                        ErrorKind::NotStarted,
                        "no thread could be created",
                        (tasks - index) as u64,
                    );
                    break;
                }
            }
        }
        run.all_spawned();
        for handle in handles {
            match handle.join() {
                Ok(record) => run.rec.record(record),
                Err(_) => run.rec.record_errors(ErrorKind::Panic, "task panicked", 1),
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

/// The stack size of the threads a model spawns: the model's `stack=`, or what std would
/// choose (RUST_MIN_STACK, else 2 MiB). Given to every `Builder` explicitly, so std does not
/// read the environment at the first spawn, after the ready mark: that would map in
/// conlab's environment and parsing code, which a plain program has in a few pages.
pub(super) fn stack_size(explicit: Option<u64>) -> usize {
    explicit.map_or_else(
        || {
            std::env::var("RUST_MIN_STACK")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(2 << 20)
        },
        |s| s as usize,
    )
}

/// Keeps thread creation below vm.max_map_count. Each std thread takes about four
/// mappings (stack, its guard, the signal stack, its guard); the kernel refuses the one
/// past the limit, and when that is the signal stack, std aborts the process from inside
/// the new thread, after `spawn` already succeeded. So the budget is watched here, from
/// real counts of /proc/self/maps, and the cell stops cleanly one thread short of it.
pub(super) struct MapBudget {
    /// RLIMIT_AS and the stack size, when an address-space limit is set: a thread whose
    /// stack fits but whose signal stack does not would abort the process the same way.
    address_space: Option<(u64, u64)>,
    limit: u64,
    base: u64,
    measured: u64,
    measured_at: usize,
    per_thread: f64,
    own: procfs::Own,
}

impl MapBudget {
    const MARGIN: u64 = limits::MAP_MARGIN;

    /// A budget for threads of `stack` bytes each (as [`stack_size`] resolves it).
    pub(super) fn new(stack: usize) -> Self {
        let limit = procfs::sysctl("vm/max_map_count").unwrap_or(u64::MAX);
        let mut own = procfs::Own::new();
        let base = own.map_count().unwrap_or(0);
        let address_space = limits::soft_limit(nix::sys::resource::Resource::RLIMIT_AS).map(|l| (l, stack as u64));
        Self {
            address_space,
            limit,
            base,
            measured: base,
            measured_at: 0,
            per_thread: 4.0,
            own,
        }
    }

    /// `Some(limit description)` when creating thread number `spawned` would go past it.
    #[link_section = ".text.hot.conlab"]
    pub(super) fn exhausted(&mut self, spawned: usize) -> Option<String> {
        if let Some((limit, stack)) = self.address_space {
            let vm = self.own.status().map_or(0, |s| s.vm);
            if vm + stack + (1 << 20) > limit {
                return Some(format!(
                    "RLIMIT_AS={limit} (ulimit -v; this process maps {vm} bytes, a thread needs {stack} more)"
                ));
            }
        }
        let projected = |b: &Self, n: usize| b.measured as f64 + b.per_thread * (n - b.measured_at + 1) as f64;
        let near = projected(self, spawned) + 4.0 * Self::MARGIN as f64 >= self.limit as f64;
        let every = if near { 16 } else { 512 };
        if spawned > self.measured_at && (spawned - self.measured_at) >= every {
            if let Some(count) = self.own.map_count() {
                self.measured = count;
                self.measured_at = spawned;
                if spawned > 0 && count > self.base {
                    // New threads map their signal stacks on their own, a little after
                    // spawn returns, so a count lags; never assume fewer than four.
                    self.per_thread = ((count - self.base) as f64 / spawned as f64).max(4.0);
                }
            }
        }
        (projected(self, spawned) + Self::MARGIN as f64 >= self.limit as f64).then(|| {
            format!(
                "vm.max_map_count={} (this process has {} memory mappings, about {:.0} per thread)",
                self.limit, self.measured, self.per_thread
            )
        })
    }
}
