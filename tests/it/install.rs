//! An installed conlab (a wheel's scripts directory, `cargo install`'s bin) is the two
//! binaries side by side and nothing else: no checkout, no target directory. The wheel
//! itself is built and installed into a fresh venv by `scripts/wheel-check.sh`, which is
//! too slow for `cargo test` (a second release build); this checks the layout it relies on.

use std::os::unix::fs::PermissionsExt;

use crate::common::*;

#[test]
fn conlab_runs_rust_cells_with_the_conlab_cell_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let conlab = bin.join("conlab");
    std::fs::copy(assert_cmd::cargo::cargo_bin("conlab"), &conlab).unwrap();
    // A conlab-cell that leaves a mark, then runs the real one: proof that the copy
    // looked beside itself, not in the build's target directory.
    let marker = dir.path().join("cell-ran");
    let real = assert_cmd::cargo::cargo_bin("conlab-cell");
    let script = format!(
        "#!/bin/sh\ntouch '{}'\nexec '{}' \"$@\"\n",
        marker.display(),
        real.display()
    );
    let cell = bin.join("conlab-cell");
    std::fs::write(&cell, script).unwrap();
    std::fs::set_permissions(&cell, std::fs::Permissions::from_mode(0o755)).unwrap();

    let out = dir.path().join("run");
    let run = std::process::Command::new(&conlab)
        .args([
            "bench",
            "--quiet",
            "--workload",
            "sleep:1ms",
            "--models",
            "rs-async",
            "--tasks",
            "1",
        ])
        .args(["--repeat", "1", "--out"])
        .arg(&out)
        .current_dir(dir.path())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        marker.exists(),
        "the Rust cell did not run in the conlab-cell beside conlab"
    );
    let results = read_json(&out.join("results.json"));
    assert!(results["cells"].as_array().unwrap().iter().all(|c| c["status"] == "ok"));
}
