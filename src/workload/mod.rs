//! Workloads: what one task does. Each is written once and runs under every model.
//!
//! A workload offers a blocking body (for threads, pools and processes) and an async body
//! (for tokio) of the same work, so that a model never knows which workload it runs and a
//! workload never knows which model runs it. Adding a workload is one file plus one line
//! in [`REGISTRY`].

mod cpu;
mod mixed;
mod sleep;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::params::Params;

pub use cpu::{cpu_kernel, Cpu};

/// What a task knows about itself.
#[derive(Debug, Clone, Copy)]
pub struct TaskCtx {
    /// 0-based index of the task within the cell.
    pub index: usize,
}

/// A task that did not succeed, counted by `kind` in the cell's `errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskError {
    pub kind: String,
    pub message: String,
}

/// A task's result: a checksum of its work (kept so the compiler cannot drop the work), or
/// the reason it failed.
pub type TaskResult = Result<u64, TaskError>;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pin_project_lite::pin_project! {
    /// The async body of a task. A plain wait is held inline; anything else is boxed.
    ///
    /// A million waiting tasks are a million futures in memory, so the harness must not
    /// add an allocation to each: with the wait inline, an `rs-async` cell costs what a
    /// hand-written `tokio::spawn(sleep(d))` costs (see BENCHMARKS.md).
    #[project = TaskFutureProj]
    pub enum TaskFuture<'a> {
        Sleep { #[pin] sleep: tokio::time::Sleep },
        Boxed { future: BoxFuture<'a, TaskResult> },
    }
}

impl<'a> TaskFuture<'a> {
    /// A task that waits `duration` and succeeds.
    pub fn sleep(duration: Duration) -> Self {
        TaskFuture::Sleep {
            sleep: tokio::time::sleep(duration),
        }
    }

    /// Any other task body.
    pub fn boxed(future: impl Future<Output = TaskResult> + Send + 'a) -> Self {
        TaskFuture::Boxed {
            future: Box::pin(future),
        }
    }
}

impl Future for TaskFuture<'_> {
    type Output = TaskResult;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<TaskResult> {
        match self.project() {
            TaskFutureProj::Sleep { sleep } => sleep.poll(cx).map(|()| Ok(0)),
            TaskFutureProj::Boxed { future } => future.as_mut().poll(cx),
        }
    }
}

/// One kind of task, runnable by any model.
pub trait Workload: Send + Sync + 'static {
    /// The canonical spec (`sleep:200ms`): results are grouped and compared by it.
    fn spec(&self) -> String;
    /// The task body for thread, pool and process models.
    fn run_blocking(&self, task: &TaskCtx) -> TaskResult;
    /// The same task body for async models.
    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a>;
    /// The least time one task takes whatever the model (its waits), used to size the
    /// default timeout of models that queue tasks.
    fn min_task_time(&self) -> Duration {
        Duration::ZERO
    }
}

/// A workload family as `conlab list` shows it.
pub struct WorkloadInfo {
    pub name: &'static str,
    pub syntax: &'static str,
    pub about: &'static str,
    parse: fn(Params) -> Result<Arc<dyn Workload>, String>,
}

/// Every workload conlab knows.
pub const REGISTRY: &[WorkloadInfo] = &[
    WorkloadInfo {
        name: "sleep",
        syntax: "sleep:DUR",
        about: "each task waits DUR: a timer in async code, a blocking sleep in thread code",
        parse: sleep::Sleep::parse,
    },
    WorkloadInfo {
        name: "cpu",
        syntax: "cpu:iterations=K",
        about: "each task runs K splitmix64 steps (pure computation, no waiting)",
        parse: cpu::Cpu::parse,
    },
    WorkloadInfo {
        name: "mixed",
        syntax: "mixed:io=DUR,cpu=K,steps=S",
        about: "each task does S rounds of (wait DUR, then compute K splitmix64 steps)",
        parse: mixed::Mixed::parse,
    },
];

/// Turn a spec string into a runnable workload.
pub fn parse(spec: &str) -> Result<Arc<dyn Workload>, String> {
    let params = Params::parse(spec).map_err(|e| format!("workload {e}"))?;
    let info = REGISTRY.iter().find(|w| w.name == params.name()).ok_or_else(|| {
        let names: Vec<_> = REGISTRY.iter().map(|w| w.name).collect();
        format!("unknown workload '{}' (known: {})", params.name(), names.join(", "))
    })?;
    (info.parse)(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_to_canonical_form() {
        assert_eq!(parse("sleep:1000ms").unwrap().spec(), "sleep:1s");
        assert_eq!(parse("cpu:iterations=2k").unwrap().spec(), "cpu:iterations=2000");
        assert_eq!(
            parse("mixed:io=5ms,cpu=100,steps=2").unwrap().spec(),
            "mixed:io=5ms,cpu=100,steps=2"
        );
    }

    #[test]
    fn bad_specs_are_explained() {
        assert!(parse("nap:1s")
            .err()
            .expect("rejected")
            .contains("unknown workload 'nap'"));
        assert!(parse("sleep:1x")
            .err()
            .expect("rejected")
            .contains("malformed duration"));
        assert!(parse("sleep").err().expect("rejected").contains("needs"));
        assert!(parse("cpu:iterations=0").is_err());
    }

    #[test]
    fn blocking_and_async_bodies_agree() {
        let work = parse("mixed:io=1ms,cpu=1000,steps=2").unwrap();
        let ctx = TaskCtx { index: 7 };
        let blocking = work.run_blocking(&ctx).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let asynchronous = rt.block_on(work.run_async(&ctx)).unwrap();
        assert_eq!(blocking, asynchronous);
    }
}
