//! The Python server stacks people deploy (http.server, aiohttp.web, uvicorn, gunicorn's
//! worker classes), each the library's own server on conlab's socket: every one installed
//! here serves serve-http in an ok cell, says which stack it was (server, version, worker
//! class), counts the requests its app answered, and leaves no process or listener
//! behind. A stack whose library is missing is skipped with a note, and this test says so
//! in one line instead of failing; a stack on a client workload is `unsupported`.

use crate::common::*;
use serde_json::Value;

/// (model, server, worker class) of every stack.
const SINGLE: &[(&str, &str, &str)] = &[
    (
        "py-thread+http.server",
        "http.server.ThreadingHTTPServer",
        "ThreadingMixIn",
    ),
    ("py-asyncio+aiohttp", "aiohttp.web", "AppRunner"),
    ("py-asyncio+uvicorn", "uvicorn", "uvicorn.Server"),
];
const MULTI: &[(&str, &str, &str)] = &[
    ("py-pool+gunicorn:size=4", "gunicorn", "gthread"),
    ("py-process+gunicorn:workers=2", "gunicorn", "sync"),
    ("py-gevent+gunicorn", "gunicorn", "gevent"),
    ("py-asyncio+uvicorn:procs=2", "uvicorn", "uvicorn.workers.UvicornWorker"),
];

fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn serves_and_names_its_stack(stacks: &[(&str, &str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let models: Vec<&str> = stacks.iter().map(|s| s.0).collect();
    let out = bench(
        dir.path(),
        &[
            "--workload",
            "serve-http:latency=1ms,duration=1s",
            "--models",
            &models.join(","),
            "--tasks",
            "8",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    assert_valid("results.schema.json", &results);
    for (model, server, worker_class) in stacks {
        let cell: Vec<&Value> = results["cells"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["model"] == *model && c["baseline"] == false)
            .collect();
        let Some(c) = cell.first() else {
            assert!(
                said.contains(&format!("{model} skipped")),
                "{model}: neither a cell nor a note\n{said}"
            );
            println!("{model}: its library is not installed here, not tested");
            continue;
        };
        assert_eq!(c["status"], "ok", "{model}: {c}");
        let stack = &c["stack"];
        assert_eq!(stack["server"], *server, "{model}: {stack}");
        assert!(!stack["version"].as_str().unwrap().is_empty(), "{model}: {stack}");
        assert!(
            stack["worker_class"].as_str().unwrap().starts_with(worker_class),
            "{model}: {stack}"
        );
        // Every client seen; more for gunicorn's sync worker, which closes each connection
        // after its answer (no keep-alive), so that the clients connect again.
        assert!(stack["connections"].as_u64().unwrap() >= 8, "{model}: {stack}");
        // The tasks are the requests the app answered; the clients saw as many answered.
        let requests = c["requests_ok"].as_u64().unwrap();
        assert!(requests > 8, "{model}: {requests} requests");
        assert_eq!(c["requests_failed"], 0, "{model}");
        assert!(
            c["runner"].as_str().unwrap().contains("requests the app answered"),
            "{model}"
        );
        assert!(c["peak_in_flight"].as_u64().unwrap() >= 1, "{model}");
        // Multi-process stacks: every worker sent its share back, and none is left.
        let workers = c["workers"].as_array().cloned().unwrap_or_default();
        if !workers.is_empty() {
            assert_eq!(workers.len() as u64, stack["workers"].as_u64().unwrap(), "{model}");
            let served: u64 = workers.iter().map(|w| w["tasks"].as_u64().unwrap()).sum();
            assert!(served > 8, "{model}: the workers answered {served}");
        }
        for w in &workers {
            let pid = w["pid"].as_u64().unwrap();
            assert!(!alive(pid), "{model}: worker {pid} still running after the sweep");
        }
        let target = c["load"]["target"].as_str().unwrap();
        assert!(
            std::net::TcpStream::connect(target).is_err(),
            "{model}: something still accepts on {target}"
        );
    }
}

#[test]
fn single_process_stacks_serve_and_name_their_stack() {
    serves_and_names_its_stack(SINGLE);
}

#[test]
fn multi_process_stacks_serve_and_name_their_stack() {
    serves_and_names_its_stack(MULTI);
}

#[test]
fn a_stack_on_a_client_workload_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let out = bench(
        dir.path(),
        &[
            "--workload",
            "sleep:1ms",
            "--models",
            "py-pool+gunicorn,py-thread",
            "--tasks",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    let cell = results["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["model"] == "py-pool+gunicorn");
    let Some(cell) = cell else {
        println!("py-pool+gunicorn: gunicorn is not installed here, not tested");
        return;
    };
    assert_eq!(cell["status"], "skipped", "{cell}");
    assert_eq!(cell["failure"]["kind"], "unsupported", "{cell}");
    assert!(
        cell["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("serves serve-http, not sleep"),
        "{cell}"
    );
}
