//! `tcp:hold=DUR,interval=DUR`: every task opens one connection to the echo port, holds it
//! for `hold`, and exchanges a 16-byte ping every `interval`: the shape of a chat or
//! websocket server's clients, and the "10k concurrent connections" case. Each round trip
//! goes to the request log.
//!
//! Both bodies are plain sockets with the same protocol: TCP_NODELAY, a 16-byte ping
//! written whole and its 16-byte echo read whole, [`IO_TIMEOUT`] for the connect and for
//! each exchange as a whole (blocking: socket timeouts from a deadline; async:
//! `tokio::time::timeout`), and the same messages for the same failures. No model's
//! library variant changes them: there is no client library here to vary.

use std::fmt;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::base::{Target, TaskFuture, Workload};
use super::net::{io_kind, time_left};
use crate::measure::requests;
use crate::params::{Params, SpecError};
use crate::results::ErrorKind;
use crate::task::{TaskCtx, TaskError, TaskResult};
use crate::units::{self, format_duration};

const PING: [u8; 16] = *b"conlab-ping-0001";
/// The default message size: one [`PING`].
pub const PING_BYTES: u64 = PING.len() as u64;
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// `tcp:hold=DUR,interval=DUR`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpSpec {
    #[serde(rename = "hold_ns", with = "units::serde_ns")]
    pub hold: Duration,
    #[serde(rename = "interval_ns", with = "units::serde_ns")]
    pub interval: Duration,
    /// Message size (the ping repeated), echoed whole.
    #[serde(default = "ping_bytes")]
    pub bytes: u64,
}

fn ping_bytes() -> u64 {
    PING_BYTES
}

impl TcpSpec {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let hold = p.duration("hold", None)?;
        let interval = p.duration("interval", Some(Duration::from_secs(1)))?;
        if interval.is_zero() {
            return Err(SpecError::invalid(p.spec(), "interval must be more than 0"));
        }
        let bytes = p.size("bytes")?.unwrap_or(PING_BYTES);
        if bytes == 0 || bytes > 1 << 20 {
            return Err(SpecError::invalid(p.spec(), "bytes must be between 1 and 1MiB"));
        }
        p.finish("hold, interval, bytes")?;
        Ok(TcpSpec { hold, interval, bytes })
    }

    /// The workload aimed at the target's echo port.
    pub fn build(&self, target: &Target) -> Result<Arc<dyn Workload>, SpecError> {
        let addr = target
            .tcp
            .as_deref()
            .ok_or_else(|| {
                SpecError::invalid(
                    self.to_string(),
                    "the tcp workload needs an echo target (conlab's own server)",
                )
            })?
            .parse()
            .map_err(|e| SpecError::invalid(self.to_string(), format!("tcp target: {e}")))?;
        Ok(Arc::new(Tcp {
            hold: self.hold,
            interval: self.interval,
            message: PING.iter().copied().cycle().take(self.bytes as usize).collect(),
            addr,
        }))
    }
}

impl fmt::Display for TcpSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tcp:hold={},interval={}",
            format_duration(self.hold),
            format_duration(self.interval)
        )?;
        if self.bytes != PING_BYTES {
            write!(f, ",bytes={}", self.bytes)?;
        }
        Ok(())
    }
}

/// The tcp workload, aimed at one echo address.
pub struct Tcp {
    hold: Duration,
    interval: Duration,
    message: Vec<u8>,
    addr: SocketAddr,
}

impl Tcp {
    /// When ping `k` (1-based) is due, or `None` once it would fall after the hold.
    fn due(&self, start: Instant, k: u32) -> Option<Instant> {
        let at = self.interval * k;
        (at <= self.hold).then(|| start + at)
    }
}

/// A failed connect or ping, named the same way by both bodies.
fn io_failed(what: &str, e: std::io::Error) -> TaskResult {
    match io_kind(&e) {
        ErrorKind::Timeout => timed_out(what),
        kind => failed(kind, format!("{what}: {e}")),
    }
}

fn timed_out(what: &str) -> TaskResult {
    failed(
        ErrorKind::Timeout,
        format!("{what}: no answer within {}", format_duration(IO_TIMEOUT)),
    )
}

fn failed(kind: ErrorKind, message: String) -> TaskResult {
    requests::log().failed(kind, &message);
    Err(TaskError {
        kind,
        message,
        counted: true,
    })
}

/// One ping and its echo on a blocking socket, every call bounded by what is left of
/// `deadline`.
fn exchange(
    stream: &mut std::net::TcpStream,
    message: &[u8],
    echo: &mut [u8],
    deadline: Instant,
) -> std::io::Result<()> {
    stream.set_write_timeout(Some(time_left(deadline)?))?;
    stream.write_all(message)?;
    let mut got = 0;
    while got < echo.len() {
        stream.set_read_timeout(Some(time_left(deadline)?))?;
        match stream.read(&mut echo[got..])? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => got += n,
        }
    }
    Ok(())
}

impl Workload for Tcp {
    fn run_blocking(&self, _task: &TaskCtx) -> TaskResult {
        let mut stream = match std::net::TcpStream::connect_timeout(&self.addr, IO_TIMEOUT) {
            Ok(s) => s,
            Err(e) => return io_failed("connect", e),
        };
        let _ = stream.set_nodelay(true);
        let start = Instant::now();
        let mut pings = 0;
        let mut echo = vec![0u8; self.message.len()];
        while let Some(at) = self.due(start, pings + 1) {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            if let Err(e) = exchange(&mut stream, &self.message, &mut echo, Instant::now() + IO_TIMEOUT) {
                return io_failed(&format!("ping {}", pings + 1), e);
            }
            // From the intended send time: a late echo makes the next ping late too.
            requests::log().ok(at.elapsed());
            pings += 1;
        }
        std::thread::sleep((start + self.hold).saturating_duration_since(Instant::now()));
        Ok(pings as u64)
    }

    fn run_async<'a>(&'a self, _task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::boxed(async move {
            let connect = tokio::time::timeout(IO_TIMEOUT, tokio::net::TcpStream::connect(self.addr)).await;
            let mut stream = match connect {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return io_failed("connect", e),
                Err(_) => return timed_out("connect"),
            };
            let _ = stream.set_nodelay(true);
            let start = Instant::now();
            let mut pings = 0;
            let mut echo = vec![0u8; self.message.len()];
            while let Some(at) = self.due(start, pings + 1) {
                tokio::time::sleep_until(at.into()).await;
                let exchange = async {
                    stream.write_all(&self.message).await?;
                    stream.read_exact(&mut echo).await
                };
                match tokio::time::timeout(IO_TIMEOUT, exchange).await {
                    Ok(Ok(_)) => requests::log().ok(at.elapsed()),
                    Ok(Err(e)) => return io_failed(&format!("ping {}", pings + 1), e),
                    Err(_) => return timed_out(&format!("ping {}", pings + 1)),
                }
                pings += 1;
            }
            tokio::time::sleep_until((start + self.hold).into()).await;
            Ok(pings as u64)
        })
    }

    fn client(&self, asynchronous: bool) -> Option<String> {
        Some(
            if asynchronous {
                "tokio::net::TcpStream"
            } else {
                "std::net::TcpStream"
            }
            .to_string(),
        )
    }
}
