//! What one task is and how it ends, shared by the workloads that run tasks and the
//! recorders that count them. It sits below both so that neither imports the other.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a task knows about itself.
#[derive(Debug, Clone, Copy)]
pub struct TaskCtx {
    /// 0-based index of the task within the cell.
    pub index: usize,
}

/// Why a task or a request failed, counted in a cell's `errors`. Rust cells and the
/// Python driver report the same kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The connection was refused (nothing listening, or the backlog full).
    Refused,
    /// The connection was reset or aborted by the peer.
    Reset,
    /// No answer within the workload's timeout.
    Timeout,
    /// The peer closed the connection before the response was complete.
    Closed,
    /// The server answered 4xx.
    #[serde(rename = "http-4xx")]
    Http4xx,
    /// The server answered 5xx.
    #[serde(rename = "http-5xx")]
    Http5xx,
    /// The server answered a status outside 200-599.
    HttpOther,
    /// Out of file descriptors (EMFILE, ENFILE): `ulimit -n`.
    FdLimit,
    /// Out of ephemeral ports (EADDRNOTAVAIL).
    NoPorts,
    /// The peer spoke something that is not the protocol.
    Protocol,
    /// Another I/O error.
    Io,
    /// The task never started: its thread or worker could not be created.
    NotStarted,
    /// The task's worker process ended without a report.
    WorkerCrashed,
    /// The task panicked (Rust).
    Panic,
    /// Any other error (e.g. an exception of the user's code).
    #[serde(other)]
    Error,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Refused => "refused",
            ErrorKind::Reset => "reset",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Closed => "closed",
            ErrorKind::Http4xx => "http-4xx",
            ErrorKind::Http5xx => "http-5xx",
            ErrorKind::HttpOther => "http-other",
            ErrorKind::FdLimit => "fd-limit",
            ErrorKind::NoPorts => "no-ports",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Io => "io",
            ErrorKind::NotStarted => "not-started",
            ErrorKind::WorkerCrashed => "worker-crashed",
            ErrorKind::Panic => "panic",
            ErrorKind::Error => "error",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
