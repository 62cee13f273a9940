"""Failures as the driver counts and words them: the exceptions it raises, each failure's
kind (`error_kind`, `requests_kind`) and its message in the shape the Rust models give it,
so that one fault reads the same under every model and in both languages."""

import errno
import os
import sys


class TaskFailed(Exception):
    """A task whose failure is already counted per request."""

    def __init__(self, kind, message):
        Exception.__init__(self, "%s: %s" % (kind, message))
        self.kind = kind


class ProtocolError(Exception):
    """A response the driver's own HTTP client could not parse."""


class SetupFailed(Exception):
    """The user's task could not be prepared (import, missing function, setup): the cell
    fails with this one line, and no task runs."""


class UserTaskError(Exception):
    """An exception of the user's task: counted by its kind ("error" for anything that is
    not an OS or network error), described as "TypeName: message"."""

    def __init__(self, exc):
        Exception.__init__(self)
        self.kind = error_kind(exc)
        text = " ".join(str(exc).split())
        self.text = "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def error_kind(exc):
    """The failure's kind, one of: refused, reset, timeout, closed, protocol, fd-limit,
    no-ports, io, error (and the http-* kinds, from statuses). Imports nothing: at the fd
    limit an import fails too."""
    if isinstance(exc, (TaskFailed, UserTaskError)):
        return exc.kind
    hc = sys.modules.get("http.client")
    # RemoteDisconnected is a ConnectionResetError, but it means the peer closed.
    if hc is not None and isinstance(exc, (hc.IncompleteRead, hc.RemoteDisconnected)):
        return "closed"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "reset"
    aio = sys.modules.get("asyncio")
    sock = sys.modules.get("socket")
    if isinstance(exc, TimeoutError) or (aio is not None and isinstance(exc, aio.TimeoutError)) \
            or (sock is not None and isinstance(exc, sock.timeout)):
        return "timeout"
    if isinstance(exc, EOFError):  # asyncio.IncompleteReadError is one
        return "closed"
    if isinstance(exc, ProtocolError) or (hc is not None and isinstance(exc, hc.HTTPException)):
        return "protocol"
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        return "fd-limit"
    if isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL:
        return "no-ports"
    name = type(exc).__name__
    if "ServerDisconnected" in name or "ClientPayloadError" in name or "ContentLength" in name:
        return "closed"
    if "ClientConnectorError" in name:
        inner = getattr(exc, "os_error", None)
        return error_kind(inner) if inner is not None else "refused"
    if "ClientResponseError" in name:
        return "protocol"
    if isinstance(exc, OSError):
        return "io"
    return "error"


def status_kind(status):
    if 200 <= status < 400:
        return None
    if 400 <= status < 500:
        return "http-4xx"
    if 500 <= status < 600:
        return "http-5xx"
    return "http-other"


def failure_message(kind, exc, timeout, what=None):
    """A failure's message in the shape the Rust models give it, so one fault reads the
    same under every model: a timeout says which timeout ("no response within 2s"; the
    tcp workload "ping: no answer within 10s"), an OS error is "Connection refused (os
    error 111)" whichever library raised it, anything else is the exception's text.
    `what` prefixes the step that failed (the tcp workload's "connect", "ping 3")."""
    if kind == "timeout" and timeout is not None:
        text = ("no answer within %s" if what else "no response within %s") % format_duration(timeout)
    else:
        root = os_error(exc)
        if root is not None:
            text = "%s (os error %d)" % (os.strerror(root.errno), root.errno)
        else:
            text = library_text(exc)
    return "%s: %s" % (what, text) if what else text


def library_text(exc):
    """One line for a failure with no OS error under it: the innermost exception's text
    (requests wraps http.client's in urllib3's), a malformed status line as the codec
    words it, aiohttp's message without its URL."""
    inner, seen = exc, 0
    while seen < 16:
        seen += 1
        nxt = inner.__cause__ or inner.__context__ or next(
            (a for a in reversed(inner.args) if isinstance(a, BaseException)), None)
        if nxt is None:
            break
        inner = nxt
    hc = sys.modules.get("http.client")
    if hc is not None and isinstance(inner, hc.BadStatusLine) and not isinstance(inner, hc.RemoteDisconnected):
        from .http1 import quoted  # loaded already: only requests raises BadStatusLine
        return "malformed status line %s" % quoted(str(inner).strip())
    message = getattr(inner, "message", None)
    text = message if isinstance(message, str) and message else str(inner) or type(inner).__name__
    return " ".join(text.split())


def os_error(exc):
    """The OS error (with an errno) at the root of an exception chain: aiohttp keeps it in
    `os_error`, requests and urllib3 in `args` or the cause."""
    seen = 0
    while exc is not None and seen < 16:
        seen += 1
        if isinstance(exc, OSError) and exc.errno:
            return exc
        inner = getattr(exc, "os_error", None) or exc.__cause__ or exc.__context__
        if inner is None and exc.args and isinstance(exc.args[-1], BaseException):
            inner = exc.args[-1]
        if inner is None:
            reason = getattr(exc, "reason", None)
            inner = reason if isinstance(reason, BaseException) else None
        exc = inner
    return None


def format_duration(seconds):
    """A duration as conlab writes it: 2s, 500ms, 250us (whole units, as in the specs)."""
    ns = int(round(seconds * 1e9))
    for unit, size in (("s", 10 ** 9), ("ms", 10 ** 6), ("us", 10 ** 3)):
        if ns and ns % size == 0:
            return "%d%s" % (ns // size, unit)
    return "%dns" % ns if ns else "0ms"


def requests_kind(exc):
    """error_kind for a requests exception: the kind of the OS error under it, if any."""
    inner = exc
    while inner is not None:
        kind = error_kind(inner) if isinstance(inner, OSError) else None
        if kind and kind not in ("io", "error"):
            return kind
        inner = inner.__cause__ or inner.__context__ or (inner.args[0] if inner.args and isinstance(inner.args[0], BaseException) else None)
    requests = sys.modules.get("requests")
    if requests is not None:
        if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)):
            return "timeout"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return "closed"
    hc = sys.modules.get("http.client")
    inner = exc
    while hc is not None and inner is not None:  # urllib3 wraps http.client's BadStatusLine
        if isinstance(inner, (hc.IncompleteRead, hc.RemoteDisconnected)):
            return "closed"
        if isinstance(inner, hc.HTTPException):
            return "protocol"
        inner = inner.__cause__ or inner.__context__ or next(
            (a for a in reversed(inner.args) if isinstance(a, BaseException)), None)
    text = str(exc)
    if "Connection refused" in text:
        return "refused"
    if "reset" in text.lower():
        return "reset"
    if "IncompleteRead" in text or "RemoteDisconnected" in text or "closed" in text.lower():
        return "closed"
    return "error"


def describe(exc, kind):
    """"kind: message" (a TaskFailed already reads so)."""
    if isinstance(exc, TaskFailed):
        return str(exc)
    if isinstance(exc, UserTaskError):
        return "%s: %s" % (kind, exc.text)
    return "%s: %s" % (kind, failure_message(kind, exc, None))
