//! `conlab report FILE --format F [-o OUT]`: any format, rebuilt from results.json or a
//! (possibly cut-off) results.jsonl.

use std::path::Path;

use super::shared::{load_results, print_out, user_path};
use crate::report::ReportFormat;

pub fn run(file: &Path, format: ReportFormat, output: Option<&Path>) -> anyhow::Result<()> {
    let loaded = load_results(file)?;
    let text = format.renderer().render(&loaded.results);
    match output {
        Some(path) => user_path(std::fs::write(path, text), "cannot write", path),
        None => print_out(&text),
    }
}
