//! How a cell ended and why, as the results spell it: kept apart from the document types
//! so that every part of the results (the cells, the reading) can name them without the
//! parts naming each other.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every task ran and no more failed than the sweep tolerates (default: none).
    Ok,
    /// Every task ran, but more failed than the sweep tolerates: the figures are those of
    /// failing work, so the cell wins nothing; see `tasks_failed` and `errors`.
    Errors,
    /// The cell ran into a limit or could not start its tasks; see `failure`.
    Failed,
    /// The cell did not finish within the cell timeout and was killed.
    Timeout,
    /// The cell process died without a result (signal, OOM kill, exception).
    Crashed,
    /// Not run: the same model failed at a smaller task count in this sweep, or the model
    /// cannot run this workload at all (`failure.kind` says which).
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Errors => "errors",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Crashed => "crashed",
            Status::Skipped => "skipped",
        }
    }
}

/// Why a cell did not end `ok`: the machine-readable cause. The schema lists every kind
/// with its meaning, generated from this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// A thread or process could not be created (pid_max, vm.max_map_count, RLIMIT_NPROC,
    /// RLIMIT_AS, memory); `limit` names which.
    SpawnLimit,
    /// The cell ran past its timeout and was killed.
    Timeout,
    /// Not run: arithmetic says the cell cannot finish within the timeout the user set.
    PredictedTimeout,
    /// Not run: the same model failed at a smaller task count in this sweep.
    Skipped,
    /// Not run: the model cannot run this workload (a Rust model and the user's Python
    /// task, an asyncio model and a task with no async function, a Python model and a
    /// workload written in Rust).
    Unsupported,
    /// The workload could not be prepared in the cell: the user's module failed to import,
    /// lacks the function named, or its setup raised.
    Setup,
    /// Killed by the kernel's OOM killer (SIGKILL while /proc/vmstat `oom_kill` moved).
    OomKilled,
    /// Killed by SIGKILL from outside: neither conlab nor the OOM killer sent it.
    Killed,
    /// Killed by another signal (SIGSEGV, SIGABRT, ...).
    Signal,
    /// Exited with an error code and no result line.
    Exit,
    /// Printed a result line that is not valid.
    Protocol,
    /// The model's runtime could not start (a tokio runtime, the cell's executable).
    Runtime,
    /// A worker process of a process model ended without a report.
    WorkerCrashed,
    /// Tasks failed (refused, reset, timed out, ...) beyond the sweep's tolerance.
    TaskErrors,
    /// The cell process could not be reaped.
    Wait,
    /// A server stopped accepting connections: out of file descriptors (`ulimit -n`);
    /// `at_task` is the connection it stopped at.
    FdLimit,
    /// The load generator of a server cell could not run or ended without a report, so
    /// the server's clients were not measured.
    LoadFailed,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::SpawnLimit => "spawn-limit",
            FailureKind::Timeout => "timeout",
            FailureKind::PredictedTimeout => "predicted-timeout",
            FailureKind::Skipped => "skipped",
            FailureKind::Unsupported => "unsupported",
            FailureKind::Setup => "setup",
            FailureKind::OomKilled => "oom-killed",
            FailureKind::Killed => "killed",
            FailureKind::Signal => "signal",
            FailureKind::Exit => "exit",
            FailureKind::Protocol => "protocol",
            FailureKind::Runtime => "runtime",
            FailureKind::WorkerCrashed => "worker-crashed",
            FailureKind::TaskErrors => "task-errors",
            FailureKind::Wait => "wait",
            FailureKind::FdLimit => "fd-limit",
            FailureKind::LoadFailed => "load-failed",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
