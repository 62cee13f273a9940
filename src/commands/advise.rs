//! `conlab advise`: a recommendation measured on this machine. The question comes from
//! flags or prompts; the candidates are measured by a quiet sweep (or read from
//! `--from FILE`); the ranking and the reasons come from `analyze::advice`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::{conlab_exe, load_results, print_out, usage};
use crate::analyze::advice::{self, closest_workload, Lang, Question};
use crate::cli::AdviseArgs;
use crate::launch::python;
use crate::measure::{env::Environment, limits};
use crate::plan::{Plan, PlanRequest};
use crate::report;
use crate::results::CellResult;
use crate::sweep::{self, Quiet};
use crate::units::{format_count, parse_count, parse_duration};

/// Each candidate gets at most this long.
const CELL_TIMEOUT: Duration = Duration::from_secs(7);
/// The most tasks a measurement runs; larger questions are answered from this count.
const MEASURED_TASKS: usize = 10_000;

pub fn run(a: &AdviseArgs) -> anyhow::Result<()> {
    let q = question(a)?;
    print_out(&report::advice::question(&q))?;
    let rate = calibrate(q.lang)?;
    let (workload, models) = advice::scenario(&q, rate);
    let (cells, source, tasks, models) = match &a.from {
        Some(file) => {
            let results = load_results(file)?.results;
            let python = q.lang == Lang::Python;
            let chosen = closest_workload(&results.plan.workloads, &workload)
                .cloned()
                .unwrap_or_default();
            let cells: Vec<CellResult> = results
                .cells
                .into_iter()
                .filter(|c| c.workload == chosen && c.model.starts_with("py") == python)
                .collect();
            // The task count closest to the question, and every model measured there.
            let tasks = cells
                .iter()
                .map(|c| c.tasks)
                .min_by_key(|n| n.abs_diff(q.tasks))
                .unwrap_or(q.tasks);
            let mut models: Vec<String> = cells.iter().map(|c| c.model.clone()).collect();
            models.sort();
            models.dedup();
            (cells, format!("from {} ({chosen})", file.display()), tasks, models)
        }
        None => {
            let tasks = q.tasks.min(MEASURED_TASKS);
            let specs = models.iter().map(|m| m.parse()).collect::<Result<Vec<_>, _>>()?;
            let mut request = PlanRequest::new(vec![workload.parse()?], Some(specs), vec![tasks]);
            request.cell_timeout = Some(CELL_TIMEOUT);
            let plan = Plan::new(request).map_err(usage)?;
            let env = Environment::probe(limits::raise_nofile());
            let results = sweep::run(&plan, env, &conlab_exe()?, &mut Quiet, &AtomicBool::new(false))?;
            let source = format!("measured just now: {workload} at {} tasks", format_count(tasks));
            (results.cells, source, tasks, models)
        }
    };
    let (ranked, failed) = advice::rank(&cells, &models, tasks);
    print_out(&report::advice::candidates(&source, &ranked, &failed))?;
    if ranked.is_empty() {
        bail!("no candidate model finished all its tasks; see the lines above");
    }
    print_out(&report::advice::recommendation(&q, tasks, &ranked))
}

fn ask(prompt: &str, default: &str) -> String {
    eprint!("{prompt} [{default}]: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    match line.trim() {
        "" => default.to_string(),
        answer => answer.to_string(),
    }
}

/// The question, from flags, or from prompts on a terminal.
fn question(a: &AdviseArgs) -> anyhow::Result<Question> {
    let interactive = std::io::stdin().is_terminal();
    let tasks = match (a.tasks, interactive) {
        (Some(n), _) => n,
        (None, true) => parse_count(&ask("How many tasks at once?", "1000")).map_err(usage)?,
        (None, false) => return Err(usage(Missing("advise needs --tasks N (how many tasks at once)"))),
    };
    let io = match (a.io, interactive) {
        (Some(d), _) => d,
        (None, true) => parse_duration(&ask("Time each task waits (I/O)?", "50ms")).map_err(usage)?,
        (None, false) => Duration::ZERO,
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
            _ => return Err(usage(Missing("unknown language (python or rust)"))),
        },
        (None, false) => Lang::Python,
    };
    if io.is_zero() && cpu.is_zero() {
        return Err(usage(Missing(
            "give --io or --cpu: a task that neither waits nor computes needs no model",
        )));
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

/// An answer the question cannot do without.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Missing(&'static str);

/// splitmix64 steps per second in the chosen language.
fn calibrate(lang: Lang) -> anyhow::Result<f64> {
    match lang {
        Lang::Rust => {
            let start = Instant::now();
            crate::workload::cpu_kernel(1, 2_000_000);
            Ok(2_000_000.0 / start.elapsed().as_secs_f64().max(1e-9))
        }
        Lang::Python => {
            let driver = python::driver_path().context("cannot write the Python driver")?;
            let code = format!(
                "import runpy,time; k=runpy.run_path({:?})['cpu_kernel']; t=time.perf_counter(); k(1,200000); print(200000/(time.perf_counter()-t))",
                driver.display().to_string()
            );
            let out = std::process::Command::new("python3")
                .args(["-c", &code])
                .output()
                .map_err(|e| usage(e).context("python3 is needed for Python advice"))?;
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .map_err(|_| usage(Missing("python3 could not run the calibration")))
        }
    }
}
