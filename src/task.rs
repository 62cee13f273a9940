//! What one task is and how it ends, shared by the workloads that run tasks and the
//! recorders that count them. It sits below both so that neither imports the other.

use crate::results::ErrorKind;

/// What a task knows about itself.
#[derive(Debug, Clone, Copy)]
pub struct TaskCtx {
    /// 0-based index of the task within the cell.
    pub index: usize,
}

/// A task that did not succeed, counted by `kind` in the cell's `errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskError {
    pub kind: ErrorKind,
    pub message: String,
    /// True when the failure was already counted per request in the request log, so
    /// the task counts as failed without counting its error twice.
    pub counted: bool,
}

impl TaskError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        TaskError {
            kind,
            message: message.into(),
            counted: false,
        }
    }
}

/// A task's result: a checksum of its work (kept so the compiler cannot drop the work), or
/// the reason it failed.
pub type TaskResult = Result<u64, TaskError>;
