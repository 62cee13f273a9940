//! The user's own web app (`serve-app`): the two example apps (a Starlette or raw ASGI
//! app, a Flask app) are served in ok cells by every stack of their interface, with the
//! import timed apart (`user_setup`) and the stack named; a path that answers 500 is
//! counted as `http-5xx`; an app that does not import fails its cell in one line without
//! a load being run; a model that does not speak the app's interface is `unsupported`.
//! A stack or library missing here skips its part with one printed line.

use crate::common::*;
use serde_json::Value;

const ASGI_APP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/python/asgi_app.py");
const WSGI_APP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/python/wsgi_app.py");

/// The cells (baselines left out) of `model` in `results`.
fn cells_of<'a>(results: &'a Value, model: &str) -> Vec<&'a Value> {
    results["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["model"] == model && c["baseline"] == false)
        .collect()
}

/// `bench` of one app workload under `models`, 4 connections for 1 s.
fn run(workload: &str, models: &[&str]) -> (tempfile::TempDir, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = bench(
        dir.path(),
        &["--workload", workload, "--models", &models.join(","), "--tasks", "4"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    let results = read_json(&dir.path().join("results.json"));
    assert_valid("results.schema.json", &results);
    (dir, results, said)
}

/// Every stack in `stacks` (model, server) served the app in an ok cell that names it,
/// timed the import apart and answered every request; a stack not installed is noted.
fn served_by(results: &Value, said: &str, interface: &str, stacks: &[(&str, &str)]) {
    for (model, server) in stacks {
        let Some(c) = cells_of(results, model).first().copied() else {
            assert!(
                said.contains(&format!("{model} skipped")),
                "{model}: neither a cell nor a note\n{said}"
            );
            println!("{model}: its library is not installed here, not tested");
            continue;
        };
        assert_eq!(c["status"], "ok", "{model}: {c}");
        assert_eq!(c["stack"]["server"], *server, "{model}: {}", c["stack"]);
        let setup = &c["user_setup"];
        assert!(setup["import_s"].as_f64().unwrap() > 0.0, "{model}: {setup}");
        assert!(setup["rss_bytes"].as_u64().unwrap() > 0, "{model}: {setup}");
        assert!(
            c["ready_s"].as_f64().unwrap() >= setup["import_s"].as_f64().unwrap(),
            "{model}"
        );
        assert!(c["requests_ok"].as_u64().unwrap() > 4, "{model}: {c}");
        assert_eq!(c["requests_failed"], 0, "{model}: {c}");
        let client = c["client"].as_str().unwrap();
        assert!(
            client.starts_with(&format!("your {interface} app ")),
            "{model}: {client}"
        );
        assert!(c["load"]["mode"].as_str().unwrap().contains("GET 2 paths"), "{model}");
        let target = c["load"]["target"].as_str().unwrap();
        assert!(
            std::net::TcpStream::connect(target).is_err(),
            "{model}: something still accepts on {target}"
        );
    }
}

/// `model` has a skipped cell whose failure is `unsupported`, saying `why`.
fn unsupported(results: &Value, model: &str, why: &str) {
    let c = cells_of(results, model);
    let c = c.first().unwrap_or_else(|| panic!("{model}: no cell"));
    assert_eq!(c["status"], "skipped", "{c}");
    assert_eq!(c["failure"]["kind"], "unsupported", "{c}");
    assert!(c["failure"]["message"].as_str().unwrap().contains(why), "{c}");
}

#[test]
fn the_wsgi_example_is_served_by_every_wsgi_stack() {
    if !importable("flask") {
        println!("flask is not installed here: the WSGI example is not tested");
        return;
    }
    let workload = format!("serve-app:wsgi={WSGI_APP}:app,path=/,path=/items/7,duration=1s");
    let stacks = [
        ("py-thread+http.server", "wsgiref.simple_server"),
        ("py-pool+gunicorn:size=4", "gunicorn"),
        ("py-process+gunicorn:workers=2", "gunicorn"),
        ("py-gevent+gunicorn", "gunicorn"),
    ];
    let mut models: Vec<&str> = stacks.iter().map(|s| s.0).collect();
    models.push("py-asyncio");
    let (_dir, results, said) = run(&workload, &models);
    served_by(&results, &said, "WSGI", &stacks);
    unsupported(&results, "py-asyncio", "does not serve a WSGI app");
}

#[test]
fn the_asgi_example_is_served_by_every_asgi_stack() {
    let workload = format!("serve-app:asgi={ASGI_APP}:app,path=/,path=/items/7,duration=1s");
    let stacks = [
        ("py-asyncio+uvicorn", "uvicorn"),
        ("py-asyncio+uvicorn:procs=2", "uvicorn"),
    ];
    let (_dir, results, said) = run(
        &workload,
        &["py-asyncio+uvicorn", "py-asyncio+uvicorn:procs=2", "py-thread"],
    );
    served_by(&results, &said, "ASGI", &stacks);
    unsupported(&results, "py-thread", "does not serve an ASGI app");
    // In the table, a model that cannot serve the app gets one line, not a column.
    assert!(
        said.contains("unsupported, not run: py-thread; py-thread does not serve an ASGI app"),
        "{said}"
    );
    assert!(!said.contains("┆ py-thread "), "{said}");
}

#[test]
fn a_path_that_answers_500_is_counted_as_http_5xx() {
    let workload = format!("serve-app:asgi={ASGI_APP}:app,path=/,path=/error,duration=1s");
    let (_dir, results, said) = run(&workload, &["py-asyncio+uvicorn"]);
    let Some(c) = cells_of(&results, "py-asyncio+uvicorn").first().copied() else {
        assert!(said.contains("py-asyncio+uvicorn skipped"), "{said}");
        println!("py-asyncio+uvicorn: uvicorn is not installed here, not tested");
        return;
    };
    // Every connection alternates / and /error: half the answers are 500s.
    let failed = c["requests_failed"].as_u64().unwrap();
    assert!(failed > 0 && c["requests_ok"].as_u64().unwrap() > 0, "{c}");
    assert_eq!(c["errors"]["http-5xx"].as_u64(), Some(failed), "{c}");
    assert_eq!(c["errors"].as_object().unwrap().len(), 1, "{c}");
    assert_eq!(c["failure"]["kind"], "task-errors", "{c}");
    assert!(c["first_error"].as_str().unwrap().contains("status 500"), "{c}");
}

#[test]
fn a_method_the_app_does_not_allow_is_counted_as_http_4xx() {
    if !importable("flask") {
        println!("flask is not installed here: the WSGI example is not tested");
        return;
    }
    // Flask answers 405 to a POST on a GET-only route.
    let workload = format!("serve-app:wsgi={WSGI_APP}:app,path=/,method=POST,duration=1s");
    let (_dir, results, _) = run(&workload, &["py-thread+http.server"]);
    let cells = cells_of(&results, "py-thread+http.server");
    let c = cells.first().expect("http.server is the standard library's");
    let failed = c["requests_failed"].as_u64().unwrap();
    assert!(failed > 0, "{c}");
    assert_eq!(c["requests_ok"], 0, "{c}");
    assert_eq!(c["errors"]["http-4xx"].as_u64(), Some(failed), "{c}");
    assert!(c["first_error"].as_str().unwrap().contains("status 405"), "{c}");
    assert!(c["load"]["mode"].as_str().unwrap().contains("POST /"), "{c}");
}

#[test]
fn an_app_that_fails_to_import_is_a_one_line_setup_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken_app.py");
    std::fs::write(&file, "import os\nraise RuntimeError('no database')\napp = None\n").unwrap();
    let workload = format!("serve-app:wsgi={}:app,duration=1s", file.display());
    let (_out, results, _) = run(&workload, &["py-thread+http.server"]);
    let cells = cells_of(&results, "py-thread+http.server");
    let c = cells.first().expect("http.server is the standard library's");
    assert_eq!(c["status"], "failed", "{c}");
    assert_eq!(c["failure"]["kind"], "setup", "{c}");
    let message = c["failure"]["message"].as_str().unwrap();
    assert!(!message.contains('\n'), "{message}");
    assert!(message.contains("broken_app.py failed at line 2"), "{message}");
    assert!(message.contains("RuntimeError: no database"), "{message}");
    assert!(c["load"].is_null(), "a server that never got ready is not loaded: {c}");
}

#[test]
fn a_wsgi_app_under_an_asgi_only_model_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.py");
    std::fs::write(&file, "def app(environ, start_response):\n    return []\n").unwrap();
    let workload = format!("serve-app:wsgi={}:app", file.display());
    let (_out, results, _) = run(&workload, &["py-asyncio+uvicorn", "py-asyncio+aiohttp", "rs-async"]);
    for model in ["py-asyncio+aiohttp", "rs-async"] {
        unsupported(
            &results,
            model,
            "does not serve a WSGI app (stacks that do: py-pool+gunicorn",
        );
    }
    match cells_of(&results, "py-asyncio+uvicorn").is_empty() {
        true => println!("py-asyncio+uvicorn: uvicorn is not installed here, not tested"),
        false => unsupported(&results, "py-asyncio+uvicorn", "does not serve a WSGI app"),
    }
}
