//! A sweep as a library call: a typed [`Plan`] in, [`Results`] out, every cell reported
//! to an [`Observer`] the moment it exists (the bench command writes it to
//! `results.jsonl` and the progress bar; `advise`, `claims` and tests watch quietly).
//!
//! Order of duties: start what the cells need (the own target server, the launcher);
//! record the environment and plan; run the baselines, then the cells in interleaved
//! order, skipping a model at larger task counts once it has failed; stop within a
//! sampling interval of `stop`, keeping every finished cell; analyse.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::analyze;
use crate::cell::parent::{self, CellMeta};
use crate::cell::server::ServerCell;
use crate::launch::{LaunchError, Launcher};
use crate::measure::env::Environment;
use crate::plan::{mismatch, Plan, PlannedCell};
use crate::results::{
    self, Capacity, CellResult, Failure, FailureKind, PlanInfo, Results, SearchEnd, Status, SweepHeader, Tool,
};
use crate::server::own::OwnServer;
use crate::slo;
use crate::units::{format_count, format_duration, format_secs};
use crate::workload::{Target, WorkloadSpec};

/// What a sweep tells whoever runs it, as it happens.
pub trait Observer {
    /// The sweep is about to run its first cell; `cells` counts baselines too.
    fn begin(&mut self, _header: &SweepHeader, _cells: usize) -> std::io::Result<()> {
        Ok(())
    }
    /// A line for a person (a model left out, a Python missing).
    fn note(&mut self, _line: &str) {}
    /// A cell is about to start.
    fn cell_started(&mut self, _label: &str) {}
    /// A cell ended (or was skipped): its result, and where it stands in the sweep.
    fn cell_done(&mut self, _cell: &CellResult, _position: usize, _total: usize) -> std::io::Result<()> {
        Ok(())
    }
    /// A capacity search ended (`--slo`): the document section so far holding just this
    /// search, and where it stands in the sweep.
    fn search_done(&mut self, _search: &Capacity, _position: usize, _total: usize) -> std::io::Result<()> {
        Ok(())
    }
}

/// An observer that watches nothing: for sweeps run on the user's behalf.
pub struct Quiet;

impl Observer for Quiet {}

/// A sweep that could not run, for a reason of conlab's own.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Server(#[from] crate::server::own::StartError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// The cause is in the message, so not also the source (it would print twice).
    #[error("cannot record a result: {0}")]
    Record(std::io::Error),
}

/// The sweeping process (never a cell: each cell is a fresh exec) keeps to two malloc
/// arenas, set before its first thread starts (`main_with`, `Lab::enter`). glibc reserves 64 MiB of address space per arena, up to eight per core, and
/// the parent's threads come and go (samplers, pipe readers): with five threads alive it
/// had 1 GiB mapped, so under a user's `ulimit -v` of 1.5 GiB a new thread's signal stack
/// could not be mapped and the parent aborted, losing the sweep.
pub fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; existing arenas stay valid.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Run every cell of `plan`. `conlab_exe` is conlab's own binary (it serves the target
/// and its lean `conlab-cell` sibling runs the Rust cells). An interrupted sweep (`stop`
/// raised) returns its finished cells with `interrupted` set.
pub fn run(
    plan: &Plan,
    env: Environment,
    conlab_exe: &Path,
    observer: &mut dyn Observer,
    stop: &AtomicBool,
) -> Result<Results, SweepError> {
    let setup = Setup::start(plan, conlab_exe)?;
    let header = header(plan, env, setup.note());
    for note in &plan.notes {
        observer.note(note);
    }
    let cells = plan.shard_cells();
    observer
        .begin(&header, cells.len() + plan.baseline_models().len())
        .map_err(SweepError::Record)?;
    let mut runner = Runner {
        plan,
        setup: &setup,
        observer,
        stop,
        position: 0,
        total: cells.len(),
        capacity: plan.slo.as_ref().map(slo::capacity),
    };
    let (baselines, mut interrupted) = runner.baselines()?;
    let mut measured = Vec::new();
    if !interrupted {
        (measured, interrupted) = runner.cells(&cells)?;
    }
    let capacity = runner.capacity.take();
    let mut results = finish(header, measured, baselines, interrupted);
    analyze::capacity::attach(&mut results, capacity);
    Ok(results)
}

/// What the cells need from outside: the target and the launcher.
struct Setup {
    // Held for its Drop: the server stops when the sweep ends, however it ends.
    server: Option<OwnServer>,
    target: Target,
    launcher: Launcher,
    urls_source: Option<String>,
}

impl Setup {
    fn start(plan: &Plan, conlab_exe: &Path) -> Result<Setup, SweepError> {
        let mut launcher = Launcher::new(conlab_exe, plan.needs_python(), plan.runs_custom())?;
        launcher.series = plan.series;
        let server = match plan.needs_own_server() {
            true => Some(OwnServer::start(conlab_exe)?),
            false => None,
        };
        let urls = plan.urls().to_vec();
        let target = Target {
            server: server.as_ref().filter(|_| urls.is_empty()).map(|s| s.http.clone()),
            tcp: server.as_ref().map(|s| s.tcp.clone()),
            urls,
        };
        Ok(Setup {
            server,
            target,
            launcher,
            urls_source: plan.urls_source(),
        })
    }

    /// What the I/O workloads talk to, for the record.
    fn note(&self) -> Option<String> {
        match (&self.server, &self.urls_source) {
            (_, Some(source)) => Some(source.clone()),
            (Some(s), None) => Some(format!(
                "conlab serve at {} and tcp {} (pid {}, a separate process sharing this machine)",
                s.http,
                s.tcp,
                s.pid()
            )),
            (None, None) => None,
        }
    }
}

fn header(plan: &Plan, mut env: Environment, target: Option<String>) -> SweepHeader {
    env.python = plan.pythons.clone();
    // The Python families' ceilings, measured under each interpreter the plan uses (once:
    // an environment carried over from an earlier sweep already has them).
    for interpreter in &plan.pythons {
        let runtime = match plan.pythons.len() {
            1 => "py".to_string(),
            _ => format!("py@{}", interpreter.short),
        };
        let family = format!("{runtime}-thread");
        if env.ceiling(&family).is_some() || env.allows.unmeasured.iter().any(|u| u.starts_with(&family)) {
            continue;
        }
        let footprint = crate::launch::python::thread_footprint(interpreter).map_err(|e| e.to_string());
        env.add_runtime(&runtime, footprint, 0);
    }
    SweepHeader {
        schema: results::SCHEMA.into(),
        tool: Tool {
            name: "conlab".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: now_rfc3339(),
        environment: env,
        plan: PlanInfo {
            command: plan.command.clone(),
            workloads: plan.workloads.iter().map(|w| w.to_string()).collect(),
            models: plan.models.iter().map(|m| m.name()).collect(),
            tasks: plan.tasks.clone(),
            tasks_of: plan.tasks_of(),
            repeat: plan.repeat,
            cell_timeout_s: plan.cell_timeout.map(|d| d.as_secs_f64()),
            skip_beyond_s: plan.skip_beyond.map(|d| d.as_secs_f64()),
            tolerate_failures: plan.tolerate_failures,
            out: plan.out.as_ref().map(|o| o.display().to_string()).unwrap_or_default(),
            target,
            shard: plan.shard,
            fingerprint: Some(plan.fingerprint()),
            listen: (!plan.placement.is_default()).then(|| plan.placement.listen.to_string()),
            generator_hosts: plan.placement.host_names(),
        },
    }
}

/// Runs cells one at a time and hands each result to the observer.
struct Runner<'a> {
    plan: &'a Plan,
    setup: &'a Setup,
    observer: &'a mut dyn Observer,
    stop: &'a AtomicBool,
    /// The measured cells done (and searches ended) so far, and how many there are:
    /// baselines are in neither.
    position: usize,
    total: usize,
    /// The capacity searches so far, with `--slo`.
    capacity: Option<Capacity>,
}

impl Runner<'_> {
    /// One cell per model with no tasks: each model's fixed cost, under the first
    /// workload the model can run (skipped when it can run none). The second value is
    /// true when the sweep was stopped.
    fn baselines(&mut self) -> Result<(Vec<CellResult>, bool), SweepError> {
        let mut out = Vec::new();
        for m in self.plan.baseline_models() {
            let model = &self.plan.models[m].spec;
            let runnable = (0..self.plan.workloads.len()).find(|&w| mismatch(&self.plan.workloads[w], model).is_none());
            let cell = PlannedCell {
                workload: runnable.unwrap_or(0),
                model: m,
                tasks: 0,
                repeat: 0,
            };
            let result = match runnable {
                Some(_) => match self.run(&cell, 0, true)? {
                    Some(r) => r,
                    None => return Ok((out, true)),
                },
                None => parent::unrun(
                    self.meta(&cell, 0, true),
                    Status::Skipped,
                    skip_reason(self.plan, &cell, &HashMap::new()),
                    self.plan.timeout_for(&cell),
                ),
            };
            self.record(&result)?;
            out.push(result);
        }
        Ok((out, false))
    }

    /// The planned cells in order, a model skipped at larger counts once it failed.
    fn cells(&mut self, planned: &[PlannedCell]) -> Result<(Vec<CellResult>, bool), SweepError> {
        let mut out = Vec::new();
        let mut failed_at: HashMap<(usize, usize), (usize, String)> = HashMap::new();
        for (i, cell) in planned.iter().enumerate() {
            if self.stop.load(Ordering::Relaxed) {
                return Ok((out, true));
            }
            let result = match skip_reason(self.plan, cell, &failed_at) {
                Some(failure) => parent::unrun(
                    self.meta(cell, i + 1, false),
                    Status::Skipped,
                    failure,
                    self.plan.timeout_for(cell),
                ),
                None if self.capacity.is_some() => match self.search(cell, i + 1)? {
                    true => return Ok((out, true)),
                    false => continue,
                },
                None => match self.run(cell, i + 1, false)? {
                    Some(r) => r,
                    None => return Ok((out, true)),
                },
            };
            // A cell killed from outside says nothing about the model at larger counts.
            let from_outside = result.failure.as_ref().is_some_and(|f| f.kind == FailureKind::Killed);
            if matches!(result.status, Status::Failed | Status::Timeout | Status::Crashed) && !from_outside {
                let kind = result
                    .failure
                    .as_ref()
                    .map(|f| format!(" ({})", f.kind))
                    .unwrap_or_default();
                failed_at
                    .entry((cell.workload, cell.model))
                    .or_insert((cell.tasks, format!("{}{kind}", result.status.as_str())));
            }
            self.record(&result)?;
            out.push(result);
        }
        Ok((out, false))
    }

    fn meta(&self, cell: &PlannedCell, index: usize, baseline: bool) -> CellMeta {
        CellMeta {
            index,
            workload: self.plan.workloads[cell.workload].to_string(),
            model: self.plan.models[cell.model].name(),
            tasks: cell.tasks,
            repeat: cell.repeat,
            baseline,
        }
    }

    /// Search one server cell's capacity at the sweep's objective, each probe a server
    /// cell at its rate; true when the sweep was stopped meanwhile.
    fn search(&mut self, cell: &PlannedCell, index: usize) -> Result<bool, SweepError> {
        let plan = self.plan;
        let slo = plan.slo.as_ref().expect("searches run only with an objective");
        let target = slo::Target {
            workload: &plan.workloads[cell.workload],
            model: plan.models[cell.model].name(),
            tasks: cell.tasks,
            repeat: cell.repeat,
        };
        let found = slo::run(slo, &target, |spec| {
            let mut meta = self.meta(cell, index, false);
            meta.workload = spec.to_string();
            self.serve(cell, meta, spec)
        })?;
        let stopped = found.end == SearchEnd::Interrupted;
        let capacity = self.capacity.as_mut().expect("searches run only with an objective");
        let searches = std::mem::replace(&mut capacity.searches, vec![found]);
        let one = capacity.clone();
        let found = std::mem::replace(&mut capacity.searches, searches);
        capacity.searches.extend(found);
        self.position += 1;
        self.observer
            .search_done(&one, self.position, self.total)
            .map_err(SweepError::Record)?;
        Ok(stopped)
    }

    /// Launch and measure one cell; `None` when the sweep was stopped meanwhile.
    fn run(&mut self, cell: &PlannedCell, index: usize, baseline: bool) -> Result<Option<CellResult>, SweepError> {
        let meta = self.meta(cell, index, baseline);
        let plan = self.plan;
        let workload = &plan.workloads[cell.workload];
        if workload.server().is_some() {
            return self.serve(cell, meta, workload);
        }
        let model = &plan.models[cell.model];
        let launch = self.setup.launcher.cell(
            &model.spec,
            model.interpreter.as_ref(),
            workload,
            cell.tasks,
            &self.setup.target,
        )?;
        self.observer.cell_started(&format!(
            "{} {} n={}",
            meta.workload,
            meta.model,
            format_count(meta.tasks)
        ));
        let timeout = self.plan.timeout_for(cell);
        let talk = parent::Talk {
            series_off: !self.plan.series,
            ..parent::Talk::default()
        };
        let mut result = parent::run_with(launch.command, launch.stdin, meta, timeout, self.stop, talk);
        if let Some(r) = &mut result {
            parent::judge_failed_tasks(r, plan.tolerate_failures);
        }
        Ok(result)
    }

    /// Run `workload` (the cell's, or a capacity probe's) as a server cell with its load
    /// generators; `None` when the sweep was stopped meanwhile.
    fn serve(
        &mut self,
        cell: &PlannedCell,
        meta: CellMeta,
        workload: &WorkloadSpec,
    ) -> Result<Option<CellResult>, SweepError> {
        let server = workload.server().expect("a server workload");
        let model = &self.plan.models[cell.model];
        let generators = match server.generators().min(meta.tasks) {
            0 | 1 => "load generator".to_string(),
            k => format!("{k} load generators"),
        };
        self.observer.cell_started(&format!(
            "{} {} n={} (+ {generators})",
            meta.workload,
            meta.model,
            format_count(meta.tasks)
        ));
        let served = ServerCell {
            launcher: &self.setup.launcher,
            model: &model.spec,
            interpreter: model.interpreter.as_ref(),
            workload,
            server,
            placement: &self.plan.placement,
            meta,
            timeout: self.plan.timeout_for(cell),
        }
        .run(self.stop)?;
        Ok(served.map(|mut r| {
            parent::judge_failed_tasks(&mut r, self.plan.tolerate_failures);
            r
        }))
    }

    fn record(&mut self, result: &CellResult) -> Result<(), SweepError> {
        // Lines say "[k/N]" over the measured cells: the baselines run first and print
        // no line of their own, so counting them would start the lines at "[5/8]".
        if !result.baseline {
            self.position += 1;
        }
        self.observer
            .cell_done(result, self.position, self.total)
            .map_err(SweepError::Record)
    }
}

/// Why a cell will not be run: its model already failed at fewer tasks, or arithmetic
/// says it cannot finish within the timeout the user set.
fn skip_reason(
    plan: &Plan,
    cell: &PlannedCell,
    failed_at: &HashMap<(usize, usize), (usize, String)>,
) -> Option<Failure> {
    if let Some(why) = mismatch(&plan.workloads[cell.workload], &plan.models[cell.model].spec) {
        return Some(Failure {
            kind: FailureKind::Unsupported,
            message: why,
            at_task: None,
            limit: None,
        });
    }
    if let Some((n, how)) = failed_at.get(&(cell.workload, cell.model)) {
        if *n < cell.tasks {
            return Some(Failure {
                kind: FailureKind::Skipped,
                message: format!(
                    "{} {how} at {} in this sweep",
                    plan.models[cell.model].name(),
                    crate::units::plural(*n, "task")
                ),
                at_task: None,
                limit: None,
            });
        }
    }
    let least = plan.least_time(cell);
    let skip = |what: String, limit: String| Failure {
        kind: FailureKind::PredictedTimeout,
        message: format!(
            "needs at least {} ({}, {} at a time, {} each), beyond {what}",
            format_secs(least.as_secs_f64()),
            crate::units::plural(cell.tasks, "task"),
            plan.models[cell.model].spec.queue_width().unwrap_or(cell.tasks),
            format_duration(plan.workloads[cell.workload].min_task_time(plan.urls().is_empty())),
        ),
        at_task: None,
        limit: Some(limit),
    };
    match (plan.cell_timeout, plan.skip_beyond) {
        (Some(timeout), _) if least > timeout => Some(skip(
            format!("the {} cell timeout", format_duration(timeout)),
            format!("--cell-timeout {}", format_duration(timeout)),
        )),
        (None, Some(budget)) if least > budget => Some(skip(
            format!("the {} a cell may take in this sweep", format_duration(budget)),
            format!("--cell-timeout, or --tasks {} to run it", cell.tasks),
        )),
        _ => None,
    }
}

/// The results document: the cells, the baselines and what they say.
fn finish(header: SweepHeader, cells: Vec<CellResult>, baselines: Vec<CellResult>, interrupted: bool) -> Results {
    analyze::document(header, cells, baselines, now_rfc3339(), interrupted)
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}
