//! The server side: `serve-tcp` and `serve-http` served by every kind of model, driven by
//! conlab's own load generator. Each cell must say what its clients saw and what each
//! connection cost the server, an open-loop load must expose a server that blocks its
//! loop, several generator processes must add up to one exact clients' view, and nothing
//! may be left listening or running afterwards.

use std::net::TcpStream;

use crate::common::*;
use serde_json::Value;

fn cells(results: &Value) -> Vec<&Value> {
    results["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["baseline"] == false)
        .collect()
}

/// Ports in LISTEN state on loopback, from /proc/net/tcp.
fn listening(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let local_port = fields[1].rsplit(':').next().unwrap();
        u16::from_str_radix(local_port, 16).unwrap() == port && fields[3] == "0A"
    })
}

#[test]
fn every_model_holds_the_connections_and_says_what_each_cost() {
    let dir = tempfile::tempdir().unwrap();
    let models =
        "rs-thread,rs-pool:size=2,rs-async,rs-async-st,rs-process:workers=2,py-thread,py-asyncio,py-process:workers=2";
    let out = bench(
        dir.path(),
        &[
            "--workload",
            "serve-tcp:interval=100ms,duration=500ms",
            "--models",
            models,
            "--tasks",
            "4,16",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    assert_valid("results.schema.json", &results);
    let cells = cells(&results);
    assert_eq!(cells.len(), 16);
    for c in &cells {
        let (model, tasks) = (c["model"].as_str().unwrap(), c["tasks"].as_u64().unwrap());
        assert_eq!(c["status"], "ok", "{model} n={tasks}: {c}");
        // The clients: every connection ran its 5 exchanges, measured by the generator.
        assert_eq!(c["tasks_ok"], tasks, "{model}");
        assert_eq!(c["requests_ok"], tasks * 5, "{model}");
        assert!(c["request_latency_ms"]["p99"].as_f64().unwrap() > 0.0, "{model}");
        let load = &c["load"];
        assert_eq!(load["connections"], tasks, "{model}");
        assert!(
            load["peak_rss_bytes"].as_u64().unwrap() > 0,
            "{model}: the generator is measured apart"
        );
        // The server: it saw every connection, and its memory is its own tree's.
        assert_eq!(c["server"]["connections"], tasks, "{model}: {}", c["server"]);
        assert_eq!(c["server"]["connections_failed"], 0, "{model}");
        assert!(c["peak_rss_bytes"].as_u64().unwrap() > 0);
        // A pool or a prefork server holds as many connections at once as it has workers.
        let expected_peak = if model.starts_with("rs-pool") || model.contains("process") {
            2
        } else {
            tasks
        };
        assert_eq!(c["peak_in_flight"], expected_peak, "{model} n={tasks}");
        let port: u16 = load["target"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(!listening(port), "{model}: port {port} still listening after the sweep");
        assert!(
            TcpStream::connect(load["target"].as_str().unwrap()).is_err(),
            "{model}: something still accepts on {}",
            load["target"]
        );
    }
    // Bytes per connection for the models that held every connection at once.
    let analysis = &results["analysis"]["workloads"][0];
    for model in ["rs-thread", "rs-async", "py-thread", "py-asyncio"] {
        assert!(
            analysis["bytes_per_task"][model].is_number(),
            "{model}: no bytes per connection in {analysis}"
        );
    }
    let text = stdout(&out);
    assert!(text.contains("memory per connection"), "{text}");
    assert!(text.contains("req/s"), "{text}");
}

/// The p99 of the one ok cell at `rate` (none: closed loop).
fn p99_of(workload: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let out = bench(
        dir.path(),
        &["--workload", workload, "--models", "py-asyncio", "--tasks", "4"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    let cell = cells(&results)[0].clone();
    assert_eq!(cell["status"], "ok", "{cell}");
    cell["request_latency_ms"]["p99"].as_f64().unwrap()
}

#[test]
fn an_open_loop_exposes_a_server_that_blocks_its_loop() {
    // The handler sleeps 20 ms without yielding: the loop serves 50 requests/s at most.
    // Closed loop, 4 connections wait for each other: p99 about 4 x 20 ms. Open loop at
    // 100 requests/s, latency counted from each request's intended send time, the queue
    // grows for the whole second and a half: p99 near a second.
    let closed = p99_of("serve-http:latency=20ms,duration=1500ms,blocking=true");
    let open = p99_of("serve-http:latency=20ms,duration=1500ms,blocking=true,rate=100");
    assert!(closed > 15.0, "closed-loop p99 {closed} ms: the handler waits 20 ms");
    assert!(
        open > 4.0 * closed,
        "open-loop p99 {open} ms should be far above the closed-loop p99 {closed} ms"
    );
}

#[test]
fn bad_server_specs_are_one_line_errors() {
    for spec in [
        "serve-http:rate=0",
        "serve-http:duration=0s",
        "serve-tcp:bytes=0",
        "serve-tcp:interval=1s,hold=2s",
        "serve-http:generators=0",
        "serve-tcp:generators=many",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = bench(
            dir.path(),
            &["--workload", spec, "--models", "rs-async", "--tasks", "1"],
        );
        assert_eq!(out.status.code(), Some(2), "{spec}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{spec}: {err}");
        assert!(err.contains(spec.split(':').next().unwrap()), "{spec}: {err}");
    }
}

#[test]
fn two_generator_processes_against_one_serve_http_server_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = bench(
        dir.path(),
        &[
            "--workload",
            "serve-http:latency=1ms,duration=1s,generators=2",
            "--models",
            "rs-async",
            "--tasks",
            "16",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    assert_valid("results.schema.json", &results);
    let cells = cells(&results);
    assert_eq!(cells.len(), 1);
    let c = cells[0];
    assert_eq!(c["status"], "ok", "{c}");
    assert_eq!(c["tasks_ok"], 16, "{c}");
    let load = &c["load"];
    let generators = load["generators"].as_array().unwrap();
    assert_eq!(generators.len(), 2, "{load}");
    let each = |key: &str| -> Vec<&Value> { generators.iter().map(|g| &g[key]).collect() };
    assert_eq!(each("connections"), [8, 8], "{load}");
    assert_eq!(load["connections"], 16);
    assert!(each("status").iter().all(|s| *s == "ok"), "{load}");
    // Counts add up, and the merged histogram holds every request of both.
    let requests: u64 = each("requests_ok").iter().map(|n| n.as_u64().unwrap()).sum();
    assert!(requests > 0);
    assert_eq!(c["requests_ok"], requests, "{c}");
    let merged: u64 = c["histograms"]["request_latency_us"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[1].as_u64().unwrap())
        .sum();
    assert_eq!(
        merged, requests,
        "one latency per request answered, from both generators"
    );
    assert!(c["requests_per_s"].as_f64().unwrap() > 0.0);
    // A pooled percentile lies between the parts' own.
    let p99s: Vec<f64> = each("request_p99_ms").iter().map(|p| p.as_f64().unwrap()).collect();
    let p99 = c["request_latency_ms"]["p99"].as_f64().unwrap();
    let (low, high) = (
        p99s.iter().copied().fold(f64::MAX, f64::min),
        p99s.iter().copied().fold(0.0, f64::max),
    );
    assert!(
        low <= p99 && p99 <= high,
        "merged p99 {p99} outside the generators' {p99s:?}"
    );
    assert!(
        load["runner"].as_str().unwrap().starts_with("2 × 8 tokio tasks"),
        "{load}"
    );
    let target = load["target"].as_str().unwrap();
    let port: u16 = target.rsplit(':').next().unwrap().parse().unwrap();
    assert!(!listening(port), "port {port} still listening after the sweep");
    assert!(
        TcpStream::connect(target).is_err(),
        "something still accepts on {target}"
    );
    assert!(stdout(&out).contains("2 generator processes"), "{}", stdout(&out));
}
