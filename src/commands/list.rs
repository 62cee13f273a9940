//! `conlab list`: the workloads and models with their parameters.

use super::shared::print_out;
use crate::{model, workload};

pub fn run() -> anyhow::Result<()> {
    let mut out = String::from("Workloads (--workload SPEC):\n");
    for w in workload::REGISTRY {
        out.push_str(&format!("  {:<30} {}\n", w.syntax, w.about));
    }
    out.push_str("\nModels (--models LIST):\n");
    for m in model::REGISTRY {
        out.push_str(&format!("  {:<30} {}\n", m.syntax, m.about));
    }
    out.push_str(
        "\nRust library variants (http only; without one, http runs conlab's HTTP/1.1 codec under every Rust model):\n",
    );
    for l in model::LIBRARIES {
        let syntax = format!("+{} with {}", l.lib, l.models.join(", "));
        out.push_str(&format!("  {syntax:<42} {}\n", l.about));
    }
    out.push_str("\nPython models (run by the embedded Python driver; --python PATH, repeatable):\n");
    for (syntax, about) in [
        ("py-thread[+requests]", "a threading.Thread per task, as in the article"),
        (
            "py-pool[+requests][:size=P]",
            "concurrent.futures.ThreadPoolExecutor (default size: Python's own)",
        ),
        (
            "py-asyncio[+aiohttp[:limit=N]|+uvloop]",
            "tasks gathered on one asyncio event loop; aiohttp's connector allows one connection per task unless limit=N (100: the article's fetch_many as written)",
        ),
        (
            "py-asyncio[+...][:eager=true]",
            "the loop's task factory is asyncio.eager_task_factory (Python 3.12+; skipped with the reason on older interpreters): a task runs up to its first wait inside create_task",
        ),
        (
            "py-asyncio[+...][:procs=P|:threads=T]",
            "hybrids: P worker processes (fork) or T threads, each with its own event loop running its share of the tasks at once (uvicorn workers, aiomultiprocess)",
        ),
        (
            "py-process[+requests][:workers=P]",
            "multiprocessing.Pool (start method fork), one share per worker",
        ),
        (
            "py-gevent[+requests][:size=P]",
            "greenlets over a monkey-patched stdlib (gevent.monkey.patch_all first thing in the cell), a greenlet per task or a gevent.pool.Pool(P); C code that blocks (sqlite3) stalls the hub, shown as loop lag",
        ),
        (
            "py-thread+http.server",
            "serve-http: http.server.ThreadingHTTPServer (HTTP/1.1 keep-alive) on conlab's socket",
        ),
        (
            "py-asyncio+aiohttp",
            "serve-http: aiohttp.web (AppRunner + SockSite) on conlab's socket",
        ),
        (
            "py-asyncio+uvicorn[:procs=P]",
            "serve-http: uvicorn with an ASGI app on fd 3 (httptools/uvloop when installed); procs=P: P gunicorn UvicornWorker processes",
        ),
        (
            "py-pool+gunicorn[:size=T]",
            "serve-http: gunicorn's gthread worker, T threads, a WSGI app on fd://3",
        ),
        (
            "py-process+gunicorn[:workers=P]",
            "serve-http: gunicorn's sync workers, P processes",
        ),
        (
            "py-gevent+gunicorn",
            "serve-http: gunicorn's gevent worker (needs gevent)",
        ),
        (
            "py3.13-asyncio, ...",
            "with several interpreters, names carry the version",
        ),
    ] {
        out.push_str(&format!("  {syntax:<36} {about}\n"));
    }
    out.push_str("\nDurations take a unit (200ms, 1s); sizes 64k, 8MiB; task counts 100, 10k, 1m.\n");
    out.push_str(&crate::report::kinds::text());
    print_out(&out)
}
