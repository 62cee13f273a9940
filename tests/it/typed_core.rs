//! What the typed core makes possible: a cell spec of any size (it travels on stdin, not
//! argv), every workload parameter reaching the cell (`timeout` included), and one
//! percentile algorithm for Rust and Python cells.

use std::io::Write;
use std::path::Path;

use crate::common::*;
use serde_json::Value;

fn cells(dir: &Path) -> Vec<Value> {
    read_json(&dir.join("results.json"))["cells"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_url_list_of_five_thousand_urls_runs() {
    let server = Server::start(&["--latency", "0ms"]);
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    let mut file = std::fs::File::create(&list).unwrap();
    for i in 0..5000 {
        writeln!(file, "{}/delay?ms=1&bytes=64&item={i:06}", server.http).unwrap();
    }
    drop(file);
    let out = dir.path().join("out");
    let list = list.to_str().unwrap();
    let output = bench(
        &out,
        &[
            "--urls",
            list,
            "--workload",
            "http:requests=2",
            "--models",
            "rs-thread,rs-async,py-asyncio",
            "--tasks",
            "20",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let cells = cells(&out);
    assert_eq!(cells.len(), 3);
    for c in &cells {
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["tasks_ok"], 20, "{c}");
        assert_eq!(c["requests_ok"], 40, "{c}");
    }
}

#[test]
fn the_http_timeout_reaches_the_cell() {
    // A listener that accepts (the kernel completes the handshake) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let output = bench(
        dir.path(),
        &[
            "--target",
            &url,
            "--workload",
            "http:timeout=2s",
            "--models",
            "rs-thread,rs-async,py-thread",
            "--tasks",
            "2",
            "--cell-timeout",
            "40s",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let results = read_json(&dir.path().join("results.json"));
    assert_eq!(
        results["plan"]["workloads"][0],
        "http:latency=0ms,requests=1,keepalive=true,bytes=128,timeout=2s"
    );
    for c in cells(dir.path()) {
        assert_eq!(c["errors"]["timeout"], 2, "{c}");
        assert_eq!(c["tasks_failed"], 2, "{c}");
        // About 2 s, not the 10 s default: a generous bound, not a timing verdict.
        let work = c["work_s"].as_f64().unwrap();
        assert!((1.5..8.0).contains(&work), "{} took {work}s", c["model"]);
    }
    drop(silent);
}
