//! `conlab report FILE --format F [-o OUT]`: any format, rebuilt from results.json or a
//! (possibly cut-off) results.jsonl; `--cell MODEL,N` shows one cell over time instead,
//! `--export-timeseries FILE` writes every series as CSV beside it, `--export-capacity
//! FILE` every probe of `bench --slo`.

use super::shared::{load_results, print_out, user_path, UsageError};
use crate::cli::{CellPick, ReportArgs};
use crate::report::{csv, html, timeseries, ReportFormat};
use crate::results::{CellResult, Results};

pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let loaded = load_results(&args.file)?;
    let results = &loaded.results;
    if let Some(path) = &args.export_timeseries {
        user_path(std::fs::write(path, timeseries::csv(results)), "cannot write", path)?;
    }
    if let Some(path) = &args.export_capacity {
        let Some(capacity) = &results.capacity else {
            let why = format!(
                "{} has no capacity searches (bench --slo runs them)",
                args.file.display()
            );
            return Err(UsageError(anyhow::anyhow!(why)).into());
        };
        user_path(std::fs::write(path, csv::capacity(capacity)), "cannot write", path)?;
    }
    let text = match &args.cell {
        Some(pick) => cell_text(results, pick, args.format)?,
        None => args.format.renderer().render(results),
    };
    match args.output.as_deref() {
        Some(path) => user_path(std::fs::write(path, text), "cannot write", path),
        None => print_out(&text),
    }
}

/// The runs standing for `pick` (one per workload that has it), in the chosen format.
fn cell_text(results: &Results, pick: &CellPick, format: ReportFormat) -> anyhow::Result<String> {
    let mut workloads: Vec<&str> = Vec::new();
    for c in &results.cells {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }
    let runs: Vec<&CellResult> = workloads
        .iter()
        .filter_map(|w| timeseries::pick(&results.cells, w, &pick.model, Some(pick.tasks)))
        .collect();
    if runs.is_empty() {
        let ran = results
            .cells
            .iter()
            .any(|c| c.model == pick.model && c.tasks == pick.tasks);
        let why = match ran {
            true => "its runs have no series (run before conlab kept one, with --no-series, or never started)",
            false => "no such cell in these results (see `conlab report FILE` for the models and counts)",
        };
        return Err(UsageError(anyhow::anyhow!("--cell {},{}: {why}", pick.model, pick.tasks)).into());
    }
    Ok(match format {
        ReportFormat::Html => html::cell_page(results, &runs),
        ReportFormat::Csv => timeseries::csv_of(runs.iter().copied()),
        ReportFormat::Json => {
            let series: Vec<serde_json::Value> = runs
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "workload": c.workload, "model": c.model, "tasks": c.tasks,
                        "repeat": c.repeat, "series": c.series,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&series)? + "\n"
        }
        ReportFormat::Terminal | ReportFormat::Markdown => {
            let parts: Vec<String> = runs.iter().map(|c| timeseries::text(c)).collect();
            parts.join("\n")
        }
    })
}
