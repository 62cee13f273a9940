//! The Python driver held to the Rust code it mirrors, value for value: the cpu kernel and
//! the latency buckets. Both sides run here, the driver from the package as cells get it.

use std::io::Write;

#[test]
fn the_python_cpu_loop_is_the_rust_one() {
    let driver = crate::launch::python::driver_path().unwrap();
    let code = "from conlab_driver.workloads.cpu import cpu_kernel as k; print(k(5, 1000), k(0, 1))";
    let out = std::process::Command::new("python3")
        .args(["-c", code])
        .current_dir(&driver)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let expected = format!(
        "{} {}",
        crate::workload::cpu_kernel(5, 1000),
        crate::workload::cpu_kernel(0, 1)
    );
    assert_eq!(text.trim(), expected);
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

    let driver = crate::launch::python::driver_path().unwrap();
    // The layout as conlab sends it in every driver spec.
    let layout = serde_json::to_string(&crate::launch::python::DriverConstants::get().buckets).unwrap();
    let script = format!(
        "import json, sys\nfrom conlab_driver import measure\nmeasure.set_layout({layout})\nb = measure.Buckets()\nfor v in json.load(sys.stdin):\n    b.record(v)\nprint(json.dumps(b.wire()))\n"
    );
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script])
        .current_dir(&driver)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
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
