//! The http workload's library variants, `+ureq` (blocking) and `+hyper` (tokio), kept as
//! a user of either library writes them, beside the codec shells in `http.rs` that every
//! model runs by default; their failures are named in the codec's words.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use super::{answered, fail, pace, Failed, Http};
use crate::results::ErrorKind;
use crate::task::{TaskCtx, TaskResult};
use crate::workload::method::Method;
use crate::workload::net::{io_kind, root_io_error, Endpoint};

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

/// The library variants, kept as they were before the codec: what a user of ureq or
/// hyper would write.
impl Http {
    /// `+ureq`: one Agent per task, pooling at most one idle connection (none with
    /// keep-alive off).
    pub(super) fn ureq(&self, task: &TaskCtx) -> TaskResult {
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
    pub(super) async fn hyper(&self, task: &TaskCtx) -> TaskResult {
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
