//! [`RustModel`]: the Rust models as one value, the form a cell process receives its
//! model in. It lives below the model registry (`model/mod.rs`, which parses specs into
//! it) and the server's accept loops (`model::serve`, which dispatch over it), so that
//! both take it from here and neither imports the other.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::job::Model;
use super::pool::Pool;
use super::process::Processes;
use super::thread::ThreadPerTask;
use super::tokio_rt::{CurrentThread, MultiThread};

/// A Rust model with its parameters, as the cell process receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RustModel {
    RsThread(ThreadPerTask),
    RsPool(Pool),
    RsAsync(MultiThread),
    RsAsyncSt(CurrentThread),
    RsProcess(Processes),
}

impl RustModel {
    /// The model itself.
    pub fn model(&self) -> &dyn Model {
        match self {
            RustModel::RsThread(m) => m,
            RustModel::RsPool(m) => m,
            RustModel::RsAsync(m) => m,
            RustModel::RsAsyncSt(m) => m,
            RustModel::RsProcess(m) => m,
        }
    }

    /// True for the tokio models, which run the workload's async body.
    pub fn is_async(&self) -> bool {
        match self {
            RustModel::RsAsync(_) | RustModel::RsAsyncSt(_) => true,
            RustModel::RsProcess(p) => p.asynchronous,
            _ => false,
        }
    }

    /// The pool's threads or the worker processes; `None` for models without a queue.
    pub fn queue_width(&self) -> Option<usize> {
        match self {
            RustModel::RsPool(p) => Some(p.width()),
            RustModel::RsProcess(p) if !p.asynchronous => Some(p.width()),
            _ => None,
        }
    }
}

impl fmt::Display for RustModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RustModel::RsThread(m) => m.fmt(f),
            RustModel::RsPool(m) => m.fmt(f),
            RustModel::RsAsync(m) => m.fmt(f),
            RustModel::RsAsyncSt(_) => f.write_str("rs-async-st"),
            RustModel::RsProcess(m) => m.fmt(f),
        }
    }
}
