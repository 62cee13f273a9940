//! "Cell over time" charts: one small chart per model, its largest cell's run (the median
//! run, `timeseries::pick`), resident memory above and tasks in flight below on one time
//! axis from the spawn, the ready mark and the last task's end as dashed lines. Peaks say
//! how much; these say whether memory climbed steadily, when the threads stopped
//! starting, whether the cell stalled.
//!
//! Every text has a place of its own, so none can overlap another: the panel's name above
//! it, its top and zero values in the left margin, three time ticks below (left-, centre-
//! and right-aligned on a plot wider than three of them).

use std::fmt::Write;

use super::labels::{CHAR, FONT};
use super::palette;
use super::svg::{escape, W};
use super::timeseries::{pick, series_of};
use crate::results::{CellResult, CellSeries, Results};
use crate::units::{format_bytes, format_count, format_secs};

/// The left margin: room for "1023.9 MiB" right-aligned.
const LEFT: f64 = 10.0 * CHAR + 6.0;
const RIGHT: f64 = 14.0;
/// One panel's plot height.
const PANEL: f64 = 78.0;
/// A row of text (a panel's name, the time ticks).
const ROW: f64 = FONT + 6.0;

/// The over-time figures of `workload`, one per model that has a run with a series.
pub fn section(h: &mut String, results: &Results, workload: &str) {
    let figures: Vec<String> = results
        .plan
        .models
        .iter()
        .enumerate()
        .filter_map(|(i, m)| pick(&results.cells, workload, m, None).map(|c| figure(c, &palette::class(i))))
        .collect();
    if figures.is_empty() {
        return;
    }
    h.push_str(r#"<h3>Each model's largest cell over time</h3><p class="vm">The median run by work time. Resident memory of the process tree above, tasks in flight below, time from the cell's spawn; dashed: the ready mark and the last task's end.</p><div class="charts">"#);
    for f in figures {
        h.push_str(&f);
    }
    h.push_str("</div>");
}

/// One run's figure: caption and chart.
pub fn figure(c: &CellResult, class: &str) -> String {
    let Some(s) = series_of(c) else {
        return String::new();
    };
    format!(
        r#"<figure><figcaption><b>{}</b><span>{} tasks · repeat {} · {} points</span></figcaption>{}</figure>"#,
        escape(&c.model),
        format_count(c.tasks),
        c.repeat,
        s.points.len(),
        chart(c, s, class)
    )
}

/// The chart of one series: RSS and in flight, stacked.
pub fn chart(c: &CellResult, s: &CellSeries, class: &str) -> String {
    let end_ms = s
        .points
        .iter()
        .map(|p| p.t_ms)
        .chain(s.finished_ms)
        .fold(0.0_f64, f64::max)
        .max(1e-3);
    let plot_w = W - LEFT - RIGHT;
    let x = |t_ms: f64| LEFT + plot_w * (t_ms.max(0.0) / end_ms);
    let top1 = ROW;
    let top2 = top1 + PANEL + ROW + 4.0;
    let height = top2 + PANEL + ROW + 4.0;
    let mut svg = format!(
        r#"<svg class="chart overtime {class}" data-model="{}" data-tasks="{}" viewBox="0 0 {W} {height:.0}" role="img"><title>{} · {} tasks over time</title>"#,
        escape(&c.model),
        c.tasks,
        escape(&c.model),
        format_count(c.tasks)
    );
    let rss: Vec<(f64, f64)> = s.points.iter().map(|p| (p.t_ms, p.rss_bytes as f64)).collect();
    let flight: Vec<(f64, f64)> = s
        .points
        .iter()
        .filter_map(|p| p.in_flight.map(|v| (p.t_ms, v as f64)))
        .collect();
    panel(&mut svg, "RSS", top1, &rss, &x, &|v| format_bytes(v));
    match flight.is_empty() {
        false => panel(&mut svg, "tasks in flight", top2, &flight, &x, &|v| {
            format_count(v.round() as usize)
        }),
        true => {
            let _ = write!(
                svg,
                r#"<text x="{LEFT}" y="{:.1}" class="tick">no task counts from this cell</text>"#,
                top2 + PANEL / 2.0
            );
        }
    }
    // The ready mark and the last task's end, across both panels.
    for ms in [s.ready_ms, s.finished_ms].into_iter().flatten() {
        let _ = write!(
            svg,
            r#"<line class="asked" x1="{0:.1}" x2="{0:.1}" y1="{top1:.1}" y2="{1:.1}"/>"#,
            x(ms),
            top2 + PANEL
        );
    }
    let base = top2 + PANEL + FONT + 4.0;
    for (t, anchor) in [(0.0, "start"), (end_ms / 2.0, "middle"), (end_ms, "end")] {
        let _ = write!(
            svg,
            r#"<text class="tick" x="{:.1}" y="{base:.1}" text-anchor="{anchor}">{}</text>"#,
            x(t),
            match t > 0.0 {
                true => escape(&format_secs(t / 1e3)),
                false => "0".into(),
            }
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One panel: its name above, the frame, its top and zero in the margin, the line.
fn panel(
    svg: &mut String,
    name: &str,
    top: f64,
    points: &[(f64, f64)],
    x: &dyn Fn(f64) -> f64,
    fmt: &dyn Fn(f64) -> String,
) {
    let plot_w = W - LEFT - RIGHT;
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let y = |v: f64| top + PANEL - PANEL * if max > 0.0 { v / max } else { 0.0 };
    let _ = write!(
        svg,
        r#"<text class="name" x="{LEFT}" y="{:.1}">{}</text><rect class="frame" x="{LEFT}" y="{top:.1}" width="{plot_w:.1}" height="{PANEL}"/>"#,
        top - 5.0,
        escape(name)
    );
    for (v, dy) in [(max, FONT * 0.7), (0.0, 0.0)] {
        let _ = write!(
            svg,
            r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 5.0,
            y(v) + dy,
            escape(&fmt(v))
        );
    }
    let path: Vec<String> = points
        .iter()
        .map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="line" stroke="currentColor" stroke-width="2" points="{}"/>"#,
        path.join(" ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::parent::{unrun, CellMeta};
    use crate::results::{SeriesPoint, Status};
    use std::time::Duration;

    fn run(in_flight: bool) -> CellResult {
        let meta = CellMeta {
            index: 0,
            workload: "sleep:1s".into(),
            model: "py-thread".into(),
            tasks: 1000,
            repeat: 0,
            baseline: false,
        };
        let mut c = unrun(meta, Status::Ok, None, Duration::from_secs(60));
        c.series = Some(CellSeries {
            ready_ms: Some(40.0),
            finished_ms: Some(1100.0),
            every_ms: 10.0,
            points: (0..=100)
                .map(|i| SeriesPoint {
                    t_ms: i as f64 * 10.0,
                    rss_bytes: (i + 1) << 20,
                    threads: 1 + i,
                    fds: 3,
                    procs: 1,
                    in_flight: in_flight.then_some(i * 10),
                    completed: in_flight.then_some(0),
                })
                .collect(),
        });
        c
    }

    #[test]
    fn the_chart_draws_both_panels_on_one_time_axis_with_its_marks() {
        let c = run(true);
        let svg = chart(&c, c.series.as_ref().unwrap(), "m0");
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches(r#"class="asked""#).count(), 2, "ready and last task");
        assert!(svg.contains(">101 MiB<") && svg.contains(">1,000<"), "each panel's top");
        // The time axis ends at the last task's end (1.1 s), after the last sample.
        assert!(svg.contains(">1.10s<") && svg.contains(">550.0ms<"));
        let last_x = W - RIGHT;
        assert!(
            svg.contains(&format!(r#"x1="{last_x:.1}""#)),
            "the end mark at the plot's right edge"
        );
    }

    #[test]
    fn a_cell_without_task_counts_says_so_instead_of_drawing_zero() {
        let c = run(false);
        let svg = chart(&c, c.series.as_ref().unwrap(), "m0");
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("no task counts from this cell"));
    }

    #[test]
    fn margin_labels_fit_the_margin() {
        // The widest value the margin holds, right-aligned 5 units left of the plot.
        assert!(room_of("1023.9 MiB") <= LEFT - 5.0);
        assert!(room_of("1,000,000") <= LEFT - 5.0);
        // Three time ticks of up to seven characters never meet on the plot.
        assert!(3.0 * room_of("100.0ms") < W - LEFT - RIGHT);
    }

    fn room_of(s: &str) -> f64 {
        super::super::svg::room(s)
    }
}
