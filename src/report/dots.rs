//! A workload measured at one task count has nothing to draw lines through: a line chart
//! of it is one column of points over a single x, names piled on each other. So it is a
//! dot plot instead: one row per model, its name at the left, its value as a dot on a log
//! axis across with the figure printed beside it; a model without a value says why in its
//! row (a cross or a ring and the reason's first words), never a dot.

use std::fmt::Write;

use super::axis::Axis;
use super::labels::{Anchor, FONT, LINE};
use super::svg::{escape, label_lines, point, room, Chart, BOTTOM, TOP, W};

/// Render `chart` (its series at one task count, `tasks`) as a dot plot; `fmt` prints a
/// value beside its dot.
pub fn dot_plot(chart: &Chart, tasks: usize, fmt: &dyn Fn(f64) -> String) -> String {
    let series = chart.series;
    let value = |i: usize| {
        series[i]
            .points
            .iter()
            .find(|p| p.0 as usize == tasks && p.1 > 0.0)
            .map(|p| p.1)
    };
    // A row per model measured (or planned) at this count; a model the workload's plan did
    // not have gets none.
    let rows: Vec<usize> = (0..series.len())
        .filter(|&i| value(i).is_some() || series[i].gaps.iter().any(|g| g.tasks == tasks))
        .collect();
    let labels: Vec<Vec<String>> = series.iter().map(|s| label_lines(&s.model)).collect();
    let lines = rows.iter().map(|&i| labels[i].len()).max().unwrap_or(1) as f64;
    let row = lines * LINE + 10.0;
    let plot_h = row * rows.len().max(1) as f64;
    let h = TOP + plot_h + BOTTOM;
    let mut svg = format!(
        r#"<svg class="chart dots" viewBox="0 0 {W} {h:.1}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(chart.title)
    );
    let mut xs: Vec<f64> = (0..series.len()).filter_map(value).collect();
    if xs.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">no completed cells</text></svg>"#,
            W / 2.0,
            h / 2.0
        );
        return svg;
    }
    if chart.diagonal {
        xs.push(tasks as f64);
    }
    // Room either side of the extremes, so that no dot sits on the frame.
    let (lo, hi) = xs.iter().fold((f64::MAX, 0.0f64), |(l, h), v| (l.min(*v), h.max(*v)));
    xs.extend([lo / 1.3, hi * 1.3]);
    let left = rows
        .iter()
        .flat_map(|&i| &labels[i])
        .map(|l| room(l))
        .fold(0.0, f64::max)
        + 12.0;
    // Room at the right for the widest printed value.
    let right = (0..series.len())
        .filter_map(value)
        .map(|v| room(&fmt(v)))
        .fold(0.0, f64::max)
        + 14.0;
    let pw = W - left - right;
    let xa = Axis::log(chart.y, &xs, pw, &|l| room(l) + 10.0);
    let px = |x: f64| left + xa.at(x, pw);
    for v in &xa.minor {
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}" class="minor"/>"#,
            x = px(*v),
            b = TOP + plot_h
        );
    }
    for v in &xa.ticks {
        let x = px(*v);
        let anchor = if x - left < 1.0 { "start" } else { "middle" };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}" class="grid"/><text x="{x:.1}" y="{ty:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
            escape(&xa.scale.label(*v)),
            b = TOP + plot_h,
            ty = TOP + plot_h + FONT + 2.0
        );
    }
    let _ = write!(
        svg,
        r#"<rect x="{left:.1}" y="{TOP}" width="{pw:.1}" height="{plot_h:.1}" class="frame"/>"#
    );
    if chart.diagonal {
        let x = px(tasks as f64);
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" class="asked"><title>{} at once: as many as tasks asked for</title></line>"#,
            TOP + plot_h,
            crate::units::format_count(tasks)
        );
    }
    for (r, &i) in rows.iter().enumerate() {
        let s = &series[i];
        let mid = TOP + row * (r as f64 + 0.5);
        let first = mid + FONT * 0.35 - (labels[i].len() as f64 - 1.0) * LINE / 2.0;
        let _ = write!(
            svg,
            r#"<g class="{}"><line x1="{left:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}" class="minor"/><text x="{:.1}" y="{first:.1}" text-anchor="end" class="name" fill="currentColor">"#,
            s.class,
            left + pw,
            left - 6.0
        );
        for (k, line) in labels[i].iter().enumerate() {
            let dy = if k == 0 { 0.0 } else { LINE };
            let _ = write!(
                svg,
                r#"<tspan x="{:.1}" dy="{dy:.1}">{}</tspan>"#,
                left - 6.0,
                escape(line)
            );
        }
        svg.push_str("</text>");
        match (value(i), s.gaps.iter().find(|g| g.tasks == tasks)) {
            (Some(v), _) => {
                let x = px(v);
                svg.push_str(&point(&s.model, tasks, x, mid, &fmt(v)));
                // The figure beside its dot, on whichever side has room.
                let text = fmt(v);
                let (tx, anchor) = if x + 8.0 + room(&text) <= W {
                    (x + 8.0, Anchor::Start)
                } else {
                    (x - 8.0, Anchor::End)
                };
                let _ = write!(
                    svg,
                    r#"<text x="{tx:.1}" y="{:.1}" text-anchor="{}" class="value halo">{}</text>"#,
                    mid + FONT * 0.35,
                    anchor.as_str(),
                    escape(&text)
                );
            }
            (None, Some(g)) => {
                // No dot, which would sit at a value: the reason's first words in its row
                // ("✕ failed", "○ not run: predicted timeout"), the whole in the tooltip.
                let short: String = g.why.split(": ").take(2).collect::<Vec<_>>().join(": ");
                let short = if room(&short) + 30.0 > pw + right {
                    g.why.split(": ").next().unwrap_or("").to_string()
                } else {
                    short
                };
                let _ = write!(
                    svg,
                    r#"<g class="nr" data-model="{}" data-tasks="{tasks}"><text x="{:.1}" y="{:.1}" class="tick">{} {}</text><title>{} · {} tasks · {}</title></g>"#,
                    escape(&s.model),
                    left + 6.0,
                    mid + FONT * 0.35,
                    if g.ran { "✕" } else { "○" },
                    escape(&short),
                    escape(&s.model),
                    crate::units::format_count(tasks),
                    escape(&g.why)
                );
            }
            (None, None) => {}
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::axis::Scale;
    use crate::report::gaps::Gap;
    use crate::report::labels::overlapping;
    use crate::report::svg::tests::{name_boxes, points_and_marks};
    use crate::report::svg::Series;

    #[test]
    fn one_count_is_a_row_per_model_and_a_gap_is_no_dot() {
        let s = |m: &str, v: Option<f64>, gap: Option<Gap>| Series {
            model: m.into(),
            class: "m0".into(),
            points: v.map(|v| vec![(1000.0, v)]).unwrap_or_default(),
            gaps: gap.into_iter().collect(),
        };
        let all = [
            s("rs-async", Some(1.0), None),
            s("py-asyncio+uvloop", Some(1.02), None),
            s(
                "py-pool:size=6",
                None,
                Some(Gap {
                    tasks: 1000,
                    ran: false,
                    why: "not run: predicted timeout: needs at least 167 s".into(),
                    short: "not run: predicted timeout".into(),
                }),
            ),
        ];
        let chart = Chart {
            title: "Work time",
            y: Scale::Seconds,
            series: &all,
            diagonal: false,
        };
        let svg = dot_plot(&chart, 1000, &|v| format!("{v:.2} s"));
        assert!(svg.starts_with(r#"<svg class="chart dots""#));
        assert!(!svg.contains("<polyline"), "no lines through one x");
        let (points, marks) = points_and_marks(&svg);
        assert_eq!(
            points,
            [("rs-async".to_string(), 1000), ("py-asyncio+uvloop".to_string(), 1000)]
        );
        assert_eq!(marks.len(), 1);
        assert!(svg.contains(">○ not run: predicted timeout</text>"), "{svg}");
        assert!(svg.contains(">1.02 s</text>"), "the value beside its dot");
        let names = name_boxes(&svg);
        assert_eq!(names.len(), 3);
        assert!(overlapping(&names).is_empty(), "{names:?}");
    }
}
