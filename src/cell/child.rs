//! The child side of a cell: `conlab cell SPEC_JSON` runs the tasks and prints one line.
//!
//! It prints exactly one JSON line on stdout and nothing else, and leaves without running
//! destructors (a million task records need no freeing), so the parent's wall time is
//! the work plus process start and exit, not teardown.

use std::io::{Read, Write};

use super::{CellRun, CellSpec};

/// Run the cell whose [`CellSpec`] arrives as JSON on `input` (the process's stdin);
/// returns the process exit code.
pub fn run(input: impl Read) -> i32 {
    let spec: CellSpec = match serde_json::from_reader(input) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("conlab cell: bad cell spec on stdin: {e}");
            return 2;
        }
    };
    let work = match spec.workload.build(&spec.target) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("conlab cell: {e}");
            return 2;
        }
    };
    let model = spec.model.model();
    let mut run = CellRun::new();
    let client = work.client(spec.model.is_async());
    let outcome = model.run(work, &spec, &mut run);
    let concurrency = spec.model.queue_width().map_or(spec.tasks, |w| w.min(spec.tasks));
    let report = run.report(outcome.err(), model.describe(spec.tasks), client, concurrency);
    let line = serde_json::to_string(&report).expect("a report always serializes");
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        return 1;
    }
    0
}
