//! What every workload is built on: the [`Workload`] trait, the [`TaskFuture`] its async
//! body returns (and the [`BoxFuture`] behind it), and the [`Target`] the I/O workloads
//! aim at. It lives below the workloads and the spec that builds them, so each of them
//! takes these from here and none imports the folder's `mod.rs`, which only re-exports.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::task::{TaskCtx, TaskResult};

/// Where the I/O workloads send their traffic, as the parent hands it to every cell.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// Base URL of conlab's own server (`http://127.0.0.1:PORT`), when it is the target.
    pub server: Option<String>,
    /// URLs the user gave (`--target`, `--urls`), used as they are.
    pub urls: Vec<String>,
    /// TCP echo address (`127.0.0.1:PORT`).
    pub tcp: Option<String>,
}

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

/// One kind of task, runnable by any model: built from its [`WorkloadSpec`] inside the
/// cell process.
pub trait Workload: Send + Sync + 'static {
    /// The task body for thread, pool and process models.
    fn run_blocking(&self, task: &TaskCtx) -> TaskResult;
    /// The same task body for async models.
    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a>;
    /// The client library a model of this kind uses, recorded with each cell.
    fn client(&self, _asynchronous: bool) -> Option<String> {
        None
    }
}
