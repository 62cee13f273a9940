//! conlab as a library: sweep *your* Rust workload under every Rust model, with the same
//! isolation and measurement as `conlab bench`.
//!
//! conlab measures each cell in a process of its own, so the cell process must be able to
//! build your workload. With a library there is only one program that can: yours. So your
//! binary plays both parts, as a test harness does: [`Lab::main`] at the top of `main`
//! either runs the one cell (or `rs-process` worker) it was re-executed for and exits, or
//! runs the sweep, re-executing itself for every cell, and prints the table.
//!
//! ```no_run
//! use conlab::{Lab, TaskCtx, TaskFuture, TaskResult, Workload};
//!
//! struct Nap(std::time::Duration);
//!
//! impl Workload for Nap {
//!     fn run_blocking(&self, _task: &TaskCtx) -> TaskResult {
//!         std::thread::sleep(self.0);
//!         Ok(0)
//!     }
//!     fn run_async<'a>(&'a self, _task: &'a TaskCtx) -> TaskFuture<'a> {
//!         TaskFuture::sleep(self.0)
//!     }
//! }
//!
//! fn main() {
//!     Lab::new()
//!         .workload("nap:20", |ms: &str| Ok(Nap(std::time::Duration::from_millis(ms.parse()?))))
//!         .tasks(&[10, 100])
//!         .main();
//! }
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::measure::{env::Environment, limits};
use crate::model::ModelSpec;
use crate::params::SpecError;
use crate::plan::{Plan, PlanError, PlanRequest};
use crate::report::{screen, terminal};
use crate::results::{CellResult, Results};
use crate::sweep::{self, Observer, SweepError};
pub use crate::workload::custom::BuildError;
use crate::workload::custom::{self, Registered};
use crate::workload::{CustomSpec, Workload, WorkloadSpec, REGISTRY};

/// The Rust models a [`Lab`] sweeps unless told otherwise: all five.
pub const RUST_MODELS: &[&str] = &["rs-thread", "rs-pool", "rs-async", "rs-async-st", "rs-process"];

/// The task counts a [`Lab`] sweeps unless told otherwise.
pub const DEFAULT_TASKS: &[usize] = &[10, 100, 1_000];

/// Set once this process has registered its workloads and was not asked to be a cell:
/// only then may it start a sweep (a cell that started one would re-execute itself
/// without end).
static ENTERED: AtomicBool = AtomicBool::new(false);

/// Why a [`Lab`] sweep could not run.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// A workload name clashes with conlab's own or cannot be written in a spec.
    #[error("workload name '{0}': {1}")]
    Name(String, &'static str),
    /// A workload or model spec that does not parse, or a builder that refused its
    /// parameters.
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// The binary cannot find itself to re-execute for the cells.
    #[error("cannot find this program's executable: {0}")]
    Exe(std::io::Error),
    /// [`Lab::sweep`] was called before [`Lab::enter`] (or in a cell process).
    #[error(
        "call Lab::enter() (or Lab::main()) at the top of main before Lab::sweep(): the cells re-execute this binary"
    )]
    NotEntered,
}

/// A sweep of user-defined workloads under conlab's Rust models, built step by step.
pub struct Lab {
    registered: Vec<Registered>,
    /// What to sweep, as specs (`name` or `name:params`).
    specs: Vec<String>,
    names_wrong: Vec<(String, &'static str)>,
    models: Vec<String>,
    tasks: Vec<usize>,
    repeat: usize,
    cell_timeout: Option<Duration>,
    out: Option<PathBuf>,
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl Lab {
    /// A lab with no workloads yet, the five Rust models, tasks 10, 100 and 1,000, one run
    /// each.
    pub fn new() -> Lab {
        Lab {
            registered: Vec::new(),
            specs: Vec::new(),
            names_wrong: Vec::new(),
            models: RUST_MODELS.iter().map(|m| m.to_string()).collect(),
            tasks: DEFAULT_TASKS.to_vec(),
            repeat: 1,
            cell_timeout: None,
            out: None,
        }
    }

    /// Register a workload and sweep it. `spec` is `name` or `name:params`; `build` turns
    /// the params (the text after `:`, empty if none) into the workload. It runs in every
    /// cell process, before the ready mark, and once in the sweeping process to check the
    /// params before any cell starts. Results name the workload by `spec`.
    pub fn workload<W, F>(mut self, spec: &str, build: F) -> Lab
    where
        W: Workload,
        F: Fn(&str) -> Result<W, BuildError> + Send + Sync + 'static,
    {
        let name = spec.split_once(':').map_or(spec, |(n, _)| n).trim().to_string();
        if let Some(why) = name_problem(&name) {
            self.names_wrong.push((name.clone(), why));
        }
        self.registered.push(Registered {
            name,
            builder: Arc::new(move |params: &str| build(params).map(|w| Arc::new(w) as Arc<dyn Workload>)),
        });
        self.specs.push(spec.trim().to_string());
        self
    }

    /// The models to sweep, as `conlab bench --models` takes them (`rs-pool:size=8`).
    pub fn models(mut self, models: &[&str]) -> Lab {
        self.models = models.iter().map(|m| m.to_string()).collect();
        self
    }

    /// The task counts to sweep.
    pub fn tasks(mut self, tasks: &[usize]) -> Lab {
        self.tasks = tasks.to_vec();
        self
    }

    /// Runs of each (workload, model, tasks), interleaved across models.
    pub fn repeat(mut self, runs: usize) -> Lab {
        self.repeat = runs.max(1);
        self
    }

    /// Kill a cell after this long (default: 60 s beyond its least time).
    pub fn cell_timeout(mut self, timeout: Duration) -> Lab {
        self.cell_timeout = Some(timeout);
        self
    }

    /// Also write the results document (what `conlab report` and `compare` read) to
    /// `DIR/results.json`.
    pub fn out(mut self, dir: impl Into<PathBuf>) -> Lab {
        self.out = Some(dir.into());
        self
    }

    /// Register the workloads in this process and, when it was re-executed as a cell or a
    /// worker (`argv[1]` is `cell` or `worker`), run that and exit. Returns otherwise:
    /// this process is the one that sweeps. Call it first thing in `main`.
    pub fn enter(&self) {
        custom::install(self.registered.clone());
        let args: Vec<String> = std::env::args().collect();
        if args.len() == 2 {
            match args[1].as_str() {
                "cell" => std::process::exit(crate::cell::child::run(std::io::stdin())),
                "worker" => std::process::exit(crate::model::run_worker(std::io::stdin().lock())),
                _ => {}
            }
        }
        crate::sweep::few_malloc_arenas();
        ENTERED.store(true, Ordering::SeqCst);
    }

    /// Run the sweep (after [`Lab::enter`]): every workload under every model at every
    /// task count, each cell in a re-execution of this binary, measured by conlab's
    /// parent side. Progress goes to stderr, one line per cell.
    pub fn sweep(&self) -> Result<Results, LabError> {
        if !ENTERED.load(Ordering::SeqCst) {
            return Err(LabError::NotEntered);
        }
        if let Some((name, why)) = self.names_wrong.first() {
            return Err(LabError::Name(name.clone(), why));
        }
        let mut workloads = Vec::new();
        for spec in &self.specs {
            // Registered by `enter`: the first lab of the process is the one that counts.
            let custom = CustomSpec::parse(spec).ok_or(LabError::NotEntered)?;
            // The params are checked here, once, so a typo costs no cell.
            custom.build()?;
            workloads.push(WorkloadSpec::Custom(custom));
        }
        let models = self
            .models
            .iter()
            .map(|m| m.parse::<ModelSpec>())
            .collect::<Result<Vec<_>, _>>()?;
        let mut request = PlanRequest::new(workloads, Some(models), self.tasks.clone());
        request.repeat = self.repeat;
        request.cell_timeout = self.cell_timeout;
        request.out.clone_from(&self.out);
        let plan = Plan::new(request)?;
        let exe = std::env::current_exe().map_err(LabError::Exe)?;
        let stop = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
        }
        let env = Environment::probe(limits::raise_nofile());
        let results = sweep::run(&plan, env, &exe, &mut Lines, &stop)?;
        if let Some(dir) = &self.out {
            std::fs::create_dir_all(dir)
                .and_then(|()| crate::report::json::write_results(&dir.join("results.json"), &results))
                .map_err(|e| LabError::Sweep(SweepError::Record(e)))?;
        }
        Ok(results)
    }

    /// The whole program: [`Lab::enter`], [`Lab::sweep`], the terminal table on stdout,
    /// and exit (0: the sweep ran, whatever its cells did; 1: it could not run).
    pub fn main(self) -> ! {
        self.enter();
        match self.sweep() {
            Ok(results) => {
                print!(
                    "{}",
                    terminal::render_with(&results, screen::colour_wanted(), screen::width())
                );
                std::process::exit(0)
            }
            Err(e) => {
                eprintln!("conlab: {e}");
                std::process::exit(1)
            }
        }
    }
}

/// Why `name` cannot name a user's workload, if it cannot.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Some("use letters, digits, '-' and '_'");
    }
    if REGISTRY.iter().any(|w| w.name == name) {
        return Some("conlab has a workload of that name");
    }
    None
}

/// Progress for a lab's sweep: one line per measured cell on stderr.
struct Lines;

impl Observer for Lines {
    fn note(&mut self, line: &str) {
        eprintln!("conlab: {line}");
    }

    fn cell_done(&mut self, cell: &CellResult, position: usize, total: usize) -> std::io::Result<()> {
        if !cell.baseline {
            eprintln!("{}", terminal::cell_line(cell, position, total));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_be_ambiguous_are_refused() {
        assert_eq!(name_problem("hash-sleep"), None);
        assert!(name_problem("sleep").unwrap().contains("conlab has"));
        assert!(name_problem("a,b").is_some());
        assert!(name_problem("").is_some());
    }
}
