//! `conlab advise`: the article's decision matrix, answered by measurement. From the
//! user's numbers (tasks, time waited and computed per task, sync-only libraries,
//! language) it builds the matching workload, runs a focused sweep of the candidate
//! models on this machine (at most about 30 s: 7 s per candidate), or reads an earlier results file, and
//! recommends the model that finished first, quoting the figures.
//!
//! Two rules sit on top of the measurement, both from how the models work: CPU-heavy work
//! is not handed to an event loop (it would stall every other task; the loop-lag figure
//! shows it), and when two models finish within 10% the one using clearly less memory
//! wins, then a bounded pool before unbounded threads.

pub mod snippets;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};

use crate::analyze::cell_time;
use crate::error::Error;
use crate::results::{CellResult, Status};
use crate::units::{format_bytes, format_count, format_duration, format_secs, parse_count, parse_duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Python,
    Rust,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Connections {
    Long,
    Short,
}

#[derive(Debug, Args, Clone)]
pub struct AdviseArgs {
    /// How many tasks run at once.
    #[arg(long, value_parser = parse_count)]
    pub tasks: Option<usize>,
    /// Time each task waits (I/O), e.g. 50ms.
    #[arg(long, value_parser = parse_duration)]
    pub io: Option<Duration>,
    /// Time each task computes, e.g. 200ms.
    #[arg(long, value_parser = parse_duration)]
    pub cpu: Option<Duration>,
    /// The libraries you must use are blocking-only (no async version).
    #[arg(long)]
    pub sync_only: bool,
    /// The language you write.
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Long-held connections (chat, streaming) or short requests.
    #[arg(long, value_enum)]
    pub connections: Option<Connections>,
    /// Use the cells of an earlier results.json / results.jsonl instead of measuring.
    #[arg(long = "from", value_name = "FILE")]
    pub from: Option<PathBuf>,
}

/// The questions, answered by flags or prompts.
struct Question {
    connections: Option<Connections>,
    tasks: usize,
    io: Duration,
    cpu: Duration,
    sync_only: bool,
    lang: Lang,
}

fn ask(prompt: &str, default: &str) -> String {
    eprint!("{prompt} [{default}]: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    let line = line.trim();
    if line.is_empty() {
        default.to_string()
    } else {
        line.to_string()
    }
}

fn question(a: &AdviseArgs) -> Result<Question, Error> {
    let interactive = std::io::stdin().is_terminal();
    let usage = |e: String| Error::Usage(e);
    let tasks = match (a.tasks, interactive) {
        (Some(n), _) => n,
        (None, true) => parse_count(&ask("How many tasks at once?", "1000")).map_err(usage)?,
        (None, false) => return Err(Error::Usage("advise needs --tasks N (how many tasks at once)".into())),
    };
    let io = match (a.io, a.cpu, interactive) {
        (Some(d), _, _) => d,
        (None, _, true) => parse_duration(&ask("Time each task waits (I/O)?", "50ms")).map_err(usage)?,
        (None, _, false) => Duration::ZERO,
    };
    let cpu = match (a.cpu, interactive && a.io.is_none()) {
        (Some(d), _) => d,
        (None, true) => parse_duration(&ask("Time each task computes?", "0ms")).map_err(usage)?,
        (None, false) => Duration::ZERO,
    };
    let lang = match (a.lang, interactive) {
        (Some(l), _) => l,
        (None, true) => match ask("Language (python or rust)?", "python").as_str() {
            "python" => Lang::Python,
            "rust" => Lang::Rust,
            other => return Err(Error::Usage(format!("unknown language '{other}' (python or rust)"))),
        },
        (None, false) => Lang::Python,
    };
    if io.is_zero() && cpu.is_zero() {
        return Err(Error::Usage(
            "give --io or --cpu: a task that neither waits nor computes needs no model".into(),
        ));
    }
    Ok(Question {
        connections: a.connections,
        tasks,
        io,
        cpu,
        sync_only: a.sync_only,
        lang,
    })
}

/// The workload that stands for the user's tasks, and the candidate models.
fn scenario(q: &Question, iterations_per_s: f64) -> (String, Vec<String>) {
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
    (workload, models)
}

/// splitmix64 steps per second in the chosen language.
fn calibrate(lang: Lang) -> Result<f64, Error> {
    match lang {
        Lang::Rust => {
            let start = Instant::now();
            crate::workload::cpu_kernel(1, 2_000_000);
            Ok(2_000_000.0 / start.elapsed().as_secs_f64().max(1e-9))
        }
        Lang::Python => {
            let driver = crate::model::python::driver_path().map_err(|e| Error::Internal(e.to_string()))?;
            let code = format!(
                "import runpy,time; k=runpy.run_path({:?})['cpu_kernel']; t=time.perf_counter(); k(1,200000); print(200000/(time.perf_counter()-t))",
                driver.display().to_string()
            );
            let out = std::process::Command::new("python3")
                .args(["-c", &code])
                .output()
                .map_err(|e| Error::Usage(format!("python3 is needed for Python advice: {e}")))?;
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .map_err(|_| Error::Usage("python3 could not run the calibration".into()))
        }
    }
}

/// Differences below this are start-up jitter, not a model's merit.
const CLOSE_SLACK_S: f64 = 0.010;

/// One measured candidate.
struct Candidate {
    model: String,
    time: f64,
    rss: f64,
    lag_ms: Option<f64>,
}

fn rank(cells: &[CellResult], models: &[String], tasks: usize) -> (Vec<Candidate>, Vec<String>) {
    let mut ok = Vec::new();
    let mut out = Vec::new();
    for m in models {
        match cells.iter().find(|c| &c.model == m && c.tasks == tasks) {
            Some(c) if c.status == Status::Ok => ok.push(Candidate {
                model: m.clone(),
                time: cell_time(c),
                rss: c.peak_rss_bytes as f64,
                lag_ms: c.loop_lag_ms.as_ref().map(|l| l.max),
            }),
            Some(c) => out.push(format!(
                "{m}: {} ({})",
                c.status.as_str(),
                c.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default()
            )),
            None => {}
        }
    }
    ok.sort_by(|a, b| a.time.total_cmp(&b.time));
    // Within 10% (or 10 ms) of the fastest: clearly less memory wins, then a pool over
    // raw threads.
    let preference = |m: &str| {
        ["-pool", "-async", "-thread", "-process"]
            .iter()
            .position(|p| m.contains(p))
            .unwrap_or(9)
    };
    if let Some(best_time) = ok.first().map(|c| c.time) {
        let (mut close, far): (Vec<Candidate>, Vec<Candidate>) =
            ok.into_iter().partition(|c| c.time <= best_time * 1.10 + CLOSE_SLACK_S);
        let min_rss = close.iter().map(|c| c.rss).fold(f64::MAX, f64::min);
        close.sort_by_key(|c| (c.rss > min_rss * 1.25, preference(&c.model)));
        ok = close.into_iter().chain(far).collect();
    }
    (ok, out)
}

pub fn advise(a: &AdviseArgs) -> Result<i32, Error> {
    let q = question(a)?;
    let lang_name = if q.lang == Lang::Python { "Python" } else { "Rust" };
    println!(
        "conlab advise: {} tasks at once, each waiting {} and computing {}{}, in {lang_name}",
        format_count(q.tasks),
        format_duration(q.io),
        format_duration(q.cpu),
        if q.sync_only { ", sync-only libraries" } else { "" }
    );
    let rate = calibrate(q.lang)?;
    let (workload, models) = scenario(&q, rate);
    let measured_tasks = q.tasks.min(10_000);

    let (cells, source) = match &a.from {
        Some(file) => {
            let loaded = crate::report::load::load(file).map_err(Error::Usage)?;
            let prefix = if q.lang == Lang::Python { "py" } else { "rs" };
            let cells: Vec<CellResult> = loaded
                .results
                .cells
                .into_iter()
                .filter(|c| c.model.starts_with(prefix))
                .collect();
            // The file's workload closest to the question: the same spec, else the same
            // kind (sleep, cpu, mixed, blocking, tcp; http counts as waiting), else the first.
            let kind = |w: &str| match w.split(':').next().unwrap_or("") {
                "http" => "sleep".to_string(),
                k => k.to_string(),
            };
            let family = |w: &str| w.split(':').next().unwrap_or("").to_string();
            let available = &loaded.results.plan.workloads;
            let matches: [&dyn Fn(&String) -> bool; 3] =
                [&|w| *w == workload, &|w| family(w) == family(&workload), &|w| {
                    kind(w) == kind(&workload)
                }];
            let chosen = matches
                .iter()
                .find_map(|m| available.iter().find(|w| m(w)))
                .or_else(|| available.first())
                .cloned()
                .unwrap_or_default();
            let cells: Vec<CellResult> = cells.into_iter().filter(|c| c.workload == chosen).collect();
            let source = format!("from {} ({chosen})", file.display());
            (cells, source)
        }
        None => {
            let dir = tempfile_dir()?;
            let sweep = crate::sweep::QuietSweep {
                workload: workload.clone(),
                models: models.clone(),
                tasks: vec![measured_tasks],
                cell_timeout: "7s",
                python: Vec::new(),
            };
            let loaded = sweep.run(&dir.join("run"))?;
            let _ = std::fs::remove_dir_all(&dir);
            (
                loaded.cells,
                format!(
                    "measured just now: {workload} at {} tasks",
                    format_count(measured_tasks)
                ),
            )
        }
    };
    // With --from, use the task count closest to the question.
    let tasks = match &a.from {
        None => measured_tasks,
        Some(_) => cells
            .iter()
            .map(|c| c.tasks)
            .min_by_key(|n| n.abs_diff(q.tasks))
            .unwrap_or(q.tasks),
    };
    let models: Vec<String> = match &a.from {
        None => models,
        Some(_) => {
            let mut m: Vec<String> = cells.iter().map(|c| c.model.clone()).collect();
            m.sort();
            m.dedup();
            m
        }
    };
    let (ranked, failed) = rank(&cells, &models, tasks);
    println!("\n{source}");
    for c in &ranked {
        let lag = c
            .lag_ms
            .map(|l| format!(", event loop up to {} late", format_secs(l / 1e3)))
            .unwrap_or_default();
        println!(
            "  {:<18} {:>9}  {:>10}{lag}",
            c.model,
            format_secs(c.time),
            format_bytes(c.rss)
        );
    }
    for f in &failed {
        println!("  {f}");
    }
    let Some(best) = ranked.first() else {
        return Err(Error::Internal(
            "no candidate model finished; see the lines above".into(),
        ));
    };
    println!("\nrecommended: {}", best.model);
    let mut why = format!(
        "it finished {} tasks in {} with {} peak memory",
        format_count(tasks),
        format_secs(best.time),
        format_bytes(best.rss)
    );
    if let Some(second) = ranked.get(1) {
        println!("runner-up:   {}", second.model);
        why.push_str(&format!(
            "; {} took {} ({:.1}x) with {}",
            second.model,
            format_secs(second.time),
            second.time / best.time.max(1e-9),
            format_bytes(second.rss)
        ));
    }
    println!("why:         {why}.");
    for note in notes(&q) {
        println!("             {note}");
    }
    println!("\nstarter ({}):\n{}", best.model, snippets::snippet(&best.model));
    Ok(0)
}

/// The reasoning that is not a measurement.
fn notes(q: &Question) -> Vec<String> {
    let mut out = Vec::new();
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
    if q.connections == Some(Connections::Long) && !q.io.is_zero() {
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

fn tempfile_dir() -> Result<PathBuf, Error> {
    let dir = std::env::temp_dir().join(format!("conlab-advise-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| Error::Internal(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}
