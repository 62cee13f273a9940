//! Snapshot tests of the renderers on a fixed results file (tests/fixtures/results.json, a
//! real sweep). A renderer change shows up as a diff of tests/snapshots/; set
//! CONLAB_UPDATE_SNAPSHOTS=1 to accept it.

use std::path::Path;

use crate::analyze::analyze;
use crate::report::{load::load, ReportFormat};
use crate::results::{Failure, FailureKind, Status};

fn check(format: ReportFormat, file: &str) {
    let root = Path::new(env!("CONLAB_ROOT")).join("tests");
    let results = load(&root.join("fixtures/results.json")).unwrap().results;
    let rendered = format.renderer().render(&results);
    let path = root.join("snapshots").join(file);
    if std::env::var_os("CONLAB_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        rendered == expected,
        "{format:?} output differs from tests/snapshots/{file}; review and rerun with CONLAB_UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn terminal_snapshot() {
    // The piped layout (100 columns, no colour), whatever terminal runs the test.
    let root = Path::new(env!("CONLAB_ROOT")).join("tests");
    let results = load(&root.join("fixtures/results.json")).unwrap().results;
    let rendered = crate::report::terminal::render(&results);
    let path = root.join("snapshots/terminal.txt");
    if std::env::var_os("CONLAB_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        rendered == expected,
        "the terminal report differs from tests/snapshots/terminal.txt"
    );
    assert!(
        rendered.lines().all(|l| l.chars().count() <= 100),
        "a line is wider than 100 columns"
    );
}

#[test]
fn markdown_snapshot() {
    check(ReportFormat::Markdown, "report.md");
}

#[test]
fn html_snapshot() {
    check(ReportFormat::Html, "report.html");
}

#[test]
fn the_html_report_is_self_contained_and_has_its_charts() {
    let root = Path::new(env!("CONLAB_ROOT")).join("tests");
    let results = load(&root.join("fixtures/results.json")).unwrap().results;
    let html = ReportFormat::Html.renderer().render(&results);
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("<link") && !html.contains("src=\"http"),
        "no external resources"
    );
    // Per workload: work time, caller p99, start lag p99, peak RSS and memory per task
    // (this fixture predates the count of tasks in flight), each with its points and the
    // name of every model at its line's end.
    assert_eq!(
        html.matches(r#"<svg class="chart""#).count(),
        5 * results.analysis.workloads.len()
    );
    for chart in html.split(r#"<svg class="chart""#).skip(1) {
        let chart = &chart[..chart.find("</svg>").unwrap()];
        assert!(
            chart.contains("<circle") || chart.contains("<polygon"),
            "a chart without points"
        );
        for model in &results.plan.models {
            let first = model.split(':').next().unwrap();
            assert!(chart.contains(&format!(">{first}</tspan>")), "no label for {model}");
        }
    }
    assert!(html.contains("Verdicts"));
    assert!(html.contains(&results.plan.command));
    // Short workload labels, a headline each, rankings instead of pairwise "beats".
    assert!(html.contains("<h3>http latency=5ms</h3>"));
    assert_eq!(
        html.matches(r#"<p class="headline">"#).count(),
        results.analysis.workloads.len()
    );
    assert!(!html.contains(" beats "));
    // Dark mode, and a fixed look per model whatever the sweep.
    assert!(html.contains("@media (prefers-color-scheme:dark)"));
    assert!(html.contains(".m1{color:#0072b2}"), "rs-async is blue in every report");
}

#[test]
fn failures_and_skips_are_drawn_where_they_happened_with_their_reason() {
    let root = Path::new(env!("CONLAB_ROOT")).join("tests");
    let mut results = load(&root.join("fixtures/results.json")).unwrap().results;
    let workload = results.plan.workloads[0].clone();
    for c in results
        .cells
        .iter_mut()
        .filter(|c| c.workload == workload && c.model == "rs-thread" && c.tasks >= 10)
    {
        let (status, kind, message) = if c.tasks == 10 {
            (Status::Failed, FailureKind::SpawnLimit, "thread 7 could not be created")
        } else {
            (Status::Skipped, FailureKind::Skipped, "rs-thread failed at 10 tasks")
        };
        c.status = status;
        c.failure = Some(Failure {
            kind,
            message: message.into(),
            at_task: None,
            limit: (c.tasks == 10).then(|| "RLIMIT_NPROC 7".into()),
        });
    }
    results.analysis = analyze(
        &results.cells,
        &results.baselines,
        &results.plan.workloads,
        &results.plan.models,
    );
    let html = ReportFormat::Html.renderer().render(&results);
    // In the chart: a cross at 10 tasks and a ring at 100, each saying why.
    assert!(
        html.contains("rs-thread · 10 tasks · failed: spawn-limit, RLIMIT_NPROC 7"),
        "the failure's mark"
    );
    assert!(
        html.contains("rs-thread · 100 tasks · not run"),
        "the skipped cell's mark"
    );
    // In words, above the charts and in the summary.
    assert!(html.contains("rs-thread failed at <span class=\"nw\">10</span> tasks: spawn-limit, RLIMIT_NPROC 7"));
    assert!(html.contains("Why: rs-thread stopped at 10 tasks (spawn-limit): RLIMIT_NPROC 7."));
    // In the table: what happened, once, not "skipped (skipped)".
    assert!(html.contains("not run: it failed at fewer tasks"));
    assert!(!html.contains("skipped (skipped)"));
}
