//! The parent side of a server cell (`serve-*` workloads): measured processes around one
//! server, one result.
//!
//! The parent binds the listening socket (loopback, any free port, the same backlog for
//! every model; `--listen` another address) and hands it to the server cell as fd 3, so
//! no model gets a head start or a different queue. Once the server prints its ready line, the load starts: K
//! generators (`generators=K`, default 1) at once, each an ordinary client cell (`rs-async`
//! running the `http` or `tcp` client workload, one task per connection) holding its
//! share of the N connections, measured by the same parent code but never charged to the
//! server. With `--generator-hosts` generator i starts on host i mod H instead (a network
//! namespace: `ip netns exec`, see `launch::hosts`), connecting to the address the server
//! bound, and its share in `load.generators` names that host. When every generator is done, the server's stdin is closed, the signal to stop
//! accepting; the server finishes its connections and reports. The result is the
//! server's tree (memory, threads, descriptors, CPU) with the clients' view (requests,
//! latency from the generators' histograms merged exactly, errors by kind), the
//! generators' own figures in `load`, the server's view of its connections in `server`.

use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use super::generators;
use super::parent::{self, CellMeta, Talk};
use crate::launch::hosts::{self, GeneratorHost, Placement};
use crate::launch::{Launch, LaunchError, Launcher};
use crate::measure::env::Interpreter;
use crate::measure::latency::summarize_wire;
use crate::model::serve::LISTENER_FD;
use crate::model::{cores, ModelSpec, MultiThread, RustModel};
use crate::results::{CellResult, Failure, FailureKind, GeneratorShare, LoadGenerator, ServerSide, Status};
use crate::workload::{Load, ServeSpec, WorkloadSpec};

use crate::protocol::BACKLOG;

/// How long past its duration the generator may run: its last requests' timeout and
/// the time to open and close every connection.
const LOAD_GRACE: Duration = Duration::from_secs(40);

/// A server cell to run.
pub struct ServerCell<'a> {
    pub launcher: &'a Launcher,
    pub model: &'a ModelSpec,
    pub interpreter: Option<&'a Interpreter>,
    pub workload: &'a WorkloadSpec,
    pub server: ServeSpec<'a>,
    pub placement: &'a Placement,
    pub meta: CellMeta,
    pub timeout: Duration,
}

/// The tokio workers of each of `k` generators: every core for one, as wrk uses a thread
/// per core; for several, the cores divided among them (at least one each), so together
/// they do not ask for more threads than there are cores.
fn load_workers(k: usize) -> Option<usize> {
    (k > 1).then(|| (cores() / k).max(1))
}

/// A generator's model: `rs-async` with `workers` tokio workers (`None`: every core).
fn load_model(workers: Option<usize>) -> ModelSpec {
    ModelSpec::Rust {
        model: RustModel::RsAsync(MultiThread { workers }),
        lib: None,
    }
}

/// Bind the listening socket a model is served from (`127.0.0.1:0` in a sweep, unless
/// `--listen` says otherwise).
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(addr)?;
    // SAFETY: listen(2) again on a listening socket only changes its backlog.
    if unsafe { libc::listen(listener.as_raw_fd(), BACKLOG) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(listener)
}

/// Give `listener` to the process `cmd` starts, on fd 3.
pub fn hand_over(cmd: &mut std::process::Command, listener: &TcpListener) {
    let fd = listener.as_raw_fd();
    // SAFETY: dup2 and fcntl are async-signal-safe. The copy on fd 3 has no close-on-exec
    // flag, so the server (and its prefork workers) inherit the socket there; when the
    // socket already is fd 3, dup2 would do nothing, so its flag is cleared instead.
    unsafe {
        cmd.pre_exec(move || {
            let done = match fd == LISTENER_FD {
                true => libc::fcntl(fd, libc::F_SETFD, 0),
                false => libc::dup2(fd, LISTENER_FD),
            };
            match done {
                -1 => Err(std::io::Error::last_os_error()),
                _ => Ok(()),
            }
        });
    }
}

impl ServerCell<'_> {
    /// Run the server and its load; `None` if the sweep was stopped meanwhile.
    pub fn run(self, stop: &AtomicBool) -> Result<Option<CellResult>, LaunchError> {
        let listen_on = self.placement.listen;
        let listener = match listen(listen_on) {
            Ok(l) => l,
            Err(e) => {
                let failure = Failure {
                    kind: FailureKind::Runtime,
                    message: format!("cannot listen on {listen_on}: {e}"),
                    at_task: None,
                    limit: None,
                };
                return Ok(Some(parent::unrun(self.meta, Status::Failed, failure, self.timeout)));
            }
        };
        let addr = listener.local_addr().expect("a bound socket has an address");
        let tasks = self.meta.tasks;
        let mut launch = self
            .launcher
            .cell(self.model, self.interpreter, self.workload, tasks, &Default::default())?;
        hand_over(&mut launch.command, &listener);
        let load = self.server.load(addr, tasks);
        let shares = self.server.split(addr, tasks);
        let workers = load_workers(shares.len());
        let placed = hosts::assign(&self.placement.hosts, shares.len());
        let mut launches = Vec::with_capacity(shares.len());
        for (share, host) in shares.iter().zip(&placed) {
            let mut launch = self.launcher.cell(
                &load_model(workers),
                None,
                &share.workload,
                share.connections,
                &share.target,
            )?;
            if let Some(host) = host {
                launch.command = host.wrap(launch.command);
            }
            let meta = CellMeta {
                tasks: share.connections,
                ..self.meta.clone()
            };
            launches.push((launch, meta));
        }
        let load_timeout = self.server.duration() + LOAD_GRACE;
        let (ready_tx, ready_rx) = mpsc::channel();
        let (close_tx, close_rx) = mpsc::channel::<()>();
        let talk = Talk {
            ready: Some(ready_tx),
            hold_stdin: Some(close_rx),
            series_off: !self.launcher.series,
        };
        let meta = self.meta.clone();
        let timeout = self.timeout + load_timeout;
        let (served, generated) = std::thread::scope(|scope| {
            let server = scope.spawn(|| parent::run_with(launch.command, launch.stdin, meta, timeout, stop, talk));
            // The ready line, or the server's end (its stdout closed without one).
            let generated = match ready_rx.recv() {
                Ok(()) => Some(run_generators(launches, load_timeout, stop)),
                Err(_) => None,
            };
            drop(close_tx);
            (server.join().ok().flatten(), generated)
        });
        drop(listener);
        let Some(mut cell) = served else { return Ok(None) };
        match generated {
            Some(None) => return Ok(None),
            Some(Some(clients)) => combine(&mut cell, &clients, &load, addr, workers, &placed),
            None if cell.status == Status::Ok => {
                cell.status = Status::Failed;
                cell.failure = Some(Failure {
                    kind: FailureKind::LoadFailed,
                    message: "the server ended before it was ready; no load was run".into(),
                    at_task: None,
                    limit: None,
                });
            }
            None => {}
        }
        Ok(Some(cell))
    }
}

/// Run the generator cells side by side, each measured by its own parent thread; `None`
/// if the sweep was stopped meanwhile.
fn run_generators(launches: Vec<(Launch, CellMeta)>, timeout: Duration, stop: &AtomicBool) -> Option<Vec<CellResult>> {
    std::thread::scope(|scope| {
        let running: Vec<_> = launches
            .into_iter()
            .map(|(launch, meta)| scope.spawn(move || parent::run(launch.command, launch.stdin, meta, timeout, stop)))
            .collect();
        running.into_iter().map(|g| g.join().ok().flatten()).collect()
    })
}

/// Fold the generators' cells into the server's: their merged view becomes the cell's
/// tasks, errors and requests; the server keeps its own view in `server`. `workers`: the
/// tokio workers each generator was given, when not every core; `placed`: the host each
/// generator ran on, which its share names.
fn combine(
    cell: &mut CellResult,
    generated: &[CellResult],
    load: &Load,
    addr: std::net::SocketAddr,
    workers: Option<usize>,
    placed: &[Option<&GeneratorHost>],
) {
    let (clients, mut shares) = generators::merge(generated);
    label(&mut shares, placed);
    let load_failed = load_failure(&shares);
    let runner = match workers {
        Some(w) => clients.runner.clone().map(|r| {
            format!(
                "{r} (each generator {}: {} / {})",
                crate::units::plural(w, "worker"),
                crate::units::plural(cores(), "core"),
                crate::units::plural(generated.len(), "generator")
            )
        }),
        None => clients.runner.clone(),
    };
    // A library stack's tasks are the requests its app answered; its connections are the
    // distinct clients it saw them from.
    let stack_connections = cell.stack.as_ref().and_then(|s| s.connections);
    cell.server = Some(ServerSide {
        connections: stack_connections.unwrap_or(cell.tasks_ok + cell.tasks_failed),
        connections_failed: cell.tasks_failed,
        errors: std::mem::take(&mut cell.errors),
        first_error: cell.first_error.take(),
        connection_ms: cell
            .histograms
            .as_ref()
            .and_then(|h| summarize_wire(&h.task_latency_us)),
    });
    cell.load = Some(LoadGenerator {
        runner,
        mode: load.mode.clone(),
        target: addr.to_string(),
        workload: load.workload.to_string(),
        connections: clients.tasks,
        status: clients.status,
        failure: clients.failure.clone(),
        wall_s: clients.wall_s,
        peak_rss_bytes: clients.peak_rss_bytes,
        cpu_s: clients.user_s + clients.sys_s,
        peak_threads: clients.peak_threads,
        generators: shares,
    });
    cell.tasks_ok = clients.tasks_ok;
    cell.tasks_failed = clients.tasks_failed;
    cell.errors = clients.errors;
    cell.first_error = clients.first_error;
    cell.started_s = clients.started_s;
    cell.work_s = clients.work_s;
    cell.latency_ms = clients.latency_ms;
    cell.caller_latency_ms = clients.caller_latency_ms;
    cell.start_lag_ms = clients.start_lag_ms;
    cell.requests_ok = clients.requests_ok;
    cell.requests_failed = clients.requests_failed;
    cell.request_latency_ms = clients.request_latency_ms;
    cell.requests_per_s = clients.requests_per_s;
    let client_histograms = clients.histograms.unwrap_or_default();
    let histograms = cell.histograms.get_or_insert_with(Default::default);
    histograms.task_latency_us = client_histograms.task_latency_us;
    histograms.start_lag_us = client_histograms.start_lag_us;
    histograms.caller_latency_us = client_histograms.caller_latency_us;
    histograms.request_latency_us = client_histograms.request_latency_us;
    if cell.status == Status::Ok {
        if let Some(failure) = load_failed {
            cell.status = Status::Failed;
            cell.failure = Some(failure);
        }
    }
}

/// Name each generator's host on its share, in generator order.
fn label(shares: &mut [GeneratorShare], placed: &[Option<&GeneratorHost>]) {
    for (share, host) in shares.iter_mut().zip(placed) {
        share.host = host.map(|h| h.to_string());
    }
}

/// Why the load failed, naming the generator (and its host): the first one that did not
/// end ok.
fn load_failure(shares: &[GeneratorShare]) -> Option<Failure> {
    let (i, failed) = shares.iter().enumerate().find(|(_, g)| g.status != Status::Ok)?;
    let why = failed
        .failure
        .as_ref()
        .map(|f| format!("{}: {}", f.kind, f.message))
        .unwrap_or_else(|| failed.status.as_str().to_string());
    let which = match shares.len() {
        1 => "the load generator".to_string(),
        k => format!("load generator {} of {k}", i + 1),
    };
    let which = match &failed.host {
        Some(host) => format!("{which} (on {host})"),
        None => which,
    };
    Some(Failure {
        kind: FailureKind::LoadFailed,
        message: format!("{which} did not finish: {why}"),
        at_task: None,
        limit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(connections: usize, status: Status) -> GeneratorShare {
        GeneratorShare {
            host: None,
            connections,
            status,
            failure: None,
            requests_ok: 10,
            requests_failed: 0,
            requests_per_s: Some(10.0),
            request_p99_ms: Some(1.0),
            wall_s: 1.0,
            cpu_s: 0.1,
            peak_rss_bytes: 1 << 20,
        }
    }

    #[test]
    fn each_share_names_its_host_and_a_failure_says_where() {
        let hosts: Vec<GeneratorHost> = ["netns:clnsB-1-a", "netns:clnsB-1-b"]
            .iter()
            .map(|h| h.parse().unwrap())
            .collect();
        // Three generators over two hosts: a, b, a.
        let placed = hosts::assign(&hosts, 3);
        let mut shares = vec![share(2, Status::Ok), share(1, Status::Timeout), share(1, Status::Ok)];
        label(&mut shares, &placed);
        let named: Vec<_> = shares.iter().map(|s| s.host.as_deref()).collect();
        assert_eq!(
            named,
            [
                Some("netns:clnsB-1-a"),
                Some("netns:clnsB-1-b"),
                Some("netns:clnsB-1-a")
            ]
        );
        let failure = load_failure(&shares).unwrap();
        assert_eq!(failure.kind, FailureKind::LoadFailed);
        assert_eq!(
            failure.message,
            "load generator 2 of 3 (on netns:clnsB-1-b) did not finish: timeout"
        );
        // No hosts given: the shares stay unlabelled, the message as before.
        let mut local = vec![share(1, Status::Ok), share(1, Status::Failed)];
        label(&mut local, &hosts::assign(&[], 2));
        assert!(local.iter().all(|s| s.host.is_none()));
        assert_eq!(
            load_failure(&local).unwrap().message,
            "load generator 2 of 2 did not finish: failed"
        );
    }
}
