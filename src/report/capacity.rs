//! Capacity at an objective (`bench --slo`) in words, tables and the knee chart: per
//! server workload, model × connections → the highest rate held; the verdicts `analyze`
//! decided; and in HTML, each model's quantile against offered rate, the objective drawn
//! across, so where each line crosses it (the knee) is seen, not just stated.

use std::collections::BTreeSet;
use std::fmt::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

use super::axis::{Axis, Scale};
use super::labels::{dodge, FONT, LINE};
use super::markup::escape;
use super::{palette, screen};
use crate::analyze::capacity::{ranking, rps, ServerAdvice};
use crate::results::{Capacity, CapacitySearch, Probe, Results};
use crate::units::{format_count, format_duration, plural};

/// `capacity at p99 ≤ 50ms`.
pub fn heading(c: &Capacity) -> String {
    format!(
        "capacity at {} ≤ {}",
        c.quantile,
        format_duration(std::time::Duration::from_secs_f64(c.limit_ms / 1e3))
    )
}

/// The progress line of one finished search.
pub fn search_line(s: &CapacitySearch, slo: &str, position: usize, total: usize) -> String {
    let found = match s.capacity_rps {
        Some(c) => format!("capacity {}", rps(c)),
        None => "no rate held".to_string(),
    };
    format!(
        "[{position}/{total}] {} {} n={} at {slo}: {found} ({}, {})",
        s.workload,
        s.model,
        format_count(s.tasks),
        plural(s.probes.len(), "probe"),
        s.end.as_str()
    )
}

/// The workloads searched, in order.
fn workloads(c: &Capacity) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in &c.searches {
        if !out.contains(&s.workload.as_str()) {
            out.push(&s.workload);
        }
    }
    out
}

/// The models searched on `workload`, in the plan's order.
fn models<'a>(results: &'a Results, c: &Capacity, workload: &str) -> Vec<&'a str> {
    results
        .plan
        .models
        .iter()
        .filter(|m| c.searches.iter().any(|s| s.workload == workload && &s.model == *m))
        .map(String::as_str)
        .collect()
}

fn counts(c: &Capacity, workload: &str) -> Vec<usize> {
    let set: BTreeSet<usize> = c
        .searches
        .iter()
        .filter(|s| s.workload == workload)
        .map(|s| s.tasks)
        .collect();
    set.into_iter().collect()
}

/// What a table cell says for `model` at `tasks`: the median capacity (★ when the
/// verdict names it), or why nothing was held.
fn figure(c: &Capacity, workload: &str, model: &str, tasks: usize) -> String {
    let held = ranking(&c.searches, workload, tasks);
    let Some(h) = held.iter().find(|h| h.model == model) else {
        return "-".into();
    };
    let star = c
        .verdicts
        .iter()
        .any(|v| v.workload == workload && v.tasks == tasks && v.most.as_deref() == Some(model));
    if h.median_rps > 0.0 {
        let runs = match h.runs {
            1 => String::new(),
            n => format!(" (median of {n})"),
        };
        // A search that never failed found a lower bound, not the capacity.
        let bound = c
            .searches
            .iter()
            .any(|s| s.workload == workload && s.model == model && s.tasks == tasks && s.failed_at_rps.is_none());
        return format!(
            "{}{}{}{runs}",
            if star { "★ " } else { "" },
            if bound { "≥ " } else { "" },
            rps(h.median_rps)
        );
    }
    let why = c
        .searches
        .iter()
        .filter(|s| s.workload == workload && s.model == model && s.tasks == tasks)
        .flat_map(|s| s.probes.iter())
        .find_map(|p| p.reason.clone())
        .unwrap_or_else(|| "no probe ran".into());
    format!("none: {why}")
}

/// The terminal section: a table per workload, then the verdicts; empty without `--slo`.
pub fn terminal(results: &Results, width: usize) -> String {
    let Some(c) = &results.capacity else {
        return String::new();
    };
    let mut out = String::new();
    for w in workloads(c) {
        let _ = writeln!(out, "\n{}", screen::wrap(&format!("{}: {w}", heading(c)), width, 2));
        let _ = writeln!(
            out,
            "{}",
            screen::wrap(
                &format!(
                    "The highest open-loop rate (requests/s over all connections) whose clients' {} stayed within {}, \
                     {}, and at least {:.0}% of the offered rate answered; each probe {} at its rate.",
                    c.quantile,
                    format_duration(std::time::Duration::from_secs_f64(c.limit_ms / 1e3)),
                    budget(c.error_budget),
                    c.min_achieved * 100.0,
                    crate::units::format_secs(c.probe_s)
                ),
                width,
                0
            )
        );
        let counts = counts(c, w);
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        let mut head = vec![Cell::new("model")];
        head.extend(
            counts
                .iter()
                .map(|n| Cell::new(format!("n={}", format_count(*n))).set_alignment(CellAlignment::Right)),
        );
        table.set_header(head);
        for m in models(results, c, w) {
            let mut row = vec![Cell::new(m)];
            row.extend(
                counts
                    .iter()
                    .map(|&n| Cell::new(figure(c, w, m, n)).set_alignment(CellAlignment::Right)),
            );
            table.add_row(row);
        }
        let _ = writeln!(out, "{table}");
        let probes: usize = c
            .searches
            .iter()
            .filter(|s| s.workload == w)
            .map(|s| s.probes.len())
            .sum();
        let searches = c.searches.iter().filter(|s| s.workload == w).count();
        let _ = writeln!(
            out,
            "  {} in {} (every probe in results.json capacity.searches[].probes)",
            plural(probes, "probe"),
            match searches {
                1 => "1 search".to_string(),
                n => format!("{n} searches"),
            }
        );
    }
    if !c.verdicts.is_empty() {
        let _ = writeln!(out, "\n{}:", heading(c));
        for v in &c.verdicts {
            let _ = writeln!(out, "{}", screen::wrap(&format!("- {}", v.line), width, 2));
        }
    }
    out
}

fn budget(share: f64) -> String {
    match share {
        0.0 => "no request failed".into(),
        s => format!("at most {}% of requests failed", s * 100.0),
    }
}

/// `advise --side server --app`: the stacks ranked by capacity, those not measured and
/// why, and the one to use (or why none is named).
pub fn advice(c: &Capacity, a: &ServerAdvice, skipped: &[(String, String)], width: usize) -> String {
    let mut out = format!("\n{}, measured just now:\n", heading(c));
    for (i, h) in a.ranked.iter().enumerate() {
        let never_failed = c
            .searches
            .iter()
            .any(|s| s.model == h.model && s.capacity_rps.is_some() && s.failed_at_rps.is_none());
        let held = match h.median_rps {
            0.0 => "held no rate within the objective".to_string(),
            v if never_failed => format!("≥ {} (every rate tried held)", rps(v)),
            v => rps(v),
        };
        let _ = writeln!(out, "  {}. {:<24} {held}", i + 1, h.model);
    }
    for (model, why) in skipped {
        let _ = writeln!(
            out,
            "{}",
            screen::wrap(&format!("  -  {model}: not measured ({why})"), width, 5)
        );
    }
    let pick = match &a.pick {
        Some(m) => format!("\nUse {m}: {}.", a.line),
        None => format!("\nNo stack is named: {}.", a.line),
    };
    let _ = writeln!(out, "{}", screen::wrap(&pick, width, 0));
    out
}

/// The Markdown section: a table per workload and the verdicts; empty without `--slo`.
pub fn markdown(results: &Results) -> String {
    let Some(c) = &results.capacity else {
        return String::new();
    };
    let mut out = String::new();
    for w in workloads(c) {
        let counts = counts(c, w);
        let _ = writeln!(out, "## {}: {w}\n", heading(c));
        let _ = write!(out, "| model |");
        for n in &counts {
            let _ = write!(out, " n={} |", format_count(*n));
        }
        let _ = write!(out, "\n|---|");
        out.push_str(&"---:|".repeat(counts.len()));
        out.push('\n');
        for m in models(results, c, w) {
            let _ = write!(out, "| {m} |");
            for &n in &counts {
                let _ = write!(out, " {} |", figure(c, w, m, n).replace('|', "\\|"));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    for v in &c.verdicts {
        let _ = writeln!(out, "- {}", v.line);
    }
    if !c.verdicts.is_empty() {
        out.push('\n');
    }
    out
}

/// The HTML section: verdicts, a table and a knee chart per workload and connection
/// count; empty without `--slo`.
pub fn html(results: &Results) -> String {
    let Some(c) = &results.capacity else {
        return String::new();
    };
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<section class="capacity"><h2>{}</h2><ul class="points">"#,
        escape(&heading(c))
    );
    for v in &c.verdicts {
        let _ = write!(h, "<li>{}</li>", escape(&v.line));
    }
    h.push_str("</ul>");
    for w in workloads(c) {
        let counts = counts(c, w);
        let models = models(results, c, w);
        let _ = write!(
            h,
            r#"<h3>{}</h3><div class="scroll"><table><tr><th class="text">model</th>"#,
            escape(w)
        );
        for n in &counts {
            let _ = write!(h, "<th>n={}</th>", format_count(*n));
        }
        h.push_str("</tr>");
        for m in &models {
            let _ = write!(h, r#"<tr><td class="text">{}</td>"#, escape(m));
            for &n in &counts {
                let _ = write!(h, "<td>{}</td>", escape(&figure(c, w, m, n)));
            }
            h.push_str("</tr>");
        }
        h.push_str(r#"</table></div><p class="vm">Each chart: offered rate across, the clients' quantile up, both on log scales, one line per model through its probes; the dashed line is the objective. Hover a point for its probe.</p><div class="charts">"#);
        for &n in &counts {
            let _ = write!(
                h,
                "<figure><figcaption><b>{} against offered rate</b><span>{}</span></figcaption>{}</figure>",
                escape(&c.quantile),
                escape(&plural(n, "connection")),
                knee(results, c, w, n)
            );
        }
        h.push_str("</div>");
    }
    h.push_str("</section>");
    h
}

/// The quantile the objective bounds, of one probe, in ms.
fn quantile(c: &Capacity, p: &Probe) -> Option<f64> {
    match c.quantile.as_str() {
        "p50" => p.p50_ms,
        "p999" => p.p999_ms,
        _ => p.p99_ms,
    }
}

/// A model's name in lines of at most 12 characters, broken before each `+` or `:`
/// (`py-pool` / `+gunicorn` / `:size=16`), so a stack's long name fits the margin.
fn name_lines(name: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut piece = String::new();
    let mut pieces = Vec::new();
    for ch in name.chars() {
        if (ch == '+' || ch == ':') && !piece.is_empty() {
            pieces.push(std::mem::take(&mut piece));
        }
        piece.push(ch);
    }
    pieces.push(piece);
    for p in pieces {
        match lines.last_mut() {
            Some(last) if last.chars().count() + p.chars().count() <= 12 => last.push_str(&p),
            _ => lines.push(p),
        }
    }
    lines
}

const W: f64 = 420.0;
const PLOT_H: f64 = 228.0;
const TOP: f64 = 12.0;

/// One model's line: its index in the plan (its colour), its name, and its probes as
/// (offered rate, quantile in seconds, passed).
type Line<'a> = (usize, &'a str, Vec<(f64, f64, bool)>);

/// The knee chart of `workload` at `tasks`: per model, its probes' quantile against the
/// offered rate (every repeat's probes on one line, by rate), the objective across.
pub fn knee(results: &Results, c: &Capacity, workload: &str, tasks: usize) -> String {
    let lines: Vec<Line> = results
        .plan
        .models
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let mut pts: Vec<(f64, f64, bool)> = c
                .searches
                .iter()
                .filter(|s| s.workload == workload && s.tasks == tasks && &s.model == m)
                .flat_map(|s| s.probes.iter())
                .filter_map(|p| Some((p.rate as f64, quantile(c, p)? / 1e3, p.pass)))
                .filter(|p| p.0 > 0.0 && p.1 > 0.0)
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (!pts.is_empty()).then_some((i, m.as_str(), pts))
        })
        .collect();
    let title = format!("{} against offered rate at {}", c.quantile, plural(tasks, "connection"));
    let h = TOP + PLOT_H + FONT + 14.0;
    let mut svg = format!(
        r#"<svg class="chart knee" viewBox="0 0 {W} {h}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(&title)
    );
    if lines.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">no probe measured</text></svg>"#,
            W / 2.0,
            h / 2.0
        );
        return svg;
    }
    let limit = c.limit_ms / 1e3;
    let xs: Vec<f64> = lines.iter().flat_map(|l| l.2.iter().map(|p| p.0)).collect();
    let mut ys: Vec<f64> = lines.iter().flat_map(|l| l.2.iter().map(|p| p.1)).collect();
    ys.push(limit);
    let ya = Axis::log(Scale::Seconds, &ys, PLOT_H, &|_| FONT * 1.3);
    let left = ya
        .ticks
        .iter()
        .map(|t| super::svg::room(&Scale::Seconds.label(*t)))
        .fold(0.0, f64::max)
        + 8.0;
    let right = lines
        .iter()
        .map(|l| super::svg::room(l.1))
        .fold(0.0, f64::max)
        .min(110.0)
        + 12.0;
    let pw = W - left - right;
    let xa = Axis::log(Scale::Count, &xs, pw, &|l| super::svg::room(l) + 10.0);
    let px = |x: f64| left + xa.at(x, pw);
    let py = |y: f64| TOP + PLOT_H - ya.at(y, PLOT_H);
    for v in &xa.ticks {
        let label = Scale::Count.label(*v);
        // A rate label centred on the plot's left edge would run into the lowest time label:
        // it starts at the edge instead.
        let anchor = if px(*v) - super::svg::room(&label) / 2.0 < left {
            "start"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}" class="grid"/><text x="{x:.1}" y="{ty:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
            escape(&label),
            x = px(*v),
            b = TOP + PLOT_H,
            ty = TOP + PLOT_H + FONT + 2.0
        );
    }
    for v in &ya.ticks {
        let y = py(*v);
        let _ = write!(
            svg,
            r#"<line x1="{left:.1}" y1="{y:.1}" x2="{r:.1}" y2="{y:.1}" class="grid"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" class="tick">{}</text>"#,
            escape(&Scale::Seconds.label(*v)),
            r = left + pw,
            tx = left - 6.0,
            ty = y + FONT * 0.35
        );
    }
    let _ = write!(
        svg,
        r#"<rect x="{left:.1}" y="{TOP:.1}" width="{pw:.1}" height="{PLOT_H:.1}" class="frame"/>"#
    );
    let _ = write!(
        svg,
        r#"<line class="slo" x1="{left:.1}" y1="{y:.1}" x2="{r:.1}" y2="{y:.1}" stroke="currentColor" stroke-width="1.5" stroke-dasharray="5 4"><title>objective: {} ≤ {}</title></line>"#,
        escape(&c.quantile),
        format_duration(std::time::Duration::from_secs_f64(limit)),
        y = py(limit),
        r = left + pw
    );
    for (i, model, pts) in &lines {
        let look = palette::look(model);
        let _ = write!(
            svg,
            r#"<g class="{}" data-model="{}">"#,
            palette::class(*i),
            escape(model)
        );
        if pts.len() > 1 {
            let path: Vec<String> = pts.iter().map(|p| format!("{:.1},{:.1}", px(p.0), py(p.1))).collect();
            let dash = palette::dash(&look)
                .map(|d| format!(r#" stroke-dasharray="{d}""#))
                .unwrap_or_default();
            let _ = write!(
                svg,
                r#"<polyline class="line" fill="none" stroke="currentColor" stroke-width="2"{dash} points="{}"/>"#,
                path.join(" ")
            );
        }
        for &(x, y, pass) in pts {
            let _ = write!(
                svg,
                r#"<g class="pt" data-rate="{}">{}<title>{} · {} offered · {} {} · {}</title></g>"#,
                x as u64,
                palette::marker(&look, px(x), py(y), 4.0),
                escape(model),
                rps(x),
                escape(&c.quantile),
                crate::units::format_secs(y),
                if pass { "held" } else { "not held" }
            );
        }
        svg.push_str("</g>");
    }
    // Names in the right margin, level with each line's last probe, spread apart where
    // lines end close together.
    let names: Vec<Vec<String>> = lines.iter().map(|l| name_lines(l.1)).collect();
    let wanted: Vec<(f64, usize)> = lines
        .iter()
        .zip(&names)
        .map(|(l, n)| (py(l.2[l.2.len() - 1].1), n.len()))
        .collect();
    let placed = dodge(&wanted, TOP + FONT * 0.35, TOP + PLOT_H - FONT * 0.5);
    for (((i, _, _), name), y) in lines.iter().zip(&names).zip(placed) {
        let x = left + pw + 8.0;
        let _ = write!(
            svg,
            r#"<g class="{}"><text x="{x:.1}" y="{:.1}" class="name" fill="currentColor">"#,
            palette::class(*i),
            y + FONT * 0.35
        );
        for (k, line) in name.iter().enumerate() {
            let dy = if k == 0 { 0.0 } else { LINE };
            let _ = write!(svg, r#"<tspan x="{x:.1}" dy="{dy:.1}">{}</tspan>"#, escape(line));
        }
        svg.push_str("</text></g>");
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests;
