//! [`WorkloadSpec`]: a workload as the user asked for it, one variant per workload, and
//! the [`REGISTRY`] that parses it. It sits above every workload (it holds their specs)
//! and below the folder's `mod.rs` (which re-exports it), so that the load generator's
//! side of the server workloads (`load`) can build specs without the server's specs
//! (`serve`) importing this file back.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::app::ServeApp;
use super::base::{Target, Workload};
use super::blocking::BlockingSpec;
use super::cpu::Cpu;
use super::custom::CustomSpec;
use super::http::{HttpLib, HttpSpec};
use super::mixed::Mixed;
use super::pytask::PyTask;
use super::serve::{ServeHttp, ServeSpec, ServeTcp};
use super::sleep::Sleep;
use super::tcp::TcpSpec;
use crate::params::{Params, SpecError};

/// A workload as the user asked for it: parsed once from its spec string at the edge,
/// printed back in one canonical spelling (what results group and compare by), and sent
/// to every cell process as typed JSON (`{"kind": "sleep", "duration_ns": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WorkloadSpec {
    Sleep(Sleep),
    Cpu(Cpu),
    Mixed(Mixed),
    Http(HttpSpec),
    Tcp(TcpSpec),
    Blocking(BlockingSpec),
    #[serde(rename = "serve-http")]
    ServeHttp(ServeHttp),
    #[serde(rename = "serve-tcp")]
    ServeTcp(ServeTcp),
    /// The user's own web app (`serve-app:asgi=FILE:APP`): Python server stacks only.
    #[serde(rename = "serve-app")]
    ServeApp(ServeApp),
    /// The user's own Python task (`py-task:file=PATH,fn=NAME`): Python models only.
    #[serde(rename = "py-task")]
    PyTask(PyTask),
    /// A workload registered by the user's own binary through [`crate::lab::Lab`]: Rust
    /// models only, in that binary's cells.
    Custom(CustomSpec),
}

impl WorkloadSpec {
    /// The runnable workload, aimed at `target`. Called in the cell process, before it
    /// reports ready (calibration happens here). `lib` is the model's client library
    /// variant: the http workload runs it instead of conlab's codec; the others have no
    /// HTTP client and run as under the plain model. `tasks`: the cell's task count (an
    /// open-loop `rate=` is spread over it).
    pub fn build(&self, target: &Target, lib: Option<HttpLib>, tasks: usize) -> Result<Arc<dyn Workload>, SpecError> {
        Ok(match self {
            WorkloadSpec::Sleep(w) => Arc::new(w.clone()),
            WorkloadSpec::Cpu(w) => Arc::new(w.clone()),
            WorkloadSpec::Mixed(w) => Arc::new(w.clone()),
            WorkloadSpec::Http(w) => w.build(target, lib, tasks)?,
            WorkloadSpec::Tcp(w) => w.build(target)?,
            WorkloadSpec::Blocking(w) => w.build(),
            WorkloadSpec::ServeHttp(_) | WorkloadSpec::ServeTcp(_) | WorkloadSpec::ServeApp(_) => {
                return Err(SpecError::invalid(
                    self.to_string(),
                    "a server workload is served (model::serve), not run as client tasks",
                ))
            }
            WorkloadSpec::PyTask(w) => {
                return Err(SpecError::invalid(
                    w.to_string(),
                    "py-task is Python code: only Python models run it",
                ))
            }
            WorkloadSpec::Custom(w) => w.build()?,
        })
    }

    /// The server side of a `serve-*` workload; `None` for client workloads.
    pub fn server(&self) -> Option<ServeSpec<'_>> {
        match self {
            WorkloadSpec::ServeHttp(s) => Some(ServeSpec::Http(s)),
            WorkloadSpec::ServeTcp(s) => Some(ServeSpec::Tcp(s)),
            WorkloadSpec::ServeApp(s) => Some(ServeSpec::App(s)),
            _ => None,
        }
    }

    /// What the workload talks to.
    pub fn needs(&self) -> Needs {
        match self {
            WorkloadSpec::Http(_) => Needs::Http,
            WorkloadSpec::Tcp(_) => Needs::Tcp,
            _ => Needs::Nothing,
        }
    }

    /// The least time one task takes whatever the model (its waits), used to size the
    /// timeout of models that queue tasks. `own_server`: the http target honours
    /// `latency`.
    pub fn min_task_time(&self, own_server: bool) -> Duration {
        match self {
            WorkloadSpec::Sleep(w) => w.duration,
            WorkloadSpec::Cpu(_) => Duration::ZERO,
            WorkloadSpec::Mixed(w) => w.io * w.steps as u32,
            WorkloadSpec::Http(w) => w.min_task_time(own_server),
            WorkloadSpec::Tcp(w) => w.hold,
            WorkloadSpec::Blocking(w) => w.call,
            WorkloadSpec::ServeHttp(w) => w.duration,
            WorkloadSpec::ServeTcp(w) => w.duration,
            WorkloadSpec::ServeApp(w) => w.duration,
            WorkloadSpec::PyTask(_) | WorkloadSpec::Custom(_) => Duration::ZERO,
        }
    }

    /// The family name: `sleep`, `http`, ...
    pub fn family(&self) -> &'static str {
        match self {
            WorkloadSpec::Sleep(_) => "sleep",
            WorkloadSpec::Cpu(_) => "cpu",
            WorkloadSpec::Mixed(_) => "mixed",
            WorkloadSpec::Http(_) => "http",
            WorkloadSpec::Tcp(_) => "tcp",
            WorkloadSpec::Blocking(_) => "blocking",
            WorkloadSpec::ServeHttp(_) => "serve-http",
            WorkloadSpec::ServeTcp(_) => "serve-tcp",
            WorkloadSpec::ServeApp(_) => "serve-app",
            WorkloadSpec::PyTask(_) => "py-task",
            WorkloadSpec::Custom(_) => "custom",
        }
    }
}

impl fmt::Display for WorkloadSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkloadSpec::Sleep(w) => w.fmt(f),
            WorkloadSpec::Cpu(w) => w.fmt(f),
            WorkloadSpec::Mixed(w) => w.fmt(f),
            WorkloadSpec::Http(w) => w.fmt(f),
            WorkloadSpec::Tcp(w) => w.fmt(f),
            WorkloadSpec::Blocking(w) => w.fmt(f),
            WorkloadSpec::ServeHttp(w) => w.fmt(f),
            WorkloadSpec::ServeTcp(w) => w.fmt(f),
            WorkloadSpec::ServeApp(w) => w.fmt(f),
            WorkloadSpec::PyTask(w) => w.fmt(f),
            WorkloadSpec::Custom(w) => w.fmt(f),
        }
    }
}

impl FromStr for WorkloadSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        // A workload the user's binary registered (conlab::Lab) shadows nothing of conlab's:
        // it is looked up first only because its parameters are its own syntax.
        if let Some(custom) = CustomSpec::parse(text) {
            return Ok(WorkloadSpec::Custom(custom));
        }
        let params = Params::parse(text)?;
        let info = REGISTRY.iter().find(|w| w.name == params.name()).ok_or_else(|| {
            let names: Vec<_> = REGISTRY.iter().map(|w| w.name).collect();
            SpecError::Unknown {
                family: "workload",
                name: params.name().into(),
                known: names.join(", "),
            }
        })?;
        (info.parse)(params)
    }
}

/// What a workload needs from outside the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Http,
    Tcp,
}

/// A workload family as `conlab list` shows it.
pub struct WorkloadInfo {
    pub name: &'static str,
    pub syntax: &'static str,
    pub about: &'static str,
    parse: fn(Params) -> Result<WorkloadSpec, SpecError>,
}

/// Every workload conlab knows.
pub const REGISTRY: &[WorkloadInfo] = &[
    WorkloadInfo {
        name: "sleep",
        syntax: "sleep:DUR",
        about: "each task waits DUR: a timer in async code, a blocking sleep in thread code",
        parse: |p| Sleep::parse(p).map(WorkloadSpec::Sleep),
    },
    WorkloadInfo {
        name: "cpu",
        syntax: "cpu:iterations=K",
        about: "each task runs K splitmix64 steps (pure computation, no waiting)",
        parse: |p| Cpu::parse(p).map(WorkloadSpec::Cpu),
    },
    WorkloadInfo {
        name: "http",
        syntax: "http:latency=DUR,requests=R|duration=DUR,keepalive=BOOL,bytes=N,timeout=DUR,rate=R",
        about:
            "each task makes R GET requests (or loops for DUR) to the target; the server waits `latency` per request; rate=R: open loop, R requests/s in total, latency from intended send times",
        parse: |p| HttpSpec::parse(p).map(WorkloadSpec::Http),
    },
    WorkloadInfo {
        name: "tcp",
        syntax: "tcp:hold=DUR,interval=DUR,bytes=N",
        about: "each task holds one connection for `hold`, exchanging an N-byte ping (16) every `interval` (chat shape)",
        parse: |p| TcpSpec::parse(p).map(WorkloadSpec::Tcp),
    },
    WorkloadInfo {
        name: "serve-http",
        syntax: "serve-http:latency=DUR,bytes=N,duration=DUR,rate=R,blocking=BOOL,generators=K",
        about: "the server side: the model serves N keep-alive HTTP connections for DUR, each request answered after `latency`; conlab's load generator drives them closed loop, or open loop at rate=R requests/s; generators=K: K generator processes share the connections (and the rate)",
        parse: |p| ServeHttp::parse(p).map(WorkloadSpec::ServeHttp),
    },
    WorkloadInfo {
        name: "serve-tcp",
        syntax: "serve-tcp:interval=DUR,duration=DUR,bytes=N,generators=K",
        about: "the server side, chat shape: the model holds N connections for DUR, echoing an N-byte message each sends every `interval`; generators=K: K generator processes share the connections",
        parse: |p| ServeTcp::parse(p).map(WorkloadSpec::ServeTcp),
    },
    WorkloadInfo {
        name: "serve-app",
        syntax: "serve-app:asgi=FILE:APP|wsgi=FILE:APP,path=/P (repeatable)|paths=FILE,method=M,duration=DUR,rate=R,generators=K",
        about: "your own web app served by the stacks people deploy it on (ASGI: py-asyncio+uvicorn; WSGI: py-pool/py-process/py-gevent+gunicorn, py-thread+http.server via wsgiref); N keep-alive connections send `method` to the paths round-robin for DUR, closed loop or at rate=R; answers that are not 2xx count as http-4xx/http-5xx; the import is timed apart (user_setup)",
        parse: |p| ServeApp::parse(p).map(WorkloadSpec::ServeApp),
    },
    WorkloadInfo {
        name: "blocking",
        syntax: "blocking:call=DUR,offload=BOOL,kind=wait|cpu",
        about: "each task runs a SQLite query (rusqlite) taking about DUR; async models run it on the loop, or via spawn_blocking with offload=true",
        parse: |p| BlockingSpec::parse(p).map(WorkloadSpec::Blocking),
    },
    WorkloadInfo {
        name: "mixed",
        syntax: "mixed:io=DUR,cpu=K,steps=S",
        about: "each task does S rounds of (wait DUR, then compute K splitmix64 steps)",
        parse: |p| Mixed::parse(p).map(WorkloadSpec::Mixed),
    },
    WorkloadInfo {
        name: "py-task",
        syntax: "py-task:file=PATH,fn=NAME[,afn=NAME][,setup=NAME][,adapt=true]",
        about: "your own Python task: fn(i) under thread, pool and process models, async afn(i) under asyncio; setup() runs before the ready mark",
        parse: |p| PyTask::parse(p).map(WorkloadSpec::PyTask),
    },
];
