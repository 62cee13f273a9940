//! Where a server cell's load generators run, and where its server listens.
//!
//! By default a `serve-*` cell listens on 127.0.0.1 and starts its K generators
//! (`generators=K`) beside it, on the same host. `--generator-hosts` puts them on "client
//! hosts" of their own instead, reached through the server's `--listen` address: on one
//! machine a client host is a network namespace (`netns:NAME`, the generator started
//! under `ip netns exec NAME`, so it has its own interfaces and routes and reaches the
//! server over a link, never over loopback). Generator i runs on host i mod H, so the
//! hosts take turns and each generator's share in the results names the host it ran on.
//! Which process starts where is a launch concern: the generator is the same client cell
//! either way, only its command is wrapped.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::str::FromStr;

use crate::workload::WorkloadSpec;

/// Where the named network namespaces live (`ip netns add` makes them there).
const NETNS_DIR: &str = "/run/netns";

/// A host a load generator runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneratorHost {
    /// This host, beside the server.
    Local,
    /// A network namespace of this machine, by its `ip netns` name.
    Netns(String),
}

impl fmt::Display for GeneratorHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratorHost::Local => f.write_str("local"),
            GeneratorHost::Netns(name) => write!(f, "netns:{name}"),
        }
    }
}

impl FromStr for GeneratorHost {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s == "local" {
            return Ok(GeneratorHost::Local);
        }
        match s.split_once(':') {
            Some(("netns", name)) => {
                let fine = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
                if name.is_empty() || name == "." || name == ".." || !name.chars().all(fine) {
                    return Err(format!(
                        "{s}: a namespace name is letters, digits, '.', '_' and '-' (as `ip netns add` takes it)"
                    ));
                }
                Ok(GeneratorHost::Netns(name.to_string()))
            }
            Some(("ssh", _)) => Err(format!(
                "{s}: generators over ssh are not built; run `conlab serve` on the server host and \
                 `conlab bench --target` on each client (deploy/README.md, section 3)"
            )),
            _ => Err(format!("{s}: a generator host is `local` or `netns:NAME`")),
        }
    }
}

impl GeneratorHost {
    /// Whether the host is there to start a process on: a namespace must exist.
    pub fn check(&self) -> Result<(), String> {
        match self {
            GeneratorHost::Local => Ok(()),
            GeneratorHost::Netns(name) => match Path::new(NETNS_DIR).join(name).exists() {
                true => Ok(()),
                false => Err(format!("netns:{name}: no such network namespace (see `ip netns list`)")),
            },
        }
    }

    /// `inner`, started on this host. A namespace's is the same command under `ip netns
    /// exec NAME`, which enters the namespace and execs it (no fork: the pid the parent
    /// samples, times and kills is the generator's own), with the same environment and
    /// working directory; stdin, stdout and stderr pass through as they are.
    pub fn wrap(&self, inner: Command) -> Command {
        let GeneratorHost::Netns(name) = self else {
            return inner;
        };
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", name])
            .arg(inner.get_program())
            .args(inner.get_args());
        for (key, value) in inner.get_envs() {
            match value {
                Some(v) => command.env(key, v),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = inner.get_current_dir() {
            command.current_dir(dir);
        }
        command
    }
}

/// The host of each of `k` generators: in turn over `hosts` (generator i on host i mod
/// H), `None` for all when no hosts were given (they run beside the server, unlabelled
/// as they always were).
pub fn assign(hosts: &[GeneratorHost], k: usize) -> Vec<Option<&GeneratorHost>> {
    (0..k)
        .map(|i| (!hosts.is_empty()).then(|| &hosts[i % hosts.len()]))
        .collect()
}

/// Where server cells listen and where their generators run (`--listen`,
/// `--generator-hosts`).
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The address the server cell binds (port 0: a free one per cell); the generators
    /// connect to what was bound, so it must be one they can reach.
    pub listen: SocketAddr,
    /// The generators' hosts, taken in turn; empty: beside the server.
    pub hosts: Vec<GeneratorHost>,
}

/// A server cell's default address: loopback, a free port per cell.
pub const LOOPBACK: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

impl Default for Placement {
    fn default() -> Self {
        Placement {
            listen: LOOPBACK,
            hosts: Vec::new(),
        }
    }
}

impl Placement {
    /// Whether the user asked for anything but the default.
    pub fn is_default(&self) -> bool {
        *self == Placement::default()
    }

    /// The hosts as given, for the record.
    pub fn host_names(&self) -> Vec<String> {
        self.hosts.iter().map(|h| h.to_string()).collect()
    }

    /// Why this placement cannot serve `workloads`, if it cannot: it only means
    /// something for server workloads; a wildcard address is nothing a generator can
    /// connect to; a loopback address is not reachable from another host; a server
    /// workload with fewer generators than hosts would leave a host idle; and every host
    /// must exist.
    pub fn check(&self, workloads: &[WorkloadSpec]) -> Result<(), String> {
        if self.is_default() {
            return Ok(());
        }
        let servers: Vec<(&WorkloadSpec, usize)> = workloads
            .iter()
            .filter_map(|w| w.server().map(|s| (w, s.generators())))
            .collect();
        if servers.is_empty() {
            return Err("--listen and --generator-hosts place server cells; no serve-* workload is planned".into());
        }
        let ip = self.listen.ip();
        if ip.is_unspecified() {
            return Err(format!(
                "--listen {}: give the address the generators connect to (an interface's own), not the wildcard",
                self.listen
            ));
        }
        let remote = self.hosts.iter().any(|h| *h != GeneratorHost::Local);
        if remote && ip.is_loopback() {
            return Err(format!(
                "--listen {}: generators on other hosts cannot reach a loopback address; give an address of \
                 an interface they route to",
                self.listen
            ));
        }
        if let Some((w, k)) = servers.iter().find(|(_, k)| *k < self.hosts.len()) {
            return Err(format!(
                "{w} runs {k} load generator(s) but --generator-hosts lists {} hosts: add generators={} to the \
                 workload",
                self.hosts.len(),
                self.hosts.len()
            ));
        }
        self.hosts.iter().try_for_each(GeneratorHost::check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<GeneratorHost> {
        list.iter().map(|h| h.parse().unwrap()).collect()
    }

    #[test]
    fn hosts_parse_and_print_back() {
        assert_eq!(hosts(&["local"]), [GeneratorHost::Local]);
        let ns = hosts(&["netns:clnsB-1-a", " netns:b.2 "]);
        assert_eq!(
            ns,
            [
                GeneratorHost::Netns("clnsB-1-a".into()),
                GeneratorHost::Netns("b.2".into())
            ]
        );
        assert_eq!(ns[0].to_string(), "netns:clnsB-1-a");
        for bad in ["netns:", "netns:..", "netns:a/b", "netns:a b", "host1", "tcp:x"] {
            let err = bad.parse::<GeneratorHost>().unwrap_err();
            assert!(err.starts_with(bad.trim()), "{bad}: {err}");
        }
        let ssh = "ssh:client-a".parse::<GeneratorHost>().unwrap_err();
        assert!(ssh.contains("not built") && ssh.contains("--target"), "{ssh}");
    }

    #[test]
    fn generators_take_the_hosts_in_turn() {
        let two = hosts(&["netns:a", "netns:b"]);
        let names = |k| -> Vec<String> {
            assign(&two, k)
                .iter()
                .map(|h| h.map_or("-".into(), |h| h.to_string()))
                .collect()
        };
        assert_eq!(names(2), ["netns:a", "netns:b"]);
        assert_eq!(names(5), ["netns:a", "netns:b", "netns:a", "netns:b", "netns:a"]);
        assert_eq!(names(1), ["netns:a"]);
        assert_eq!(assign(&[], 3), [None, None, None]);
    }

    #[test]
    fn a_namespace_host_wraps_the_command_in_ip_netns_exec() {
        let mut command = Command::new("/opt/conlab-cell");
        command.arg("cell").env("PYTHONDONTWRITEBYTECODE", "1").env_remove("X");
        command.current_dir("/tmp");
        let wrapped = GeneratorHost::Netns("clnsB-7-a".into()).wrap(command);
        assert_eq!(wrapped.get_program(), "ip");
        let args: Vec<_> = wrapped.get_args().collect();
        assert_eq!(args, ["netns", "exec", "clnsB-7-a", "/opt/conlab-cell", "cell"]);
        let envs: Vec<_> = wrapped.get_envs().collect();
        assert!(envs.contains(&("PYTHONDONTWRITEBYTECODE".as_ref(), Some("1".as_ref()))));
        assert!(envs.contains(&("X".as_ref(), None)));
        assert_eq!(wrapped.get_current_dir(), Some(Path::new("/tmp")));
        // This host: the command as it was.
        let local = GeneratorHost::Local.wrap(Command::new("/opt/conlab-cell"));
        assert_eq!(local.get_program(), "/opt/conlab-cell");
    }

    #[test]
    fn a_placement_is_checked_against_the_workloads() {
        let workloads = |specs: &[&str]| -> Vec<WorkloadSpec> { specs.iter().map(|s| s.parse().unwrap()).collect() };
        let at = |listen: &str, list: &[&str]| Placement {
            listen: listen.parse().unwrap(),
            hosts: hosts(list),
        };
        // The default places nothing, so it fits any plan.
        assert_eq!(Placement::default().check(&workloads(&["sleep:1ms"])), Ok(()));
        let err = |p: Placement, w: &[&str]| p.check(&workloads(w)).unwrap_err();
        assert!(err(at("10.0.0.1:0", &[]), &["sleep:1ms"]).contains("no serve-* workload"));
        assert!(err(at("0.0.0.0:8080", &[]), &["serve-http"]).contains("not the wildcard"));
        assert!(err(at("127.0.0.1:0", &["netns:a"]), &["serve-http"]).contains("loopback"));
        let few = err(
            at("10.0.0.1:0", &["local", "local"]),
            &["serve-tcp:generators=2", "serve-http"],
        );
        assert!(few.starts_with("serve-http") && few.contains("generators=2"), "{few}");
        // Local hosts need no namespace, and any address of this host serves them.
        assert_eq!(
            at("127.0.0.2:0", &["local", "local"]).check(&workloads(&["serve-http:generators=3"])),
            Ok(())
        );
        let missing = err(at("10.0.0.1:0", &["netns:clns-no-such-ns"]), &["serve-http"]);
        assert_eq!(
            missing,
            "netns:clns-no-such-ns: no such network namespace (see `ip netns list`)"
        );
    }
}
