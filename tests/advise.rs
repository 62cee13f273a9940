//! `conlab advise` answers the article's matrix from measurements on this machine, and
//! refuses nonsense.

mod common;

use common::*;

/// The advice tests measure timing; run them one at a time so that one test's sweep is
/// not another's noise.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn advise(args: &[&str]) -> (Option<i32>, String, String) {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let out = conlab()
        .arg("advise")
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    (out.status.code(), stdout(&out), stderr(&out))
}

fn recommended(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("recommended: "))
        .unwrap_or("")
        .trim()
        .to_string()
}

#[test]
fn many_waiting_python_tasks_get_asyncio() {
    let (code, out, err) = advise(&["--tasks", "2000", "--io", "50ms", "--cpu", "0ms", "--lang", "python"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(recommended(&out), "py-asyncio", "{out}");
    assert!(out.contains("why:") && out.contains("2,000 tasks in"), "{out}");
    assert!(out.contains("asyncio.Semaphore"), "the starter snippet: {out}");
}

#[test]
fn python_computation_gets_processes_and_rust_computation_threads() {
    let (code, out, err) = advise(&["--tasks", "4", "--io", "0ms", "--cpu", "200ms", "--lang", "python"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(recommended(&out), "py-process", "{out}");
    assert!(out.contains("GIL"), "{out}");
    let (code, out, err) = advise(&["--lang", "rust", "--cpu", "200ms", "--tasks", "8"]);
    assert_eq!(code, Some(0), "{err}");
    let rec = recommended(&out);
    assert!(rec.starts_with("rs-thread") || rec.starts_with("rs-pool"), "{out}");
}

#[test]
fn sync_only_libraries_at_moderate_scale_get_a_thread_pool() {
    let (code, out, err) = advise(&["--tasks", "20", "--io", "50ms", "--sync-only", "--lang", "python"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(recommended(&out).starts_with("py-pool"), "{out}");
    assert!(
        !out.contains("py-asyncio "),
        "no event loop for blocking-only libraries: {out}"
    );
}

#[test]
fn nonsense_is_refused() {
    for args in [
        &["--tasks", "0", "--io", "50ms"][..],
        &["--tasks", "10", "--io=-5ms"],
        &["--tasks", "10", "--io", "50ms", "--lang", "cobol"],
        &["--tasks", "10"],
    ] {
        let (code, _, err) = advise(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn long_connections_are_measured_as_held_connections() {
    let (code, out, err) = advise(&[
        "--tasks",
        "200",
        "--io",
        "500ms",
        "--lang",
        "rust",
        "--connections",
        "long",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("tcp:hold=500ms"), "{out}");
    assert!(recommended(&out).starts_with("rs-"), "{out}");
}

#[test]
fn advice_from_an_earlier_sweep_uses_its_cells() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json");
    let (code, out, err) = advise(&[
        "--tasks",
        "100",
        "--io",
        "50ms",
        "--lang",
        "rust",
        "--from",
        fixture.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("(sleep:50ms)"), "the matching workload of the file: {out}");
    assert!(!out.contains("measured just now"), "{out}");
    assert!(recommended(&out).starts_with("rs-"), "{out}");
}
