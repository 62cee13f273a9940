//! What every model is: the [`Model`] trait, the [`Job`] it runs, and the machine's width
//! that several models default to. Below the models and the registry that names them, so
//! a model never imports its parent.

use std::sync::Arc;

use super::run::CellRun;
use crate::results::Failure;
use crate::workload::{HttpLib, Target, Workload, WorkloadSpec};

/// What a model runs: how many tasks, and of what (process models ship the workload's
/// spec and target to their workers).
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    pub workload: &'a WorkloadSpec,
    pub target: &'a Target,
    pub tasks: usize,
    /// The model's client library variant; `None`: conlab's codec.
    pub lib: Option<HttpLib>,
}

/// A concurrency model runnable inside a Rust cell process.
pub trait Model {
    /// One line on how it runs, recorded in results (`tokio multi-thread, 2 workers`).
    fn describe(&self, tasks: usize) -> String;
    /// Run `job.tasks` tasks of `work`, recording every outcome into `run`. A cell-level
    /// failure (a refused spawn) is returned after recording what did run.
    fn run(&self, work: Arc<dyn Workload>, job: &Job, run: &mut CellRun) -> Result<(), Failure>;
}

/// Online cores, the default width of several models.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Python's ThreadPoolExecutor default, which both pools use: min(32, cores + 4).
pub fn default_pool_size() -> usize {
    32.min(cores() + 4)
}
