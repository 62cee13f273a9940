//! A sharded sweep on a real Slurm: `scripts/slurm-local.sh` brings up munged, slurmctld
//! and slurmd on this machine, runs the plan as a job array (deploy/slurm/conlab.sbatch)
//! and a merge job after it, and stops every daemon it started. Runs where Slurm is
//! installed (`.ci/run` installs Debian's slurm-wlm and munge) and we are root; elsewhere
//! it says so in one line and passes.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::*;
use serde_json::Value;

/// The sweep: 2 models × 2 task counts, once each, cut into 2 slices.
const BENCH: &[&str] = &[
    "--workload",
    "sleep:10ms",
    "--models",
    "rs-thread,rs-async",
    "--tasks",
    "1,10",
    "--repeat",
    "1",
];

fn on_path(tool: &str) -> bool {
    let path = std::env::var("PATH").unwrap_or_default() + ":/usr/sbin:/sbin";
    path.split(':').any(|dir| Path::new(dir).join(tool).is_file())
}

/// Why this machine cannot run a local Slurm, if it cannot.
fn missing() -> Option<String> {
    let absent: Vec<&str> = ["slurmctld", "slurmd", "sbatch", "sacct", "munged", "mungekey"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    if !absent.is_empty() {
        return Some(format!("not installed: {}", absent.join(", ")));
    }
    if !nix::unistd::Uid::effective().is_root() {
        return Some("not root (the local Slurm runs its daemons as root)".into());
    }
    None
}

/// (workload, model, tasks, repeat) of each cell.
fn cells(cells: &Value) -> BTreeSet<(String, String, u64, u64)> {
    cells
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["workload"].as_str().unwrap().to_string(),
                c["model"].as_str().unwrap().to_string(),
                c["tasks"].as_u64().unwrap(),
                c["repeat"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_job_array_on_a_local_slurm_runs_the_plan_and_leaves_no_daemon() {
    if let Some(why) = missing() {
        println!("slurm: skipped, {why}");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(root.join("scripts/slurm-local.sh"))
        .arg("--out")
        .arg(dir.path())
        .args(["--shards", "2", "--"])
        .args(BENCH)
        .env("CONLAB", env!("CARGO_BIN_EXE_conlab"))
        .env("SLURM_LOCAL_TIMEOUT", "120")
        .output()
        .expect("scripts/slurm-local.sh runs");
    let text = stdout(&out);
    println!("{text}");
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));

    // sacct: both array tasks and the merge completed.
    let sacct: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("slurm-local: sacct"))
        .take_while(|l| !l.starts_with("slurm-local: squeue"))
        .collect();
    let completed = |name: &str| {
        sacct
            .iter()
            .filter(|l| l.contains(name) && l.contains("COMPLETED"))
            .count()
    };
    assert_eq!(completed("conlab-sweep"), 2, "{text}");
    assert_eq!(completed("conlab-merge"), 1, "{text}");
    assert!(text.contains("every slice ran in this script's cgroup"), "{text}");

    // The merged document holds exactly the unsharded plan's cells, every one ok.
    let merged = read_json(&dir.path().join("merged/results.json"));
    let plan = conlab().arg("bench").args(BENCH).arg("--plan-only").output().unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(cells(&merged["cells"]), cells(&plan["cells"]));
    assert_eq!(merged["cells"].as_array().unwrap().len(), 4);
    for cell in merged["cells"].as_array().unwrap() {
        assert_eq!(cell["status"], "ok", "{cell}");
    }
    assert_eq!(merged["merged"]["sources"].as_array().unwrap().len(), 2);
    assert!(dir.path().join("merged/report.html").is_file());

    // Every daemon the script started is gone.
    let started: Vec<(String, i32)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("slurm-local: started ")?;
            let (name, pid) = rest.split_once(" (pid ")?;
            Some((name.to_string(), pid.trim_end_matches(')').parse().ok()?))
        })
        .collect();
    let names: BTreeSet<&str> = started.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["munged", "slurmctld", "slurmd"]), "{text}");
    for (name, pid) in &started {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        assert!(!comm.contains(name.as_str()), "{name} (pid {pid}) is still running");
    }
}

/// `conlab.sbatch` as array task `id` of an array `min..=max` (`count` tasks, `step`),
/// with `--plan-only`: its exit code and the plan it would run. No Slurm needed.
fn array_task(out: &Path, id: u64, min: u64, max: u64, count: u64, step: u64) -> (Option<i32>, Option<Value>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = Command::new(root.join("deploy/slurm/conlab.sbatch"))
        .arg(out)
        .arg("--")
        .args(BENCH)
        .arg("--plan-only")
        .env("CONLAB", env!("CARGO_BIN_EXE_conlab"))
        .env("SLURM_ARRAY_JOB_ID", "7")
        .env("SLURM_ARRAY_TASK_ID", id.to_string())
        .env("SLURM_ARRAY_TASK_MIN", min.to_string())
        .env("SLURM_ARRAY_TASK_MAX", max.to_string())
        .env("SLURM_ARRAY_TASK_COUNT", count.to_string())
        .env("SLURM_ARRAY_TASK_STEP", step.to_string())
        .output()
        .unwrap();
    let text = stdout(&run);
    let plan = text.find('{').map(|at| serde_json::from_str(&text[at..]).unwrap());
    (run.status.code(), plan)
}

#[test]
fn array_task_ids_map_onto_zero_based_slices_whose_union_is_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let whole = conlab().arg("bench").args(BENCH).arg("--plan-only").output().unwrap();
    let whole: Value = serde_json::from_slice(&whole.stdout).unwrap();
    // --array=0-1, --array=1-3 and --array=5-8: the task's offset from the first index.
    for (min, max) in [(0, 1), (1, 3), (5, 8)] {
        let count = max - min + 1;
        let mut union = BTreeSet::new();
        let mut total = 0;
        for id in min..=max {
            let (code, plan) = array_task(dir.path(), id, min, max, count, 1);
            assert_eq!(code, Some(0), "--array={min}-{max}, task {id}");
            let plan = plan.unwrap();
            assert_eq!(plan["shard"], serde_json::json!({"index": id - min, "count": count}));
            total += plan["cells"].as_array().unwrap().len();
            union.extend(cells(&plan["cells"]));
        }
        assert_eq!(total, union.len(), "no cell in two slices");
        assert_eq!(
            union,
            cells(&whole["cells"]),
            "--array={min}-{max}: the slices are the plan"
        );
    }
    // A stepped array (--array=0-4:2) would leave holes in the plan: refused.
    assert_eq!(array_task(dir.path(), 2, 0, 4, 3, 2).0, Some(2));
}
