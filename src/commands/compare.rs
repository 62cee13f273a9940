//! `conlab compare A B`: the same cells of two result files, B against A, as a table or
//! JSON. Two ways to gate CI on it: by default exit 3 when B regressed at all (slower
//! beyond the noise, or failing where A did not); with `--fail-if-slower PCT`, exit 1
//! only when a cell is slower beyond PCT as well, or fails where A did not.

use super::shared::{load_results, print_out, user_path};
use crate::analyze::compare::compare;
use crate::cli::CompareArgs;
use crate::report;

/// Exit code when B regressed: slower than A beyond the noise somewhere, or failing where
/// A did not (0: no regression; 1 and 2 keep their meaning).
pub const REGRESSED: i32 = 3;

/// Exit code when `--fail-if-slower` trips: the usual code of a failed check in CI.
pub const GATE_FAILED: i32 = 1;

pub fn run(args: &CompareArgs) -> anyhow::Result<i32> {
    let (a, b) = (&args.a, &args.b);
    let (ra, rb) = (load_results(a)?.results, load_results(b)?.results);
    let c = compare(&ra, &rb);
    let text = report::compare::render(args.format, a, b, &c);
    match &args.output {
        Some(path) => user_path(std::fs::write(path, text), "cannot write", path)?,
        None => print_out(&text)?,
    }
    let Some(share) = args.fail_if_slower else {
        return Ok(if c.regressed { REGRESSED } else { 0 });
    };
    let regressions = c.regressions_beyond(share);
    if regressions.is_empty() {
        return Ok(0);
    }
    eprintln!(
        "conlab: B is worse than A beyond {}% and the noise in {}: {}",
        share * 100.0,
        crate::units::plural(regressions.len(), "cell"),
        regressions.join("; ")
    );
    Ok(GATE_FAILED)
}
