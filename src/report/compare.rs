//! The `compare` table: the same cells of two result files with ratios and a verdict.

use std::path::Path;

use crate::analyze::compare::{Change, Row};
use crate::units::{format_bytes, format_count, format_secs};

/// The table, a count of verdicts, and the cells only one side has.
pub fn render(a: &Path, b: &Path, rows: &[Row], unmatched: &[String]) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "workload", "model", "tasks", "time A", "time B", "B/A", "verdict", "RSS A", "RSS B", "B/A",
    ]);
    for r in rows {
        table.add_row(vec![
            r.workload.clone(),
            r.model.clone(),
            format_count(r.tasks),
            format_secs(r.a_time),
            format_secs(r.b_time),
            format!("{:.2}", r.b_time / r.a_time.max(1e-12)),
            r.verdict.to_string(),
            format_bytes(r.a_rss),
            format_bytes(r.b_rss),
            format!("{:.2}", r.b_rss / r.a_rss.max(1.0)),
        ]);
    }
    let mut out = format!("A: {}\nB: {}\n{table}\n", a.display(), b.display());
    let count = |v: Change| rows.iter().filter(|r| r.verdict == v).count();
    out.push_str(&format!(
        "{} cells compared: {} faster, {} slower, {} same (within 10% or the repeats' spread)\n",
        rows.len(),
        count(Change::Faster),
        count(Change::Slower),
        count(Change::Same)
    ));
    for u in unmatched {
        out.push_str(&format!("{u}\n"));
    }
    out
}
