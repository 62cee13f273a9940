//! What the I/O workloads share: parsing `http://host:port/path` targets, and naming a
//! network failure by the kind users act on (refused, reset, timeout, closed mid-response,
//! out of ports or descriptors), whichever client library reported it.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::results::ErrorKind;

/// A target URL conlab cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{url}': {why}")]
pub struct UrlError {
    pub url: String,
    pub why: String,
}

fn url_error(url: &str, why: impl Into<String>) -> UrlError {
    UrlError {
        url: url.to_string(),
        why: why.into(),
    }
}

/// One HTTP endpoint, resolved once.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: String,
    pub addr: SocketAddr,
    /// `host[:port]` for the Host header.
    pub authority: String,
    /// Path and query, `/delay?ms=50`.
    pub path: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Endpoint, UrlError> {
        let rest = match url.split_once("://") {
            Some(("http", rest)) => rest,
            Some((scheme, _)) => {
                return Err(url_error(
                    url,
                    format!("only http:// targets are supported (got {scheme}://)"),
                ))
            }
            None => return Err(url_error(url, "is not a URL (expected http://host:port/path)")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(url_error(url, "has no host"));
        }
        let with_port = if authority
            .rsplit_once(':')
            .is_some_and(|(host, p)| p.parse::<u16>().is_ok() && (!host.contains(':') || host.ends_with(']')))
        {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let addr = with_port
            .to_socket_addrs()
            .map_err(|e| url_error(url, format!("cannot resolve {authority}: {e}")))?
            .next()
            .ok_or_else(|| url_error(url, format!("{authority} has no address")))?;
        Ok(Endpoint {
            url: url.to_string(),
            addr,
            authority: authority.to_string(),
            path: path.to_string(),
        })
    }
}

/// The error kind of an I/O error.
pub fn io_kind(e: &io::Error) -> ErrorKind {
    match e.raw_os_error() {
        Some(libc::EMFILE) | Some(libc::ENFILE) => return ErrorKind::FdLimit,
        Some(libc::EADDRNOTAVAIL) => return ErrorKind::NoPorts,
        _ => {}
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => ErrorKind::Refused,
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => {
            ErrorKind::Reset
        }
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ErrorKind::Timeout,
        io::ErrorKind::UnexpectedEof => ErrorKind::Closed,
        _ => ErrorKind::Io,
    }
}

/// What is left before `deadline`, for a blocking socket's next connect, read or write; a
/// `TimedOut` error once nothing is. The blocking shells give each call the rest of one
/// exchange's time, so a timeout covers the whole exchange as the task's timer does
/// in the async shells.
pub fn time_left(deadline: Instant) -> io::Result<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| io::Error::from(io::ErrorKind::TimedOut))
}

/// The error kind of an HTTP status that is not a success.
pub fn status_kind(status: u16) -> Option<ErrorKind> {
    match status {
        200..=399 => None,
        400..=499 => Some(ErrorKind::Http4xx),
        500..=599 => Some(ErrorKind::Http5xx),
        _ => Some(ErrorKind::HttpOther),
    }
}

/// Find the I/O error at the root of an error chain.
pub fn root_io_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_and_resolve() {
        let e = Endpoint::parse("http://127.0.0.1:8080/delay?ms=5").unwrap();
        assert_eq!(e.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(e.path, "/delay?ms=5");
        assert_eq!(e.authority, "127.0.0.1:8080");
        assert_eq!(Endpoint::parse("http://127.0.0.1").unwrap().addr.port(), 80);
        assert!(Endpoint::parse("https://127.0.0.1/")
            .unwrap_err()
            .to_string()
            .contains("only http://"));
        let v6 = Endpoint::parse("http://[::1]:8080/x").unwrap();
        assert_eq!(v6.addr, "[::1]:8080".parse().unwrap());
        assert_eq!(v6.authority, "[::1]:8080");
        assert!(Endpoint::parse("127.0.0.1:80").is_err());
        assert!(Endpoint::parse("http:///x").is_err());
    }

    #[test]
    fn failures_get_kinds() {
        assert_eq!(
            io_kind(&io::Error::from(io::ErrorKind::ConnectionRefused)),
            ErrorKind::Refused
        );
        assert_eq!(io_kind(&io::Error::from_raw_os_error(libc::EMFILE)), ErrorKind::FdLimit);
        assert_eq!(
            io_kind(&io::Error::from_raw_os_error(libc::ECONNRESET)),
            ErrorKind::Reset
        );
        assert_eq!(io_kind(&time_left(Instant::now()).unwrap_err()), ErrorKind::Timeout);
        assert!(time_left(Instant::now() + Duration::from_secs(5)).unwrap() > Duration::from_secs(4));
        assert_eq!(status_kind(503), Some(ErrorKind::Http5xx));
        assert_eq!(status_kind(204), None);
    }
}
