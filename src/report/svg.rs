//! Log-log line charts as inline SVG, made to be read at a glance on a laptop and on a
//! phone: one line per model in its fixed look (`palette`), its name at the line's end
//! instead of a legend to match up, round ticks (`axis`), a cross where a model failed
//! and hollow rings where its later cells were skipped, values in each point's tooltip.
//!
//! The page scales a chart to its column, so text sizes are set by the page's CSS per
//! screen width (`.chart text`), and the layout here leaves room for the largest of them
//! (`FONT`). No script, no external resource.

use std::fmt::Write;

use super::axis::{Axis, Scale};
use super::palette;

/// One model's line.
pub struct Series {
    pub model: String,
    /// The CSS class carrying the model's colour (`palette::class`).
    pub class: String,
    /// (tasks, value), value > 0.
    pub points: Vec<(f64, f64)>,
    /// Where the model stopped working, and the few words that say why.
    pub failed: Option<(f64, String)>,
    /// Task counts not run because of that failure.
    pub skipped: Vec<f64>,
}

/// A chart: a title for the tooltip, what the y axis counts, and its lines.
pub struct Chart<'a> {
    pub title: &'a str,
    pub y: Scale,
    pub series: &'a [Series],
    /// Draw y = x, the concurrency asked for.
    pub diagonal: bool,
}

/// The coordinate box; the page draws it as wide as its column.
pub const W: f64 = 420.0;
const H: f64 = 270.0;
/// The largest font size, in user units, the page's CSS gives chart text (on the
/// narrowest screens); the layout leaves room for it.
const FONT: f64 = 16.0;
const CHAR: f64 = 0.56 * FONT;
const TOP: f64 = 12.0;
const BOTTOM: f64 = FONT + 14.0;
/// A line's label wraps after this many characters (at `+` or `:`).
const LABEL_CHARS: usize = 12;

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A model's name in at most two lines of `LABEL_CHARS`: `py-asyncio` / `+uvloop`.
fn label_lines(name: &str) -> Vec<String> {
    if name.chars().count() <= LABEL_CHARS {
        return vec![name.to_string()];
    }
    match name[1..].find(['+', ':']).map(|i| i + 1) {
        Some(i) => vec![name[..i].to_string(), name[i..].to_string()],
        None => vec![name.to_string()],
    }
}

/// Spread label positions (wanted y, lines) at least a line apart, inside [lo, hi].
fn dodge(wanted: &[(f64, usize)], lo: f64, hi: f64) -> Vec<f64> {
    let line = FONT * 1.05;
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|a, b| wanted[*a].0.total_cmp(&wanted[*b].0));
    let mut y = vec![0.0; wanted.len()];
    let mut next = lo;
    for &i in &order {
        y[i] = wanted[i].0.max(next);
        next = y[i] + line * wanted[i].1 as f64;
    }
    // Pushed past the bottom: shift the stack back up.
    let mut limit = hi;
    for &i in order.iter().rev() {
        let bottom = y[i] + line * (wanted[i].1 as f64 - 1.0);
        if bottom > limit {
            y[i] -= bottom - limit;
        }
        limit = y[i] - line;
    }
    y
}

/// Render a chart; `fmt` prints a value for the tooltips.
pub fn line_chart(chart: &Chart, fmt: &dyn Fn(f64) -> String) -> String {
    let series = chart.series;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(chart.title)
    );
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.0)
                .chain(s.failed.iter().map(|f| f.0))
                .chain(s.skipped.iter().cloned())
        })
        .filter(|x| *x > 0.0)
        .collect();
    let mut ys: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .filter(|y| *y > 0.0)
        .collect();
    if xs.is_empty() || ys.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">no completed cells</text></svg>"#,
            W / 2.0,
            H / 2.0
        );
        return svg;
    }
    if chart.diagonal {
        ys.extend(xs.iter().cloned());
    }
    let room = |label: &str| label.chars().count() as f64 * CHAR;
    let y_probe = Axis::log(chart.y, &ys, H - TOP - BOTTOM, &|_| FONT * 1.3);
    let left = y_probe
        .ticks
        .iter()
        .map(|t| room(&chart.y.label(*t)))
        .fold(0.0, f64::max)
        + 8.0;
    let labels: Vec<Vec<String>> = series.iter().map(|s| label_lines(&s.model)).collect();
    let right = labels.iter().flatten().map(|l| room(l)).fold(0.0, f64::max) + 12.0;
    let (pw, ph) = (W - left - right, H - TOP - BOTTOM);
    let xa = Axis::log(Scale::Count, &xs, pw, &|l| room(l) + 10.0);
    let ya = Axis::log(chart.y, &ys, ph, &|_| FONT * 1.3);
    let px = |x: f64| left + xa.at(x, pw);
    let py = |y: f64| TOP + ph - ya.at(y, ph);

    for v in &xa.minor {
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}" class="minor"/>"#,
            x = px(*v),
            b = TOP + ph
        );
    }
    for v in &ya.minor {
        let _ = write!(
            svg,
            r#"<line x1="{left:.1}" y1="{y:.1}" x2="{r:.1}" y2="{y:.1}" class="minor"/>"#,
            y = py(*v),
            r = left + pw
        );
    }
    for v in &xa.ticks {
        let x = px(*v);
        // The first label starts at the corner, clear of the lowest y label.
        let anchor = if x - left < 1.0 { "start" } else { "middle" };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}" class="grid"/><text x="{x:.1}" y="{ty:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
            escape(&xa.scale.label(*v)),
            b = TOP + ph,
            ty = TOP + ph + FONT + 2.0
        );
    }
    for v in &ya.ticks {
        let y = py(*v);
        let _ = write!(
            svg,
            r#"<line x1="{left:.1}" y1="{y:.1}" x2="{r:.1}" y2="{y:.1}" class="grid"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" class="tick">{}</text>"#,
            escape(&ya.scale.label(*v)),
            r = left + pw,
            tx = left - 6.0,
            ty = y + FONT * 0.35
        );
    }
    let _ = write!(
        svg,
        r#"<rect x="{left:.1}" y="{TOP}" width="{pw:.1}" height="{ph:.1}" class="frame"/>"#
    );
    if chart.diagonal {
        let (a, b) = (xa.lo.max(ya.lo), xa.hi.min(ya.hi));
        if b > a {
            let _ = write!(
                svg,
                r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" class="asked"><title>as many at once as tasks asked for</title></line>"#,
                px(a),
                py(a),
                px(b),
                py(b)
            );
        }
    }

    // Lines: the first drawn widest, so a later line on the same values stays visible
    // inside it.
    let n = series.len().max(2) as f64;
    let mut ends: Vec<(f64, usize)> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let look = palette::look(&s.model);
        let mut pts: Vec<(f64, f64)> = s.points.iter().filter(|p| p.0 > 0.0 && p.1 > 0.0).cloned().collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let width = 2.0 + 2.5 * (n - 1.0 - i as f64) / (n - 1.0);
        let _ = write!(svg, r#"<g class="{}">"#, s.class);
        if pts.len() > 1 {
            let path: Vec<String> = pts.iter().map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
            let dash = palette::dash(&look)
                .map(|d| format!(r#" stroke-dasharray="{d}""#))
                .unwrap_or_default();
            let _ = write!(
                svg,
                r#"<polyline class="line" stroke="currentColor" stroke-width="{width:.1}"{dash} points="{}"/>"#,
                path.join(" ")
            );
        }
        for &(x, y) in &pts {
            let _ = write!(
                svg,
                r#"<g>{}<title>{} · {} tasks · {}</title></g>"#,
                palette::marker(&look, px(x), py(y), 4.5),
                escape(&s.model),
                crate::units::format_count(x as usize),
                escape(&fmt(y))
            );
        }
        let mut end = pts.last().map(|p| (px(p.0), py(p.1)));
        if s.failed.is_some() || !s.skipped.is_empty() {
            end = Some(stop_marks(&mut svg, s, end, &px));
        }
        svg.push_str("</g>");
        match end {
            // A line that reaches the right edge is named in the margin there ...
            Some((x, y)) if x >= left + pw - 1.0 => ends.push((y, i)),
            // ... one that stops early, where it stops.
            Some((x, y)) => {
                let width = room(&s.model);
                let (tx, anchor) = if x + 8.0 + width <= W {
                    (x + 8.0, "start")
                } else {
                    (x - 8.0, "end")
                };
                let _ = write!(
                    svg,
                    r#"<text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" class="name halo {}" fill="currentColor">{}</text>"#,
                    (y - 8.0).max(TOP + FONT),
                    s.class,
                    escape(&s.model)
                );
            }
            None => {}
        }
    }

    // Names at the lines' ends, spread apart where lines end close together.
    let wanted: Vec<(f64, usize)> = ends.iter().map(|(y, i)| (*y, labels[*i].len())).collect();
    let placed = dodge(&wanted, TOP + FONT * 0.35, TOP + ph - FONT * 0.5);
    for ((y, i), ly) in ends.iter().zip(placed) {
        let x = left + pw + 8.0;
        let _ = write!(svg, r#"<g class="{}">"#, series[*i].class);
        if (ly - y).abs() > 2.0 {
            let _ = write!(
                svg,
                r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{:.1}" stroke="currentColor" stroke-width="1"/>"#,
                left + pw + 1.0,
                x - 2.0,
                ly - FONT * 0.35
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" class="name" fill="currentColor">"#,
            ly + FONT * 0.35
        );
        for (k, line) in labels[*i].iter().enumerate() {
            let dy = if k == 0 { 0.0 } else { FONT * 1.05 };
            let _ = write!(svg, r#"<tspan x="{x:.1}" dy="{dy:.1}">{}</tspan>"#, escape(line));
        }
        svg.push_str("</text></g>");
    }
    svg.push_str("</svg>");
    svg
}

/// A cross where `s` failed and rings where its later counts were not run, on the level
/// its line ended at (at the top without a line), joined to it by a dotted line; returns
/// where the last mark is, for the line's name.
fn stop_marks(svg: &mut String, s: &Series, end: Option<(f64, f64)>, px: &dyn Fn(f64) -> f64) -> (f64, f64) {
    let y = end.map_or(TOP + 10.0, |e| e.1);
    let mut marks: Vec<f64> = s.failed.iter().map(|f| px(f.0)).collect();
    marks.extend(s.skipped.iter().map(|k| px(*k)));
    let far = marks.iter().cloned().fold(end.map_or(0.0, |e| e.0), f64::max);
    if let Some((x0, _)) = end.or(marks.first().map(|x| (*x, y))) {
        let _ = write!(
            svg,
            r#"<line x1="{x0:.1}" y1="{y:.1}" x2="{far:.1}" y2="{y:.1}" stroke="currentColor" stroke-width="1.5" stroke-dasharray="2 3" opacity=".8"/>"#
        );
    }
    for k in &s.skipped {
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{y:.1}" r="4.5" fill="var(--panel)" stroke="currentColor" stroke-width="1.5"><title>{} · {} tasks · not run</title></circle>"#,
            px(*k),
            escape(&s.model),
            crate::units::format_count(*k as usize)
        );
    }
    if let Some((tasks, why)) = &s.failed {
        let (x, r) = (px(*tasks), 6.0);
        let _ = write!(
            svg,
            r#"<g class="failed"><path d="M{:.1},{:.1}l{d},{d}m0,-{d}l-{d},{d}" stroke="currentColor" stroke-width="3" stroke-linecap="round"/><title>{} · {} tasks · {}</title></g>"#,
            x - r,
            y - r,
            escape(&s.model),
            crate::units::format_count(*tasks as usize),
            escape(why),
            d = 2.0 * r
        );
    }
    (far, y)
}

/// A small sample of a model's line and marker, for a legend or a table heading.
pub fn swatch(model: &str, class: &str) -> String {
    let look = palette::look(model);
    let dash = palette::dash(&look)
        .map(|d| format!(r#" stroke-dasharray="{d}""#))
        .unwrap_or_default();
    format!(
        r#"<svg class="swatch {class}" viewBox="0 0 28 12" width="28" height="12" aria-hidden="true"><line x1="1" y1="6" x2="27" y2="6" stroke="currentColor" stroke-width="2.5"{dash}/>{}</svg>"#,
        palette::marker(&look, 14.0, 6.0, 3.5)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(model: &str, points: Vec<(f64, f64)>) -> Series {
        Series {
            model: model.into(),
            class: "m0".into(),
            points,
            failed: None,
            skipped: vec![],
        }
    }

    #[test]
    fn draws_lines_markers_names_and_failures() {
        let mut b = series("py-thread<x>", vec![(10.0, 3.0), (100.0, 4.0)]);
        b.failed = Some((1000.0, "failed: spawn-limit".into()));
        b.skipped = vec![10_000.0];
        let all = [series("rs-async", vec![(10.0, 1.0), (1000.0, 2.0)]), b];
        let chart = Chart {
            title: "time",
            y: Scale::Seconds,
            series: &all,
            diagonal: false,
        };
        let svg = line_chart(&chart, &|v| format!("{v}s"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("py-thread&lt;x&gt; · 1,000 tasks · failed: spawn-limit"));
        assert!(svg.contains("10,000 tasks · not run"));
        assert!(svg.contains(">rs-async</text>"), "a direct label where the line ends");
        assert!(
            svg.contains(r#"stroke-dasharray="7 4""#),
            "thread-style lines are dashed"
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let empty = line_chart(
            &Chart {
                title: "t",
                y: Scale::Count,
                series: &[],
                diagonal: false,
            },
            &|v| v.to_string(),
        );
        assert!(empty.contains("no completed cells"));
    }

    #[test]
    fn labels_of_lines_ending_together_are_spread_apart() {
        let y = dodge(&[(100.0, 1), (100.0, 2), (101.0, 1)], 0.0, 500.0);
        let mut sorted = y.clone();
        sorted.sort_by(f64::total_cmp);
        assert!(sorted.windows(2).all(|w| w[1] - w[0] >= FONT * 1.05 - 1e-9));
        let low = dodge(&[(200.0, 1), (200.0, 1)], 0.0, 200.0);
        assert!(low.iter().all(|y| *y <= 200.0));
        assert_eq!(label_lines("py-asyncio+uvloop"), ["py-asyncio", "+uvloop"]);
    }
}
