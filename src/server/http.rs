//! The HTTP side of `conlab serve`: hyper's HTTP/1.1 server with a handler that waits the
//! drawn latency, then answers with the requested body size or the drawn fault.
//!
//! Faults are real faults: a 500 is a 500, a reset is an RST (SO_LINGER 0 on the socket
//! before hyper drops it), a truncated response announces its full Content-Length and
//! closes the connection halfway through the body.

use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::accept::accept_backoff;
use super::dist::{Latency, Rng};

/// What the HTTP handler needs to know.
pub struct Behaviour {
    pub latency: Latency,
    pub bytes: usize,
    pub error_rate: f64,
    pub reset_rate: f64,
    pub truncate_rate: f64,
    pub rng: Rng,
}

/// Request headers larger than this are refused (hyper answers 431).
const MAX_HEADER_BUF: usize = 16 * 1024;

pub async fn serve(
    listener: TcpListener,
    behaviour: Arc<Behaviour>,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_backoff(&e).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let fd = stream.as_raw_fd();
        let behaviour = Arc::clone(&behaviour);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| respond(req, Arc::clone(&behaviour), fd));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(MAX_HEADER_BUF)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}

/// Query parameters `ms` and `bytes` of `/delay?ms=50&bytes=1024`; a value that is not
/// a whole number is the client's mistake, answered 400 rather than silently replaced.
fn query_overrides(query: &str) -> Result<(Option<u64>, Option<usize>), String> {
    let (mut ms, mut bytes) = (None, None);
    for pair in query.split('&') {
        let number = |v: &str, key: &str| v.parse::<u64>().map_err(|_| format!("{key}={v} is not a whole number"));
        match pair.split_once('=') {
            Some(("ms", v)) => ms = Some(number(v, "ms")?),
            Some(("bytes", v)) => bytes = Some(number(v, "bytes")? as usize),
            _ => {}
        }
    }
    Ok((ms, bytes))
}

/// The largest body served: `bytes=` beyond it is cut to it.
const MAX_BODY: usize = 64 << 20;

/// `n` bytes of body, sliced from one buffer shared by every response (grown to the
/// largest size asked for so far), so 20 concurrent 64 MiB requests hold 64 MiB, not
/// 1.3 GB.
fn body_bytes(n: usize) -> Bytes {
    static SHARED: std::sync::Mutex<Option<Bytes>> = std::sync::Mutex::new(None);
    let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    match shared.as_ref() {
        Some(b) if b.len() >= n => b.slice(..n),
        _ => {
            let b = Bytes::from(vec![b'x'; n]);
            *shared = Some(b.clone());
            b
        }
    }
}

async fn respond(req: Request<Incoming>, b: Arc<Behaviour>, fd: RawFd) -> Result<Response<Body>, std::io::Error> {
    let (ms, bytes) = match query_overrides(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(why) => return Ok(response(StatusCode::BAD_REQUEST, Body::full(format!("{why}\n").into()))),
    };
    let delay = ms
        .map(Duration::from_millis)
        .unwrap_or_else(|| b.latency.sample(&b.rng));
    let bytes = bytes.unwrap_or(b.bytes).min(MAX_BODY);
    let draw = b.rng.unit();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if draw < b.error_rate {
        return Ok(response(
            StatusCode::INTERNAL_SERVER_ERROR,
            Body::full(Bytes::from_static(b"injected error\n")),
        ));
    }
    if draw < b.error_rate + b.reset_rate {
        // The connection is still open while the service runs, so the fd is valid.
        reset_on_close(fd);
        return Err(std::io::Error::other("injected reset"));
    }
    let body = if draw < b.error_rate + b.reset_rate + b.truncate_rate {
        Body::truncated(bytes.max(2))
    } else {
        Body::full(body_bytes(bytes))
    };
    Ok(response(StatusCode::OK, body))
}

fn response(status: StatusCode, body: Body) -> Response<Body> {
    let len = body.announced;
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    resp.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

/// SO_LINGER with a zero timeout: closing the socket sends RST instead of FIN.
fn reset_on_close(fd: RawFd) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: fd is the connection's socket, open for the duration of this request;
    // setsockopt reads `linger` only during the call.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// A response body: whole, or cut off halfway (half the bytes, then an error that makes
/// hyper close the connection).
pub struct Body {
    data: Option<Bytes>,
    fail_after: bool,
    announced: usize,
}

impl Body {
    fn full(data: Bytes) -> Self {
        let announced = data.len();
        Body {
            data: (!data.is_empty()).then_some(data),
            fail_after: false,
            announced,
        }
    }

    fn truncated(announced: usize) -> Self {
        Body {
            data: Some(body_bytes(announced / 2)),
            fail_after: true,
            announced,
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if self.fail_after {
            self.fail_after = false;
            return Poll::Ready(Some(Err(std::io::Error::other("injected truncation"))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && !self.fail_after
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.announced as u64)
    }
}
