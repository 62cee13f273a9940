//! The server side: `serve-http:latency=DUR,bytes=N,duration=DUR[,rate=R][,blocking=true]`
//! and `serve-tcp:interval=DUR,duration=DUR[,bytes=N]`, both with `[,generators=K]`. Here a
//! task is one accepted connection, and N tasks are N client connections held for
//! `duration`.
//!
//! The per-connection work is written once, as a blocking shell (threads, pools, sync
//! worker processes) and an async shell (tokio) that mirror each other line for line: the
//! same buffer ([`BUFFER`]), the same request framing, the same pre-built response, the
//! same wait (`latency` as a timer in async code, a sleep in thread code). The accept
//! loop is the model's (`model::serve`); the clients are conlab's load generator, a
//! separate process running the client workload ([`ServeSpec::load`]), so the server's
//! memory and CPU are the server's alone.
//!
//! `blocking=true` makes the handler sleep with a blocking call even under async models:
//! the mistake the article warns about, whose cost only an open-loop load (`rate=`)
//! shows in full, since a closed loop slows down with the server it measures.
//!
//! `generators=K` spreads the N connections over K generator processes: one client
//! process on a many-core machine runs out of cores before a fast server does, and
//! several load sources are the shape of real traffic. The split lives beside the load it
//! splits, in `load` ([`ServeSpec::split`]), so every generator runs the same client
//! workload on its share.

use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::app::ServeApp;
use super::base::BoxFuture;
use super::net::io_kind;
use crate::params::{Params, SpecError};
use crate::results::ErrorKind;
use crate::task::{TaskError, TaskResult};
use crate::units::{self, format_duration};

/// Every connection's read buffer, in both shells (the client's codec uses the same).
pub const BUFFER: usize = super::http::BUFFER;

/// The longest request head the server accepts.
const MAX_HEAD: usize = BUFFER;

/// `serve-http:latency=DUR,bytes=N,duration=DUR[,rate=R][,blocking=BOOL][,generators=K]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeHttp {
    #[serde(rename = "latency_ns", with = "units::serde_ns")]
    pub latency: Duration,
    pub bytes: u64,
    #[serde(rename = "duration_ns", with = "units::serde_ns")]
    pub duration: Duration,
    /// Open loop: requests per second in total, spread over the connections; `None`:
    /// closed loop (each connection sends its next request when the answer is in).
    pub rate: Option<u64>,
    /// The handler waits with a blocking sleep even under async models.
    #[serde(default)]
    pub blocking: bool,
    /// Load generator processes the connections (and an open loop's rate) are split over.
    #[serde(default = "one")]
    pub generators: usize,
}

/// `serve-tcp:interval=DUR,duration=DUR[,bytes=N][,generators=K]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeTcp {
    #[serde(rename = "interval_ns", with = "units::serde_ns")]
    pub interval: Duration,
    #[serde(rename = "duration_ns", with = "units::serde_ns")]
    pub duration: Duration,
    /// Message size, echoed whole.
    pub bytes: u64,
    /// Load generator processes the connections are split over.
    #[serde(default = "one")]
    pub generators: usize,
}

/// One load generator, as specs written before `generators=` meant.
fn one() -> usize {
    1
}

/// `generators=K`, at least 1 (default 1).
fn generators(p: &mut Params) -> Result<usize, SpecError> {
    match p.count("generators", Some(1))? {
        0 => Err(SpecError::invalid(p.spec(), "generators must be at least 1")),
        k => Ok(k as usize),
    }
}

impl ServeHttp {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let latency = p.duration("latency", Some(Duration::ZERO))?;
        let bytes = p.size("bytes")?.unwrap_or(128);
        let duration = p.duration("duration", Some(Duration::from_secs(5)))?;
        let rate = p.optional_count("rate")?;
        let blocking = p.flag("blocking", false)?;
        let generators = generators(&mut p)?;
        if duration.is_zero() {
            return Err(SpecError::invalid(p.spec(), "duration must be more than 0"));
        }
        if rate == Some(0) {
            return Err(SpecError::invalid(p.spec(), "rate must be at least 1 request/s"));
        }
        if rate.is_some_and(|r| r < generators as u64) {
            return Err(SpecError::invalid(
                p.spec(),
                "rate must be at least 1 request/s per generator",
            ));
        }
        if bytes > 64 << 20 {
            return Err(SpecError::invalid(p.spec(), "bytes must be at most 64MiB"));
        }
        p.finish("latency, bytes, duration, rate, blocking, generators")?;
        Ok(ServeHttp {
            latency,
            bytes,
            duration,
            rate,
            blocking,
            generators,
        })
    }
}

impl ServeTcp {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let interval = p.duration("interval", Some(Duration::from_secs(1)))?;
        let duration = p.duration("duration", Some(Duration::from_secs(5)))?;
        let bytes = p.size("bytes")?.unwrap_or(super::tcp::PING_BYTES);
        let generators = generators(&mut p)?;
        if interval.is_zero() || duration.is_zero() {
            return Err(SpecError::invalid(
                p.spec(),
                "interval and duration must be more than 0",
            ));
        }
        if bytes == 0 || bytes > BUFFER as u64 {
            return Err(SpecError::invalid(
                p.spec(),
                format!("bytes must be between 1 and {}", units::format_size(BUFFER as u64)),
            ));
        }
        p.finish("interval, duration, bytes, generators")?;
        Ok(ServeTcp {
            interval,
            duration,
            bytes,
            generators,
        })
    }
}

impl fmt::Display for ServeHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "serve-http:latency={},bytes={},duration={}",
            format_duration(self.latency),
            self.bytes,
            format_duration(self.duration)
        )?;
        if let Some(rate) = self.rate {
            write!(f, ",rate={rate}")?;
        }
        if self.blocking {
            f.write_str(",blocking=true")?;
        }
        if self.generators != 1 {
            write!(f, ",generators={}", self.generators)?;
        }
        Ok(())
    }
}

impl fmt::Display for ServeTcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "serve-tcp:interval={},duration={}",
            format_duration(self.interval),
            format_duration(self.duration)
        )?;
        if self.bytes != super::tcp::PING_BYTES {
            write!(f, ",bytes={}", self.bytes)?;
        }
        if self.generators != 1 {
            write!(f, ",generators={}", self.generators)?;
        }
        Ok(())
    }
}

/// A server workload: conlab's HTTP or echo handler, or the user's own app.
#[derive(Debug, Clone, Copy)]
pub enum ServeSpec<'a> {
    Http(&'a ServeHttp),
    Tcp(&'a ServeTcp),
    /// Python code, served by a Python stack only: no Rust handler.
    App(&'a ServeApp),
}

impl ServeSpec<'_> {
    /// How long the clients hold their connections.
    pub fn duration(&self) -> Duration {
        match self {
            ServeSpec::Http(s) => s.duration,
            ServeSpec::Tcp(s) => s.duration,
            ServeSpec::App(s) => s.duration,
        }
    }

    /// `generators=K`.
    pub fn generators(&self) -> usize {
        match self {
            ServeSpec::Http(s) => s.generators,
            ServeSpec::Tcp(s) => s.generators,
            ServeSpec::App(s) => s.generators,
        }
    }

    /// The per-connection work, ready to run by a Rust model; `None` for the user's app,
    /// which is Python code (the plan never gives it to a Rust model).
    pub fn handler(&self) -> Option<Arc<dyn Handler>> {
        match self {
            ServeSpec::Http(s) => Some(Arc::new(HttpHandler {
                latency: s.latency,
                blocking: s.blocking,
                response: response(s.bytes),
            })),
            ServeSpec::Tcp(s) => Some(Arc::new(EchoHandler {
                bytes: s.bytes as usize,
            })),
            ServeSpec::App(_) => None,
        }
    }
}

/// What a server does with one accepted connection, until the client closes it. The
/// result counts the requests (or messages) it answered.
pub trait Handler: Send + Sync + 'static {
    /// For thread, pool and sync process models.
    fn serve_blocking(&self, stream: std::net::TcpStream) -> TaskResult;
    /// For the tokio models.
    fn serve_async(&self, stream: tokio::net::TcpStream) -> BoxFuture<'_, TaskResult>;
    /// One line for the results: what the handler is.
    fn describe(&self, asynchronous: bool) -> String;
}

/// A 200 response with `bytes` of body, built once and written whole to every request.
fn response(bytes: u64) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {bytes}\r\n\r\n")
            .into_bytes();
    out.resize(out.len() + bytes as usize, b'x');
    out
}

/// Where the first complete request head in `buf` ends, and whether it asks to close.
fn request_head(buf: &[u8]) -> Option<(usize, bool)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = &buf[..end];
    let close = head.split(|&b| b == b'\n').any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with(b"connection:") && line.windows(5).any(|w| w == b"close")
    });
    Some((end, close))
}

fn io_failed(what: &str, e: std::io::Error) -> TaskError {
    TaskError::new(io_kind(&e), format!("{what}: {e}"))
}

fn too_long() -> TaskError {
    TaskError::new(
        ErrorKind::Protocol,
        format!("request head longer than {}", units::format_size(MAX_HEAD as u64)),
    )
}

fn cut_short(what: &str) -> TaskError {
    TaskError::new(
        ErrorKind::Closed,
        format!("connection closed in the middle of a {what}"),
    )
}

/// The HTTP/1.1 keep-alive handler: read a request head, wait `latency`, answer.
struct HttpHandler {
    latency: Duration,
    blocking: bool,
    response: Vec<u8>,
}

/// The echo handler: read a `bytes`-byte message, write it back.
struct EchoHandler {
    bytes: usize,
}

impl Handler for HttpHandler {
    fn serve_blocking(&self, mut stream: std::net::TcpStream) -> TaskResult {
        let _ = stream.set_nodelay(true);
        let mut buf = vec![0u8; BUFFER];
        let (mut filled, mut served) = (0, 0u64);
        loop {
            if let Some((end, close)) = request_head(&buf[..filled]) {
                buf.copy_within(end..filled, 0);
                filled -= end;
                if !self.latency.is_zero() {
                    std::thread::sleep(self.latency);
                }
                stream.write_all(&self.response).map_err(|e| io_failed("response", e))?;
                served += 1;
                if close {
                    return Ok(served);
                }
                continue;
            }
            if filled == buf.len() {
                return Err(too_long());
            }
            match stream.read(&mut buf[filled..]).map_err(|e| io_failed("request", e))? {
                0 if filled == 0 => return Ok(served),
                0 => return Err(cut_short("request")),
                n => filled += n,
            }
        }
    }

    fn serve_async(&self, mut stream: tokio::net::TcpStream) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            let _ = stream.set_nodelay(true);
            let mut buf = vec![0u8; BUFFER];
            let (mut filled, mut served) = (0, 0u64);
            loop {
                if let Some((end, close)) = request_head(&buf[..filled]) {
                    buf.copy_within(end..filled, 0);
                    filled -= end;
                    if self.blocking {
                        std::thread::sleep(self.latency);
                    } else if !self.latency.is_zero() {
                        tokio::time::sleep(self.latency).await;
                    }
                    stream
                        .write_all(&self.response)
                        .await
                        .map_err(|e| io_failed("response", e))?;
                    served += 1;
                    if close {
                        return Ok(served);
                    }
                    continue;
                }
                if filled == buf.len() {
                    return Err(too_long());
                }
                match stream
                    .read(&mut buf[filled..])
                    .await
                    .map_err(|e| io_failed("request", e))?
                {
                    0 if filled == 0 => return Ok(served),
                    0 => return Err(cut_short("request")),
                    n => filled += n,
                }
            }
        })
    }

    fn describe(&self, asynchronous: bool) -> String {
        let wait = match (asynchronous, self.blocking) {
            (true, false) => "a tokio timer",
            (true, true) => "a blocking sleep on the event loop",
            (false, _) => "a thread sleep",
        };
        format!(
            "conlab HTTP/1.1 keep-alive handler, {} KiB buffer, latency as {wait}, {}",
            BUFFER / 1024,
            if asynchronous {
                "tokio::net::TcpStream"
            } else {
                "std::net::TcpStream"
            }
        )
    }
}

impl Handler for EchoHandler {
    fn serve_blocking(&self, mut stream: std::net::TcpStream) -> TaskResult {
        let _ = stream.set_nodelay(true);
        let mut buf = vec![0u8; self.bytes];
        let mut echoed = 0u64;
        loop {
            let mut got = 0;
            while got < buf.len() {
                match stream.read(&mut buf[got..]).map_err(|e| io_failed("message", e))? {
                    0 if got == 0 => return Ok(echoed),
                    0 => return Err(cut_short("message")),
                    n => got += n,
                }
            }
            stream.write_all(&buf).map_err(|e| io_failed("echo", e))?;
            echoed += 1;
        }
    }

    fn serve_async(&self, mut stream: tokio::net::TcpStream) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            let _ = stream.set_nodelay(true);
            let mut buf = vec![0u8; self.bytes];
            let mut echoed = 0u64;
            loop {
                let mut got = 0;
                while got < buf.len() {
                    match stream
                        .read(&mut buf[got..])
                        .await
                        .map_err(|e| io_failed("message", e))?
                    {
                        0 if got == 0 => return Ok(echoed),
                        0 => return Err(cut_short("message")),
                        n => got += n,
                    }
                }
                stream.write_all(&buf).await.map_err(|e| io_failed("echo", e))?;
                echoed += 1;
            }
        })
    }

    fn describe(&self, asynchronous: bool) -> String {
        format!(
            "conlab echo handler, {}-byte messages, {}",
            self.bytes,
            if asynchronous {
                "tokio::net::TcpStream"
            } else {
                "std::net::TcpStream"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::WorkloadSpec;

    #[test]
    fn finds_request_heads_and_close() {
        assert_eq!(request_head(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET"), Some((27, false)));
        assert_eq!(
            request_head(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"),
            Some((37, true))
        );
        assert_eq!(request_head(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
    }

    #[test]
    fn answers_keep_alive_requests_and_counts_them() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handler = ServeSpec::Http(&ServeHttp {
            latency: Duration::ZERO,
            bytes: 5,
            duration: Duration::from_secs(1),
            rate: None,
            blocking: false,
            generators: 1,
        })
        .handler()
        .unwrap();
        let server = std::thread::spawn(move || handler.serve_blocking(listener.accept().unwrap().0));
        let mut client = std::net::TcpStream::connect(addr).unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).unwrap();
        assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2);
        assert!(answer.ends_with("\r\n\r\nxxxxx"));
        assert_eq!(server.join().unwrap(), Ok(2));
    }

    fn spec(text: &str) -> WorkloadSpec {
        text.parse().unwrap()
    }

    #[test]
    fn generators_is_printed_only_when_not_one_and_checked() {
        assert_eq!(
            spec("serve-tcp:generators=2").to_string(),
            "serve-tcp:interval=1s,duration=5s,generators=2"
        );
        assert!(!spec("serve-http:generators=1").to_string().contains("generators"));
        for bad in [
            "serve-http:generators=0",
            "serve-tcp:generators=two",
            "serve-http:rate=1,generators=2",
        ] {
            assert!(bad.parse::<WorkloadSpec>().is_err(), "{bad}");
        }
    }
}
