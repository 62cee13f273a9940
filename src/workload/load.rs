//! The load generator's side of the server workloads: [`Load`], what one generator
//! process runs against a server cell, and how a [`ServeSpec`] becomes the generators'
//! loads ([`ServeSpec::split`], [`ServeSpec::load`]). A load is an ordinary client
//! [`WorkloadSpec`], so this lives apart from the server's specs and handlers (`serve`),
//! which `WorkloadSpec` holds: here the spec is built from the server's, and neither
//! file imports the other back.

use std::time::Duration;

use super::base::Target;
use super::http::{HttpSpec, DEFAULT_TIMEOUT};
use super::serve::ServeSpec;
use super::spec::WorkloadSpec;
use super::tcp::TcpSpec;
use crate::units::format_duration;

/// What a load generator runs against a server cell: the client workload and where it
/// points, in the terms of an ordinary client cell.
#[derive(Debug, Clone)]
pub struct Load {
    pub workload: WorkloadSpec,
    pub target: Target,
    /// `closed loop` or `open loop, R requests/s`.
    pub mode: String,
    /// The connections it holds (its client cell's task count).
    pub connections: usize,
}

/// Part `i` of `total` dealt out over `k` parts: `total / k`, one more for the first
/// `total % k`.
fn part(total: u64, k: usize, i: usize) -> u64 {
    total / k as u64 + u64::from((i as u64) < total % k as u64)
}

impl ServeSpec<'_> {
    /// The generators' loads for `tasks` connections to a server on `addr`: `generators=K`
    /// of them, but never more than the connections, so each holds at least one (and one
    /// generator for a cell of no connections). Generator i holds `tasks / K`
    /// connections, the first `tasks % K` one more; an open loop's rate is dealt out the
    /// same way (the parse made it at least K), so the totals are the spec's and every
    /// generator spreads its part of the rate over its own connections.
    pub fn split(&self, addr: std::net::SocketAddr, tasks: usize) -> Vec<Load> {
        let k = self.generators().min(tasks).max(1);
        let whole = self.load(addr, tasks);
        (0..k)
            .map(|i| {
                let mut load = whole.clone();
                load.connections = part(tasks as u64, k, i) as usize;
                if let WorkloadSpec::Http(h) = &mut load.workload {
                    h.rate = h.rate.map(|r| part(r, k, i));
                }
                load
            })
            .collect()
    }

    /// The whole load for `tasks` connections to a server listening on `addr`: every
    /// connection runs the client workload conlab already measures clients with (`http`
    /// with `duration=` and keep-alive, or `tcp` with `hold=`), so generator and client
    /// cells share one protocol code and one way of counting.
    pub fn load(&self, addr: std::net::SocketAddr, tasks: usize) -> Load {
        match self {
            ServeSpec::Http(s) => Load {
                workload: WorkloadSpec::Http(HttpSpec {
                    latency: Duration::ZERO,
                    bytes: s.bytes,
                    requests: None,
                    duration: Some(s.duration),
                    keepalive: true,
                    timeout: DEFAULT_TIMEOUT,
                    rate: s.rate,
                    method: Default::default(),
                }),
                target: Target {
                    urls: vec![format!("http://{addr}/")],
                    ..Default::default()
                },
                mode: match s.rate {
                    Some(r) => format!("open loop, {r} requests/s from intended send times"),
                    None => "closed loop".into(),
                },
                connections: tasks,
            },
            // The user's app: the same client on the app's paths, round-robin per connection.
            ServeSpec::App(s) => Load {
                workload: WorkloadSpec::Http(HttpSpec {
                    latency: Duration::ZERO,
                    bytes: 0,
                    requests: None,
                    duration: Some(s.duration),
                    keepalive: true,
                    timeout: DEFAULT_TIMEOUT,
                    rate: s.rate,
                    method: s.method,
                }),
                target: Target {
                    urls: s.paths.iter().map(|p| format!("http://{addr}{p}")).collect(),
                    ..Default::default()
                },
                mode: s.mode(),
                connections: tasks,
            },
            ServeSpec::Tcp(s) => Load {
                workload: WorkloadSpec::Tcp(TcpSpec {
                    hold: s.duration,
                    interval: s.interval,
                    bytes: s.bytes,
                }),
                target: Target {
                    tcp: Some(addr.to_string()),
                    ..Default::default()
                },
                mode: format!(
                    "a {}-byte message every {} per connection",
                    s.bytes,
                    format_duration(s.interval)
                ),
                connections: tasks,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> WorkloadSpec {
        text.parse().unwrap()
    }

    #[test]
    fn generators_share_the_connections_and_the_rate() {
        let addr = "127.0.0.1:9".parse().unwrap();
        let w = spec("serve-http:rate=10,generators=3");
        let loads = w.server().unwrap().split(addr, 8);
        let shares: Vec<(usize, Option<u64>)> = loads
            .iter()
            .map(|l| match &l.workload {
                WorkloadSpec::Http(h) => (l.connections, h.rate),
                other => panic!("{other}"),
            })
            .collect();
        assert_eq!(shares, [(3, Some(4)), (3, Some(3)), (2, Some(3))]);
        // Never more generators than connections, and one for a cell of none.
        let w = spec("serve-tcp:generators=4");
        let counts = |n| -> Vec<usize> {
            w.server()
                .unwrap()
                .split(addr, n)
                .iter()
                .map(|l| l.connections)
                .collect()
        };
        assert_eq!(counts(2), [1, 1]);
        assert_eq!(counts(0), [0]);
        assert_eq!(counts(9), [3, 2, 2, 2]);
    }
}
