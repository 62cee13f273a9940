//! `--format html` and `DIR/report.html`: one self-contained page (inline CSS and SVG, no
//! script, no network) that reads well on a laptop and a phone. Verdicts first; then per
//! workload charts of time, peak RSS, peak virtual size and p99 latency against tasks
//! (log-log, one line per model, failures marked with their reason, values on hover), the
//! table, and at the end the environment, its limits and the exact command.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::svg::{escape, legend, line_chart, Series};
use super::Format;
use crate::analyze::{self, median, verdict};
use crate::measure::ceiling::Unit;
use crate::results::{CellResult, Results, Status, WorkloadAnalysis};
use crate::units::{format_bytes, format_count, format_secs};

pub struct Html;

const STYLE: &str = r#"
:root{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d1d1f;background:#fff}
body{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdicts li{margin:.3rem 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
.chart{width:100%;height:auto;background:#fafafa;border:1px solid #eee;border-radius:6px}
.chart .grid{stroke:#e3e3e3}.chart .tick{font-size:11px;fill:#555}.chart .axis{font-size:12px;fill:#333}
.chart .ct{font-size:14px;font-weight:600}.chart .line{fill:none;stroke-width:2}.chart .fail{font-size:16px;font-weight:700}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.8rem}.legend span{display:inline-block;width:.9rem;height:.9rem;margin-right:.3rem;border-radius:2px;vertical-align:middle}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;margin:.8rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:right;vertical-align:top}th{background:#f3f3f3}
td.bad{color:#b00020;text-align:left}.best{font-weight:700}.vm{color:#666}.short{color:#b35c00;font-weight:600}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px;word-break:break-all}
"#;

impl Format for Html {
    fn render(&self, results: &Results) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>conlab report</title><style>{STYLE}</style></head><body><h1>conlab report</h1><p>{} · {} cells{}</p>"#,
            escape(&results.started_at),
            results.cells.len(),
            if results.interrupted {
                " · <strong>interrupted</strong>"
            } else {
                ""
            }
        );
        h.push_str(r#"<section class="verdicts"><h2>Verdicts</h2><ul>"#);
        for v in verdict::verdicts(results) {
            let _ = write!(h, "<li>{}</li>", escape(&v));
        }
        h.push_str("</ul></section>");
        if !results.claims.is_empty() {
            h.push_str(r#"<section class="claims"><h2>Claims</h2><div class="scroll"><table><tr><th>claim</th><th>scenario</th><th>measured</th><th>verdict</th></tr>"#);
            for c in &results.claims {
                let _ = write!(
                    h,
                    r#"<tr><td style="text-align:left">{}<br><small>{}</small></td><td style="text-align:left">{}</td><td style="text-align:left">{}</td><td class="{}">{}</td></tr>"#,
                    escape(&c.text),
                    escape(&c.source),
                    escape(&c.scenario),
                    escape(&c.measured),
                    if c.verdict == crate::results::Verdict::Holds {
                        "best"
                    } else {
                        "bad"
                    },
                    c.verdict
                );
            }
            h.push_str("</table></div></section>");
        }
        for wa in &results.analysis.workloads {
            workload_section(&mut h, results, wa);
        }
        environment_section(&mut h, results);
        h.push_str("</body></html>\n");
        h
    }
}

/// Median of `pick` over the ok cells of (workload, model, tasks).
fn med_of(cells: &[&CellResult], model: &str, n: usize, pick: &dyn Fn(&CellResult) -> Option<f64>) -> Option<f64> {
    let mut v: Vec<f64> = cells
        .iter()
        .filter(|c| c.model == model && c.tasks == n && c.status == Status::Ok)
        .filter_map(|c| pick(c))
        .collect();
    median(&mut v)
}

/// The p99 the caller sees: each task's completion from the submission of the batch
/// (queueing and start lag included); older results without it fall back to service time.
fn p99(c: &CellResult) -> Option<f64> {
    analyze::caller_p99(c)
}

/// The p99 of the service alone: one request, or one task's own run time.
fn service_p99(c: &CellResult) -> Option<f64> {
    c.request_latency_ms.as_ref().or(c.latency_ms.as_ref()).map(|l| l.p99)
}

fn workload_section(h: &mut String, results: &Results, wa: &WorkloadAnalysis) {
    let cells: Vec<&CellResult> = results.cells.iter().filter(|c| c.workload == wa.workload).collect();
    let models = &results.plan.models;
    let counts: BTreeSet<usize> = cells.iter().map(|c| c.tasks).collect();
    let failure = |m: &str| {
        wa.failures.iter().find(|f| f.model == m).map(|f| {
            let limit = f.limit.as_ref().map(|l| format!(": {l}")).unwrap_or_default();
            (f.tasks as f64, format!("{} {}{limit}", f.status.as_str(), f.kind))
        })
    };
    let series = |pick: &dyn Fn(&CellResult) -> Option<f64>| -> Vec<Series> {
        models
            .iter()
            .map(|m| Series {
                name: m.clone(),
                points: counts
                    .iter()
                    .filter_map(|&n| med_of(&cells, m, n, pick).map(|v| (n as f64, v)))
                    .collect(),
                failed: failure(m),
            })
            .collect()
    };
    let io = cells.iter().any(|c| c.request_latency_ms.is_some());
    let _ = write!(
        h,
        r#"<section class="workload"><h2>{}</h2>{}<div class="charts">"#,
        escape(&wa.workload),
        legend(models)
    );
    h.push_str(&line_chart(
        "Work time",
        "seconds",
        &series(&|c| Some(analyze::cell_time(c))),
        &|v| format_secs(v),
    ));
    h.push_str(&line_chart(
        "Peak RSS",
        "bytes",
        &series(&|c| Some(c.peak_rss_bytes as f64)),
        &format_bytes,
    ));
    h.push_str(&line_chart(
        "Peak virtual size",
        "bytes",
        &series(&|c| Some(c.peak_vm_bytes as f64)),
        &format_bytes,
    ));
    h.push_str(&line_chart(
        "p99 latency seen by the caller (task done, from submission)",
        "latency",
        &series(&|c| p99(c).map(|v| v / 1e3)),
        &|v| format_secs(v),
    ));
    // Results written before conlab counted tasks in flight have no such figure.
    if cells.iter().any(|c| c.peak_in_flight.is_some()) {
        h.push_str(&line_chart(
            "Peak tasks in flight (achieved concurrency)",
            "tasks",
            &series(&|c| c.peak_in_flight.map(|p| p as f64)),
            &|v| format_count(v.round() as usize),
        ));
    }
    h.push_str("</div>");

    // The table: every task count, every model.
    let _ = write!(h, r#"<div class="scroll"><table><tr><th>tasks</th>"#);
    for m in models {
        let _ = write!(h, "<th>{}</th>", escape(m));
    }
    h.push_str("</tr>");
    for &n in &counts {
        let winner = wa.winners.iter().find(|w| w.tasks == n);
        let _ = write!(h, "<tr><td>{}</td>", format_count(n));
        for m in models {
            match med_of(&cells, m, n, &|c| Some(analyze::cell_time(c))) {
                Some(time) => {
                    let best = winner.and_then(|w| w.by_time.as_ref()) == Some(m);
                    let rss = med_of(&cells, m, n, &|c| Some(c.peak_rss_bytes as f64)).unwrap_or(0.0);
                    let vm = med_of(&cells, m, n, &|c| Some(c.peak_vm_bytes as f64)).unwrap_or(0.0);
                    let lat = med_of(&cells, m, n, &p99)
                        .map(|v| format!("<br>p99 {} (caller)", format_secs(v / 1e3)))
                        .unwrap_or_default();
                    let service = med_of(&cells, m, n, &service_p99)
                        .map(|v| {
                            let what = if io { "request" } else { "task run" };
                            format!("<br>p99 {} ({what})", format_secs(v / 1e3))
                        })
                        .unwrap_or_default();
                    let in_flight = med_of(&cells, m, n, &|c| c.peak_in_flight.map(|p| p as f64))
                        .map(|p| {
                            let class = if analyze::reached(Some(p as u64), n) {
                                "vm"
                            } else {
                                "short"
                            };
                            format!(
                                r#"<br><span class="{class}">{} at once</span>"#,
                                format_count(p.round() as usize)
                            )
                        })
                        .unwrap_or_default();
                    let _ = write!(
                        h,
                        r#"<td><span class="{}">{}</span><br>RSS {}<br><span class="vm">virtual {}</span>{in_flight}{lat}{service}</td>"#,
                        if best { "best" } else { "" },
                        format_secs(time),
                        format_bytes(rss),
                        format_bytes(vm)
                    );
                }
                None => {
                    let why = cells
                        .iter()
                        .find(|c| &c.model == m && c.tasks == n)
                        .map(|c| {
                            let f = c.failure.as_ref();
                            format!(
                                "{} {}",
                                c.status.as_str(),
                                f.map(|f| format!("({}) {}", f.kind, f.limit.clone().unwrap_or_default()))
                                    .unwrap_or_default()
                            )
                        })
                        .unwrap_or_else(|| "—".into());
                    let _ = write!(h, r#"<td class="bad">{}</td>"#, escape(why.trim()));
                }
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</table></div>");
    if !wa.bytes_per_task.is_empty() {
        let parts: Vec<String> = wa
            .bytes_per_task
            .iter()
            .map(|(m, b)| format!("{} {}", escape(m), format_bytes(b.max(0.0))))
            .collect();
        let _ = write!(
            h,
            "<p>Memory per task (slope of peak RSS over tasks): {}.</p>",
            parts.join(" · ")
        );
    }
    h.push_str("</section>");
}

fn environment_section(h: &mut String, results: &Results) {
    let e = &results.environment;
    let l = &e.limits;
    let opt = |v: Option<u64>| {
        v.map(|n| format_count(n as usize))
            .unwrap_or_else(|| "unlimited".into())
    };
    let rows: Vec<(&str, String)> = vec![
        (
            "machine",
            format!(
                "{} cores ({}), {} memory, {} swap",
                e.cores,
                e.cpu_model,
                format_bytes(e.memory_bytes as f64),
                format_bytes(e.swap_bytes as f64)
            ),
        ),
        ("kernel", e.kernel.clone()),
        ("built with", format!("{}, tokio {}", e.rustc_version, e.tokio_version)),
        ("open files (ulimit -n)", opt(l.nofile)),
        ("kernel.pid_max", opt(l.pid_max)),
        ("kernel.threads-max", opt(l.threads_max)),
        ("vm.max_map_count", opt(l.max_map_count)),
        ("ephemeral ports", l.ephemeral_ports.clone().unwrap_or_default()),
    ];
    let mut rows: Vec<(String, String)> = rows.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for c in &e.allows.ceilings {
        let unit = match c.unit {
            Unit::Threads => "threads",
            Unit::Processes => "worker processes",
        };
        rows.push((
            format!("{} ceiling", c.family),
            format!("{} {unit} (bound by {})", format_count(c.max as usize), c.limited_by),
        ));
    }
    if e.allows.ceilings.is_empty() {
        rows.push(("thread ceilings".into(), "not recorded in these results".into()));
    }
    rows.push((
        "connections allowed".into(),
        format!(
            "{} (bound by {})",
            format_count(e.allows.max_connections as usize),
            e.allows.max_connections_limited_by
        ),
    ));
    h.push_str(r#"<section><h2>Environment</h2><div class="scroll"><table>"#);
    for (k, v) in rows {
        let _ = write!(
            h,
            r#"<tr><th>{}</th><td style="text-align:left">{}</td></tr>"#,
            escape(&k),
            escape(&v)
        );
    }
    for py in &e.python {
        let libs: Vec<String> = py.libraries.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = write!(
            h,
            r#"<tr><th>python</th><td style="text-align:left">{} {} {} (GIL {}){}</td></tr>"#,
            escape(&py.path),
            escape(&py.implementation),
            escape(&py.version),
            if py.gil { "on" } else { "off" },
            if libs.is_empty() {
                String::new()
            } else {
                format!(", {}", escape(&libs.join(", ")))
            }
        );
    }
    h.push_str("</table></div>");
    if let Some(t) = &results.plan.target {
        let _ = write!(h, "<p>Target: {}</p>", escape(t));
    }
    let _ = write!(
        h,
        "<p>Command: <code>{}</code></p></section>",
        escape(&results.plan.command)
    );
}
