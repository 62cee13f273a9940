//! `conlab advise` answers the article's matrix from measurements on this machine, and
//! refuses nonsense.
//!
//! Which model wins is a live timing outcome, so these tests check the shape of the
//! answer (the scenario measured, the candidates offered, a recommendation among them,
//! the reasons); the ranking itself is tested as a pure function over fixed results in
//! `src/analyze/advice.rs`.

use crate::common::*;

fn advise(args: &[&str]) -> (Option<i32>, String, String) {
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

/// The recommendation is one of the candidates the scenario offers.
fn recommends_one_of(out: &str, candidates: &[&str]) {
    let rec = recommended(out);
    assert!(
        candidates.iter().any(|c| rec.starts_with(c)),
        "recommended '{rec}', not one of {candidates:?}: {out}"
    );
}

#[test]
fn waiting_python_tasks_are_measured_with_every_python_model() {
    let (code, out, err) = advise(&["--tasks", "2000", "--io", "50ms", "--cpu", "0ms", "--lang", "python"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("sleep:50ms at 2,000 tasks"),
        "the scenario measured: {out}"
    );
    recommends_one_of(&out, &["py-asyncio", "py-thread", "py-pool", "py-process"]);
    assert!(out.contains("why:") && out.contains("2,000 tasks in"), "{out}");
}

#[test]
fn computation_is_not_offered_to_an_event_loop() {
    let (code, out, err) = advise(&["--tasks", "4", "--io", "0ms", "--cpu", "200ms", "--lang", "python"]);
    assert_eq!(code, Some(0), "{err}");
    recommends_one_of(&out, &["py-thread", "py-pool", "py-process"]);
    assert!(out.contains("GIL"), "{out}");
    let (code, out, err) = advise(&["--lang", "rust", "--cpu", "200ms", "--tasks", "8"]);
    assert_eq!(code, Some(0), "{err}");
    recommends_one_of(&out, &["rs-thread", "rs-pool", "rs-process"]);
}

#[test]
fn sync_only_libraries_get_no_event_loop() {
    let (code, out, err) = advise(&["--tasks", "20", "--io", "50ms", "--sync-only", "--lang", "python"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("blocking:call=50ms"), "{out}");
    recommends_one_of(&out, &["py-thread", "py-pool", "py-process"]);
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
    recommends_one_of(&out, &["rs-"]);
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
    recommends_one_of(&out, &["rs-"]);
}

#[test]
fn advice_from_a_sweep_whose_tasks_all_failed_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refused");
    let run = bench(
        &out,
        &[
            "--workload",
            "http:timeout=2s",
            "--models",
            "rs-thread,rs-async",
            "--tasks",
            "3",
            "--target",
            "http://127.0.0.1:1/",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let file = out.join("results.json");
    let (code, text, err) = advise(&[
        "--tasks",
        "3",
        "--io",
        "50ms",
        "--lang",
        "rust",
        "--from",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{text}{err}");
    assert!(recommended(&text).is_empty(), "{text}");
    assert!(text.contains("3 of 3 tasks failed"), "the reason: {text}");
    assert!(err.contains("no candidate model finished all its tasks"), "{err}");
}

#[test]
fn the_wizard_offers_choices_and_asks_again_after_a_typo() {
    // A real terminal (script(1) gives the prompt a pty): Down+Enter picks Rust, "abc"
    // and a duration without unit are explained and asked again, "y" says sync-only.
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/results.json");
    let command = format!(
        "{} advise --from {fixture} --cpu 0ms --connections short",
        assert_cmd::cargo::cargo_bin("conlab").display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\x1b[B\rabc\r100\r5\r50ms\ry")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Which language do you write?: Rust"), "{text}");
    assert!(text.contains("'abc' is not a whole number"), "{text}");
    assert!(text.contains("5 what? add a unit: 5ms or 5s"), "{text}");
    assert!(text.contains("100 tasks at once, each waiting 50ms"), "{text}");
    assert!(text.contains("sync-only libraries, in Rust"), "{text}");
    // Blocking-only libraries: no event loop is recommended, even from a file that has one.
    let recommended = text.lines().find(|l| l.starts_with("recommended:")).expect(&text);
    assert!(!recommended.contains("async"), "{recommended}");
}
