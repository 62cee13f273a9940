//! The target: `conlab serve`, a real HTTP/1.1 server (hyper on tokio) with injected
//! latency and faults, plus a TCP echo port, for the I/O workloads to talk to.
//!
//! It runs as its own process so that its CPU and memory are never charged to a cell, and
//! it is built to be the part that does not break: loopback by default, a large listen
//! backlog, bounded header size and header read time, accept errors survived, clean stop
//! on SIGINT or SIGTERM.

mod accept;
pub mod dist;
mod echo;
mod http;
pub mod own;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::net::{TcpListener, TcpSocket};

use dist::{Latency, Rng};
use http::Behaviour;

/// Options of `conlab serve`.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// HTTP address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Delay before each response: 50ms, uniform:10ms..90ms, lognormal:MEDIAN,P99.
    /// `GET /delay?ms=N` overrides it per request.
    #[arg(long, default_value = "50ms", value_parser = Latency::parse)]
    pub latency: Latency,
    /// Response body size in bytes (`GET /delay?bytes=N` overrides it).
    #[arg(long, default_value_t = 128)]
    pub bytes: usize,
    /// Share of requests answered with status 500 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub error_rate: f64,
    /// Share of requests whose connection is reset (RST) instead of answered.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub reset_rate: f64,
    /// Share of responses cut off halfway through the body (connection closed).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub truncate_rate: f64,
    /// TCP echo address to listen on as well.
    #[arg(long)]
    pub tcp_listen: Option<SocketAddr>,
    /// Delay before echoing each message back.
    #[arg(long, default_value = "0ms", value_parser = crate::units::parse_duration)]
    pub tcp_delay: Duration,
    /// Close a connection whose request headers take longer than this to arrive.
    #[arg(long, default_value = "10s", value_parser = crate::units::parse_duration)]
    pub header_timeout: Duration,
    /// Listen backlog (capped by net.core.somaxconn).
    #[arg(long, default_value_t = 65535)]
    pub backlog: u32,
    /// Seed of the fault and latency draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Instead of the target server: serve `--workload` under this model, exactly as a
    /// server cell of a sweep does, until Ctrl-C (to load it by hand, e.g. with wrk).
    #[arg(long, requires = "workload")]
    pub model: Option<String>,
    /// The server workload `--model` serves (`serve-http:latency=0ms`, `serve-tcp:bytes=64`).
    #[arg(long, requires = "model")]
    pub workload: Option<String>,
    /// The connections `--model` expects (sizes its full-concurrency snapshot).
    #[arg(long, default_value_t = 64, requires = "model")]
    pub connections: usize,
}

/// A share that is not between 0 and 1.
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not a share between 0 and 1")]
pub struct RateError(String);

fn parse_rate(text: &str) -> Result<f64, RateError> {
    match text.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(RateError(text.to_string())),
    }
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    // The cause is in each message, so it is not also the source (it would print twice).
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// The address is taken or not ours: the user's to fix.
    #[error("cannot listen on {addr}: {error}")]
    Listen { addr: SocketAddr, error: std::io::Error },
}

/// Bind a listener with a large backlog.
fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// `conlab serve`: bind, print the addresses as one JSON line, serve until a signal.
pub fn serve(args: &ServeArgs) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let listen = |addr: SocketAddr| bind(addr, args.backlog).map_err(|error| ServeError::Listen { addr, error });
    rt.block_on(async {
        let http_listener = listen(args.listen)?;
        let tcp_listener = match args.tcp_listen {
            Some(addr) => Some(listen(addr)?),
            None => None,
        };
        // Signal handlers go in before the addresses are printed: whoever reads the line
        // may stop the server at once, and that must be a clean stop.
        let signals = Signals::install();
        let http_addr = http_listener.local_addr().map_err(|error| ServeError::Listen {
            addr: args.listen,
            error,
        })?;
        let tcp_addr = tcp_listener.as_ref().and_then(|l| l.local_addr().ok());
        let line = serde_json::json!({
            "http": format!("http://{http_addr}"),
            "tcp": tcp_addr.map(|a| a.to_string()),
            "pid": std::process::id(),
        });
        println!("{line}");

        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let behaviour = Arc::new(Behaviour {
            latency: args.latency,
            bytes: args.bytes,
            error_rate: args.error_rate,
            reset_rate: args.reset_rate,
            truncate_rate: args.truncate_rate,
            rng: Rng::new(args.seed),
        });
        let http_task = tokio::spawn(http::serve(
            http_listener,
            behaviour,
            args.header_timeout,
            stop_rx.clone(),
        ));
        let echo_task = tcp_listener.map(|l| tokio::spawn(echo::serve(l, args.tcp_delay, stop_rx.clone())));

        signals.wait().await;
        let _ = stop_tx.send(true);
        // In-flight requests get a moment to finish; then the process ends regardless.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let _ = http_task.await;
            if let Some(t) = echo_task {
                let _ = t.await;
            }
        })
        .await;
        Ok(())
    })
}

/// SIGINT and SIGTERM, caught from the moment they are installed.
struct Signals(Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>);

impl Signals {
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Signals(
            signal(SignalKind::interrupt())
                .ok()
                .zip(signal(SignalKind::terminate()).ok()),
        )
    }

    async fn wait(self) {
        let Some((mut int, mut term)) = self.0 else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
}
