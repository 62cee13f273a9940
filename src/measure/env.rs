//! The environment preflight: what machine this is and how many threads and connections
//! its limits allow, recorded with every result and printed by `conlab env`.
//!
//! A result without its limits cannot be interpreted: "rs-thread failed at 16,000 tasks"
//! is a fact about vm.max_map_count and what a Rust thread costs against it, not about
//! threads. So the thread ceilings are per model family, from a footprint measured for
//! each runtime ([`super::ceiling`]), not one figure for every runtime.

use nix::sys::resource::Resource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ceiling::{self, Ceiling, Footprint};
pub use super::limits::Limits;
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
    /// Which machine this is, and the kind of machine it is (absent in results from
    /// before shards).
    #[serde(default)]
    pub host: Host,
}

/// The machine's identity. Its [`name`](Host::name) is what `conlab merge` keys cells by:
/// a label the user gave (`--host-label c7g`), or the kind of machine (architecture,
/// CPU, cores, memory, kernel, container limits), so that shards run on identical nodes
/// merge into one host and different kinds of machine stay apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    /// The kernel's host name (under Kubernetes: the pod's name).
    pub hostname: String,
    /// The node the run was scheduled on, when the scheduler says (`NODE_NAME` from the
    /// Kubernetes downward API, `SLURMD_NODENAME` under Slurm).
    pub node: Option<String>,
    /// A stable fingerprint of /etc/machine-id (its SHA-256, 16 hex digits), not the id.
    pub machine_id: Option<String>,
    /// CPU architecture (`x86_64`, `aarch64`).
    pub arch: String,
    /// The label the user gave the machine (`--host-label`, `CONLAB_HOST_LABEL`).
    pub label: Option<String>,
    /// The limits of the cgroup conlab runs in, when it has any (a container, a Slurm job).
    pub container: Option<Container>,
}

/// The limits of conlab's own cgroup (v2), read from /sys/fs/cgroup, never changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Container {
    /// The cgroup's path (`/kubepods/...`).
    pub cgroup: String,
    /// CPUs the cgroup may use (cpu.max quota / period); `None`: unlimited.
    pub cpus: Option<f64>,
    /// memory.max in bytes; `None`: unlimited.
    pub memory_bytes: Option<u64>,
    /// pids.max; `None`: unlimited.
    pub pids: Option<u64>,
}

impl Environment {
    /// The machine's name in a document with several: the user's label, or its kind.
    pub fn host_name(&self) -> String {
        if let Some(label) = &self.host.label {
            return label.clone();
        }
        let arch = match self.host.arch.as_str() {
            "" => "unknown arch",
            a => a,
        };
        let gib = self.memory_bytes as f64 / (1u64 << 30) as f64;
        let mut name = format!(
            "{arch}, {} cores, {gib:.0} GiB, {}, Linux {}",
            self.cores, self.cpu_model, self.kernel
        );
        if let Some(c) = &self.host.container {
            let cpus = c.cpus.map(|n| format!(" {n} CPUs")).unwrap_or_default();
            let mem = c
                .memory_bytes
                .map(|b| format!(" {:.1} GiB", b as f64 / (1u64 << 30) as f64))
                .unwrap_or_default();
            if !cpus.is_empty() || !mem.is_empty() {
                name.push_str(&format!(", limited to{cpus}{mem}"));
            }
        }
        name
    }
}

impl Host {
    /// Read this machine's identity; `label` is the user's name for it.
    pub fn probe(label: Option<String>) -> Host {
        use sha2::Digest;
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        let machine_id = std::fs::read_to_string("/etc/machine-id")
            .ok()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .map(|id| {
                let digest = sha2::Sha256::digest(id.as_bytes());
                digest[..8].iter().map(|b| format!("{b:02x}")).collect()
            });
        let node = ["NODE_NAME", "SLURMD_NODENAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|n| !n.is_empty()));
        Host {
            hostname,
            node,
            machine_id,
            arch: std::env::consts::ARCH.to_string(),
            label: label.filter(|l| !l.trim().is_empty()),
            container: container(),
        }
    }
}

/// The limits of conlab's own cgroup v2, if it has any.
fn container() -> Option<Container> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = own.lines().find_map(|l| l.strip_prefix("0::"))?.trim().to_string();
    let dir = std::path::Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
    let number = |text: Option<String>| text.and_then(|t| t.trim().parse::<u64>().ok());
    let cpus = read("cpu.max").and_then(|t| {
        let mut parts = t.split_whitespace();
        let quota: f64 = parts.next()?.parse().ok()?;
        let period: f64 = parts.next()?.parse().ok()?;
        (period > 0.0).then(|| (quota / period * 100.0).round() / 100.0)
    });
    let c = Container {
        cgroup: path,
        cpus,
        memory_bytes: number(read("memory.max")),
        pids: number(read("pids.max")),
    };
    (c.cpus.is_some() || c.memory_bytes.is_some() || c.pids.is_some()).then_some(c)
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
    /// Versions of the optional libraries found: requests, aiohttp, uvloop, gevent.
    pub libraries: std::collections::BTreeMap<String, String>,
}

/// What the limits allow, with the one that binds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Allowances {
    /// Per model family, the most threads (rs-thread, py-thread) or worker processes
    /// (rs-process, py-process) a cell can start now, from every limit that applies and
    /// the footprint measured for the family's runtime.
    #[serde(default)]
    pub ceilings: Vec<Ceiling>,
    /// Families whose footprint could not be measured, and why.
    #[serde(default)]
    pub unmeasured: Vec<String>,
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
        let mut limits = Limits {
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
            pids_in_use: None,
            user_threads: None,
            commit_room_bytes: match (procfs::meminfo("CommitLimit"), procfs::meminfo("Committed_AS")) {
                (Some(limit), Some(committed)) => Some(limit.saturating_sub(committed)),
                _ => None,
            },
            root: nix::unistd::geteuid().is_root(),
        };
        if let Some(c) = procfs::census(ceiling::RESERVED_PIDS, nix::unistd::getuid().as_raw()) {
            limits.pids_in_use = Some(c.ids_from);
            limits.user_threads = Some(c.of_user);
        }
        let allows = connections(&limits);
        let mut env = Environment {
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
            host: Host::probe(std::env::var("CONLAB_HOST_LABEL").ok()),
        };
        env.add_runtime("rs", ceiling::rust_threads(), limits::MAP_MARGIN);
        env
    }

    /// Add the thread and process ceilings of a runtime (`rs`, `py`, `py@3.12`) from its
    /// measured footprint, or the reason it could not be measured. `map_margin` is the
    /// count of mappings the runtime's thread-per-task cell keeps free.
    pub fn add_runtime(&mut self, runtime: &str, footprint: Result<Footprint, String>, map_margin: u64) {
        let (prefix, version) = runtime.split_once('@').map_or((runtime, None), |(p, v)| (p, Some(v)));
        let family = |kind: &str| match version {
            Some(v) => format!("{prefix}-{kind}@{v}"),
            None => format!("{prefix}-{kind}"),
        };
        match footprint {
            Ok(fp) => {
                let (l, memory) = (&self.limits, self.memory_available_bytes);
                let threads = ceiling::thread_ceiling(&family("thread"), l, memory, &fp, map_margin);
                let processes = ceiling::process_ceiling(&family("process"), l, memory, &fp);
                self.allows.ceilings.extend([threads, processes]);
            }
            Err(why) => self
                .allows
                .unmeasured
                .push(format!("{} and {}: {why}", family("thread"), family("process"))),
        }
    }

    /// The ceiling of one family, if it was measured.
    pub fn ceiling(&self, family: &str) -> Option<&Ceiling> {
        self.allows.ceilings.iter().find(|c| c.family == family)
    }
}

/// The connection allowance (thread ceilings are added per runtime).
fn connections(l: &Limits) -> Allowances {
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
        ceilings: Vec::new(),
        unmeasured: Vec::new(),
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
        for family in ["rs-thread", "rs-process"] {
            let c = env.ceiling(family).expect("the Rust runtime is measured in-process");
            assert!(c.max > 0 && !c.limited_by.is_empty() && !c.bounds.is_empty());
        }
        // Another runtime's families, named with its version; or the reason it is missing.
        let mut env = env;
        let fp = env.ceiling("rs-thread").unwrap().footprint.clone();
        env.add_runtime("py@3.12", Ok(fp), 0);
        assert!(env.ceiling("py-thread@3.12").is_some() && env.ceiling("py-process@3.12").is_some());
        env.add_runtime("py", Err("python3: cannot run it".into()), 0);
        assert_eq!(
            env.allows.unmeasured,
            ["py-thread and py-process: python3: cannot run it"]
        );
        assert!(env.rustc_version.starts_with("rustc "));
        assert_ne!(env.tokio_version, "unknown");
    }

    #[test]
    fn the_smallest_connection_limit_binds() {
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
            pids_in_use: None,
            user_threads: None,
            commit_room_bytes: None,
            root: true,
        };
        let a = connections(&l);
        assert_eq!(a.max_connections, 19984);
        assert!(a.max_connections_limited_by.starts_with("RLIMIT_NOFILE"));
    }
}
