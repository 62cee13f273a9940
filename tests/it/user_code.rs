//! The user's own Python task (`py-task`), through the real binary: it runs under the
//! thread, pool and asyncio models, its import and setup land in `ready_s` (never in
//! `work_s`), its exceptions are failed tasks named by type, a module that does not
//! import fails its cell in one line while conlab exits 0, models that cannot run it
//! are skipped with the reason (or adapted with `--adapt`), and `compare` names an edit
//! of the file; the slow-read example shows requests' per-read timeout. Every assertion
//! is logic; none asks which model was fastest.

use std::path::{Path, PathBuf};

use crate::common::{assert_valid, bench, conlab, importable, read_json, stderr, stdout, Server};
use serde_json::Value;

/// Write `source` to `dir/name` and return the path as text.
fn module(dir: &Path, name: &str, source: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path.display().to_string()
}

/// The measured (non-baseline) cells of a finished bench.
fn cells(out: &Path) -> Vec<Value> {
    let doc = read_json(&out.join("results.json"));
    doc["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["baseline"] == false)
        .cloned()
        .collect()
}

fn cell<'a>(cells: &'a [Value], model: &str) -> &'a Value {
    cells
        .iter()
        .find(|c| c["model"] == model)
        .unwrap_or_else(|| panic!("no {model} cell in {cells:#?}"))
}

const FETCH: &str = r#"
import asyncio, os, time, urllib.request

time.sleep(0.5)  # a slow import: it belongs in ready_s, never in work_s
URL = os.environ["CONLAB_TEST_URL"]
HOST, PORT = URL.split("//")[1].split(":")

def fetch(i):
    with urllib.request.urlopen(URL + "/delay?ms=1") as r:
        return len(r.read())

async def afetch(i):
    reader, writer = await asyncio.open_connection(HOST, int(PORT))
    writer.write(b"GET /delay?ms=1 HTTP/1.1\r\nHost: conlab\r\nConnection: close\r\n\r\n")
    await writer.drain()
    data = await reader.read()
    writer.close()
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(data[:40])
    return len(data)
"#;

#[test]
fn a_users_fetch_task_runs_under_threads_a_pool_and_asyncio_with_its_import_in_ready_time() {
    let server = Server::start(&["--latency", "0ms"]);
    let dir = tempfile::tempdir().unwrap();
    let file = module(dir.path(), "fetch_task.py", FETCH);
    let out = dir.path().join("out");
    let mut cmd = conlab();
    cmd.env("CONLAB_TEST_URL", &server.http)
        .arg("bench")
        .args(["--workload", &format!("py-task:file={file},fn=fetch,afn=afetch")])
        .args([
            "--models",
            "py-thread,py-pool,py-asyncio",
            "--tasks",
            "10,100",
            "--repeat",
            "1",
        ])
        .arg("--out")
        .arg(&out)
        .timeout(std::time::Duration::from_secs(240));
    let run = cmd.output().unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    let cells = cells(&out);
    assert_eq!(cells.len(), 6);
    for c in &cells {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert_eq!(c["tasks_ok"], c["tasks"]);
        let workload = c["workload"].as_str().unwrap();
        assert!(
            workload.starts_with(&format!("py-task:file={file},fn=fetch,afn=afetch,sha=")),
            "{workload}"
        );
        let setup = &c["user_setup"];
        let import_s = setup["import_s"].as_f64().unwrap();
        assert!(import_s >= 0.5, "the module's sleep is its import: {setup}");
        assert!(c["ready_s"].as_f64().unwrap() >= import_s, "{c:#}");
        assert!(
            c["work_s"].as_f64().unwrap() < import_s,
            "the import is not work: {c:#}"
        );
        assert_eq!(setup["setup_s"], Value::Null, "no setup was named");
    }
    let asyncio = cells.iter().find(|c| c["model"] == "py-asyncio").unwrap();
    assert!(asyncio["client"].as_str().unwrap().contains("afetch(i)"), "{asyncio:#}");
    assert_valid("results.schema.json", &read_json(&out.join("results.json")));
    let table = stdout(&run);
    assert!(table.contains("your module, before the ready mark"), "{table}");
}

const RAISES: &str = r#"
def setup():
    global TABLE
    TABLE = list(range(100000))

def task(i):
    if i % 2 == 0:
        raise ValueError("even task %d" % i)
    return TABLE[i]

async def atask(i):
    return task(i)
"#;

#[test]
fn exceptions_are_failed_tasks_named_by_type_and_rust_models_are_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = module(dir.path(), "raises.py", RAISES);
    let out = dir.path().join("out");
    let spec = format!("py-task:file={file},fn=task,afn=atask,setup=setup");
    let run = bench(
        &out,
        &[
            "--workload",
            &spec,
            "--models",
            "py-thread,py-asyncio,rs-thread",
            "--tasks",
            "10",
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let cells = cells(&out);
    for model in ["py-thread", "py-asyncio"] {
        let c = cell(&cells, model);
        assert_eq!(c["status"], "errors", "{c:#}");
        assert_eq!((c["tasks_ok"].as_u64(), c["tasks_failed"].as_u64()), (Some(5), Some(5)));
        assert_eq!(c["errors"]["error"], 5, "{c:#}");
        let first = c["first_error"].as_str().unwrap();
        assert!(first.contains("ValueError: even task"), "{first}");
        assert!(
            c["user_setup"]["setup_s"].as_f64().is_some(),
            "setup ran and was timed: {c:#}"
        );
    }
    let rust = cell(&cells, "rs-thread");
    assert_eq!(rust["status"], "skipped");
    assert_eq!(rust["failure"]["kind"], "unsupported");
    assert!(
        rust["failure"]["message"].as_str().unwrap().contains("Python code"),
        "{rust:#}"
    );
}

#[test]
fn a_module_that_does_not_import_fails_its_cell_in_one_line_and_conlab_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let bad = module(dir.path(), "broken.py", "import os\ndef fetch(i:\n    return i\n");
    let out = dir.path().join("out");
    let run = bench(
        &out,
        &[
            "--workload",
            &format!("py-task:file={bad},fn=fetch"),
            "--models",
            "py-thread",
            "--tasks",
            "3",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let measured = cells(&out);
    let c = cell(&measured, "py-thread");
    assert_eq!(c["status"], "failed");
    assert_eq!(c["failure"]["kind"], "setup");
    let message = c["failure"]["message"].as_str().unwrap();
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.contains("line 2") && message.contains("SyntaxError"),
        "{message}"
    );
    assert!(message.contains("def fetch(i:"), "the line itself is named: {message}");

    // A function the module lacks fails the cell the same way.
    let file = module(dir.path(), "plain.py", "def other(i):\n    return i\n");
    let out = dir.path().join("out2");
    let run = bench(
        &out,
        &[
            "--workload",
            &format!("py-task:file={file},fn=fetch"),
            "--models",
            "py-pool",
            "--tasks",
            "3",
        ],
    );
    assert_eq!(run.status.code(), Some(0));
    let measured = cells(&out);
    let c = cell(&measured, "py-pool");
    assert_eq!(c["failure"]["kind"], "setup");
    assert!(
        c["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("has no function 'fetch'"),
        "{c:#}"
    );
}

#[test]
fn bad_py_task_specs_are_usage_errors_in_one_line() {
    for (spec, says) in [
        (
            "py-task:file=/nonexistent/task.py,fn=f",
            "cannot read /nonexistent/task.py",
        ),
        ("py-task:fn=f", "needs file=PATH"),
    ] {
        let out = conlab().args(["bench", "--workload", spec]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{spec}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
}

const SYNC_ONLY: &str = "import time\ndef work(i):\n    time.sleep(0.01)\n";
const ASYNC_ONLY: &str = "import asyncio\nasync def awork(i):\n    await asyncio.sleep(0.01)\n";

#[test]
fn a_missing_function_skips_the_model_unless_adapt_runs_it_the_way_users_do() {
    let dir = tempfile::tempdir().unwrap();
    let sync = module(dir.path(), "sync_only.py", SYNC_ONLY);
    let asynchronous = module(dir.path(), "async_only.py", ASYNC_ONLY);
    let run = |name: &str, adapt: bool| -> Vec<Value> {
        let out = dir.path().join(name);
        let mut args = vec![
            "--workload".to_string(),
            format!("py-task:file={sync},fn=work"),
            "--workload".into(),
            format!("py-task:file={asynchronous},afn=awork"),
            "--models".into(),
            "py-thread,py-asyncio".into(),
            "--tasks".into(),
            "4".into(),
        ];
        if adapt {
            args.push("--adapt".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = bench(&out, &args);
        assert!(result.status.success(), "{}", stderr(&result));
        cells(&out)
    };
    let of = |cells: &[Value], file: &str, model: &str| -> Value {
        cells
            .iter()
            .find(|c| c["model"] == model && c["workload"].as_str().unwrap().contains(file))
            .cloned()
            .unwrap()
    };

    let plain = run("plain", false);
    let skipped = of(&plain, "sync_only", "py-asyncio");
    assert_eq!(skipped["status"], "skipped");
    assert!(
        skipped["failure"]["message"].as_str().unwrap().contains("no afn"),
        "{skipped:#}"
    );
    let skipped = of(&plain, "async_only", "py-thread");
    assert_eq!(skipped["status"], "skipped");
    assert!(
        skipped["failure"]["message"].as_str().unwrap().contains("no fn"),
        "{skipped:#}"
    );
    assert_eq!(of(&plain, "sync_only", "py-thread")["status"], "ok");

    let adapted = run("adapted", true);
    let to_thread = of(&adapted, "sync_only", "py-asyncio");
    assert_eq!(to_thread["status"], "ok", "{to_thread:#}");
    assert!(to_thread["workload"].as_str().unwrap().contains("adapt=true"));
    assert!(
        to_thread["client"].as_str().unwrap().contains("asyncio.to_thread"),
        "{to_thread:#}"
    );
    let per_task = of(&adapted, "async_only", "py-thread");
    assert_eq!(per_task["status"], "ok", "{per_task:#}");
    assert!(
        per_task["client"].as_str().unwrap().contains("asyncio.run"),
        "{per_task:#}"
    );
}

#[test]
fn compare_names_an_edit_of_the_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = module(dir.path(), "task.py", SYNC_ONLY);
    let spec = format!("py-task:file={file},fn=work");
    let run = |name: &str| -> PathBuf {
        let out = dir.path().join(name);
        let r = bench(&out, &["--workload", &spec, "--models", "py-thread", "--tasks", "2"]);
        assert!(r.status.success(), "{}", stderr(&r));
        out.join("results.json")
    };
    let before = run("before");
    module(dir.path(), "task.py", &SYNC_ONLY.replace("0.01", "0.02"));
    let after = run("after");
    let out = conlab().arg("compare").arg(&before).arg(&after).output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("not compared, the code changed"), "{text}");
    assert!(text.contains("0 cells compared"), "{text}");
}

#[test]
fn advise_measures_the_users_own_task() {
    let dir = tempfile::tempdir().unwrap();
    let file = module(
        dir.path(),
        "both.py",
        &format!(
            "{SYNC_ONLY}{}",
            ASYNC_ONLY.replace("import asyncio\n", "\nimport asyncio\n")
        ),
    );
    let out = conlab()
        .args([
            "advise",
            "--tasks",
            "8",
            "--task",
            &format!("file={file},fn=work,afn=awork"),
        ])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("your work(i) / async awork(i)"), "{text}");
    assert!(text.contains("py-asyncio") && text.contains("recommended:"), "{text}");
    let missing = conlab()
        .args(["advise", "--task", &format!("file={file},fn=work")])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("needs --tasks"), "{}", stderr(&missing));
}

/// examples/python/slow_read.py: a `requests.get(timeout=1)` against a server that sends a
/// byte every 0.5 s outlasts its timeout without raising (the task itself checks both).
#[test]
fn a_per_read_timeout_outlasts_itself_against_a_trickling_server() {
    if !importable("requests") {
        println!("requests is not installed here: slow_read.py is not tested");
        return;
    }
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/python/slow_read.py");
    let dir = tempfile::tempdir().unwrap();
    let out = bench(
        dir.path(),
        &[
            "--quiet",
            "--workload",
            &format!("py-task:file={file},fn=fetch,setup=setup"),
            "--models",
            "py-thread",
            "--tasks",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cells = cells(dir.path());
    let c = cell(&cells, "py-thread");
    assert_eq!(c["status"], "ok", "{c}");
    assert_eq!(c["tasks_failed"], 0, "{c}");
    // Six bytes 0.5 s apart: the 1 s timeout never fired, the whole took its 3 s.
    assert!(c["work_s"].as_f64().unwrap() >= 2.9, "{c}");
}
