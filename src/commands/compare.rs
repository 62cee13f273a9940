//! `conlab compare A B`: the same cells of two result files, B against A.

use std::path::Path;

use super::{load_results, print_out};
use crate::analyze::compare::compare;
use crate::report;

pub fn run(a: &Path, b: &Path) -> anyhow::Result<()> {
    let (ra, rb) = (load_results(a)?.results, load_results(b)?.results);
    let (rows, unmatched) = compare(&ra, &rb);
    print_out(&report::compare::render(a, b, &rows, &unmatched))
}
