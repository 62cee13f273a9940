//! The fault matrix: every way a target, a limit or a person can break a sweep, run
//! against one Rust model (rs-thread) and one Python model (py-thread or py-asyncio). Each
//! fault must end as a classified result (the kind users act on, the limit named) with
//! every finished cell kept, and killing conlab itself must leave no process behind. The
//! faulty targets are small listeners inside the test, stopped when it ends.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;

/// What the test's target does to every request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// Nothing listens on the port.
    Refused,
    /// Accepts, reads the request, never answers.
    NeverAnswers,
    /// Answers bytes that are not HTTP.
    Garbage,
    /// Reads the request and resets the connection (RST).
    Reset,
    /// Sends a head promising 1,000 bytes, then one byte every 100 ms.
    SlowBody,
    /// Reads the request and closes without a word.
    Closes,
}

/// A listener that answers every request with its fault, until dropped.
struct FaultServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl FaultServer {
    fn start(fault: Fault) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        if fault == Fault::Refused {
            drop(listener);
            return FaultServer {
                addr,
                stop,
                accept: None,
            };
        }
        listener.set_nonblocking(true).unwrap();
        let flag = stop.clone();
        let accept = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let flag = flag.clone();
                        std::thread::spawn(move || serve(conn, fault, &flag));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FaultServer {
            addr,
            stop,
            accept: Some(accept),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// One connection: read the request head, then misbehave; every wait ends at `stop`.
fn serve(mut conn: TcpStream, fault: Fault, stop: &AtomicBool) {
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        match conn.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(_) => continue,
        }
    }
    let mut wait_for_close = |conn: &mut TcpStream| {
        while !stop.load(Ordering::Relaxed) && !matches!(conn.read(&mut buf), Ok(0)) {}
    };
    match fault {
        Fault::Refused | Fault::Closes => {}
        Fault::NeverAnswers => wait_for_close(&mut conn),
        Fault::Garbage => {
            let _ = conn.write_all(b"garbage garbage\r\n\r\n");
            wait_for_close(&mut conn);
        }
        Fault::Reset => {
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: a valid socket and a linger struct of the size passed.
            let rc = unsafe {
                libc::setsockopt(
                    conn.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                )
            };
            assert_eq!(rc, 0, "SO_LINGER");
        }
        Fault::SlowBody => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            for _ in 0..1000 {
                if stop.load(Ordering::Relaxed) || conn.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// The measured (not baseline) cells of a sweep.
fn measured(results: &Value) -> Vec<Value> {
    results["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["baseline"] != true)
        .cloned()
        .collect()
}

#[test]
fn network_faults_get_one_kind_and_one_message_under_rust_and_python() {
    let cases = [
        (Fault::Refused, "refused"),
        (Fault::NeverAnswers, "timeout"),
        (Fault::Garbage, "protocol"),
        (Fault::Reset, "reset"),
        (Fault::SlowBody, "timeout"),
        (Fault::Closes, "closed"),
    ];
    // The faults run side by side: each sweep waits mostly on its 1 s request timeout.
    let runs: Vec<_> = cases
        .into_iter()
        .map(|(fault, kind)| {
            std::thread::spawn(move || {
                let server = FaultServer::start(fault);
                let dir = tempfile::tempdir().unwrap();
                let out = bench(
                    dir.path(),
                    &[
                        "--workload",
                        "http:timeout=1s",
                        "--models",
                        "rs-thread,rs-async,py-thread,py-asyncio",
                        "--tasks",
                        "2",
                        "--target",
                        &server.url(),
                    ],
                );
                assert!(out.status.success(), "{fault:?}: {}", stderr(&out));
                (fault, kind, read_json(&dir.path().join("results.json")))
            })
        })
        .collect();
    for run in runs {
        let (fault, kind, results) = run.join().unwrap();
        let cells = measured(&results);
        assert_eq!(cells.len(), 4, "{fault:?}: every cell is kept");
        let mut messages = BTreeSet::new();
        for c in &cells {
            let model = c["model"].as_str().unwrap();
            assert_eq!(c["status"], "errors", "{fault:?} {model}: {c}");
            assert_eq!(c["failure"]["kind"], "task-errors", "{fault:?} {model}");
            assert_eq!(c["errors"], serde_json::json!({ kind: 2 }), "{fault:?} {model}");
            assert_eq!(c["tasks_failed"], 2, "{fault:?} {model}");
            let first = c["first_error"].as_str().unwrap();
            let rest = first
                .strip_prefix(&format!("{kind}: "))
                .unwrap_or_else(|| panic!("{fault:?} {model}: {first:?} is not '{kind}: ...'"));
            assert!(
                !rest.is_empty() && !rest.starts_with(&format!("{kind}:")),
                "{fault:?} {model}: {first:?}"
            );
            // The request timeout bounds a request, however its bytes trickle in: the
            // cell ends long before its own timeout (60 s).
            assert!(c["work_s"].as_f64().unwrap() < 15.0, "{fault:?} {model}: {c}");
            messages.insert(first.to_string());
        }
        assert_eq!(messages.len(), 1, "{fault:?}: one fault, one message: {messages:?}");
    }
}

#[test]
fn an_fd_limit_is_a_classified_result_that_names_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("conlab"))
        .args([
            "bench",
            "--workload",
            "http:latency=300ms",
            "--models",
            "rs-thread,py-asyncio",
            "--tasks",
            "100",
            "--repeat",
            "1",
            "--out",
        ])
        .arg(dir.path())
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    let cells = measured(&results);
    assert_eq!(cells.len(), 2);
    for c in &cells {
        let model = c["model"].as_str().unwrap();
        assert_eq!(c["status"], "errors", "{model}: {c}");
        assert!(c["errors"]["fd-limit"].as_u64().unwrap_or(0) > 0, "{model}: {c}");
        let counted: u64 = c["errors"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(counted, c["requests_failed"].as_u64().unwrap(), "{model}: kinds add up");
        let tasks = c["tasks_ok"].as_u64().unwrap() + c["tasks_failed"].as_u64().unwrap();
        assert_eq!(tasks, 100, "{model}: every task is counted");
        let limit = c["failure"]["limit"].as_str().unwrap_or_default();
        assert!(limit.contains("RLIMIT_NOFILE=64"), "{model}: the limit is named: {c}");
    }
}

/// A process as a failure names it: pid, parent and command line.
fn describe(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let ppid = status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .unwrap_or("?")
        .trim();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    let state = status
        .lines()
        .find_map(|l| l.strip_prefix("State:"))
        .unwrap_or("?")
        .trim();
    format!("{pid} (parent {ppid}, {state}): {}", cmdline.trim())
}

/// The process that started at `start` still runs. A zombie does not: it has ended and
/// waits for its new parent (pid 1 here, which reaps when it gets to it) to collect it.
fn alive(pid: u32, start: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat.rfind(')').and_then(|at| stat.get(at + 2..at + 3));
    start_time(pid).is_some_and(|s| s == start) && !matches!(state, Some("Z" | "X"))
}

/// Start `conlab bench ARGS` in the background, its output in `dir`.
fn spawn_bench(dir: &std::path::Path, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("conlab"))
        .arg("bench")
        .args(args)
        .args(["--repeat", "1", "--out"])
        .arg(dir)
        .env("CI", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kills `child` by pid when dropped, so a failed assertion leaves nothing running.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_cell_killed_from_outside_is_named_so_and_the_sweep_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut sweep = Reaped(spawn_bench(
        dir.path(),
        &[
            "--workload",
            "sleep:6s",
            "--models",
            "rs-thread,py-thread",
            "--tasks",
            "2,3",
        ],
    ));
    // Kill every cell (`conlab-cell cell`, or the Python driver) that has run for over
    // 1.5 s: the baselines end well before, the measured cells sleep 6 s. The sweep's own
    // probes (`python3 -c ...`) are left alone, however slow the machine.
    let mut first_seen = std::collections::HashMap::new();
    let mut killed = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = sweep.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the sweep did not end");
        let children = std::fs::read_to_string(format!("/proc/{}/task/{}/children", sweep.0.id(), sweep.0.id()))
            .unwrap_or_default();
        for pid in children.split_whitespace().filter_map(|c| c.parse::<i32>().ok()) {
            let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let second = argv.split(|&b| b == 0).nth(1).unwrap_or_default();
            let driver = String::from_utf8_lossy(second).contains("conlab_driver");
            if !(second == b"cell" || driver) {
                continue;
            }
            let seen = *first_seen.entry(pid).or_insert_with(Instant::now);
            if seen.elapsed() > Duration::from_millis(1500) && killed.insert(pid) {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let cells = measured(&read_json(&dir.path().join("results.json")));
    assert_eq!(killed.len(), 4, "one kill per measured cell");
    assert_eq!(cells.len(), 4, "no model was skipped after a kill: {cells:?}");
    for c in &cells {
        assert_eq!(c["failure"]["kind"], "killed", "{c}");
        let message = c["failure"]["message"].as_str().unwrap();
        assert!(message.contains("SIGKILL from outside"), "{message}");
    }
}

#[test]
fn killing_conlab_leaves_no_process_of_the_sweep() {
    // A thread model, a process model and a hybrid (one event loop per process) of each
    // language, each with conlab's own server as the target: the cell, its workers and
    // the server must all go.
    let runs: Vec<_> = [
        "rs-thread",
        "rs-process",
        "rs-process:async=true",
        "py-thread",
        "py-process",
        "py-asyncio:procs=2",
    ]
    .into_iter()
    .map(|model| {
        std::thread::spawn(move || {
            let dir = tempfile::tempdir().unwrap();
            let mut sweep = Reaped(spawn_bench(
                dir.path(),
                &[
                    "--workload",
                    "http:latency=20s,timeout=30s",
                    "--models",
                    model,
                    "--tasks",
                    "4",
                ],
            ));
            // Wait until a measured cell is running: the server plus a cell that
            // has been up for a second.
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut tree = Vec::new();
            let mut since = None;
            while Instant::now() < deadline {
                tree = descendants(sweep.0.id());
                if tree.len() >= 2 {
                    let at = *since.get_or_insert_with(Instant::now);
                    if at.elapsed() > Duration::from_secs(2) {
                        break;
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            tree.extend(descendants(sweep.0.id()));
            tree.sort();
            tree.dedup();
            assert!(tree.len() >= 2, "{model}: no cell appeared");
            sweep.0.kill().unwrap();
            sweep.0.wait().unwrap();
            std::thread::sleep(Duration::from_secs(2));
            let left: Vec<_> = tree.iter().filter(|(pid, start)| alive(*pid, start)).collect();
            let named: Vec<_> = left.iter().map(|(pid, _)| describe(*pid)).collect();
            // Stop them anyway, so that a failure leaves nothing running.
            for (pid, _) in &left {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(*pid as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            (model, tree.len(), named)
        })
    })
    .collect();
    for run in runs {
        let (model, tree, left) = run.join().unwrap();
        assert!(
            left.is_empty(),
            "{model}: {} of {tree} processes outlived conlab by 2 s: {left:?}",
            left.len()
        );
    }
}
