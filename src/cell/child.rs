//! The child side of a cell: `conlab cell SPEC_JSON` runs the tasks and prints one line.
//!
//! It prints exactly one JSON line on stdout and nothing else, and leaves without running
//! destructors (a million task records need no freeing), so the parent's wall time is
//! the work plus process start and exit, not teardown.

use std::io::Write;

use super::{CellRun, CellSpec};
use crate::{model, workload};

/// Run the cell described by `spec_json`; returns the process exit code.
pub fn run(spec_json: &str) -> i32 {
    let spec: CellSpec = match serde_json::from_str(spec_json) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("conlab cell: bad cell spec: {e}");
            return 2;
        }
    };
    let (work, model) = match (
        workload::parse_for(&spec.workload, &spec.target),
        model::parse(&spec.model),
    ) {
        (Ok(w), Ok(m)) => (w, m),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("conlab cell: {e}");
            return 2;
        }
    };
    let mut run = CellRun::new();
    run.target = spec.target.clone();
    let work = work.prepare().unwrap_or(work);
    let client = work.client(model.is_async());
    let outcome = model.run(work, spec.tasks, &mut run);
    let concurrency = model.queue_width().map_or(spec.tasks, |w| w.min(spec.tasks));
    let report = run.report(outcome.err(), model.describe(spec.tasks), client, concurrency);
    let line = serde_json::to_string(&report).expect("a report always serializes");
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        return 1;
    }
    0
}
