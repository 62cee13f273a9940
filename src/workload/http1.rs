//! A sans-IO HTTP/1.1 client codec: the protocol half of the http workload, written once
//! and driven by two thin I/O shells in `http.rs` (blocking over `std::net`, async over
//! `tokio::net`).
//!
//! Why it exists: a comparison of concurrency models over HTTP must not also compare
//! client libraries. ureq and hyper differ in buffer sizes (ureq's 128 KiB per connection
//! was most of `rs-thread`'s memory per task), in allocations per request and in code
//! paths, so the default http workload runs this one codec under every Rust model and
//! only the scheduling differs. The libraries stay available as model variants (`+ureq`,
//! `+hyper`).
//!
//! The codec does no I/O and owns one fixed buffer (a task's, for all its connections):
//! [`Codec::request`] writes a request (GET, or the spec's `method`) into it for the shell to send; the shell reads into
//! [`Codec::spare`] and reports the count with [`Codec::filled`] (0: the peer closed);
//! [`Codec::advance`] says what comes next. The head must fit the buffer; the body is
//! counted off and discarded as it arrives (Content-Length, chunked with trailers, or
//! until the server closes), so a request allocates nothing. Bytes after a complete
//! response stay buffered as the start of the next one on the same connection.

use super::method::Method;
use crate::results::ErrorKind;

/// What a final response head says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    /// The server ends the connection after this response: `Connection: close`, HTTP/1.0
    /// without `keep-alive`, or a body that only the close delimits.
    pub close: bool,
}

/// What the codec needs, or has found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// More bytes: read into [`Codec::spare`], then call [`Codec::filled`].
    Read,
    /// The final head is complete (interim 1xx heads are skipped); its body follows.
    Head(Head),
    /// The response is complete; the codec is ready for the next one.
    Done(Head),
}

/// Input the codec cannot accept, or a response the peer cut short.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("malformed status line {0:?}")]
    StatusLine(String),
    #[error("malformed header line {0:?}")]
    HeaderLine(String),
    #[error("malformed Content-Length {0:?}")]
    ContentLength(String),
    #[error("malformed chunk size line {0:?}")]
    ChunkSize(String),
    #[error("chunk data not followed by CRLF")]
    ChunkEnd,
    #[error("101 Switching Protocols in answer to a plain GET")]
    Switching,
    #[error("Transfer-Encoding in an HTTP/1.0 response")]
    Http10Transfer,
    #[error("response head larger than the {0}-byte buffer")]
    HeadTooLarge(usize),
    #[error("chunk size or trailer line longer than the {0}-byte buffer")]
    LineTooLong(usize),
    #[error("request target {0:?} has a space or control character")]
    Target(String),
    #[error("request larger than the {0}-byte buffer")]
    RequestTooLarge(usize),
    #[error("connection closed {0}")]
    Closed(&'static str),
}

impl Error {
    /// The kind the request log counts it under: a cut-short response is `closed`,
    /// anything malformed is `protocol`.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Closed(_) => ErrorKind::Closed,
            _ => ErrorKind::Protocol,
        }
    }
}

/// How the body of the response being read ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// This many bytes remain.
    Length(u64),
    Chunked(Chunk),
    /// Everything until the server closes.
    UntilClose,
}

/// Where a chunked body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Expecting a chunk size line.
    Size,
    /// This many bytes of chunk data remain.
    Data(u64),
    /// Expecting the CRLF after a chunk's data.
    DataEnd,
    /// After the last (zero) chunk: trailer lines until an empty one.
    Trailers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a response head.
    Head,
    Body(Head, Framing),
}

/// What one parse step did.
enum Progress {
    Step(Step),
    /// Consumed something; parse on.
    Again,
    /// Nothing more can be parsed from the buffered bytes.
    Starved,
}

/// One task's HTTP/1.1 client state: its fixed buffer and the response being parsed.
pub struct Codec {
    buf: Box<[u8]>,
    /// Unparsed response bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    state: State,
    /// The peer has closed: no more bytes will come.
    eof: bool,
    /// Content bytes of the response being read (chunked: chunk data only).
    body: u64,
}

impl Codec {
    /// A codec with a buffer of `capacity` bytes, allocated once.
    pub fn new(capacity: usize) -> Codec {
        Codec {
            buf: vec![0; capacity].into_boxed_slice(),
            start: 0,
            end: 0,
            state: State::Head,
            eof: false,
            body: 0,
        }
    }

    /// Forget everything buffered and parsed: for a new connection.
    pub fn reset(&mut self) {
        self.start = 0;
        self.end = 0;
        self.state = State::Head;
        self.eof = false;
    }

    /// Write `METHOD path` for `authority` (the Host header) into the buffer and return
    /// the bytes to send; a method that expects a body says it is empty. Response bytes
    /// already buffered are kept.
    pub fn request(&mut self, method: Method, path: &str, authority: &str, keepalive: bool) -> Result<&[u8], Error> {
        if let Some(bad) = [path, authority]
            .into_iter()
            .find(|s| s.is_empty() || s.bytes().fold(false, |bad, b| bad | (b <= b' ') | (b == 0x7f)))
        {
            return Err(Error::Target(bad.to_string()));
        }
        self.compact();
        let connection: &[u8] = if keepalive { b"keep-alive" } else { b"close" };
        let length: &[u8] = if method.says_length() {
            b"\r\nContent-Length: 0"
        } else {
            b""
        };
        let parts: [&[u8]; 9] = [
            method.as_str().as_bytes(),
            b" ",
            path.as_bytes(),
            b" HTTP/1.1\r\nHost: ",
            authority.as_bytes(),
            b"\r\nConnection: ",
            connection,
            length,
            b"\r\n\r\n",
        ];
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let free = &mut self.buf[self.end..];
        if len > free.len() {
            return Err(Error::RequestTooLarge(self.buf.len()));
        }
        let mut at = 0;
        for part in parts {
            free[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        Ok(&self.buf[self.end..self.end + len])
    }

    /// Where the next read goes. Never empty after [`Codec::advance`] said [`Step::Read`].
    pub fn spare(&mut self) -> &mut [u8] {
        self.compact();
        &mut self.buf[self.end..]
    }

    /// `n` bytes were read into [`Codec::spare`]; 0 means the peer closed.
    pub fn filled(&mut self, n: usize) {
        if n == 0 {
            self.eof = true;
        }
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Parse what is buffered and say what comes next.
    pub fn advance(&mut self) -> Result<Step, Error> {
        loop {
            match self.parse()? {
                Progress::Step(step) => return Ok(step),
                Progress::Again => {}
                Progress::Starved => return self.starved(),
            }
        }
    }

    /// The content bytes of the response being read, or of the one just completed
    /// (chunked: the chunk data, without sizes, extensions or trailers). The shells count
    /// requests, not bytes; the shared corpus checks the framing with it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn body_len(&self) -> u64 {
        self.body
    }

    /// Move unparsed bytes to the front, so the free space is all at the end.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Nothing more parses from the buffered bytes: read more, or say why not.
    fn starved(&self) -> Result<Step, Error> {
        let buffered = self.end - self.start;
        if self.eof {
            return Err(Error::Closed(match self.state {
                State::Head if buffered == 0 => "before the response",
                State::Head => "in the middle of the response head",
                State::Body(..) => "before the response body was complete",
            }));
        }
        if buffered == self.buf.len() {
            return Err(match self.state {
                State::Head => Error::HeadTooLarge(self.buf.len()),
                State::Body(..) => Error::LineTooLong(self.buf.len()),
            });
        }
        Ok(Step::Read)
    }

    fn parse(&mut self) -> Result<Progress, Error> {
        let input = &self.buf[self.start..self.end];
        let (head, framing) = match self.state {
            State::Head => {
                let Some((len, parsed)) = parse_head(input) else {
                    return Ok(Progress::Starved);
                };
                let parsed = parsed?;
                self.start += len;
                return Ok(match parsed {
                    None => Progress::Again,
                    Some((head, framing)) => {
                        self.state = State::Body(head, framing);
                        self.body = 0;
                        Progress::Step(Step::Head(head))
                    }
                });
            }
            State::Body(head, framing) => (head, framing),
        };
        let before = self.start;
        let done = |codec: &mut Codec| {
            codec.state = State::Head;
            Ok(Progress::Step(Step::Done(head)))
        };
        let next = match framing {
            Framing::Length(0) => return done(self),
            Framing::Length(left) => Framing::Length(left - self.skip(left)),
            Framing::UntilClose => {
                self.body += (self.end - self.start) as u64;
                self.start = self.end;
                return match self.eof {
                    true => done(self),
                    false => Ok(Progress::Starved),
                };
            }
            Framing::Chunked(Chunk::Data(0)) => Framing::Chunked(Chunk::DataEnd),
            Framing::Chunked(Chunk::Data(left)) => Framing::Chunked(Chunk::Data(left - self.skip(left))),
            Framing::Chunked(Chunk::DataEnd) => match input {
                [b'\n', ..] => self.take(1, Framing::Chunked(Chunk::Size)),
                [b'\r', b'\n', ..] => self.take(2, Framing::Chunked(Chunk::Size)),
                [] | [b'\r'] => framing,
                _ => return Err(Error::ChunkEnd),
            },
            Framing::Chunked(Chunk::Size) => {
                let Some(len) = line_end(input) else {
                    return Ok(Progress::Starved);
                };
                let size = chunk_size(&input[..len])?;
                let chunk = if size == 0 { Chunk::Trailers } else { Chunk::Data(size) };
                self.take(len, Framing::Chunked(chunk))
            }
            Framing::Chunked(Chunk::Trailers) => {
                let Some(len) = line_end(input) else {
                    return Ok(Progress::Starved);
                };
                let last = trim_line(&input[..len]).is_empty();
                self.start += len;
                if last {
                    return done(self);
                }
                framing
            }
        };
        if next == framing && self.start == before {
            return Ok(Progress::Starved);
        }
        self.state = State::Body(head, next);
        Ok(Progress::Again)
    }

    /// Discard up to `left` body bytes from the buffer; returns how many.
    fn skip(&mut self, left: u64) -> u64 {
        let n = left.min((self.end - self.start) as u64);
        self.start += n as usize;
        self.body += n;
        n
    }

    /// Consume `len` buffered bytes and go on with `next`.
    fn take(&mut self, len: usize, next: Framing) -> Framing {
        self.start += len;
        next
    }
}

/// The length of the first line of `input`, its `\n` included, once complete.
fn line_end(input: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', input).map(|i| i + 1)
}

/// A line without its `\r\n` (or bare `\n`).
fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    trim_end_ows(s)
}

fn trim_end_ows(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Up to 80 bytes of `bytes`, for an error message.
fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned()
}

/// A decimal number of at most 19 digits.
fn decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
}

/// A complete head: its status and body framing (`None` for an interim 1xx head), or why
/// it is malformed.
type ParsedHead = Result<Option<(Head, Framing)>, Error>;

/// The head at the front of `input`, once its empty line has arrived: its length and its
/// status and body framing (`None` for an interim 1xx head), or the first malformed line.
/// One pass over the line ends (`memchr`, SIMD); a field is parsed as soon as the next
/// line shows it is not folded on, but an error counts only once the head is complete, as
/// if it had been parsed whole.
fn parse_head(input: &[u8]) -> Option<(usize, ParsedHead)> {
    let mut fields = Fields::default();
    let mut failed = None;
    // The field line being read: from its start to the end of its last line, obsolete
    // folds (continuation lines starting with SP or HTAB, RFC 9112 5.2) included.
    let mut field: Option<(usize, usize)> = None;
    let mut at = 0;
    for end in memchr::memchr_iter(b'\n', input) {
        let line = trim_line(&input[at..=end]);
        let start = at;
        at = end + 1;
        if start == 0 {
            failed = fields.status_line(line).err();
        } else if let (Some((from, _)), [b' ' | b'\t', ..]) = (field, line) {
            field = Some((from, end));
            continue;
        } else if let Some((from, to)) = field.take() {
            if failed.is_none() {
                failed = fields.field(&input[from..to]).err();
            }
        }
        if line.is_empty() {
            return Some((at, failed.map_or_else(|| fields.finish(), Err)));
        }
        if start > 0 {
            field = Some((start, end));
        }
    }
    None
}

/// What a head's lines said, as far as the codec cares.
#[derive(Default)]
struct Fields {
    status: u16,
    http10: bool,
    length: Option<u64>,
    transfer: bool,
    chunked: bool,
    close: bool,
    keep_alive: bool,
}

impl Fields {
    fn status_line(&mut self, line: &[u8]) -> Result<(), Error> {
        let malformed = || Error::StatusLine(shown(line));
        match line {
            [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor, b' ', code @ ..] if minor.is_ascii_digit() => {
                let (digits, reason) = code.split_at(code.len().min(3));
                if !matches!(reason, [] | [b' ', ..]) {
                    return Err(malformed());
                }
                match decimal(digits) {
                    Some(n @ 100..=999) if digits.len() == 3 => {
                        (self.http10, self.status) = (*minor == b'0', n as u16);
                        Ok(())
                    }
                    _ => Err(malformed()),
                }
            }
            _ => Err(malformed()),
        }
    }

    /// One field line, with the lines folded onto it (`raw` ends before its last `\n`).
    /// Each fold is replaced by one SP before the field is read (RFC 9112 5.2: a user
    /// agent MUST); only a folded head allocates.
    fn field(&mut self, raw: &[u8]) -> Result<(), Error> {
        if memchr::memchr(b'\n', raw).is_none() {
            return self.header(trim_line(raw));
        }
        let mut line = Vec::with_capacity(raw.len());
        for (i, part) in raw.split(|&b| b == b'\n').map(trim_line).enumerate() {
            if i == 0 {
                line.extend_from_slice(trim_end_ows(part));
            } else {
                line.push(b' ');
                line.extend_from_slice(trim_ows(part));
            }
        }
        self.header(&line)
    }

    fn header(&mut self, line: &[u8]) -> Result<(), Error> {
        let bad = || Error::HeaderLine(shown(line));
        // The name runs to the first colon and is not empty; whitespace or a control byte
        // in it is malformed. One loop finds the colon and checks the name.
        let mut colon = 0;
        loop {
            match line.get(colon) {
                Some(b':') if colon > 0 => break,
                Some(&b) if b > b' ' && b != 0x7f && b != b':' => colon += 1,
                _ => return Err(bad()),
            }
        }
        let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"content-length") {
            // A list of equal values is one length (RFC 9110 8.6); differing ones are not.
            for item in value.split(|&b| b == b',').map(trim_ows) {
                let n = decimal(item).ok_or_else(|| Error::ContentLength(shown(value)))?;
                if self.length.is_some_and(|l| l != n) {
                    return Err(Error::ContentLength(shown(value)));
                }
                self.length = Some(n);
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer = true;
            let last = value.rsplit(|&b| b == b',').next().map(trim_ows).unwrap_or_default();
            self.chunked = last.eq_ignore_ascii_case(b"chunked");
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in value.split(|&b| b == b',').map(trim_ows) {
                self.close |= token.eq_ignore_ascii_case(b"close");
                self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        }
        Ok(())
    }

    /// The head's status and body framing; `None` for an interim (1xx) head.
    fn finish(self) -> ParsedHead {
        let mut close = self.close;
        // HTTP/1.0 has no transfer codings: the framing cannot be trusted (RFC 9112 6.1).
        if self.http10 && self.transfer {
            return Err(Error::Http10Transfer);
        }
        let framing = match self.status {
            101 => return Err(Error::Switching),
            100..=199 => return Ok(None),
            204 | 304 => Framing::Length(0),
            // Both framings given: the transfer coding wins and the connection is not
            // reused (RFC 9112 6.3).
            _ if self.transfer && self.chunked => {
                close |= self.length.is_some();
                Framing::Chunked(Chunk::Size)
            }
            _ if self.transfer => Framing::UntilClose,
            _ => self.length.map_or(Framing::UntilClose, Framing::Length),
        };
        close |= (self.http10 && !self.keep_alive) || framing == Framing::UntilClose;
        Ok(Some((
            Head {
                status: self.status,
                close,
            },
            framing,
        )))
    }
}

/// The size on a chunk size line (hex, extensions after `;` ignored).
fn chunk_size(line: &[u8]) -> Result<u64, Error> {
    let line = trim_line(line);
    let digits = trim_ows(line.split(|&b| b == b';').next().unwrap_or_default());
    if digits.is_empty() || digits.len() > 15 {
        return Err(Error::ChunkSize(shown(line)));
    }
    digits.iter().try_fold(0u64, |n, &d| {
        let v = (d as char).to_digit(16).ok_or_else(|| Error::ChunkSize(shown(line)))?;
        Ok(n << 4 | u64::from(v))
    })
}

#[cfg(test)]
mod corpus;

#[cfg(test)]
mod tests;
