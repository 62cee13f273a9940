//! Models: how N tasks run at once. Each is written once and runs every workload.
//!
//! A model receives the workload as a trait object and a [`CellRun`] to report into; it
//! owns only the concurrency mechanics (threads, a pool, a tokio runtime, processes) and
//! turns a refused spawn into a [`Failure`] instead of a panic. Adding a model is one file
//! plus one line in [`REGISTRY`].

mod pool;
mod process;
pub mod python;
mod thread;
mod tokio_rt;

use std::sync::Arc;

use crate::cell::CellRun;
use crate::params::Params;
use crate::results::Failure;
use crate::workload::Workload;

pub use process::run_worker;

/// A concurrency model runnable inside a cell process.
pub trait Model: Send + Sync {
    /// Canonical spec (`rs-pool`, `rs-thread:stack=64k`).
    fn spec(&self) -> String;
    /// One line on how it runs, recorded in results (`tokio multi-thread, 2 workers`).
    fn describe(&self, tasks: usize) -> String;
    /// The Python model behind this one, for models the Python driver runs.
    fn python(&self) -> Option<&python::PythonModel> {
        None
    }
    /// True for models that run the workload's async body.
    fn is_async(&self) -> bool {
        false
    }
    /// How many tasks run at once at most, for models that queue (pools, processes).
    fn queue_width(&self) -> Option<usize> {
        None
    }
    /// Run `tasks` tasks of `work`, recording every outcome into `run`. A cell-level
    /// failure (a refused spawn) is returned after recording what did run.
    fn run(&self, work: Arc<dyn Workload>, tasks: usize, run: &mut CellRun) -> Result<(), Failure>;
}

/// A model family as `conlab list` shows it.
pub struct ModelInfo {
    pub name: &'static str,
    pub syntax: &'static str,
    pub about: &'static str,
    parse: fn(Params) -> Result<Arc<dyn Model>, String>,
}

pub const REGISTRY: &[ModelInfo] = &[
    ModelInfo {
        name: "rs-thread",
        syntax: "rs-thread[:stack=SIZE]",
        about: "one OS thread per task (std::thread), stack default Rust's 2 MiB",
        parse: thread::ThreadPerTask::parse,
    },
    ModelInfo {
        name: "rs-pool",
        syntax: "rs-pool[:size=P]",
        about: "a fixed pool of P threads taking tasks in order; P defaults to min(32, cores+4) like Python's ThreadPoolExecutor",
        parse: pool::Pool::parse,
    },
    ModelInfo {
        name: "rs-async",
        syntax: "rs-async[:workers=W]",
        about: "tokio multi-thread runtime, one task per task, W worker threads (default: cores)",
        parse: tokio_rt::Tokio::parse_multi,
    },
    ModelInfo {
        name: "rs-async-st",
        syntax: "rs-async-st",
        about: "tokio current-thread runtime: one event loop on one thread, like asyncio",
        parse: tokio_rt::Tokio::parse_single,
    },
    ModelInfo {
        name: "rs-process",
        syntax: "rs-process[:workers=P]",
        about: "P worker processes (conlab re-executed; default: cores), each running its share one task at a time, like multiprocessing.Pool.map",
        parse: process::Processes::parse,
    },
];

/// Turn a spec string into a model.
pub fn parse(spec: &str) -> Result<Arc<dyn Model>, String> {
    let params = Params::parse(spec).map_err(|e| format!("model {e}"))?;
    if python::is_python_name(params.name()) {
        return python::PythonModel::parse(params);
    }
    let info = REGISTRY.iter().find(|m| m.name == params.name()).ok_or_else(|| {
        let mut names: Vec<_> = REGISTRY.iter().map(|m| m.name).collect();
        names.extend_from_slice(python::BASES);
        format!("unknown model '{}' (known: {})", params.name(), names.join(", "))
    })?;
    (info.parse)(params)
}

/// Online cores, the default width of several models.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_canonical() {
        assert_eq!(parse("rs-thread").unwrap().spec(), "rs-thread");
        assert_eq!(parse("rs-thread:stack=64k").unwrap().spec(), "rs-thread:stack=64KiB");
        assert_eq!(parse("rs-pool:size=8").unwrap().spec(), "rs-pool:size=8");
        assert_eq!(parse("rs-async:workers=3").unwrap().spec(), "rs-async:workers=3");
        assert_eq!(parse("rs-pool").unwrap().queue_width(), Some(32.min(cores() + 4)));
        assert_eq!(parse("rs-process").unwrap().queue_width(), Some(cores()));
    }

    #[test]
    fn bad_specs_are_explained() {
        assert!(parse("go-routine")
            .err()
            .expect("rejected")
            .contains("unknown model 'go-routine'"));
        assert!(parse("rs-pool:size=0").is_err());
        assert!(parse("rs-async-st:workers=2")
            .err()
            .expect("rejected")
            .contains("unknown parameter"));
        assert!(parse("rs-thread:stack=lots").is_err());
    }
}
