//! `conlab compare A B`: the same cells of two result files, B against A; exits 3 when B
//! regressed, so a CI job can gate on it.

use std::path::Path;

use super::{load_results, print_out};
use crate::analyze::compare::compare;
use crate::report;

/// Exit code when B regressed: slower than A beyond the noise somewhere, or failing where
/// A did not (0: no regression; 1 and 2 keep their meaning).
pub const REGRESSED: i32 = 3;

pub fn run(a: &Path, b: &Path) -> anyhow::Result<i32> {
    let (ra, rb) = (load_results(a)?.results, load_results(b)?.results);
    let c = compare(&ra, &rb);
    print_out(&report::compare::render(a, b, &c.rows, &c.notes))?;
    Ok(if c.regressed { REGRESSED } else { 0 })
}
