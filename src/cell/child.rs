//! The child side of a cell: `conlab cell SPEC_JSON` runs the tasks and prints one line.
//!
//! It prints exactly one JSON line on stdout and nothing else, and leaves without running
//! destructors (a million task records need no freeing), so the parent's wall time is
//! the work plus process start and exit, not teardown.

use std::io::{Read, Write};

use crate::measure::{clock::mono_ns, inflight, procfs, requests};
use crate::model::run::CellRun;
use crate::model::serve;
use crate::protocol::{CellSpec, ChildFailure, ChildReport};

/// Run the cell whose [`CellSpec`] arrives as JSON on `input` (the process's stdin);
/// returns the process exit code. A server cell keeps reading `input` after the spec:
/// its end is the signal to stop accepting.
pub fn run(input: impl Read + Send + 'static) -> i32 {
    let mut input = std::io::BufReader::new(input);
    let mut line = String::new();
    let spec = std::io::BufRead::read_line(&mut input, &mut line)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_str::<CellSpec>(&line).map_err(|e| e.to_string()));
    let spec = match spec {
        Ok(s) => s,
        Err(e) => {
            eprintln!("conlab cell: bad cell spec on stdin: {e}");
            return 2;
        }
    };
    let model = spec.model.model();
    if spec.model.is_async() {
        crate::measure::libm::load();
    }
    let mut run = CellRun::new();
    if spec.series {
        run.rec.enable_bins();
    }
    let (client, outcome) = match spec.workload.server() {
        Some(server) => {
            let Some(handler) = server.handler() else {
                eprintln!(
                    "conlab cell: {} is Python code: only Python server stacks serve it",
                    spec.workload
                );
                return 2;
            };
            let stop = serve::stop_on_eof(input);
            let client = Some(handler.describe(spec.model.is_async()));
            (client, serve::serve(&spec.model, handler, &spec.job(), stop, &mut run))
        }
        None => {
            let work = match spec.workload.build(&spec.target, spec.lib, spec.tasks) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("conlab cell: {e}");
                    return 2;
                }
            };
            let client = work.client(spec.model.is_async());
            (client, model.run(work, &spec.job(), &mut run))
        }
    };
    // The work is over: its peaks are read now, before the code that writes the report
    // runs. That code maps its own pages while the work's memory is still there (freed
    // task memory stays in the heap), so the heap goes back to the system and conlab's
    // code pages are let go first, or a sampler could see the report raise the cell's
    // peak beyond the work's.
    let finished_ns = mono_ns();
    let end = run.own_status().unwrap_or_default();
    // SAFETY: malloc_trim has no preconditions; it only returns free heap memory.
    unsafe { libc::malloc_trim(0) };
    crate::measure::image::forget_own_code();
    let concurrency = spec.model.queue_width().map_or(spec.tasks, |w| w.min(spec.tasks));
    let runner = model.describe(spec.tasks);
    let report = report(run, outcome.err(), runner, client, concurrency, (finished_ns, end));
    let line = serde_json::to_string(&report).expect("a report always serializes");
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        return 1;
    }
    0
}

/// The report line for a finished run.
fn report(
    run: CellRun,
    failure: Option<crate::results::Failure>,
    runner: String,
    client: Option<String>,
    concurrency: usize,
    (finished_ns, me): (u64, procfs::Status),
) -> ChildReport {
    let wires = run.rec.to_wire();
    let own_requests = requests::log().summary();
    ChildReport {
        ready_ns: run.ready_ns,
        started_ns: run.rec.last_start_ns.max(run.ready_ns),
        finished_ns,
        tasks_ok: run.rec.ok,
        tasks_failed: run.rec.failed,
        errors: run.rec.errors.clone(),
        first_error: run.rec.first_error.clone(),
        task_latency_us: wires.latency_us,
        start_lag_us: wires.lag_us,
        caller_latency_us: Some(wires.caller_us),
        peak_in_flight: Some(inflight::peak().max(run.workers.peak_in_flight)),
        task_ns_total: Some(run.rec.busy_ns),
        loop_lag_us: run.loop_lag_us,
        task_bins: run.rec.bins.as_ref().map(|b| b.to_wire()),
        workers: (!run.workers.shares.is_empty()).then_some(run.workers.shares),
        failure: failure.map(ChildFailure::from),
        user_setup: None,
        runner,
        client,
        stack: None,
        requests: requests::merge(own_requests.into_iter().chain(run.workers.requests)),
        concurrency,
        hwm_bytes: me.hwm + run.workers.hwm,
        vm_peak_bytes: me.vm_peak + run.workers.vm_peak,
        full: run.full,
        checksum: run.rec.checksum,
    }
}
