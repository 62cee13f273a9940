//! The wire between the parent and a cell process, both languages: the spec a Rust cell
//! reads on its stdin (the Python driver's is in [`driver`]), and the one JSON line every
//! cell (Rust cell and Python driver) prints. It sits below both `launch` (which starts cells) and `cell` (which runs and
//! reads them), so neither has to import the other for it.
//! `schema/child-report.schema.json` is generated from [`ChildReport`]; the Python
//! driver's report line is validated against it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::measure::bins::TaskBinsWire;
use crate::measure::latency::HistogramWire;
use crate::measure::requests::RequestSummary;
use crate::model::run::Snapshot;
use crate::model::RustModel;
use crate::results::{ErrorKind, FailureKind};
use crate::workload::{HttpLib, Target, WorkloadSpec};

pub mod driver;
pub use driver::{BucketLayout, DriverConstants, DriverModel, DriverSpec, BACKLOG};

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
    /// Count tasks started and ended per time bin for the cell's series (`--no-series`
    /// turns it off).
    #[serde(default)]
    pub series: bool,
}

/// Counters a child saw when a thread could not be created, for the parent to name the
/// limit from (the Python driver cannot tell pid_max from max_map_count; conlab can).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpawnCounters {
    /// Memory mappings of the cell process.
    pub maps: u64,
    /// Threads alive on the machine.
    pub threads_alive: u64,
}

/// A cell-level failure as a child reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildFailure {
    pub kind: FailureKind,
    /// What went wrong, in one line.
    pub message: String,
    /// The task (0-based) at which it struck.
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

/// Whether `line` is a server cell's ready mark, `{"ready_ns": N}` and nothing else: the
/// line a server prints before its report, once it accepts (a server whose setup failed
/// prints its report alone).
pub fn is_ready_mark(line: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line)
        .is_ok_and(|m| m.len() == 1 && m.get("ready_ns").is_some_and(|v| v.is_u64()))
}

/// The one JSON line a cell prints, Rust cell and Python driver alike: raw counts and
/// raw histograms. Only the parent summarises them, so every percentile conlab reports
/// comes from one algorithm.
///
/// Unknown keys are refused (`deny_unknown_fields`): a misspelt key is an error naming
/// it, never a silent `None`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildReport {
    /// CLOCK_MONOTONIC ns when the cell was ready to start tasks.
    pub ready_ns: u64,
    /// CLOCK_MONOTONIC ns when the last task started.
    pub started_ns: u64,
    /// CLOCK_MONOTONIC ns when the last task finished.
    pub finished_ns: u64,
    /// Tasks that succeeded.
    pub tasks_ok: usize,
    /// Tasks that failed (each counted under `errors` by kind).
    pub tasks_failed: usize,
    /// Failed tasks by error kind.
    pub errors: BTreeMap<ErrorKind, u64>,
    /// The message of the first task error.
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
    /// Tasks started and ended per time bin from the ready mark, when the spec asked for
    /// the series.
    #[serde(default)]
    pub task_bins: Option<TaskBinsWire>,
    /// The cell-level failure, when the cell could not run all its tasks.
    pub failure: Option<ChildFailure>,
    /// What importing the user's module and its setup cost (py-task).
    #[serde(default)]
    pub user_setup: Option<crate::results::UserSetup>,
    /// What ran the tasks (`rust`, or the interpreter and its version).
    pub runner: String,
    /// The client library the tasks used (I/O workloads).
    pub client: Option<String>,
    /// The library server stack that served (Python server stacks only).
    #[serde(default)]
    pub stack: Option<crate::results::ServerStack>,
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
    /// A value folded from every task's result, so the work cannot be optimised away.
    pub checksum: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ready_mark_alone_is_ready() {
        assert!(is_ready_mark(br#"{"ready_ns":12}"#));
        assert!(is_ready_mark(br#"{"ready_ns": 12}"#));
        assert!(!is_ready_mark(br#"{"ready_ns": 12, "tasks_ok": 0}"#));
        assert!(!is_ready_mark(b"not json"));
    }

    fn line_with(from: &str, to: &str) -> String {
        let report = ChildReport {
            failure: Some(ChildFailure {
                kind: FailureKind::SpawnLimit,
                message: "EAGAIN".into(),
                at_task: Some(3),
                limit: None,
                counters: Some(SpawnCounters {
                    maps: 1,
                    threads_alive: 2,
                }),
            }),
            requests: Some(RequestSummary::default()),
            full: Some(Snapshot::default()),
            workers: Some(vec![crate::results::WorkerShare {
                pid: 1,
                first_task: 0,
                tasks: 1,
                tasks_failed: 0,
                peak_rss_bytes: None,
                peak_in_flight: None,
            }]),
            stack: Some(crate::results::ServerStack::default()),
            user_setup: Some(crate::results::UserSetup {
                import_s: 0.0,
                setup_s: None,
                rss_bytes: 0,
            }),
            ..ChildReport::default()
        };
        let line = serde_json::to_string(&report).unwrap();
        assert!(line.contains(from), "{line} has no {from}");
        line.replacen(from, to, 1)
    }

    #[test]
    fn a_report_line_round_trips() {
        let line = line_with("", "");
        let back: ChildReport = serde_json::from_str(&line).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), line);
    }

    /// A misspelt key anywhere in the line, at the top or in any of its parts, is an error
    /// that names it, not a silent `None`.
    #[test]
    fn a_misspelt_key_fails_naming_it() {
        for (from, to) in [
            ("\"tasks_ok\"", "\"tasks_okk\""),
            ("\"at_task\"", "\"at_tsk\""),
            ("\"threads_alive\"", "\"thread_alive\""),
            ("\"latency_us\"", "\"latncy_us\""),
            ("\"fds\"", "\"fd\""),
            ("\"first_task\"", "\"frist_task\""),
            ("\"import_s\"", "\"imports\""),
        ] {
            let err = serde_json::from_str::<ChildReport>(&line_with(from, to))
                .unwrap_err()
                .to_string();
            let key = to.trim_matches('"');
            assert!(err.contains(&format!("unknown field `{key}`")), "{to}: {err}");
        }
    }
}
