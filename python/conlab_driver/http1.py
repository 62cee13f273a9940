"""The driver's HTTP/1.1 codec, sans-IO: request bytes out, response bytes in, no I/O of
its own. One protocol code for every Python model, so that what differs between two
models' http cells is the model and nothing else; the shells (`shells.py`) only move
bytes. It mirrors `src/workload/http1.rs`, and both are held to the shared corpus in
tests/fixtures/http1/."""

from .errors import ProtocolError

# The Rust codec's buffer (`workload/http.rs` BUFFER), from the spec's constants
# (`configure`): a head, or a chunk size or trailer line, longer than this is malformed in
# both languages.
HEAD_LIMIT = None


def configure(constants):
    global HEAD_LIMIT
    HEAD_LIMIT = int(constants["head_limit"])
_OWS = b" \t"
_NAME_BAD = bytes(range(33)) + b"\x7f"  # bytes a field name must not hold
_HEX = b"0123456789abcdefABCDEF"
_FRAMING = frozenset((b"content-length", b"transfer-encoding", b"connection"))  # the fields read
_VERSIONS = frozenset(b"HTTP/1.%d " % minor for minor in range(10))  # a status line's start


def split_host_port(authority, default_port):
    """("host", port) from "host:port", "[v6]:port", "host" or "[v6]"; the host has no
    brackets, ready to connect to."""
    if authority.startswith("["):
        close = authority.find("]")
        host, rest = authority[1:close], authority[close + 1:]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, colon, port = authority.rpartition(":")
        if not colon:
            host, port = authority, ""
    return host, int(port) if port.isdigit() else default_port


def split_url(url):
    """(host, port, path, authority) of an http:// URL: the host without brackets for
    connecting, the authority as written (brackets included) for the Host header."""
    rest = url.split("://", 1)[1]
    cut = min((k for k in (rest.find("/"), rest.find("?")) if k >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if not path.startswith("/"):
        path = "/" + path
    authority = authority.rpartition("@")[2]
    host, port = split_host_port(authority, 80)
    return host, port, path, authority


def http_request(path, authority, keepalive):
    """The bytes of one GET: without keep-alive it asks the server to close after it."""
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n"
            % (path, authority, "keep-alive" if keepalive else "close")).encode("latin-1")


def quoted(text):
    """Text as the Rust codec shows it in a message (its first 80 characters in double
    quotes, escaped as Rust's Debug does), so a malformed response reads the same under
    every model."""
    out = []
    for ch in text[:80]:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\r\n\t\0":
            out.append({"\r": "\\r", "\n": "\\n", "\t": "\\t", "\0": "\\0"}[ch])
        elif not ch.isprintable():
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"%s"' % "".join(out)


def shown(data):
    """Bytes of a response for a message, as the Rust codec shows them: the first 80,
    invalid UTF-8 as U+FFFD, quoted."""
    return quoted(data[:80].decode("utf-8", "replace"))


def _trim_line(line):
    """A line (already without its \\n) without the \\r before it."""
    return line[:-1] if line.endswith(b"\r") else line


def _length(value):
    """A Content-Length list of equal decimal values (RFC 9110 8.6), at most 19 digits
    each, as one number; ProtocolError otherwise."""
    if value.isdigit() and len(value) <= 19:
        return int(value)
    length = None
    for item in value.split(b","):
        item = item.strip(_OWS)
        if not item or len(item) > 19 or not item.isdigit() or (length is not None and int(item) != length):
            raise ProtocolError("malformed Content-Length %s" % shown(value))
        length = int(item)
    return length


def _unfold(lines):
    """Head lines (the status line first) with each field's obsolete fold lines (starting
    with SP or HTAB) joined onto it, each fold one SP (RFC 9112 5.2: a user agent MUST).
    Whitespace before the first field stays, to be refused with it."""
    fields = [[line] for line in lines[:2]]
    for line in lines[2:]:
        if line[:1] in (b" ", b"\t"):
            fields[-1].append(line)
        else:
            fields.append([line])
    return [parts[0] if len(parts) == 1 else b" ".join([parts[0].rstrip(_OWS)] + [p.strip(_OWS) for p in parts[1:]])
            for parts in fields]


class Response:
    """One HTTP/1.1 response, parsed from the bytes fed to it as they arrive (sans-IO),
    exactly as the Rust codec (`workload/http1.rs`) parses it: the shared corpus in
    `tests/fixtures/http1/` holds both to the same outcome, error messages included.

    `feed(data)` takes what the connection gave, b"" once the peer closed it, and returns
    True when the response is complete; then `status` is its status, `closing` says
    whether the connection ends after it (the request asked so, the server says so, or
    the body runs to the close), `body` counts its content bytes and `rest` holds the
    bytes that came after it (the start of the next response). Framing: Content-Length,
    chunked, or read to the close; the body is counted, not kept. Lines end in CRLF or a
    bare LF; obsolete folds are unfolded. Interim 1xx heads are skipped (101 is an error:
    the request asked for no upgrade). A head, or a chunk line, longer than HEAD_LIMIT is
    malformed. Malformed input raises ProtocolError; a connection that ends before the
    response does raises EOFError (kind "closed")."""

    __slots__ = ("status", "closing", "body", "rest", "_step", "_left", "_buf")

    def __init__(self, keepalive):
        self.status = 0
        self.closing = not keepalive
        self.body = 0
        self.rest = b""
        self._step = Response._head  # what the next bytes are; None once complete
        self._left = 0  # bytes still due in the body or the current chunk
        self._buf = b""  # bytes not consumed yet (a partial head or line)

    def feed(self, data):
        if not data:
            return self._end()
        buf = self._buf + data if self._buf else data
        pos, size = 0, len(buf)
        while pos < size and self._step is not None:
            after = self._step(self, buf, pos)
            if after is None:  # an incomplete line: wait for more bytes
                break
            pos = after
        rest = buf[pos:] if pos < size else b""
        if self._step is None:
            self.rest, self._buf = rest, b""
            return True
        self._buf = rest
        return False

    def _end(self):
        if self._step is Response._to_close:
            self._step = None
        if self._step is None:
            return True
        if self._step is not Response._head:
            raise EOFError("connection closed before the response body was complete")
        raise EOFError("connection closed in the middle of the response head" if self._buf
                       else "connection closed before the response")

    def _line(self, buf, pos):
        """The end of the chunk size or trailer line at `pos` (its \\n), or -1 for now."""
        end = buf.find(b"\n", pos, pos + HEAD_LIMIT)
        if end < 0 and len(buf) - pos >= HEAD_LIMIT:
            raise ProtocolError("chunk size or trailer line longer than the %d-byte buffer" % HEAD_LIMIT)
        return end

    def _head(self, buf, pos):
        # The head ends with its first empty line ("\n" or "\r\n"), within HEAD_LIMIT.
        if buf[pos] in b"\r\n" and (buf.startswith(b"\n", pos) or buf.startswith(b"\r\n", pos)):
            end = buf.find(b"\n", pos) + 1  # the status line is empty
        else:
            # The first empty line: a CRLF one, or a bare LF one before it.
            crlf = buf.find(b"\n\r\n", pos, pos + HEAD_LIMIT)
            lf = buf.find(b"\n\n", pos, crlf + 2 if crlf >= 0 else pos + HEAD_LIMIT)
            if lf >= 0:
                end = lf + 2
            elif crlf >= 0:
                end = crlf + 3
            else:
                if len(buf) - pos >= HEAD_LIMIT:
                    raise ProtocolError("response head larger than the %d-byte buffer" % HEAD_LIMIT)
                return None
        head = buf[pos:end]
        lines = head.split(b"\r\n")
        if len(lines) != head.count(b"\n") + 1:  # some lines end in a bare LF
            lines = [_trim_line(line) for line in head.split(b"\n")]
        del lines[-1]
        if b"\n " in head or b"\n\t" in head:
            lines = _unfold(lines)
        line = lines[0]
        status = line[9:12]
        if line[:9] not in _VERSIONS or len(status) != 3 or not status.isdigit() or status < b"100" \
                or line[12:13] not in (b"", b" "):
            raise ProtocolError("malformed status line %s" % shown(line))
        http10 = line[7:8] == b"0"
        length, transfer, chunked, close, keep_alive = None, False, False, False, False
        for line in lines[1:-1]:
            name, colon, value = line.partition(b":")
            if not name or not colon or len(name.translate(None, _NAME_BAD)) != len(name):
                raise ProtocolError("malformed header line %s" % shown(line))
            name = name.lower()
            if name not in _FRAMING:
                continue
            value = value.strip(_OWS)
            if name == b"content-length":
                n = _length(value)
                if length is not None and n != length:
                    raise ProtocolError("malformed Content-Length %s" % shown(value))
                length = n
            elif name == b"transfer-encoding":
                transfer = True
                chunked = value.rsplit(b",", 1)[-1].strip(_OWS).lower() == b"chunked"
            elif name == b"connection":
                for token in value.split(b","):
                    token = token.strip(_OWS).lower()
                    close = close or token == b"close"
                    keep_alive = keep_alive or token == b"keep-alive"
        # HTTP/1.0 has no transfer codings: the framing cannot be trusted (RFC 9112 6.1).
        if http10 and transfer:
            raise ProtocolError("Transfer-Encoding in an HTTP/1.0 response")
        status = int(status)
        if status == 101:  # only an answer to a request that asked for an upgrade
            raise ProtocolError("101 Switching Protocols in answer to a plain GET")
        if status < 200:  # an interim response: the final one follows
            return end
        self.status = status
        if status in (204, 304):
            self._step = None
        elif transfer and chunked:
            # Both framings given: the transfer coding wins and the connection is not
            # reused (RFC 9112 6.3, 6.1).
            close = close or length is not None
            self._step = Response._chunk_size
        elif transfer or length is None:
            self._step = Response._to_close
        else:
            self._left = length
            self._step = Response._body if length else None
        if close or (http10 and not keep_alive) or self._step is Response._to_close:
            self.closing = True
        return end

    def _body(self, buf, pos):
        take = min(self._left, len(buf) - pos)
        self._left -= take
        self.body += take
        if not self._left:
            self._step = None
        return pos + take

    def _chunk_size(self, buf, pos):
        end = self._line(buf, pos)
        if end < 0:
            return None
        line = _trim_line(buf[pos:end])
        size = line.split(b";", 1)[0].strip(_OWS)
        if not size or len(size) > 15 or size.strip(_HEX):
            raise ProtocolError("malformed chunk size line %s" % shown(line))
        self._left = int(size, 16)
        self._step = Response._chunk_data if self._left else Response._trailer
        return end + 1

    def _chunk_data(self, buf, pos):
        take = min(self._left, len(buf) - pos)
        self._left -= take
        self.body += take
        if not self._left:
            self._step = Response._chunk_end
        return pos + take

    def _chunk_end(self, buf, pos):
        ends = buf[pos:pos + 2]
        if ends[:1] == b"\n":
            self._step = Response._chunk_size
            return pos + 1
        if ends == b"\r\n":
            self._step = Response._chunk_size
            return pos + 2
        if ends == b"\r":
            return None
        raise ProtocolError("chunk data not followed by CRLF")

    def _trailer(self, buf, pos):
        end = self._line(buf, pos)
        if end < 0:
            return None
        if _trim_line(buf[pos:end]) == b"":  # the empty line that ends the trailer
            self._step = None
        return end + 1

    def _to_close(self, buf, pos):
        self.body += len(buf) - pos
        return len(buf)
