//! The HTTP method a client request uses (`method=` on `http` and `serve-app`). GET is
//! what conlab's own server and most fetches want; a user's app is also measured on the
//! routes that take POST, PUT, PATCH or DELETE. HEAD is left out on purpose: its answer
//! announces a body it does not send, and every client here reads what a head announces.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::params::{Params, SpecError};

/// A request method, sent without a body (`Content-Length: 0` where one is expected).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    #[default]
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

const NAMES: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

impl Method {
    /// `method=NAME` (any case), GET when absent.
    pub fn parse(p: &mut Params) -> Result<Method, SpecError> {
        let Some(text) = p.text("method") else {
            return Ok(Method::Get);
        };
        let method = match text.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            _ => return Err(SpecError::invalid(p.spec(), format!("method={text}: one of {NAMES}"))),
        };
        Ok(method)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }

    /// Whether a request of this method is expected to say how long its (empty) body is:
    /// a server may otherwise wait for one, or answer 411.
    pub fn says_length(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }

    /// `,method=POST` for a spec's canonical spelling; nothing for GET.
    pub fn spec_suffix(self) -> String {
        match self {
            Method::Get => String::new(),
            m => format!(",method={m}"),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_refuses_head() {
        let parse = |s: &str| Method::parse(&mut Params::parse(s).unwrap());
        assert_eq!(parse("http:method=post"), Ok(Method::Post));
        assert_eq!(parse("http:x=1"), Ok(Method::Get));
        assert!(parse("http:method=HEAD")
            .unwrap_err()
            .to_string()
            .contains("one of GET"));
        assert_eq!(Method::Delete.spec_suffix(), ",method=DELETE");
        assert_eq!(Method::Get.spec_suffix(), "");
        assert!(Method::Put.says_length() && !Method::Get.says_length());
    }
}
