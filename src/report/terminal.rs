//! The tables printed at the end of a sweep: per workload, one row per task count and one
//! column per model, each cell its median work time and peak RSS, the best marked; then
//! bytes per task and where models failed.

use std::collections::BTreeSet;
use std::fmt::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Attribute, Cell, CellAlignment, Color, Table};

use crate::analyze;
use crate::results::{CellResult, Results, Status};
use crate::units::{format_bytes, format_count, format_secs};

/// Render every workload's table and summary, without colour.
pub fn render(results: &Results) -> String {
    render_with(results, false)
}

/// Whether stdout wants colour: a terminal, and NO_COLOR unset (https://no-color.org).
pub fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Render with ANSI colour when `colour`: winners in bold yellow, cells that did not end
/// ok in red, verdicts in bold.
pub fn render_with(results: &Results, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let models = &results.plan.models;
    for wa in &results.analysis.workloads {
        let cells: Vec<&CellResult> = results.cells.iter().filter(|c| c.workload == wa.workload).collect();
        let med = analyze::medians(&results.cells, &wa.workload);
        let peaks = analyze::peaks(&results.cells, &wa.workload);
        let counts: BTreeSet<usize> = cells.iter().map(|c| c.tasks).collect();

        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        if colour {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        let mut header = vec![Cell::new("tasks")];
        header.extend(models.iter().map(Cell::new));
        table.set_header(header);
        for &n in &counts {
            let winner = wa.winners.iter().find(|w| w.tasks == n);
            let mut row = vec![Cell::new(format_count(n)).set_alignment(CellAlignment::Right)];
            for model in models {
                let text = match med.get(&(model.clone(), n)) {
                    Some(&(time, rss)) => {
                        let star_t = if winner.and_then(|w| w.by_time.as_ref()) == Some(model) {
                            "★"
                        } else {
                            " "
                        };
                        let star_m = if winner.and_then(|w| w.by_memory.as_ref()) == Some(model) {
                            "★"
                        } else {
                            " "
                        };
                        let vm = median_vm(&cells, model, n)
                            .map(|v| format!("\nvirtual {:>9}", format_bytes(v)))
                            .unwrap_or_default();
                        let short = peaks
                            .get(&(model.clone(), n))
                            .filter(|&&p| !analyze::reached(Some(p), n))
                            .map(|p| format!("\n≤{} at once", format_count(*p as usize)))
                            .unwrap_or_default();
                        format!(
                            "{star_t}{:>8} {star_m}{:>9}{vm}{short}",
                            format_secs(time),
                            format_bytes(rss)
                        )
                    }
                    None => not_ok(&cells, model, n),
                };
                let mut cell = Cell::new(text).set_alignment(CellAlignment::Right);
                if colour {
                    if !med.contains_key(&(model.clone(), n)) {
                        cell = cell.fg(Color::Red);
                    } else if winner.and_then(|w| w.by_time.as_ref()) == Some(model) {
                        cell = cell.fg(Color::Yellow).add_attribute(Attribute::Bold);
                    }
                }
                row.push(cell);
            }
            table.add_row(row);
        }
        let _ = writeln!(
            out,
            "\n{}  (median work time and peak RSS of the process tree, peak virtual size below; ≤K at once: the most tasks that ran at once, when fewer than asked; ★ best at that task count, memory only among cells that ran every task at once)",
            wa.workload
        );
        let _ = writeln!(out, "{table}");

        if !wa.bytes_per_task.is_empty() {
            let parts: Vec<String> = models
                .iter()
                .filter_map(|m| wa.bytes_per_task.get(m).map(|b| format!("{m} {}", per_task(*b))))
                .collect();
            let _ = writeln!(
                out,
                "memory per task (slope of peak RSS over tasks): {}",
                parts.join(" · ")
            );
        }
    }
    let verdicts = crate::analyze::verdict::verdicts(results);
    if !verdicts.is_empty() {
        let _ = writeln!(out, "\n{}", paint("1", "verdicts:"));
        for v in verdicts {
            let _ = writeln!(out, "  {v}");
        }
    }
    out
}

/// Median peak virtual size of the ok cells at (model, n): shown under RSS, because the
/// "GB per thread" claims are about this figure.
fn median_vm(cells: &[&CellResult], model: &str, n: usize) -> Option<f64> {
    let mut vms: Vec<f64> = cells
        .iter()
        .filter(|c| c.model == model && c.tasks == n && c.status == Status::Ok)
        .map(|c| c.peak_vm_bytes as f64)
        .collect();
    analyze::median(&mut vms)
}

/// Bytes per task for people: a slope within noise of zero reads as "≈0 B".
fn per_task(bytes: f64) -> String {
    if bytes < 16.0 {
        "≈0 B".into()
    } else {
        format_bytes(bytes)
    }
}

/// What a table cell says when no cell at (model, n) ended ok.
fn not_ok(cells: &[&CellResult], model: &str, n: usize) -> String {
    let here: Vec<&&CellResult> = cells.iter().filter(|c| c.model == model && c.tasks == n).collect();
    let Some(c) = here.iter().find(|c| c.status != Status::Ok) else {
        return "—".into();
    };
    let kind = c.failure.as_ref().map(|f| f.kind.as_str()).unwrap_or("");
    match (c.status, c.failure.as_ref().and_then(|f| f.at_task)) {
        (Status::Skipped, _) => "skipped".into(),
        (Status::Errors, _) => format!("errors: {} failed", format_count(c.tasks_failed)),
        (_, Some(at)) => format!("{} @{}", kind, format_count(at)),
        (status, None) if kind.is_empty() || kind == status.as_str() => status.as_str().into(),
        (status, None) => format!("{}: {kind}", status.as_str()),
    }
}

/// One line per finished cell, for the log above the progress bar.
pub fn cell_line(c: &CellResult, position: usize, total: usize) -> String {
    let what = format!(
        "[{position}/{total}] {} {} n={}",
        c.workload,
        c.model,
        format_count(c.tasks)
    );
    match c.status {
        Status::Ok => format!(
            "{what}: ok in {} (work {}), peak RSS {}, {} threads{}{}",
            format_secs(c.wall_s),
            format_secs(analyze::cell_time(c)),
            format_bytes(c.peak_rss_bytes as f64),
            c.peak_threads,
            match c.peak_in_flight {
                Some(p) if !analyze::reached(Some(p), c.tasks) => {
                    format!(", at most {} at once", format_count(p as usize))
                }
                _ => String::new(),
            },
            if c.tasks_failed > 0 {
                format!(", {} task errors (tolerated)", c.tasks_failed)
            } else {
                String::new()
            }
        ),
        status => {
            let f = c.failure.as_ref();
            let reason = f.map(|f| f.message.as_str()).unwrap_or("");
            let limit = f
                .and_then(|f| f.limit.as_ref())
                .map(|l| format!(" [{l}]"))
                .unwrap_or_default();
            format!("{what}: {}: {reason}{limit}", status.as_str())
        }
    }
}

/// `--format terminal`: the tables `conlab bench` prints.
pub struct Terminal;

impl super::Format for Terminal {
    fn render(&self, results: &Results) -> String {
        render_with(results, colour_wanted())
    }
}
