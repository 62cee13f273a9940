//! The HTML report held to never misleading, on the committed fixture changed to have
//! every kind of cell without a value: a failure, a skip after it, a predicted timeout,
//! an unsupported model, and a workload measured at one task count. No chart may draw
//! such a cell as a data point, each says its real reason, and no two direct labels of a
//! chart overlap. The terminal and Markdown tables say the same reasons: a few words in
//! the cell, the HTML's words in the numbered line under the table it points to.

use std::path::Path;

use crate::analyze::analyze;
use crate::report::labels::overlapping;
use crate::report::svg::tests::{name_boxes, plot_top, points_and_marks};
use crate::report::{load::load, ReportFormat};
use crate::results::{Failure, FailureKind, Results, Status};

/// The fixture with one gap of each kind (and the second workload cut to 100 tasks).
fn with_every_kind_of_gap() -> Results {
    let root = Path::new(env!("CONLAB_ROOT")).join("tests");
    let mut results = load(&root.join("fixtures/results.json")).unwrap().results;
    let (first, second) = (results.plan.workloads[0].clone(), results.plan.workloads[1].clone());
    results.cells.retain(|c| c.workload != second || c.tasks == 100);
    let fail = |kind, message: &str, limit: Option<&str>| Failure {
        kind,
        message: message.into(),
        at_task: None,
        limit: limit.map(Into::into),
    };
    for c in results.cells.iter_mut() {
        let change = match (c.workload == first, c.model.as_str(), c.tasks) {
            (true, "rs-thread", 10) => Some((
                Status::Failed,
                fail(
                    FailureKind::SpawnLimit,
                    "thread 7 could not be created",
                    Some("RLIMIT_NPROC 7"),
                ),
            )),
            (true, "rs-thread", 100) => Some((
                Status::Skipped,
                fail(
                    FailureKind::Skipped,
                    "rs-thread failed (spawn-limit) at 10 tasks in this sweep",
                    None,
                ),
            )),
            (true, "rs-pool:size=2", 100) => Some((
                Status::Skipped,
                fail(
                    FailureKind::PredictedTimeout,
                    "needs at least 2.50s (100 tasks, 2 at a time, 50ms each), beyond the 2s cell timeout",
                    Some("--cell-timeout 2s"),
                ),
            )),
            (false, "rs-async", _) => Some((
                Status::Skipped,
                fail(FailureKind::Unsupported, "rs-async cannot run this workload here", None),
            )),
            _ => None,
        };
        if let Some((status, failure)) = change {
            c.status = status;
            c.failure = Some(failure);
        }
    }
    results.analysis = analyze(
        &results.cells,
        &results.baselines,
        &results.plan.workloads,
        &results.plan.models,
    );
    results
}

#[test]
fn no_chart_draws_a_cell_that_gave_no_value() {
    let results = with_every_kind_of_gap();
    let html = ReportFormat::Html.renderer().render(&results);
    let sections: Vec<&str> = html.split(r#"<section class="workload">"#).skip(1).collect();
    assert_eq!(sections.len(), 2);
    for (w, section) in results.plan.workloads.iter().zip(&sections) {
        // Every (model, tasks) of this workload with no ok cell.
        let mut gaps: Vec<(String, usize)> = results
            .cells
            .iter()
            .filter(|c| &c.workload == w && c.status != Status::Ok)
            .map(|c| (c.model.clone(), c.tasks))
            .collect();
        gaps.sort();
        gaps.dedup();
        assert!(!gaps.is_empty(), "{w}: the fixture has gaps");
        let charts: Vec<&str> = section
            .split(r#"<svg class="chart"#)
            .skip(1)
            .map(|c| &c[..c.find("</svg>").unwrap()])
            .collect();
        assert_eq!(charts.len(), 5, "{w}");
        for chart in &charts {
            let (points, marks) = points_and_marks(chart);
            assert!(!points.is_empty(), "{w}: a chart without points");
            for gap in &gaps {
                assert!(!points.contains(gap), "{w}: {gap:?} is drawn as a data point");
                assert!(
                    marks.iter().any(|m| (&m.0, m.1) == (&gap.0, gap.1)),
                    "{w}: {gap:?} has no mark saying it gave no value"
                );
            }
            // In a line chart the marks sit in the lane above the plot, not at a value.
            if !chart.starts_with(" dots") {
                let top = plot_top(chart);
                assert!(marks.iter().all(|m| m.2 < top), "{w}: a mark inside the plot");
            }
            let boxes = name_boxes(chart);
            assert_eq!(overlapping(&boxes), vec![], "{w}: direct labels overlap");
        }
    }
    // The one-count workload is a dot plot of its models, no lines.
    assert!(!sections[0].contains(r#"<svg class="chart dots""#));
    assert!(sections[1].contains(r#"<svg class="chart dots""#));
    assert!(!sections[1].contains("<polyline"));
    assert!(sections[1].contains("Measured at 100 tasks only"));
}

#[test]
fn every_gap_says_its_real_reason() {
    let html = ReportFormat::Html.renderer().render(&with_every_kind_of_gap());
    // The predicted timeout with its arithmetic, not "it failed at fewer tasks".
    assert!(html.contains(
        "rs-pool:size=2 · 100 tasks · not run: predicted timeout: needs at least 2.50s (100 tasks, 2 at a time, 50ms each), beyond the 2s cell timeout"
    ));
    assert!(html.contains(
        r#"rs-pool:size=2 not run at <span class="nw">100</span> tasks: predicted timeout: needs at least 2.50s"#
    ));
    // The failure, and the skip after it naming it.
    assert!(html.contains("rs-thread · 10 tasks · failed: spawn-limit, RLIMIT_NPROC 7"));
    assert!(html.contains("rs-thread · 100 tasks · not run: rs-thread failed (spawn-limit) at 10 tasks in this sweep"));
    assert!(html.contains(r#"rs-thread at <span class="nw">10</span> tasks: failed: spawn-limit, RLIMIT_NPROC 7"#));
    // Unsupported, in the dot plot's row and the table.
    assert!(html.contains("○ not run: unsupported</text>"));
    assert!(html.contains("<small>unsupported: rs-async cannot run this workload here</small>"));
    assert!(html.contains("<small>predicted timeout: needs at least 2.50s"));
    assert!(!html.contains("it failed at fewer tasks"));
    assert!(!html.contains("skipped (skipped)"));
}

#[test]
fn the_cell_table_scrolls_in_its_own_box_with_the_task_column_in_view() {
    let html = ReportFormat::Html.renderer().render(&with_every_kind_of_gap());
    assert_eq!(
        html.matches(r#"<div class="scroll cells"><table>"#).count(),
        2,
        "each workload's table in its scroll box"
    );
    assert!(html.contains(".scroll{overflow-x:auto;max-width:100%}"));
    assert!(html.contains(".cells tr>:first-child{position:sticky;left:0"));
}

/// The numbered lines under a table, `[1] ○ ...` in the terminal, `1. ○ ...` in Markdown.
fn footnotes<'a>(text: &'a str, mark: &dyn Fn(usize) -> String) -> Vec<&'a str> {
    (1..)
        .map_while(|i| {
            let m = mark(i);
            text.lines().find(|l| l.starts_with(&m))
        })
        .collect()
}

#[test]
fn the_terminal_table_says_each_gaps_real_reason() {
    let results = with_every_kind_of_gap();
    let out = crate::report::terminal::render_with(&results, false, 100);
    assert!(!out.contains("skipped"), "{out}");
    assert!(!out.contains("predicted-timeout"), "{out}");
    let notes = footnotes(&out, &|i| format!("[{i}] "));
    let first = &out[..out.find(&results.plan.workloads[1]).unwrap()];
    assert_eq!(footnotes(first, &|i| format!("[{i}] ")).len(), 3, "{first}");
    // Each cell points to the line with its whole reason, the HTML's words.
    assert!(first.contains("not run [3]"), "{first}");
    assert!(first.contains("predicted timeout"), "{first}");
    assert!(first.contains("failed [1]"), "{first}");
    assert!(first.contains("spawn-limit"), "{first}");
    assert!(first.contains("not run [2]"), "{first}");
    assert!(first.contains("failed at fewer"), "{first}");
    assert!(notes[0].starts_with("[1] ✕ rs-thread at 10 tasks: failed: spawn-limit, RLIMIT_NPROC 7"));
    assert_eq!(
        notes[1],
        "[2] ○ rs-thread not run at 100 tasks: rs-thread failed (spawn-limit) at 10 tasks in this sweep"
    );
    // Folded to the width: the line and the ones indented under it.
    let mut rest = first.lines().skip_while(|l| !l.starts_with("[3] "));
    let mut timeout: Vec<&str> = rest.next().into_iter().collect();
    timeout.extend(rest.take_while(|l| l.starts_with("    ")).map(str::trim));
    let timeout = timeout.join(" ");
    assert_eq!(
        timeout,
        "[3] ○ rs-pool:size=2 not run at 100 tasks: predicted timeout: needs at least 2.50s (100 tasks, 2 at \
         a time, 50ms each), beyond the 2s cell timeout"
    );
    // A model unsupported at every count has no column, and a line saying so.
    assert!(out.contains("unsupported, not run: rs-async; rs-async cannot run this workload here"));
}

#[test]
fn the_markdown_table_says_each_gaps_real_reason() {
    let results = with_every_kind_of_gap();
    let md = ReportFormat::Markdown.renderer().render(&results);
    assert!(!md.contains("skipped"), "{md}");
    assert!(!md.contains("predicted-timeout"), "{md}");
    assert!(md.contains(" failed: spawn-limit [1] |"), "{md}");
    assert!(md.contains(" not run: failed at fewer tasks [2] |"), "{md}");
    assert!(md.contains(" not run: predicted timeout [3] |"), "{md}");
    assert!(md.contains(" not run: unsupported [1] |"), "{md}");
    let html = ReportFormat::Html.renderer().render(&results);
    let notes = footnotes(&md, &|i| format!("{i}. "));
    assert_eq!(notes.len(), 3, "{md}");
    assert!(md.contains(
        "3. ○ rs-pool:size=2 not run at 100 tasks: predicted timeout: needs at least 2.50s (100 tasks, 2 at a time, \
         50ms each), beyond the 2s cell timeout\n"
    ));
    assert!(md.contains("1. ○ rs-async not run at 100 tasks: unsupported: rs-async cannot run this workload here\n"));
    // The reasons are the HTML's, word for word.
    for line in md.lines().filter(|l| l.contains(" ○ ") || l.contains(" ✕ ")) {
        let why = &line[line.find(" tasks").unwrap() + " tasks".len()..];
        assert!(html.contains(why), "not in the HTML: {why}");
    }
}
