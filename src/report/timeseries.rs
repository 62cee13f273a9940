//! A cell over time outside the HTML: which run stands for a (model, tasks) cell, the
//! `--export-timeseries` CSV (one row per point of every run), and the terminal listing
//! of `conlab report --cell MODEL,N`.
//!
//! Every repeat keeps its own series in the results; where one run must stand for the
//! cell (the report's charts, `--cell`), it is the median run by work time, so one
//! unlucky run is not what a reader sees.

use std::fmt::Write;

use crate::results::{CellResult, CellSeries, Results};
use crate::units::{format_bytes, format_count, format_secs};

/// The columns of the `--export-timeseries` CSV.
pub const HEADER: &[&str] = &[
    "workload",
    "model",
    "tasks",
    "repeat",
    "t_ms",
    "rss_bytes",
    "threads",
    "fds",
    "procs",
    "in_flight",
    "completed",
];

/// The series of a cell that has one worth drawing (two points or more).
pub fn series_of(c: &CellResult) -> Option<&CellSeries> {
    c.series.as_ref().filter(|s| s.points.len() >= 2)
}

/// The run that stands for `model` at `tasks` on `workload` (at its largest task count
/// with a series when `tasks` is `None`): of the runs with a series, the median by work
/// time (the lower of the two middle ones for an even count).
pub fn pick<'a>(cells: &'a [CellResult], workload: &str, model: &str, tasks: Option<usize>) -> Option<&'a CellResult> {
    let drawn = |c: &&CellResult| c.workload == workload && c.model == model && series_of(c).is_some();
    let tasks = tasks.or_else(|| cells.iter().filter(drawn).map(|c| c.tasks).max())?;
    let mut runs: Vec<&CellResult> = cells.iter().filter(drawn).filter(|c| c.tasks == tasks).collect();
    runs.sort_by(|a, b| {
        let t = |c: &CellResult| c.work_s.unwrap_or(c.wall_s);
        t(a).total_cmp(&t(b)).then(a.repeat.cmp(&b.repeat))
    });
    runs.get(runs.len().checked_sub(1)? / 2).copied()
}

/// Every point of every run, one CSV row each (baselines left out: they run no task).
pub fn csv(results: &Results) -> String {
    csv_of(results.cells.iter())
}

/// The CSV of these cells' series.
pub fn csv_of<'a>(cells: impl Iterator<Item = &'a CellResult>) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("CSV into memory");
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for c in cells {
        let Some(s) = &c.series else { continue };
        for p in &s.points {
            w.write_record([
                c.workload.clone(),
                c.model.clone(),
                c.tasks.to_string(),
                c.repeat.to_string(),
                p.t_ms.to_string(),
                p.rss_bytes.to_string(),
                p.threads.to_string(),
                p.fds.to_string(),
                p.procs.to_string(),
                opt(p.in_flight),
                opt(p.completed),
            ])
            .expect("CSV into memory");
        }
    }
    String::from_utf8(w.into_inner().expect("CSV into memory")).expect("CSV of UTF-8 text is UTF-8")
}

/// The rows a terminal listing shows at most: evenly chosen, the first and last included.
const ROWS: usize = 40;

/// `conlab report --cell`: the run's series as a table, time from the spawn.
pub fn text(c: &CellResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · {} · {} tasks · repeat {} · {}",
        c.workload,
        c.model,
        format_count(c.tasks),
        c.repeat,
        c.status.as_str()
    );
    let Some(s) = &c.series else {
        out.push_str("no series: the cell did not run, or ran with --no-series\n");
        return out;
    };
    let mark = |what: &str, ms: Option<f64>| ms.map(|v| format!("{what} at {}", format_secs(v / 1e3)));
    let marks: Vec<String> = [mark("ready", s.ready_ms), mark("last task done", s.finished_ms)]
        .into_iter()
        .flatten()
        .collect();
    let _ = writeln!(
        out,
        "{} points, one per {}{}{}",
        s.points.len(),
        format_secs(s.every_ms / 1e3),
        if marks.is_empty() { "" } else { "; " },
        marks.join(", ")
    );
    let header = ["t", "RSS", "threads", "fds", "procs", "in flight", "completed"];
    let mut rows: Vec<[String; 7]> = Vec::new();
    let n = s.points.len();
    let shown: Vec<usize> = match n <= ROWS {
        true => (0..n).collect(),
        false => {
            let mut v: Vec<usize> = (0..ROWS).map(|i| i * (n - 1) / (ROWS - 1)).collect();
            v.dedup();
            v
        }
    };
    let opt = |v: Option<u64>| v.map(|v| format_count(v as usize)).unwrap_or_else(|| "-".into());
    let mut last = 0;
    for &i in &shown {
        let p = &s.points[i];
        // The completions since the previous row shown, not just the previous point.
        let completed = (last..=i)
            .filter(|&j| j > last || i == 0)
            .map(|j| s.points[j].completed)
            .try_fold(0u64, |acc, v| v.map(|v| acc + v));
        last = i;
        rows.push([
            format_secs(p.t_ms / 1e3),
            format_bytes(p.rss_bytes as f64),
            format_count(p.threads as usize),
            format_count(p.fds as usize),
            format_count(p.procs as usize),
            opt(p.in_flight),
            opt(completed),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|k| {
            rows.iter()
                .map(|r| r[k].chars().count())
                .chain([header[k].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cols: &[&str]| {
        let cells: Vec<String> = cols.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect();
        cells.join("  ").trim_end().to_string() + "\n"
    };
    out.push_str(&line(&header));
    for r in &rows {
        let cols: Vec<&str> = r.iter().map(String::as_str).collect();
        out.push_str(&line(&cols));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::parent::{unrun, CellMeta};
    use crate::results::{SeriesPoint, Status};
    use std::time::Duration;

    fn cell(model: &str, tasks: usize, repeat: usize, work: f64, points: usize) -> CellResult {
        let meta = CellMeta {
            index: repeat,
            workload: "sleep:1s".into(),
            model: model.into(),
            tasks,
            repeat,
            baseline: false,
        };
        let mut c = unrun(meta, Status::Ok, None, Duration::from_secs(60));
        c.work_s = Some(work);
        c.series = Some(CellSeries {
            ready_ms: Some(5.0),
            finished_ms: Some(1005.0),
            every_ms: 10.0,
            points: (0..points)
                .map(|i| SeriesPoint {
                    t_ms: i as f64 * 10.0,
                    rss_bytes: 1000 + i as u64,
                    threads: 2,
                    fds: 4,
                    procs: 1,
                    in_flight: Some(tasks as u64),
                    completed: (i > 0).then_some(1),
                })
                .collect(),
        });
        c
    }

    #[test]
    fn the_median_run_of_the_largest_count_stands_for_the_model() {
        let cells = vec![
            cell("rs-thread", 1000, 0, 1.3, 5),
            cell("rs-thread", 1000, 1, 1.1, 5),
            cell("rs-thread", 1000, 2, 1.2, 5),
            cell("rs-thread", 5000, 0, 2.0, 1), // one point: nothing to draw
            cell("rs-thread", 10, 0, 1.0, 5),
            cell("rs-async", 1000, 0, 1.0, 5),
        ];
        let c = pick(&cells, "sleep:1s", "rs-thread", None).unwrap();
        assert_eq!((c.tasks, c.repeat), (1000, 2), "1,000 tasks, the run of 1.2 s");
        assert_eq!(pick(&cells, "sleep:1s", "rs-thread", Some(10)).unwrap().tasks, 10);
        assert!(pick(&cells, "sleep:1s", "rs-thread", Some(5000)).is_none());
        assert!(pick(&cells, "sleep:1s", "py-thread", None).is_none());
    }

    #[test]
    fn the_csv_has_a_row_per_point_with_its_cell() {
        let mut cells = [cell("rs-thread", 3, 1, 1.0, 2), cell("py-asyncio", 3, 0, 1.0, 3)];
        cells[1].series.as_mut().unwrap().points[2].in_flight = None;
        let text = csv_of(cells.iter());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER.join(","));
        assert_eq!(lines.len(), 1 + 2 + 3);
        assert_eq!(lines[1], "sleep:1s,rs-thread,3,1,0,1000,2,4,1,3,");
        assert_eq!(lines[2], "sleep:1s,rs-thread,3,1,10,1001,2,4,1,3,1");
        assert_eq!(lines[5], "sleep:1s,py-asyncio,3,0,20,1002,2,4,1,,1");
    }

    #[test]
    fn the_listing_shows_at_most_forty_rows_and_sums_completions_between_them() {
        let c = cell("rs-thread", 7, 0, 1.0, 200);
        let text = text(&c);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].starts_with("200 points, one per 10.0ms; ready at"),
            "{}",
            lines[1]
        );
        assert_eq!(lines.len(), 3 + ROWS, "title, summary, header and the rows");
        // Rows 0 and 5 (of 199 / 39 steps) are points 0 and 25: 25 completions between.
        let sixth: Vec<&str> = lines[3 + 5].split_whitespace().collect();
        assert_eq!(sixth.last(), Some(&"5"), "{}", lines[3 + 5]);
        assert!(lines.last().unwrap().ends_with(" 6"), "points 194 to 199");
    }
}
