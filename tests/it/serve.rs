//! `conlab serve` holds up: it answers with the injected latency and faults, survives slow
//! and malformed clients, and stops cleanly on SIGTERM.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::common::*;

fn get(addr: &str, path: &str) -> String {
    raw_exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

#[test]
fn answers_with_the_requested_delay_and_size() {
    let server = Server::start(&["--latency", "0ms", "--tcp-listen", "127.0.0.1:0"]);
    let started = Instant::now();
    let answer = get(&server.addr(), "/delay?ms=120&bytes=1000");
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("content-length: 1000"), "{answer}");
    assert!(took >= Duration::from_millis(120), "answered after {took:?}");
    assert!(server.tcp.is_some());
    // Smaller after larger: sliced from the shared body, still exactly the size asked.
    let small = get(&server.addr(), "/delay?ms=0&bytes=10");
    assert!(
        small.contains("content-length: 10\r\n") && small.ends_with("\r\n\r\nxxxxxxxxxx"),
        "{small}"
    );
    // A malformed number is the client's mistake, not a default.
    for bad in ["/delay?ms=abc", "/delay?bytes=-1", "/delay?ms=1.5"] {
        let answer = get(&server.addr(), bad);
        assert!(answer.starts_with("HTTP/1.1 400"), "{bad}: {answer}");
    }
}

#[test]
fn slow_and_garbage_clients_neither_stall_nor_crash_it() {
    let server = Server::start(&["--latency", "0ms", "--header-timeout", "1s"]);
    let addr = server.addr();

    // A client that sends one header byte every 300 ms.
    let slow_addr = addr.clone();
    let slow = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(&slow_addr).unwrap();
        let started = Instant::now();
        for byte in b"GET / HTTP/1.1\r\nHost: slow\r\n".iter() {
            if s.write_all(&[*byte]).is_err() {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        started.elapsed()
    });
    // Meanwhile ordinary requests are answered at once.
    for _ in 0..5 {
        let t = Instant::now();
        assert!(get(&addr, "/delay?ms=0").starts_with("HTTP/1.1 200"));
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "a request waited {:?}",
            t.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let cut_after = slow.join().unwrap();
    assert!(
        cut_after < Duration::from_secs(5),
        "the slow client was held {cut_after:?}"
    );

    // Garbage gets a 400 (or a close), and the server keeps serving.
    let answer = raw_exchange(&addr, b"\x16\x03\x01garbage garbage\r\n\r\n");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 400"), "{answer}");
    let huge = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(64 * 1024));
    let answer = raw_exchange(&addr, huge.as_bytes());
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(get(&addr, "/").starts_with("HTTP/1.1 200"));
}

#[test]
fn sigterm_stops_it_promptly() {
    let mut server = Server::start(&["--latency", "0ms"]);
    let pid = nix::unistd::Pid::from_raw(server.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let t = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(t.elapsed() < Duration::from_secs(3), "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn bad_options_are_usage_errors() {
    for args in [
        &["--error-rate", "1.5"][..],
        &["--latency", "uniform:9ms..1ms"],
        &["--listen", "nowhere"],
    ] {
        let out = conlab().arg("serve").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
    }
}
