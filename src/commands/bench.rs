//! `conlab bench`: the options turned into a typed plan, the sweep run with an observer
//! that writes `results.jsonl` cell by cell and shows progress, then `results.json`,
//! `report.html`, the `--export-*` files and the terminal tables. `--quiet` keeps the
//! files and drops the progress and tables, for scripts and CI.
//!
//! Bad input costs nothing: the plan and the output directory are checked before the
//! first cell runs, and `--plan-only` prints the cells (a shard's, with `--shard`) and
//! stops there, which is how a Job manifest's command is checked without running it. Ctrl-C stops the sweep within a sampling interval; every finished
//! cell is kept.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::shared::{conlab_exe, default_out, usage, user_path, UsageError};
use crate::cli::BenchArgs;
use crate::launch::hosts::{self, Placement};
use crate::measure::{env::Environment, limits};
use crate::plan::{self, Plan, PlanRequest, TargetChoice};
use crate::report::json::{write_results, JsonlWriter};
use crate::report::{self, screen, terminal, Format, ReportFormat};
use crate::results::{Capacity, CellResult, JsonlRecord, SweepHeader};
use crate::sweep::{self, Observer};
use crate::units::plural;
use crate::workload::WorkloadSpec;

/// Exit code of a sweep stopped by Ctrl-C or SIGTERM.
pub const INTERRUPTED: i32 = 130;

pub fn run(args: &BenchArgs) -> anyhow::Result<i32> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    let out = args.out.clone().unwrap_or_else(|| default_out(""));
    let plan = Plan::new(request(args, &out)?).map_err(usage)?;
    if args.plan_only {
        super::shared::print_out(&plan_json(&plan))?;
        return Ok(0);
    }
    let exports = exports(args)?;
    let jsonl = open_output(&out)?;
    let mut env = Environment::probe(limits::raise_nofile());
    if let Some(label) = args.host_label.as_ref().filter(|l| !l.trim().is_empty()) {
        env.host.label = Some(label.clone());
    }
    let mut observer = Progress::new(jsonl, args.quiet);
    observer.stdout = args.jsonl_stdout;
    let results = sweep::run(&plan, env, &conlab_exe()?, &mut observer, &stop)?;
    observer.bar.finish_and_clear();

    let json_path = out.join("results.json");
    write_results(&json_path, &results).with_context(|| format!("cannot write {}", json_path.display()))?;
    for (path, format) in &exports {
        std::fs::write(path, format.renderer().render(&results))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.export_timeseries {
        std::fs::write(path, report::timeseries::csv(&results))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let (Some(path), Some(capacity)) = (&args.export_capacity, &results.capacity) {
        std::fs::write(path, report::csv::capacity(capacity))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if results.interrupted {
        eprintln!(
            "conlab: interrupted; {} finished cells kept in {}",
            results.cells.len(),
            observer.jsonl.path.display()
        );
        return Ok(INTERRUPTED);
    }
    let html_path = out.join("report.html");
    std::fs::write(&html_path, report::html::Html.render(&results))
        .with_context(|| format!("cannot write {}", html_path.display()))?;
    if args.quiet {
        return Ok(0);
    }
    print!(
        "{}",
        terminal::render_with(&results, screen::colour_wanted(), screen::width())
    );
    println!(
        "\nresults: {} and {}",
        observer.jsonl.path.display(),
        json_path.display()
    );
    println!("report:  {}", html_path.display());
    Ok(0)
}

/// The `--export-*` files with their formats, each checked before the first cell runs:
/// its directory must exist.
fn exports(args: &BenchArgs) -> anyhow::Result<Vec<(PathBuf, ReportFormat)>> {
    let wanted = [
        (&args.export_json, ReportFormat::Json),
        (&args.export_csv, ReportFormat::Csv),
        (&args.export_markdown, ReportFormat::Markdown),
    ];
    let mut out = Vec::new();
    if let Some(path) = &args.export_timeseries {
        export_path(path)?;
    }
    if let Some(path) = &args.export_capacity {
        if args.slo.is_none() {
            return Err(UsageError(anyhow::anyhow!(
                "--export-capacity writes the probes of --slo: give --slo too"
            ))
            .into());
        }
        export_path(path)?;
    }
    for (path, format) in wanted {
        let Some(path) = path else { continue };
        export_path(path)?;
        out.push((path.clone(), format));
    }
    Ok(out)
}

/// An export file's path is usable: not a directory, in a directory that exists.
fn export_path(path: &Path) -> anyhow::Result<()> {
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if path.is_dir() || !dir.is_dir() {
            let why = if path.is_dir() {
                "is a directory"
            } else {
                "has no directory to go in"
            };
            return Err(UsageError(anyhow::anyhow!("cannot export to {}: it {why}", path.display())).into());
        }
    }
    Ok(())
}

/// The typed request behind the options.
fn request(args: &BenchArgs, out: &Path) -> anyhow::Result<PlanRequest> {
    let default_sweep = args.workloads.is_empty() && args.models.is_none() && args.tasks.is_none();
    let mut workloads = match args.workloads.is_empty() {
        true => plan::default_workloads(),
        false => args.workloads.clone(),
    };
    if args.adapt {
        for w in &mut workloads {
            if let WorkloadSpec::PyTask(task) = w {
                task.adapt = true;
            }
        }
    }
    let tasks = match (&args.tasks, args.quick, args.full) {
        (Some(list), _, _) => list.0.clone(),
        (None, true, _) => plan::QUICK_TASKS.to_vec(),
        (None, _, true) => plan::FULL_TASKS.to_vec(),
        _ => plan::DEFAULT_TASKS.to_vec(),
    };
    let target = match (&args.target, &args.urls) {
        (Some(url), _) => TargetChoice::Url(url.clone()),
        (None, Some(file)) => TargetChoice::Urls {
            file: file.clone(),
            urls: plan::read_url_list(file).map_err(usage)?,
        },
        (None, None) => TargetChoice::Own,
    };
    let story = default_sweep && !args.quick && !args.full;
    let mut request = PlanRequest::new(workloads, args.models.clone().map(|m| m.0), tasks);
    if story {
        request.tasks_of = plan::default_workloads()
            .into_iter()
            .zip(plan::DEFAULT_SWEEP_TASKS.iter().map(|t| t.to_vec()))
            .collect();
    }
    request.repeat = args.repeat as usize;
    request.tolerate_failures = args.tolerate_failures;
    request.cell_timeout = args.cell_timeout;
    request.skip_beyond = match (default_sweep, story) {
        (_, true) => Some(plan::DEFAULT_SWEEP_BUDGET),
        (true, false) => Some(plan::FULL_SWEEP_BUDGET),
        (false, _) => None,
    };
    request.target = target;
    request.pythons.clone_from(&args.python);
    request.out = Some(out.to_path_buf());
    request.shard = args.shard;
    request.placement = Placement {
        listen: args.listen.unwrap_or(hosts::LOOPBACK),
        hosts: args.generator_hosts.clone().map(|h| h.0).unwrap_or_default(),
    };
    request.series = !args.no_series;
    request.slo.clone_from(&args.slo);
    Ok(request)
}

/// `--plan-only`: what this run would measure, one JSON document.
fn plan_json(plan: &Plan) -> String {
    let cells: Vec<serde_json::Value> = plan
        .shard_cells()
        .iter()
        .map(|c| {
            serde_json::json!({
                "workload": plan.workloads[c.workload].to_string(),
                "model": plan.models[c.model].name(),
                "tasks": c.tasks,
                "repeat": c.repeat,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "fingerprint": plan.fingerprint(),
        "shard": plan.shard,
        "workloads": plan.workloads.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "models": plan.models.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "baselines": plan.baseline_models().iter().map(|&m| plan.models[m].name()).collect::<Vec<_>>(),
        "slo": plan.slo.as_ref().map(|s| s.to_string()),
        "cells": cells,
        "notes": plan.notes,
    });
    serde_json::to_string_pretty(&doc).expect("a plan serializes") + "\n"
}

/// Create the output directory and `results.jsonl`, or fail with a usage error before any
/// cell has run.
fn open_output(out: &Path) -> anyhow::Result<JsonlWriter> {
    user_path(std::fs::create_dir_all(out), "cannot create output directory", out)?;
    let path = out.join("results.jsonl");
    match JsonlWriter::create(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(usage(e).context(format!("{} already holds results; choose another --out", out.display())))
        }
        other => user_path(other, "cannot write", &path),
    }
}

/// Writes each record to `results.jsonl` and shows progress: a bar on a terminal, one
/// line per cell otherwise, nothing when quiet.
struct Progress {
    jsonl: JsonlWriter,
    bar: ProgressBar,
    quiet: bool,
    /// Also print each record on stdout (`--jsonl-stdout`).
    stdout: bool,
}

impl Progress {
    fn new(jsonl: JsonlWriter, quiet: bool) -> Self {
        Progress {
            jsonl,
            bar: ProgressBar::hidden(),
            quiet,
            stdout: false,
        }
    }

    /// Write a record to results.jsonl, and to stdout when asked.
    fn append(&mut self, record: &JsonlRecord) -> std::io::Result<()> {
        self.jsonl.append(record)?;
        if self.stdout {
            let line = serde_json::to_string(record).map_err(std::io::Error::other)? + "\n";
            let mut out = std::io::stdout().lock();
            std::io::Write::write_all(&mut out, line.as_bytes())?;
            std::io::Write::flush(&mut out)?;
        }
        Ok(())
    }

    fn log(&self, line: String) {
        match self.bar.is_hidden() {
            true => eprintln!("{line}"),
            false => self.bar.println(line),
        }
    }
}

impl Observer for Progress {
    fn begin(&mut self, header: &SweepHeader, cells: usize) -> std::io::Result<()> {
        self.append(&JsonlRecord::Sweep(Box::new(header.clone())))?;
        if self.quiet {
            return Ok(());
        }
        self.bar = ProgressBar::with_draw_target(Some(cells as u64), ProgressDrawTarget::stderr());
        self.bar.set_style(
            ProgressStyle::with_template("{spinner} cell {pos}/{len} [{bar:30}] {elapsed_precise} ETA {eta} · {msg}")
                .expect("static template")
                .progress_chars("=> "),
        );
        self.bar.enable_steady_tick(Duration::from_millis(200));
        let p = &header.plan;
        if let Some(shard) = p.shard {
            self.log(format!(
                "conlab: shard {shard} of plan {}",
                p.fingerprint.as_deref().unwrap_or("?")
            ));
        }
        let grid = match p.tasks_of.is_empty() {
            true => format!(
                "{} × {} × {} × {}",
                plural(p.workloads.len(), "workload"),
                plural(p.models.len(), "model"),
                plural(p.tasks.len(), "task count"),
                plural(p.repeat, "repeat"),
            ),
            false => {
                let each: Vec<String> = p
                    .workloads
                    .iter()
                    .map(|w| {
                        let counts: Vec<String> =
                            p.tasks_for(w).iter().map(|&n| crate::units::format_count(n)).collect();
                        format!("{w} at {}", counts.join(", "))
                    })
                    .collect();
                format!(
                    "{}; {} × {}; --full for every count",
                    each.join("; "),
                    plural(p.models.len(), "model"),
                    plural(p.repeat, "repeat")
                )
            }
        };
        self.log(format!(
            "conlab: {} ({grid}) + {} → {}",
            plural(cells.saturating_sub(p.models.len()), "cell"),
            plural(p.models.len(), "baseline"),
            p.out
        ));
        Ok(())
    }

    fn note(&mut self, line: &str) {
        self.log(format!("conlab: {line}"));
    }

    fn cell_started(&mut self, label: &str) {
        self.bar.set_message(label.to_string());
    }

    fn search_done(&mut self, search: &Capacity, position: usize, total: usize) -> std::io::Result<()> {
        self.append(&JsonlRecord::Capacity(Box::new(search.clone())))?;
        if !self.quiet {
            for s in &search.searches {
                self.log(report::capacity::search_line(s, &search.slo, position, total));
            }
        }
        self.bar.inc(1);
        Ok(())
    }

    fn cell_done(&mut self, cell: &CellResult, position: usize, total: usize) -> std::io::Result<()> {
        self.append(&JsonlRecord::Cell(Box::new(cell.clone())))?;
        if !cell.baseline && !self.quiet {
            self.log(terminal::cell_line(cell, position, total));
        }
        self.bar.inc(1);
        Ok(())
    }
}
