//! The codec's own unit tests: requests, framing, interim heads, malformed lines, the
//! buffer's limits, and the one-pass head parse against its plain definition.

use super::*;

const CAP: usize = 1024;

/// Feed `pieces` one read each (a piece larger than the free space arrives over
/// several reads), then close if `eof`; collect every step that is not a read, up to
/// the first response's end.
fn run(codec: &mut Codec, pieces: &[&[u8]], eof: bool) -> Result<Vec<Step>, Error> {
    let mut steps = Vec::new();
    let mut pieces = pieces.iter().copied().filter(|p| !p.is_empty());
    let mut pending: &[u8] = &[];
    loop {
        match codec.advance()? {
            Step::Read => {
                if pending.is_empty() {
                    pending = match pieces.next() {
                        Some(piece) => piece,
                        None if eof => {
                            codec.filled(0);
                            continue;
                        }
                        None => return Ok(steps),
                    };
                }
                let spare = codec.spare();
                let n = pending.len().min(spare.len());
                spare[..n].copy_from_slice(&pending[..n]);
                codec.filled(n);
                pending = &pending[n..];
            }
            step @ Step::Head(_) => steps.push(step),
            step @ Step::Done(_) => {
                steps.push(step);
                return Ok(steps);
            }
        }
    }
}

fn one(response: &[u8]) -> Result<Head, Error> {
    let mut codec = Codec::new(CAP);
    match run(&mut codec, &[response], true)?.last() {
        Some(Step::Done(head)) => Ok(*head),
        other => panic!("no response: {other:?}"),
    }
}

fn head(status: u16, close: bool) -> Head {
    Head { status, close }
}

#[test]
fn writes_a_get_with_host_and_connection() {
    let mut codec = Codec::new(CAP);
    let request = codec
        .request(Method::Get, "/delay?ms=5", "127.0.0.1:8080", true)
        .unwrap();
    assert_eq!(
        request,
        b"GET /delay?ms=5 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n"
    );
    let request = codec.request(Method::Get, "/", "[::1]:80", false).unwrap();
    assert!(request.ends_with(b"Connection: close\r\n\r\n"));
    assert_eq!(
        codec.request(Method::Get, "/a b", "h", true),
        Err(Error::Target("/a b".into()))
    );
    assert!(matches!(
        codec.request(Method::Get, "/x\r\nEvil: 1", "h", true),
        Err(Error::Target(_))
    ));
    let request = codec.request(Method::Post, "/items", "h", true).unwrap();
    assert_eq!(
        request,
        b"POST /items HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"
    );
    let long = format!("/{}", "x".repeat(CAP));
    assert_eq!(
        codec.request(Method::Get, &long, "h", true),
        Err(Error::RequestTooLarge(CAP))
    );
}

#[test]
fn content_length() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
    let mut codec = Codec::new(CAP);
    assert_eq!(
        run(&mut codec, &[response], false).unwrap(),
        [Step::Head(head(200, false)), Step::Done(head(200, false))]
    );
    assert_eq!(
        one(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"),
        Ok(head(404, false))
    );
    assert_eq!(
        one(b"HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc"),
        Ok(head(200, false))
    );
    assert_eq!(one(b"HTTP/1.1 204 No Content\r\n\r\n"), Ok(head(204, false)));
    assert_eq!(
        one(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"),
        Ok(head(200, true))
    );
    // Bare \n line ends are accepted.
    assert_eq!(one(b"HTTP/1.1 200 OK\nContent-Length: 1\n\nx"), Ok(head(200, false)));
    // A body cut short is `closed`.
    let short = one(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").unwrap_err();
    assert_eq!(short.kind(), ErrorKind::Closed);
    for bad in [
        "Content-Length: ten",
        "Content-Length: -1",
        "Content-Length: 3, 4",
        "Content-Length: 99999999999999999999",
    ] {
        let response = format!("HTTP/1.1 200 OK\r\n{bad}\r\n\r\n");
        assert!(
            matches!(one(response.as_bytes()), Err(Error::ContentLength(_))),
            "{bad}"
        );
    }
}

#[test]
fn chunked_split_at_every_byte_boundary() {
    let response: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n";
    let next: &[u8] = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    for cut in 0..=response.len() {
        let mut codec = Codec::new(CAP);
        let (a, b) = response.split_at(cut);
        let steps = run(&mut codec, &[a, b], false).unwrap();
        assert_eq!(steps.last(), Some(&Step::Done(head(200, false))), "cut at {cut}");
        // The body was consumed to its last byte: the next response parses.
        let steps = run(&mut codec, &[next], false).unwrap();
        assert_eq!(steps.last(), Some(&Step::Done(head(201, false))), "cut at {cut}");
    }
    // One byte at a time.
    let mut codec = Codec::new(CAP);
    let bytes: Vec<&[u8]> = response.chunks(1).collect();
    assert_eq!(
        run(&mut codec, &bytes, false).unwrap().last(),
        Some(&Step::Done(head(200, false)))
    );
    let bad_size = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    assert!(matches!(one(bad_size), Err(Error::ChunkSize(_))));
    let no_crlf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY";
    assert_eq!(one(no_crlf), Err(Error::ChunkEnd));
    let cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel";
    assert_eq!(one(cut).unwrap_err().kind(), ErrorKind::Closed);
    // Transfer-Encoding wins over Content-Length, and the connection is not reused.
    let both = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(one(both), Ok(head(200, true)));
}

#[test]
fn close_delimited() {
    let response: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until the close";
    let mut codec = Codec::new(CAP);
    // Without the close, the body is never complete.
    assert_eq!(
        run(&mut codec, &[response], false).unwrap(),
        [Step::Head(head(200, true))]
    );
    assert_eq!(
        run(&mut codec, &[b"more"], true).unwrap(),
        [Step::Done(head(200, true))]
    );
    // A transfer coding other than chunked is also read until the close.
    assert_eq!(
        one(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz"),
        Ok(head(200, true))
    );
}

#[test]
fn http_1_0() {
    assert_eq!(
        one(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        Ok(head(200, true))
    );
    assert_eq!(
        one(b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"),
        Ok(head(200, false))
    );
    assert_eq!(one(b"HTTP/1.0 200 OK\r\n\r\nuntil close"), Ok(head(200, true)));
}

#[test]
fn keep_alive_reuses_leftover_bytes() {
    let two: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy";
    let mut codec = Codec::new(CAP);
    codec.request(Method::Get, "/", "h", true).unwrap();
    let steps = run(&mut codec, &[two], false).unwrap();
    assert_eq!(steps.last(), Some(&Step::Done(head(200, false))));
    // The second response is already buffered: the next request keeps it, and it
    // completes without a read.
    codec.request(Method::Get, "/again", "h", true).unwrap();
    assert_eq!(codec.advance(), Ok(Step::Head(head(503, false))));
    assert_eq!(codec.advance(), Ok(Step::Done(head(503, false))));
    assert_eq!(codec.advance(), Ok(Step::Read));
    // A reset forgets what a previous connection left.
    let mut codec = Codec::new(CAP);
    run(
        &mut codec,
        &[b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\ngarbage"],
        false,
    )
    .unwrap();
    codec.reset();
    assert_eq!(
        run(&mut codec, &[b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"], false)
            .unwrap()
            .last(),
        Some(&Step::Done(head(200, false)))
    );
}

#[test]
fn interim_heads_are_skipped() {
    assert_eq!(
        one(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        Ok(head(200, false))
    );
    assert_eq!(one(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"), Err(Error::Switching));
}

#[test]
fn malformed_status_line() {
    for bad in [
        "HTTP/1.1 2000 OK",
        "HTTP/1.1 20 OK",
        "HTTP/1.1 abc OK",
        "HTTP/2 200 OK",
        "HTTP/1.1  200 OK",
        "http/1.1 200 OK",
        "ICY 200 OK",
        "HTTP/1.1 200OK",
        "HTTP/1.1 099 Low",
        "",
    ] {
        let response = format!("{bad}\r\nContent-Length: 0\r\n\r\n");
        let err = one(response.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::StatusLine(_)), "{bad:?}: {err}");
        assert_eq!(err.kind(), ErrorKind::Protocol);
    }
    assert_eq!(one(b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), Ok(head(200, false)));
    for bad in ["no colon here", ": empty name", "Bad Name: x", " folded: line"] {
        let response = format!("HTTP/1.1 200 OK\r\n{bad}\r\n\r\n");
        assert!(matches!(one(response.as_bytes()), Err(Error::HeaderLine(_))), "{bad:?}");
    }
}

#[test]
fn oversized_head() {
    let mut codec = Codec::new(64);
    let long = format!("HTTP/1.1 200 OK\r\nX-Long: {}\r\n\r\n", "x".repeat(100));
    let pieces: Vec<&[u8]> = long.as_bytes().chunks(16).collect();
    assert_eq!(run(&mut codec, &pieces, false), Err(Error::HeadTooLarge(64)));
    // A head that just fits is fine, however it arrives.
    let fits = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: 012345\r\n\r\n";
    assert_eq!(fits.len(), 53);
    let mut codec = Codec::new(fits.len());
    let pieces: Vec<&[u8]> = fits.chunks(7).collect();
    assert_eq!(
        run(&mut codec, &pieces, false).unwrap().last(),
        Some(&Step::Done(head(200, false)))
    );
    let mut codec = Codec::new(64);
    let long_chunk = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;{}\r\n",
        "e".repeat(100)
    );
    let pieces: Vec<&[u8]> = long_chunk.as_bytes().chunks(16).collect();
    assert_eq!(run(&mut codec, &pieces, false), Err(Error::LineTooLong(64)));
}

#[test]
fn one_pass_head_parse_matches_find_the_end_then_parse() {
    // The plain two-pass definition: find the empty line byte by byte, then parse the
    // lines before it, stopping at the first error.
    fn two_pass(input: &[u8]) -> Option<(usize, ParsedHead)> {
        let mut len = 0;
        let complete = input.split_inclusive(|&b| b == b'\n').any(|line| {
            len += line.len();
            line.ends_with(b"\n") && trim_line(line).is_empty()
        });
        if !complete {
            return None;
        }
        let mut lines = input[..len].split_inclusive(|&b| b == b'\n').map(trim_line);
        let mut fields = Fields::default();
        let parse = || {
            fields.status_line(lines.next().unwrap_or_default())?;
            for line in lines.take_while(|l| !l.is_empty()) {
                fields.header(line)?;
            }
            Ok(())
        };
        Some((len, parse().and_then(|()| fields.finish())))
    }
    // Every string of up to 7 bytes over the bytes that matter, alone and after a
    // valid status line.
    let alphabet = [b'a', b'\r', b'\n', b':'];
    for len in 0..=7u32 {
        for mut code in 0..4usize.pow(len) {
            let tail: Vec<u8> = (0..len)
                .map(|_| {
                    let b = alphabet[code % 4];
                    code /= 4;
                    b
                })
                .collect();
            for prefix in [&b""[..], b"HTTP/1.1 200 OK\r\n"] {
                let input = [prefix, &tail].concat();
                assert_eq!(parse_head(&input), two_pass(&input), "{:?}", shown(&input));
            }
        }
    }
}

#[test]
fn header_names_are_checked_as_before() {
    // The plain definition: the name is everything before the first colon, not empty,
    // without whitespace or control bytes.
    fn plain(line: &[u8]) -> bool {
        line.iter().position(|&b| b == b':').is_some_and(|colon| {
            let name = &line[..colon];
            !name.is_empty() && !name.iter().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        })
    }
    let alphabet = [b'a', b' ', b':', b'\t', 0x7f, 0x80, 0x0c];
    for len in 0..=5u32 {
        for mut code in 0..alphabet.len().pow(len) {
            let line: Vec<u8> = (0..len)
                .map(|_| {
                    let b = alphabet[code % alphabet.len()];
                    code /= alphabet.len();
                    b
                })
                .collect();
            let ok = Fields::default().header(&line).is_ok();
            assert_eq!(ok, plain(&line), "{line:?}");
        }
    }
}

#[test]
fn early_close_is_closed() {
    let mut codec = Codec::new(CAP);
    assert_eq!(run(&mut codec, &[], true), Err(Error::Closed("before the response")));
    let err = one(b"HTTP/1.1 200 OK\r\nContent-").unwrap_err();
    assert_eq!(err, Error::Closed("in the middle of the response head"));
}
