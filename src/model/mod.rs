//! Models: how N tasks run at once. Each is written once and runs every workload.
//!
//! A model receives the workload as a trait object and a [`CellRun`] to report into; it
//! owns only the concurrency mechanics (threads, a pool, a tokio runtime, processes) and
//! turns a refused spawn into a [`Failure`] instead of a panic. Adding a model is one file
//! plus one line in [`REGISTRY`].
//!
//! A Rust model runs the http workload through conlab's own HTTP/1.1 codec, the same code
//! under every model. Its library variants run a client library instead, named after a
//! `+` as the Python variants are (`rs-thread+ureq`, `rs-pool+ureq:size=8`,
//! `rs-async+hyper:workers=2`; [`LIBRARIES`]): a blocking library with the blocking models,
//! an async one with the tokio models. As with `py-thread+requests`, a variant is accepted
//! with any workload; only the http workload has an HTTP client, so the others run as
//! under the plain model (and record the same `client`).

pub mod job;
mod pool;
mod process;
pub mod python;
pub mod run;
mod rust;
pub mod serve;
mod thread;
mod tokio_rt;

use std::fmt;
use std::str::FromStr;

use crate::params::{Params, SpecError};
use crate::workload::HttpLib;

pub use job::{cores, default_pool_size, Job, Model};
pub use run::CellRun;

pub use pool::Pool;
pub use process::{run_worker, Processes};
pub use python::PyModel;
pub use rust::RustModel;
pub use thread::ThreadPerTask;
pub use tokio_rt::{CurrentThread, MultiThread};

/// Any model a sweep can run: a Rust model (run by a conlab cell process) or a Python
/// model (run by the embedded Python driver). Parsed once from its spec at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSpec {
    /// A Rust model, and the client library its http tasks use instead of conlab's codec
    /// (`rs-thread+ureq`), if any.
    Rust {
        model: RustModel,
        lib: Option<HttpLib>,
    },
    Python(PyModel),
}

impl ModelSpec {
    /// True for models that run the workload's async body (an event loop).
    pub fn is_async(&self) -> bool {
        match self {
            ModelSpec::Rust { model, .. } => model.is_async(),
            ModelSpec::Python(p) => p.is_async(),
        }
    }

    /// How many tasks run at once at most, for models that queue (pools, processes).
    pub fn queue_width(&self) -> Option<usize> {
        match self {
            ModelSpec::Rust { model, .. } => model.queue_width(),
            ModelSpec::Python(p) => p.queue_width(),
        }
    }

    /// The language family, for people and for `advise --from`.
    pub fn is_python(&self) -> bool {
        matches!(self, ModelSpec::Python(_))
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSpec::Rust { model, lib: None } => model.fmt(f),
            // The variant goes after the name, before the parameters: `rs-pool+ureq:size=8`.
            ModelSpec::Rust { model, lib: Some(lib) } => {
                let text = model.to_string();
                match text.split_once(':') {
                    Some((name, params)) => write!(f, "{name}+{lib}:{params}"),
                    None => write!(f, "{text}+{lib}"),
                }
            }
            ModelSpec::Python(m) => m.fmt(f),
        }
    }
}

impl FromStr for ModelSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let mut params = Params::parse(text)?;
        if python::is_python_name(params.name()) {
            return PyModel::parse(params).map(ModelSpec::Python);
        }
        let variant = params.take_variant();
        let info = REGISTRY.iter().find(|m| m.name == params.name()).ok_or_else(|| {
            let mut names: Vec<_> = REGISTRY.iter().map(|m| m.name).collect();
            names.extend_from_slice(python::BASES);
            SpecError::Unknown {
                family: "model",
                name: params.name().into(),
                known: names.join(", "),
            }
        })?;
        let lib = match variant {
            Some(name) => Some(library(&name, info.name, params.spec())?),
            None => None,
        };
        let spec = params.spec().to_string();
        let model = (info.parse)(params)?;
        // ureq blocks: an event loop per process would be a loop that cannot wait.
        if lib == Some(HttpLib::Ureq) && model.is_async() {
            return Err(SpecError::invalid(
                spec,
                "ureq blocks; rs-process:async=true runs tokio tasks",
            ));
        }
        Ok(ModelSpec::Rust { model, lib })
    }
}

/// A library variant of the Rust models, as `conlab list` shows it.
pub struct LibInfo {
    pub lib: HttpLib,
    /// The models it goes with.
    pub models: &'static [&'static str],
    pub about: &'static str,
}

/// Every library variant of the Rust models.
pub const LIBRARIES: &[LibInfo] = &[
    LibInfo {
        lib: HttpLib::Ureq,
        models: &["rs-thread", "rs-pool", "rs-process"],
        about: "http through ureq (blocking), one Agent per task",
    },
    LibInfo {
        lib: HttpLib::Hyper,
        models: &["rs-async", "rs-async-st"],
        about: "http through hyper's client::conn::http1, one connection per task",
    },
];

/// The library variant `name` of `model`, or why it does not exist.
fn library(name: &str, model: &str, spec: &str) -> Result<HttpLib, SpecError> {
    let info = LIBRARIES.iter().find(|l| l.lib.name() == name).ok_or_else(|| {
        let names: Vec<_> = LIBRARIES.iter().map(|l| l.lib.name()).collect();
        SpecError::invalid(spec, format!("unknown library '{name}' ({})", names.join(", ")))
    })?;
    if !info.models.contains(&model) {
        return Err(SpecError::invalid(
            spec,
            format!("{} goes with {}", info.lib, info.models.join(", ")),
        ));
    }
    Ok(info.lib)
}

/// A model family as `conlab list` shows it.
pub struct ModelInfo {
    pub name: &'static str,
    pub syntax: &'static str,
    pub about: &'static str,
    parse: fn(Params) -> Result<RustModel, SpecError>,
}

pub const REGISTRY: &[ModelInfo] = &[
    ModelInfo {
        name: "rs-thread",
        syntax: "rs-thread[+ureq][:stack=SIZE]",
        about: "one OS thread per task (std::thread), stack default Rust's 2 MiB",
        parse: |p| ThreadPerTask::parse(p).map(RustModel::RsThread),
    },
    ModelInfo {
        name: "rs-pool",
        syntax: "rs-pool[+ureq][:size=P]",
        about: "a fixed pool of P threads taking tasks in order; P defaults to min(32, cores+4) like Python's ThreadPoolExecutor",
        parse: |p| Pool::parse(p).map(RustModel::RsPool),
    },
    ModelInfo {
        name: "rs-async",
        syntax: "rs-async[+hyper][:workers=W]",
        about: "tokio multi-thread runtime, one task per task, W worker threads (default: cores)",
        parse: |p| MultiThread::parse(p).map(RustModel::RsAsync),
    },
    ModelInfo {
        name: "rs-async-st",
        syntax: "rs-async-st[+hyper]",
        about: "tokio current-thread runtime: one event loop on one thread, like asyncio",
        parse: |p| CurrentThread::parse(p).map(RustModel::RsAsyncSt),
    },
    ModelInfo {
        name: "rs-process",
        syntax: "rs-process[+ureq][:workers=P][,async=true]",
        about: "P worker processes (conlab re-executed; default: cores), each running its share one task at a time, like multiprocessing.Pool.map; async=true: each runs its share at once on a current-thread tokio runtime (one event loop per process, prefork)",
        parse: |p| Processes::parse(p).map(RustModel::RsProcess),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ModelSpec, String> {
        text.parse::<ModelSpec>().map_err(|e| e.to_string())
    }

    fn spec(text: &str) -> String {
        parse(text).map(|m| m.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn specs_are_canonical() {
        assert_eq!(spec("rs-thread"), "rs-thread");
        assert_eq!(spec("rs-thread:stack=64k"), "rs-thread:stack=64KiB");
        assert_eq!(spec("rs-pool:size=8"), "rs-pool:size=8");
        assert_eq!(spec("rs-async:workers=3"), "rs-async:workers=3");
        assert_eq!(parse("rs-pool").unwrap().queue_width(), Some(default_pool_size()));
        assert_eq!(parse("rs-process").unwrap().queue_width(), Some(cores()));
        assert!(parse("rs-async-st").unwrap().is_async());
    }

    #[test]
    fn library_variants_parse_and_print() {
        assert_eq!(spec("rs-thread+ureq"), "rs-thread+ureq");
        assert_eq!(spec("rs-thread+ureq:stack=64k"), "rs-thread+ureq:stack=64KiB");
        assert_eq!(spec("rs-pool+ureq:8"), "rs-pool+ureq:size=8");
        assert_eq!(spec("rs-process+ureq"), "rs-process+ureq");
        assert_eq!(spec("rs-async+hyper:workers=2"), "rs-async+hyper:workers=2");
        assert_eq!(spec("rs-async-st+hyper"), "rs-async-st+hyper");
        let m = parse("rs-async+hyper").unwrap();
        assert!(matches!(
            m,
            ModelSpec::Rust {
                lib: Some(HttpLib::Hyper),
                ..
            }
        ));
        assert!(m.is_async());
        assert!(matches!(parse("rs-thread").unwrap(), ModelSpec::Rust { lib: None, .. }));
        assert_eq!(
            spec("rs-async+ureq"),
            "rs-async+ureq: ureq goes with rs-thread, rs-pool, rs-process"
        );
        assert_eq!(
            spec("rs-thread+hyper"),
            "rs-thread+hyper: hyper goes with rs-async, rs-async-st"
        );
        assert!(spec("rs-thread+reqwest").contains("unknown library 'reqwest' (ureq, hyper)"));
        assert!(spec("rs-fiber+ureq").contains("unknown model 'rs-fiber'"));
    }

    #[test]
    fn bad_specs_are_explained() {
        assert!(spec("go-routine").contains("unknown model 'go-routine'"));
        assert!(parse("rs-pool:size=0").is_err());
        assert!(spec("rs-async-st:workers=2").contains("unknown parameter"));
        assert!(parse("rs-thread:stack=lots").is_err());
    }
}
