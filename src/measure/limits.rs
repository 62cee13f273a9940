//! Resource limits: raising our own file-descriptor limit, and naming the limit that
//! stopped a spawn.
//!
//! When a thread or process cannot be created the kernel only says EAGAIN or ENOMEM. The
//! useful answer is which of several limits was hit (pid_max, threads-max,
//! vm.max_map_count, RLIMIT_NPROC, RLIMIT_AS, memory), so the failure records the counters
//! next to each limit at the moment it struck.

use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::procfs;

/// Memory mappings a thread-per-task cell (rs-thread) keeps free below vm.max_map_count:
/// room for what the process still maps after its last thread (a growing vector, a malloc
/// arena, its report), so that no mapping fails but the spawn the cell declines itself.
/// The `conlab env` ceiling for rs-thread subtracts the same margin.
pub const MAP_MARGIN: u64 = 128;

/// Raise the soft RLIMIT_NOFILE to the hard limit. Returns `(old, new)` soft limits.
pub fn raise_nofile() -> (u64, u64) {
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => (soft, hard),
            Err(_) => (soft, soft),
        },
        Ok((soft, _)) => (soft, soft),
        Err(_) => (0, 0),
    }
}

/// A soft resource limit, `None` when unlimited.
pub fn soft_limit(resource: Resource) -> Option<u64> {
    getrlimit(resource)
        .ok()
        .map(|(soft, _)| soft)
        .filter(|&s| s != RLIM_INFINITY)
}

fn near(used: u64, limit: u64) -> bool {
    used + 64 >= limit || used as f64 >= limit as f64 * 0.97
}

/// Name the limit most likely to have refused a new thread or process, with the numbers
/// that show it, e.g. `vm.max_map_count=65530 (this process has 65519 mappings)`.
pub fn diagnose_spawn(err: &std::io::Error) -> String {
    let me = std::process::id() as i32;
    if let (Some(limit), Some(maps)) = (procfs::sysctl("vm/max_map_count"), procfs::map_count(me)) {
        if near(maps, limit) {
            return format!("vm.max_map_count={limit} (this process has {maps} memory mappings)");
        }
    }
    let threads = procfs::system_threads().unwrap_or(0);
    if let Some(limit) = procfs::sysctl("kernel/pid_max") {
        if near(threads, limit) {
            return format!("kernel.pid_max={limit} ({threads} threads and processes alive on the machine)");
        }
    }
    if let Some(limit) = procfs::sysctl("kernel/threads-max") {
        if near(threads, limit) {
            return format!("kernel.threads-max={limit} ({threads} threads alive on the machine)");
        }
    }
    if let Some(limit) = soft_limit(Resource::RLIMIT_NPROC) {
        if near(threads, limit) && nix::unistd::geteuid().as_raw() != 0 {
            return format!("RLIMIT_NPROC={limit} (ulimit -u; {threads} threads alive)");
        }
    }
    if let (Some(limit), Some(s)) = (soft_limit(Resource::RLIMIT_AS), procfs::status(me)) {
        return format!(
            "RLIMIT_AS={} (ulimit -v; this process maps {})",
            crate::units::format_bytes(limit as f64),
            crate::units::format_bytes(s.vm as f64)
        );
    }
    if let Some(avail) = procfs::meminfo("MemAvailable") {
        if avail < 256 << 20 {
            return format!("memory ({} available)", crate::units::format_bytes(avail as f64));
        }
    }
    format!("unidentified ({err}; {threads} threads alive on the machine)")
}

/// Name the limit that refused a thread from counters another process saw at that moment
/// (the Python driver reports them): its memory mappings and the threads alive.
pub fn diagnose_counts(maps: u64, threads_alive: u64) -> String {
    if let Some(limit) = procfs::sysctl("vm/max_map_count").filter(|&l| near(maps, l)) {
        return format!("vm.max_map_count={limit} (the cell process had {maps} memory mappings)");
    }
    for (name, key) in [
        ("kernel.pid_max", "kernel/pid_max"),
        ("kernel.threads-max", "kernel/threads-max"),
    ] {
        if let Some(limit) = procfs::sysctl(key).filter(|&l| near(threads_alive, l)) {
            return format!("{name}={limit} ({threads_alive} threads alive on the machine)");
        }
    }
    if let Some(limit) = soft_limit(Resource::RLIMIT_NPROC).filter(|&l| near(threads_alive, l)) {
        if nix::unistd::geteuid().as_raw() != 0 {
            return format!("RLIMIT_NPROC={limit} (ulimit -u; {threads_alive} threads alive)");
        }
    }
    format!("unidentified ({threads_alive} threads alive, {maps} mappings)")
}

/// The limit behind a task error kind that has one, with its value: out of descriptors
/// is `ulimit -n`, out of ports is the ephemeral port range.
pub fn for_error(kind: crate::task::ErrorKind) -> Option<String> {
    use crate::task::ErrorKind;
    match kind {
        ErrorKind::FdLimit => Some(match soft_limit(Resource::RLIMIT_NOFILE) {
            Some(n) => format!("RLIMIT_NOFILE={n} (ulimit -n): each connection holds a descriptor"),
            None => "RLIMIT_NOFILE (ulimit -n)".into(),
        }),
        ErrorKind::NoPorts => Some(match procfs::sysctl_text("net/ipv4/ip_local_port_range") {
            Some(range) => format!(
                "net.ipv4.ip_local_port_range={} (ephemeral ports, each held ~60 s in TIME_WAIT)",
                range.split_whitespace().collect::<Vec<_>>().join("-")
            ),
            None => "net.ipv4.ip_local_port_range (ephemeral ports)".into(),
        }),
        _ => None,
    }
}

/// Kernel and process limits (`None` = unlimited or unreadable).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Limits {
    /// Soft RLIMIT_NOFILE after conlab raised it (ulimit -n).
    pub nofile: Option<u64>,
    /// Soft RLIMIT_NOFILE before conlab raised it.
    pub nofile_before: Option<u64>,
    /// RLIMIT_NPROC (ulimit -u); not enforced for root.
    pub nproc: Option<u64>,
    /// RLIMIT_STACK in bytes (ulimit -s): the default stack of a process's main thread.
    pub stack_bytes: Option<u64>,
    /// RLIMIT_AS in bytes (ulimit -v).
    pub address_space_bytes: Option<u64>,
    /// kernel.pid_max: most threads + processes alive at once, machine-wide.
    pub pid_max: Option<u64>,
    /// kernel.threads-max.
    pub threads_max: Option<u64>,
    /// vm.max_map_count: memory mappings per process (what a thread takes depends on its
    /// runtime: see `allows.ceilings`).
    pub max_map_count: Option<u64>,
    /// net.core.somaxconn: the cap on a listen backlog.
    pub somaxconn: Option<u64>,
    /// net.ipv4.ip_local_port_range: ephemeral ports for outgoing connections.
    pub ephemeral_ports: Option<String>,
    /// vm.overcommit_memory (0 heuristic, 1 always, 2 never).
    pub overcommit_memory: Option<u64>,
    /// Threads alive on the machine when the preflight ran.
    pub threads_alive: Option<u64>,
    /// Threads alive whose id is 300 or more: they hold ids of the range the kernel
    /// allocates from (300 to pid_max) once its cursor has wrapped.
    #[serde(default)]
    pub pids_in_use: Option<u64>,
    /// Threads of conlab's user (real uid): what RLIMIT_NPROC counts.
    #[serde(default)]
    pub user_threads: Option<u64>,
    /// CommitLimit minus Committed_AS in bytes: what strict overcommit
    /// (vm.overcommit_memory=2) still lets processes commit.
    #[serde(default)]
    pub commit_room_bytes: Option<u64>,
    /// Whether conlab runs as root (root ignores RLIMIT_NPROC).
    pub root: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_name_the_limit_they_reached() {
        let max_maps = procfs::sysctl("vm/max_map_count").unwrap();
        assert!(diagnose_counts(max_maps - 10, 100).starts_with("vm.max_map_count="));
        let pid_max = procfs::sysctl("kernel/pid_max").unwrap();
        assert!(diagnose_counts(100, pid_max - 1).contains("threads alive"));
        assert!(diagnose_counts(100, 100).starts_with("unidentified"));
    }
}
