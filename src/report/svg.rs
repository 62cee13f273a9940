//! Log-log line charts as inline SVG, made to be read at a glance on a laptop and on a
//! phone: one line per model in its fixed look (`palette`), its name at the line's end
//! instead of a legend to match up (placed clear of every other name and point,
//! `labels`), round ticks (`axis`), values in each point's tooltip. A cell without a value
//! (failed, or not run) is never drawn at one: it is a mark in a "no result" lane above
//! the plot, a cross where the model failed and a ring where it was not run, its reason
//! in the tooltip (`gaps`). A workload measured at one task count has no lines to draw:
//! `dots` draws it as a dot plot of models instead.
//!
//! The page scales a chart to its column, so text sizes are set by the page's CSS per
//! screen width (`.chart text`), and the layout here leaves room for the largest of them
//! (`FONT`). No script, no external resource.

use std::fmt::Write;

use super::axis::{Axis, Scale};
use super::gaps::Gap;
use super::labels::{dodge, place_near, text_box, Anchor, Rect, CHAR, FONT, LINE};
use super::palette;

/// One model's line.
pub struct Series {
    pub model: String,
    /// The CSS class carrying the model's colour (`palette::class`).
    pub class: String,
    /// (tasks, value), value > 0.
    pub points: Vec<(f64, f64)>,
    /// The task counts where the model has no value, and why.
    pub gaps: Vec<Gap>,
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
/// The plot's height; the "no result" lane adds to the chart's.
const PLOT_H: f64 = 228.0;
pub const TOP: f64 = 12.0;
pub const BOTTOM: f64 = FONT + 14.0;
/// A line's label wraps after this many characters (at `+` or `:`).
const LABEL_CHARS: usize = 12;
/// The radius of a point's marker.
pub const MARK: f64 = 4.5;
/// One model's row in the "no result" lane.
const LANE_ROW: f64 = 10.0;
/// What the lane is called, left of it.
pub const LANE_LABEL: &str = "no result";

pub use super::markup::escape;

/// A model's name in at most two lines of `LABEL_CHARS`: `py-asyncio` / `+uvloop`.
pub fn label_lines(name: &str) -> Vec<String> {
    if name.chars().count() <= LABEL_CHARS {
        return vec![name.to_string()];
    }
    match name[1..].find(['+', ':']).map(|i| i + 1) {
        Some(i) => vec![name[..i].to_string(), name[i..].to_string()],
        None => vec![name.to_string()],
    }
}

/// The room a text takes across.
pub fn room(label: &str) -> f64 {
    label.chars().count() as f64 * CHAR
}

/// A data point: its marker and a tooltip, tagged with its model and task count (so a
/// test, or the screenshot script, can tell it from a "no result" mark).
pub fn point(model: &str, tasks: usize, x: f64, y: f64, value: &str) -> String {
    let look = palette::look(model);
    format!(
        r#"<g class="pt" data-model="{m}" data-tasks="{tasks}">{}<title>{m} · {} tasks · {}</title></g>"#,
        palette::marker(&look, x, y, MARK),
        crate::units::format_count(tasks),
        escape(value),
        m = escape(model)
    )
}

/// A "no result" mark: a cross where the cell failed, a ring where it was not run.
pub fn gap_mark(model: &str, g: &Gap, x: f64, y: f64) -> String {
    let shape = if g.ran {
        let r = 4.0;
        format!(
            r#"<path d="M{:.1},{:.1}l{d},{d}m0,-{d}l-{d},{d}" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"/>"#,
            x - r,
            y - r,
            d = 2.0 * r
        )
    } else {
        format!(
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="var(--panel)" stroke="currentColor" stroke-width="1.5"/>"#
        )
    };
    format!(
        r#"<g class="nr" data-model="{m}" data-tasks="{}">{shape}<title>{m} · {} tasks · {}</title></g>"#,
        g.tasks,
        crate::units::format_count(g.tasks),
        escape(&g.why),
        m = escape(model)
    )
}

/// Render a chart; `fmt` prints a value for the tooltips.
pub fn line_chart(chart: &Chart, fmt: &dyn Fn(f64) -> String) -> String {
    let series = chart.series;
    let lanes: Vec<usize> = (0..series.len()).filter(|i| !series[*i].gaps.is_empty()).collect();
    let lane_h = if lanes.is_empty() {
        0.0
    } else {
        (lanes.len() as f64 * LANE_ROW + 4.0).max(FONT + 4.0)
    };
    let plot_top = TOP + if lane_h > 0.0 { lane_h + 8.0 } else { 0.0 };
    let h = plot_top + PLOT_H + BOTTOM;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {h}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(chart.title)
    );
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.0)
                .chain(s.gaps.iter().map(|g| g.tasks as f64))
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
            h / 2.0
        );
        return svg;
    }
    if chart.diagonal {
        ys.extend(xs.iter().cloned());
    }
    let ph = PLOT_H;
    let y_probe = Axis::log(chart.y, &ys, ph, &|_| FONT * 1.3);
    let mut left = y_probe
        .ticks
        .iter()
        .map(|t| room(&chart.y.label(*t)))
        .fold(0.0, f64::max)
        + 8.0;
    if lane_h > 0.0 {
        left = left.max(room(LANE_LABEL) + 8.0);
    }
    let labels: Vec<Vec<String>> = series.iter().map(|s| label_lines(&s.model)).collect();
    let right = labels.iter().flatten().map(|l| room(l)).fold(0.0, f64::max) + 12.0;
    let pw = W - left - right;
    // Labelled at the task counts measured, when they fit: where the points are. Room at
    // the left, so that the first count's points sit clear of the y labels; none at the
    // right, where the lines that reach the last count are named.
    let first = xs.iter().cloned().fold(f64::MAX, f64::min);
    let span: Vec<f64> = xs.iter().cloned().chain([first / 1.3]).collect();
    let xa = Axis::log(Scale::Count, &span, pw, &|l| room(l) + 10.0).labelled_at(&xs, pw, &|l| room(l) + 10.0);
    let ya = Axis::log(chart.y, &ys, ph, &|_| FONT * 1.3);
    let px = |x: f64| left + xa.at(x, pw);
    let py = |y: f64| plot_top + ph - ya.at(y, ph);

    for v in &xa.minor {
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{plot_top}" x2="{x:.1}" y2="{b:.1}" class="minor"/>"#,
            x = px(*v),
            b = plot_top + ph
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
            r#"<line x1="{x:.1}" y1="{plot_top}" x2="{x:.1}" y2="{b:.1}" class="grid"/><text x="{x:.1}" y="{ty:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
            escape(&xa.scale.label(*v)),
            b = plot_top + ph,
            ty = plot_top + ph + FONT + 2.0
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
        r#"<rect x="{left:.1}" y="{plot_top:.1}" width="{pw:.1}" height="{ph:.1}" class="frame"/>"#
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
    // The lane: one row per model with cells that gave no value, above the plot, apart
    // from every value.
    if lane_h > 0.0 {
        let _ = write!(
            svg,
            r#"<rect x="{left:.1}" y="{TOP:.1}" width="{pw:.1}" height="{lane_h:.1}" class="lane"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{LANE_LABEL}</text>"#,
            left - 6.0,
            TOP + lane_h / 2.0 + FONT * 0.35
        );
        for (row, &i) in lanes.iter().enumerate() {
            let s = &series[i];
            let y = TOP + 2.0 + LANE_ROW * (row as f64 + 0.5) + (lane_h - 4.0 - LANE_ROW * lanes.len() as f64) / 2.0;
            let _ = write!(svg, r#"<g class="{}">"#, s.class);
            for g in &s.gaps {
                svg.push_str(&gap_mark(&s.model, g, px(g.tasks as f64), y));
            }
            svg.push_str("</g>");
        }
    }

    // Lines: the first drawn widest, so a later line on the same values stays visible
    // inside it.
    let n = series.len().max(2) as f64;
    let mut ends: Vec<(f64, usize)> = Vec::new();
    let mut early: Vec<(f64, f64, usize)> = Vec::new();
    let mut marks: Vec<Rect> = Vec::new();
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
            svg.push_str(&point(&s.model, x as usize, px(x), py(y), &fmt(y)));
            marks.push(Rect::around(px(x), py(y), MARK));
        }
        // The line itself, sampled, so that a name is not printed across it either.
        for w in pts.windows(2) {
            let (a, b) = ((px(w[0].0), py(w[0].1)), (px(w[1].0), py(w[1].1)));
            let steps = ((b.0 - a.0).hypot(b.1 - a.1) / 5.0).ceil().max(1.0) as usize;
            for k in 1..steps {
                let t = k as f64 / steps as f64;
                marks.push(Rect::around(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, 1.5));
            }
        }
        svg.push_str("</g>");
        match pts.last().map(|p| (px(p.0), py(p.1))) {
            // A line that reaches the right edge is named in the margin there ...
            Some((x, y)) if x >= left + pw - 1.0 => ends.push((y, i)),
            // ... one that stops early, where it stops, once the margin is laid out.
            Some((x, y)) => early.push((x, y, i)),
            None => {}
        }
    }

    // Names at the lines' ends, spread apart where lines end close together.
    let wanted: Vec<(f64, usize)> = ends.iter().map(|(y, i)| (*y, labels[*i].len())).collect();
    let placed = dodge(&wanted, plot_top + FONT * 0.35, plot_top + ph - FONT * 0.5);
    let mut taken = marks;
    for ((y, i), ly) in ends.iter().zip(placed) {
        let x = left + pw + 8.0;
        let baseline = ly + FONT * 0.35;
        let lines: Vec<&str> = labels[*i].iter().map(String::as_str).collect();
        taken.push(text_box(x, baseline, Anchor::Start, &lines));
        let _ = write!(svg, r#"<g class="{}">"#, series[*i].class);
        if (ly - y).abs() > 2.0 {
            let _ = write!(
                svg,
                r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{:.1}" stroke="currentColor" stroke-width="1"/>"#,
                left + pw + 1.0,
                x - 2.0,
                ly
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{baseline:.1}" class="name" fill="currentColor">"#
        );
        for (k, line) in labels[*i].iter().enumerate() {
            let dy = if k == 0 { 0.0 } else { LINE };
            let _ = write!(svg, r#"<tspan x="{x:.1}" dy="{dy:.1}">{}</tspan>"#, escape(line));
        }
        svg.push_str("</text></g>");
    }
    // Names of lines that stop early: next to their last point, or nudged clear of every
    // other name and point with a leader line back to it.
    let area = Rect {
        x0: left + 1.0,
        y0: plot_top + 1.0,
        x1: W - 1.0,
        y1: plot_top + ph - 1.0,
    };
    for (x, y, i) in early {
        let s = &series[i];
        let p = place_near(x, y, &s.model, &area, &mut taken);
        let _ = write!(svg, r#"<g class="{}">"#, s.class);
        if let Some(((x0, y0), (x1, y1))) = p.leader {
            let _ = write!(
                svg,
                r#"<line x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y1:.1}" stroke="currentColor" stroke-width="1"/>"#
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="{}" class="name halo" fill="currentColor">{}</text></g>"#,
            p.x,
            p.y,
            p.anchor.as_str(),
            escape(&s.model)
        );
    }
    svg.push_str("</svg>");
    svg
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
pub mod tests {
    use super::*;
    use crate::report::labels::overlapping;

    fn series(model: &str, points: Vec<(f64, f64)>) -> Series {
        Series {
            model: model.into(),
            class: "m0".into(),
            points,
            gaps: vec![],
        }
    }

    fn attr(tag: &str, name: &str) -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    }

    /// The boxes of a chart's direct labels (`class="name"`), estimated as the layout
    /// estimates them.
    pub fn name_boxes(svg: &str) -> Vec<Rect> {
        let mut out = Vec::new();
        for part in svg.split("<text ").skip(1) {
            let tag = &format!(" {}", &part[..part.find('>').unwrap()]);
            if !attr(tag, "class").is_some_and(|c| c.split(' ').any(|c| c == "name")) {
                continue;
            }
            let x: f64 = attr(tag, "x").unwrap().parse().unwrap();
            let y: f64 = attr(tag, "y").unwrap().parse().unwrap();
            let anchor = match attr(tag, "text-anchor").as_deref() {
                Some("end") => Anchor::End,
                Some("middle") => Anchor::Middle,
                _ => Anchor::Start,
            };
            let body = &part[part.find('>').unwrap() + 1..part.find("</text>").unwrap()];
            let lines: Vec<String> = if body.contains("<tspan") {
                body.split("<tspan")
                    .skip(1)
                    .map(|t| t[t.find('>').unwrap() + 1..t.find("</tspan>").unwrap()].to_string())
                    .collect()
            } else {
                vec![body.to_string()]
            };
            let lines: Vec<String> = lines
                .iter()
                .map(|l| l.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
                .collect();
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            out.push(text_box(x, y, anchor, &lines));
        }
        out
    }

    /// A "no result" mark: model, tasks, y.
    pub type Mark = (String, usize, f64);

    /// (model, tasks) of every data point, and of every "no result" mark with its y (NaN
    /// for a mark that is words only).
    pub fn points_and_marks(svg: &str) -> (Vec<(String, usize)>, Vec<Mark>) {
        let mut points = Vec::new();
        let mut marks = Vec::new();
        for part in svg.split("<g class=\"").skip(1) {
            let tag = &part[..part.find('>').unwrap()];
            let (Some(m), Some(n)) = (attr(tag, "data-model"), attr(tag, "data-tasks")) else {
                continue;
            };
            let n: usize = n.parse().unwrap();
            if tag.starts_with("pt\"") {
                points.push((m, n));
            } else if tag.starts_with("nr\"") {
                let y = attr(part, "cy")
                    .or_else(|| {
                        let d = attr(part, "d")?;
                        let (_, y) = d[1..d.find('l')?].split_once(',')?;
                        Some((y.parse::<f64>().ok()? + 4.0).to_string())
                    })
                    .and_then(|y| y.parse().ok())
                    .unwrap_or(f64::NAN);
                marks.push((m, n, y));
            }
        }
        (points, marks)
    }

    /// The top of the plot's frame.
    pub fn plot_top(svg: &str) -> f64 {
        let at = svg.find(r#"class="frame""#).unwrap();
        let tag = &svg[svg[..at].rfind("<rect").unwrap()..at];
        attr(tag, "y").unwrap().parse().unwrap()
    }

    #[test]
    fn draws_lines_markers_names_and_no_result_marks() {
        let mut b = series("py-thread<x>", vec![(10.0, 3.0), (100.0, 4.0)]);
        b.gaps = vec![
            Gap {
                tasks: 1000,
                ran: true,
                why: "failed: spawn-limit".into(),
                short: "failed: spawn-limit".into(),
            },
            Gap {
                tasks: 10_000,
                ran: false,
                why: "not run: py-thread failed (spawn-limit) at 1,000 tasks in this sweep".into(),
                short: "not run: failed at fewer tasks".into(),
            },
        ];
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
        assert!(svg.contains("10,000 tasks · not run: py-thread failed"));
        // The axis runs to the last count planned (10,000), so both lines stop before the
        // edge and are named where they stop.
        assert!(svg.contains(">rs-async</text>"), "a direct label where the line ends");
        assert!(svg.contains(">py-thread&lt;x&gt;</text>"), "a label where a line stops");
        assert!(svg.contains(">no result</text>"), "the lane is named");
        assert!(
            svg.contains(r#"stroke-dasharray="7 4""#),
            "thread-style lines are dashed"
        );
        let (points, marks) = points_and_marks(&svg);
        assert_eq!(points.len(), 4);
        assert_eq!(marks.len(), 2);
        let top = plot_top(&svg);
        assert!(
            marks.iter().all(|m| m.2 < top),
            "marks sit in the lane, above every value"
        );
        assert!(!points.iter().any(|p| p.1 >= 1000 && p.0 != "rs-async"));
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
        assert!(!empty.contains(LANE_LABEL), "no lane without gaps");
    }

    #[test]
    fn names_of_lines_stopping_together_do_not_overlap() {
        // Four lines stop at the same point and two end together at the edge.
        let mut all: Vec<Series> = ["py-pool", "rs-process", "py-thread", "rs-pool:size=6"]
            .iter()
            .map(|m| series(m, vec![(1.0, 1.0), (10.0, 2.0)]))
            .collect();
        all.push(series("rs-async", vec![(1.0, 1.0), (1000.0, 2.0)]));
        all.push(series("py-asyncio+uvloop", vec![(1.0, 1.0), (1000.0, 2.05)]));
        // A line climbing right through where the stopped lines' names would go.
        all.push(series("py-thread+requests", vec![(1.0, 1.5), (1000.0, 8.0)]));
        let chart = Chart {
            title: "t",
            y: Scale::Seconds,
            series: &all,
            diagonal: false,
        };
        let svg = line_chart(&chart, &|v| v.to_string());
        let boxes = name_boxes(&svg);
        assert_eq!(boxes.len(), all.len(), "{svg}");
        assert_eq!(overlapping(&boxes), vec![], "{boxes:?}");
        assert!(svg.contains(r#"stroke-width="1"/>"#), "a moved label has a leader line");
        // No name is printed across a line: sample every polyline's segments.
        for part in svg.split(r#" points=""#).skip(1) {
            let pts: Vec<(f64, f64)> = part[..part.find('"').unwrap()]
                .split(' ')
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            for w in pts.windows(2) {
                for k in 0..=20 {
                    let t = k as f64 / 20.0;
                    let (x, y) = (w[0].0 + (w[1].0 - w[0].0) * t, w[0].1 + (w[1].1 - w[0].1) * t);
                    let on = Rect::around(x, y, 0.5);
                    assert!(
                        !boxes.iter().any(|b| b.overlaps(&on)),
                        "a name across a line at ({x}, {y})"
                    );
                }
            }
        }
        assert_eq!(label_lines("py-asyncio+uvloop"), ["py-asyncio", "+uvloop"]);
    }
}
