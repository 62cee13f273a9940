//! Cells: one (workload, model, tasks) run in a process of its own.
//!
//! The child side ([`child`]) runs the tasks and prints one JSON line, a [`ChildReport`];
//! the parent side ([`parent`]) spawns it, samples its process tree, enforces the timeout
//! and turns everything into a [`crate::results::CellResult`]. A separate process per
//! cell is what makes memory and CPU attributable and failures contained.

pub mod child;
pub mod parent;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::measure::clock::mono_ns;
use crate::measure::latency::{HistogramWire, Recorder};
use crate::measure::procfs;
use crate::measure::requests::RequestSummary;
use crate::model::RustModel;
use crate::results::{ErrorKind, FailureKind};
use crate::workload::{Target, WorkloadSpec};

/// What the parent asks a Rust cell process to run, as typed JSON on its stdin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellSpec {
    pub workload: WorkloadSpec,
    pub model: RustModel,
    pub tasks: usize,
    /// Where I/O workloads send their traffic.
    #[serde(default)]
    pub target: Target,
}

/// The figures of the cell process at the moment every task had been spawned.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub rss: u64,
    pub vm: u64,
    pub pte: u64,
    pub threads: u64,
    pub fds: u64,
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
    /// Lateness of a 1 ms heartbeat on the event loop (async models), microseconds.
    #[serde(default)]
    pub loop_lag_us: Option<HistogramWire>,
    pub failure: Option<ChildFailure>,
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

/// Processes a model ran besides the cell process (rs-process workers): their own
/// high-water marks and request logs, added to the cell's.
#[derive(Default)]
pub struct Workers {
    pub hwm: u64,
    pub vm_peak: u64,
    pub requests: Vec<RequestSummary>,
}

/// A cell in progress: models report into it.
pub struct CellRun {
    pub rec: Recorder,
    ready_ns: u64,
    full: Option<Snapshot>,
    pub workers: Workers,
    /// Event-loop lag of async models: lateness of a 1 ms heartbeat, microseconds.
    pub loop_lag_us: Option<HistogramWire>,
}

impl Default for CellRun {
    fn default() -> Self {
        Self::new()
    }
}

impl CellRun {
    pub fn new() -> Self {
        let now = mono_ns();
        Self {
            rec: Recorder::new(now),
            ready_ns: now,
            full: None,
            workers: Workers::default(),
            loop_lag_us: None,
        }
    }

    /// Mark the cell ready (runtime built, about to start tasks). Returns the instant that
    /// task start lag is measured from.
    pub fn ready(&mut self) -> u64 {
        self.ready_ns = mono_ns();
        self.rec.set_origin(self.ready_ns);
        self.ready_ns
    }

    /// Mark that every task has been handed to the model's scheduler: the moment of full
    /// concurrency, when thread count, page tables and descriptors are at their peak.
    pub fn all_spawned(&mut self) {
        let me = std::process::id() as i32;
        if let Some(s) = procfs::status(me) {
            self.full = Some(Snapshot {
                rss: s.rss,
                vm: s.vm,
                pte: s.pte,
                threads: s.threads,
                fds: procfs::fd_count(me).unwrap_or(0),
            });
        }
    }

    /// The report line for this run.
    pub fn report(
        self,
        failure: Option<crate::results::Failure>,
        runner: String,
        client: Option<String>,
        concurrency: usize,
    ) -> ChildReport {
        let finished_ns = mono_ns();
        let me = procfs::status(std::process::id() as i32).unwrap_or_default();
        let (task_latency_us, start_lag_us) = self.rec.to_wire();
        let own_requests = crate::measure::requests::log().summary();
        ChildReport {
            ready_ns: self.ready_ns,
            started_ns: self.rec.last_start_ns.max(self.ready_ns),
            finished_ns,
            tasks_ok: self.rec.ok,
            tasks_failed: self.rec.failed,
            errors: self.rec.errors.clone(),
            first_error: self.rec.first_error.clone(),
            task_latency_us,
            start_lag_us,
            loop_lag_us: self.loop_lag_us,
            failure: failure.map(ChildFailure::from),
            runner,
            client,
            requests: crate::measure::requests::merge(own_requests.into_iter().chain(self.workers.requests)),
            concurrency,
            hwm_bytes: me.hwm + self.workers.hwm,
            vm_peak_bytes: me.vm_peak + self.workers.vm_peak,
            full: self.full,
            checksum: self.rec.checksum,
        }
    }
}
