//! `http:latency=DUR,requests=R,keepalive=BOOL,bytes=N` (or `duration=DUR` instead of
//! `requests`): every task performs GET requests against the target, the article's
//! `fetch_many`.
//!
//! Each side uses the client a user would write: thread models use ureq (blocking), async
//! models use hyper's HTTP/1.1 client connection. With keep-alive on, a task keeps one
//! connection for all its requests; off, it opens a new connection per request, as
//! `requests.get(url)` without a Session does. Every request's latency and every failure
//! (by kind) go to the request log; a task with any failed request counts as failed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use super::net::{io_kind, root_io_error, status_kind, Endpoint};
use super::{Needs, Target, TaskCtx, TaskError, TaskFuture, TaskResult, Workload};
use crate::measure::requests;
use crate::params::Params;
use crate::units::format_duration;

/// How many requests a task makes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Amount {
    Requests(u64),
    For(Duration),
}

pub struct Http {
    latency: Duration,
    bytes: u64,
    amount: Amount,
    keepalive: bool,
    timeout: Duration,
    /// True when the target is conlab's own server, which honours `latency` and `bytes`.
    own_server: bool,
    endpoints: Vec<Endpoint>,
}

fn parse_bool(key: &str, text: Option<String>, default: bool) -> Result<bool, String> {
    match text.as_deref() {
        None => Ok(default),
        Some("true" | "on" | "yes" | "1") => Ok(true),
        Some("false" | "off" | "no" | "0") => Ok(false),
        Some(other) => Err(format!("http: {key}={other} is not true or false")),
    }
}

impl Http {
    pub fn parse(mut p: Params, target: &Target) -> Result<Arc<dyn Workload>, String> {
        let latency = p.duration("latency", Some(Duration::ZERO))?;
        let bytes = p.size("bytes")?.unwrap_or(128);
        let duration = p
            .positional("duration")
            .map(|d| crate::units::parse_duration(&d))
            .transpose()?;
        let requests = p.count("requests", None).ok();
        let amount = match (requests, duration) {
            (Some(_), Some(_)) => return Err("http: give requests=R or duration=DUR, not both".into()),
            (None, Some(d)) if d.is_zero() => return Err("http: duration must be more than 0".into()),
            (None, Some(d)) => Amount::For(d),
            (Some(r), None) => Amount::Requests(r),
            (None, None) => Amount::Requests(1),
        };
        let keepalive = parse_bool("keepalive", p.positional("keepalive"), true)?;
        let timeout = p.duration("timeout", Some(Duration::from_secs(10)))?;
        p.finish("latency, requests, duration, keepalive, bytes, timeout")?;

        let (own_server, urls) = match (&target.server, target.urls.is_empty()) {
            (_, false) => (false, target.urls.clone()),
            (Some(base), true) => (
                true,
                vec![format!(
                    "{}/delay?ms={}&bytes={bytes}",
                    base.trim_end_matches('/'),
                    latency.as_millis()
                )],
            ),
            (None, true) => return Err("http workload needs a target (conlab's own server, --target or --urls)".into()),
        };
        let endpoints = urls.iter().map(|u| Endpoint::parse(u)).collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(Http {
            latency,
            bytes,
            amount,
            keepalive,
            timeout,
            own_server,
            endpoints,
        }))
    }

    fn endpoint(&self, task: usize, request: u64) -> &Endpoint {
        &self.endpoints[(task + request as usize) % self.endpoints.len()]
    }

    /// Whether request number `n` (0-based) of a task that started at `start` should run.
    fn wants(&self, n: u64, start: Instant) -> bool {
        match self.amount {
            Amount::Requests(r) => n < r,
            Amount::For(d) => start.elapsed() < d,
        }
    }
}

/// A failed request: logged, and remembered as the task's failure.
fn fail(first: &mut Option<TaskError>, kind: &str, message: String) {
    requests::log().failed(kind, &message);
    if first.is_none() {
        *first = Some(TaskError {
            kind: kind.to_string(),
            message,
            counted: true,
        });
    }
}

fn ureq_kind(e: &ureq::Error) -> (&'static str, String) {
    match e {
        ureq::Error::Io(io) => (io_kind(io), io.to_string()),
        ureq::Error::Timeout(t) => ("timeout", format!("timed out ({t})")),
        ureq::Error::ConnectionFailed => ("refused", "connection failed".into()),
        other => match root_io_error(other) {
            Some(io) => (io_kind(io), other.to_string()),
            None => ("protocol", other.to_string()),
        },
    }
}

fn hyper_kind(e: &hyper::Error) -> (&'static str, String) {
    if e.is_incomplete_message() {
        return ("closed", "connection closed before the response was complete".into());
    }
    match root_io_error(e) {
        Some(io) => (io_kind(io), e.to_string()),
        None if e.is_canceled() || e.is_closed() => ("closed", e.to_string()),
        None => ("protocol", e.to_string()),
    }
}

impl Workload for Http {
    fn spec(&self) -> String {
        let amount = match self.amount {
            Amount::Requests(r) => format!("requests={r}"),
            Amount::For(d) => format!("duration={}", format_duration(d)),
        };
        format!(
            "http:latency={},{amount},keepalive={},bytes={}",
            format_duration(self.latency),
            self.keepalive,
            self.bytes
        )
    }

    fn run_blocking(&self, task: &TaskCtx) -> TaskResult {
        let pool = if self.keepalive { 1 } else { 0 };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(self.timeout))
            .max_idle_connections(pool)
            .max_idle_connections_per_host(pool)
            .build()
            .into();
        let (start, mut n, mut first) = (Instant::now(), 0u64, None);
        while self.wants(n, start) {
            let endpoint = self.endpoint(task.index, n);
            n += 1;
            let sent = Instant::now();
            let mut request = agent.get(&endpoint.url);
            if !self.keepalive {
                request = request.header("Connection", "close");
            }
            match request.call() {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    match resp.body_mut().with_config().limit(u64::MAX).read_to_vec() {
                        Err(e) => {
                            let (kind, msg) = ureq_kind(&e);
                            fail(&mut first, kind, msg)
                        }
                        Ok(_) => match status_kind(status) {
                            Some(kind) => fail(&mut first, kind, format!("status {status}")),
                            None => requests::log().ok(sent.elapsed()),
                        },
                    }
                }
                Err(e) => {
                    let (kind, msg) = ureq_kind(&e);
                    fail(&mut first, kind, msg)
                }
            }
        }
        first.map_or(Ok(n), Err)
    }

    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::boxed(async move {
            let (start, mut n, mut first) = (Instant::now(), 0u64, None);
            let mut conn: Option<SendRequest<Empty<Bytes>>> = None;
            while self.wants(n, start) {
                let endpoint = self.endpoint(task.index, n);
                n += 1;
                let sent = Instant::now();
                let outcome = tokio::time::timeout(self.timeout, self.request(endpoint, &mut conn)).await;
                match outcome {
                    Err(_) => {
                        conn = None;
                        fail(
                            &mut first,
                            "timeout",
                            format!("no response within {}", format_duration(self.timeout)),
                        )
                    }
                    Ok(Err((kind, msg))) => {
                        conn = None;
                        fail(&mut first, kind, msg)
                    }
                    Ok(Ok(status)) => match status_kind(status) {
                        Some(kind) => fail(&mut first, kind, format!("status {status}")),
                        None => requests::log().ok(sent.elapsed()),
                    },
                }
                if !self.keepalive {
                    conn = None;
                }
            }
            first.map_or(Ok(n), Err)
        })
    }

    fn min_task_time(&self) -> Duration {
        match self.amount {
            Amount::Requests(r) if self.own_server => self.latency * r as u32,
            Amount::Requests(_) => Duration::ZERO,
            Amount::For(d) => d,
        }
    }

    fn needs(&self) -> Needs {
        Needs::Http
    }

    fn client(&self, asynchronous: bool) -> Option<String> {
        let conn = if self.keepalive {
            "one kept-alive connection per task"
        } else {
            "a new connection per request"
        };
        Some(match asynchronous {
            true => format!("hyper {} client::conn::http1, {conn}", env!("CONLAB_HYPER_VERSION")),
            false => format!(
                "ureq {} (blocking), one Agent per task, {conn}",
                env!("CONLAB_UREQ_VERSION")
            ),
        })
    }
}

impl Http {
    /// One GET on the task's connection (opened if there is none); returns the status.
    async fn request(
        &self,
        endpoint: &Endpoint,
        conn: &mut Option<SendRequest<Empty<Bytes>>>,
    ) -> Result<u16, (&'static str, String)> {
        if conn.as_ref().is_none_or(|c| c.is_closed()) {
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
            *conn = Some(sender);
        }
        let sender = conn.as_mut().expect("connection opened above");
        sender.ready().await.map_err(|e| hyper_kind(&e))?;
        let request = hyper::Request::get(endpoint.path.as_str())
            .header(hyper::header::HOST, endpoint.authority.as_str())
            .header(
                hyper::header::CONNECTION,
                if self.keepalive { "keep-alive" } else { "close" },
            )
            .body(Empty::<Bytes>::new())
            .map_err(|e| ("protocol", e.to_string()))?;
        let response = sender.send_request(request).await.map_err(|e| hyper_kind(&e))?;
        let status = response.status().as_u16();
        response.into_body().collect().await.map_err(|e| hyper_kind(&e))?;
        Ok(status)
    }
}
