//! `http:latency=DUR,requests=R,keepalive=BOOL,bytes=N` (or `duration=DUR` instead of
//! `requests`): every task performs GET requests (or `method=`'s) against the target,
//! the article's `fetch_many`.
//!
//! By default every Rust model runs the same protocol code, conlab's sans-IO HTTP/1.1
//! codec (`http1.rs`), through one of two thin shells that differ only where the models
//! differ: blocking over `std::net::TcpStream` for threads, pools and processes, async
//! over `tokio::net::TcpStream` for the tokio models. Both shells use the same buffer
//! ([`BUFFER`], one per task), set TCP_NODELAY, keep one connection per task (a new one
//! when the server said it closes, or per request with keep-alive off), and give each
//! request [`HttpSpec::timeout`] for connect and exchange together. So an http comparison
//! of Rust models measures scheduling, not client libraries. A kept connection that the
//! server closed without saying so fails the next request (`closed` or `reset`), with no
//! retry, as Python's http.client does.
//!
//! The libraries users really use stay as model variants, recorded in each cell's
//! `client`: `+ureq` (blocking models) runs ureq, `+hyper` (tokio models) hyper's
//! HTTP/1.1 client connection. With keep-alive off, every client opens a new connection
//! per request, as `requests.get(url)` without a Session does. Every request's latency and
//! every failure (by kind) go to the request log; a task with any failed request counts as
//! failed.

use std::fmt;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::base::{Target, TaskFuture, Workload};
use super::deadline;
use super::http1::{Codec, Head, Step};
use super::method::Method;
use super::net::{io_kind, root_io_error, status_kind, time_left, Endpoint};
use crate::measure::requests;
use crate::params::{Params, SpecError};
use crate::results::ErrorKind;
use crate::task::{TaskCtx, TaskError, TaskResult};
use crate::units::{self, format_duration};

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The codec's buffer, one per task in both shells: it holds a request, then the response
/// head (which must fit) and passing body bytes. Python's http.client reads through
/// 8 KiB; twice that leaves room for the large heads real servers send.
pub const BUFFER: usize = 16 * 1024;

/// A client library a Rust model can run the http workload with instead of conlab's
/// codec: the model variants `+ureq` and `+hyper`. Other workloads have no HTTP client
/// and ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpLib {
    /// ureq, blocking: for the thread, pool and process models.
    Ureq,
    /// hyper's HTTP/1.1 client connection, async: for the tokio models.
    Hyper,
}

impl HttpLib {
    /// The name in model specs (`rs-thread+ureq`).
    pub fn name(self) -> &'static str {
        match self {
            HttpLib::Ureq => "ureq",
            HttpLib::Hyper => "hyper",
        }
    }
}

impl fmt::Display for HttpLib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How many requests a task makes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Amount {
    Requests(u64),
    For(Duration),
}

/// `http:latency=DUR,requests=R|duration=DUR,keepalive=BOOL,bytes=N,timeout=DUR`. Exactly
/// one of `requests` and `duration` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpSpec {
    #[serde(rename = "latency_ns", with = "units::serde_ns")]
    pub latency: Duration,
    pub bytes: u64,
    pub requests: Option<u64>,
    #[serde(rename = "duration_ns", with = "units::serde_ns::option")]
    pub duration: Option<Duration>,
    pub keepalive: bool,
    #[serde(rename = "timeout_ns", with = "units::serde_ns")]
    pub timeout: Duration,
    /// Open loop: requests per second in total, spread evenly over the tasks, each
    /// request's latency counted from its intended send time; `None`: closed loop.
    #[serde(default)]
    pub rate: Option<u64>,
    /// The request method (`method=`, GET by default), sent without a body.
    #[serde(default)]
    pub method: Method,
}

impl HttpSpec {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let latency = p.duration("latency", Some(Duration::ZERO))?;
        let bytes = p.size("bytes")?.unwrap_or(128);
        let duration = p.positional_duration("duration")?;
        let requests = p.optional_count("requests")?;
        let (requests, duration) = match (requests, duration) {
            (Some(_), Some(_)) => {
                return Err(SpecError::invalid(
                    p.spec(),
                    "give requests=R or duration=DUR, not both",
                ))
            }
            (None, Some(d)) if d.is_zero() => return Err(SpecError::invalid(p.spec(), "duration must be more than 0")),
            (None, None) => (Some(1), None),
            other => other,
        };
        let keepalive = p.flag("keepalive", true)?;
        let timeout = p.duration("timeout", Some(DEFAULT_TIMEOUT))?;
        if timeout.is_zero() {
            return Err(SpecError::invalid(p.spec(), "timeout must be more than 0"));
        }
        let rate = p.optional_count("rate")?;
        if rate == Some(0) {
            return Err(SpecError::invalid(p.spec(), "rate must be at least 1 request/s"));
        }
        let method = Method::parse(&mut p)?;
        p.finish("latency, requests, duration, keepalive, bytes, timeout, rate, method")?;
        Ok(HttpSpec {
            latency,
            bytes,
            requests,
            duration,
            keepalive,
            timeout,
            rate,
            method,
        })
    }

    fn amount(&self) -> Amount {
        match (self.duration, self.requests) {
            (Some(d), _) => Amount::For(d),
            (None, r) => Amount::Requests(r.unwrap_or(1)),
        }
    }

    /// The least time a task takes: the waits the own server injects, or the duration.
    pub fn min_task_time(&self, own_server: bool) -> Duration {
        match self.amount() {
            Amount::Requests(r) if own_server => self.latency * r as u32,
            Amount::Requests(_) => Duration::ZERO,
            Amount::For(d) => d,
        }
    }

    /// The workload aimed at `target` (the user's URLs, or conlab's own server asked for
    /// `latency` and `bytes`), through `lib` or, without one, conlab's codec.
    /// `tasks`: the cell's task count, over which `rate` is spread.
    pub fn build(&self, target: &Target, lib: Option<HttpLib>, tasks: usize) -> Result<Arc<dyn Workload>, SpecError> {
        let urls = match (&target.server, target.urls.is_empty()) {
            (_, false) => target.urls.clone(),
            (Some(base), true) => vec![format!(
                "{}/delay?ms={}&bytes={}",
                base.trim_end_matches('/'),
                self.latency.as_millis(),
                self.bytes
            )],
            (None, true) => {
                return Err(SpecError::invalid(
                    self.to_string(),
                    "the http workload needs a target (conlab's own server, --target or --urls)",
                ))
            }
        };
        let endpoints = urls
            .iter()
            .map(|u| Endpoint::parse(u))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SpecError::invalid(self.to_string(), e.to_string()))?;
        Ok(Arc::new(Http {
            gap: self
                .rate
                .map(|r| Duration::from_secs_f64(tasks.max(1) as f64 / r as f64)),
            tasks: tasks.max(1),
            amount: self.amount(),
            keepalive: self.keepalive,
            timeout: self.timeout,
            endpoints,
            lib,
            method: self.method,
        }))
    }
}

impl fmt::Display for HttpSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = match self.amount() {
            Amount::Requests(r) => format!("requests={r}"),
            Amount::For(d) => format!("duration={}", format_duration(d)),
        };
        write!(
            f,
            "http:latency={},{amount},keepalive={},bytes={}",
            format_duration(self.latency),
            self.keepalive,
            self.bytes
        )?;
        if self.timeout != DEFAULT_TIMEOUT {
            write!(f, ",timeout={}", format_duration(self.timeout))?;
        }
        if let Some(rate) = self.rate {
            write!(f, ",rate={rate}")?;
        }
        f.write_str(&self.method.spec_suffix())
    }
}

/// The http workload, aimed at its endpoints.
pub struct Http {
    /// Open loop: the time between one task's intended sends (`rate=`).
    gap: Option<Duration>,
    tasks: usize,
    amount: Amount,
    keepalive: bool,
    timeout: Duration,
    endpoints: Vec<Endpoint>,
    /// The library variant; `None`: the codec.
    lib: Option<HttpLib>,
    method: Method,
}

/// A failed request: its kind and what went wrong.
type Failed = (ErrorKind, String);

impl Http {
    fn endpoint(&self, task: usize, request: u64) -> &Endpoint {
        &self.endpoints[(task + request as usize) % self.endpoints.len()]
    }

    /// When request number `n` (0-based) of task `task`, started at `start`, is meant to
    /// be sent, or `None` when the task is done. Closed loop: `now` (the caller's latest
    /// clock reading: when the previous request ended), as long as the task wants more. Open loop: on the task's fixed schedule, the tasks' first sends spread
    /// evenly over one gap, so the total is `rate` requests/s; a late answer makes the
    /// next send late but not its intended time, from which its latency is counted
    /// (coordinated omission corrected, as wrk2 does).
    fn due(&self, task: usize, n: u64, start: Instant, now: Instant) -> Option<Instant> {
        let at = match self.gap {
            None => now,
            Some(gap) => start + gap.mul_f64((task % self.tasks) as f64 / self.tasks as f64) + gap.mul_f64(n as f64),
        };
        let wanted = match self.amount {
            Amount::Requests(r) => n < r,
            Amount::For(d) => at < start + d,
        };
        wanted.then_some(at)
    }
}

/// Wait for a send time `at` from [`Http::due`]; returns when the request really starts:
/// `at`, or now if that is later. A closed loop's `at` is now: no timer, no clock read.
async fn pace(open_loop: bool, at: Instant) -> Instant {
    if !open_loop {
        return at;
    }
    let now = Instant::now();
    if at > now {
        tokio::time::sleep_until(at.into()).await;
        return at;
    }
    now
}

/// A request that got an answer after `latency`: a success, or a failure by its status.
fn answered(first: &mut Option<TaskError>, status: u16, latency: Duration) {
    match status_kind(status) {
        Some(kind) => fail(first, kind, format!("status {status}")),
        None => requests::log().ok(latency),
    }
}

/// A failed request: logged, and remembered as the task's failure.
fn fail(first: &mut Option<TaskError>, kind: ErrorKind, message: String) {
    requests::log().failed(kind, &message);
    if first.is_none() {
        *first = Some(TaskError {
            kind,
            message,
            counted: true,
        });
    }
}

/// A ureq failure's kind and its message in the codec's words: the OS error's text for an
/// I/O failure, which timeout for a timeout (ureq's own Display repeats the kind, as in
/// "protocol: http parse fail").
fn ureq_kind(e: &ureq::Error, timed_out: impl FnOnce() -> String) -> Failed {
    match e {
        ureq::Error::Timeout(_) => (ErrorKind::Timeout, timed_out()),
        ureq::Error::Io(io) if io_kind(io) == ErrorKind::Timeout => (ErrorKind::Timeout, timed_out()),
        ureq::Error::Io(io) => (io_kind(io), io.to_string()),
        ureq::Error::ConnectionFailed => (ErrorKind::Refused, "connection failed".into()),
        ureq::Error::Protocol(p) => (ErrorKind::Protocol, p.to_string()),
        other => match root_io_error(other) {
            Some(io) if io_kind(io) == ErrorKind::Timeout => (ErrorKind::Timeout, timed_out()),
            Some(io) => (io_kind(io), io.to_string()),
            None => (ErrorKind::Protocol, other.to_string()),
        },
    }
}

/// A hyper failure's kind and message, worded as the codec words it.
fn hyper_kind(e: &hyper::Error) -> Failed {
    if e.is_incomplete_message() {
        return (
            ErrorKind::Closed,
            "connection closed before the response was complete".into(),
        );
    }
    match root_io_error(e) {
        Some(io) => (io_kind(io), io.to_string()),
        None if e.is_canceled() || e.is_closed() => (ErrorKind::Closed, e.to_string()),
        None => (ErrorKind::Protocol, e.to_string()),
    }
}

impl Workload for Http {
    fn run_blocking(&self, task: &TaskCtx) -> TaskResult {
        match self.lib {
            Some(HttpLib::Ureq) => self.ureq(task),
            _ => self.codec_blocking(task),
        }
    }

    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::boxed(async move {
            match self.lib {
                Some(HttpLib::Hyper) => self.hyper(task).await,
                _ => self.codec_async(task).await,
            }
        })
    }

    fn client(&self, asynchronous: bool) -> Option<String> {
        let conn = if self.keepalive {
            "one kept-alive connection per task"
        } else {
            "a new connection per request"
        };
        Some(match (self.lib, asynchronous) {
            (Some(HttpLib::Ureq), false) => format!(
                "ureq {} (blocking), one Agent per task, {conn}",
                env!("CONLAB_UREQ_VERSION")
            ),
            (Some(HttpLib::Hyper), true) => {
                format!("hyper {} client::conn::http1, {conn}", env!("CONLAB_HYPER_VERSION"))
            }
            (_, false) => format!(
                "conlab HTTP/1.1 codec (sans-IO), blocking std::net shell, {} KiB buffer, {conn}",
                BUFFER / 1024
            ),
            (_, true) => format!(
                "conlab HTTP/1.1 codec (sans-IO), async tokio::net shell, {} KiB buffer, {conn}",
                BUFFER / 1024
            ),
        })
    }
}

/// The codec's shells. They mirror each other line for line; only the I/O calls and the
/// way the timeout is applied differ (socket timeouts from a deadline; one timer per task,
/// moved to each request's deadline, `deadline.rs`).
impl Http {
    /// The blocking shell: the codec over `std::net::TcpStream`.
    fn codec_blocking(&self, task: &TaskCtx) -> TaskResult {
        let mut codec = Codec::new(BUFFER);
        let mut conn: Option<(SocketAddr, std::net::TcpStream)> = None;
        let (start, mut n, mut first) = (Instant::now(), 0u64, None);
        // One clock reading per request: when it ended, which is also when a closed loop
        // sends the next one.
        let mut now = start;
        while let Some(sent) = self.due(task.index, n, start, now) {
            if self.gap.is_some() {
                std::thread::sleep(sent.saturating_duration_since(Instant::now()));
            }
            let endpoint = self.endpoint(task.index, n);
            n += 1;
            let outcome = self.exchange_blocking(endpoint, &mut conn, &mut codec, sent + self.timeout);
            now = Instant::now();
            match outcome {
                Ok(head) => {
                    if head.close || !self.keepalive {
                        conn = None;
                    }
                    answered(&mut first, head.status, now.saturating_duration_since(sent))
                }
                Err((kind, message)) => {
                    conn = None;
                    fail(&mut first, kind, message)
                }
            }
        }
        first.map_or(Ok(n), Err)
    }

    /// One GET on the task's connection to `endpoint` (opened if there is none), within
    /// `deadline`.
    fn exchange_blocking(
        &self,
        endpoint: &Endpoint,
        conn: &mut Option<(SocketAddr, std::net::TcpStream)>,
        codec: &mut Codec,
        deadline: Instant,
    ) -> Result<Head, Failed> {
        let io = |e: std::io::Error| self.io_failure(e);
        if conn.as_ref().is_none_or(|(addr, _)| *addr != endpoint.addr) {
            let stream =
                std::net::TcpStream::connect_timeout(&endpoint.addr, time_left(deadline).map_err(io)?).map_err(io)?;
            stream.set_nodelay(true).map_err(io)?;
            codec.reset();
            *conn = Some((endpoint.addr, stream));
        }
        let (_, stream) = conn.as_mut().expect("connection opened above");
        let request = codec
            .request(self.method, &endpoint.path, &endpoint.authority, self.keepalive)
            .map_err(|e| (e.kind(), e.to_string()))?;
        stream
            .set_write_timeout(Some(time_left(deadline).map_err(io)?))
            .map_err(io)?;
        stream.write_all(request).map_err(io)?;
        loop {
            match codec.advance().map_err(|e| (e.kind(), e.to_string()))? {
                Step::Read => {
                    stream
                        .set_read_timeout(Some(time_left(deadline).map_err(io)?))
                        .map_err(io)?;
                    let read = stream.read(codec.spare()).map_err(io)?;
                    codec.filled(read);
                }
                Step::Head(_) => {}
                Step::Done(head) => return Ok(head),
            }
        }
    }

    /// The async shell: the codec over `tokio::net::TcpStream`, each request bounded by
    /// the task's one timer (`deadline.rs`).
    async fn codec_async(&self, task: &TaskCtx) -> TaskResult {
        let mut codec = Codec::new(BUFFER);
        let mut conn: Option<(SocketAddr, tokio::net::TcpStream)> = None;
        let mut timer = pin!(deadline::timer());
        let (start, mut n, mut first) = (Instant::now(), 0u64, None);
        // One clock reading per request: when it ended, which is also when a closed loop
        // sends the next one.
        let mut now = start;
        while let Some(sent) = self.due(task.index, n, start, now) {
            let began = pace(self.gap.is_some(), sent).await;
            let endpoint = self.endpoint(task.index, n);
            n += 1;
            let exchange = self.exchange_async(endpoint, &mut conn, &mut codec);
            let outcome = deadline::within(timer.as_mut(), began + self.timeout, exchange).await;
            now = Instant::now();
            match outcome {
                Some(Ok(head)) => {
                    if head.close || !self.keepalive {
                        conn = None;
                    }
                    answered(&mut first, head.status, now.saturating_duration_since(sent))
                }
                Some(Err((kind, message))) => {
                    conn = None;
                    fail(&mut first, kind, message)
                }
                None => {
                    conn = None;
                    fail(&mut first, ErrorKind::Timeout, self.timed_out())
                }
            }
        }
        first.map_or(Ok(n), Err)
    }

    /// One GET on the task's connection to `endpoint` (opened if there is none); the
    /// caller bounds it in time.
    async fn exchange_async(
        &self,
        endpoint: &Endpoint,
        conn: &mut Option<(SocketAddr, tokio::net::TcpStream)>,
        codec: &mut Codec,
    ) -> Result<Head, Failed> {
        let io = |e: std::io::Error| self.io_failure(e);
        if conn.as_ref().is_none_or(|(addr, _)| *addr != endpoint.addr) {
            let stream = tokio::net::TcpStream::connect(endpoint.addr).await.map_err(io)?;
            stream.set_nodelay(true).map_err(io)?;
            codec.reset();
            *conn = Some((endpoint.addr, stream));
        }
        let (_, stream) = conn.as_mut().expect("connection opened above");
        let request = codec
            .request(self.method, &endpoint.path, &endpoint.authority, self.keepalive)
            .map_err(|e| (e.kind(), e.to_string()))?;
        stream.write_all(request).await.map_err(io)?;
        loop {
            match codec.advance().map_err(|e| (e.kind(), e.to_string()))? {
                Step::Read => {
                    let read = stream.read(codec.spare()).await.map_err(io)?;
                    codec.filled(read);
                }
                Step::Head(_) => {}
                Step::Done(head) => return Ok(head),
            }
        }
    }

    /// An I/O error's kind and message; a timeout says which timeout, as both shells do.
    fn io_failure(&self, e: std::io::Error) -> Failed {
        match io_kind(&e) {
            ErrorKind::Timeout => (ErrorKind::Timeout, self.timed_out()),
            kind => (kind, e.to_string()),
        }
    }

    fn timed_out(&self) -> String {
        format!("no response within {}", format_duration(self.timeout))
    }
}

/// The library variants, kept as they were before the codec: what a user of ureq or
/// hyper would write.
impl Http {
    /// `+ureq`: one Agent per task, pooling at most one idle connection (none with
    /// keep-alive off).
    fn ureq(&self, task: &TaskCtx) -> TaskResult {
        let pool = if self.keepalive { 1 } else { 0 };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(self.timeout))
            .max_idle_connections(pool)
            .max_idle_connections_per_host(pool)
            .build()
            .into();
        let (start, mut n, mut first) = (Instant::now(), 0u64, None);
        while let Some(sent) = self.due(task.index, n, start, Instant::now()) {
            std::thread::sleep(sent.saturating_duration_since(Instant::now()));
            let endpoint = self.endpoint(task.index, n);
            n += 1;
            let outcome = match self.method {
                Method::Get => {
                    let mut request = agent.get(&endpoint.url);
                    if !self.keepalive {
                        request = request.header("Connection", "close");
                    }
                    request.call()
                }
                // Another method, spelt as a request with an empty body.
                method => ureq::http::Request::builder()
                    .method(method.as_str())
                    .uri(&endpoint.url)
                    .header("Connection", if self.keepalive { "keep-alive" } else { "close" })
                    .body(&[][..])
                    .map_err(ureq::Error::from)
                    .and_then(|r| agent.run(r)),
            };
            match outcome {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    match resp.body_mut().with_config().limit(u64::MAX).read_to_vec() {
                        Err(e) => {
                            let (kind, msg) = ureq_kind(&e, || self.timed_out());
                            fail(&mut first, kind, msg)
                        }
                        Ok(_) => answered(&mut first, status, sent.elapsed()),
                    }
                }
                Err(e) => {
                    let (kind, msg) = ureq_kind(&e, || self.timed_out());
                    fail(&mut first, kind, msg)
                }
            }
        }
        first.map_or(Ok(n), Err)
    }

    /// `+hyper`: one `client::conn::http1` connection per task (per address), its
    /// connection driven by a spawned task.
    async fn hyper(&self, task: &TaskCtx) -> TaskResult {
        let (start, mut n, mut first) = (Instant::now(), 0u64, None);
        let mut conn: Option<(SocketAddr, SendRequest<Empty<Bytes>>)> = None;
        while let Some(sent) = self.due(task.index, n, start, Instant::now()) {
            pace(self.gap.is_some(), sent).await;
            let endpoint = self.endpoint(task.index, n);
            n += 1;
            let outcome = tokio::time::timeout(self.timeout, self.hyper_request(endpoint, &mut conn)).await;
            match outcome {
                Err(_) => {
                    conn = None;
                    fail(&mut first, ErrorKind::Timeout, self.timed_out())
                }
                Ok(Err((kind, msg))) => {
                    conn = None;
                    fail(&mut first, kind, msg)
                }
                Ok(Ok(status)) => answered(&mut first, status, sent.elapsed()),
            }
            if !self.keepalive {
                conn = None;
            }
        }
        first.map_or(Ok(n), Err)
    }

    /// One GET on the task's hyper connection to `endpoint` (opened if there is none);
    /// returns the status.
    async fn hyper_request(
        &self,
        endpoint: &Endpoint,
        conn: &mut Option<(SocketAddr, SendRequest<Empty<Bytes>>)>,
    ) -> Result<u16, Failed> {
        if conn
            .as_ref()
            .is_none_or(|(addr, c)| c.is_closed() || *addr != endpoint.addr)
        {
            let stream = tokio::net::TcpStream::connect(endpoint.addr)
                .await
                .map_err(|e| (io_kind(&e), e.to_string()))?;
            let _ = stream.set_nodelay(true);
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| hyper_kind(&e))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            *conn = Some((endpoint.addr, sender));
        }
        let (_, sender) = conn.as_mut().expect("connection opened above");
        sender.ready().await.map_err(|e| hyper_kind(&e))?;
        let request = hyper::Request::builder()
            .method(self.method.as_str())
            .uri(endpoint.path.as_str())
            .header(hyper::header::HOST, endpoint.authority.as_str())
            .header(
                hyper::header::CONNECTION,
                if self.keepalive { "keep-alive" } else { "close" },
            )
            .body(Empty::<Bytes>::new())
            .map_err(|e| (ErrorKind::Protocol, e.to_string()))?;
        let response = sender.send_request(request).await.map_err(|e| hyper_kind(&e))?;
        let status = response.status().as_u16();
        response.into_body().collect().await.map_err(|e| hyper_kind(&e))?;
        Ok(status)
    }
}
