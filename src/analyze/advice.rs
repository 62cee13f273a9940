//! Advice ranking: the article's decision matrix as pure functions. From the user's
//! numbers (tasks, time waited and computed per task, sync-only libraries, language) it
//! picks the workload that stands for their tasks and the candidate models; from the
//! measured cells it ranks the candidates.
//!
//! Two rules sit on top of the measurement, both from how the models work: CPU-heavy work
//! is not handed to an event loop (it would stall every other task; the loop-lag figure
//! shows it), and when two models finish within 10% the one using clearly less memory
//! wins, then a bounded pool before unbounded threads. A cell whose tasks failed is not a
//! candidate: it says why instead.

use std::time::Duration;

use super::cells::{cell_time, in_flight, reached};
use crate::results::{CellResult, Status};
use crate::units::{format_count, format_duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Python,
    Rust,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Connections {
    Long,
    Short,
}

/// Which side of the connections the user writes: the client that fans out, or the
/// server that holds them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    #[default]
    Client,
    Server,
}

/// The user's shape of work.
#[derive(Debug, Clone)]
pub struct Question {
    pub side: Side,
    pub connections: Option<Connections>,
    pub tasks: usize,
    pub io: Duration,
    pub cpu: Duration,
    pub sync_only: bool,
    pub lang: Lang,
}

/// The workload that stands for the user's tasks, and the candidate models.
pub fn scenario(q: &Question, iterations_per_s: f64) -> (String, Vec<String>) {
    if q.side == Side::Server {
        return server_scenario(q);
    }
    let iterations = ((q.cpu.as_secs_f64() * iterations_per_s) as u64).max(1);
    let long = q.connections == Some(Connections::Long) && !q.io.is_zero();
    let workload = match (q.io.is_zero(), q.cpu.is_zero(), q.sync_only) {
        // Long-held connections: every task holds one for the wait, pinging 5 times.
        _ if long => format!(
            "tcp:hold={},interval={}",
            format_duration(q.io),
            format_duration(q.io / 5)
        ),
        (false, _, true) => format!("blocking:call={}", format_duration(q.io)),
        (false, true, false) => format!("sleep:{}", format_duration(q.io)),
        (false, false, false) => format!("mixed:io={},cpu={iterations},steps=1", format_duration(q.io)),
        (true, _, _) => format!("cpu:iterations={iterations}"),
    };
    let cpu_heavy = q.cpu >= q.io;
    let pool = q.tasks.clamp(1, 32);
    let mut models: Vec<String> = match q.lang {
        Lang::Python => vec!["py-thread".into(), format!("py-pool:size={pool}"), "py-process".into()],
        Lang::Rust => vec!["rs-thread".into(), format!("rs-pool:size={pool}"), "rs-process".into()],
    };
    // An event loop is a candidate for waiting, not for computing or blocking calls.
    if !cpu_heavy && !q.sync_only {
        models.insert(
            0,
            if q.lang == Lang::Python {
                "py-asyncio".into()
            } else {
                "rs-async".into()
            },
        );
    }
    // One loop that computes more, across its tasks, than they wait saturates its core:
    // then one event loop per core (worker processes) is the usual answer, so it is
    // measured beside the rest.
    let busy_loop = q.cpu.as_secs_f64() * q.tasks as f64 > q.io.as_secs_f64();
    if !q.io.is_zero() && !q.cpu.is_zero() && !q.sync_only && !long && busy_loop {
        models.push(match q.lang {
            Lang::Python => format!("py-asyncio:procs={}", crate::model::cores()),
            Lang::Rust => "rs-process:async=true".into(),
        });
    }
    (workload, models)
}

/// How long each candidate server is loaded.
const SERVER_DURATION: &str = "3s";

/// The server side: the user's connections served under each server model, with the
/// wait of each request (or the interval between a chat client's messages) as `io`;
/// candidates are ranked by the p99 latency their clients saw.
fn server_scenario(q: &Question) -> (String, Vec<String>) {
    let wait = format_duration(q.io);
    let workload = match q.connections {
        Some(Connections::Long) if !q.io.is_zero() => {
            format!("serve-tcp:interval={wait},duration={SERVER_DURATION}")
        }
        _ => format!("serve-http:latency={wait},duration={SERVER_DURATION}"),
    };
    let pool = q.tasks.clamp(1, 32);
    let mut models: Vec<String> = match q.lang {
        Lang::Python => vec!["py-thread".into(), format!("py-pool:size={pool}"), "py-process".into()],
        Lang::Rust => vec!["rs-thread".into(), format!("rs-pool:size={pool}"), "rs-process".into()],
    };
    if !q.sync_only {
        models.insert(
            0,
            if q.lang == Lang::Python {
                "py-asyncio"
            } else {
                "rs-async"
            }
            .into(),
        );
    }
    (workload, models)
}

/// The candidates for the user's own Python task: the thread, pool and process models,
/// and asyncio when the task can run on an event loop (`has_async`) and its libraries
/// do not only block.
pub fn own_task_models(has_async: bool, q: &Question) -> Vec<String> {
    let pool = q.tasks.clamp(1, 32);
    let mut models = vec![
        "py-thread".to_string(),
        format!("py-pool:size={pool}"),
        "py-process".into(),
    ];
    if has_async && !q.sync_only {
        models.insert(0, "py-asyncio".into());
    }
    models
}

/// Differences below this are start-up jitter, not a model's merit.
const CLOSE_SLACK_S: f64 = 0.010;

/// One measured candidate.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub model: String,
    pub time: f64,
    pub rss: f64,
    pub lag_ms: Option<f64>,
    /// Whether it ran every task at once (its peak in flight); a pool's lower memory is
    /// that of fewer tasks at a time.
    pub all_at_once: bool,
}

/// The candidates that finished every task, best first, and the cell of each that did
/// not (failed tasks, a failure, or not run), for the report to say why.
pub fn rank<'a>(cells: &'a [CellResult], models: &[String], tasks: usize) -> (Vec<Candidate>, Vec<&'a CellResult>) {
    let mut ok = Vec::new();
    let mut out = Vec::new();
    for m in models {
        match cells.iter().find(|c| &c.model == m && c.tasks == tasks) {
            Some(c) if c.status == Status::Ok && c.tasks_failed > 0 => out.push(c),
            Some(c) if c.status == Status::Ok => ok.push(Candidate {
                model: m.clone(),
                time: cell_time(c),
                rss: c.peak_rss_bytes as f64,
                lag_ms: c.loop_lag_ms.as_ref().map(|l| l.max),
                all_at_once: reached(in_flight(c), c.tasks),
            }),
            Some(c) => out.push(c),
            None => {}
        }
    }
    ok.sort_by(|a, b| a.time.total_cmp(&b.time));
    // Within 10% (or 10 ms) of the fastest: clearly less memory wins, then a pool over
    // raw threads. The memory compared is that of the candidates that ran every task
    // at once; a pool is preferred on its merits (bounded), not on memory it saved by
    // queueing.
    let preference = |m: &str| {
        ["-pool", "-async", "-thread", "-process"]
            .iter()
            .position(|p| m.contains(p))
            .unwrap_or(9)
    };
    if let Some(best_time) = ok.first().map(|c| c.time) {
        let (mut close, far): (Vec<Candidate>, Vec<Candidate>) =
            ok.into_iter().partition(|c| c.time <= best_time * 1.10 + CLOSE_SLACK_S);
        let min_rss = close
            .iter()
            .filter(|c| c.all_at_once)
            .map(|c| c.rss)
            .fold(f64::MAX, f64::min);
        close.sort_by_key(|c| (c.rss > min_rss * 1.25, preference(&c.model)));
        ok = close.into_iter().chain(far).collect();
    }
    (ok, out)
}

/// The reasoning that is not a measurement.
pub fn notes(q: &Question) -> Vec<String> {
    let mut out = Vec::new();
    // The user's own task (advise --task): its waits and computing are whatever it does,
    // measured, not described; the notes about a described task do not apply.
    if q.io.is_zero() && q.cpu.is_zero() {
        return out;
    }
    if q.cpu >= q.io {
        out.push("CPU-heavy tasks were not offered to an event loop: computing on it stalls every other task (run `conlab bench --workload blocking:call=20ms,offload=false` to see the loop lag).".to_string());
        if q.lang == Lang::Python {
            out.push("Python threads share one GIL for pure-Python computation, so processes are the way to use more than one core.".to_string());
        } else {
            out.push(
                "Rust threads run on every core with no GIL, and share memory, which processes do not.".to_string(),
            );
        }
    }
    if q.sync_only {
        out.push("With blocking-only libraries an event loop would have to hand every call to a thread pool anyway, so the candidates are threads, a pool and processes.".to_string());
    }
    if q.side == Side::Server {
        out.push("Measured as a server: conlab's load generator, a separate process, held the connections while each model served them; ranked by the p99 latency the clients saw, then memory.".to_string());
    } else if q.connections == Some(Connections::Long) && !q.io.is_zero() {
        out.push("Long-held connections were measured as connections really held (the tcp workload against conlab's echo server), one per task.".to_string());
    }
    if q.tasks > 10_000 {
        out.push(format!(
            "Measured at 10,000 tasks; at {} expect the memory gaps to grow in proportion.",
            format_count(q.tasks)
        ));
    }
    out
}

/// Of the workloads a results file holds, the one closest to `wanted`: the same spec,
/// else the same family, else the same kind (http counts as waiting, like sleep), else
/// the first.
pub fn closest_workload<'a>(available: &'a [String], wanted: &str) -> Option<&'a String> {
    let family = |w: &str| w.split(':').next().unwrap_or("").to_string();
    let kind = |w: &str| match family(w).as_str() {
        "http" => "sleep".to_string(),
        k => k.to_string(),
    };
    let matches: [&dyn Fn(&String) -> bool; 3] = [&|w| w == wanted, &|w| family(w) == family(wanted), &|w| {
        kind(w) == kind(wanted)
    }];
    matches
        .iter()
        .find_map(|m| available.iter().find(|w| m(w)))
        .or_else(|| available.first())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saturated_loop_brings_one_loop_per_core_into_the_running() {
        let q = |io: u64, cpu: u64, lang: Lang| Question {
            side: Side::Client,
            connections: None,
            tasks: 1000,
            io: Duration::from_millis(io),
            cpu: Duration::from_millis(cpu),
            sync_only: false,
            lang,
        };
        let (_, python) = scenario(&q(10, 5, Lang::Python), 1e6);
        assert!(python.iter().any(|m| m.starts_with("py-asyncio:procs=")), "{python:?}");
        let (_, rust) = scenario(&q(10, 5, Lang::Rust), 1e6);
        assert!(rust.contains(&"rs-process:async=true".to_string()), "{rust:?}");
        // Waiting only: one loop is enough, no hybrid.
        let (_, waiting) = scenario(&q(50, 0, Lang::Python), 1e6);
        assert!(!waiting.iter().any(|m| m.contains("procs=")), "{waiting:?}");
    }

    fn cell(model: &str, work_s: f64, rss: u64, failed: usize) -> CellResult {
        let meta = crate::cell::parent::CellMeta {
            index: 1,
            workload: "sleep:50ms".into(),
            model: model.into(),
            tasks: 100,
            repeat: 0,
            baseline: false,
        };
        let mut c = crate::cell::parent::unrun(meta, Status::Ok, None, Duration::from_secs(1));
        c.work_s = Some(work_s);
        c.peak_rss_bytes = rss;
        c.tasks_failed = failed;
        c
    }

    #[test]
    fn the_closest_workload_is_chosen_in_order() {
        let available = ["http:latency=50ms".to_string(), "cpu:iterations=10".to_string()];
        assert_eq!(
            closest_workload(&available, "cpu:iterations=99").unwrap(),
            "cpu:iterations=10"
        );
        assert_eq!(closest_workload(&available, "sleep:50ms").unwrap(), "http:latency=50ms");
        assert_eq!(
            closest_workload(&available, "tcp:hold=1s").unwrap(),
            "http:latency=50ms"
        );
    }

    #[test]
    fn failed_tasks_never_win() {
        let cells = [
            cell("py-thread", 0.01, 10 << 20, 60),
            cell("py-asyncio", 0.2, 20 << 20, 0),
        ];
        let models = ["py-thread".to_string(), "py-asyncio".to_string()];
        let (ranked, out) = rank(&cells, &models, 100);
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].model, "py-asyncio");
        assert_eq!((out[0].model.as_str(), out[0].tasks_failed), ("py-thread", 60));
    }

    #[test]
    fn close_times_prefer_less_memory() {
        let cells = [
            cell("rs-thread", 0.100, 40 << 20, 0),
            cell("rs-async", 0.104, 8 << 20, 0),
        ];
        let models = ["rs-thread".to_string(), "rs-async".to_string()];
        let (ranked, _) = rank(&cells, &models, 100);
        assert_eq!(ranked[0].model, "rs-async");
    }

    #[test]
    fn python_computation_ranks_processes_first_when_they_are_faster() {
        let mut cells = [
            cell("py-thread", 0.80, 10 << 20, 0),
            cell("py-pool:size=4", 0.81, 10 << 20, 0),
            cell("py-process", 0.42, 30 << 20, 0),
        ];
        cells[1].peak_in_flight = Some(4);
        let models = [
            "py-thread".to_string(),
            "py-pool:size=4".to_string(),
            "py-process".to_string(),
        ];
        let (ranked, out) = rank(&cells, &models, 100);
        assert!(out.is_empty());
        assert_eq!(ranked[0].model, "py-process");
        assert_eq!(ranked.len(), 3);
    }

    #[test]
    fn memory_saved_by_queueing_is_not_a_merit() {
        // The pool ran 4 at a time: its lower memory is not comparable, but within 10%
        // it still comes before raw threads for being bounded.
        let mut cells = [
            cell("py-thread", 0.100, 40 << 20, 0),
            cell("py-asyncio", 0.103, 30 << 20, 0),
            cell("py-pool:size=4", 0.101, 10 << 20, 0),
        ];
        cells[2].peak_in_flight = Some(4);
        let models = cells.iter().map(|c| c.model.clone()).collect::<Vec<_>>();
        let (ranked, _) = rank(&cells, &models, 100);
        assert_eq!(ranked[0].model, "py-pool:size=4");
        // Without the pool, asyncio's memory (25% below threads) decides.
        let (ranked, _) = rank(&cells[..2], &models[..2], 100);
        assert_eq!(ranked[0].model, "py-asyncio");
    }

    #[test]
    fn cpu_heavy_work_is_not_offered_to_an_event_loop() {
        let q = Question {
            side: Side::Client,
            connections: None,
            tasks: 8,
            io: Duration::ZERO,
            cpu: Duration::from_millis(200),
            sync_only: false,
            lang: Lang::Python,
        };
        let (workload, models) = scenario(&q, 1e6);
        assert_eq!(workload, "cpu:iterations=200000");
        assert!(!models.iter().any(|m| m.contains("asyncio")), "{models:?}");
    }
}
