//! `conlab env`: the preflight, this machine's limits and what they allow.

use super::print_out;
use crate::measure::{env::Environment, limits};
use crate::units::{format_bytes, format_count};

pub fn run(json: bool) -> anyhow::Result<()> {
    let env = Environment::probe(limits::raise_nofile());
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
