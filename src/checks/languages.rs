//! The Python driver held to the Rust code it mirrors, value for value: the cpu kernel, the
//! latency buckets and the task bins. Both sides run here, the driver from the package as cells get it
//! (`python/tests/mirror.py` calls it).

use std::io::Write;
use std::process::{Command, Stdio};

/// `python3 python/tests/mirror.py ARGS`, the driver's cache directory on its path.
fn mirror(args: &[&str]) -> Command {
    let driver = crate::launch::python::driver_path().unwrap();
    let script = std::path::Path::new(env!("CONLAB_ROOT")).join("python/tests/mirror.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .args(args)
        .env("PYTHONPATH", driver)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

#[test]
fn the_python_cpu_loop_is_the_rust_one() {
    for (seed, iterations) in [(5u64, 1000u64), (0, 1)] {
        let out = mirror(&["cpu", &seed.to_string(), &iterations.to_string()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let python = String::from_utf8_lossy(&out.stdout);
        assert_eq!(python.trim(), crate::workload::cpu_kernel(seed, iterations).to_string());
    }
}

/// Percentiles from the Python driver's buckets equal those from a Rust HDR histogram of
/// the same values: the parent reads both with one algorithm.
#[test]
fn rust_and_python_latencies_give_identical_percentiles() {
    use crate::measure::latency::{new_histogram, summarize, summarize_wire, wire};
    // A spread of microsecond values: exact below 2048 us, bucketed above, up to 20 s.
    let values: Vec<u64> = (0..5000u64)
        .map(|i| 1 + (i * i * 7919 + i * 104_729) % 20_000_000)
        .collect();
    let mut h = new_histogram();
    for &v in &values {
        h.record(v).unwrap();
    }
    let rust_wire = wire(&h);

    // The layout as conlab sends it in every driver spec.
    let layout = serde_json::to_string(&crate::protocol::DriverConstants::get().buckets).unwrap();
    let mut child = mirror(&["buckets", &layout])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&values).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let python_wire: Vec<(u64, u64)> = serde_json::from_slice(&out.stdout).unwrap();

    assert_eq!(python_wire.len(), rust_wire.len(), "the same buckets");
    assert_eq!(summarize_wire(&python_wire), summarize(&h));
    assert_eq!(summarize_wire(&python_wire), summarize_wire(&rust_wire));
}

/// The driver's task bins are the Rust recorder's, bin for bin, on the same tasks: the
/// series draws Rust and Python cells on one time axis.
#[test]
fn rust_and_python_bin_tasks_alike() {
    use crate::measure::bins::{TaskBins, TaskBinsWire};
    const READY: u64 = 5_000_000_000;
    // 3,000 tasks over about 2.3 s: the bins widen from 1 ms to 8 ms on both sides.
    let tasks: Vec<(u64, u64)> = (0..3000u64)
        .map(|i| {
            let start = READY + (i * 7919 % 1_500) * 1_000_000 + i;
            (start, start + (i * 104_729 % 800) * 1_000_000)
        })
        .collect();
    let mut rust = TaskBins::new();
    for &(s, e) in &tasks {
        rust.record(s - READY, e - READY);
    }
    let mut child = mirror(&["bins", &READY.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&tasks).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let python: TaskBinsWire = serde_json::from_slice(&out.stdout).unwrap();
    let rust = rust.to_wire();
    assert_eq!(rust.width_us, 8_000);
    assert_eq!(python, rust);
}
