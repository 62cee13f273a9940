//! `--format markdown`: per workload a table (rows: task counts; columns: models; each
//! cell median work time, peak RSS and virtual size; a cell without one says why in a few
//! words and points to a numbered line under the table with the whole reason), then
//! memory per task and the verdicts, ready to paste into an issue or a README.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::format::Format;
use crate::analyze;
use crate::results::{Results, Status};
use crate::units::{format_bytes, format_count, format_secs};

pub struct Markdown;

impl Format for Markdown {
    fn render(&self, results: &Results) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# conlab results\n");
        let _ = writeln!(out, "`{}`\n", results.plan.command);
        match analyze::by_host(results) {
            None => out.push_str(&body(results)),
            // Several machines: each under its own heading, its headings one level down.
            Some(views) => {
                for (host, r) in views {
                    let _ = writeln!(out, "## On {host}\n");
                    for line in body(&r).lines() {
                        let demoted = if line.starts_with('#') { "#" } else { "" };
                        let _ = writeln!(out, "{demoted}{line}");
                    }
                }
            }
        }
        out
    }
}

/// One machine's part: its environment, tables and verdicts.
fn body(results: &Results) -> String {
    let mut out = String::new();
    let models = &results.plan.models;
    let env = &results.environment;
    let _ = writeln!(
        out,
        "{} cores, {} memory, kernel {}, {}.\n",
        env.cores,
        format_bytes(env.memory_bytes as f64),
        env.kernel,
        env.rustc_version
    );
    out.push_str(&super::capacity::markdown(results));
    for wa in &results.analysis.workloads {
        let med = analyze::medians(&results.cells, &wa.workload);
        let peaks = analyze::peaks(&results.cells, &wa.workload);
        let cells: Vec<_> = results.cells.iter().filter(|c| c.workload == wa.workload).collect();
        let counts: BTreeSet<usize> = results
            .cells
            .iter()
            .filter(|c| c.workload == wa.workload)
            .map(|c| c.tasks)
            .collect();
        let stops = super::gaps::stop_list(&cells, models, &counts.iter().copied().collect::<Vec<_>>());
        let _ = writeln!(out, "## {}\n", wa.workload);
        let _ = writeln!(
                out,
                "Median work time · peak RSS · peak virtual size · peak tasks in flight; **bold**: fastest at that count.\n"
            );
        let _ = writeln!(out, "| tasks | {} |", models.join(" | "));
        let _ = writeln!(out, "|---:|{}", "---:|".repeat(models.len()));
        for &n in &counts {
            let fastest = wa.winners.iter().find(|w| w.tasks == n).and_then(|w| w.by_time.clone());
            let mut line = format!("| {} |", format_count(n));
            for model in models {
                let here: Vec<_> = results
                    .cells
                    .iter()
                    .filter(|c| c.workload == wa.workload && &c.model == model && c.tasks == n)
                    .collect();
                let text = match med.get(&(model.clone(), n)) {
                    Some(&(time, rss)) => {
                        let mut vms: Vec<f64> = here
                            .iter()
                            .filter(|c| c.status == Status::Ok)
                            .map(|c| c.peak_vm_bytes as f64)
                            .collect();
                        let vm = analyze::median(&mut vms).map(format_bytes).unwrap_or_default();
                        let t = format_secs(time);
                        let t = if fastest.as_ref() == Some(model) {
                            format!("**{t}**")
                        } else {
                            t
                        };
                        let in_flight = peaks
                            .get(&(model.clone(), n))
                            .map(|p| {
                                let short = if analyze::reached(Some(*p), n) {
                                    ""
                                } else {
                                    " (fewer than asked)"
                                };
                                format!(" · {} at once{short}", format_count(*p as usize))
                            })
                            .unwrap_or_default();
                        format!("{t} · {} · {vm}{in_flight}", format_bytes(rss))
                    }
                    None => match super::gaps::gap(&cells, model, n) {
                        Some(gap) => match super::gaps::footnote(&stops, models, model, n) {
                            Some(i) => format!("{} [{i}]", gap.short),
                            None => gap.short,
                        },
                        None => "—".into(),
                    },
                };
                let _ = write!(line, " {} |", text.replace('|', "\\|"));
            }
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
        for (i, stop) in stops.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, stop.text(models));
        }
        if !stops.is_empty() {
            let _ = writeln!(out);
        }
        if !wa.bytes_per_task.is_empty() {
            let parts: Vec<String> = wa
                .bytes_per_task
                .iter()
                .map(|(m, b)| format!("{m} {}", format_bytes(b.max(0.0))))
                .collect();
            let _ = writeln!(out, "Memory per task: {}.\n", parts.join(", "));
        }
    }
    // The verdicts as the HTML report words them: a headline and short rankings per
    // workload, as plain text.
    if !results.analysis.workloads.is_empty() {
        let _ = writeln!(out, "## Verdicts\n");
        for wa in &results.analysis.workloads {
            let s = super::summary::summarize(results, wa);
            let label = super::summary::workload_label(&wa.workload);
            let _ = writeln!(out, "### {label}\n\n**{}**\n", plain(&s.headline));
            for point in &s.points {
                let _ = writeln!(out, "- {}", plain(point));
            }
            out.push('\n');
        }
    }
    out
}

/// The summary's HTML as plain text: tags dropped, entities and no-break spaces undone.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace('\u{a0}', " ")
}
