//! The small read-only commands: `conlab list` and `conlab env`.

use std::io::Write;

use crate::error::Error;
use crate::measure::{env::Environment, limits};
use crate::units::{format_bytes, format_count};
use crate::{model, workload};

pub fn list() -> Result<i32, Error> {
    let mut out = String::from("Workloads (--workload SPEC):\n");
    for w in workload::REGISTRY {
        out.push_str(&format!("  {:<30} {}\n", w.syntax, w.about));
    }
    out.push_str("\nModels (--models LIST):\n");
    for m in model::REGISTRY {
        out.push_str(&format!("  {:<30} {}\n", m.syntax, m.about));
    }
    out.push_str("\nPython models (run by the embedded Python driver; --python PATH, repeatable):\n");
    for (syntax, about) in [
        ("py-thread[+requests]", "a threading.Thread per task, as in the article"),
        (
            "py-pool[:size=P][+requests]",
            "concurrent.futures.ThreadPoolExecutor (default size: Python's own)",
        ),
        (
            "py-asyncio[+aiohttp|+uvloop]",
            "tasks gathered on one asyncio event loop",
        ),
        (
            "py-process[:workers=P][+requests]",
            "multiprocessing.Pool (start method fork), one share per worker",
        ),
        (
            "py3.13-asyncio, ...",
            "with several interpreters, names carry the version",
        ),
    ] {
        out.push_str(&format!("  {syntax:<36} {about}\n"));
    }
    out.push_str("\nDurations take a unit (200ms, 1s); sizes 64k, 8MiB; task counts 100, 10k, 1m.\n");
    print_out(&out)
}

pub fn env(json: bool) -> Result<i32, Error> {
    let env = Environment::probe(limits::raise_nofile());
    if json {
        let text = serde_json::to_string_pretty(&env).map_err(|e| Error::Internal(e.to_string()))?;
        return print_out(&format!("{text}\n"));
    }
    let l = &env.limits;
    let opt = |v: Option<u64>| {
        v.map(|n| format_count(n as usize))
            .unwrap_or_else(|| "unlimited".into())
    };
    let mut out = String::new();
    out.push_str(&format!(
        "machine      {} cores ({}), {} memory, {} swap\n",
        env.cores,
        env.cpu_model,
        format_bytes(env.memory_bytes as f64),
        format_bytes(env.swap_bytes as f64)
    ));
    out.push_str(&format!("kernel       {}\n", env.kernel));
    out.push_str(&format!(
        "built with   {}, tokio {}\n",
        env.rustc_version, env.tokio_version
    ));
    out.push_str("limits\n");
    out.push_str(&format!(
        "  open files (ulimit -n)   {}{}\n",
        opt(l.nofile),
        match (l.nofile_before, l.nofile) {
            (Some(a), Some(b)) if a != b =>
                format!(" (conlab raised its soft limit from {})", format_count(a as usize)),
            _ => String::new(),
        }
    ));
    out.push_str(&format!(
        "  processes (ulimit -u)    {}{}\n",
        opt(l.nproc),
        if l.root { " (not enforced: running as root)" } else { "" }
    ));
    out.push_str(&format!(
        "  stack (ulimit -s)        {}\n",
        l.stack_bytes
            .map(|b| format_bytes(b as f64))
            .unwrap_or_else(|| "unlimited".into())
    ));
    out.push_str(&format!("  kernel.pid_max           {}\n", opt(l.pid_max)));
    out.push_str(&format!("  kernel.threads-max       {}\n", opt(l.threads_max)));
    out.push_str(&format!("  vm.max_map_count         {}\n", opt(l.max_map_count)));
    out.push_str(&format!("  net.core.somaxconn       {}\n", opt(l.somaxconn)));
    out.push_str(&format!(
        "  ephemeral ports          {}\n",
        l.ephemeral_ports.clone().unwrap_or_default()
    ));
    out.push_str(&format!("  threads alive now        {}\n", opt(l.threads_alive)));
    out.push_str("allows\n");
    out.push_str(&format!(
        "  threads in one process   {} (bound by {})\n",
        format_count(env.allows.max_threads as usize),
        env.allows.max_threads_limited_by
    ));
    out.push_str(&format!(
        "  connections to one addr  {} (bound by {})\n",
        format_count(env.allows.max_connections as usize),
        env.allows.max_connections_limited_by
    ));
    print_out(&out)
}

/// Write to stdout; a closed pipe (`conlab list | head`) is not an error.
fn print_out(text: &str) -> Result<i32, Error> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::Internal(format!("cannot write to stdout: {e}"))),
    }
}

/// `conlab report FILE --format F [-o OUT]`.
pub fn report(file: &std::path::Path, format: &str, output: Option<&std::path::Path>) -> Result<i32, Error> {
    let renderer = crate::report::by_name(format).ok_or_else(|| {
        Error::Usage(format!(
            "unknown format '{format}' (known: {})",
            crate::report::NAMES.join(", ")
        ))
    })?;
    let loaded = crate::report::load::load(file).map_err(Error::Usage)?;
    if let Some(note) = &loaded.note {
        eprintln!("conlab: {note}");
    }
    let text = renderer.render(&loaded.results).map_err(Error::Internal)?;
    match output {
        Some(path) => std::fs::write(path, text)
            .map(|_| 0)
            .map_err(|e| Error::Usage(format!("cannot write {}: {e}", path.display()))),
        None => print_out(&text),
    }
}

/// `conlab compare A B`.
pub fn compare(a: &std::path::Path, b: &std::path::Path) -> Result<i32, Error> {
    use crate::units::format_secs;
    let load = |p: &std::path::Path| {
        let loaded = crate::report::load::load(p).map_err(Error::Usage)?;
        if let Some(note) = &loaded.note {
            eprintln!("conlab: {note}");
        }
        Ok::<_, Error>(loaded.results)
    };
    let (ra, rb) = (load(a)?, load(b)?);
    let (rows, unmatched) = crate::analyze::compare::compare(&ra, &rb);
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "workload", "model", "tasks", "time A", "time B", "B/A", "verdict", "RSS A", "RSS B", "B/A",
    ]);
    for r in &rows {
        table.add_row(vec![
            r.workload.clone(),
            r.model.clone(),
            format_count(r.tasks),
            format_secs(r.a_time),
            format_secs(r.b_time),
            format!("{:.2}", r.b_time / r.a_time.max(1e-12)),
            r.verdict.to_string(),
            format_bytes(r.a_rss),
            format_bytes(r.b_rss),
            format!("{:.2}", r.b_rss / r.a_rss.max(1.0)),
        ]);
    }
    let mut out = format!("A: {}\nB: {}\n{table}\n", a.display(), b.display());
    let count = |v: &str| rows.iter().filter(|r| r.verdict == v).count();
    out.push_str(&format!(
        "{} cells compared: {} faster, {} slower, {} same (within 10% or the repeats' spread)\n",
        rows.len(),
        count("faster"),
        count("slower"),
        count("same")
    ));
    for u in unmatched {
        out.push_str(&format!("{u}\n"));
    }
    print_out(&out)
}
