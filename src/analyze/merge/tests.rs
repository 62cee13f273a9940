use super::*;
use crate::results::{Capacity, CapacitySearch, SearchEnd};

/// The default sweep fixture as the input at `path`, with capacity searches (one per
/// model given) at `slo`, started at `started` so that two inputs are two runs.
fn input(path: &str, started: &str, slo: &str, models: &[&str]) -> Input {
    let fixture = concat!(env!("CONLAB_ROOT"), "/tests/fixtures/default-sweep.json");
    let mut results = crate::report::load::load(std::path::Path::new(fixture))
        .unwrap()
        .results;
    results.started_at = started.into();
    results.capacity = Some(Capacity {
        slo: slo.into(),
        quantile: "p99".into(),
        limit_ms: slo.trim_start_matches("p99=").trim_end_matches("ms").parse().unwrap(),
        error_budget: 0.0,
        min_achieved: 0.95,
        probe_s: 3.0,
        searches: models
            .iter()
            .map(|m| CapacitySearch {
                workload: "serve-http:latency=10ms,bytes=128,duration=3s".into(),
                model: m.to_string(),
                tasks: 64,
                repeat: 0,
                capacity_rps: Some(1000.0),
                failed_at_rps: Some(1100.0),
                end: SearchEnd::Converged,
                probes: Vec::new(),
            })
            .collect(),
        verdicts: Vec::new(),
    });
    Input {
        path: path.into(),
        results,
    }
}

fn models(c: &Capacity) -> Vec<&str> {
    c.searches.iter().map(|s| s.model.as_str()).collect()
}

#[test]
fn searches_at_one_objective_are_joined() {
    let a = input("a.json", "2026-12-04T00:00:00Z", "p99=50ms", &["rs-async"]);
    let b = input("b.json", "2026-12-04T01:00:00Z", "p99=50ms", &["py-asyncio"]);
    let out = merge(vec![a, b], false).unwrap();
    let capacity = out.results.capacity.expect("capacity kept");
    assert_eq!(models(&capacity), ["rs-async", "py-asyncio"]);
    assert!(
        out.warnings.iter().all(|w| !w.contains("left out")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn searches_at_another_objective_are_left_out_and_said_so() {
    let a = input("a.json", "2026-12-04T00:00:00Z", "p99=50ms", &["rs-async"]);
    let b = input(
        "b.json",
        "2026-12-04T01:00:00Z",
        "p99=100ms",
        &["py-asyncio", "py-thread"],
    );
    let out = merge(vec![a, b], true).unwrap();
    let capacity = out.results.capacity.expect("capacity kept");
    assert_eq!(capacity.slo, "p99=50ms");
    assert_eq!(models(&capacity), ["rs-async"]);
    let line = "b.json: its 2 capacity searches at p99=100ms left out; the merged capacity is at p99=50ms (a.json)";
    assert!(out.warnings.iter().any(|w| w.starts_with(line)), "{:?}", out.warnings);
    let mixed = &out.results.merged.expect("a merged document").mixed;
    assert!(mixed.iter().any(|m| m.starts_with(line)), "{mixed:?}");
}

#[test]
fn the_first_document_with_capacity_sets_the_objective() {
    let mut a = input("a.json", "2026-12-04T00:00:00Z", "p99=50ms", &[]);
    a.results.capacity = None;
    let b = input("b.json", "2026-12-04T01:00:00Z", "p99=50ms", &["py-asyncio"]);
    let out = merge(vec![a, b], true).unwrap();
    assert_eq!(models(&out.results.capacity.expect("b's capacity")), ["py-asyncio"]);
}
