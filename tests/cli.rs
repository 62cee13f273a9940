//! Bad input costs nothing: one line on stderr, exit 2, no output written. Ctrl-C stops a
//! sweep at once and keeps what it measured.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["--models", "rs-nope"],
        &["--workload", "nap:1s"],
        &["--tasks", "0"],
        &["--tasks", "abc"],
        &["--tasks", "-5"],
        &["--workload", "sleep:1x"],
        &["--workload", "sleep:fast"],
        &["--workload", "cpu:iterations=ten"],
        &["--cell-timeout", "60"],
        &["--models", "rs-pool:size=0"],
    ];
    for args in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let output = bench(&out, args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?} printed: {err}");
        assert!(!err.contains("panicked"));
        assert!(!out.exists(), "{args:?} created the output directory");
    }
}

#[test]
fn an_unwritable_out_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let output = bench(
        &file.join("run"),
        &["--workload", "sleep:1ms", "--models", "rs-async", "--tasks", "1"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output).trim().lines().count(), 1, "{}", stderr(&output));
    assert!(stderr(&output).contains("cannot create output directory"));
}

#[test]
fn earlier_results_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let args = ["--workload", "sleep:1ms", "--models", "rs-async", "--tasks", "1"];
    assert_eq!(bench(&out, &args).status.code(), Some(0));
    let before = std::fs::read(out.join("results.jsonl")).unwrap();
    let again = bench(&out, &args);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already holds results"));
    assert_eq!(std::fs::read(out.join("results.jsonl")).unwrap(), before);
}

#[test]
fn sigint_stops_the_sweep_and_keeps_finished_cells() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("conlab"))
        .args([
            "bench",
            "--workload",
            "sleep:2345ms",
            "--models",
            "rs-async,rs-thread",
            "--tasks",
            "1,2,3",
            "--repeat",
            "1",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Baselines are instant; the first two cells take 2.3 s each. Interrupt the third.
    std::thread::sleep(Duration::from_millis(5600));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let sent = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if sent.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("conlab did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "took {:?} to stop",
        sent.elapsed()
    );
    assert_eq!(status.code(), Some(130));
    assert!(processes_with("sleep:2345ms").is_empty(), "a cell outlived the sweep");

    let text = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let cells: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["record"] == "cell" && v["baseline"] == false)
        .collect();
    // Normally two cells have finished; a loaded machine may have managed only one.
    assert!((1..6).contains(&cells.len()), "{text}");
    assert!(cells.iter().all(|c| c["status"] == "ok"));
    let results = read_json(&out.join("results.json"));
    assert_eq!(results["interrupted"], true);
    assert_eq!(results["cells"].as_array().unwrap().len(), cells.len());
}

#[test]
fn list_and_env_describe_the_lab() {
    let list = conlab().arg("list").output().unwrap();
    assert_eq!(list.status.code(), Some(0));
    let text = stdout(&list);
    for name in [
        "sleep:DUR",
        "cpu:iterations=K",
        "mixed:",
        "rs-thread",
        "rs-pool",
        "rs-async",
        "rs-async-st",
        "rs-process",
    ] {
        assert!(text.contains(name), "list lacks {name}: {text}");
    }
    let env = conlab().args(["env", "--json"]).output().unwrap();
    assert_eq!(env.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&env.stdout).unwrap();
    assert!(v["cores"].as_u64().unwrap() >= 1);
    let ceilings = v["allows"]["ceilings"].as_array().unwrap();
    for family in ["rs-thread", "rs-process", "py-thread", "py-process"] {
        let c = ceilings.iter().find(|c| c["family"] == family).unwrap();
        assert!(c["max"].as_u64().unwrap() > 0, "{family}: {c}");
        assert!(c["bounds"].as_array().unwrap().len() >= 2, "{family}: {c}");
        assert!(c["footprint"]["maps_per_thread"].as_f64().unwrap() > 0.0);
    }
    assert!(v["limits"]["pid_max"].as_u64().is_some());
    let human = conlab().arg("env").output().unwrap();
    let text = stdout(&human);
    assert!(text.contains("rs-thread:") && text.contains("py-thread:"), "{text}");
    assert!(text.contains("measured per thread:"), "{text}");
}
