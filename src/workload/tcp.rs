//! `tcp:hold=DUR,interval=DUR`: every task opens one connection to the echo port, holds it
//! for `hold`, and exchanges a 16-byte ping every `interval`: the shape of a chat or
//! websocket server's clients, and the "10k concurrent connections" case. Each round trip
//! goes to the request log.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::net::io_kind;
use super::{Needs, Target, TaskCtx, TaskError, TaskFuture, TaskResult, Workload};
use crate::measure::requests;
use crate::params::Params;
use crate::units::format_duration;

const PING: [u8; 16] = *b"conlab-ping-0001";
const IO_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Tcp {
    hold: Duration,
    interval: Duration,
    addr: SocketAddr,
}

impl Tcp {
    pub fn parse(mut p: Params, target: &Target) -> Result<Arc<dyn Workload>, String> {
        let hold = p.duration("hold", None)?;
        let interval = p.duration("interval", Some(Duration::from_secs(1)))?;
        p.finish("hold, interval")?;
        if interval.is_zero() {
            return Err("tcp: interval must be more than 0".into());
        }
        let addr = target
            .tcp
            .as_deref()
            .ok_or("tcp workload needs an echo target (conlab's own server)")?
            .parse()
            .map_err(|e| format!("tcp target: {e}"))?;
        Ok(Arc::new(Tcp { hold, interval, addr }))
    }

    /// When ping `k` (1-based) is due, or `None` once it would fall after the hold.
    fn due(&self, start: Instant, k: u32) -> Option<Instant> {
        let at = self.interval * k;
        (at <= self.hold).then(|| start + at)
    }
}

fn failed(kind: &str, message: String) -> TaskResult {
    requests::log().failed(kind, &message);
    Err(TaskError {
        kind: kind.to_string(),
        message,
        counted: true,
    })
}

impl Workload for Tcp {
    fn spec(&self) -> String {
        format!(
            "tcp:hold={},interval={}",
            format_duration(self.hold),
            format_duration(self.interval)
        )
    }

    fn run_blocking(&self, _task: &TaskCtx) -> TaskResult {
        let mut stream = match std::net::TcpStream::connect_timeout(&self.addr, IO_TIMEOUT) {
            Ok(s) => s,
            Err(e) => return failed(io_kind(&e), format!("connect: {e}")),
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let start = Instant::now();
        let mut pings = 0;
        while let Some(at) = self.due(start, pings + 1) {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            let sent = Instant::now();
            let mut echo = [0u8; 16];
            if let Err(e) = stream.write_all(&PING).and_then(|_| stream.read_exact(&mut echo)) {
                return failed(io_kind(&e), format!("ping {}: {e}", pings + 1));
            }
            requests::log().ok(sent.elapsed());
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
                Ok(Err(e)) => return failed(io_kind(&e), format!("connect: {e}")),
                Err(_) => return failed("timeout", "connect timed out".into()),
            };
            let _ = stream.set_nodelay(true);
            let start = Instant::now();
            let mut pings = 0;
            while let Some(at) = self.due(start, pings + 1) {
                tokio::time::sleep_until(at.into()).await;
                let sent = Instant::now();
                let mut echo = [0u8; 16];
                let exchange = async {
                    stream.write_all(&PING).await?;
                    stream.read_exact(&mut echo).await
                };
                match tokio::time::timeout(IO_TIMEOUT, exchange).await {
                    Ok(Ok(_)) => requests::log().ok(sent.elapsed()),
                    Ok(Err(e)) => return failed(io_kind(&e), format!("ping {}: {e}", pings + 1)),
                    Err(_) => return failed("timeout", format!("ping {}: no echo", pings + 1)),
                }
                pings += 1;
            }
            tokio::time::sleep_until((start + self.hold).into()).await;
            Ok(pings as u64)
        })
    }

    fn min_task_time(&self) -> Duration {
        self.hold
    }

    fn needs(&self) -> Needs {
        Needs::Tcp
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
