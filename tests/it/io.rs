//! The I/O workloads against real servers: conlab's own, and targets that refuse, fail,
//! reset or cut responses short. Every failure is a counted error kind, never a crash.

use crate::common::*;
use serde_json::Value;

fn run(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = bench(&out, args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!text.contains("panicked"), "{text}");
    let results = read_json(&out.join("results.json"));
    assert_valid("results.schema.json", &results);
    results
}

#[test]
fn http_under_every_rust_model_against_the_own_server() {
    let results = run(&[
        "--workload",
        "http:latency=50ms,requests=2",
        "--models",
        "rs-thread,rs-pool,rs-async,rs-async-st,rs-process",
        "--tasks",
        "20",
    ]);
    assert!(results["plan"]["target"].as_str().unwrap().contains("conlab serve"));
    for c in results["cells"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["requests_ok"], 40, "{c}");
        assert_eq!(c["requests_failed"], 0);
        assert!(c["errors"].as_object().unwrap().is_empty(), "{c}");
        let p50 = c["request_latency_ms"]["p50"].as_f64().unwrap();
        assert!(p50 >= 50.0, "p50 {p50} is below the injected 50 ms");
        let client = c["client"].as_str().unwrap();
        assert!(client.contains("conlab HTTP/1.1 codec"), "{c}");
        let shell = if c["model"] == "rs-async" || c["model"] == "rs-async-st" {
            "async tokio::net shell"
        } else {
            "blocking std::net shell"
        };
        assert!(client.contains(shell), "{c}");
    }
}

/// The client each model runs, as its cell records it.
fn client_of(model: &str) -> &'static str {
    match model {
        "rs-thread" => "conlab HTTP/1.1 codec (sans-IO), blocking std::net shell",
        "rs-async" => "conlab HTTP/1.1 codec (sans-IO), async tokio::net shell",
        "rs-thread+ureq" => "ureq ",
        "rs-async+hyper" => "hyper ",
        other => panic!("no client expected for {other}"),
    }
}

#[test]
fn the_codec_and_the_library_variants_answer_alike() {
    let models = "rs-thread,rs-async,rs-thread+ureq,rs-async+hyper";
    for keepalive in [true, false] {
        let workload = format!("http:latency=0ms,requests=3,keepalive={keepalive}");
        let results = run(&["--workload", &workload, "--models", models, "--tasks", "5"]);
        let cells = results["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 4, "{results}");
        for c in cells {
            let model = c["model"].as_str().unwrap();
            assert_eq!(c["status"], "ok", "{c}");
            assert_eq!(c["requests_ok"], 15, "{c}");
            assert_eq!(c["requests_failed"], 0, "{c}");
            let client = c["client"].as_str().unwrap();
            assert!(client.starts_with(client_of(model)), "{model}: {client}");
            let connections = if keepalive {
                "one kept-alive connection per task"
            } else {
                "a new connection per request"
            };
            assert!(client.ends_with(connections), "{model}: {client}");
        }
    }
    // Nothing listens on port 1: the codec counts refusals as the libraries do.
    let results = run(&[
        "--workload",
        "http:requests=2",
        "--models",
        models,
        "--tasks",
        "3",
        "--target",
        "http://127.0.0.1:1/",
    ]);
    for c in results["cells"].as_array().unwrap() {
        assert_eq!(c["status"], "errors", "{c}");
        assert_eq!(c["errors"]["refused"], 6, "{c}");
        assert_eq!(c["requests_failed"], 6, "{c}");
        assert_eq!(c["requests_ok"], 0, "{c}");
        assert_eq!(c["tasks_failed"], 3, "{c}");
    }
}

#[test]
fn a_library_variant_goes_with_its_kind_of_model() {
    let dir = tempfile::tempdir().unwrap();
    let output = bench(
        &dir.path().join("run"),
        &["--workload", "http:requests=1", "--models", "rs-async+ureq"],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("ureq goes with rs-thread, rs-pool, rs-process"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn without_keepalive_every_request_opens_a_connection() {
    let results = run(&[
        "--workload",
        "http:latency=0ms,requests=5,keepalive=false",
        "--models",
        "rs-async,rs-thread",
        "--tasks",
        "4",
    ]);
    for c in results["cells"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["requests_ok"], 20, "{c}");
    }
}

#[test]
fn a_refusing_target_is_counted_as_refused() {
    // Bind a port, then close it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let results = run(&[
        "--workload",
        "http:requests=2",
        "--models",
        "rs-async,rs-thread",
        "--tasks",
        "3",
        "--target",
        &url,
    ]);
    for c in results["cells"].as_array().unwrap() {
        assert_eq!(c["status"], "errors", "{c}");
        assert_eq!(c["errors"]["refused"], 6, "{c}");
        assert_eq!(c["tasks_failed"], 3);
        assert_eq!(c["requests_ok"], 0);
    }
}

#[test]
fn server_faults_are_counted_by_kind() {
    for (flag, kind) in [
        ("--error-rate", "http-5xx"),
        ("--truncate-rate", "closed"),
        ("--reset-rate", "reset"),
    ] {
        let rate = if flag == "--error-rate" { "0.5" } else { "1" };
        let server = Server::start(&["--latency", "0ms", flag, rate]);
        let results = run(&[
            "--workload",
            "http:requests=10",
            "--models",
            "rs-async,rs-thread,rs-async+hyper,rs-thread+ureq",
            "--tasks",
            "10",
            "--target",
            &format!("{}/", server.http),
        ]);
        for c in results["cells"].as_array().unwrap() {
            // Tasks failed: the cell ran, but it wins nothing.
            assert_eq!(c["status"], "errors", "{flag}: {c}");
            assert_eq!(c["failure"]["kind"], "task-errors", "{flag}: {c}");
            let failed = c["errors"][kind].as_u64().unwrap_or(0);
            let total = c["requests_ok"].as_u64().unwrap() + c["requests_failed"].as_u64().unwrap();
            assert_eq!(total, 100, "{flag}: {c}");
            if flag == "--error-rate" {
                assert!((20..=80).contains(&failed), "{flag}: {failed} of 100 were 5xx: {c}");
            } else {
                assert!(failed >= 90, "{flag}: only {failed} of 100 counted as {kind}: {c}");
            }
        }
    }
}

#[test]
fn tcp_connections_are_held_at_once() {
    let results = run(&[
        "--workload",
        "tcp:hold=1s,interval=200ms",
        "--models",
        "rs-async,rs-thread",
        "--tasks",
        "300",
    ]);
    for c in results["cells"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c}");
        assert!(c["peak_fds"].as_u64().unwrap() >= 300, "{c}");
        assert_eq!(c["requests_ok"], 1500, "{c}");
        assert!(c["work_s"].as_f64().unwrap() >= 1.0);
    }
}

#[test]
fn a_bad_url_list_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("urls.txt");
    std::fs::write(&file, "# list\nhttp://127.0.0.1:9/\nnot a url\n").unwrap();
    let output = bench(
        &dir.path().join("run"),
        &["--workload", "http:requests=1", "--urls", file.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("urls.txt:3:"), "{err}");
    assert!(!dir.path().join("run").exists());
}
