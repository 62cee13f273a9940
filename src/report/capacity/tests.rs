use super::*;
use crate::results::{SearchEnd, Status};

fn probe(rate: u64, p99: f64, pass: bool) -> Probe {
    Probe {
        rate,
        achieved_rps: Some(rate as f64),
        p50_ms: Some(p99 / 2.0),
        p99_ms: Some(p99),
        p999_ms: Some(p99 * 2.0),
        requests_ok: rate * 3,
        requests_failed: 0,
        error_rate: 0.0,
        status: Status::Ok,
        pass,
        reason: (!pass).then(|| format!("p99 {p99}ms > 50ms")),
    }
}

fn results() -> Results {
    let text = std::fs::read_to_string(concat!(env!("CONLAB_ROOT"), "/tests/fixtures/results.json")).unwrap();
    let mut r: Results = serde_json::from_str(&text).unwrap();
    r.plan.models = vec!["rs-async".into(), "py-asyncio".into()];
    let search = |model: &str, capacity: Option<f64>, probes: Vec<Probe>| CapacitySearch {
        workload: "serve-http:latency=10ms,bytes=128,duration=3s".into(),
        model: model.into(),
        tasks: 64,
        repeat: 0,
        capacity_rps: capacity,
        failed_at_rps: None,
        end: SearchEnd::Converged,
        probes,
    };
    let mut c = crate::slo::capacity(&crate::slo::Slo::parse("p99=50ms").unwrap());
    c.searches = vec![
        search(
            "rs-async",
            Some(6000.0),
            vec![
                probe(800, 11.0, true),
                probe(6000, 20.0, true),
                probe(6200, 90.0, false),
            ],
        ),
        search(
            "py-asyncio",
            None,
            vec![probe(800, 300.0, false), probe(1, 400.0, false)],
        ),
    ];
    c.searches[0].failed_at_rps = Some(6200.0);
    c.verdicts = crate::analyze::capacity::verdicts(&c);
    r.capacity = Some(c);
    r
}

#[test]
fn long_stack_names_break_before_plus_and_colon() {
    assert_eq!(
        name_lines("py-pool+gunicorn:size=16"),
        ["py-pool", "+gunicorn", ":size=16"]
    );
    assert_eq!(name_lines("rs-async"), ["rs-async"]);
    assert_eq!(name_lines("py-asyncio+uvicorn"), ["py-asyncio", "+uvicorn"]);
}

#[test]
fn the_terminal_table_gives_capacity_per_model_and_why_none() {
    let text = terminal(&results(), 120);
    assert!(text.contains("capacity at p99 ≤ 50ms: serve-http"), "{text}");
    assert!(text.contains("★ 6,000 req/s"), "{text}");
    assert!(text.contains("none: p99 300ms > 50ms"), "{text}");
    assert!(text.contains("5 probes in 2 searches"), "{text}");
    assert!(
        text.contains("rs-async holds the most within p99 ≤ 50ms at 64 connections"),
        "{text}"
    );
}

#[test]
fn the_knee_chart_draws_every_probe_per_model_and_the_objective() {
    let r = results();
    let svg = knee(
        &r,
        r.capacity.as_ref().unwrap(),
        "serve-http:latency=10ms,bytes=128,duration=3s",
        64,
    );
    assert_eq!(svg.matches(r#"class="pt""#).count(), 5);
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert_eq!(svg.matches(r#"class="slo""#).count(), 1);
    assert!(svg.contains("not held") && svg.contains("held"));
    let md = markdown(&r);
    assert!(md.contains("| rs-async | ★ 6,000 req/s |"), "{md}");
    let html = html(&r);
    assert!(
        html.contains("<h2>capacity at p99 ≤ 50ms</h2>") && html.contains("<td>★ 6,000 req/s</td>"),
        "{html}"
    );
}
