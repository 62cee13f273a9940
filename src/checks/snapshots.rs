//! Snapshot tests of the renderers on a fixed results file (tests/fixtures/results.json, a
//! real sweep). A renderer change shows up as a diff of tests/snapshots/; set
//! CONLAB_UPDATE_SNAPSHOTS=1 to accept it.

use std::path::Path;

use crate::report::{load::load, ReportFormat};

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
