//! The environment preflight: what machine this is and how many threads and connections
//! its limits allow, recorded with every result and printed by `conlab env`.
//!
//! A result without its limits cannot be interpreted: "rs-thread failed at 32,000 tasks"
//! is a fact about pid_max and max_map_count, not about threads.

use nix::sys::resource::Resource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{limits, procfs};

/// The machine and its limits.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    /// Online CPU cores.
    pub cores: usize,
    /// Total memory in bytes (MemTotal).
    pub memory_bytes: u64,
    /// Available memory in bytes when the sweep began (MemAvailable).
    pub memory_available_bytes: u64,
    /// Swap in bytes.
    pub swap_bytes: u64,
    /// Kernel release (uname -r).
    pub kernel: String,
    /// CPU model name.
    pub cpu_model: String,
    /// conlab's version.
    pub conlab_version: String,
    /// rustc that built conlab.
    pub rustc_version: String,
    /// tokio version the async models run on.
    pub tokio_version: String,
    /// The limits that bound concurrency.
    pub limits: Limits,
    /// What those limits allow.
    pub allows: Allowances,
    /// The Python interpreters the sweep uses: version, implementation, GIL.
    #[serde(default)]
    pub python: Vec<Interpreter>,
}

/// One Python interpreter, as probed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Interpreter {
    /// The path or command given.
    pub path: String,
    /// `3.11.7`.
    pub version: String,
    /// `3.11`.
    pub short: String,
    /// `cpython`, `pypy`, ...
    pub implementation: String,
    /// Whether the GIL is enabled (false only on free-threaded builds with it off).
    pub gil: bool,
    /// Versions of the optional libraries found: requests, aiohttp, uvloop.
    pub libraries: std::collections::BTreeMap<String, String>,
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
    /// vm.max_map_count: memory mappings per process (a thread stack takes two).
    pub max_map_count: Option<u64>,
    /// net.core.somaxconn: the cap on a listen backlog.
    pub somaxconn: Option<u64>,
    /// net.ipv4.ip_local_port_range: ephemeral ports for outgoing connections.
    pub ephemeral_ports: Option<String>,
    /// vm.overcommit_memory (0 heuristic, 1 always, 2 never).
    pub overcommit_memory: Option<u64>,
    /// Threads alive on the machine when the preflight ran.
    pub threads_alive: Option<u64>,
    /// Whether conlab runs as root (root ignores RLIMIT_NPROC).
    pub root: bool,
}

/// What the limits allow, with the one that binds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Allowances {
    /// Most threads one process can start now.
    pub max_threads: u64,
    /// The limit that sets `max_threads`.
    pub max_threads_limited_by: String,
    /// Most simultaneous connections one client process can hold to one server address.
    pub max_connections: u64,
    /// The limit that sets `max_connections`.
    pub max_connections_limited_by: String,
}

impl Environment {
    /// Read the machine. `nofile` is the `(before, after)` of [`limits::raise_nofile`].
    pub fn probe(nofile: (u64, u64)) -> Self {
        let uname = nix::sys::utsname::uname().ok();
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let limits = Limits {
            nofile: Some(nofile.1).filter(|&n| n > 0),
            nofile_before: Some(nofile.0).filter(|&n| n > 0),
            nproc: limits::soft_limit(Resource::RLIMIT_NPROC),
            stack_bytes: limits::soft_limit(Resource::RLIMIT_STACK),
            address_space_bytes: limits::soft_limit(Resource::RLIMIT_AS),
            pid_max: procfs::sysctl("kernel/pid_max"),
            threads_max: procfs::sysctl("kernel/threads-max"),
            max_map_count: procfs::sysctl("vm/max_map_count"),
            somaxconn: procfs::sysctl("net/core/somaxconn"),
            ephemeral_ports: procfs::sysctl_text("net/ipv4/ip_local_port_range"),
            overcommit_memory: procfs::sysctl("vm/overcommit_memory"),
            threads_alive: procfs::system_threads(),
            root: nix::unistd::geteuid().is_root(),
        };
        let allows = allowances(&limits);
        Environment {
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            memory_bytes: procfs::meminfo("MemTotal").unwrap_or(0),
            memory_available_bytes: procfs::meminfo("MemAvailable").unwrap_or(0),
            swap_bytes: procfs::meminfo("SwapTotal").unwrap_or(0),
            kernel: uname
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default(),
            cpu_model,
            conlab_version: env!("CARGO_PKG_VERSION").into(),
            rustc_version: env!("CONLAB_RUSTC_VERSION").into(),
            tokio_version: env!("CONLAB_TOKIO_VERSION").into(),
            limits,
            allows,
            python: Vec::new(),
        }
    }
}

fn allowances(l: &Limits) -> Allowances {
    let alive = l.threads_alive.unwrap_or(0);
    let mut threads: Vec<(u64, String)> = Vec::new();
    if let Some(p) = l.pid_max {
        threads.push((
            p.saturating_sub(alive),
            format!("kernel.pid_max={p} minus {alive} alive"),
        ));
    }
    if let Some(t) = l.threads_max {
        threads.push((
            t.saturating_sub(alive),
            format!("kernel.threads-max={t} minus {alive} alive"),
        ));
    }
    if let Some(m) = l.max_map_count {
        threads.push((m / 2, format!("vm.max_map_count={m} (2 mappings per thread stack)")));
    }
    if let (Some(n), false) = (l.nproc, l.root) {
        threads.push((n.saturating_sub(alive), format!("RLIMIT_NPROC={n}")));
    }
    let (max_threads, max_threads_limited_by) =
        threads.into_iter().min_by_key(|t| t.0).unwrap_or((0, "unknown".into()));

    let mut conns: Vec<(u64, String)> = Vec::new();
    if let Some(n) = l.nofile {
        conns.push((
            n.saturating_sub(16),
            format!("RLIMIT_NOFILE={n} (one fd per connection)"),
        ));
    }
    if let Some(range) = &l.ephemeral_ports {
        let ports: Vec<u64> = range.split_whitespace().filter_map(|p| p.parse().ok()).collect();
        if let [lo, hi] = ports[..] {
            conns.push((
                hi.saturating_sub(lo) + 1,
                format!("ip_local_port_range={lo}-{hi} (one port per connection to one address)"),
            ));
        }
    }
    let (max_connections, max_connections_limited_by) =
        conns.into_iter().min_by_key(|c| c.0).unwrap_or((0, "unknown".into()));
    Allowances {
        max_threads,
        max_threads_limited_by,
        max_connections,
        max_connections_limited_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_reads_this_machine() {
        let env = Environment::probe(limits::raise_nofile());
        assert!(env.cores >= 1);
        assert!(env.memory_bytes > 0);
        assert!(env.limits.pid_max.is_some());
        assert!(env.allows.max_threads > 0);
        assert!(!env.allows.max_threads_limited_by.is_empty());
        assert!(env.rustc_version.starts_with("rustc "));
        assert_ne!(env.tokio_version, "unknown");
    }

    #[test]
    fn the_smallest_limit_binds() {
        let l = Limits {
            nofile: Some(20000),
            nofile_before: Some(1024),
            nproc: None,
            stack_bytes: None,
            address_space_bytes: None,
            pid_max: Some(32768),
            threads_max: Some(192730),
            max_map_count: Some(65530),
            somaxconn: Some(4096),
            ephemeral_ports: Some("32768 60999".into()),
            overcommit_memory: Some(0),
            threads_alive: Some(300),
            root: true,
        };
        let a = allowances(&l);
        assert_eq!(a.max_threads, 32468);
        assert!(a.max_threads_limited_by.starts_with("kernel.pid_max"));
        assert_eq!(a.max_connections, 19984);
        assert!(a.max_connections_limited_by.starts_with("RLIMIT_NOFILE"));
    }
}
