"""The driver's HTTP/1.1 codec, sans-IO: request bytes out, response bytes in, no I/O of
its own. One protocol code for every Python model, so that what differs between two
models' http cells is the model and nothing else; the shells (`shells.py`) only move
bytes. It mirrors `src/workload/http1.rs`, and both are held to the shared corpus in
tests/fixtures/http1/."""

from .errors import ProtocolError

HEAD_LIMIT = 65536  # a response head longer than this is malformed


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


def decimal(text, what, shown=None):
    """A non-negative decimal number, or ProtocolError naming `shown` (default: the text)."""
    if not (text.isascii() and text.isdigit()):
        raise ProtocolError("malformed %s %s" % (what, quoted(text if shown is None else shown)))
    return int(text)


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
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"%s"' % "".join(out)


class Response:
    """One HTTP/1.1 response, parsed from the bytes fed to it as they arrive (sans-IO).

    `feed(data)` takes what the connection gave, b"" once the peer closed it, and returns
    True when the response is complete; then `status` is its status and `closing` says
    whether the connection ends after it (the request asked so, the server says so, or
    the body runs to the close). Framing: Content-Length, chunked, or read to the close;
    the body is counted, not kept. Malformed input raises ProtocolError; a connection that
    ends before the response does raises EOFError (kind "closed")."""

    __slots__ = ("status", "closing", "_step", "_left", "_buf", "_seen")

    def __init__(self, keepalive):
        self.status = 0
        self.closing = not keepalive
        self._step = Response._head  # what the next bytes are; None once complete
        self._left = 0  # bytes still due in the body or the current chunk
        self._buf = b""  # bytes not consumed yet (a partial head or chunk-size line)
        self._seen = False

    def feed(self, data):
        if not data:
            return self._end()
        self._seen = True
        buf = self._buf + data if self._buf else data
        pos, size = 0, len(buf)
        while pos < size:
            if self._step is None:
                raise ProtocolError("%d bytes after the end of the response" % (size - pos))
            after = self._step(self, buf, pos)
            if after is None:  # an incomplete line: wait for more bytes
                break
            pos = after
        self._buf = buf[pos:] if pos < size else b""
        return self._step is None

    def _end(self):
        if self._step is Response._to_close:
            self._step = None
        if self._step is None:
            return True
        if self._step is not Response._head:
            raise EOFError("connection closed before the response body was complete")
        raise EOFError("connection closed in the middle of the response head" if self._buf
                       else "connection closed before the response")

    def _line(self, buf, pos, mark):
        end = buf.find(mark, pos)
        if end < 0 and len(buf) - pos > HEAD_LIMIT:
            raise ProtocolError(("response head larger than the %d-byte buffer" if self._step is Response._head
                                 else "chunk size or trailer line longer than the %d-byte buffer") % HEAD_LIMIT)
        return end

    def _head(self, buf, pos):
        end = self._line(buf, pos, b"\r\n\r\n")
        if end < 0:
            return None
        lines = buf[pos:end].decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1.") or rest[3:4] not in ("", " "):
            raise ProtocolError("malformed status line %s" % quoted(lines[0]))
        status = decimal(rest[:3], "status line", lines[0])
        if status < 100:
            raise ProtocolError("malformed status line %s" % quoted(lines[0]))
        if status < 200:  # an interim response: the final one follows
            return end + 4
        length, coding, tokens = None, None, []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise ProtocolError("malformed header line %s" % quoted(line))
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                if length is not None and decimal(value, "Content-Length") != length:
                    raise ProtocolError("malformed Content-Length %s" % quoted(value))
                length = decimal(value, "Content-Length")
            elif name == "transfer-encoding":
                coding = value.lower()
            elif name == "connection":
                tokens += [t.strip() for t in value.lower().split(",")]
        self.status = status
        if "close" in tokens or (version == "HTTP/1.0" and "keep-alive" not in tokens):
            self.closing = True
        if status in (204, 304):
            self._step = None
        elif coding is not None:
            chunked = coding.rsplit(",", 1)[-1].strip() == "chunked"  # the last coding frames the body
            self._step = Response._chunk_size if chunked else Response._to_close
        elif length is not None:
            self._left = length
            self._step = Response._body if length else None
        else:
            self._step = Response._to_close
        if self._step is Response._to_close:
            self.closing = True
        return end + 4

    def _body(self, buf, pos):
        take = min(self._left, len(buf) - pos)
        self._left -= take
        if not self._left:
            self._step = None
        return pos + take

    def _chunk_size(self, buf, pos):
        end = self._line(buf, pos, b"\r\n")
        if end < 0:
            return None
        size = buf[pos:end].split(b";", 1)[0].strip()
        if not size or size.strip(b"0123456789abcdefABCDEF"):
            raise ProtocolError("malformed chunk size line %s" % quoted(buf[pos:end].decode("latin-1")))
        self._left = int(size, 16)
        self._step = Response._chunk_data if self._left else Response._trailer
        return end + 2

    def _chunk_data(self, buf, pos):
        take = min(self._left, len(buf) - pos)
        self._left -= take
        if not self._left:
            self._step = Response._chunk_end
        return pos + take

    def _chunk_end(self, buf, pos):
        if len(buf) - pos < 2:
            return None
        if buf[pos:pos + 2] != b"\r\n":
            raise ProtocolError("chunk data not followed by CRLF")
        self._step = Response._chunk_size
        return pos + 2

    def _trailer(self, buf, pos):
        end = self._line(buf, pos, b"\r\n")
        if end < 0:
            return None
        if end == pos:  # the empty line that ends the trailer
            self._step = None
        return end + 2

    def _to_close(self, buf, pos):
        return len(buf)
