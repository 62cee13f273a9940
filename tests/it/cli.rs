//! Bad input costs nothing: one line on stderr, exit 2, no output written. Ctrl-C stops a
//! sweep at once and keeps what it measured.

use std::time::{Duration, Instant};

use crate::common::*;

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

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _conlab"),
        ("zsh", "#compdef conlab"),
        ("fish", "complete -c conlab"),
    ] {
        let out = conlab().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell} script lacks {marker:?}");
        for option in ["export-json", "fail-if-slower", "quiet"] {
            assert!(script.contains(option), "{shell} script lacks --{option}");
        }
    }
    let bad = conlab().args(["completions", "cmd.exe"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(stderr(&bad).trim().lines().count(), 1, "{}", stderr(&bad));
}

#[test]
fn every_subcommand_help_has_examples() {
    for sub in [
        "bench",
        "report",
        "compare",
        "advise",
        "claims",
        "answer",
        "serve",
        "env",
        "list",
        "completions",
        "man",
    ] {
        let out = conlab().args([sub, "--help"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let help = stdout(&out);
        let examples = help
            .split("EXAMPLES:")
            .nth(1)
            .unwrap_or_else(|| panic!("{sub} --help: {help}"));
        assert!(examples.contains(&format!("conlab {sub}")), "{sub}: {examples}");
    }
    let top = stdout(&conlab().arg("--help").output().unwrap());
    assert!(top.contains("EXAMPLES:") && top.contains("blocking"), "{top}");
}

#[test]
fn bench_help_shows_what_a_bare_run_runs() {
    let help = stdout(&conlab().args(["bench", "--help"]).output().unwrap());
    for default in [
        "[default: http:latency=50ms and sleep:1s]",
        "[default: rs-thread,rs-pool,rs-async,rs-async-st,rs-process, plus py-thread,py-pool,py-asyncio when a python3 is found]",
        "[default: 10,100,1k,10k; with no --workload or --models: http:latency=50ms at 10,1k,5k, sleep:1s at 1k; --quick: 10,100,1k; --full: 1,10,100,1k,10k,100k,1m]",
        "[default: 60s plus the least time",
        "cells that would need more than 5s (20s with --quick or --full) are skipped up front]",
        "[default: 3]",
    ] {
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(default), "bench --help lacks {default}:\n{help}");
    }
}

#[test]
fn a_missing_argument_prints_the_whole_usage_and_exits_2() {
    for (args, wanted) in [
        (
            &["report"][..],
            &["Usage: conlab report", "<FILE>", "--format", "EXAMPLES:"][..],
        ),
        (
            &["compare"],
            &["Usage: conlab compare", "<A>", "<B>", "--fail-if-slower", "EXAMPLES:"],
        ),
        (&["compare", "a.json"], &["<B>", "Usage: conlab compare", "--help"]),
        (&["completions"], &["Usage: conlab completions", "bash"]),
    ] {
        let out = conlab().args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for w in wanted {
            assert!(err.contains(w), "{args:?} lacks {w:?}:\n{err}");
        }
    }
}

#[test]
fn man_pages_are_roff() {
    let top = conlab().arg("man").output().unwrap();
    assert_eq!(top.status.code(), Some(0));
    let page = stdout(&top);
    assert!(page.contains(".TH conlab 1"), "{page}");
    assert!(page.contains("completions") && page.contains("EXAMPLES"), "{page}");
    let bench = stdout(&conlab().args(["man", "bench"]).output().unwrap());
    assert!(
        bench.contains(".TH conlab-bench 1") && bench.contains("export\\-csv"),
        "{bench}"
    );
    assert!(
        bench.contains("conlab bench \\-\\-quick"),
        "the examples are in the page: {bench}"
    );
    let bad = conlab().args(["man", "cell"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(stderr(&bad).trim().lines().count(), 1, "{}", stderr(&bad));
}

#[test]
fn quiet_bench_writes_results_and_exports_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (json, csv, md) = (
        dir.path().join("r.json"),
        dir.path().join("r.csv"),
        dir.path().join("r.md"),
    );
    let args = [
        "--workload",
        "sleep:1ms",
        "--models",
        "rs-async",
        "--tasks",
        "1",
        "--quiet",
    ];
    let mut cmd = conlab();
    cmd.arg("bench").args(args).args(["--repeat", "1", "--out"]).arg(&out);
    cmd.arg("--export-json").arg(&json).arg("--export-csv").arg(&csv);
    let run = cmd.arg("--export-markdown").arg(&md).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(stdout(&run), "");
    assert_eq!(stderr(&run), "");
    let results = read_json(&out.join("results.json"));
    assert_eq!(read_json(&json)["cells"], results["cells"]);
    let table = std::fs::read_to_string(&csv).unwrap();
    let cells = results["cells"].as_array().unwrap().len() + results["baselines"].as_array().map_or(0, Vec::len);
    assert!(cells >= 1);
    assert_eq!(table.lines().count(), 1 + cells, "a header and a row per cell: {table}");
    assert!(std::fs::read_to_string(&md).unwrap().contains("sleep:1ms"));

    // Without --quiet the header line counts in the singular where it should.
    let loud = bench(&dir.path().join("loud"), &args[..6]);
    assert_eq!(loud.status.code(), Some(0));
    assert!(
        stderr(&loud).contains("conlab: 1 cell (1 workload × 1 model × 1 task count × 1 repeat) + 1 baseline"),
        "{}",
        stderr(&loud)
    );
    assert!(stdout(&loud).contains("sleep:1ms"));
}

#[test]
fn an_export_with_nowhere_to_go_is_refused_before_the_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let nowhere = dir.path().join("missing").join("r.csv");
    for export in ["--export-csv", "--export-timeseries"] {
        let output = bench(
            &out,
            &[
                "--workload",
                "sleep:1ms",
                "--models",
                "rs-async",
                "--tasks",
                "1",
                export,
                nowhere.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(2), "{export}: {}", stderr(&output));
        assert_eq!(stderr(&output).trim().lines().count(), 1, "{}", stderr(&output));
        assert!(stderr(&output).contains("cannot export to"), "{}", stderr(&output));
        assert!(!out.exists(), "{export}: the out directory was created");
    }
}

/// Every error prints each cause once: no `: cause: cause` lines (the domain errors show
/// a cause in their message or chain it as their source, never both).
#[test]
fn each_cause_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let not_utf8 = dir.path().join("results.json");
    std::fs::write(&not_utf8, b"\xff\xfe{}\n").unwrap();
    let not_utf8 = not_utf8.to_str().unwrap();
    let urls = dir.path().join("missing-urls.txt");
    let urls = urls.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["report", "/nope.json"],
        &["report", not_utf8],
        &["compare", "/nope.json", "/nope2.json"],
        &["bench", "--target", "ftp://x"],
        &["bench", "--workload", "http", "--target", "http://"],
        &["bench", "--workload", "http", "--urls", urls],
        &["claims", "--claims", "/nope.json"],
        &["bench", "--workload", "sleep:1x"],
    ];
    for args in cases {
        let out = conlab().args(*args).output().unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        let line = err.lines().next().unwrap_or_default();
        let parts: Vec<&str> = line.trim_start_matches("conlab: ").split(": ").collect();
        // clap names the value it refused; the parser's message must not name it again.
        if let Some(value) = line.split("invalid value '").nth(1).and_then(|v| v.split('\'').next()) {
            assert!(!parts.contains(&value), "{args:?}: the value is named twice: {line}");
        }
        for (i, part) in parts.iter().enumerate().filter(|(_, p)| p.len() > 8) {
            assert!(
                !parts[i + 1..]
                    .iter()
                    .any(|p| p.contains(part) || (p.len() > 8 && part.contains(p))),
                "{args:?}: '{part}' appears twice in: {line}"
            );
        }
    }
}

#[test]
fn answer_words_earlier_results_with_their_cells_and_refuses_bad_input() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/default-sweep.json");
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("answer.md");
    let out = conlab()
        .args(["answer", "--from", fixture, "-o"])
        .arg(&md)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("## Performance at scale"), "{text}");
    assert!(
        text.contains("[http latency=50ms · py-thread · 5,000 tasks · 3 runs]"),
        "{text}"
    );
    let html = stdout(
        &conlab()
            .args(["answer", "--from", fixture, "--format", "html"])
            .output()
            .unwrap(),
    );
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<h2>Gotchas</h2>"),
        "{html}"
    );

    let not_claims = dir.path().join("claims.json");
    std::fs::write(&not_claims, "{}").unwrap();
    let nowhere = dir.path().join("none.json");
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["answer".into(), "--claims".into(), not_claims.clone().into()],
        vec!["answer".into(), "--from".into(), nowhere.into()],
        vec![
            "answer".into(),
            "--from".into(),
            fixture.into(),
            "--claims".into(),
            not_claims.into(),
        ],
    ];
    for args in cases {
        let out = conlab().args(&args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}
