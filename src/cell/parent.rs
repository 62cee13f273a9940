//! The parent side of a cell: spawn the cell process, sample its process tree, enforce
//! the timeout, reap it with wait4, and classify how it ended.
//!
//! Nothing a cell does can take the sweep down with it: the cell runs in its own process
//! group (killed whole on timeout or Ctrl-C), dies with the parent (PR_SET_PDEATHSIG),
//! and any way it can end (result line, error exit, signal, silence) becomes a status.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use super::series::assemble;
use crate::measure::clock::{mono_ns, secs_between};
use crate::measure::latency::summarize_wire;
use crate::measure::rusage::{self, Exit};
use crate::measure::sampler::{interval_after, TreeSampler};
use crate::measure::series::Thinned;
use crate::measure::{inflight, limits};
use crate::protocol::{ChildFailure, ChildReport};
use crate::results::{CellResult, Failure, FailureKind, Histograms, Status};
use crate::units::format_count;

/// Which cell this is, for the result.
#[derive(Debug, Clone)]
pub struct CellMeta {
    pub index: usize,
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    pub repeat: usize,
    pub baseline: bool,
}

/// How long the end of a cell's stderr kept for a crash message may be.
const STDERR_TAIL: usize = 4096;

/// Run one cell process built by `cmd`, handing it `input` on stdin (its typed spec).
/// Returns `None` if `stop` was raised (the cell is killed and its partial figures are
/// discarded).
pub fn run(cmd: Command, input: Vec<u8>, meta: CellMeta, timeout: Duration, stop: &AtomicBool) -> Option<CellResult> {
    run_with(cmd, input, meta, timeout, stop, Talk::default())
}

/// How the parent talks to a server cell beyond its spec.
#[derive(Default)]
pub struct Talk {
    /// Told when the cell prints its ready line (dropped if it never does).
    pub ready: Option<mpsc::Sender<()>>,
    /// Keep the cell's stdin open until this says so (or is dropped): its end of file is
    /// the server's signal to stop accepting.
    pub hold_stdin: Option<mpsc::Receiver<()>>,
    /// Keep no series of the cell over time (`--no-series`: what it costs can be measured).
    pub series_off: bool,
}

/// [`run`], talking to the cell as `talk` says.
pub fn run_with(
    mut cmd: Command,
    input: Vec<u8>,
    meta: CellMeta,
    timeout: Duration,
    stop: &AtomicBool,
    talk: Talk,
) -> Option<CellResult> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    crate::measure::lineage::die_with_parent(&mut cmd);
    let spawn_ns = mono_ns();
    let started = Instant::now();
    let oom_before = rusage::oom_kills();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(err) => {
            let failure = Failure {
                kind: FailureKind::SpawnLimit,
                message: format!("the cell process could not be started: {err}"),
                at_task: None,
                limit: Some(limits::diagnose_spawn(&err)),
            };
            return Some(unrun(meta, Status::Failed, failure, timeout));
        }
    };
    let pid = child.id() as i32;
    if let Some(mut stdin) = child.stdin.take() {
        // On a thread: a spec larger than the pipe must not hold up the sampling; a cell
        // that dies before reading it is classified from its exit like any other.
        let hold = talk.hold_stdin;
        thread::spawn(move || {
            let _ = stdin.write_all(&input).and_then(|_| stdin.write_all(b"\n"));
            if let Some(hold) = hold {
                let _ = stdin.flush();
                let _ = hold.recv();
            }
        });
    }
    let stdout = read_all(child.stdout.take(), usize::MAX, talk.ready);
    let stderr = read_all(child.stderr.take(), STDERR_TAIL, None);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(rusage::wait(pid));
    });

    let mut sampler = TreeSampler::new(pid);
    let mut series = (!talk.series_off).then(Thinned::default);
    let cpu_before = rusage::thread_cpu_s();
    let mut timed_out = false;
    let exit = loop {
        let sample = sampler.sample();
        // A tree with no live thread has exited; one with no resident memory is mid-exec
        // (/proc shows no memory lines then): neither is a moment of the cell to keep.
        if let Some(series) = series.as_mut().filter(|_| sample.threads > 0 && sample.rss > 0) {
            series.push(sample);
        }
        match rx.recv_timeout(interval_after(started.elapsed())) {
            Ok(exit) => break exit,
            Err(mpsc::RecvTimeoutError::Disconnected) => break Err(std::io::Error::other("waiter vanished")),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if stop.load(Ordering::Relaxed) {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            let _ = rx.recv();
            return None;
        }
        if started.elapsed() > timeout {
            timed_out = true;
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            break rx
                .recv()
                .unwrap_or_else(|_| Err(std::io::Error::other("waiter vanished")));
        }
    };
    let wall_s = started.elapsed().as_secs_f64();
    let sampler_cpu_s = rusage::thread_cpu_s() - cpu_before;
    // Workers the cell left behind share its process group: stop them too.
    let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    drop(child);
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    let report = out
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(serde_json::from_str::<ChildReport>);

    let mut result = unrun(meta, Status::Ok, None, timeout);
    result.wall_s = wall_s;
    result.samples = sampler.peaks.samples;
    result.sampler_cpu_s = sampler_cpu_s;
    let tail = last_lines(&err, 5);
    result.stderr_tail = (!tail.is_empty()).then_some(tail.clone());
    let p = sampler.peaks;
    result.peak_rss_bytes = p.rss;
    result.sampled_rss_bytes = Some(p.rss);
    result.peak_vm_bytes = p.vm;
    result.peak_pte_bytes = p.pte;
    result.peak_threads = p.threads;
    result.peak_fds = p.fds;
    result.peak_processes = p.processes;
    if let Ok(exit) = &exit {
        apply_exit(&mut result, exit);
    }
    if let Some(Ok(report)) = &report {
        // The cell's own peak starts again at its ready mark (`CellRun::ready`); so does
        // the sampled one.
        let sampled = sampler.rss_peak_since(report.ready_ns).unwrap_or(0);
        result.peak_rss_bytes = sampled;
        result.sampled_rss_bytes = Some(sampled);
        apply_report(&mut result, report, spawn_ns);
    }
    result.series = series.map(|s| {
        let every = s.every_ns();
        let report = report.as_ref().and_then(|r| r.as_ref().ok());
        let marks = report.map(|r| (r.ready_ns, r.finished_ns));
        let bins = report.and_then(|r| r.task_bins.as_ref());
        assemble(&s.finish(), every, spawn_ns, marks, bins)
    });

    let oom_moved = match (oom_before, rusage::oom_kills()) {
        (Some(a), Some(b)) => b > a,
        _ => true,
    };
    let (status, failure) = classify(timed_out, timeout, &exit, report.as_ref(), &tail, oom_moved);
    result.status = status;
    result.failure = failure;
    Some(result)
}

/// A cell that ran but whose tasks failed beyond `tolerance` (a share of its tasks) ends
/// `errors`: its time is the time of failing work (a refused connection is quick), so it
/// must not win anything. The failure says how many failed, of what, and the first error.
pub fn judge_failed_tasks(result: &mut CellResult, tolerance: f64) {
    let total = result.tasks_ok + result.tasks_failed;
    if result.status != Status::Ok || result.tasks_failed == 0 {
        return;
    }
    if result.tasks_failed as f64 <= tolerance * total as f64 {
        return;
    }
    let kinds: Vec<String> = result
        .errors
        .iter()
        .map(|(kind, n)| format!("{kind} {}", format_count(*n as usize)))
        .collect();
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!(" ({})", kinds.join(", "))
    };
    let first = result
        .first_error
        .as_ref()
        .map(|e| format!("; first: {e}"))
        .unwrap_or_default();
    result.status = Status::Errors;
    result.failure = Some(Failure {
        kind: FailureKind::TaskErrors,
        message: format!(
            "{} of {} tasks failed{kinds}{first}",
            format_count(result.tasks_failed),
            format_count(total)
        ),
        at_task: None,
        limit: result.errors.keys().find_map(|k| limits::for_error(*k)),
    });
}

/// A child's failure as a result: the limit named from the child's counters when the
/// child could not name it itself.
fn into_failure(f: &ChildFailure) -> Failure {
    let limit = match (&f.limit, f.counters) {
        (Some(limit), _) => Some(limit.clone()),
        (None, Some(c)) => Some(limits::diagnose_counts(c.maps, c.threads_alive)),
        (None, None) => None,
    };
    Failure {
        kind: f.kind,
        message: f.message.clone(),
        at_task: f.at_task,
        limit,
    }
}

fn apply_exit(result: &mut CellResult, exit: &Exit) {
    // ru_maxrss is kept apart, not folded into the peak: the kernel carries the RSS of
    // the pre-exec image (a copy of conlab's own) into it, so small cells would be charged
    // for the parent.
    result.ru_maxrss_bytes = Some(exit.max_rss);
    result.user_s = exit.user_s;
    result.sys_s = exit.sys_s;
    result.ctx_voluntary = exit.ctx_voluntary;
    result.ctx_involuntary = exit.ctx_involuntary;
    result.exit = Some(match (exit.code, exit.signal) {
        (Some(code), _) => format!("exit {code}"),
        (_, Some(sig)) => rusage::signal_name(sig),
        _ => "unknown".into(),
    });
}

fn apply_report(result: &mut CellResult, r: &ChildReport, spawn_ns: u64) {
    result.ready_s = Some(secs_between(spawn_ns, r.ready_ns));
    result.user_setup.clone_from(&r.user_setup);
    result.started_s = Some(secs_between(r.ready_ns, r.started_ns));
    result.work_s = Some(secs_between(r.ready_ns, r.finished_ns));
    result.tasks_ok = r.tasks_ok;
    result.tasks_failed = r.tasks_failed;
    result.errors.clone_from(&r.errors);
    result.first_error.clone_from(&r.first_error);
    result.latency_ms = summarize_wire(&r.task_latency_us);
    result.start_lag_ms = summarize_wire(&r.start_lag_us);
    result.caller_latency_ms = r.caller_latency_us.as_ref().and_then(summarize_wire);
    result.peak_in_flight = r.peak_in_flight;
    result.mean_in_flight = r
        .task_ns_total
        .and_then(|busy| inflight::mean(busy, r.finished_ns.saturating_sub(r.ready_ns)));
    result.workers.clone_from(&r.workers);
    result.runner = Some(r.runner.clone());
    result.stack.clone_from(&r.stack);
    result.client.clone_from(&r.client);
    let mut histograms = Histograms {
        task_latency_us: r.task_latency_us.clone(),
        start_lag_us: r.start_lag_us.clone(),
        caller_latency_us: r.caller_latency_us.clone().unwrap_or_default(),
        ..Histograms::default()
    };
    if let Some(req) = &r.requests {
        result.requests_ok = Some(req.ok);
        result.requests_failed = Some(req.failed);
        result.request_latency_ms = summarize_wire(&req.latency_us);
        histograms.request_latency_us.clone_from(&req.latency_us);
        let work = secs_between(r.ready_ns, r.finished_ns);
        result.requests_per_s = (work > 0.0).then(|| (req.ok + req.failed) as f64 / work);
        for (kind, n) in &req.errors {
            *result.errors.entry(*kind).or_default() += n;
        }
        if result.first_error.is_none() {
            result.first_error.clone_from(&req.first_error);
        }
    }
    result.concurrency = Some(r.concurrency);
    if let Some(lag) = &r.loop_lag_us {
        result.loop_lag_ms = summarize_wire(lag);
        histograms.loop_lag_us.clone_from(lag);
    }
    result.histograms = Some(histograms);
    result.peak_rss_bytes = result.peak_rss_bytes.max(r.hwm_bytes);
    result.peak_vm_bytes = result.peak_vm_bytes.max(r.vm_peak_bytes);
    if let Some(full) = r.full {
        result.peak_pte_bytes = result.peak_pte_bytes.max(full.pte);
        result.peak_threads = result.peak_threads.max(full.threads);
        result.peak_fds = result.peak_fds.max(full.fds);
    }
}

/// Decide the status from how the process ended and what it said.
fn classify(
    timed_out: bool,
    timeout: Duration,
    exit: &std::io::Result<Exit>,
    report: Option<&Result<ChildReport, serde_json::Error>>,
    stderr_tail: &str,
    oom_moved: bool,
) -> (Status, Option<Failure>) {
    let failure = |kind: FailureKind, message: String, limit: Option<String>| Failure {
        kind,
        message,
        at_task: None,
        limit,
    };
    if timed_out {
        let secs = timeout.as_secs_f64();
        return (
            Status::Timeout,
            Some(failure(
                FailureKind::Timeout,
                format!("no result within {secs:.0} s; killed"),
                Some(format!("--cell-timeout {secs:.0}s")),
            )),
        );
    }
    let last_err = meaningful_line(stderr_tail);
    match (exit, report) {
        (Ok(e), Some(Ok(r))) if e.code == Some(0) => match &r.failure {
            None => (Status::Ok, None),
            Some(f) => (Status::Failed, Some(into_failure(f))),
        },
        (Ok(e), _) if e.signal == Some(libc::SIGKILL) && oom_moved => (
            Status::Crashed,
            Some(failure(
                FailureKind::OomKilled,
                "killed by the kernel's OOM killer (SIGKILL, and /proc/vmstat oom_kill moved meanwhile)".into(),
                Some("memory".into()),
            )),
        ),
        (Ok(e), _) if e.signal == Some(libc::SIGKILL) => (
            Status::Crashed,
            Some(failure(
                FailureKind::Killed,
                "killed by SIGKILL from outside (not by conlab, and not by the OOM killer: /proc/vmstat oom_kill did not move)".into(),
                None,
            )),
        ),
        (Ok(e), _) if e.signal.is_some() => {
            let sig = rusage::signal_name(e.signal.unwrap_or(0));
            (
                Status::Crashed,
                Some(failure(
                    FailureKind::Signal,
                    format!("killed by {sig}. {last_err}").trim().to_string(),
                    None,
                )),
            )
        }
        (Ok(_), Some(Err(parse))) => (
            Status::Crashed,
            Some(failure(
                FailureKind::Protocol,
                format!("the cell's result line is not valid: {parse}"),
                None,
            )),
        ),
        (Ok(e), _) => {
            let what = if last_err.is_empty() {
                "no result line".to_string()
            } else {
                last_err
            };
            (
                Status::Crashed,
                Some(failure(
                    FailureKind::Exit,
                    format!("exit code {}: {what}", e.code.unwrap_or(-1)),
                    None,
                )),
            )
        }
        (Err(err), _) => (
            Status::Crashed,
            Some(failure(
                FailureKind::Wait,
                format!("could not reap the cell: {err}"),
                None,
            )),
        ),
    }
}

/// A result for a cell that never ran (skipped or not startable).
pub fn unrun(meta: CellMeta, status: Status, failure: impl Into<Option<Failure>>, timeout: Duration) -> CellResult {
    CellResult {
        index: meta.index,
        workload: meta.workload,
        model: meta.model,
        tasks: meta.tasks,
        repeat: meta.repeat,
        concurrency: None,
        peak_in_flight: None,
        mean_in_flight: None,
        workers: None,
        baseline: meta.baseline,
        status,
        failure: failure.into(),
        wall_s: 0.0,
        ready_s: None,
        user_setup: None,
        started_s: None,
        work_s: None,
        tasks_ok: 0,
        tasks_failed: 0,
        errors: Default::default(),
        first_error: None,
        latency_ms: None,
        caller_latency_ms: None,
        requests_ok: None,
        requests_failed: None,
        request_latency_ms: None,
        requests_per_s: None,
        client: None,
        loop_lag_ms: None,
        start_lag_ms: None,
        peak_rss_bytes: 0,
        sampled_rss_bytes: None,
        peak_vm_bytes: 0,
        peak_pte_bytes: 0,
        peak_threads: 0,
        peak_fds: 0,
        peak_processes: 0,
        user_s: 0.0,
        sys_s: 0.0,
        ctx_voluntary: 0,
        ctx_involuntary: 0,
        runner: None,
        stack: None,
        timeout_s: timeout.as_secs_f64(),
        samples: 0,
        sampler_cpu_s: 0.0,
        ru_maxrss_bytes: None,
        exit: None,
        stderr_tail: None,
        histograms: None,
        load: None,
        server: None,
        host: None,
        series: None,
    }
}

/// Read a pipe to its end on a thread, keeping its last `keep` bytes; `ready` is told
/// when the first whole line has arrived and it is a server cell's ready mark.
fn read_all(
    pipe: Option<impl Read + Send + 'static>,
    keep: usize,
    mut ready: Option<mpsc::Sender<()>>,
) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let Some(mut pipe) = pipe else { return String::new() };
        let mut kept: Vec<u8> = Vec::new();
        let mut buf = [0u8; 16384];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            kept.extend_from_slice(&buf[..n]);
            if let Some(end) = ready.as_ref().and(kept.iter().position(|&b| b == b'\n')) {
                // A first line that is not the ready mark is the report of a cell that
                // never got ready (its app failed to import): the sender is dropped.
                let sender = ready.take();
                if crate::protocol::is_ready_mark(&kept[..end]) {
                    let _ = sender.map(|r| r.send(()));
                }
            }
            if kept.len() > keep.saturating_mul(2) {
                kept.drain(..kept.len() - keep);
            }
        }
        if kept.len() > keep {
            kept.drain(..kept.len() - keep);
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

/// The line of a dead cell's stderr that says why: the last one that is not a runtime's
/// boilerplate (Rust's `note: run with RUST_BACKTRACE=1`, backtrace frames), so
/// "memory allocation of 40000000000 bytes failed" is kept over the note after it.
fn meaningful_line(tail: &str) -> String {
    let noise = |l: &str| {
        let t = l.trim();
        t.is_empty()
            || t.starts_with("note: run with `RUST_BACKTRACE")
            || t.starts_with("note: Some details are omitted")
            || t.starts_with("stack backtrace:")
            || l.starts_with(' ')
    };
    tail.lines()
        .rev()
        .find(|l| !noise(l))
        .or_else(|| tail.lines().last())
        .unwrap_or("")
        .trim()
        .to_string()
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn killed_by(signal: i32) -> std::io::Result<Exit> {
        Ok(Exit {
            code: None,
            signal: Some(signal),
            user_s: 0.0,
            sys_s: 0.0,
            max_rss: 0,
            ctx_voluntary: 0,
            ctx_involuntary: 0,
        })
    }

    #[test]
    fn the_cause_of_a_crash_is_kept_over_the_runtimes_boilerplate() {
        let tail = "memory allocation of 40000000000 bytes failed\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(meaningful_line(tail), "memory allocation of 40000000000 bytes failed");
        let python = "Traceback (most recent call last):\n  File \"x.py\", line 1\nMemoryError: out";
        assert_eq!(meaningful_line(python), "MemoryError: out");
        let (_, f) = classify(
            false,
            Duration::from_secs(1),
            &killed_by(libc::SIGABRT),
            None,
            tail,
            false,
        );
        assert!(f
            .unwrap()
            .message
            .contains("memory allocation of 40000000000 bytes failed"));
    }

    #[test]
    fn a_report_line_with_a_misspelt_key_is_a_protocol_crash_naming_it() {
        let line = serde_json::to_string(&ChildReport::default())
            .unwrap()
            .replace("\"tasks_ok\"", "\"tasks_okk\"");
        let report = serde_json::from_str::<ChildReport>(&line);
        let exited = Ok(Exit {
            code: Some(0),
            signal: None,
            user_s: 0.0,
            sys_s: 0.0,
            max_rss: 0,
            ctx_voluntary: 0,
            ctx_involuntary: 0,
        });
        let (status, f) = classify(false, Duration::from_secs(1), &exited, Some(&report), "", false);
        let f = f.expect("a failure");
        assert_eq!((status, f.kind), (Status::Crashed, FailureKind::Protocol));
        assert!(f.message.contains("unknown field `tasks_okk`"), "{}", f.message);
    }

    #[test]
    fn sigkill_is_blamed_on_the_oom_killer_only_when_its_counter_moved() {
        let (status, f) = classify(false, Duration::from_secs(1), &killed_by(libc::SIGKILL), None, "", true);
        let f = f.unwrap();
        assert_eq!(
            (status, f.kind, f.limit.as_deref()),
            (Status::Crashed, FailureKind::OomKilled, Some("memory"))
        );
        let (_, f) = classify(
            false,
            Duration::from_secs(1),
            &killed_by(libc::SIGKILL),
            None,
            "",
            false,
        );
        let f = f.unwrap();
        assert_eq!((f.kind, f.limit), (FailureKind::Killed, None));
        assert!(f.message.contains("from outside"), "{}", f.message);
    }
}
