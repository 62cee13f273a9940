//! Workloads: what one task does. Each is written once and runs under every model.
//!
//! A workload offers a blocking body (for threads, pools and processes) and an async body
//! (for tokio) of the same work, so that a model never knows which workload it runs and a
//! workload never knows which model runs it. Adding a workload is one file plus one line
//! in [`REGISTRY`].

mod blocking;
mod cpu;
mod http;
mod mixed;
mod net;
mod sleep;
mod tcp;

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
    /// True when the failure was already counted per request in the request log, so
    /// the task counts as failed without counting its error twice.
    pub counted: bool,
}

impl TaskError {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        TaskError {
            kind: kind.into(),
            message: message.into(),
            counted: false,
        }
    }
}

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

impl Target {
    /// A stand-in used to check specs before any server runs; never connected to.
    pub fn placeholder() -> Self {
        Target {
            server: Some("http://127.0.0.1:9".into()),
            urls: Vec::new(),
            tcp: Some("127.0.0.1:9".into()),
        }
    }
}

/// What a workload needs from outside the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Http,
    Tcp,
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
    /// A copy made ready to run in this cell (e.g. calibrated), before the cell reports
    /// ready; `None` when there is nothing to prepare.
    fn prepare(&self) -> Option<Arc<dyn Workload>> {
        None
    }
    /// What the workload talks to.
    fn needs(&self) -> Needs {
        Needs::Nothing
    }
    /// The client library a model of this kind uses, recorded with each cell.
    fn client(&self, _asynchronous: bool) -> Option<String> {
        None
    }
}

/// A workload family as `conlab list` shows it.
pub struct WorkloadInfo {
    pub name: &'static str,
    pub syntax: &'static str,
    pub about: &'static str,
    parse: ParseFn,
}

/// How a workload family turns its parameters and target into a workload.
type ParseFn = fn(Params, &Target) -> Result<Arc<dyn Workload>, String>;

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
        name: "http",
        syntax: "http:latency=DUR,requests=R|duration=DUR,keepalive=BOOL,bytes=N,timeout=DUR",
        about:
            "each task makes R GET requests (or loops for DUR) to the target; the server waits `latency` per request",
        parse: http::Http::parse,
    },
    WorkloadInfo {
        name: "tcp",
        syntax: "tcp:hold=DUR,interval=DUR",
        about: "each task holds one connection for `hold`, exchanging a 16-byte ping every `interval` (chat shape)",
        parse: tcp::Tcp::parse,
    },
    WorkloadInfo {
        name: "blocking",
        syntax: "blocking:call=DUR,offload=BOOL",
        about: "each task runs a SQLite query (rusqlite) taking about DUR; async models run it on the loop, or via spawn_blocking with offload=true",
        parse: blocking::Blocking::parse,
    },
    WorkloadInfo {
        name: "mixed",
        syntax: "mixed:io=DUR,cpu=K,steps=S",
        about: "each task does S rounds of (wait DUR, then compute K splitmix64 steps)",
        parse: mixed::Mixed::parse,
    },
];

/// Check that a URL is one the http workload can use (http://, resolvable host).
pub fn check_url(url: &str) -> Result<(), String> {
    net::Endpoint::parse(url).map(|_| ())
}

/// Check a spec and return its workload, bound to a placeholder target.
pub fn parse(spec: &str) -> Result<Arc<dyn Workload>, String> {
    parse_for(spec, &Target::placeholder())
}

/// Turn a spec string into a runnable workload aimed at `target`.
pub fn parse_for(spec: &str, target: &Target) -> Result<Arc<dyn Workload>, String> {
    let params = Params::parse(spec).map_err(|e| format!("workload {e}"))?;
    let info = REGISTRY.iter().find(|w| w.name == params.name()).ok_or_else(|| {
        let names: Vec<_> = REGISTRY.iter().map(|w| w.name).collect();
        format!("unknown workload '{}' (known: {})", params.name(), names.join(", "))
    })?;
    (info.parse)(params, target)
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
