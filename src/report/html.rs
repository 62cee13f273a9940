//! `--format html` and `DIR/report.html`: one self-contained page (inline CSS and SVG, no
//! script, no network) that reads at a glance on a laptop and on a phone, in light and
//! dark. First a headline and short rankings per workload (`summary`); then per workload
//! its charts (time, caller-seen and start-lag p99, peak RSS, memory per task, tasks in
//! flight; log-log, one line per model in its fixed look; a dot plot of the models when
//! the workload was measured at one task count), the table, and at the end the
//! environment, its limits and the command. A cell without a value is never drawn at one:
//! it is a mark in the chart's "no result" lane, and its real reason is said in words
//! above the charts and in the table (`gaps`).
//!
//! On a phone the page never scrolls sideways: tables scroll inside their own box (the
//! cell table with its task column kept in view, and a shadow at its right edge while
//! more columns lie beyond it), and a number never wraps away from its unit.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::axis::Scale;
use super::dots::dot_plot;
use super::format::Format;
use super::gaps;
use super::overtime;
use super::palette;
use super::summary::{nb, ok_median, summarize, workload_label};
use super::svg::{escape, line_chart, swatch, Chart, Series};
use crate::analyze;
use crate::measure::ceiling::Unit;
use crate::results::{CellResult, Results, Status, Verdict, WorkloadAnalysis};
use crate::units::{format_bytes, format_count, format_secs};

pub struct Html;

/// Chart text is sized per screen width so that it is drawn at 12 px or more: a chart is
/// `svg::W` units wide and as wide as its column, at least 400 px from 820 px up.
const STYLE: &str = r#"
:root{color-scheme:light dark;--bg:#fff;--fg:#1d1d1f;--mute:#5a5a5a;--panel:#fafafa;--line:#d8d8d8;--grid:#d4d4d4;--minor:#ececec;--bad:#b00020;--good:#1b7a3a;--short:#a85400;--code:#f1f1f1}
@media (prefers-color-scheme:dark){:root{--bg:#141619;--fg:#e6e6e6;--mute:#a8a8a8;--panel:#1b1e22;--line:#3a3e44;--grid:#4a4f57;--minor:#2a2e33;--bad:#ff7a8c;--good:#6fd08c;--short:#ffb25e;--code:#23272c}}
html{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
body{max-width:1100px;margin:0 auto;padding:1rem;overflow-wrap:anywhere}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}.spec{font-size:.85rem;font-weight:400;color:var(--mute)}
.headline{font-weight:600;margin:.3rem 0}.points{margin:.2rem 0 .8rem;padding-left:1.2rem}.points li{margin:.2rem 0}
.nw{white-space:nowrap}
.legend{list-style:none;padding:0;margin:.6rem 0;display:flex;flex-wrap:wrap;gap:.4rem 1.1rem}.legend li{white-space:nowrap}.swatch{vertical-align:middle;margin-right:.35rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,400px),1fr));gap:1rem}
figure{margin:0}figcaption{margin:.2rem 0 .3rem}figcaption b{display:block}figcaption span{color:var(--mute);font-size:.85rem}
.chart{display:block;width:100%;height:auto;background:var(--panel);border:1px solid var(--line);border-radius:6px}
.chart text{font-size:13px;fill:var(--fg)}.chart .tick{fill:var(--mute)}.chart .name{font-weight:600}.chart .halo{paint-order:stroke;stroke:var(--panel);stroke-width:4px;stroke-linejoin:round}
.chart .grid{stroke:var(--grid);stroke-width:1}.chart .minor{stroke:var(--minor);stroke-width:1}.chart .frame{fill:none;stroke:var(--grid)}
.chart .line{fill:none;stroke-linejoin:round}.chart .lane{fill:none;stroke:var(--grid);stroke-dasharray:2 3}.chart .value{fill:var(--mute)}.chart .asked{stroke:var(--mute);stroke-width:1.5;stroke-dasharray:3 3}
@media (max-width:460px){body{padding:.6rem}.chart text{font-size:14px}}
@media (max-width:380px){.chart text{font-size:16px}}
@media (max-width:345px){.chart text{font-size:17.5px}}
.stops{list-style:none;padding:0;margin:.4rem 0}.stops li{margin:.15rem 0}.stops b{font-size:1.1em}
section{min-width:0}.scroll{overflow-x:auto;max-width:100%}.cells{border:1px solid var(--line);border-radius:4px;background:linear-gradient(to left,var(--bg) 40%,transparent) right/2.5rem 100% no-repeat local,radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.25),transparent) right/.8rem 100% no-repeat scroll}.cells table{margin:0}
.cells tr>:first-child{position:sticky;left:0;z-index:1;background:var(--panel);box-shadow:1px 0 0 var(--line)}table{border-collapse:collapse;font-size:.85rem;margin:.8rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:right;vertical-align:top}th{background:var(--panel);white-space:nowrap}
td.cell{min-width:7.5rem}td.text,th.text{text-align:left}td.bad{color:var(--bad);text-align:left;min-width:9rem}td.bad small{display:block;color:var(--mute)}
.best{font-weight:700}.vm{color:var(--mute)}.short{color:var(--short);font-weight:600}.holds{color:var(--good);font-weight:600}.fails{color:var(--bad);font-weight:600}
code{background:var(--code);padding:.1rem .3rem;border-radius:3px;word-break:break-all}
"#;

impl Format for Html {
    fn render(&self, results: &Results) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>conlab report</title><style>{STYLE}{}</style></head><body><h1>conlab report</h1><p>{} · {}{}</p>"#,
            palette::css(&results.plan.models),
            escape(&results.started_at),
            match &results.capacity {
                Some(c) => format!("{} cells · {} capacity searches", results.cells.len(), c.searches.len()),
                None => format!("{} cells", results.cells.len()),
            },
            if results.interrupted {
                " · <strong>interrupted</strong>"
            } else {
                ""
            }
        );
        match analyze::by_host(results) {
            None => body(&mut h, results),
            // Several machines: each one's verdicts, charts and environment under its name.
            Some(views) => {
                for (host, r) in views {
                    let _ = write!(h, r#"<h2 class="host">On {}</h2>"#, escape(&host));
                    body(&mut h, &r);
                }
            }
        }
        h.push_str("</body></html>\n");
        h
    }
}

/// `conlab report --cell MODEL,N --format html`: a page of that cell's runs over time,
/// one figure per workload and repeat.
pub fn cell_page(results: &Results, runs: &[&CellResult]) -> String {
    let mut h = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>conlab: a cell over time</title><style>{STYLE}{}</style></head><body><h1>A cell over time</h1><div class="charts">"#,
        palette::css(&results.plan.models)
    );
    for c in runs {
        let i = results.plan.models.iter().position(|m| m == &c.model).unwrap_or(0);
        let _ = write!(
            h,
            r#"<section><p class="spec">{}</p>{}</section>"#,
            escape(&c.workload),
            overtime::figure(c, &palette::class(i))
        );
    }
    h.push_str("</div></body></html>\n");
    h
}

/// One machine's verdicts, claims, workload sections and environment.
fn body(h: &mut String, results: &Results) {
    // A capacity search (`--slo`) runs no plain cells: its section is the verdict.
    if !results.analysis.workloads.is_empty() || results.capacity.is_none() {
        verdicts_section(h, results);
    }
    h.push_str(&super::capacity::html(results));
    claims_section(h, results);
    for wa in &results.analysis.workloads {
        workload_section(h, results, wa);
    }
    environment_section(h, results);
}

fn verdicts_section(h: &mut String, results: &Results) {
    h.push_str(r#"<section class="verdicts"><h2>Verdicts</h2>"#);
    for wa in &results.analysis.workloads {
        let s = summarize(results, wa);
        let _ = write!(
            h,
            r#"<h3>{}</h3><p class="headline">{}</p><ul class="points">"#,
            escape(&workload_label(&wa.workload)),
            s.headline
        );
        for p in &s.points {
            let _ = write!(h, "<li>{p}</li>");
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
}

fn claims_section(h: &mut String, results: &Results) {
    if results.claims.is_empty() {
        return;
    }
    h.push_str(r#"<section class="claims"><h2>Claims</h2><div class="scroll"><table><tr><th>verdict</th><th class="text">claim</th><th class="text">scenario</th><th class="text">measured</th></tr>"#);
    for c in &results.claims {
        let class = match c.verdict {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "fails",
            _ => "vm",
        };
        let _ = write!(
            h,
            r#"<tr><td class="text {class} nw">{}</td><td class="text">{}<br><small>{}</small></td><td class="text">{}</td><td class="text">{}</td></tr>"#,
            c.verdict,
            escape(&c.text),
            escape(&c.source),
            escape(&c.scenario),
            escape(&c.measured)
        );
    }
    h.push_str("</table></div></section>");
}

/// A value in a table or a caption: never broken between number and unit.
fn num(text: &str) -> String {
    format!(r#"<span class="nw">{}</span>"#, escape(text))
}

fn workload_section(h: &mut String, results: &Results, wa: &WorkloadAnalysis) {
    let w = &wa.workload;
    let cells: Vec<&CellResult> = results.cells.iter().filter(|c| &c.workload == w).collect();
    let models = &results.plan.models;
    let counts: BTreeSet<usize> = cells.iter().map(|c| c.tasks).collect();
    let med = |m: &str, n: usize, pick: &dyn Fn(&CellResult) -> Option<f64>| ok_median(results, w, m, n, pick);
    let baseline = |m: &str| {
        results
            .baselines
            .iter()
            .find(|b| b.model == m && b.status == Status::Ok)
            .map(|b| b.peak_rss_bytes as f64)
    };
    let series = |pick: &dyn Fn(&CellResult) -> Option<f64>| -> Vec<Series> {
        models
            .iter()
            .enumerate()
            .map(|(i, m)| Series {
                model: m.clone(),
                class: palette::class(i),
                points: counts
                    .iter()
                    .filter_map(|&n| med(m, n, pick).map(|v| (n as f64, v)))
                    .filter(|p| p.1 > 0.0)
                    .collect(),
                gaps: gaps::gaps(&cells, m, counts.iter().copied()),
            })
            .collect()
    };
    let _ = write!(
        h,
        r#"<section class="workload"><h2>{} <span class="spec">{}</span></h2><ul class="legend">"#,
        escape(&workload_label(w)),
        escape(w).replace(',', ",<wbr>")
    );
    for (i, m) in models.iter().enumerate() {
        let _ = write!(h, "<li>{}{}</li>", swatch(m, &palette::class(i)), escape(m));
    }
    h.push_str("</ul>");
    let all_counts: Vec<usize> = counts.iter().copied().collect();
    gaps::stops(h, &cells, models, &all_counts);
    // One task count: nothing to draw lines through, so a dot plot of the models.
    let one = match all_counts[..] {
        [n] => Some(n),
        _ => None,
    };
    match one {
        Some(n) => {
            let _ = write!(
                h,
                r#"<p class="vm">Measured at {} only. Each chart: one row per model, the figure across on a log scale; hover a dot for its value.</p><div class="charts">"#,
                crate::units::plural(n, "task")
            );
        }
        None => h.push_str(r#"<p class="vm">Each chart: tasks across, the figure up, both on log scales; hover a point for its value. A cell that failed (✕) or was not run (○) has its mark in the “no result” lane above the plot, never at a value.</p><div class="charts">"#),
    }
    let secs = |v: f64| format_secs(v);
    let mut figure =
        |title: &str, what: &str, y: Scale, s: Vec<Series>, diagonal: bool, fmt: &dyn Fn(f64) -> String| {
            if s.iter().all(|s| s.points.is_empty()) {
                return;
            }
            let chart = Chart {
                title,
                y,
                series: &s,
                diagonal,
            };
            let svg = match one {
                Some(n) => dot_plot(&chart, n, fmt),
                None => line_chart(&chart, fmt),
            };
            let _ = write!(
                h,
                "<figure><figcaption><b>{}</b><span>{}</span></figcaption>{svg}</figure>",
                escape(title),
                escape(what)
            );
        };
    figure(
        "Work time",
        "from ready to the last task done, against tasks",
        Scale::Seconds,
        series(&|c| Some(analyze::cell_time(c))),
        false,
        &secs,
    );
    figure(
        "p99 latency seen by the caller",
        "each task's completion from the submission of the batch",
        Scale::Seconds,
        series(&|c| analyze::caller_p99(c).map(|v| v / 1e3)),
        false,
        &secs,
    );
    figure(
        "p99 start lag",
        "from ready until a task starts: queueing and scheduling",
        Scale::Seconds,
        series(&|c| c.start_lag_ms.as_ref().map(|l| l.p99 / 1e3)),
        false,
        &secs,
    );
    figure(
        "Peak RSS",
        "resident memory of the whole process tree",
        Scale::Bytes,
        series(&|c| Some(c.peak_rss_bytes as f64)),
        false,
        &format_bytes,
    );
    figure(
        "Memory per task",
        "peak RSS less the model's baseline (0 tasks), divided by tasks; a cell within its baseline's noise sits at 1 B",
        Scale::Bytes,
        // A small cell can measure below its baseline: noise, drawn at the floor (a log
        // axis has no zero) rather than dropped, so every model keeps its line.
        series(&|c| baseline(&c.model).map(|b| ((c.peak_rss_bytes as f64 - b) / c.tasks.max(1) as f64).max(1.0))),
        false,
        &format_bytes,
    );
    // Results written before conlab counted tasks in flight have no such figure.
    if cells.iter().any(|c| c.peak_in_flight.is_some()) {
        figure(
            "Peak tasks in flight (achieved concurrency)",
            "the dotted diagonal is as many at once as tasks",
            Scale::Count,
            series(&|c| c.peak_in_flight.map(|p| p as f64)),
            true,
            &|v| format_count(v.round() as usize),
        );
    }
    h.push_str("</div>");
    table(h, results, wa, &cells, &counts);
    overtime::section(h, results, w);
    h.push_str("</section>");
}

/// Every task count, every model: the medians, or why there is none.
fn table(h: &mut String, results: &Results, wa: &WorkloadAnalysis, cells: &[&CellResult], counts: &BTreeSet<usize>) {
    let w = &wa.workload;
    let models = &results.plan.models;
    let med = |m: &str, n: usize, pick: &dyn Fn(&CellResult) -> Option<f64>| ok_median(results, w, m, n, pick);
    let io = cells.iter().any(|c| c.request_latency_ms.is_some());
    h.push_str(r#"<div class="scroll cells"><table><tr><th>tasks</th>"#);
    for (i, m) in models.iter().enumerate() {
        let _ = write!(h, "<th>{}{}</th>", swatch(m, &palette::class(i)), escape(m));
    }
    h.push_str("</tr>");
    for &n in counts {
        let winner = wa.winners.iter().find(|w| w.tasks == n);
        let _ = write!(h, "<tr><th>{}</th>", format_count(n));
        for m in models {
            let Some(time) = med(m, n, &|c| Some(analyze::cell_time(c))) else {
                h.push_str(&gaps::table_cell(cells, m, n));
                continue;
            };
            let best = winner.and_then(|w| w.by_time.as_ref()) == Some(m);
            let mut lines = vec![format!(
                r#"<span class="{}">{}</span>"#,
                if best { "best nw" } else { "nw" },
                escape(&format_secs(time))
            )];
            let rss = med(m, n, &|c| Some(c.peak_rss_bytes as f64)).unwrap_or(0.0);
            let vm = med(m, n, &|c| Some(c.peak_vm_bytes as f64)).unwrap_or(0.0);
            lines.push(num(&format!("RSS {}", format_bytes(rss))));
            lines.push(format!(
                r#"<span class="vm nw">{}</span>"#,
                escape(&nb(&format!("virtual {}", format_bytes(vm))))
            ));
            if let Some(p) = med(m, n, &|c| c.peak_in_flight.map(|p| p as f64)) {
                let class = if analyze::reached(Some(p as u64), n) {
                    "vm"
                } else {
                    "short"
                };
                lines.push(format!(
                    r#"<span class="{class} nw">{} at once</span>"#,
                    format_count(p.round() as usize)
                ));
            }
            if let Some(v) = med(m, n, &analyze::caller_p99) {
                lines.push(num(&format!("p99 {} caller", format_secs(v / 1e3))));
            }
            let service = |c: &CellResult| c.request_latency_ms.as_ref().or(c.latency_ms.as_ref()).map(|l| l.p99);
            if let Some(v) = med(m, n, &service) {
                let what = if io { "request" } else { "task" };
                lines.push(num(&format!("p99 {} {what}", format_secs(v / 1e3))));
            }
            let _ = write!(h, r#"<td class="cell">{}</td>"#, lines.join("<br>"));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table></div>");
}

fn environment_section(h: &mut String, results: &Results) {
    let e = &results.environment;
    let l = &e.limits;
    let opt = |v: Option<u64>| {
        v.map(|n| format_count(n as usize))
            .unwrap_or_else(|| "unlimited".into())
    };
    let mut rows: Vec<(String, String)> = vec![
        (
            "machine".into(),
            format!(
                "{} cores ({}), {} memory, {} swap",
                e.cores,
                e.cpu_model,
                nb(&format_bytes(e.memory_bytes as f64)),
                nb(&format_bytes(e.swap_bytes as f64))
            ),
        ),
        ("kernel".into(), e.kernel.clone()),
        (
            "built with".into(),
            format!("{}, tokio {}", e.rustc_version, e.tokio_version),
        ),
        ("open files (ulimit -n)".into(), opt(l.nofile)),
        ("kernel.pid_max".into(), opt(l.pid_max)),
        ("kernel.threads-max".into(), opt(l.threads_max)),
        ("vm.max_map_count".into(), opt(l.max_map_count)),
        ("ephemeral ports".into(), l.ephemeral_ports.clone().unwrap_or_default()),
    ];
    // Which machine, when the results say (those from before shards do not).
    if !e.host.hostname.is_empty() {
        let node = e.host.node.as_ref().map(|n| format!(", node {n}")).unwrap_or_default();
        let label = e
            .host
            .label
            .as_ref()
            .map(|l| format!(", labelled {l}"))
            .unwrap_or_default();
        rows.insert(
            0,
            (
                "host".into(),
                format!("{} ({}{node}{label})", e.host.hostname, e.host.arch),
            ),
        );
    }
    if let Some(c) = &e.host.container {
        let cpus = c.cpus.map_or("unlimited".into(), |n| n.to_string());
        let memory = c.memory_bytes.map_or("unlimited".into(), |b| format_bytes(b as f64));
        rows.push((
            "cgroup limits".into(),
            format!("{cpus} CPUs, {} memory ({})", nb(&memory), c.cgroup),
        ));
    }
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
    for py in &e.python {
        let libs: Vec<String> = py.libraries.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let libs = if libs.is_empty() {
            String::new()
        } else {
            format!(", {}", libs.join(", "))
        };
        rows.push((
            "python".into(),
            format!(
                "{} {} {} (GIL {}){libs}",
                py.path,
                py.implementation,
                py.version,
                if py.gil { "on" } else { "off" }
            ),
        ));
    }
    h.push_str(r#"<section><h2>Environment</h2><div class="scroll"><table>"#);
    for (k, v) in rows {
        // `vm.max_map_count=65530` breaks after its `=` on a narrow screen, never inside
        // the number.
        let _ = write!(
            h,
            r#"<tr><th class="text">{}</th><td class="text">{}</td></tr>"#,
            escape(&k),
            escape(&v).replace('=', "=<wbr>")
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
