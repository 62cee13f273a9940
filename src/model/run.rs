//! A cell in progress: what a model reports into while it runs the tasks (the recorder,
//! the moment of full concurrency, worker processes' own figures), turned into the cell's
//! report line by `cell::child` when the model returns.

use crate::measure::clock::mono_ns;
use crate::measure::latency::{HistogramWire, Recorder};
use crate::measure::procfs;
use crate::measure::requests::RequestSummary;

/// The figures of the cell process at the moment every task had been spawned.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Resident memory (VmRSS), bytes.
    pub rss: u64,
    /// Virtual size (VmSize), bytes.
    pub vm: u64,
    /// Page tables (VmPTE), bytes.
    pub pte: u64,
    /// Threads of the process.
    pub threads: u64,
    /// Open file descriptors.
    pub fds: u64,
}

/// Processes a model ran besides the cell process (rs-process workers): their own
/// high-water marks, request logs and peaks in flight, added to the cell's.
#[derive(Default)]
pub struct Workers {
    /// The sum of the workers' own peaks: an upper bound on the tasks running at once
    /// across them (each worker runs one task at a time, so it is the workers busy).
    pub peak_in_flight: u64,
    pub hwm: u64,
    pub vm_peak: u64,
    pub requests: Vec<RequestSummary>,
    /// Each worker's share, in task order.
    pub shares: Vec<crate::results::WorkerShare>,
}

/// A cell in progress: models report into it.
pub struct CellRun {
    pub rec: Recorder,
    pub ready_ns: u64,
    pub full: Option<Snapshot>,
    pub workers: Workers,
    /// Event-loop lag of async models: lateness of a 1 ms heartbeat, microseconds.
    pub loop_lag_us: Option<HistogramWire>,
    /// Reads the process's own figures at full concurrency, set up before the work.
    own: procfs::Own,
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
            own: procfs::Own::new(),
        }
    }

    /// Mark the cell ready (runtime built, about to start tasks), first letting go of the
    /// pages of conlab's own code that setting up touched (`measure::image`) and starting
    /// the process's peak RSS again from there: the cell's peak is the work's, not that of
    /// reading the spec and building the runtime (the parent's sampler keeps to the same
    /// window). Returns the instant that task start lag is measured from.
    #[inline(always)]
    pub fn ready(&mut self) -> u64 {
        crate::measure::image::forget_own_code();
        self.own.reset_peak();
        self.ready_ns = mono_ns();
        self.rec.set_origin(self.ready_ns);
        self.ready_ns
    }

    /// The cell process's status, read without mapping in more of conlab's code.
    pub fn own_status(&mut self) -> Option<procfs::Status> {
        self.own.status()
    }

    /// Mark that every task has been handed to the model's scheduler: the moment of full
    /// concurrency, when thread count, page tables and descriptors are at their peak.
    #[link_section = ".text.hot.conlab"]
    pub fn all_spawned(&mut self) {
        if let Some(s) = self.own.status() {
            self.full = Some(Snapshot {
                rss: s.rss,
                vm: s.vm,
                pte: s.pte,
                threads: s.threads,
                fds: self.own.fd_count().unwrap_or(0),
            });
        }
    }
}
