//! What the I/O workloads share: parsing `http://host:port/path` targets, and naming a
//! network failure by the kind users act on (refused, reset, timeout, closed mid-response,
//! out of ports or descriptors), whichever client library reported it.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

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
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let rest = match url.split_once("://") {
            Some(("http", rest)) => rest,
            Some((scheme, _)) => return Err(format!("'{url}': only http:// targets are supported (got {scheme}://)")),
            None => return Err(format!("'{url}' is not a URL (expected http://host:port/path)")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(format!("'{url}' has no host"));
        }
        let with_port = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let addr = with_port
            .to_socket_addrs()
            .map_err(|e| format!("'{url}': cannot resolve {authority}: {e}"))?
            .next()
            .ok_or_else(|| format!("'{url}': {authority} has no address"))?;
        Ok(Endpoint {
            url: url.to_string(),
            addr,
            authority: authority.to_string(),
            path: path.to_string(),
        })
    }
}

/// The error kind of an I/O error.
pub fn io_kind(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::EMFILE) | Some(libc::ENFILE) => return "fd-limit",
        Some(libc::EADDRNOTAVAIL) => return "no-ports",
        _ => {}
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "refused",
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => "reset",
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timeout",
        io::ErrorKind::UnexpectedEof => "closed",
        _ => "io",
    }
}

/// The error kind of an HTTP status that is not a success.
pub fn status_kind(status: u16) -> Option<&'static str> {
    match status {
        200..=399 => None,
        400..=499 => Some("http-4xx"),
        500..=599 => Some("http-5xx"),
        _ => Some("http-other"),
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
            .contains("only http://"));
        assert!(Endpoint::parse("127.0.0.1:80").is_err());
        assert!(Endpoint::parse("http:///x").is_err());
    }

    #[test]
    fn failures_get_kinds() {
        assert_eq!(io_kind(&io::Error::from(io::ErrorKind::ConnectionRefused)), "refused");
        assert_eq!(io_kind(&io::Error::from_raw_os_error(libc::EMFILE)), "fd-limit");
        assert_eq!(io_kind(&io::Error::from_raw_os_error(libc::ECONNRESET)), "reset");
        assert_eq!(status_kind(503), Some("http-5xx"));
        assert_eq!(status_kind(204), None);
    }
}
