//! Sharded sweeps and merges through the binary: slices of a plan merge back into the
//! plan's cells, a merge of two runs pools latency exactly, different plans are refused,
//! machines stay apart, and the Kubernetes Job's command is one the CLI accepts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;
use hdrhistogram::Histogram;
use serde_json::Value;

/// A plan that runs in seconds: 2 models × 2 task counts × `repeat`.
fn plan(repeat: &str) -> Vec<&str> {
    vec![
        "--workload",
        "sleep:1ms",
        "--models",
        "rs-thread,rs-async",
        "--tasks",
        "1,2",
        "--repeat",
        repeat,
        "--quiet",
    ]
}

fn run(dir: &Path, args: &[&str]) -> PathBuf {
    let out = bench(dir, args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join("results.json")
}

fn merge(inputs: &[&Path], output: &Path, extra: &[&str]) -> std::process::Output {
    conlab()
        .arg("merge")
        .args(inputs)
        .arg("-o")
        .arg(output)
        .args(extra)
        .output()
        .unwrap()
}

/// (workload, model, tasks, repeat) of every measured cell.
fn cell_set(doc: &Value) -> BTreeSet<(String, String, u64, u64)> {
    let cells = doc["cells"].as_array().unwrap();
    let set: BTreeSet<_> = cells
        .iter()
        .map(|c| {
            (
                c["workload"].as_str().unwrap().to_string(),
                c["model"].as_str().unwrap().to_string(),
                c["tasks"].as_u64().unwrap(),
                c["repeat"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(set.len(), cells.len(), "no cell twice");
    set
}

#[test]
fn three_shards_merge_into_the_unsharded_plan() {
    let dir = tempfile::tempdir().unwrap();
    let whole = read_json(&run(&dir.path().join("whole"), &plan("2")));
    let mut shards = Vec::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let mut args = plan("2");
        args.extend(["--shard", &shard]);
        let doc = read_json(&run(&dir.path().join(format!("s{k}")), &args));
        assert_eq!(doc["plan"]["shard"], serde_json::json!({"index": k, "count": 3}));
        assert_eq!(doc["plan"]["fingerprint"], whole["plan"]["fingerprint"]);
        assert!(!doc["environment"]["host"]["arch"].as_str().unwrap().is_empty());
        shards.push(doc);
    }
    // 4 rounds dealt over 3 slices: 2, 1 and 1 rounds of both models, each slice with
    // the baselines of the models it measured.
    let sizes: Vec<usize> = shards.iter().map(|d| d["cells"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [4, 2, 2]);
    assert!(shards.iter().all(|d| d["baselines"].as_array().unwrap().len() == 2));

    let merged_path = dir.path().join("merged.json");
    let dirs: Vec<PathBuf> = (0..3).map(|k| dir.path().join(format!("s{k}"))).collect();
    let out = merge(&dirs.iter().map(|d| d.as_path()).collect::<Vec<_>>(), &merged_path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("missing"), "{}", stderr(&out));
    let merged = read_json(&merged_path);
    assert_valid("results.schema.json", &merged);
    assert_eq!(cell_set(&merged), cell_set(&whole));
    assert_eq!(merged["plan"]["repeat"], 2);
    assert!(merged["cells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c.get("host").is_none()));
    assert_eq!(merged["merged"]["sources"].as_array().unwrap().len(), 3);
    assert_eq!(
        merged["analysis"]["workloads"][0]["stats"].as_array().unwrap().len(),
        4,
        "one statistics row per (model, tasks), as the unsharded run has"
    );

    // The same run twice (its directory and its file) is merged once, with a warning.
    let twice = dir.path().join("twice.json");
    let out = merge(&[&dirs[1], &dirs[1].join("results.json")], &twice, &[]);
    assert!(stderr(&out).contains("is the same run as"), "{}", stderr(&out));
    assert_eq!(read_json(&twice)["cells"].as_array().unwrap().len(), 2);

    // Two of three slices: merged, with the missing one named.
    let out = merge(&[&dirs[0], &dirs[2]], &dir.path().join("partial.json"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("missing slices of the plan: 1/3"),
        "{}",
        stderr(&out)
    );
}

/// An HDR histogram (1 us to 1 h, 3 digits) holding every `[value, count]` pair given.
fn union<'a>(wires: impl IntoIterator<Item = &'a Value>) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
    for wire in wires {
        for pair in wire.as_array().unwrap() {
            h.record_n(pair[0].as_u64().unwrap(), pair[1].as_u64().unwrap())
                .unwrap();
        }
    }
    h
}

#[test]
fn a_merge_of_two_runs_pools_repeats_and_latency_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = plan("1");
    args.extend(["--host-label", "lab"]);
    let a = read_json(&run(&dir.path().join("a"), &args));
    let b = read_json(&run(&dir.path().join("b"), &args));
    let merged_path = dir.path().join("merged.json");
    let out = merge(&[&dir.path().join("a"), &dir.path().join("b")], &merged_path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = read_json(&merged_path);
    // One kind of machine: the two runs are repeats 0 and 1 of each cell.
    assert_eq!(merged["cells"].as_array().unwrap().len(), 8);
    assert_eq!(merged["plan"]["repeat"], 2);
    assert!(merged["merged"]["hosts"].as_array().unwrap().is_empty());
    let repeats: BTreeSet<u64> = cell_set(&merged).iter().map(|c| c.3).collect();
    assert_eq!(repeats, BTreeSet::from([0, 1]));

    let stats = merged["analysis"]["workloads"][0]["stats"].as_array().unwrap();
    assert_eq!(stats.len(), 4);
    let mut compared = 0;
    for s in stats {
        let same_cell = |c: &&Value| c["model"] == s["model"] && c["tasks"] == s["tasks"] && c["status"] == "ok";
        let raw: Vec<&Value> = a["cells"]
            .as_array()
            .unwrap()
            .iter()
            .chain(b["cells"].as_array().unwrap())
            .filter(same_cell)
            .collect();
        assert_eq!(s["pooled"]["runs"].as_u64().unwrap() as usize, raw.len());
        for (field, wire) in [
            ("latency_ms", "task_latency_us"),
            ("caller_latency_ms", "caller_latency_us"),
        ] {
            let h = union(raw.iter().map(|c| &c["histograms"][wire]));
            let pooled = &s["pooled"][field];
            let ms = |us: u64| us as f64 / 1000.0;
            for (p, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                assert_eq!(
                    pooled[p].as_f64().unwrap(),
                    ms(h.value_at_quantile(q)),
                    "{field} {p} of {s}"
                );
            }
            assert_eq!(pooled["max"].as_f64().unwrap(), ms(h.max()), "{field} max of {s}");
            assert_eq!(
                h.len() as usize,
                raw.iter().map(|c| c["tasks"].as_u64().unwrap() as usize).sum::<usize>()
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 8);
}

#[test]
fn different_plans_are_refused_in_one_line_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let c = dir.path().join("c");
    run(&a, &plan("1"));
    run(
        &c,
        &[
            "--workload",
            "sleep:1ms",
            "--models",
            "rs-thread",
            "--tasks",
            "1",
            "--quiet",
        ],
    );
    let out = merge(&[&a, &c], &dir.path().join("m.json"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("different plans") && err.contains("--allow-mixed"),
        "{err}"
    );
    assert!(!dir.path().join("m.json").exists(), "nothing written");

    let out = merge(&[&a, &c], &dir.path().join("m.json"), &["--allow-mixed"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = read_json(&dir.path().join("m.json"));
    assert_eq!(merged["merged"]["mixed"].as_array().unwrap().len(), 1);
    assert!(merged["plan"]["fingerprint"].is_null());

    // A schema from elsewhere is refused too.
    let mut other = read_json(&a.join("results.json"));
    other["schema"] = "conlab.results/0".into();
    let file = dir.path().join("old.json");
    std::fs::write(&file, other.to_string()).unwrap();
    let out = merge(&[&a.join("results.json"), &file], &dir.path().join("m2.json"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn machines_stay_apart_in_merge_report_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = (dir.path().join("x"), dir.path().join("y"));
    let mut args = plan("1");
    args.extend(["--host-label", "big-box"]);
    run(&x, &args);
    let mut args = plan("1");
    args.extend(["--host-label", "small-vm", "--jsonl-stdout"]);
    let out = bench(&y, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The records on stdout are the results: a log of them merges like the file.
    let log = dir.path().join("y.log");
    std::fs::write(&log, format!("some log line\n{}", stdout(&out))).unwrap();

    let fleet = dir.path().join("fleet.json");
    let out = merge(&[&x, &log], &fleet, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = read_json(&fleet);
    assert_valid("results.schema.json", &doc);
    let hosts: Vec<&str> = doc["merged"]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["big-box", "small-vm"]);
    let cells = doc["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 8);
    assert_eq!(cells.iter().filter(|c| c["host"] == "small-vm").count(), 4);
    let analyses = doc["analysis"]["workloads"].as_array().unwrap();
    assert_eq!(analyses.len(), 2, "one analysis per machine");
    assert!(analyses.iter().all(|wa| wa["host"].is_string()));

    let report = conlab().arg("report").arg(&fleet).output().unwrap();
    let text = stdout(&report);
    assert!(
        text.contains("on big-box (4 cells):") && text.contains("on small-vm (4 cells):"),
        "{text}"
    );
    let md = conlab()
        .args(["report", "--format", "markdown"])
        .arg(&fleet)
        .output()
        .unwrap();
    assert!(stdout(&md).contains("## On small-vm"), "{}", stdout(&md));
    let html = conlab()
        .args(["report", "--format", "html"])
        .arg(&fleet)
        .output()
        .unwrap();
    let html = stdout(&html);
    assert!(html.contains(r#"<h2 class="host">On big-box</h2>"#), "{html}");
    assert!(html.contains("labelled small-vm"), "each machine's environment: {html}");

    // One machine against the fleet: compared with each machine of it.
    let cmp = conlab()
        .arg("compare")
        .arg(x.join("results.json"))
        .arg(&fleet)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let cmp: Value = serde_json::from_slice(&cmp.stdout).unwrap();
    let rows = cmp["cells"].as_array().unwrap();
    assert_eq!(rows.len(), 8, "{cmp}");
    assert!(rows.iter().any(|r| r["host"] == "small-vm") && rows.iter().any(|r| r["host"] == "big-box"));
}

/// Every document of a YAML file.
fn yaml_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|d| <Value as serde::Deserialize>::deserialize(d).unwrap())
        .collect()
}

#[test]
fn the_kubernetes_job_runs_a_command_conlab_accepts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s");
    let mut jobs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        for doc in yaml_docs(&path) {
            assert!(
                doc["apiVersion"].is_string() && doc["kind"].is_string(),
                "{}",
                path.display()
            );
            // The sweep's Job; the merge step's (merge-job.yaml) is tests/it/k8s.rs's.
            if doc["kind"] != "Job" || doc["metadata"]["name"] != "conlab-sweep" {
                continue;
            }
            jobs += 1;
            let spec = &doc["spec"];
            assert_eq!(spec["completionMode"], "Indexed");
            let n = spec["completions"].as_u64().unwrap();
            assert_eq!(spec["parallelism"].as_u64(), Some(n));
            let pod = &spec["template"]["spec"];
            let anti = &pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
            assert_eq!(anti["topologyKey"], "kubernetes.io/hostname", "one pod per node");
            let container = &pod["containers"][0];
            let args: Vec<String> = container["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            assert_eq!(args[0], "bench");
            let shard = args
                .iter()
                .position(|a| a == "--shard")
                .expect("the Job passes --shard");
            assert_eq!(args[shard + 1], format!("$(JOB_COMPLETION_INDEX)/{n}"));
            // Every slice's command, as Kubernetes expands it, is accepted and together
            // the slices hold each planned cell once.
            let mut cells = Vec::new();
            for k in 0..n {
                let expanded: Vec<String> = args
                    .iter()
                    .map(|a| {
                        a.replace("$(JOB_COMPLETION_INDEX)", &k.to_string())
                            .replace("$(JOB_NAME)", "conlab-sweep")
                    })
                    .collect();
                let out = conlab().args(&expanded).arg("--plan-only").output().unwrap();
                assert_eq!(out.status.code(), Some(0), "{expanded:?}: {}", stderr(&out));
                let planned: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(planned["shard"]["index"].as_u64(), Some(k));
                assert_eq!(planned["shard"]["count"].as_u64(), Some(n));
                cells.extend(planned["cells"].as_array().unwrap().iter().map(|c| c.to_string()));
            }
            let unique: BTreeSet<&String> = cells.iter().collect();
            assert!(!cells.is_empty() && unique.len() == cells.len());
        }
    }
    assert_eq!(jobs, 1, "deploy/k8s holds the Job");
}

#[test]
fn bad_shards_are_one_line_usage_errors() {
    for bad in ["3/3", "a/b", "0/0", "1"] {
        let out = conlab()
            .args(["bench", "--shard", bad, "--plan-only"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("K/N"), "{err}");
    }
}
