//! Cells: one (workload, model, tasks) run in a process of its own.
//!
//! The child side ([`child`]) runs the tasks and prints one JSON line, a [`ChildReport`];
//! the parent side ([`parent`]) spawns it, samples its process tree, enforces the timeout
//! and turns everything into a [`crate::results::CellResult`]. A separate process per
//! cell is what makes memory and CPU attributable and failures contained.

pub mod child;
pub mod generators;
pub mod parent;
pub mod server;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::measure::latency::HistogramWire;
use crate::measure::requests::RequestSummary;
use crate::model::run::Snapshot;
use crate::model::RustModel;
use crate::results::{ErrorKind, FailureKind};
use crate::workload::{HttpLib, Target, WorkloadSpec};

/// What the parent asks a Rust cell process to run, as typed JSON on its stdin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellSpec {
    pub workload: WorkloadSpec,
    pub model: RustModel,
    /// The model's client library variant (`rs-thread+ureq`); `None`: conlab's codec.
    #[serde(default)]
    pub lib: Option<HttpLib>,
    pub tasks: usize,
    /// Where I/O workloads send their traffic.
    #[serde(default)]
    pub target: Target,
}

/// Counters a child saw when a thread could not be created, for the parent to name the
/// limit from (the Python driver cannot tell pid_max from max_map_count; conlab can).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpawnCounters {
    /// Memory mappings of the cell process.
    pub maps: u64,
    /// Threads alive on the machine.
    pub threads_alive: u64,
}

/// A cell-level failure as a child reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildFailure {
    pub kind: FailureKind,
    pub message: String,
    pub at_task: Option<usize>,
    /// The limit, when the child could name it.
    pub limit: Option<String>,
    /// Otherwise the counters to name it from.
    #[serde(default)]
    pub counters: Option<SpawnCounters>,
}

impl CellSpec {
    /// What the model needs of the spec.
    pub fn job(&self) -> crate::model::Job<'_> {
        crate::model::Job {
            workload: &self.workload,
            target: &self.target,
            tasks: self.tasks,
            lib: self.lib,
        }
    }
}

impl From<crate::results::Failure> for ChildFailure {
    fn from(f: crate::results::Failure) -> Self {
        ChildFailure {
            kind: f.kind,
            message: f.message,
            at_task: f.at_task,
            limit: f.limit,
            counters: None,
        }
    }
}

/// The one JSON line a cell prints, Rust cell and Python driver alike: raw counts and
/// raw histograms. Only the parent summarises them, so every percentile conlab reports
/// comes from one algorithm.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChildReport {
    /// CLOCK_MONOTONIC ns when the cell was ready to start tasks.
    pub ready_ns: u64,
    /// CLOCK_MONOTONIC ns when the last task started.
    pub started_ns: u64,
    /// CLOCK_MONOTONIC ns when the last task finished.
    pub finished_ns: u64,
    pub tasks_ok: usize,
    pub tasks_failed: usize,
    pub errors: BTreeMap<ErrorKind, u64>,
    pub first_error: Option<String>,
    /// Per-task run time, microseconds.
    pub task_latency_us: HistogramWire,
    /// Per-task start lag from the ready mark, microseconds.
    pub start_lag_us: HistogramWire,
    /// Per-task completion from the ready mark (when the batch was submitted), microseconds:
    /// the latency the caller sees, queueing and start lag included.
    #[serde(default)]
    pub caller_latency_us: Option<HistogramWire>,
    /// The most tasks started and not finished at any instant, counted in the child.
    #[serde(default)]
    pub peak_in_flight: Option<u64>,
    /// Summed run time of every task that ran, ns (mean in flight = this / work time).
    #[serde(default)]
    pub task_ns_total: Option<u64>,
    /// Each worker's share, for models that split the tasks over workers.
    #[serde(default)]
    pub workers: Option<Vec<crate::results::WorkerShare>>,
    /// Lateness of a 1 ms heartbeat on the event loop (async models), microseconds.
    #[serde(default)]
    pub loop_lag_us: Option<HistogramWire>,
    pub failure: Option<ChildFailure>,
    /// What importing the user's module and its setup cost (py-task).
    #[serde(default)]
    pub user_setup: Option<crate::results::UserSetup>,
    pub runner: String,
    /// The client library the tasks used (I/O workloads).
    pub client: Option<String>,
    /// Per-request counts and latencies (I/O workloads).
    pub requests: Option<RequestSummary>,
    /// Most tasks the model runs at once (N, or the pool's width).
    pub concurrency: usize,
    /// Sum of VmHWM over the cell process and any workers it ran, bytes.
    pub hwm_bytes: u64,
    /// Sum of VmPeak over the cell process and any workers it ran, bytes.
    pub vm_peak_bytes: u64,
    /// The cell process at full concurrency.
    pub full: Option<Snapshot>,
    pub checksum: u64,
}
