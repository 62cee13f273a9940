//! The Kubernetes path, checked offline (no cluster and no container engine here): the
//! manifests against the Kubernetes schemas (kubernetes-validate, when installed), the
//! Indexed Job's JOB_COMPLETION_INDEX and completions mapped onto `--shard` slices whose
//! union is the unsharded plan, the merge Job run on the volume's layout, and the
//! Dockerfile checked for what can be checked without building it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn manifest(name: &str) -> Value {
    let path = repo().join("deploy/k8s").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let docs: Vec<Value> = serde_norway::Deserializer::from_str(&text)
        .map(|d| <Value as serde::Deserialize>::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 1, "{name} holds one object");
    docs.into_iter().next().unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// The cells `conlab ARGS --plan-only` would measure, each as its JSON text.
fn planned(args: &[String]) -> (Value, Vec<String>) {
    let out = conlab().args(args).arg("--plan-only").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cells = plan["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    (plan, cells)
}

const MANIFESTS: [&str; 3] = ["pvc.yaml", "job.yaml", "merge-job.yaml"];

#[test]
fn the_manifests_validate_against_the_kubernetes_schemas() {
    if Command::new("kubernetes-validate").arg("--version").output().is_err() {
        println!("k8s: skipped, kubernetes-validate is not installed (pip install kubernetes-validate)");
        return;
    }
    let files: Vec<PathBuf> = MANIFESTS.iter().map(|m| repo().join("deploy/k8s").join(m)).collect();
    // 1.29: the first release with backoffLimitPerIndex on by default; 1.37: the newest
    // schemas kubernetes-validate carries. --strict: an unknown field is an error.
    for version in ["1.29.0", "1.37.0"] {
        let out = Command::new("kubernetes-validate")
            .args(["--strict", "-k", version])
            .args(&files)
            .output()
            .unwrap();
        let text = stdout(&out) + &stderr(&out);
        print!("{text}");
        assert!(out.status.success(), "{text}");
        let short = version.trim_end_matches(".0");
        for (file, object) in MANIFESTS.iter().zip([
            "persistentvolumeclaim/conlab-results",
            "job/conlab-sweep",
            "job/conlab-merge",
        ]) {
            let line = format!("{file} passed for resource {object} against version {short}");
            assert!(text.contains(&line), "{line}\n{text}");
        }
    }
    // The validator does reject: the Job with a misspelt field fails.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("job.yaml");
    let job = std::fs::read_to_string(&files[1]).unwrap();
    std::fs::write(&bad, job.replace("completionMode:", "completionsMode:")).unwrap();
    let out = Command::new("kubernetes-validate")
        .arg("--strict")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!((stdout(&out) + &stderr(&out)).contains("completionsMode"));
}

#[test]
fn the_completion_index_maps_onto_slices_whose_union_is_the_plan() {
    let job = manifest("job.yaml");
    let spec = &job["spec"];
    assert_eq!(
        spec["completionMode"], "Indexed",
        "pods get JOB_COMPLETION_INDEX 0..completions-1"
    );
    let n = spec["completions"].as_u64().unwrap();
    assert_eq!(
        spec["parallelism"].as_u64(),
        Some(n),
        "every slice runs at once, one per node"
    );
    let container = &spec["template"]["spec"]["containers"][0];
    let args = strings(&container["args"]);
    let shard = args.iter().position(|a| a == "--shard").unwrap();
    assert_eq!(args[shard + 1], format!("$(JOB_COMPLETION_INDEX)/{n}"));
    // JOB_NAME comes from the job-name label Kubernetes sets to the Job's name.
    let env = container["env"].as_array().unwrap();
    let job_name = env.iter().find(|e| e["name"] == "JOB_NAME").unwrap();
    assert_eq!(
        job_name["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.labels['job-name']"
    );
    let name = job["metadata"]["name"].as_str().unwrap();

    let expand = |k: u64| -> Vec<String> {
        args.iter()
            .map(|a| {
                a.replace("$(JOB_COMPLETION_INDEX)", &k.to_string())
                    .replace("$(JOB_NAME)", name)
            })
            .collect()
    };
    let mut sliced = Vec::new();
    for k in 0..n {
        let (plan, cells) = planned(&expand(k));
        assert_eq!(plan["shard"], serde_json::json!({"index": k, "count": n}));
        println!(
            "k8s: JOB_COMPLETION_INDEX={k} completions={n} -> --shard {k}/{n}: {} cells",
            cells.len()
        );
        sliced.extend(cells);
    }
    // Index `completions` does not exist in the Job, and conlab refuses it (0-based).
    let out = conlab().args(expand(n)).arg("--plan-only").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let mut whole_args = args.clone();
    whole_args.drain(shard..shard + 2);
    let (_, whole) = planned(&whole_args);
    let unique: BTreeSet<&String> = sliced.iter().collect();
    assert_eq!(unique.len(), sliced.len(), "no cell in two slices");
    let (mut sliced, mut whole) = (sliced, whole);
    sliced.sort();
    whole.sort();
    assert_eq!(sliced, whole, "the slices together are the unsharded plan");
    println!(
        "k8s: {n} slices, {} cells, the unsharded plan's {}",
        sliced.len(),
        whole.len()
    );
}

#[test]
fn the_merge_job_merges_the_layout_the_sweep_job_writes() {
    let job = manifest("job.yaml");
    let merge = manifest("merge-job.yaml");
    let pod = |doc: &Value| doc["spec"]["template"]["spec"].clone();
    let (sweep_pod, merge_pod) = (pod(&job), pod(&merge));
    assert_eq!(sweep_pod["volumes"], merge_pod["volumes"], "the same claim");
    assert_eq!(
        sweep_pod["containers"][0]["volumeMounts"],
        merge_pod["containers"][0]["volumeMounts"]
    );
    assert_eq!(sweep_pod["containers"][0]["image"], merge_pod["containers"][0]["image"]);
    let name = job["metadata"]["name"].as_str().unwrap();
    let sweep_args = strings(&sweep_pod["containers"][0]["args"]);
    let out_dir = &sweep_args[sweep_args.iter().position(|a| a == "--out").unwrap() + 1];
    assert_eq!(out_dir, "/results/$(JOB_NAME)/shard-$(JOB_COMPLETION_INDEX)");
    let merge_args = strings(&merge_pod["containers"][0]["args"]);
    assert_eq!(merge_args[0], "merge");
    assert_eq!(
        merge_args[1],
        format!("/results/{name}"),
        "merges the sweep's directory"
    );

    // The merge Job's command, run on that layout (/results -> a temporary directory),
    // with two slices of a small plan in it.
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().to_str().unwrap();
    let small = [
        "--workload",
        "sleep:1ms",
        "--models",
        "rs-thread",
        "--tasks",
        "1",
        "--repeat",
        "2",
        "--quiet",
    ];
    for k in 0..2 {
        let mut args = small.to_vec();
        let shard = format!("{k}/2");
        args.extend(["--shard", &shard]);
        let out = bench(&dir.path().join(name).join(format!("shard-{k}")), &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let args: Vec<String> = merge_args.iter().map(|a| a.replacen("/results", results, 1)).collect();
    let out = conlab().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("missing"), "{}", stderr(&out));
    let merged = read_json(Path::new(&args[3]));
    assert_eq!(merged["cells"].as_array().unwrap().len(), 2);
    assert_eq!(merged["merged"]["sources"].as_array().unwrap().len(), 2);
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn dockerfile() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("deploy/Dockerfile")).unwrap();
    let mut joined = String::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        match line.strip_suffix('\\') {
            Some(head) => joined.push_str(head),
            None => {
                joined.push_str(line);
                joined.push('\n');
            }
        }
    }
    joined
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (op, rest) = l.trim().split_once(' ').unwrap();
            (op.to_uppercase(), rest.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

#[test]
fn the_dockerfile_builds_and_copies_what_it_runs() {
    let steps = dockerfile();
    let of = |op: &str| -> Vec<&String> { steps.iter().filter(|(o, _)| o == op).map(|(_, r)| r).collect() };

    // Base images pinned to a release (a tag, never latest), builder and runtime on the
    // same Debian release, so the binaries' glibc is the runtime's.
    let froms = of("FROM");
    assert_eq!(froms.len(), 2, "a build stage and a runtime stage");
    let codename = |image: &str| {
        image
            .split(['-', ':'])
            .find(|p| ["bookworm", "bullseye", "trixie"].contains(p))
            .map(str::to_string)
    };
    for from in &froms {
        let image = from.split(' ').next().unwrap();
        let (_, tag) = image.split_once(':').unwrap_or_else(|| panic!("{image} has no tag"));
        assert!(tag != "latest" && !tag.is_empty(), "{image} is pinned");
        assert!(codename(image).is_some(), "{image} names its Debian release");
    }
    let build_image = froms[0].split(' ').next().unwrap();
    assert_eq!(codename(build_image), codename(froms[1].split(' ').next().unwrap()));
    assert!(froms[0].ends_with(" AS build"), "{}", froms[0]);

    // COPY sources from the context (the repository) exist, and the .dockerignore next to
    // the Dockerfile keeps target/ out without dropping any of them.
    let ignore = std::fs::read_to_string(repo().join("deploy/Dockerfile.dockerignore")).unwrap();
    let ignored: Vec<&str> = ignore
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert!(ignored.contains(&"target"));
    let context = tempfile::tempdir().unwrap();
    for copy in of("COPY").iter().filter(|c| !c.starts_with("--from")) {
        let parts: Vec<&str> = copy.split(' ').collect();
        for source in &parts[..parts.len() - 1] {
            let path = repo().join(source);
            assert!(path.exists(), "COPY {source}: not in the repository");
            let top = source.split('/').next().unwrap();
            assert!(!ignored.contains(&top), "COPY {source} is dockerignored");
            let status = Command::new("cp")
                .arg("-r")
                .arg(&path)
                .arg(context.path().join(source))
                .status()
                .unwrap();
            assert!(status.success());
        }
    }

    // The build stage's RUN builds the binaries the runtime stage copies and runs, and the
    // context as copied is a cargo package with those binaries (--locked: Cargo.lock holds).
    let build = of("RUN")
        .into_iter()
        .find(|r| r.starts_with("cargo build"))
        .expect("cargo build");
    assert!(build.contains("--release") && build.contains("--locked"), "{build}");
    let words: Vec<&str> = build.split(' ').collect();
    let bins: BTreeSet<String> = words
        .windows(2)
        .filter(|w| w[0] == "--bin")
        .map(|w| w[1].to_string())
        .collect();
    assert_eq!(bins, BTreeSet::from(["conlab".to_string(), "conlab-cell".to_string()]));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--offline",
            "--locked",
            "--no-deps",
            "--format-version",
            "1",
        ])
        .current_dir(context.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let conlab = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "conlab")
        .expect("the conlab package in the copied workspace");
    let declared: BTreeSet<String> = conlab["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"][0] == "bin")
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(bins.is_subset(&declared), "{bins:?} in {declared:?}");
    assert!(steps.iter().any(|(o, r)| o == "WORKDIR" && r == "/src"));
    let copied = of("COPY")
        .into_iter()
        .find(|c| c.starts_with("--from=build"))
        .expect("COPY --from=build");
    for bin in &bins {
        assert!(copied.contains(&format!("/src/target/release/{bin} ")), "{copied}");
    }
    assert!(copied.ends_with(" /usr/local/bin/"), "{copied}");

    // Every include_str!/include_bytes! the release build compiles lies inside the copied
    // context (test-only fixtures, after #[cfg(test)], are not built there).
    for file in rust_files(&repo().join("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let test_from = text.find("#[cfg(test)]").unwrap_or(text.len());
        for (at, _) in text
            .match_indices("include_str!(\"")
            .chain(text.match_indices("include_bytes!(\""))
        {
            let literal = &text[at..].split('"').nth(1).unwrap();
            let target = file.parent().unwrap().join(literal);
            let relative = target.canonicalize().unwrap();
            let relative = relative
                .strip_prefix(repo().canonicalize().unwrap())
                .unwrap()
                .to_path_buf();
            if at < test_from {
                assert!(
                    context.path().join(&relative).exists(),
                    "{} includes {}: not COPY'd",
                    file.display(),
                    relative.display()
                );
            }
        }
    }

    // What build.rs reads from the repository (`root.join("...")`): copied too.
    let build_rs = std::fs::read_to_string(repo().join("build.rs")).unwrap();
    let mut inputs = 0;
    for (at, _) in build_rs.match_indices("root.join(\"") {
        let input = build_rs[at..].split('"').nth(1).unwrap();
        assert!(
            context.path().join(input).exists(),
            "build.rs reads {input}: not COPY'd"
        );
        inputs += 1;
    }
    assert!(inputs > 0, "build.rs's inputs found");

    // The entrypoint: tini (installed by apt in the runtime stage) running conlab.
    let entry: Vec<String> = serde_json::from_str(of("ENTRYPOINT")[0]).expect("exec form");
    assert_eq!(entry, ["/usr/bin/tini", "--", "conlab"]);
    assert!(of("RUN")
        .iter()
        .any(|r| r.contains("apt-get install") && r.contains(" tini")));
    let user = of("USER");
    assert!(
        !user.is_empty() && user.iter().all(|u| *u != "root" && *u != "0"),
        "not root"
    );
    println!("k8s: deploy/Dockerfile: 2 pinned stages on one Debian release, COPY sources present, {bins:?} built and copied, entrypoint tini -- conlab, user {}", user[0]);
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
