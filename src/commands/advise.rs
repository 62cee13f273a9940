//! `conlab advise`: a recommendation measured on this machine. The question comes from
//! flags or prompts; the candidates are measured by a quiet sweep (or read from
//! `--from FILE`); the ranking and the reasons come from `analyze::advice`.

use std::io::IsTerminal;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::shared::{conlab_exe, load_results, print_out, usage};
use crate::analyze::advice::{self, closest_workload, Connections, Lang, Question, Side};
use crate::cli::{AdviseArgs, ConnectionsArg};
use crate::launch::python;
use crate::measure::{env::Environment, limits};
use crate::plan::{Plan, PlanRequest};
use crate::report;
use crate::results::CellResult;
use crate::sweep::{self, Quiet};
use crate::units::{format_count, parse_count, parse_duration};
use crate::workload::{PyTask, WorkloadSpec};

/// Each candidate gets at most this long.
const CELL_TIMEOUT: Duration = Duration::from_secs(7);
/// The most tasks a measurement runs; larger questions are answered from this count.
const MEASURED_TASKS: usize = 10_000;

pub fn run(a: &AdviseArgs) -> anyhow::Result<()> {
    if let Some(task) = &a.task {
        return own_task(a, task);
    }
    if let Some(app) = &a.app {
        return own_app(a, app);
    }
    let q = question(a)?;
    print_out(&report::advice::question(&q, report::screen::width()))?;
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
            // Blocking-only libraries rule event loops out, measured or not.
            let mut models: Vec<String> = cells
                .iter()
                .map(|c| c.model.clone())
                .filter(|m| !(q.sync_only && m.contains("async")))
                .collect();
            models.sort();
            models.dedup();
            (cells, format!("from {} ({chosen})", file.display()), tasks, models)
        }
        None => {
            let tasks = q.tasks.min(MEASURED_TASKS);
            let (cells, source) = measure(workload.parse()?, &models, tasks)?;
            (cells, source, tasks, models)
        }
    };
    answer(&q, &cells, &models, tasks, &source)
}

/// `advise --task`: the user's own Python task measured under the Python candidates
/// (asyncio among them when the task has an async function or may be adapted).
fn own_task(a: &AdviseArgs, task: &PyTask) -> anyhow::Result<()> {
    if a.lang == Some(Lang::Rust) {
        return Err(usage(Missing(
            "advise --task measures a Python task; it goes with --lang python",
        )));
    }
    let Some(tasks) = a.tasks else {
        return Err(usage(Missing("advise --task needs --tasks N (how many tasks at once)")));
    };
    let q = Question {
        side: a.side,
        connections: None,
        tasks,
        io: Duration::ZERO,
        cpu: Duration::ZERO,
        sync_only: a.sync_only,
        lang: Lang::Python,
    };
    print_out(&report::advice::own_task(task, tasks, report::screen::width()))?;
    let models = advice::own_task_models(task.afunc.is_some() || task.adapt, &q);
    let tasks = tasks.min(MEASURED_TASKS);
    let (cells, source) = measure(WorkloadSpec::PyTask(task.clone()), &models, tasks)?;
    answer(&q, &cells, &models, tasks, &source)
}

/// The connections an app is measured at when the question names none.
const APP_CONNECTIONS: usize = 64;

/// `advise --side server --app`: the user's web app under every installed stack of its
/// interface, each stack's capacity at the objective searched, ranked.
fn own_app(a: &AdviseArgs, app: &str) -> anyhow::Result<()> {
    if a.side != Side::Server {
        return Err(usage(Missing(
            "advise --app measures a web app; it goes with --side server",
        )));
    }
    let target = match app.starts_with("asgi=") || app.starts_with("wsgi=") {
        true => app.to_string(),
        false => format!("{}={app}", app_interface(app)),
    };
    // Each probe runs the least time a probe may (3 s; CONLAB_SLO_MIN_PROBE in tests).
    let probe = crate::units::format_duration(crate::slo::probe::min_probe());
    let mut spec = format!("serve-app:{target},duration={probe}");
    for path in &a.paths {
        spec.push_str(&format!(",path={path}"));
    }
    let workload: WorkloadSpec = spec.parse().map_err(usage)?;
    let tasks = a.tasks.or(held(a)).unwrap_or(APP_CONNECTIONS);
    eprintln!(
        "{}",
        report::screen::wrap(
            &format!(
                "conlab advise: {workload} at {}, each stack's capacity at {} (probes of {probe}, up to 12 per stack)",
                crate::units::plural(tasks, "connection"),
                a.slo
            ),
            report::screen::width(),
            2
        )
    );
    let mut request = PlanRequest::new(vec![workload.clone()], None, vec![tasks]);
    request.slo = Some(a.slo.clone());
    let plan = Plan::new(request).map_err(usage)?;
    let env = Environment::probe(limits::raise_nofile());
    let results = sweep::run(&plan, env, &conlab_exe()?, &mut Searches, &AtomicBool::new(false))?;
    let capacity = results.capacity.clone().unwrap_or_else(|| crate::slo::capacity(&a.slo));
    let advice = crate::analyze::capacity::advise(&capacity, &workload.to_string(), tasks);
    let skipped: Vec<(String, String)> = results
        .cells
        .iter()
        .filter(|c| c.status == crate::results::Status::Skipped)
        .map(|c| {
            (
                c.model.clone(),
                c.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default(),
            )
        })
        .collect();
    print_out(&report::capacity::advice(
        &capacity,
        &advice,
        &skipped,
        report::screen::width(),
    ))?;
    if advice.ranked.is_empty() {
        bail!("no stack that serves this app could be measured; see the lines above");
    }
    Ok(())
}

/// ASGI when the app's file defines a coroutine (`async def`), WSGI otherwise; a file
/// that cannot be read is left to the spec's own check.
fn app_interface(app: &str) -> &'static str {
    let file = app.rsplit_once(':').map_or(app, |(f, _)| f);
    match std::fs::read_to_string(file) {
        Ok(text) if text.contains("async def") => "asgi",
        _ => "wsgi",
    }
}

/// Each finished capacity search as a line on stderr, so a minute per stack is not silent.
struct Searches;

impl sweep::Observer for Searches {
    fn note(&mut self, line: &str) {
        eprintln!("conlab advise: {line}");
    }
    fn search_done(&mut self, c: &crate::results::Capacity, position: usize, total: usize) -> std::io::Result<()> {
        for s in &c.searches {
            eprintln!("{}", report::capacity::search_line(s, &c.slo, position, total));
        }
        Ok(())
    }
}

/// A quiet sweep of `models` on `workload` at `tasks`: its cells and where they came from.
fn measure(workload: WorkloadSpec, models: &[String], tasks: usize) -> anyhow::Result<(Vec<CellResult>, String)> {
    let line = format!(
        "conlab advise: measuring {workload} under {} at {} tasks (each at most {} s)",
        models.join(", "),
        format_count(tasks),
        CELL_TIMEOUT.as_secs()
    );
    eprintln!("{}", report::screen::wrap(&line, report::screen::width(), 2));
    let specs = models.iter().map(|m| m.parse()).collect::<Result<Vec<_>, _>>()?;
    let source = format!("measured just now: {workload} at {} tasks", format_count(tasks));
    let mut request = PlanRequest::new(vec![workload], Some(specs), vec![tasks]);
    request.cell_timeout = Some(CELL_TIMEOUT);
    let plan = Plan::new(request).map_err(usage)?;
    let env = Environment::probe(limits::raise_nofile());
    let results = sweep::run(&plan, env, &conlab_exe()?, &mut Quiet, &AtomicBool::new(false))?;
    Ok((results.cells, source))
}

/// The candidates ranked and the recommendation, printed.
fn answer(q: &Question, cells: &[CellResult], models: &[String], tasks: usize, source: &str) -> anyhow::Result<()> {
    let (ranked, failed) = advice::rank(cells, models, tasks);
    let width = report::screen::width();
    print_out(&report::advice::candidates(source, &ranked, &failed, width))?;
    if ranked.is_empty() {
        bail!("no candidate model finished all its tasks; see the lines above");
    }
    print_out(&report::advice::recommendation(q, tasks, &ranked, width))
}

/// The question, from flags; on a terminal, the wizard asks what the flags left open.
fn question(a: &AdviseArgs) -> anyhow::Result<Question> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        return wizard(a);
    }
    let Some(tasks) = a.tasks.or(held(a)) else {
        return Err(usage(Missing(
            "advise needs --tasks N (how many tasks at once) or --connections N",
        )));
    };
    let (io, cpu) = (a.io.unwrap_or_default(), a.cpu.unwrap_or_default());
    if io.is_zero() && cpu.is_zero() {
        return Err(usage(Missing(NEITHER)));
    }
    Ok(Question {
        side: a.side,
        connections: kind(a),
        tasks,
        io,
        cpu,
        sync_only: a.sync_only,
        lang: a.lang.unwrap_or(Lang::Python),
    })
}

/// `--connections N`: N connections held at once.
fn held(a: &AdviseArgs) -> Option<usize> {
    match a.connections {
        Some(ConnectionsArg::Count(n)) => Some(n),
        _ => None,
    }
}

/// The kind of connections `--connections` named (a count means held ones).
fn kind(a: &AdviseArgs) -> Option<Connections> {
    match a.connections {
        Some(ConnectionsArg::Kind(k)) => Some(k),
        Some(ConnectionsArg::Count(_)) => Some(Connections::Long),
        None => None,
    }
}

const NEITHER: &str = "give --io or --cpu: a task that neither waits nor computes needs no model";

/// The interactive questions (on stderr, so stdout keeps only the answer): choices where
/// there are choices, and a typed answer that does not parse is explained and asked
/// again, never the end of the session. Esc or Ctrl-C ends it.
fn wizard(a: &AdviseArgs) -> anyhow::Result<Question> {
    use dialoguer::{theme::SimpleTheme, Confirm, Input, Select};
    let theme = SimpleTheme;
    let cancelled = || usage(Missing("advise: cancelled"));
    let lang = match a.lang {
        Some(l) => l,
        None => {
            let pick = Select::with_theme(&theme)
                .with_prompt("Which language do you write?")
                .items(["Python", "Rust"])
                .default(0)
                .interact_opt()?
                .ok_or_else(cancelled)?;
            [Lang::Python, Lang::Rust][pick]
        }
    };
    // A typed answer, parsed by `parse`: one that does not parse is explained and asked
    // again, so what comes back always parses.
    fn typed<T>(
        theme: &dyn dialoguer::theme::Theme,
        prompt: &str,
        default: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> anyhow::Result<T> {
        let answer = Input::<String>::with_theme(theme)
            .with_prompt(prompt)
            .default(default.to_string())
            .validate_with(|answer: &String| parse(answer).map(drop))
            .interact_text()?;
        parse(&answer).map_err(|e| anyhow::anyhow!(e))
    }
    let tasks = match a.tasks.or(held(a)) {
        Some(n) => n,
        None => typed(&theme, "How many tasks at once? (100, 10k, 1m)", "1000", count_answer)?,
    };
    let io = match a.io {
        Some(d) => d,
        None => typed(
            &theme,
            "How long does each task wait for I/O? (50ms, 2s; 0ms for none)",
            "50ms",
            duration_answer,
        )?,
    };
    let cpu = match a.cpu {
        Some(d) => d,
        None if io.is_zero() => typed(
            &theme,
            "How long does each task compute? (it waits for nothing, so more than 0ms)",
            "10ms",
            |t| match duration_answer(t)? {
                d if d.is_zero() => Err("a task that neither waits nor computes needs no model".into()),
                d => Ok(d),
            },
        )?,
        None => typed(
            &theme,
            "How long does each task compute? (0ms for nothing)",
            "0ms",
            duration_answer,
        )?,
    };
    let connections = match kind(a) {
        Some(c) => Some(c),
        None if io.is_zero() => None,
        None => {
            let pick = Select::with_theme(&theme)
                .with_prompt("What does each task wait on?")
                .items([
                    "short requests (fetching URLs, API calls, queries)",
                    "a long-held connection (chat, websockets, streaming)",
                ])
                .default(0)
                .interact_opt()?
                .ok_or_else(cancelled)?;
            Some([Connections::Short, Connections::Long][pick])
        }
    };
    let sync_only = a.sync_only
        || (!io.is_zero()
            && Confirm::with_theme(&theme)
                .with_prompt("Must the tasks call a library that only blocks (no async version)?")
                .default(false)
                .interact_opt()?
                .ok_or_else(cancelled)?);
    Ok(Question {
        side: a.side,
        connections,
        tasks,
        io,
        cpu,
        sync_only,
        lang,
    })
}

/// A typed task count, or why not in words.
fn count_answer(text: &str) -> Result<usize, String> {
    match parse_count(text) {
        Ok(0) => Err("at least 1 task".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// A typed duration, or why not in words (a bare number is asked again with its unit).
fn duration_answer(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("{text} what? add a unit: {text}ms or {text}s"));
    }
    parse_duration(text).map_err(|e| e.to_string())
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
            let out = crate::measure::lineage::die_with_parent(&mut python::module("python3", &driver, "calibrate"))
                .output()
                .map_err(|e| usage(e).context("python3 is needed for Python advice"))?;
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .map_err(|_| usage(Missing("python3 could not run the calibration")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_answers_are_checked_and_explained() {
        assert_eq!(count_answer("10k"), Ok(10_000));
        assert!(count_answer("0").unwrap_err().contains("at least 1"));
        assert!(count_answer("many").is_err());
        assert_eq!(duration_answer("50ms"), Ok(Duration::from_millis(50)));
        let bare = duration_answer("100").unwrap_err();
        assert!(bare.contains("100ms"), "{bare}");
        assert!(duration_answer("fast").is_err());
    }
}
