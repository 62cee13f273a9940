//! Every difference conlab reports must be the model's: the concurrency each cell really
//! reached is in every output, a cell whose tasks failed wins nothing, and the caller's
//! latency (queueing included) sits beside the service latency. Which model wins is not
//! asserted here (a live timing outcome); the ranking rules are tested on fixed results
//! in `src/analyze/`.

use crate::common::*;
use serde_json::Value;

fn cells(results: &Value) -> &Vec<Value> {
    results["cells"].as_array().expect("cells")
}

#[test]
fn every_cell_states_the_concurrency_it_reached_and_the_callers_latency() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = bench(
        &out,
        &[
            "--workload",
            "http:latency=20ms",
            "--models",
            "rs-thread,rs-pool:size=4,rs-async,py-thread,py-pool:size=4,py-asyncio",
            "--tasks",
            "40",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let results = read_json(&out.join("results.json"));
    assert_valid("results.schema.json", &results);
    for c in cells(&results) {
        let model = c["model"].as_str().unwrap();
        assert_eq!(c["status"], "ok", "{c}");
        let peak = c["peak_in_flight"]
            .as_u64()
            .unwrap_or_else(|| panic!("{model}: no peak_in_flight"));
        let mean = c["mean_in_flight"]
            .as_f64()
            .unwrap_or_else(|| panic!("{model}: no mean_in_flight"));
        assert!((1..=40).contains(&peak), "{model}: peak {peak}");
        assert!(
            mean > 0.0 && mean <= peak as f64 + 0.01,
            "{model}: mean {mean}, peak {peak}"
        );
        if model.contains("pool") {
            assert!(peak <= 4, "{model}: a pool of 4 ran {peak} at once");
        }
        let caller = c["caller_latency_ms"]["max"].as_f64().expect("caller latency");
        let service = c["latency_ms"]["max"].as_f64().expect("task latency");
        // The caller waits for the last task: its start lag and its run time.
        assert!(caller + 0.01 >= service, "{model}: caller {caller} < service {service}");
        assert!(!c["histograms"]["caller_latency_us"].as_array().unwrap().is_empty());
    }
    let csv = conlab()
        .args(["report", out.join("results.json").to_str().unwrap(), "--format", "csv"])
        .output()
        .unwrap();
    let text = stdout(&csv);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    for column in ["peak_in_flight", "mean_in_flight", "caller_p99_ms"] {
        let i = header.iter().position(|h| *h == column).expect(column);
        for row in text.lines().skip(1).filter(|l| !l.contains(",true,")) {
            let field = row.split(',').nth(i).unwrap_or("");
            assert!(!field.is_empty(), "{column} empty in {row}");
        }
    }
    let md = conlab()
        .args([
            "report",
            out.join("results.json").to_str().unwrap(),
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    assert!(stdout(&md).contains("4 at once (fewer than asked)"), "{}", stdout(&md));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Peak tasks in flight") && html.contains("seen by the caller"));
}

#[test]
fn a_refused_target_gives_no_ok_cell_and_no_winner() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refused");
    let run = bench(
        &out,
        &[
            "--workload",
            "http:timeout=2s",
            "--models",
            "rs-thread,rs-async,py-thread,py-asyncio",
            "--tasks",
            "3",
            "--target",
            "http://127.0.0.1:1/",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let results = read_json(&out.join("results.json"));
    for c in cells(&results) {
        assert_eq!(c["status"], "errors", "{c}");
        assert_eq!(c["tasks_failed"], 3, "{c}");
        assert_eq!(c["failure"]["kind"], "task-errors", "{c}");
        assert!(c["failure"]["message"].as_str().unwrap().contains("refused 3"), "{c}");
    }
    let analysis = &results["analysis"]["workloads"][0];
    assert!(analysis["winners"].as_array().unwrap().is_empty(), "{analysis}");
    assert!(analysis["crossover"].as_array().unwrap().is_empty());
    assert!(analysis["bytes_per_task"].as_object().unwrap().is_empty());
    let text = stdout(&run);
    assert!(text.contains("nothing is compared"), "{text}");
    assert!(!text.contains("is fastest"), "{text}");
}

#[test]
fn a_tolerance_lets_a_few_failed_tasks_through_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tolerant");
    let run = bench(
        &out,
        &[
            "--workload",
            "http:timeout=2s",
            "--models",
            "rs-async",
            "--tasks",
            "2",
            "--target",
            "http://127.0.0.1:1/",
            "--tolerate-failures",
            "100%",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let results = read_json(&out.join("results.json"));
    assert_eq!(results["plan"]["tolerate_failures"], 1.0);
    assert_eq!(cells(&results)[0]["status"], "ok");
    assert_eq!(cells(&results)[0]["tasks_failed"], 2);

    let bad = conlab()
        .args(["bench", "--tolerate-failures", "150%"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("percentage"), "{}", stderr(&bad));
}

/// Whether any process in the tree under `root` has mapped a file whose path contains
/// `needle`, polled until `root` exits; with the command names of the processes seen.
fn tree_maps(mut root: std::process::Child, needle: &str) -> (bool, Vec<String>) {
    let (mut found, mut seen) = (false, Vec::new());
    while root.try_wait().unwrap().is_none() {
        for (pid, _) in descendants(root.id()) {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
            if comm.trim() == "conlab-cell" {
                found |= maps.contains(needle);
                seen.push(comm.trim().to_string());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(root.wait().unwrap().success());
    (found, seen)
}

#[test]
fn a_rust_cell_maps_libm_only_when_a_plain_program_of_its_model_would() {
    // A std thread program never loads libm; a tokio program does (its scheduler calls
    // pow). conlab-cell holds both, so it loads libm on demand (measure::libm).
    for (model, expect) in [("rs-thread", false), ("rs-async", true)] {
        let dir = tempfile::tempdir().unwrap();
        let sweep = std::process::Command::new(assert_cmd::cargo::cargo_bin("conlab"))
            .args([
                "bench",
                "--workload",
                "sleep:1s",
                "--models",
                model,
                "--tasks",
                "3",
                "--repeat",
                "1",
            ])
            .arg("--out")
            .arg(dir.path())
            .env("CI", "true")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let (found, seen) = tree_maps(sweep, "/libm.so");
        assert!(!seen.is_empty(), "{model}: no cell seen");
        assert_eq!(found, expect, "{model}: libm mapped in a cell: {found}");
        let results = read_json(&dir.path().join("results.json"));
        assert!(cells(&results).iter().all(|c| c["status"] == "ok"), "{results}");
    }
}

#[test]
fn the_cell_binary_keeps_the_code_its_work_runs_together() {
    // src/bin/conlab-cell.ld gathers the functions a cell's work runs, and the constants
    // they read, ahead of the rest of the binary (measure::image). A build whose linker
    // skipped the script would map back code from all over the binary during the work and
    // overstate the peak of small cells.
    let cell = assert_cmd::cargo::cargo_bin("conlab-cell");
    let ranges = |name: &str| section_ranges(&cell, name);
    let (work, text, constants) = (
        ranges(".text.conlab.work"),
        ranges(".text"),
        ranges(".rodata.conlab.work"),
    );
    assert_eq!(
        (work.len(), text.len(), constants.len()),
        (1, 1, 1),
        "{work:?} {text:?} {constants:?}"
    );
    let (size, rest) = (work[0].1 - work[0].0, text[0].1 - text[0].0);
    assert!(
        size >= 64 << 10 && size * 4 < rest,
        "work code: {size} bytes, the rest {rest}"
    );
    assert!(work[0].1 <= text[0].0, "the work's code lies ahead of the rest");
    assert!(constants[0].1 > constants[0].0);
}

/// Where the sections called `name` of the ELF file `exe` lie, as readelf (binutils, which
/// the Rust linker needs anyway) lists them: (start, end) addresses. Read from outside so
/// that this test binary need not link the library (see `src/checks/mod.rs`).
fn section_ranges(exe: &std::path::Path, name: &str) -> Vec<(u64, u64)> {
    let out = std::process::Command::new("readelf")
        .args(["-SW"])
        .arg(exe)
        .output()
        .expect("readelf runs");
    assert!(out.status.success(), "readelf -SW {}", exe.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            // `  [17] .text.conlab.work PROGBITS 0000000000097d90 096d90 048ab8 00  AX ...`
            let fields: Vec<&str> = line.split(']').nth(1)?.split_whitespace().collect();
            let (addr, size) = (fields.get(2)?, fields.get(4)?);
            let start = u64::from_str_radix(addr, 16).ok()?;
            let size = u64::from_str_radix(size, 16).ok()?;
            (fields[0] == name).then_some((start, start + size))
        })
        .collect()
}
