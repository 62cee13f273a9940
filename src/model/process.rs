//! `rs-process`: P worker processes, each running its contiguous share of the tasks one at
//! a time, the way `multiprocessing.Pool.map` is used. The workers are conlab itself,
//! re-executed as `conlab worker SPEC_JSON`, so the model needs no fork-safety tricks and
//! each worker's memory is a real process's memory.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{cores, Model};
use crate::cell::CellRun;
use crate::measure::latency::{HistogramWire, Recorder, TaskRecord};
use crate::measure::{clock::mono_ns, limits, procfs, requests};
use crate::params::Params;
use crate::results::Failure;
use crate::workload::{self, TaskCtx, Workload};

pub struct Processes {
    workers: Option<usize>,
}

impl Processes {
    pub fn parse(mut p: Params) -> Result<Arc<dyn Model>, String> {
        let workers = p
            .positional("workers")
            .map(|s| crate::units::parse_count(&s))
            .transpose()?;
        p.finish("workers")?;
        Ok(Arc::new(Processes { workers }))
    }

    fn width(&self) -> usize {
        self.workers.unwrap_or_else(cores)
    }
}

/// What one worker process is asked to run.
#[derive(Serialize, Deserialize)]
struct WorkerSpec {
    workload: String,
    target: workload::Target,
    first: usize,
    count: usize,
    origin_ns: u64,
}

/// What one worker process reports back on stdout.
#[derive(Serialize, Deserialize)]
struct WorkerReport {
    ok: usize,
    failed: usize,
    errors: BTreeMap<String, u64>,
    first_error: Option<String>,
    latency_us: HistogramWire,
    lag_us: HistogramWire,
    last_start_ns: u64,
    checksum: u64,
    hwm: u64,
    vm_peak: u64,
    requests: Option<requests::RequestSummary>,
}

impl Model for Processes {
    fn spec(&self) -> String {
        match self.workers {
            Some(w) => format!("rs-process:workers={w}"),
            None => "rs-process".into(),
        }
    }

    fn describe(&self, tasks: usize) -> String {
        format!("{} worker processes for {tasks} tasks", self.width().min(tasks))
    }

    fn queue_width(&self) -> Option<usize> {
        Some(self.width())
    }

    fn run(&self, work: Arc<dyn Workload>, tasks: usize, run: &mut CellRun) -> Result<(), Failure> {
        let origin_ns = run.ready();
        let width = self.width().min(tasks);
        let exe = std::env::current_exe().map_err(|e| Failure {
            kind: "runtime".into(),
            message: format!("cannot find conlab's own executable: {e}"),
            at_task: None,
            limit: None,
        })?;
        let mut children: Vec<(Child, usize)> = Vec::new();
        let mut failure = None;
        for w in 0..width {
            let (first, end) = (w * tasks / width, (w + 1) * tasks / width);
            let spec = WorkerSpec {
                workload: work.spec(),
                target: run.target.clone(),
                first,
                count: end - first,
                origin_ns,
            };
            let mut cmd = Command::new(&exe);
            cmd.arg("worker")
                .arg(serde_json::to_string(&spec).expect("spec serializes"));
            cmd.stdin(Stdio::null()).stdout(Stdio::piped());
            // SAFETY: prctl is async-signal-safe; it asks the kernel to kill the worker if
            // the cell dies, so no worker outlives its cell.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            match cmd.spawn() {
                Ok(child) => children.push((child, end - first)),
                Err(err) => {
                    failure = Some(Failure {
                        kind: "spawn-limit".into(),
                        message: format!("worker process {w} could not be created: {err}"),
                        at_task: Some(first),
                        limit: Some(limits::diagnose_spawn(&err)),
                    });
                    run.rec.record_errors(
                        "not-started",
                        "no worker process for these tasks",
                        (tasks - first) as u64,
                    );
                    break;
                }
            }
        }
        run.all_spawned();
        for (mut child, share) in children {
            let mut out = String::new();
            let _ = child.stdout.take().map(|mut s| s.read_to_string(&mut out));
            let status = child.wait();
            match serde_json::from_str::<WorkerReport>(out.trim()) {
                Ok(r) => {
                    let mut rec = Recorder::new(origin_ns);
                    rec.add_wire(&r.latency_us, &r.lag_us);
                    rec.ok = r.ok;
                    rec.failed = r.failed;
                    rec.errors = r.errors;
                    rec.first_error = r.first_error;
                    rec.last_start_ns = r.last_start_ns;
                    rec.checksum = r.checksum;
                    run.rec.merge(&rec);
                    run.worker_hwm += r.hwm;
                    run.worker_requests.extend(r.requests);
                    run.worker_vm_peak += r.vm_peak;
                }
                Err(_) => {
                    let how = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    run.rec.record_errors("worker-crashed", &how, share as u64);
                    failure.get_or_insert(Failure {
                        kind: "worker-crashed".into(),
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

/// The worker side: `conlab worker SPEC_JSON`. Returns the exit code.
pub fn run_worker(spec_json: &str) -> i32 {
    let Ok(spec) = serde_json::from_str::<WorkerSpec>(spec_json) else {
        eprintln!("conlab worker: bad worker spec");
        return 2;
    };
    let work = match workload::parse_for(&spec.workload, &spec.target) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("conlab worker: {e}");
            return 2;
        }
    };
    let work = work.prepare().unwrap_or(work);
    let mut rec = Recorder::new(spec.origin_ns);
    for index in spec.first..spec.first + spec.count {
        let start_ns = mono_ns();
        let result = work.run_blocking(&TaskCtx { index });
        rec.record(TaskRecord {
            start_ns,
            end_ns: mono_ns(),
            result,
        });
    }
    let me = procfs::status(std::process::id() as i32).unwrap_or_default();
    let (latency_us, lag_us) = rec.to_wire();
    let report = WorkerReport {
        ok: rec.ok,
        failed: rec.failed,
        errors: rec.errors,
        first_error: rec.first_error,
        latency_us,
        lag_us,
        last_start_ns: rec.last_start_ns,
        checksum: rec.checksum,
        hwm: me.hwm,
        vm_peak: me.vm_peak,
        requests: requests::log().summary(),
    };
    println!("{}", serde_json::to_string(&report).expect("report serializes"));
    0
}
