//! `conlab bench`: run a plan's cells one at a time, each in its own process, writing every
//! result the moment it exists, then analyse and print.
//!
//! Order of duties: validate everything and create the output before the first cell (bad
//! input must cost nothing); record the environment; run baselines, then the cells in
//! interleaved order, skipping a model at larger task counts once it has failed; stop
//! within a sampling interval of Ctrl-C, keeping every finished cell.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cell::parent::{self, CellMeta};
use crate::cell::CellSpec;
use crate::cli::BenchArgs;
use crate::error::Error;
use crate::measure::env::Environment;
use crate::model::python;
use crate::plan::{Plan, PlannedCell};
use crate::report::json::{write_results, JsonlWriter};
use crate::report::terminal;
use crate::report::Format;
use crate::results::{self, CellResult, Failure, JsonlRecord, PlanInfo, Results, Status, SweepHeader, Tool};
use crate::target::own::OwnServer;
use crate::units::{format_count, format_secs};
use crate::workload::Target;
use crate::{analyze, units};

/// Run a sweep. Returns the process exit code.
pub fn bench(args: &BenchArgs, env: Environment, stop: Arc<AtomicBool>) -> Result<i32, Error> {
    let plan = Plan::from_args(args).map_err(Error::Usage)?;
    let mut env = env;
    env.python = plan.pythons.clone();
    let exe = std::env::current_exe().map_err(|e| Error::Internal(format!("cannot find conlab's executable: {e}")))?;
    // The lean cell binary installed beside conlab, or conlab itself.
    let lean = exe.with_file_name("conlab-cell");
    let cell_exe = if lean.is_file() { lean } else { exe.clone() };
    let mut jsonl = open_output(&plan.out)?;
    let server = match plan.needs_own_server() {
        true => Some(OwnServer::start(&exe).map_err(Error::Internal)?),
        false => None,
    };
    let target = Target {
        server: server.as_ref().filter(|_| plan.urls.is_empty()).map(|s| s.http.clone()),
        urls: plan.urls.clone(),
        tcp: server.as_ref().map(|s| s.tcp.clone()),
    };
    let target_note = match (&server, &plan.urls_source) {
        (_, Some(source)) => Some(source.clone()),
        (Some(s), None) => Some(format!(
            "conlab serve at {} and tcp {} (pid {}, a separate process sharing this machine)",
            s.http,
            s.tcp,
            s.pid()
        )),
        (None, None) => None,
    };

    let header = SweepHeader {
        schema: results::SCHEMA.into(),
        tool: Tool {
            name: "conlab".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: now_rfc3339(),
        environment: env,
        plan: PlanInfo {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            workloads: plan.workloads.iter().map(|w| w.spec()).collect(),
            models: plan.models.iter().map(|m| m.spec()).collect(),
            tasks: plan.tasks.clone(),
            repeat: plan.repeat,
            cell_timeout_s: plan.cell_timeout.map(|d| d.as_secs_f64()),
            out: plan.out.display().to_string(),
            target: target_note,
        },
    };
    jsonl
        .append(&JsonlRecord::Sweep(Box::new(header.clone())))
        .map_err(write_error(&jsonl.path))?;

    let planned = plan.cells();
    let total = planned.len() + plan.models.len();
    let progress = progress_bar(total as u64);
    let log = |line: String| match (progress.is_hidden(), args.quiet) {
        (true, true) => {}
        (true, false) => eprintln!("{line}"),
        (false, _) => progress.println(line),
    };
    for note in &plan.notes {
        log(format!("conlab: {note}"));
    }
    if !args.quiet {
        log(format!(
            "conlab: {} cells ({} workloads × {} models × {} task counts × {} repeats) + {} baselines → {}",
            planned.len(),
            plan.workloads.len(),
            plan.models.len(),
            plan.tasks.len(),
            plan.repeat,
            plan.models.len(),
            plan.out.display()
        ));
    }

    let driver = match plan.interpreters.iter().any(Option::is_some) {
        true => {
            Some(python::driver_path().map_err(|e| Error::Internal(format!("cannot write the Python driver: {e}")))?)
        }
        false => None,
    };
    let run_cell = |m: usize, meta: CellMeta, timeout: Duration| {
        let model = &plan.models[m];
        let spec = CellSpec {
            workload: meta.workload.clone(),
            model: model.python().map_or_else(|| meta.model.clone(), |p| p.driver_spec()),
            tasks: meta.tasks,
            target: target.clone(),
        };
        let spec_json = serde_json::to_string(&spec).expect("cell spec serializes");
        let mut cmd = match (&plan.interpreters[m], &driver) {
            (Some(interpreter), Some(driver)) => {
                let mut cmd = Command::new(&interpreter.path);
                cmd.arg(driver).arg(spec_json);
                cmd
            }
            _ => {
                let mut cmd = Command::new(&cell_exe);
                cmd.arg("cell").arg(spec_json);
                cmd
            }
        };
        cmd.env("PYTHONDONTWRITEBYTECODE", "1");
        progress.set_message(format!(
            "{} {} n={}",
            meta.workload,
            meta.model,
            format_count(meta.tasks)
        ));
        parent::run(cmd, meta, timeout, &stop)
    };

    let mut baselines = Vec::new();
    let mut cells: Vec<CellResult> = Vec::new();
    let mut failed_at: HashMap<(usize, usize), (usize, String)> = HashMap::new();
    let mut interrupted = false;
    let mut position = 0;

    for (m, model) in plan.models.iter().enumerate() {
        let meta = CellMeta {
            index: 0,
            workload: plan.workloads[0].spec(),
            model: model.spec(),
            tasks: 0,
            repeat: 0,
            baseline: true,
        };
        position += 1;
        let Some(result) = run_cell(
            m,
            meta,
            plan.timeout_for(&PlannedCell {
                workload: 0,
                model: m,
                tasks: 0,
                repeat: 0,
            }),
        ) else {
            interrupted = true;
            break;
        };
        jsonl
            .append(&JsonlRecord::Cell(Box::new(result.clone())))
            .map_err(write_error(&jsonl.path))?;
        progress.inc(1);
        baselines.push(result);
    }

    for (i, cell) in planned.iter().enumerate() {
        if interrupted || stop.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        position += 1;
        let meta = CellMeta {
            index: i + 1,
            workload: plan.workloads[cell.workload].spec(),
            model: plan.models[cell.model].spec(),
            tasks: cell.tasks,
            repeat: cell.repeat,
            baseline: false,
        };
        let timeout = plan.timeout_for(cell);
        let result = match skip_reason(&plan, cell, &failed_at) {
            Some(failure) => parent::unrun(meta, Status::Skipped, failure, timeout),
            None => match run_cell(cell.model, meta, timeout) {
                Some(r) => r,
                None => {
                    interrupted = true;
                    break;
                }
            },
        };
        if matches!(result.status, Status::Failed | Status::Timeout | Status::Crashed) {
            let kind = result.failure.as_ref().map(|f| f.kind.clone()).unwrap_or_default();
            failed_at
                .entry((cell.workload, cell.model))
                .or_insert((cell.tasks, format!("{} ({kind})", result.status.as_str())));
        }
        jsonl
            .append(&JsonlRecord::Cell(Box::new(result.clone())))
            .map_err(write_error(&jsonl.path))?;
        log(terminal::cell_line(&result, position, total));
        progress.inc(1);
        cells.push(result);
    }
    progress.finish_and_clear();

    let analysis = analyze::analyze(&cells, &baselines, &header.plan.workloads, &header.plan.models);
    let results = Results {
        schema: header.schema,
        tool: header.tool,
        started_at: header.started_at,
        finished_at: now_rfc3339(),
        interrupted,
        environment: header.environment,
        plan: header.plan,
        cells,
        baselines,
        analysis,
        claims: Vec::new(),
    };
    let json_path = plan.out.join("results.json");
    write_results(&json_path, &results).map_err(write_error(&json_path))?;

    if interrupted {
        eprintln!(
            "conlab: interrupted; {} finished cells kept in {}",
            results.cells.len(),
            jsonl.path.display()
        );
        return Ok(130);
    }
    let html_path = plan.out.join("report.html");
    let html = crate::report::html::Html.render(&results).map_err(Error::Internal)?;
    std::fs::write(&html_path, html).map_err(write_error(&html_path))?;
    if !args.quiet {
        print!("{}", terminal::render_with(&results, terminal::colour_wanted()));
        println!("\nresults: {} and {}", jsonl.path.display(), json_path.display());
        println!("report:  {}", html_path.display());
    }
    Ok(0)
}

/// Why a cell will not be run: its model already failed at fewer tasks, or arithmetic
/// says it cannot finish within the timeout the user set.
fn skip_reason(
    plan: &Plan,
    cell: &PlannedCell,
    failed_at: &HashMap<(usize, usize), (usize, String)>,
) -> Option<Failure> {
    if let Some((n, how)) = failed_at.get(&(cell.workload, cell.model)) {
        if *n < cell.tasks {
            return Some(Failure {
                kind: "skipped".into(),
                message: format!(
                    "{} {how} at {} tasks in this sweep",
                    plan.models[cell.model].spec(),
                    format_count(*n)
                ),
                at_task: None,
                limit: None,
            });
        }
    }
    let least = plan.least_time(cell);
    match plan.cell_timeout {
        Some(timeout) if least > timeout => Some(Failure {
            kind: "predicted-timeout".into(),
            message: format!(
                "needs at least {} ({} tasks, {} at a time, {} each), beyond the {} cell timeout",
                format_secs(least.as_secs_f64()),
                format_count(cell.tasks),
                plan.models[cell.model].queue_width().unwrap_or(cell.tasks),
                units::format_duration(plan.workloads[cell.workload].min_task_time()),
                units::format_duration(timeout)
            ),
            at_task: None,
            limit: Some(format!("--cell-timeout {}", units::format_duration(timeout))),
        }),
        _ => None,
    }
}

/// Create the output directory and `results.jsonl`, or fail with a usage error before any
/// cell has run.
fn open_output(out: &Path) -> Result<JsonlWriter, Error> {
    std::fs::create_dir_all(out)
        .map_err(|e| Error::Usage(format!("cannot create output directory {}: {e}", out.display())))?;
    let path = out.join("results.jsonl");
    JsonlWriter::create(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            Error::Usage(format!("{} already holds results; choose another --out", out.display()))
        }
        _ => Error::Usage(format!("cannot write {}: {e}", path.display())),
    })
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Internal(format!("cannot write {}: {e}", path.display()))
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} cell {pos}/{len} [{bar:30}] {elapsed_precise} ETA {eta} · {msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// A sweep run on the user's behalf by `advise` and `claims`: no tables printed, results
/// read back from its own `results.json`.
pub struct QuietSweep {
    pub workload: String,
    pub models: Vec<String>,
    pub tasks: Vec<usize>,
    pub cell_timeout: &'static str,
    pub python: Vec<String>,
}

impl QuietSweep {
    pub fn run(&self, out: &Path) -> Result<Results, Error> {
        let tasks: Vec<String> = self.tasks.iter().map(|n| n.to_string()).collect();
        let mut argv: Vec<String> = ["conlab", "bench", "--quiet", "--workload", &self.workload]
            .map(String::from)
            .to_vec();
        argv.extend([
            "--models".into(),
            self.models.join(","),
            "--tasks".into(),
            tasks.join(","),
        ]);
        argv.extend([
            "--cell-timeout".into(),
            self.cell_timeout.into(),
            "--out".into(),
            out.display().to_string(),
        ]);
        for p in &self.python {
            argv.extend(["--python".into(), p.clone()]);
        }
        let crate::cli::Command::Bench(args) = crate::cli::Cli::try_parse_from_vec(argv)?.command else {
            unreachable!("parsed a bench command")
        };
        let env = Environment::probe(crate::measure::limits::raise_nofile());
        bench(&args, env, Arc::new(AtomicBool::new(false)))?;
        crate::report::load::load(&out.join("results.json"))
            .map(|l| l.results)
            .map_err(Error::Internal)
    }
}
