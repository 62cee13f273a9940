//! A sweep plan: typed requests (workloads, models, task counts) turned into the list of
//! cells to run, in the order that spreads drift evenly (for each task count, repeats
//! interleave the models: A B C A B C), each model with the interpreter it runs under and
//! each cell with the timeout it gets. Everything is checked here, once; nothing
//! downstream re-validates.
//!
//! A plan can be cut into N slices (`--shard K/N`) so that N machines run it together,
//! each one cell at a time. The slice unit is the *round*: one repeat of every model at
//! one (workload, task count), in the interleaved order A B C. Rounds are dealt out
//! round-robin (round r to slice r mod N), from the plan alone, so every host computes
//! the same slices. A round is the smallest unit that keeps the point of interleaving
//! (every model measured back to back on the same machine, so drift hits all alike);
//! dealing rounds rather than whole task counts spreads the repeats of a large count
//! over machines, which balances the slices and lets the spread of repeats include the
//! machines'. Each slice runs the baselines of the models it measures (all of them,
//! unless it holds no round). One thing a slice cannot know: that a model already failed
//! at a smaller count in another slice; it tries, and the merged analysis reports the
//! smallest failing count all the same.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::launch::hosts::Placement;
use crate::launch::python::{self, PythonError};
use crate::measure::env::Interpreter;
use crate::model::{ModelSpec, REGISTRY};
use crate::results::Shard;
use crate::slo::Slo;
use crate::workload::{self, Needs, UrlError, WorkloadSpec};

/// The workloads of the no-argument sweep.
pub const DEFAULT_WORKLOADS: &[&str] = &["http:latency=50ms", "sleep:1s"];

/// The task counts each default workload runs at in the no-argument sweep: the cells
/// that carry its story in under a minute, three runs each. The fan-out at 10, 1,000 and
/// 5,000 requests (the article's 10 and "1000+") shows where every model stands, where
/// threads fall behind and where pools and processes queue; 1,000 sleeping tasks (with
/// each model's empty baseline) give memory per task where the article puts its "1-8 GB
/// for 1000 threads". `--full` runs every count from 1 to 1,000,000.
pub const DEFAULT_SWEEP_TASKS: &[&[usize]] = &[&[10, 1_000, 5_000], &[1_000]];

/// The Python models the no-argument sweep adds when a `python3` is found.
pub const DEFAULT_PYTHON_MODELS: &[&str] = &["py-thread", "py-pool", "py-asyncio"];

/// The models a sweep of only the user's web apps (`serve-app`) runs when none are given:
/// the stacks that serve an app, those of its interface kept.
pub const APP_STACKS: &[&str] = &[
    "py-asyncio+uvicorn",
    "py-thread+http.server",
    "py-pool+gunicorn",
    "py-process+gunicorn",
    "py-gevent+gunicorn",
];

/// The default task counts.
pub const DEFAULT_TASKS: &[usize] = &[10, 100, 1_000, 10_000];
pub const QUICK_TASKS: &[usize] = &[10, 100, 1_000];
pub const FULL_TASKS: &[usize] = &[1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
/// What a cell gets when the user sets no timeout, beyond its queue's least time.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The no-argument sweep's budget per cell: it keeps `conlab bench` to about a minute by
/// skipping, up front, queueing cells that arithmetic says would take longer (a pool of
/// 6 draining 1,000 requests of 50 ms takes 8.3 s; it is shown as skipped, with why).
/// Cells that run keep the usual timeout.
pub const DEFAULT_SWEEP_BUDGET: Duration = Duration::from_secs(5);
/// The same budget for `--quick` and `--full` without workloads or models.
pub const FULL_SWEEP_BUDGET: Duration = Duration::from_secs(20);

/// A plan that cannot be made, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    // Each variant shows its cause in the message and so does not also expose it as the
    // source: a chain printed with `{:#}` names each cause once.
    #[error("--target: {0}")]
    Target(UrlError),
    #[error("cannot read {path}: {error}")]
    UrlFile { path: PathBuf, error: std::io::Error },
    #[error("{path}:{line}: {error}")]
    UrlLine {
        path: PathBuf,
        line: usize,
        error: UrlError,
    },
    #[error("{0} holds no URLs")]
    NoUrls(PathBuf),
    #[error("no models left to run: {0}")]
    NoModels(String),
    #[error("no workloads to run")]
    NoWorkloads,
    #[error("no task counts to run")]
    NoTasks,
    #[error("{0}")]
    Placement(String),
    #[error("{0}")]
    Slo(String),
}

/// Where the I/O workloads send their traffic.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TargetChoice {
    /// conlab's own server, started for the sweep.
    #[default]
    Own,
    /// One URL (`--target`).
    Url(String),
    /// A URL list (`--urls FILE`), as read.
    Urls { file: PathBuf, urls: Vec<String> },
}

/// What a sweep is asked to run, as typed values.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub workloads: Vec<WorkloadSpec>,
    /// `None`: every Rust model, and the default Python models when a Python is found.
    pub models: Option<Vec<ModelSpec>>,
    pub tasks: Vec<usize>,
    /// Workloads that run at other counts than `tasks`, with theirs.
    pub tasks_of: Vec<(WorkloadSpec, Vec<usize>)>,
    pub repeat: usize,
    /// The cell timeout; `None`: 60 s beyond each cell's least time.
    pub cell_timeout: Option<Duration>,
    /// Skip, up front, cells whose least time by arithmetic is beyond this.
    pub skip_beyond: Option<Duration>,
    /// The share of a cell's tasks that may fail before it ends `errors` (0 to 1).
    pub tolerate_failures: f64,
    pub target: TargetChoice,
    /// Interpreters for the Python models (`python3` when empty).
    pub pythons: Vec<String>,
    /// The command line, recorded with the results.
    pub command: String,
    /// Where the results go, recorded with them.
    pub out: Option<PathBuf>,
    /// The slice to run (`--shard K/N`); `None`: the whole plan.
    pub shard: Option<Shard>,
    /// Where server cells listen and their generators run.
    pub placement: Placement,
    /// Keep each cell's series over time (`--no-series` clears it).
    pub series: bool,
    /// Search each server cell's capacity at this objective (`--slo`) instead of running
    /// it once.
    pub slo: Option<Slo>,
}

impl PlanRequest {
    /// A request for these workloads, models and task counts, everything else default.
    pub fn new(workloads: Vec<WorkloadSpec>, models: Option<Vec<ModelSpec>>, tasks: Vec<usize>) -> Self {
        PlanRequest {
            workloads,
            models,
            tasks,
            tasks_of: Vec::new(),
            repeat: 1,
            cell_timeout: None,
            skip_beyond: None,
            tolerate_failures: 0.0,
            target: TargetChoice::Own,
            pythons: Vec::new(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            out: None,
            shard: None,
            placement: Placement::default(),
            series: true,
            slo: None,
        }
    }
}

/// A model as the sweep runs it: its spec and, for a Python model, its interpreter.
#[derive(Debug, Clone)]
pub struct PlannedModel {
    pub spec: ModelSpec,
    pub interpreter: Option<Interpreter>,
}

impl PlannedModel {
    /// The name results carry (`py3.13-asyncio` when several interpreters run).
    pub fn name(&self) -> String {
        self.spec.to_string()
    }
}

pub struct Plan {
    pub workloads: Vec<WorkloadSpec>,
    pub models: Vec<PlannedModel>,
    /// Every task count of the plan.
    pub tasks: Vec<usize>,
    /// The task counts of each workload (most run all of `tasks`), sorted.
    pub workload_tasks: Vec<Vec<usize>>,
    pub repeat: usize,
    /// The timeout the user set, if any.
    pub cell_timeout: Option<Duration>,
    /// The no-argument sweeps' budget: cells that need longer by arithmetic are skipped.
    pub skip_beyond: Option<Duration>,
    /// The share of a cell's tasks that may fail before it ends `errors`.
    pub tolerate_failures: f64,
    pub target: TargetChoice,
    /// The interpreters in use.
    pub pythons: Vec<Interpreter>,
    /// One line each about what was left out and why (missing Python, libraries).
    pub notes: Vec<String>,
    pub command: String,
    pub out: Option<PathBuf>,
    /// The slice this sweep runs; `None`: the whole plan.
    pub shard: Option<Shard>,
    /// Where server cells listen and their generators run.
    pub placement: Placement,
    /// Keep each cell's series over time: the parent's thinned samples and the child's
    /// task bins. A measurement option, not part of the plan's fingerprint.
    pub series: bool,
    /// The objective each server cell's capacity is searched at (`--slo`).
    pub slo: Option<Slo>,
}

/// One cell to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannedCell {
    pub workload: usize,
    pub model: usize,
    pub tasks: usize,
    pub repeat: usize,
}

/// Why `model` cannot run `workload` at all, if it cannot: the user's Python task under
/// a Rust model, a task without the function a Python model needs, a Rust workload of
/// the user's own binary under a Python model, a server stack (`+uvicorn`, `+gunicorn`,
/// `+http.server`; aiohttp.web) on anything but `serve-http`, the user's web app
/// (`serve-app`) on a model that is not a stack of its interface. Such cells are skipped
/// with this reason.
pub fn mismatch(workload: &WorkloadSpec, model: &ModelSpec) -> Option<String> {
    match (workload, model) {
        (WorkloadSpec::PyTask(_), ModelSpec::Rust { .. }) => {
            Some("py-task is Python code: Rust models cannot run it".into())
        }
        (WorkloadSpec::PyTask(task), ModelSpec::Python(_)) => task.missing_for(model.is_async()),
        (WorkloadSpec::Custom(w), ModelSpec::Python(_)) => Some(format!(
            "{} is Rust code of this binary: Python models cannot run it",
            w.name
        )),
        (WorkloadSpec::ServeHttp(_), ModelSpec::Python(_)) => None,
        (WorkloadSpec::ServeApp(app), _) => app_misfit(app, model),
        (w, ModelSpec::Python(py)) if py.is_server_stack() || (py.lib == Some("aiohttp") && w.server().is_some()) => {
            Some(format!(
                "{model} is an HTTP server stack: it serves serve-http, not {}",
                w.family()
            ))
        }
        _ => None,
    }
}

/// Why `model` cannot serve the user's app: it is not a Python stack speaking the app's
/// interface (ASGI or WSGI).
fn app_misfit(app: &crate::workload::ServeApp, model: &ModelSpec) -> Option<String> {
    let serves = match model {
        ModelSpec::Python(py) => py.app_interface(),
        ModelSpec::Rust { .. } => None,
    };
    if serves == Some(app.interface) {
        return None;
    }
    let (name, stacks) = match app.interface {
        crate::workload::AppInterface::Asgi => ("an ASGI", "py-asyncio+uvicorn"),
        crate::workload::AppInterface::Wsgi => (
            "a WSGI",
            "py-pool+gunicorn, py-process+gunicorn, py-gevent+gunicorn, py-thread+http.server",
        ),
    };
    Some(format!("{model} does not serve {name} app (stacks that do: {stacks})"))
}

/// Probe the interpreters to use (`paths`, or `python3`); a note for each one that
/// cannot be used.
fn find_pythons(paths: &[String]) -> (Vec<Interpreter>, Vec<String>) {
    let candidates: Vec<String> = if paths.is_empty() {
        vec!["python3".into()]
    } else {
        paths.to_vec()
    };
    let (mut found, mut notes) = (Vec::new(), Vec::new());
    for path in candidates {
        match python::probe(&path) {
            Ok(i) if !found.iter().any(|f: &Interpreter| f.version == i.version) => found.push(i),
            Ok(_) => {}
            Err(PythonError { path, why }) => notes.push(format!("Python models skipped for {path}: {why}")),
        }
    }
    (found, notes)
}

/// Give every Python model its interpreter: one copy per interpreter (named with its
/// version) when there are several; none, with a note, when there is no usable one, the
/// model's library (or gevent) is not installed, or the interpreter is older than the
/// model needs (`eager=true`: 3.12).
fn expand_python(requested: Vec<ModelSpec>, pythons: &[Interpreter], notes: &mut Vec<String>) -> Vec<PlannedModel> {
    let mut models: Vec<PlannedModel> = Vec::new();
    let mut push = |m: PlannedModel| {
        if !models.iter().any(|x| x.spec == m.spec) {
            models.push(m);
        }
    };
    for m in requested {
        let ModelSpec::Python(py) = &m else {
            push(PlannedModel {
                spec: m,
                interpreter: None,
            });
            continue;
        };
        let matching: Vec<&Interpreter> = pythons
            .iter()
            .filter(|i| py.version.as_ref().is_none_or(|v| &i.short == v || &i.version == v))
            .collect();
        if matching.is_empty() {
            if !pythons.is_empty() || py.version.is_some() {
                notes.push(format!(
                    "{m} skipped: no Python {} given",
                    py.version.clone().unwrap_or_default()
                ));
            }
            continue;
        }
        for i in matching {
            if let Some(lib) = py.libraries().into_iter().find(|l| !i.libraries.contains_key(*l)) {
                notes.push(format!(
                    "{m} skipped: {lib} is not installed for {} ({})",
                    i.path, i.version
                ));
                continue;
            }
            if let Some(((major, minor), why)) = py.min_python().filter(|(v, _)| !at_least(i, *v)) {
                notes.push(format!(
                    "{m} skipped: {why}, Python {major}.{minor} or later; {} is {}",
                    i.path, i.version
                ));
                continue;
            }
            let version = (pythons.len() > 1).then(|| i.short.clone());
            push(PlannedModel {
                spec: ModelSpec::Python(py.with_version(version.or(py.version.clone()))),
                interpreter: Some(i.clone()),
            });
        }
    }
    models
}

/// Whether the interpreter's version is `(major, minor)` or later (an unreadable version
/// counts as older).
fn at_least(i: &Interpreter, (major, minor): (u32, u32)) -> bool {
    let mut parts = i.short.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
}

/// Read a URL list: one URL per line, blank lines and `#` comments allowed. A bad line is
/// an error naming the file and the line.
pub fn read_url_list(path: &Path) -> Result<Vec<String>, PlanError> {
    let text = std::fs::read_to_string(path).map_err(|error| PlanError::UrlFile {
        path: path.to_path_buf(),
        error,
    })?;
    let mut urls = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        workload::check_url(line).map_err(|error| PlanError::UrlLine {
            path: path.to_path_buf(),
            line: i + 1,
            error,
        })?;
        urls.push(line.to_string());
    }
    if urls.is_empty() {
        return Err(PlanError::NoUrls(path.to_path_buf()));
    }
    Ok(urls)
}

/// The default workloads, parsed.
pub fn default_workloads() -> Vec<WorkloadSpec> {
    DEFAULT_WORKLOADS
        .iter()
        .map(|w| w.parse().expect("the default workloads parse"))
        .collect()
}

impl Plan {
    pub fn new(request: PlanRequest) -> Result<Plan, PlanError> {
        if let TargetChoice::Url(url) = &request.target {
            workload::check_url(url).map_err(PlanError::Target)?;
        }
        if request.tasks.is_empty() {
            return Err(PlanError::NoTasks);
        }
        let mut workloads: Vec<WorkloadSpec> = Vec::new();
        for w in request.workloads {
            if !workloads.contains(&w) {
                workloads.push(w);
            }
        }
        if workloads.is_empty() {
            return Err(PlanError::NoWorkloads);
        }
        request.placement.check(&workloads).map_err(PlanError::Placement)?;
        if let Some(why) = request.slo.as_ref().and_then(|_| crate::slo::refuse(&workloads)) {
            return Err(PlanError::Slo(why));
        }
        let defaults = request.models.is_none();
        let apps_only = workloads.iter().all(|w| matches!(w, WorkloadSpec::ServeApp(_)));
        let requested: Vec<ModelSpec> = match request.models {
            Some(list) => list,
            None if apps_only => APP_STACKS
                .iter()
                .map(|m| m.parse::<ModelSpec>().expect("app stacks parse"))
                .filter(|m| workloads.iter().any(|w| mismatch(w, m).is_none()))
                .collect(),
            None => REGISTRY
                .iter()
                .map(|m| m.name.parse().expect("registered models parse"))
                .collect(),
        };
        let wants_python = defaults || requested.iter().any(ModelSpec::is_python);
        let (pythons, mut notes) = match wants_python {
            true => find_pythons(&request.pythons),
            false => (Vec::new(), Vec::new()),
        };
        let mut requested = requested;
        if defaults && !apps_only && !pythons.is_empty() {
            requested.extend(
                DEFAULT_PYTHON_MODELS
                    .iter()
                    .map(|m| m.parse::<ModelSpec>().expect("default Python models parse")),
            );
        }
        let models = expand_python(requested, &pythons, &mut notes);
        if models.is_empty() {
            return Err(PlanError::NoModels(notes.join("; ")));
        }
        let sorted = |mut tasks: Vec<usize>| {
            tasks.sort_unstable();
            tasks.dedup();
            tasks
        };
        let workload_tasks: Vec<Vec<usize>> = workloads
            .iter()
            .map(|w| {
                let own = request.tasks_of.iter().find(|(spec, _)| spec == w);
                sorted(own.map_or_else(|| request.tasks.clone(), |(_, t)| t.clone()))
            })
            .collect();
        if workload_tasks.iter().any(Vec::is_empty) {
            return Err(PlanError::NoTasks);
        }
        let tasks = sorted(workload_tasks.concat());
        Ok(Plan {
            workloads,
            models,
            tasks,
            workload_tasks,
            repeat: request.repeat.max(1),
            cell_timeout: request.cell_timeout,
            skip_beyond: request.skip_beyond,
            tolerate_failures: request.tolerate_failures.clamp(0.0, 1.0),
            target: request.target,
            pythons,
            notes,
            command: request.command,
            out: request.out,
            shard: request.shard,
            placement: request.placement,
            series: request.series,
            slo: request.slo,
        })
    }

    /// The URLs the user gave (empty: conlab's own server).
    pub fn urls(&self) -> &[String] {
        match &self.target {
            TargetChoice::Own => &[],
            TargetChoice::Url(url) => std::slice::from_ref(url),
            TargetChoice::Urls { urls, .. } => urls,
        }
    }

    /// Where the URLs came from, for the record.
    pub fn urls_source(&self) -> Option<String> {
        match &self.target {
            TargetChoice::Own => None,
            TargetChoice::Url(url) => Some(format!("--target {url}")),
            TargetChoice::Urls { file, urls } => Some(format!("--urls {} ({} URLs)", file.display(), urls.len())),
        }
    }

    /// Whether the sweep needs conlab's own server.
    pub fn needs_own_server(&self) -> bool {
        self.workloads.iter().any(|w| match w.needs() {
            Needs::Http => self.urls().is_empty(),
            Needs::Tcp => true,
            Needs::Nothing => false,
        })
    }

    /// Whether a workload is the user's own Rust code (registered through
    /// [`crate::lab::Lab`]), so cells must run in the user's binary.
    pub fn runs_custom(&self) -> bool {
        self.workloads.iter().any(|w| matches!(w, WorkloadSpec::Custom(_)))
    }

    /// Whether any model runs in the Python driver.
    pub fn needs_python(&self) -> bool {
        self.models.iter().any(|m| m.interpreter.is_some())
    }

    /// Every (workload, tasks) of the plan, in run order.
    fn points(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.workload_tasks
            .iter()
            .enumerate()
            .flat_map(|(w, counts)| counts.iter().map(move |&n| (w, n)))
    }

    /// Every cell in run order.
    pub fn cells(&self) -> Vec<PlannedCell> {
        let mut cells = Vec::new();
        for (workload, tasks) in self.points() {
            for repeat in 0..self.repeat {
                for model in 0..self.models.len() {
                    cells.push(PlannedCell {
                        workload,
                        model,
                        tasks,
                        repeat,
                    });
                }
            }
        }
        cells
    }

    /// The round a cell belongs to: one repeat of every model at one (workload, tasks).
    fn round(&self, cell: &PlannedCell) -> usize {
        let point = self
            .points()
            .position(|p| p == (cell.workload, cell.tasks))
            .unwrap_or(0);
        point * self.repeat + cell.repeat
    }

    /// The workloads that run at other counts than every one of the plan's, with theirs.
    pub fn tasks_of(&self) -> std::collections::BTreeMap<String, Vec<usize>> {
        self.workloads
            .iter()
            .zip(&self.workload_tasks)
            .filter(|(_, counts)| **counts != self.tasks)
            .map(|(w, counts)| (w.to_string(), counts.clone()))
            .collect()
    }

    /// The cells this sweep runs, in run order: every cell, or those of its shard's rounds.
    pub fn shard_cells(&self) -> Vec<PlannedCell> {
        let mut cells = self.cells();
        if let Some(shard) = self.shard {
            cells.retain(|c| shard.holds(self.round(c)));
        }
        cells
    }

    /// The models whose baseline this sweep runs: those its cells measure.
    pub fn baseline_models(&self) -> Vec<usize> {
        let cells = self.shard_cells();
        (0..self.models.len())
            .filter(|m| cells.iter().any(|c| c.model == *m))
            .collect()
    }

    /// A hash of the canonical plan, the same on every host that runs it: what `conlab
    /// merge` checks before putting shards or runs together. Not in it: the command
    /// line, the output directory and the shard, which differ between the parts of one
    /// plan.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let mut canonical = serde_json::json!({
            "workloads": self.workloads.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            "models": self.models.iter().map(|m| m.name()).collect::<Vec<_>>(),
            "tasks": self.tasks,
            "repeat": self.repeat,
            "cell_timeout_s": self.cell_timeout.map(|d| d.as_secs_f64()),
            "tolerate_failures": self.tolerate_failures,
            "urls": self.urls(),
        });
        // Only where workloads differ, so plans from before per-workload counts keep theirs.
        let tasks_of = self.tasks_of();
        if !tasks_of.is_empty() {
            canonical["tasks_of"] = serde_json::json!(tasks_of);
        }
        if let Some(budget) = self.skip_beyond {
            canonical["skip_beyond_s"] = serde_json::json!(budget.as_secs_f64());
        }
        // Only when given, so plans with their generators beside the server keep theirs;
        // the listening port is not part of it (0 picks one per cell).
        if !self.placement.is_default() {
            canonical["listen"] = serde_json::json!(self.placement.listen.ip().to_string());
            canonical["generator_hosts"] = serde_json::json!(self.placement.host_names());
        }
        // A capacity search answers another question than a plain run of the same cells.
        if let Some(slo) = &self.slo {
            canonical["slo"] = serde_json::json!(slo.to_string());
        }
        let digest = sha2::Sha256::digest(canonical.to_string().as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The least time a cell can take by arithmetic: queueing models run at most
    /// `width` tasks at once, each taking at least the workload's waits.
    pub fn least_time(&self, cell: &PlannedCell) -> Duration {
        let workload = &self.workloads[cell.workload];
        let per_task = workload.min_task_time(self.urls().is_empty());
        // A server's clients hold their connections for the duration, however few the
        // server serves at once: the queued ones are served once they let go.
        if workload.server().is_some() {
            return per_task;
        }
        match self.models[cell.model].spec.queue_width() {
            Some(width) if width > 0 => per_task * cell.tasks.div_ceil(width) as u32,
            _ => per_task,
        }
    }

    /// The timeout a cell runs under: the user's, or 60 s beyond its least time.
    pub fn timeout_for(&self, cell: &PlannedCell) -> Duration {
        self.cell_timeout.unwrap_or(DEFAULT_TIMEOUT + self.least_time(cell))
    }
}

#[cfg(test)]
mod tests;
