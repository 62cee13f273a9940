//! The public result types: what `results.jsonl` and `results.json` hold.
//!
//! These types are the contract with every tool that reads conlab's output (and with
//! `conlab report`), kept apart from the internal types that produce them. The JSON
//! Schema under `schema/` is generated from them; a test keeps the two in step.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::measure::env::Environment;
use crate::measure::latency::{HistogramWire, LatencySummary};
pub use crate::task::ErrorKind;

pub mod capacity;
mod kinds;
pub mod reading;
pub mod series;
pub use capacity::{Capacity, CapacitySearch, CapacityVerdict, Probe, SearchEnd};
pub use kinds::{FailureKind, Status};
pub use reading::Reading;
pub use series::{CellSeries, SeriesPoint};

/// Identifies the document format; bumped on any incompatible change.
pub const SCHEMA: &str = "conlab.results/1";

/// The library server stack a Python server cell ran (`py-asyncio+uvicorn`,
/// `py-pool+gunicorn`, ...): what served, as the cell found it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerStack {
    /// The server (`uvicorn`, `gunicorn`, `aiohttp.web`, `http.server.ThreadingHTTPServer`).
    pub server: String,
    /// Its version (`stdlib 3.12.3` for the standard library's).
    pub version: String,
    /// The worker class or server loop (`gthread`, `sync`, `gevent`,
    /// `uvicorn.workers.UvicornWorker (gunicorn 23.0.0 arbiter)`).
    pub worker_class: String,
    /// Worker processes.
    pub workers: usize,
    /// Threads per worker (gunicorn's gthread), where the stack has a fixed number.
    pub threads: Option<usize>,
    /// The HTTP parser (`httptools 0.6.4`, `h11 0.14.0`, `llhttp (C)`).
    pub parser: Option<String>,
    /// The event loop (`uvloop 0.21.0`, `asyncio _UnixSelectorEventLoop`, `gevent hub`).
    #[serde(rename = "loop")]
    pub event_loop: Option<String>,
    /// Distinct client connections the app saw requests from (the cell's tasks are the
    /// requests the app answered).
    pub connections: Option<usize>,
}

impl std::fmt::Display for ServerStack {
    /// `gunicorn 23.0.0, gthread, 1 worker x 16 threads, parser gunicorn.http`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}, {}, {}",
            self.server,
            self.version,
            self.worker_class,
            crate::units::plural(self.workers, "worker")
        )?;
        if let Some(t) = self.threads {
            write!(f, " x {}", crate::units::plural(t, "thread"))?;
        }
        if let Some(p) = &self.parser {
            write!(f, ", parser {p}")?;
        }
        if let Some(l) = &self.event_loop {
            write!(f, ", loop {l}")?;
        }
        Ok(())
    }
}

/// What preparing the user's own task cost in the cell process, before the ready mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSetup {
    /// Importing the module (its top-level code included), seconds.
    pub import_s: f64,
    /// The setup function, seconds; `None` when the spec names none.
    pub setup_s: Option<f64>,
    /// Resident memory the import and the setup added to the cell process, bytes.
    pub rss_bytes: u64,
}

/// One worker's part of a cell: a process (or, for `py-asyncio:threads=T`, a thread with
/// its own event loop) and the contiguous share of the tasks it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerShare {
    /// The worker's pid (a thread's loop: the cell's pid).
    pub pid: u32,
    /// The first task (0-based) of its share.
    pub first_task: usize,
    /// Tasks in its share.
    pub tasks: usize,
    /// Tasks of the share that failed.
    pub tasks_failed: usize,
    /// The worker process's own peak resident memory (VmHWM), bytes; `None` for a thread.
    pub peak_rss_bytes: Option<u64>,
    /// The most of its tasks that ran at once.
    pub peak_in_flight: Option<u64>,
}

/// Why a cell did not succeed, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Failure {
    /// Machine-readable cause.
    pub kind: FailureKind,
    /// One line for a person.
    pub message: String,
    /// The 0-based task at which it struck, when known (e.g. the first thread refused).
    pub at_task: Option<usize>,
    /// The limit responsible, with its value and the counter that reached it.
    pub limit: Option<String>,
}

/// One cell: one workload under one model at one task count, in its own process.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CellResult {
    /// 1-based position in the sweep's run order (0 for baseline cells).
    pub index: usize,
    /// Workload spec, canonical form (`sleep:200ms`).
    pub workload: String,
    /// Model spec, canonical form (`rs-async`, `rs-pool:size=8`).
    pub model: String,
    /// Number of concurrent tasks (0 for a baseline cell).
    pub tasks: usize,
    /// Repeat number, 0-based.
    pub repeat: usize,
    /// Most tasks the model ran at once: `tasks` for threads and async, the width for a
    /// pool or process model (which queue the rest). `None` when the cell did not report.
    pub concurrency: Option<usize>,
    /// The most tasks running at once (started, not finished), counted in the child: the
    /// concurrency really reached. Below `tasks`, the cell's memory and time are those
    /// of fewer tasks at a time than asked for.
    #[serde(default)]
    pub peak_in_flight: Option<u64>,
    /// Mean tasks running over the work time (summed task time / work time).
    #[serde(default)]
    pub mean_in_flight: Option<f64>,
    /// The worker processes or event loops of a model that splits its tasks (py-process,
    /// rs-process, the hybrids `py-asyncio:procs=P` / `:threads=T`,
    /// `rs-process:async=true`): each one's share and what it held.
    #[serde(default)]
    pub workers: Option<Vec<WorkerShare>>,
    /// True for the model's baseline cell (0 tasks), used to subtract fixed cost.
    pub baseline: bool,
    /// How the cell ended.
    pub status: Status,
    /// Why it did not end `ok`.
    pub failure: Option<Failure>,
    /// Spawn to exit of the cell process, seconds (measured by the parent).
    pub wall_s: f64,
    /// Spawn until the cell was ready to start tasks (runtime or interpreter up), seconds.
    pub ready_s: Option<f64>,
    /// For the user's own Python task (py-task): what importing the module and calling its
    /// setup cost, inside `ready_s` and never in `work_s`, reported apart.
    #[serde(default)]
    pub user_setup: Option<UserSetup>,
    /// Ready until the last task had started, seconds.
    pub started_s: Option<f64>,
    /// Ready until the last task had finished, seconds: the work itself.
    pub work_s: Option<f64>,
    /// Tasks that completed without error.
    pub tasks_ok: usize,
    /// Tasks that failed or never started.
    pub tasks_failed: usize,
    /// Errors counted by kind: per request for I/O workloads (`refused`, `reset`,
    /// `timeout`, `closed`, `http-5xx`, ...), per task otherwise.
    pub errors: BTreeMap<ErrorKind, u64>,
    /// The first task error, as an example.
    pub first_error: Option<String>,
    /// Per-task run time (start to finish), milliseconds: the service time.
    pub latency_ms: Option<LatencySummary>,
    /// Per-task completion time from the moment the batch was submitted, milliseconds:
    /// the latency the caller sees (start lag and queueing included).
    #[serde(default)]
    pub caller_latency_ms: Option<LatencySummary>,
    /// Requests (HTTP requests, TCP round trips) that succeeded, for I/O workloads.
    pub requests_ok: Option<u64>,
    /// Requests that failed; their kinds are counted in `errors`.
    pub requests_failed: Option<u64>,
    /// Per-request latency, milliseconds (I/O workloads).
    pub request_latency_ms: Option<LatencySummary>,
    /// Requests (ok and failed) per second of work time.
    pub requests_per_s: Option<f64>,
    /// The client library the tasks used (I/O workloads).
    pub client: Option<String>,
    /// Event-loop lag of async models: how late a 1 ms heartbeat timer woke up, ms. A
    /// blocked loop shows here as a number.
    pub loop_lag_ms: Option<LatencySummary>,
    /// Per-task start lag (from ready to the task's start: queueing and scheduling), ms.
    pub start_lag_ms: Option<LatencySummary>,
    /// Peak resident memory of the whole process tree over the work, bytes: the larger of
    /// the sampled sum over the tree and the sum of each process's own high-water mark
    /// (VmHWM). The cell process starts its mark again at the ready mark and the sampler
    /// counts from there, so the cell's start-up (reading its spec, building the
    /// runtime, importing) is not its peak; a cell that never reported counts from start.
    pub peak_rss_bytes: u64,
    /// The highest sum the sampler itself saw over the work, bytes: how close sampling
    /// came to the high-water marks in `peak_rss_bytes` (absent in results from before
    /// it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled_rss_bytes: Option<u64>,
    /// ru_maxrss from wait4, bytes: the largest single process of the tree, including the
    /// image it had before exec (what `/usr/bin/time -f %M` reports).
    pub ru_maxrss_bytes: Option<u64>,
    /// Peak virtual memory (address space reserved) of the whole process tree, bytes.
    pub peak_vm_bytes: u64,
    /// Peak page-table memory of the tree, bytes.
    pub peak_pte_bytes: u64,
    /// Peak thread count of the tree.
    pub peak_threads: u64,
    /// Peak open file descriptors of the tree.
    pub peak_fds: u64,
    /// Peak process count of the tree.
    pub peak_processes: u64,
    /// User CPU seconds of the tree (wait4).
    pub user_s: f64,
    /// System CPU seconds of the tree (wait4).
    pub sys_s: f64,
    /// Voluntary context switches of the tree (wait4).
    pub ctx_voluntary: u64,
    /// Involuntary context switches of the tree (wait4).
    pub ctx_involuntary: u64,
    /// How the model ran the tasks (`1000 std::thread threads, stack 2 MiB`).
    pub runner: Option<String>,
    /// Python server stacks (`py-asyncio+uvicorn`, `py-pool+gunicorn`, ...): the server,
    /// its version, worker class, workers, threads, parser and loop that served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<ServerStack>,
    /// The timeout this cell ran under, seconds.
    pub timeout_s: f64,
    /// How many times the parent sampled the process tree.
    pub samples: u64,
    /// CPU seconds the parent spent sampling and supervising this cell.
    pub sampler_cpu_s: f64,
    /// How the cell process ended (`exit 0`, `SIGKILL`).
    pub exit: Option<String>,
    /// The end of the cell's stderr, when it said anything.
    pub stderr_tail: Option<String>,
    /// The raw latency distributions behind the summaries above, so results from many
    /// runs or machines can be merged exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histograms: Option<Histograms>,
    /// The machine that ran the cell, in a document that holds more than one (written by
    /// `conlab merge`; its `merged.hosts` has each one's environment). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Server cells (`serve-*`): the load generator, a separate process sharing the
    /// machine whose memory and CPU are never charged to the cell. The cell's tasks,
    /// errors and request figures are what its clients saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadGenerator>,
    /// Server cells: the connections as the server saw them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerSide>,
    /// The cell over time: its process tree sampled (at most 200 points, evenly
    /// thinned) with its tasks in flight and completed. Every repeat keeps its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<CellSeries>,
}

/// The load generator of a server cell: conlab's own client processes (the `http` or
/// `tcp` client workload under `rs-async`), measured apart from the server. With
/// `generators=K` there are K of them, side by side, each holding its share of the
/// connections; the figures here are their totals and `generators` has each one's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadGenerator {
    /// How they ran (`100 tokio tasks on a multi-thread runtime, 2 workers`; with several
    /// generators, how many ran each way and the tokio workers each was given).
    pub runner: Option<String>,
    /// `closed loop`, or `open loop, R requests/s from intended send times` (R in total).
    pub mode: String,
    /// The address the server listened on and the generators connected to (loopback, or
    /// `--listen`; a free port chosen per cell unless one was given).
    pub target: String,
    /// The client workload each connection ran (an open loop's rate: the total).
    pub workload: String,
    /// Connections opened by all generators together (one per task).
    pub connections: usize,
    /// How the generators ended: `ok` when every one did, else the first one that did not.
    pub status: Status,
    pub failure: Option<Failure>,
    /// Spawn to exit, seconds: the longest of the generators.
    pub wall_s: f64,
    /// Peak resident memory, bytes: the generators' peaks summed (they run side by side,
    /// so this is the most they can have held together).
    pub peak_rss_bytes: u64,
    /// CPU seconds (user + system), summed over the generators.
    pub cpu_s: f64,
    /// Peak threads, summed over the generators.
    pub peak_threads: u64,
    /// Each generator process's share, in order (one entry per generator; absent in
    /// results written before `generators=`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generators: Vec<GeneratorShare>,
}

/// One load generator process of a server cell and what it measured on its share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GeneratorShare {
    /// The host it ran on (`netns:NAME`, `local`), when `--generator-hosts` placed it;
    /// absent: beside the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Connections it held (its tasks).
    pub connections: usize,
    /// How the generator process ended.
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Requests (HTTP requests, TCP round trips) that succeeded.
    pub requests_ok: u64,
    /// Requests that failed.
    pub requests_failed: u64,
    /// Requests (ok and failed) per second of its own work time.
    pub requests_per_s: Option<f64>,
    /// p99 of its requests' latency, milliseconds.
    pub request_p99_ms: Option<f64>,
    /// Spawn to exit, seconds.
    pub wall_s: f64,
    /// CPU seconds (user + system).
    pub cpu_s: f64,
    /// Peak resident memory of the process, bytes.
    pub peak_rss_bytes: u64,
}

/// A server cell's connections from the server's side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServerSide {
    /// Connections accepted and handled (a client that reconnects counts again). For a
    /// library stack (`stack`), the distinct clients its app saw requests from.
    pub connections: usize,
    /// Connections whose handler ended in an error, or that got no thread (a library
    /// stack: requests whose app call failed).
    pub connections_failed: usize,
    /// The server's errors by kind.
    pub errors: BTreeMap<ErrorKind, u64>,
    pub first_error: Option<String>,
    /// How long connections stayed open (accept to close), milliseconds; a library
    /// stack's: how long its app took over each request.
    pub connection_ms: Option<LatencySummary>,
}

/// HDR histogram contents (3 significant digits, 1 us to 1 h) as `[value_us, count]`
/// pairs, one value per bucket: every percentile in conlab is read from these by one
/// algorithm, whichever language the cell ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Histograms {
    /// Per-task run time, microseconds.
    pub task_latency_us: HistogramWire,
    /// Per-task start lag, microseconds.
    pub start_lag_us: HistogramWire,
    /// Per-task completion from submission (the caller's latency), microseconds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caller_latency_us: HistogramWire,
    /// Per-request latency (I/O workloads), microseconds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_latency_us: HistogramWire,
    /// Lateness of the 1 ms heartbeat (async models), microseconds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loop_lag_us: HistogramWire,
}

/// The tool that wrote the document.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// What the sweep was asked to do.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PlanInfo {
    /// The exact command line.
    pub command: String,
    /// Workload specs.
    pub workloads: Vec<String>,
    /// Model specs.
    pub models: Vec<String>,
    /// Task counts.
    pub tasks: Vec<usize>,
    /// The workloads that run only some of `tasks`, with theirs (the no-argument sweep
    /// runs each workload at the counts that carry its story).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks_of: BTreeMap<String, Vec<usize>>,
    /// Repeats per (workload, model, tasks).
    pub repeat: usize,
    /// The cell timeout the user set, seconds; `None` when the default applies
    /// (60 s, plus the least time a queueing model needs to drain its queue).
    pub cell_timeout_s: Option<f64>,
    /// The no-argument sweep's budget per cell, seconds: cells that need longer by
    /// arithmetic were skipped up front (each says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_beyond_s: Option<f64>,
    /// The share of a cell's tasks that may fail before the cell ends `errors` and is
    /// left out of every comparison (0: none may fail).
    #[serde(default)]
    pub tolerate_failures: f64,
    /// Output directory.
    pub out: String,
    /// What the I/O workloads talked to: conlab's own server (a separate process on this
    /// machine, sharing its cores), or the URLs the user gave.
    pub target: Option<String>,
    /// The slice of the plan this sweep ran (`--shard K/N`); absent: the whole plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// A hash of the canonical plan (workloads, models, task counts, repeats, timeout,
    /// tolerance, target): the same on every host that runs the same plan, so `conlab
    /// merge` can refuse to mix different ones. Absent in results from before shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The address server cells listened on (`--listen`; port 0: a free one per cell);
    /// absent: 127.0.0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// The hosts server cells' load generators ran on, in turn (`--generator-hosts`:
    /// `netns:NAME`, `local`); absent: beside the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generator_hosts: Vec<String>,
}

impl PlanInfo {
    /// The task counts `workload` runs at.
    pub fn tasks_for(&self, workload: &str) -> &[usize] {
        self.tasks_of.get(workload).map_or(&self.tasks, Vec::as_slice)
    }

    /// Rounds in the whole plan: one per (workload, tasks, repeat).
    pub fn rounds(&self) -> usize {
        self.workloads.iter().map(|w| self.tasks_for(w).len()).sum::<usize>() * self.repeat
    }
}

/// One of `count` deterministic slices of a plan; `index` is 0-based, as Kubernetes'
/// `JOB_COMPLETION_INDEX` and Slurm's `SLURM_ARRAY_TASK_ID` are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Shard {
    /// This slice, from 0 to `count - 1`.
    pub index: usize,
    /// How many slices the plan was cut into.
    pub count: usize,
}

impl Shard {
    /// Whether this slice runs round `round` of a plan (0-based, in plan order; a round
    /// is one repeat of every model at one workload and task count). Rounds are dealt out
    /// like cards: round r goes to slice r mod N.
    pub fn holds(&self, round: usize) -> bool {
        round % self.count == self.index
    }

    /// How many of `rounds` rounds this slice runs.
    pub fn rounds_of(&self, rounds: usize) -> usize {
        (0..rounds).filter(|&r| self.holds(r)).count()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The first record of `results.jsonl`: what every cell line after it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SweepHeader {
    pub schema: String,
    pub tool: Tool,
    /// UTC time the sweep began (RFC 3339).
    pub started_at: String,
    pub environment: Environment,
    pub plan: PlanInfo,
}

/// One line of `results.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "record", rename_all = "lowercase")]
pub enum JsonlRecord {
    Sweep(Box<SweepHeader>),
    Cell(Box<CellResult>),
    /// One finished capacity search (`bench --slo`), with the objective it ran against.
    Capacity(Box<Capacity>),
}

/// `results.json`: the whole sweep.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Results {
    /// Document format, `conlab.results/1`.
    pub schema: String,
    pub tool: Tool,
    /// UTC time the sweep began.
    pub started_at: String,
    /// UTC time the sweep ended.
    pub finished_at: String,
    /// True when the sweep was stopped (Ctrl-C) before every cell ran.
    pub interrupted: bool,
    pub environment: Environment,
    pub plan: PlanInfo,
    /// Measured cells, in run order (baselines excluded).
    pub cells: Vec<CellResult>,
    /// One baseline cell (0 tasks) per model: its fixed cost.
    pub baselines: Vec<CellResult>,
    pub analysis: Analysis,
    /// Claims tested by `conlab claims`, with their verdicts (empty for a plain sweep).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimResult>,
    /// Capacity at an objective (`bench --slo`): every search and its probes; absent
    /// without `--slo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// Where a document written by `conlab merge` came from; absent for one sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Merged>,
}

/// The inputs of a merged document and the machines they ran on.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Merged {
    /// Every document merged, in the order given.
    pub sources: Vec<MergeSource>,
    /// The machines, when the sources ran on more than one kind: each cell's `host` names
    /// one of them. Empty when every source ran on the same kind of machine (the
    /// document's `environment` is then the first source's).
    #[serde(default)]
    pub hosts: Vec<HostEnvironment>,
    /// Slices of a sharded plan that no source holds, as `K/N`.
    #[serde(default)]
    pub missing_shards: Vec<String>,
    /// Why the sources were not all alike (different plans or schemas, merged with
    /// `--allow-mixed`), one line each.
    #[serde(default)]
    pub mixed: Vec<String>,
}

/// One input of `conlab merge`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MergeSource {
    /// The file as given.
    pub path: String,
    /// Its document format.
    pub schema: String,
    /// UTC time its sweep began.
    pub started_at: String,
    /// The machine it ran on: its host name (`environment.host.name`).
    pub host: String,
    /// The kernel's host name of that machine (a pod's name under Kubernetes).
    pub hostname: String,
    /// The slice it ran, if it was a shard.
    pub shard: Option<Shard>,
    /// Its plan's fingerprint.
    pub fingerprint: Option<String>,
    /// Measured cells it contributed.
    pub cells: usize,
    /// Whether its sweep was stopped before every cell ran.
    pub interrupted: bool,
}

/// One machine of a merged document, with the environment it recorded.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct HostEnvironment {
    /// What cells' `host` say.
    pub name: String,
    pub environment: Environment,
}

/// How a claim fared against the measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Verdict {
    /// The measured figures are within what the claim says.
    #[serde(rename = "holds")]
    Holds,
    /// Within twice the claimed margin, or on the claimed side but by less.
    #[serde(rename = "partly")]
    Partly,
    /// The measurements contradict the claim.
    #[serde(rename = "does not hold")]
    DoesNotHold,
    /// The difference the claim is about lies within the spread of the runs.
    #[serde(rename = "too close to call")]
    TooClose,
    /// A model the claim needs did not finish `ok` at the claimed task count (it failed,
    /// had failed tasks, or did not run); `measured` says which and why.
    #[serde(rename = "not measured")]
    NotMeasured,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Partly => "partly",
            Verdict::DoesNotHold => "does not hold",
            Verdict::TooClose => "too close to call",
            Verdict::NotMeasured => "not measured",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A claim with its verdict.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClaimResult {
    pub id: String,
    pub text: String,
    pub source: String,
    /// The scenario: workload and task count.
    pub scenario: String,
    /// The measured figures the verdict rests on.
    pub measured: String,
    pub verdict: Verdict,
}

/// Conclusions drawn from the cells.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Analysis {
    pub workloads: Vec<WorkloadAnalysis>,
}

/// Conclusions for one workload.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadAnalysis {
    pub workload: String,
    /// The machine these conclusions hold for, in a document with more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Least-squares slope of median peak RSS over tasks, bytes per task, per model: with
    /// the baseline cell as the N = 0 point for models that run every task at once; over
    /// the counts where the queue is full for pool and process models (their workers are
    /// a fixed cost, not a per-task one). Absent with fewer than two points.
    pub bytes_per_task: BTreeMap<String, f64>,
    /// The fastest and the leanest model at each task count.
    pub winners: Vec<Winner>,
    /// Smallest task count from which one model stays at least 10% faster than another.
    pub crossover: Vec<Crossover>,
    /// Where each model stopped working, and why.
    pub failures: Vec<FailurePoint>,
    /// Statistics over repeats per (model, tasks).
    #[serde(default)]
    pub stats: Vec<CellStats>,
    /// How work time grows with tasks: the exponent b of time ≈ a·N^b, per model (from
    /// three task counts on). ~0: flat; ~1: linear (a queue).
    #[serde(default)]
    pub scaling: BTreeMap<String, f64>,
    /// The reading renderers put into words: headline, rankings per metric, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<Reading>,
}

/// Median, range and (with 6 or more repeats) a 95% confidence interval of the median.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Number of repeats.
    pub n: usize,
    /// 95% interval of the median, from order statistics.
    pub ci95: Option<[f64; 2]>,
}

/// Statistics of one (model, tasks) over its `ok` repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CellStats {
    pub model: String,
    pub tasks: usize,
    /// Work time, seconds.
    pub time_s: Option<Spread>,
    /// Peak RSS, bytes.
    pub peak_rss_bytes: Option<Spread>,
    /// p99 latency seen by the caller (each task's completion from the submission of the
    /// batch; per request, or per task, in results written before it existed), ms.
    pub p99_ms: Option<Spread>,
    /// Peak tasks in flight (the concurrency reached).
    #[serde(default)]
    pub peak_in_flight: Option<Spread>,
    /// Requests per second (I/O workloads).
    pub requests_per_s: Option<Spread>,
    /// Latency over every task of every `ok` run together, read from the union of their
    /// histograms (exact, however many runs or shards they came from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooled: Option<Pooled>,
}

/// Percentiles of all runs' tasks at one (model, tasks), from their summed histograms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Pooled {
    /// Runs whose histograms were summed.
    pub runs: usize,
    /// Per-task run time, ms.
    pub latency_ms: Option<LatencySummary>,
    /// Per-task completion from submission (the caller's latency), ms.
    pub caller_latency_ms: Option<LatencySummary>,
    /// Per-request latency (I/O workloads), ms.
    pub request_latency_ms: Option<LatencySummary>,
}

/// Winners at one task count (median over repeats of `ok` cells; a cell with failed
/// tasks is never among them).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Winner {
    pub tasks: usize,
    /// Lowest median work time, beyond the noise of repeats; `None` when the best two are
    /// too close to call.
    pub by_time: Option<String>,
    /// The time winner's median peak in flight when it ran fewer tasks at once than
    /// asked (a pool, or threads started more slowly than they finished).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_time_at_most: Option<u64>,
    /// Lowest median peak RSS among the cells that reached the concurrency asked for
    /// (peak in flight at least 95% of tasks); `None` when too close to call.
    pub by_memory: Option<String>,
    /// Why no winner was named, or who was left out of the memory ranking and why, e.g.
    /// `time too close to call: rs-async and rs-async-st within 2%`.
    pub note: Option<String>,
}

/// `faster` beats `slower` by at least 10% (and beyond the spread of their repeats) at
/// `from_tasks` and every larger count measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Crossover {
    pub faster: String,
    pub slower: String,
    pub from_tasks: usize,
}

/// The smallest task count at which a model did not end `ok`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FailurePoint {
    pub model: String,
    pub tasks: usize,
    pub status: Status,
    pub kind: FailureKind,
    pub at_task: Option<usize>,
    pub limit: Option<String>,
    /// The failure's own line (e.g. `676 of 1,000 tasks failed (fd-limit 676)`).
    #[serde(default)]
    pub message: Option<String>,
}
