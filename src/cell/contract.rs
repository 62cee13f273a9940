//! The one contract between the languages, checked from the Rust side: the report line
//! of the Python driver, under every Python model (hybrids and installed library
//! variants included) and every workload, is valid against the committed
//! `schema/child-report.schema.json` and parses as a [`ChildReport`]; a line with a
//! misspelt key is refused by both. The I/O workloads talk to a small HTTP responder and
//! echo port in this process; the server workloads get a listening socket on fd 3 and a
//! few clients, as a sweep's server cell does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::launch::python::probe;
use crate::launch::Launcher;
use crate::measure::env::Interpreter;
use crate::model::ModelSpec;
use crate::protocol::ChildReport;
use crate::workload::{Target, WorkloadSpec};

fn schema() -> Value {
    let path = Path::new(env!("CONLAB_ROOT")).join("schema/child-report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, line: &Value) -> Vec<String> {
    validator
        .iter_errors(line)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// An HTTP/1.1 responder (200, empty body, keep-alive) and a TCP echo port, on threads
/// that end with the test process.
fn targets() -> Target {
    let http = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = Target {
        server: Some(format!("http://{}", http.local_addr().unwrap())),
        urls: Vec::new(),
        tcp: Some(tcp.local_addr().unwrap().to_string()),
    };
    std::thread::spawn(move || {
        for conn in http.incoming().flatten() {
            std::thread::spawn(move || {
                let mut out = conn.try_clone().unwrap();
                let mut lines = BufReader::new(conn);
                let mut line = String::new();
                while matches!(lines.read_line(&mut line), Ok(n) if n > 0) {
                    if line == "\r\n" {
                        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if out.write_all(reply).is_err() {
                            return;
                        }
                    }
                    line.clear();
                }
            });
        }
    });
    std::thread::spawn(move || {
        for mut conn in tcp.incoming().flatten() {
            std::thread::spawn(move || {
                let mut out = conn.try_clone().unwrap();
                let _ = std::io::copy(&mut conn, &mut out);
            });
        }
    });
    target
}

/// Talk to a server cell as its clients would: one request (or ping) on each of two
/// connections.
fn exercise(addr: std::net::SocketAddr, http: bool) {
    for _ in 0..2 {
        let Ok(mut conn) = TcpStream::connect(addr) else {
            continue;
        };
        let _ = conn.set_read_timeout(Some(Duration::from_secs(3)));
        let mut buf = [0u8; 256];
        if http {
            let _ = conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        } else {
            let _ = conn.write_all(&[b'x'; 16]);
        }
        let _ = conn.read(&mut buf);
    }
}

/// Run one cell and return its report line (the last line of its stdout).
fn report_line(
    launcher: &Launcher,
    py: &Interpreter,
    model: &str,
    workload: &str,
    target: &Target,
) -> Result<String, String> {
    let spec: ModelSpec = model.parse().unwrap();
    let work: WorkloadSpec = workload.parse().unwrap_or_else(|e| panic!("{workload}: {e}"));
    let server = workload.starts_with("serve-");
    let tasks = if server { 2 } else { 3 };
    let cell_target = if server { Target::default() } else { target.clone() };
    let mut launch = launcher.cell(&spec, Some(py), &work, tasks, &cell_target).unwrap();
    let listener = server.then(|| {
        let l = super::server::listen(([127, 0, 0, 1], 0).into()).unwrap();
        super::server::hand_over(&mut launch.command, &l);
        l
    });
    let mut child: Child = launch
        .command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // A watchdog: a cell that hangs is killed (by its pid) after 20 s.
    let (done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if finished.recv_timeout(Duration::from_secs(20)).is_err() {
            // SAFETY: a plain kill(2) of the child this test started, by its pid.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    // The spec is one line: a server cell reads it and keeps reading to its end of file.
    stdin
        .write_all(&launch.stdin)
        .and_then(|_| stdin.write_all(b"\n"))
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut out = String::new();
    match &listener {
        Some(l) => {
            // The ready line first, then the clients, then end of file: stop serving.
            let _ = stdout.read_line(&mut out);
            exercise(l.local_addr().unwrap(), workload.starts_with("serve-http"));
            drop(stdin);
        }
        None => drop(stdin),
    }
    drop(listener);
    let _ = stdout.read_to_string(&mut out);
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    let _ = child.wait();
    let _ = done.send(());
    out.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| format!("no report line; stderr: {}", err.trim()))
}

fn installed(py: &Interpreter, module: &str) -> bool {
    std::process::Command::new(&py.path)
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn every_python_report_line_matches_the_committed_schema() {
    let py = probe("python3").expect("python3 is installed here");
    let exe = PathBuf::from("/nonexistent/conlab");
    let launcher = Launcher::new(&exe, true, false).unwrap();
    let validator = jsonschema::validator_for(&schema()).expect("the committed schema compiles");
    let target = targets();
    let dir = std::env::temp_dir().join(format!("conlab-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let task = dir.join("task.py");
    std::fs::write(
        &task,
        "def work(i):\n    return i\n\nasync def awork(i):\n    return i\n",
    )
    .unwrap();
    let pytask = format!("py-task:file={},fn=work,afn=awork", task.display());
    let workloads = [
        "sleep:1ms",
        "cpu:iterations=1000",
        "mixed:io=1ms,cpu=1000,steps=2",
        "http:latency=0ms,requests=2",
        "http:latency=0ms,requests=2,rate=2000",
        "tcp:hold=20ms,interval=10ms",
        "blocking:call=1ms",
        "serve-http:latency=0ms,duration=1s",
        "serve-tcp:interval=10ms,duration=1s",
        pytask.as_str(),
    ];
    let models = [
        "py-thread",
        "py-pool",
        "py-asyncio",
        "py-process",
        "py-asyncio:procs=2",
        "py-asyncio:threads=2",
    ];
    let mut cells: Vec<(String, String)> = Vec::new();
    for m in models {
        cells.extend(workloads.iter().map(|w| (m.to_string(), w.to_string())));
    }
    // gevent, where installed: every workload, a greenlet per task and a pool of them.
    if installed(&py, "gevent") {
        for m in ["py-gevent", "py-gevent:size=2"] {
            cells.extend(workloads.iter().map(|w| (m.to_string(), w.to_string())));
        }
    }
    // Library variants, where installed: with the workloads they change.
    let variants = [
        ("gevent", &["py-gevent+requests"][..], "http:latency=0ms,requests=2"),
        (
            "requests",
            &["py-thread+requests", "py-pool+requests", "py-process+requests"][..],
            "http:latency=0ms,requests=2",
        ),
        ("aiohttp", &["py-asyncio+aiohttp"][..], "http:latency=0ms,requests=2"),
        ("uvloop", &["py-asyncio+uvloop"][..], "http:latency=0ms,requests=2"),
        ("uvloop", &["py-asyncio+uvloop"][..], "sleep:1ms"),
    ];
    for (module, models, workload) in variants {
        if installed(&py, module) {
            cells.extend(models.iter().map(|m| (m.to_string(), workload.to_string())));
        }
    }
    let failures = Mutex::new(Vec::new());
    let next = Mutex::new(cells.iter());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some((model, workload)) = next.lock().unwrap().next() else {
                    return;
                };
                let line = report_line(&launcher, &py, model, workload, &target);
                let problem = match line.as_deref().map(serde_json::from_str::<Value>) {
                    Err(e) => Some(e.clone()),
                    Ok(Err(e)) => Some(format!("not JSON ({e}): {line:?}")),
                    Ok(Ok(v)) => {
                        let errors = schema_errors(&validator, &v);
                        match (
                            errors.is_empty(),
                            serde_json::from_str::<ChildReport>(line.as_deref().unwrap_or("")),
                        ) {
                            (false, _) => Some(errors.join("; ")),
                            (true, Err(e)) => Some(format!("valid, but ChildReport refuses it: {e}")),
                            (true, Ok(r)) if r.tasks_ok == 0 && r.failure.is_some() => {
                                Some(format!("the cell failed: {:?}", r.failure))
                            }
                            (true, Ok(_)) => None,
                        }
                    }
                };
                if let Some(p) = problem {
                    failures.lock().unwrap().push(format!("{model} {workload}: {p}"));
                }
            });
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} report lines break the contract:\n{}",
        failures.len(),
        cells.len(),
        failures.join("\n")
    );
}

#[test]
fn the_schema_refuses_a_misspelt_key() {
    let validator = jsonschema::validator_for(&schema()).expect("the committed schema compiles");
    let good = serde_json::to_value(ChildReport::default()).unwrap();
    assert!(
        schema_errors(&validator, &good).is_empty(),
        "{:?}",
        schema_errors(&validator, &good)
    );
    let line = serde_json::to_string(&good)
        .unwrap()
        .replace("\"tasks_ok\"", "\"tasks_okk\"");
    let bad: Value = serde_json::from_str(&line).unwrap();
    let errors = schema_errors(&validator, &bad);
    assert!(errors.iter().any(|e| e.contains("tasks_okk")), "{errors:?}");
}
