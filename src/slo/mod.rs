//! Capacity at a service level objective (`bench --slo p99=50ms`): how much open-loop
//! load a server model takes before its clients' latency quantile breaks the objective.
//! A closed loop cannot answer that (it slows down with the server it measures); an
//! operator sizing a service asks exactly that.
//!
//! The search is pure logic over a probe function (`search`), the probe an ordinary
//! server cell at `rate=R` (`probe`); the sweep supplies the cell runner, so this module
//! never starts a process itself. Each probe runs at least 3 s; `CONLAB_SLO_MIN_PROBE`
//! (a duration) lowers that for tests only.

pub mod probe;
pub mod search;
pub mod spec;

pub use spec::{Quantile, Slo};

use crate::results::{Capacity, CapacitySearch, CellResult};
use crate::workload::WorkloadSpec;

/// Why `--slo` cannot run on these workloads, if it cannot: one line.
pub fn refuse(workloads: &[WorkloadSpec]) -> Option<String> {
    workloads
        .iter()
        .find(|w| !probe::searchable(w))
        .map(|w| format!("--slo needs a server workload with an open loop (serve-http, serve-app); {w} is not one"))
}

/// The document section for `slo`, before any search has run.
pub fn capacity(slo: &Slo) -> Capacity {
    Capacity {
        slo: slo.to_string(),
        quantile: slo.quantile.as_str().into(),
        limit_ms: slo.limit.as_secs_f64() * 1e3,
        error_budget: slo.errors,
        min_achieved: search::MIN_ACHIEVED,
        probe_s: probe::min_probe().as_secs_f64(),
        searches: Vec::new(),
        verdicts: Vec::new(),
    }
}

/// Which cell a search is for.
pub struct Target<'a> {
    pub workload: &'a WorkloadSpec,
    pub model: String,
    pub tasks: usize,
    pub repeat: usize,
}

/// Search `target`'s capacity at `slo`, running each probe with `run_cell` (the probe's
/// workload, `rate=R` in it, in; its cell out; `None` when the sweep was stopped, which
/// ends the search).
pub fn run<E>(
    slo: &Slo,
    target: &Target,
    mut run_cell: impl FnMut(&WorkloadSpec) -> Result<Option<CellResult>, E>,
) -> Result<CapacitySearch, E> {
    let w = target.workload;
    let generators = w.server().map(|s| s.generators()).unwrap_or(1);
    let bounds = search::Bounds::for_load(target.tasks, probe::service(w), generators);
    let duration = probe::probe_duration(w, probe::min_probe());
    let mut failed: Option<E> = None;
    let found = search::search(slo, &bounds, |rate| {
        let spec = probe::at_rate(w, rate, duration)?;
        match run_cell(&spec) {
            Ok(cell) => cell.map(|c| probe::measured(&c)),
            Err(e) => {
                failed = Some(e);
                None
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(CapacitySearch {
        workload: w.to_string(),
        model: target.model.clone(),
        tasks: target.tasks,
        repeat: target.repeat,
        capacity_rps: found.capacity.map(|r| r as f64),
        failed_at_rps: found.failed_at.map(|r| r as f64),
        end: found.end,
        probes: found.probes,
    })
}
