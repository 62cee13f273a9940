//! Log-log line charts as inline SVG: one line per model, a marker with the reason where
//! a model failed, values in each point's tooltip (`<title>`), scaled by `viewBox` so the
//! chart fits a phone as well as a laptop. No script, no external resource.

use std::fmt::Write;

/// One model's line.
pub struct Series {
    pub name: String,
    /// (tasks, value), value > 0.
    pub points: Vec<(f64, f64)>,
    /// Where the model stopped working, and why.
    pub failed: Option<(f64, String)>,
}

const W: f64 = 640.0;
const H: f64 = 360.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 50.0;
const COLOURS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
];

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn decades(lo: f64, hi: f64) -> (f64, f64) {
    let (a, b) = (lo.log10().floor(), hi.log10().ceil());
    if a == b {
        (a, b + 1.0)
    } else {
        (a, b)
    }
}

/// Render a chart; `fmt` prints a y value for ticks and tooltips.
pub fn line_chart(title: &str, y_label: &str, series: &[Series], fmt: &dyn Fn(f64) -> String) -> String {
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(series.iter().filter_map(|s| s.failed.as_ref().map(|f| f.0)))
        .filter(|x| *x > 0.0)
        .collect();
    let ys: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .filter(|y| *y > 0.0)
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text x="{cx}" y="18" text-anchor="middle" class="ct">{t}</text>"#,
        t = escape(title),
        cx = W / 2.0
    );
    if xs.is_empty() || ys.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">no completed cells</text></svg>"#,
            W / 2.0,
            H / 2.0
        );
        return svg;
    }
    let (x0, x1) = decades(
        xs.iter().cloned().fold(f64::MAX, f64::min),
        xs.iter().cloned().fold(0.0, f64::max),
    );
    let (y0, y1) = decades(
        ys.iter().cloned().fold(f64::MAX, f64::min),
        ys.iter().cloned().fold(0.0, f64::max),
    );
    let px = |x: f64| LEFT + (x.log10() - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let py = |y: f64| H - BOTTOM - (y.log10() - y0) / (y1 - y0) * (H - TOP - BOTTOM);

    // Axes, decade grid lines and labels.
    for d in (x0 as i32)..=(x1 as i32) {
        let x = px(10f64.powi(d));
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{y2}" class="grid"/><text x="{x:.1}" y="{ty}" text-anchor="middle" class="tick">{label}</text>"#,
            y2 = H - BOTTOM,
            ty = H - BOTTOM + 16.0,
            label = crate::units::format_count(10f64.powi(d) as usize)
        );
    }
    for d in (y0 as i32)..=(y1 as i32) {
        let y = py(10f64.powi(d));
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" text-anchor="end" class="tick">{label}</text>"#,
            x2 = W - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = escape(&fmt(10f64.powi(d)))
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{cx}" y="{by}" text-anchor="middle" class="axis">tasks (log scale)</text><text x="14" y="{cy}" text-anchor="middle" transform="rotate(-90 14 {cy})" class="axis">{yl}</text>"#,
        cx = (LEFT + W - RIGHT) / 2.0,
        by = H - 8.0,
        cy = (TOP + H - BOTTOM) / 2.0,
        yl = escape(y_label)
    );

    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut pts: Vec<(f64, f64)> = s.points.iter().filter(|p| p.0 > 0.0 && p.1 > 0.0).cloned().collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        if pts.len() > 1 {
            let path: Vec<String> = pts.iter().map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
            let _ = write!(
                svg,
                r#"<polyline class="line" stroke="{colour}" points="{}"/>"#,
                path.join(" ")
            );
        }
        for &(x, y) in &pts {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"><title>{} · {} tasks · {}</title></circle>"#,
                px(x),
                py(y),
                escape(&s.name),
                crate::units::format_count(x as usize),
                escape(&fmt(y))
            );
        }
        if let Some((x, reason)) = &s.failed {
            let (cx, cy) = (px(*x), TOP + 10.0 + 12.0 * i as f64);
            let _ = write!(
                svg,
                r#"<g class="failed"><text x="{cx:.1}" y="{cy:.1}" text-anchor="middle" fill="{colour}" class="fail">✕</text><title>{} failed at {} tasks: {}</title></g>"#,
                escape(&s.name),
                crate::units::format_count(*x as usize),
                escape(reason)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The legend shared by a workload's charts: colour, model name.
pub fn legend(names: &[String]) -> String {
    let mut out = String::from(r#"<ul class="legend">"#);
    for (i, n) in names.iter().enumerate() {
        let _ = write!(
            out,
            r#"<li><span style="background:{}"></span>{}</li>"#,
            COLOURS[i % COLOURS.len()],
            escape(n)
        );
    }
    out.push_str("</ul>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_points_lines_and_failures() {
        let series = vec![
            Series {
                name: "a".into(),
                points: vec![(10.0, 1.0), (1000.0, 2.0)],
                failed: None,
            },
            Series {
                name: "b<x>".into(),
                points: vec![(10.0, 3.0)],
                failed: Some((1000.0, "spawn-limit".into())),
            },
        ];
        let svg = line_chart("time", "seconds", &series, &|v| format!("{v}s"));
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("b&lt;x&gt; failed at 1,000 tasks: spawn-limit"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let empty = line_chart("t", "s", &[], &|v| v.to_string());
        assert!(empty.contains("no completed cells"));
    }
}
