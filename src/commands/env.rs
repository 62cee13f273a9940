//! `conlab env`: the preflight, this machine's limits and what they allow: per model
//! family the most threads or worker processes a cell can start, with the limit that
//! binds, and the connections one process can hold.
//!
//! The Python families are measured under `python3`, the interpreter a sweep uses when
//! given none; without one, the Rust families are shown and the reason is said.

use super::shared::print_out;
use crate::launch::python;
use crate::measure::ceiling::{Ceiling, Unit};
use crate::measure::{env::Environment, limits};
use crate::units::{format_bytes, format_count};

/// The interpreter the Python ceilings are measured under.
const PYTHON: &str = "python3";

pub fn run(json: bool) -> anyhow::Result<()> {
    let mut env = Environment::probe(limits::raise_nofile());
    match python::probe(PYTHON) {
        Ok(interpreter) => {
            let footprint = python::thread_footprint(&interpreter).map_err(|e| e.to_string());
            env.add_runtime("py", footprint, 0);
            env.python.push(interpreter);
        }
        Err(e) => env.add_runtime("py", Err(e.to_string()), 0),
    }
    if json {
        let text = serde_json::to_string_pretty(&env)?;
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
    out.push_str(&format!(
        "  virtual mem (ulimit -v)  {}\n",
        l.address_space_bytes
            .map(|b| format_bytes(b as f64))
            .unwrap_or_else(|| "unlimited".into())
    ));
    out.push_str(&format!(
        "  threads alive now        {}{}\n",
        opt(l.threads_alive),
        match (l.pids_in_use, l.user_threads) {
            (Some(ids), Some(mine)) => format!(
                " ({} holding ids from 300 up, {} of this user)",
                format_count(ids as usize),
                format_count(mine as usize)
            ),
            _ => String::new(),
        }
    ));
    out.push_str("allows (per model family, what a cell can start now; smallest limit first)\n");
    for c in &env.allows.ceilings {
        out.push_str(&ceiling_lines(c));
    }
    for note in &env.allows.unmeasured {
        out.push_str(&format!("  not measured: {note}\n"));
    }
    out.push_str(&format!(
        "  connections to one address: {} (bound by {})\n",
        format_count(env.allows.max_connections as usize),
        env.allows.max_connections_limited_by
    ));
    print_out(&out)
}

/// `  rs-thread:   16,334 threads (vm.max_map_count=65530, ...)`, the other bounds, and for
/// threads what one was measured to cost.
fn ceiling_lines(c: &Ceiling) -> String {
    let unit = match c.unit {
        Unit::Threads => "threads",
        Unit::Processes => "worker processes",
    };
    let mut out = format!(
        "  {:<12} {} {unit} ({})\n",
        format!("{}:", c.family),
        format_count(c.max as usize),
        c.limited_by
    );
    let others: Vec<String> = c.bounds[1.min(c.bounds.len())..]
        .iter()
        .map(|b| format!("{} {}", b.limit, format_count(b.allows as usize)))
        .collect();
    if !others.is_empty() {
        out.push_str(&format!("  {:<12} then {}\n", "", others.join(", ")));
    }
    let fp = &c.footprint;
    if c.unit == Unit::Threads {
        out.push_str(&format!(
            "  {:<12} measured per thread: {:.2} mappings, {} address space, {} resident ({}, from {} to {} threads{})\n",
            "",
            fp.maps_per_thread,
            format_bytes(fp.vm_per_thread as f64),
            format_bytes(fp.rss_per_thread as f64),
            fp.runtime,
            format_count(fp.sampled_at[0] as usize),
            format_count(fp.sampled_at[1] as usize),
            if fp.steady { "" } else { ", stopped before its steps settled" }
        ));
    }
    if c.unit == Unit::Processes {
        out.push_str(&format!(
            "  {:<12} (vm.max_map_count and RLIMIT_AS are per process: they bound each worker, not how many)\n",
            ""
        ));
    }
    out
}
