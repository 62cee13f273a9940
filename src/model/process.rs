//! `rs-process`: P worker processes, each running its contiguous share of the tasks one at
//! a time, the way `multiprocessing.Pool.map` is used. The workers are conlab itself,
//! re-executed as `conlab worker SPEC_JSON`, so the model needs no fork-safety tricks and
//! each worker's memory is a real process's memory.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::job::{cores, Job, Model};
use super::run::CellRun;
use crate::measure::latency::{merge_wires, HistogramWire, Recorder, TaskRecord, TaskWires};
use crate::measure::{clock::mono_ns, inflight, limits, procfs, requests};
use crate::params::{Params, SpecError};
use crate::results::{ErrorKind, Failure, FailureKind, WorkerShare};
use crate::workload::{self, HttpLib, TaskCtx, Workload, WorkloadSpec};

/// `rs-process[:workers=P][,async=true]`. With `async=true` each worker runs its whole
/// share at once on a current-thread tokio runtime: one event loop per process, the
/// prefork shape (gunicorn with async workers), instead of one task at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Processes {
    pub workers: Option<usize>,
    #[serde(default, rename = "async")]
    pub asynchronous: bool,
}

impl Processes {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let workers = p.positional_count("workers")?;
        let asynchronous = p.flag("async", false)?;
        p.finish("workers, async")?;
        Ok(Processes { workers, asynchronous })
    }

    /// The worker processes: the number given, or one per core.
    pub fn width(&self) -> usize {
        self.workers.unwrap_or_else(cores)
    }
}

impl fmt::Display for Processes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rs-process")?;
        match (self.workers, self.asynchronous) {
            (Some(w), true) => write!(f, ":workers={w},async=true"),
            (Some(w), false) => write!(f, ":workers={w}"),
            (None, true) => f.write_str(":async=true"),
            (None, false) => Ok(()),
        }
    }
}

/// What one worker process is asked to run (typed JSON on its stdin).
#[derive(Serialize, Deserialize)]
struct WorkerSpec {
    workload: WorkloadSpec,
    target: workload::Target,
    lib: Option<HttpLib>,
    first: usize,
    count: usize,
    origin_ns: u64,
    /// Run the share at once on a current-thread runtime (`async=true`).
    #[serde(default)]
    asynchronous: bool,
    /// The cell's tasks (an open-loop rate is spread over all of them).
    #[serde(default)]
    tasks: usize,
    /// Count tasks per time bin (the cell keeps its series).
    #[serde(default)]
    series: bool,
}

/// What one worker process reports back on stdout.
#[derive(Serialize, Deserialize)]
struct WorkerReport {
    ok: usize,
    failed: usize,
    errors: BTreeMap<ErrorKind, u64>,
    first_error: Option<String>,
    wires: TaskWires,
    busy_ns: u64,
    /// Tasks this worker ran at once (one, or none if its share was empty).
    peak_in_flight: u64,
    last_start_ns: u64,
    checksum: u64,
    hwm: u64,
    vm_peak: u64,
    requests: Option<requests::RequestSummary>,
    /// The event loop's heartbeat lag (`async=true`), microseconds.
    #[serde(default)]
    loop_lag_us: Option<HistogramWire>,
    /// A limit the worker met (a server worker out of descriptors).
    #[serde(default)]
    failure: Option<Failure>,
    /// Its tasks per time bin from the cell's ready mark, when asked.
    #[serde(default)]
    bins: Option<crate::measure::bins::TaskBinsWire>,
}

impl Model for Processes {
    fn describe(&self, tasks: usize) -> String {
        let (workers, tasks) = (
            crate::units::plural(self.width().min(tasks), "worker process"),
            crate::units::plural(tasks, "task"),
        );
        match self.asynchronous {
            true => format!("{workers}, each a current-thread tokio runtime running its share of {tasks} at once"),
            false => format!("{workers} for {tasks}"),
        }
    }

    fn run(&self, _work: Arc<dyn Workload>, cell: &Job, run: &mut CellRun) -> Result<(), Failure> {
        self.spawn_workers(cell, run)
    }
}

impl Processes {
    /// The server side (`serve-*` workloads): every worker accepts on the listening
    /// socket the cell inherited (fd 3, inherited in turn), until it is shut down.
    pub fn prefork(&self, cell: &Job, run: &mut CellRun) -> Result<(), Failure> {
        self.spawn_workers(cell, run)
    }

    /// Start the workers with their shares, then collect each one's report.
    fn spawn_workers(&self, cell: &Job, run: &mut CellRun) -> Result<(), Failure> {
        let tasks = cell.tasks;
        let origin_ns = run.ready();
        // The baseline (0 tasks) starts every worker too: their fixed cost is the model's;
        // a server starts them all whatever the connections.
        let width = match tasks {
            _ if cell.workload.server().is_some() => self.width(),
            0 => self.width(),
            n => self.width().min(n),
        };
        let exe = std::env::current_exe().map_err(|e| Failure {
            kind: FailureKind::Runtime,
            message: format!("cannot find conlab's own executable: {e}"),
            at_task: None,
            limit: None,
        })?;
        let mut children: Vec<(Child, usize, usize)> = Vec::new();
        let mut failure = None;
        for w in 0..width {
            let (first, end) = (w * tasks / width, (w + 1) * tasks / width);
            let spec = WorkerSpec {
                workload: cell.workload.clone(),
                target: cell.target.clone(),
                lib: cell.lib,
                first,
                count: end - first,
                origin_ns,
                asynchronous: self.asynchronous,
                tasks,
                series: run.rec.bins.is_some(),
            };
            let mut cmd = Command::new(&exe);
            cmd.arg("worker");
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
            crate::measure::lineage::die_with_parent(&mut cmd);
            match cmd.spawn() {
                Ok(mut child) => {
                    // The spec goes in whole, then stdin closes; a worker that cannot read
                    // it ends without a report and is counted as crashed below.
                    if let Some(mut stdin) = child.stdin.take() {
                        let _ = stdin.write_all(&serde_json::to_vec(&spec).expect("spec serializes"));
                    }
                    children.push((child, first, end - first))
                }
                Err(err) => {
                    failure = Some(Failure {
                        kind: FailureKind::SpawnLimit,
                        message: format!("worker process {w} could not be created: {err}"),
                        at_task: Some(first),
                        limit: Some(limits::diagnose_spawn(&err)),
                    });
                    run.rec.record_errors(
                        ErrorKind::NotStarted,
                        "no worker process for these tasks",
                        (tasks - first) as u64,
                    );
                    break;
                }
            }
        }
        if cell.workload.server().is_some() {
            super::serve::announce_ready(run);
        }
        run.all_spawned();
        for (mut child, first, share) in children {
            let mut out = String::new();
            let _ = child.stdout.take().map(|mut s| s.read_to_string(&mut out));
            let status = child.wait();
            match serde_json::from_str::<WorkerReport>(out.trim()) {
                Ok(r) => {
                    let mut rec = Recorder::new(origin_ns);
                    rec.add_wire(&r.wires);
                    rec.busy_ns = r.busy_ns;
                    rec.ok = r.ok;
                    rec.failed = r.failed;
                    rec.errors = r.errors;
                    rec.first_error = r.first_error;
                    rec.last_start_ns = r.last_start_ns;
                    rec.checksum = r.checksum;
                    run.rec.merge(&rec);
                    if let (Some(mine), Some(theirs)) = (&mut run.rec.bins, &r.bins) {
                        mine.merge(theirs);
                    }
                    run.workers.hwm += r.hwm;
                    run.workers.peak_in_flight += r.peak_in_flight;
                    run.workers.requests.extend(r.requests);
                    run.workers.vm_peak += r.vm_peak;
                    if let Some(lag) = &r.loop_lag_us {
                        let mut all = run.loop_lag_us.take().unwrap_or_default();
                        all = merge_wires([&all, lag]);
                        run.loop_lag_us = Some(all);
                    }
                    if let Some(f) = r.failure {
                        failure.get_or_insert(f);
                    }
                    run.workers.shares.push(WorkerShare {
                        pid: child.id(),
                        first_task: first,
                        tasks: share,
                        tasks_failed: r.failed,
                        peak_rss_bytes: Some(r.hwm),
                        peak_in_flight: Some(r.peak_in_flight),
                    });
                }
                Err(_) => {
                    let how = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    run.rec.record_errors(ErrorKind::WorkerCrashed, &how, share as u64);
                    failure.get_or_insert(Failure {
                        kind: FailureKind::WorkerCrashed,
                        message: format!("a worker process ended without a report ({how})"),
                        at_task: None,
                        limit: None,
                    });
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

/// The worker side: `conlab worker`, its spec as JSON on stdin. Returns the exit code.
pub fn run_worker(input: impl Read) -> i32 {
    let Ok(spec) = serde_json::from_reader::<_, WorkerSpec>(input) else {
        eprintln!("conlab worker: bad worker spec on stdin");
        return 2;
    };
    if spec.asynchronous {
        crate::measure::libm::load();
    }
    if let Some(server) = spec.workload.server() {
        let Some(handler) = server.handler() else {
            eprintln!("conlab worker: {} has no Rust handler", spec.workload);
            return 2;
        };
        let mut run = CellRun::new();
        if spec.series {
            run.rec.enable_bins();
        }
        let outcome = super::serve::worker(handler, spec.asynchronous, spec.origin_ns, &mut run);
        return report_worker(run.rec, run.loop_lag_us, outcome.err());
    }
    let work = match spec
        .workload
        .build(&spec.target, spec.lib, spec.tasks.max(spec.first + spec.count))
    {
        Ok(w) => w,
        Err(e) => {
            eprintln!("conlab worker: {e}");
            return 2;
        }
    };
    let share = spec.first..spec.first + spec.count;
    let (rec, loop_lag_us) = if spec.asynchronous {
        let mut run = CellRun::new();
        run.rec = Recorder::new(spec.origin_ns);
        if spec.series {
            run.rec.enable_bins();
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
        if let Err(f) = super::tokio_rt::run_on(rt, work, share, &mut run, false) {
            eprintln!("conlab worker: {}", f.message);
            return 1;
        }
        (run.rec, run.loop_lag_us)
    } else {
        let mut rec = Recorder::new(spec.origin_ns);
        if spec.series {
            rec.enable_bins();
        }
        for index in share {
            let _running = inflight::enter();
            let start_ns = mono_ns();
            let result = work.run_blocking(&TaskCtx { index });
            rec.record(TaskRecord {
                start_ns,
                end_ns: mono_ns(),
                result,
            });
        }
        (rec, None)
    };
    report_worker(rec, loop_lag_us, None)
}

/// Print a worker's report line; returns the exit code.
fn report_worker(rec: Recorder, loop_lag_us: Option<HistogramWire>, failure: Option<Failure>) -> i32 {
    let me = procfs::status(std::process::id() as i32).unwrap_or_default();
    let report = WorkerReport {
        wires: rec.to_wire(),
        busy_ns: rec.busy_ns,
        peak_in_flight: inflight::peak(),
        ok: rec.ok,
        failed: rec.failed,
        errors: rec.errors,
        first_error: rec.first_error,
        last_start_ns: rec.last_start_ns,
        checksum: rec.checksum,
        hwm: me.hwm,
        vm_peak: me.vm_peak,
        requests: requests::log().summary(),
        loop_lag_us,
        failure,
        bins: rec.bins.as_ref().map(|b| b.to_wire()),
    };
    println!("{}", serde_json::to_string(&report).expect("report serializes"));
    0
}
