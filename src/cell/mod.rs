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
use crate::measure::latency::{LatencySummary, Recorder};
use crate::measure::procfs;
use crate::results::Failure;

/// What the parent asks a cell process to run (`conlab cell SPEC_JSON`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellSpec {
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    /// Where I/O workloads send their traffic.
    #[serde(default)]
    pub target: crate::workload::Target,
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

/// The one JSON line a cell prints (the Python driver prints the same shape).
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
    pub errors: BTreeMap<String, u64>,
    pub first_error: Option<String>,
    pub latency_ms: Option<LatencySummary>,
    pub start_lag_ms: Option<LatencySummary>,
    pub failure: Option<Failure>,
    pub runner: String,
    /// The client library the tasks used (I/O workloads).
    pub client: Option<String>,
    /// Per-request figures (I/O workloads).
    pub requests: Option<crate::measure::requests::RequestSummary>,
    /// Most tasks the model runs at once (N, or the pool's width).
    pub concurrency: usize,
    /// Lateness of a 1 ms heartbeat on the event loop (async models).
    #[serde(default)]
    pub loop_lag_ms: Option<LatencySummary>,
    /// Sum of VmHWM over the cell process and any workers it ran, bytes.
    pub hwm_bytes: u64,
    /// Sum of VmPeak over the cell process and any workers it ran, bytes.
    pub vm_peak_bytes: u64,
    /// The cell process at full concurrency.
    pub full: Option<Snapshot>,
    pub checksum: u64,
}

/// A cell in progress: models report into it.
pub struct CellRun {
    pub rec: Recorder,
    ready_ns: u64,
    full: Option<Snapshot>,
    /// High-water marks of worker processes the model ran (added to the cell's own).
    pub worker_hwm: u64,
    pub worker_vm_peak: u64,
    /// Request logs of worker processes the model ran.
    pub worker_requests: Vec<crate::measure::requests::RequestSummary>,
    /// The cell's target, for models that start worker processes of their own.
    pub target: crate::workload::Target,
    /// Event-loop lag of async models: lateness of a 1 ms heartbeat.
    pub loop_lag: Option<LatencySummary>,
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
            worker_hwm: 0,
            worker_vm_peak: 0,
            worker_requests: Vec::new(),
            target: Default::default(),
            loop_lag: None,
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
        failure: Option<Failure>,
        runner: String,
        client: Option<String>,
        concurrency: usize,
    ) -> ChildReport {
        let finished_ns = mono_ns();
        let me = procfs::status(std::process::id() as i32).unwrap_or_default();
        ChildReport {
            ready_ns: self.ready_ns,
            started_ns: self.rec.last_start_ns.max(self.ready_ns),
            finished_ns,
            tasks_ok: self.rec.ok,
            tasks_failed: self.rec.failed,
            errors: self.rec.errors.clone(),
            first_error: self.rec.first_error.clone(),
            latency_ms: self.rec.latency(),
            start_lag_ms: self.rec.lag(),
            failure,
            runner,
            client,
            requests: crate::measure::requests::merge(
                crate::measure::requests::log()
                    .summary()
                    .into_iter()
                    .chain(self.worker_requests),
            ),
            concurrency,
            loop_lag_ms: self.loop_lag.clone(),
            hwm_bytes: me.hwm + self.worker_hwm,
            vm_peak_bytes: me.vm_peak + self.worker_vm_peak,
            full: self.full,
            checksum: self.rec.checksum,
        }
    }
}
