//! Starter code for the recommended model, in the shape that was measured: a thread per
//! task when `py-thread` won, a pool of the width measured when a pool won, one event
//! loop with every task on it when asyncio won, and so on. The model's spec is parsed into
//! its type (never read back from its name's prefix), and the template of its shape
//! (`snippet_text`) gets the measured parameters. A starter of another shape than the one
//! recommended would hand the user the code measured to be slower.

use super::snippet_text::*;
use crate::model::python::Split;
use crate::model::{ModelSpec, PyModel, RustModel};
use crate::units::format_count;

/// How a model runs its tasks, with the parameters it was measured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A thread per task (`py-thread`, `rs-thread`), with the stack size given, if any.
    ThreadPerTask { stack: Option<u64> },
    /// A fixed pool of threads (`py-pool`, `rs-pool`), this wide.
    Pool(usize),
    /// This many worker processes (`py-process`, `rs-process`); `async` with an event loop
    /// each.
    Processes { workers: usize, each_async: bool },
    /// One event loop with every task on it (`py-asyncio`, `rs-async-st`).
    Loop,
    /// tokio's multi-thread runtime: this many worker threads, or one per core.
    Runtime(Option<usize>),
    /// Several event loops, each running its share (`py-asyncio:procs=P`, `:threads=T`).
    Loops(Split),
    /// Greenlets: a pool of this many, or one per task.
    Greenlets(Option<usize>),
}

impl Shape {
    /// The model's shape; `None` for a name conlab does not know.
    pub fn of(model: &str) -> Option<(Shape, Option<String>)> {
        let spec: ModelSpec = model.parse().ok()?;
        Some(match spec {
            ModelSpec::Python(p) => (python_shape(&p), p.lib.map(String::from)),
            ModelSpec::Rust { model, lib } => {
                let shape = match model {
                    RustModel::RsThread(t) => Shape::ThreadPerTask { stack: t.stack },
                    RustModel::RsPool(p) => Shape::Pool(p.width()),
                    RustModel::RsAsync(m) => Shape::Runtime(m.workers),
                    RustModel::RsAsyncSt(_) => Shape::Loop,
                    RustModel::RsProcess(p) => Shape::Processes {
                        workers: p.width(),
                        each_async: p.asynchronous,
                    },
                };
                (shape, lib.map(|l| l.to_string()))
            }
        })
    }

    /// In words, for the starter's heading: `a pool of 32 threads`.
    pub fn describe(&self, tasks: usize) -> String {
        match self {
            Shape::ThreadPerTask { .. } => "a thread per task".into(),
            Shape::Pool(n) => format!("a pool of {} threads", format_count(*n)),
            Shape::Processes { workers, each_async } => format!(
                "{} worker processes{}",
                format_count(*workers),
                if *each_async { ", an event loop in each" } else { "" }
            ),
            Shape::Loop => format!("one event loop, all {} tasks on it at once", format_count(tasks)),
            Shape::Runtime(None) => "tokio's multi-thread runtime, a worker thread per core".into(),
            Shape::Runtime(Some(w)) => format!("tokio's multi-thread runtime, {} worker threads", format_count(*w)),
            Shape::Loops(Split::Procs(p)) => format!("an event loop in each of {} processes", format_count(*p)),
            Shape::Loops(Split::Threads(t)) => format!("an event loop in each of {} threads", format_count(*t)),
            Shape::Greenlets(None) => "a greenlet per task".into(),
            Shape::Greenlets(Some(n)) => format!("a pool of {} greenlets", format_count(*n)),
        }
    }
}

fn python_shape(p: &PyModel) -> Shape {
    match (p.base, p.split) {
        ("py-asyncio", Some(split)) => Shape::Loops(split),
        ("py-asyncio", None) => Shape::Loop,
        ("py-pool", _) => Shape::Pool(p.queue_width().unwrap_or(1)),
        ("py-process", _) => Shape::Processes {
            workers: p.queue_width().unwrap_or(1),
            each_async: false,
        },
        ("py-gevent", _) => Shape::Greenlets(p.size),
        _ => Shape::ThreadPerTask { stack: None },
    }
}

/// Fill a template's `@NAME@` parameters.
fn fill(template: &str, params: &[(&str, String)]) -> String {
    params
        .iter()
        .fold(template.to_string(), |t, (k, v)| t.replace(&format!("@{k}@"), v))
}

/// The tokio entry point of a shape.
fn tokio_main(shape: &Shape) -> String {
    match shape {
        Shape::Loop => r#"#[tokio::main(flavor = "current_thread")]   // one event loop, as measured"#.into(),
        Shape::Runtime(Some(w)) => {
            format!(r#"#[tokio::main(flavor = "multi_thread", worker_threads = {w})]   // as measured"#)
        }
        _ => "#[tokio::main]   // a worker thread per core, as measured".into(),
    }
}

/// The client-side starter for `model` as measured at `tasks`: code in its shape.
pub fn snippet(model: &str, tasks: usize) -> String {
    let Some((shape, lib)) = Shape::of(model) else {
        return format!("# conlab has no starter for {model}");
    };
    let python = model.starts_with("py");
    let n = |v: usize| v.to_string();
    let tasks_s = n(tasks.max(1));
    match (python, &shape) {
        (true, Shape::ThreadPerTask { .. }) => fill(
            PY_THREAD,
            &[(
                "LIB",
                lib.map(|l| format!(" ({l}: a Session per thread)")).unwrap_or_default(),
            )],
        ),
        (true, Shape::Pool(w)) => fill(PY_POOL, &[("WORKERS", n(*w))]),
        (true, Shape::Processes { workers, .. }) => fill(PY_PROCESS, &[("WORKERS", n(*workers))]),
        (true, Shape::Loop) => {
            let run = if lib.as_deref() == Some("uvloop") {
                "uvloop.run"
            } else {
                "asyncio.run"
            };
            let code = match lib.as_deref() {
                Some("aiohttp") => {
                    // conlab's aiohttp cells hold a connection per task unless sized.
                    let conns = match model.parse::<ModelSpec>() {
                        Ok(ModelSpec::Python(p)) => p.size,
                        _ => None,
                    };
                    let conns = conns.unwrap_or(tasks.max(1));
                    fill(PY_AIOHTTP, &[("CONNS", n(conns))])
                }
                _ => PY_ASYNCIO.to_string(),
            };
            let code = fill(&code, &[("TASKS", tasks_s), ("RUN", run.into())]);
            match run {
                "uvloop.run" => code.replacen("import asyncio\n", "import asyncio\nimport uvloop\n", 1),
                _ => code,
            }
        }
        (true, Shape::Loops(split)) => {
            let (executor, unit, w) = match split {
                Split::Procs(p) => ("ProcessPoolExecutor", "processes", *p),
                Split::Threads(t) => ("ThreadPoolExecutor", "threads", *t),
            };
            fill(
                PY_LOOPS,
                &[("EXECUTOR", executor.into()), ("UNIT", unit.into()), ("WORKERS", n(w))],
            )
        }
        (true, Shape::Greenlets(size)) => fill(
            PY_GEVENT,
            &[
                ("SIZE", size.map_or("None".into(), n)),
                (
                    "POOL",
                    match size {
                        Some(s) => format!("at most {s} at once, as measured"),
                        None => "size=None: a greenlet per task, as measured".into(),
                    },
                ),
            ],
        ),
        (_, Shape::ThreadPerTask { stack }) => fill(
            RS_THREAD,
            &[(
                "STACK",
                match stack {
                    Some(b) => format!("\n                    .stack_size({b})   // the stack measured"),
                    None => String::new(),
                },
            )],
        ),
        (_, Shape::Pool(w)) => fill(RS_POOL, &[("WORKERS", n(*w))]),
        (_, Shape::Processes { workers, each_async }) => fill(
            RS_PROCESS,
            &[
                ("WORKERS", n(*workers)),
                (
                    "ASYNC",
                    if *each_async { ", a tokio runtime in each" } else { "" }.into(),
                ),
            ],
        ),
        (_, shape) => fill(RS_TOKIO, &[("MAIN", tokio_main(shape)), ("TASKS", tasks_s)]),
    }
}

/// The server-side starter: an accept loop in the model's shape, bounded and with
/// per-connection timeouts.
pub fn server_snippet(model: &str) -> String {
    let Some((shape, _)) = Shape::of(model) else {
        return format!("# conlab has no starter for {model}");
    };
    let python = model.starts_with("py");
    let n = |v: usize| v.to_string();
    match (python, &shape) {
        (true, Shape::Pool(w)) => fill(PY_POOL_SERVER, &[("WORKERS", n(*w))]),
        (true, Shape::Processes { workers, .. }) => fill(PY_PROCESS_SERVER, &[("WORKERS", n(*workers))]),
        (true, Shape::Loop | Shape::Loops(_)) => PY_ASYNCIO_SERVER.into(),
        (true, Shape::Greenlets(size)) => fill(
            PY_GEVENT_SERVER,
            &[
                ("SPAWN", size.map_or(r#""default""#.into(), |s| format!("Pool({s})"))),
                (
                    "POOL",
                    match size {
                        Some(s) => format!("at most {s} connections at once, as measured"),
                        None => "a greenlet per connection, as measured".into(),
                    },
                ),
            ],
        ),
        (true, _) => PY_THREAD_SERVER.into(),
        (_, Shape::ThreadPerTask { .. }) => RS_THREAD_SERVER.into(),
        (_, Shape::Pool(w)) => fill(RS_POOL_SERVER, &[("WORKERS", n(*w))]),
        (_, Shape::Processes { workers, .. }) => fill(RS_PROCESS_SERVER, &[("WORKERS", n(*workers))]),
        (_, shape) => fill(RS_TOKIO_SERVER, &[("MAIN", tokio_main(shape))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::advice::{own_task_models, scenario, Connections, Lang, Question, Side};
    use std::time::Duration;

    /// Every model advise can recommend, with the task count and side it is measured at:
    /// the candidates of every kind of question.
    fn recommendable() -> Vec<(String, usize, Side)> {
        let mut out = Vec::new();
        for lang in [Lang::Python, Lang::Rust] {
            for side in [Side::Client, Side::Server] {
                for sync_only in [false, true] {
                    for (io, cpu) in [(50, 0), (0, 200), (10, 5), (50, 10)] {
                        for connections in [None, Some(Connections::Short), Some(Connections::Long)] {
                            for tasks in [1, 8, 1000, 100_000] {
                                let q = Question {
                                    side,
                                    connections,
                                    tasks,
                                    io: Duration::from_millis(io),
                                    cpu: Duration::from_millis(cpu),
                                    sync_only,
                                    lang,
                                };
                                let measured = tasks.min(10_000);
                                for m in scenario(&q, 1e6).1 {
                                    out.push((m, measured, side));
                                }
                                if lang == Lang::Python && side == Side::Client {
                                    for m in own_task_models(!sync_only, &q) {
                                        out.push((m, measured, side));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out.sort_by(|a, b| (&a.0, a.1, a.2 as u8).cmp(&(&b.0, b.1, b.2 as u8)));
        out.dedup();
        out
    }

    /// What the starter of `model` must say, and must not, read from the spec by hand.
    fn expected(model: &str, tasks: usize, side: Side) -> (Vec<String>, Vec<&'static str>) {
        let (head, params) = model.split_once(':').unwrap_or((model, ""));
        let param = |k: &str| {
            params
                .split(',')
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .map(String::from)
        };
        let cores = crate::model::cores().to_string();
        let size = param("size");
        let v = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match (side, head) {
            (Side::Client, "py-thread") => (v(&["threading.Thread(", "a thread per task"]), vec!["Executor"]),
            (Side::Client, "py-pool") => (
                vec![
                    "ThreadPoolExecutor(max_workers=workers)".into(),
                    format!("workers={}, timeout", size.unwrap()),
                ],
                vec!["threading.Thread("],
            ),
            (Side::Client, "py-process") => (vec![format!("ProcessPoolExecutor(max_workers={cores})")], vec![]),
            (Side::Client, "py-asyncio") => match param("procs") {
                Some(p) => (
                    vec![
                        format!("processes={p}"),
                        "ProcessPoolExecutor".into(),
                        "asyncio.run".into(),
                    ],
                    vec![],
                ),
                None => (
                    vec!["asyncio.gather".into(), format!("limit={tasks},")],
                    vec!["Executor"],
                ),
            },
            (Side::Client, "rs-thread") => (v(&["spawn_scoped", "a thread per task"]), vec!["workers"]),
            (Side::Client, "rs-pool") => (vec![format!("let workers = {}.min", size.unwrap())], vec![]),
            (Side::Client, "rs-process") => (vec![format!("{cores} worker processes")], vec![]),
            (Side::Client, "rs-async") => (
                vec!["#[tokio::main]".into(), format!("Semaphore::new({tasks})")],
                vec!["current_thread"],
            ),
            (Side::Server, "py-thread") => (v(&["ThreadingMixIn"]), vec!["Executor"]),
            (Side::Server, "py-pool") => (
                vec![format!("ThreadPoolExecutor(max_workers={})", size.unwrap())],
                vec!["ThreadingMixIn"],
            ),
            (Side::Server, "py-process") => (vec![format!("range({cores})"), "os.fork()".into()], vec![]),
            (Side::Server, "py-asyncio") => (v(&["asyncio.start_server"]), vec![]),
            (Side::Server, "rs-thread") => (v(&["std::thread::Builder"]), vec!["0.."]),
            (Side::Server, "rs-pool") => (vec![format!("for _ in 0..{} {{", size.unwrap())], vec![]),
            (Side::Server, "rs-process") => (vec![format!("{cores} worker processes"), "SO_REUSEPORT".into()], vec![]),
            (Side::Server, "rs-async") => (v(&["#[tokio::main]", "tokio::spawn"]), vec![]),
            _ => panic!("advise can recommend {model}, which this test does not know"),
        }
    }

    #[test]
    fn every_recommendable_model_gets_a_starter_of_its_own_shape() {
        let models = recommendable();
        assert!(models.len() > 20, "{models:?}");
        for (model, tasks, side) in &models {
            let code = match side {
                Side::Client => snippet(model, *tasks),
                Side::Server => server_snippet(model),
            };
            let (must, must_not) = expected(model, *tasks, *side);
            for m in &must {
                assert!(
                    code.contains(m.as_str()),
                    "{model} at {tasks} ({side:?}): no `{m}` in\n{code}"
                );
            }
            for m in must_not {
                assert!(!code.contains(m), "{model} ({side:?}): `{m}` in\n{code}");
            }
            assert!(!code.contains('@'), "{model}: a parameter left unfilled\n{code}");
            // What advise prints: this model recommended, and this very code as its starter.
            let q = Question {
                side: *side,
                connections: None,
                tasks: *tasks,
                io: Duration::from_millis(50),
                cpu: Duration::ZERO,
                sync_only: false,
                lang: if model.starts_with("py") {
                    Lang::Python
                } else {
                    Lang::Rust
                },
            };
            let best = crate::analyze::advice::Candidate {
                model: model.clone(),
                time: 1.0,
                rss: 1e7,
                lag_ms: None,
                all_at_once: true,
            };
            let out = crate::report::advice::recommendation(&q, *tasks, &[best], 200);
            let (shape, _) = Shape::of(model).unwrap();
            assert!(out.contains(&format!("recommended: {model}\n")), "{out}");
            assert!(
                out.contains(&format!(
                    "starter ({model}: {}, as measured):\n{code}",
                    shape.describe(*tasks)
                )),
                "{out}"
            );
        }
    }

    #[test]
    fn variants_keep_their_library_and_their_size() {
        assert!(snippet("py-asyncio+uvloop", 100).contains("uvloop.run(fetch_many(urls))"));
        let aio = snippet("py-asyncio+aiohttp:limit=50", 1000);
        assert!(
            aio.contains("TCPConnector(limit=50)") && aio.contains("limit=1000,"),
            "{aio}"
        );
        assert!(snippet("py-asyncio+aiohttp", 300).contains("TCPConnector(limit=300)"));
        assert!(snippet("py-gevent", 10).contains("a greenlet per task"));
        assert!(snippet("py-gevent:size=8", 10).contains("size=8, timeout"));
        assert!(snippet("py-gevent+requests:size=8", 10).starts_with("from gevent import monkey"));
        assert!(server_snippet("py-gevent").contains("StreamServer"));
        assert!(snippet("py-thread+requests", 10).contains("requests: a Session per thread"));
        assert!(snippet("rs-thread:stack=65536", 10).contains(".stack_size(65536)"));
        assert!(snippet("rs-async-st", 10).contains(r#"flavor = "current_thread""#));
        assert!(snippet("rs-async:workers=2", 10).contains("worker_threads = 2"));
        assert!(snippet("py-asyncio:threads=4", 10).contains("threads=4"));
        assert!(snippet("rs-process:async=true", 10).contains("a tokio runtime in each"));
        assert!(snippet("nope", 10).contains("no starter for nope"));
        assert_eq!(
            Shape::of("py-pool:size=32").unwrap().0.describe(1000),
            "a pool of 32 threads"
        );
    }
}
