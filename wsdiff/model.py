"""The capture model: one WebSocket opening-handshake attempt, as values.

Everything here is pure: frozen dataclasses and functions of them, no I/O.
Constructors do not validate, because replay must be able to send invalid
handshakes; :func:`check_request` returns protocol problems instead.

Header names and values are ``str`` decoded from the wire as ISO-8859-1, so
every byte round-trips (RFC 9110 5.5 leaves non-ASCII octets opaque).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, NewType
from urllib.parse import urlsplit

__all__ = [
    "SCHEMA",
    "HeaderName",
    "Headers",
    "Endpoint",
    "Request",
    "Response",
    "Failure",
    "Message",
    "Session",
    "Capture",
    "header_values",
    "header_value",
    "without_header",
    "with_header",
    "split_target",
    "DEFAULT_PORTS",
    "default_port",
    "endpoint_from_url",
    "BODY_LIMIT",
    "MESSAGE_LIMIT",
    "MESSAGE_HEAD",
    "CLIENT_MESSAGE_LIMIT",
    "CLIENT_BYTES_LIMIT",
    "MESSAGE_SCAN",
    "message_keep",
    "check_request",
]

SCHEMA = 1
"""The capture file format version this code reads and writes."""

DEFAULT_PORTS = {"ws": 80, "http": 80, "wss": 443, "https": 443}
"""RFC 6455 3: ws and wss take HTTP's and HTTPS's default ports."""

BODY_LIMIT = 4096
"""Bytes of a response body kept in a capture or a probe result."""
MESSAGE_LIMIT = 8
"""WebSocket messages kept per connection in each direction (the client's first 8, the server's first 8)."""
MESSAGE_HEAD = 256
"""Bytes kept of each server message: enough to read an error, not a stream."""
CLIENT_MESSAGE_LIMIT = 64 * 1024
"""Bytes kept of each client message: whole enough to replay a login, an init or a config
message (replay sends a client message only when it was kept whole)."""
CLIENT_BYTES_LIMIT = 256 * 1024
"""Bytes of client messages kept per connection: past this, a client message keeps only a head
like a server's. Bounds what crosses from the recorder's hook to its writer (a client that
streams audio in 64 KiB chunks costs the hook about 0.6 ms a connection, not 1.3)."""
MESSAGE_SCAN = 64
"""Messages of a connection looked at to find the ones kept: bounds the recorder's work when
one side floods the connection before the other speaks."""

HeaderName = NewType("HeaderName", str)
Headers = tuple[tuple[str, str], ...]
"""Header fields in wire order, with original case and duplicates."""

ErrorKind = Literal["refused", "reset", "tls", "timeout", "protocol", "other"]
Direction = Literal["client", "server"]


@dataclass(frozen=True)
class Endpoint:
    """Where the client meant to connect: RFC 6455 3 ws/wss URI parts plus SNI."""

    scheme: str  # "ws" or "wss"
    host: str
    port: int
    sni: str | None = None

    def _get_tls(self) -> bool:
        return self.scheme == "wss"

    tls = property(_get_tls)

    def _get_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == default_port(self.scheme) else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    url = property(_get_url)


@dataclass(frozen=True)
class Request:
    """The client's opening handshake (RFC 6455 4.1), exactly as sent."""

    method: str = "GET"
    target: str = "/"  # the request-target as sent, query included
    http_version: str = "HTTP/1.1"
    headers: Headers = ()

    def _get_path(self) -> str:
        return split_target(self.target)[0]

    path = property(_get_path)

    def _get_query(self) -> str | None:
        return split_target(self.target)[1]

    query = property(_get_query)

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def replace(self, **changes: object) -> Request:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Response:
    """The server's answer to the handshake (RFC 6455 4.2.2), or its first bytes."""

    status: int
    reason: str = ""
    http_version: str = "HTTP/1.1"
    headers: Headers = ()
    body: bytes = b""
    body_truncated: bool = False

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass(frozen=True)
class Failure:
    """Why there was no response at all: refused, reset, TLS failure, timeout."""

    kind: ErrorKind
    message: str = ""


@dataclass(frozen=True)
class Message:
    """One of the first WebSocket messages after the 101, bounded in size.

    A client message is kept whole up to CLIENT_MESSAGE_LIMIT bytes, so that
    replay can send it again; a server message keeps its first MESSAGE_HEAD.
    """

    direction: Direction
    type: Literal["text", "binary"]
    size: int  # bytes of the payload on the wire
    head: bytes  # the payload, or its first bytes (credentials in it replaced by fingerprints)
    at: float  # seconds since the 101
    cut: bool | None = field(default=None, compare=False)
    """True when *head* is only the start of the payload. None (captures written before this
    was recorded): judged by size, which redaction can make wrong."""

    def _get_truncated(self) -> bool:
        """Tell whether only the start of the payload was kept."""
        return self.cut if self.cut is not None else self.size > len(self.head)

    truncated = property(_get_truncated)

    def _get_whole(self) -> bool:
        """Tell whether the payload was kept whole (so replay can send it again)."""
        return not self.truncated

    whole = property(_get_whole)


@dataclass(frozen=True)
class Session:
    """What happened on the connection after an accepted upgrade."""

    state: Literal["open", "closed", "observed"] = "open"
    """``open`` when written at the 101, ``closed`` once it ended, ``observed``
    when the observation window ended (or the proxy stopped) while it was open."""
    close_code: int | None = None
    close_reason: str = ""
    closed_by: Direction | None = None
    duration: float | None = None  # seconds from the 101 to the close (or window end)
    messages: tuple[Message, ...] = ()
    messages_dropped: int = 0  # messages seen but not kept (bounded count)


@dataclass(frozen=True)
class Capture:
    """One handshake attempt: what was sent, where, and what came back."""

    endpoint: Endpoint
    request: Request
    response: Response | None = None
    error: Failure | None = None
    websocket: Session | None = None
    label: str = ""
    id: str = ""
    started: float = 0.0  # seconds since the epoch
    response_time: float | None = None  # seconds from request to response head
    client: str | None = None  # "ip:port" of the client as the proxy saw it
    proxy_mode: str | None = None
    host_rewritten: bool = False  # a reverse proxy replaced the client's Host
    redacted: bool = False
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    def _get_accepted(self) -> bool:
        return self.response is not None and self.response.status == 101

    accepted = property(_get_accepted)

    def _get_outcome(self) -> str:
        """A short human summary: ``101``, ``403 Forbidden``, ``error: refused``."""
        if self.response is not None:
            return f"{self.response.status} {self.response.reason}".strip()
        if self.error is not None:
            return f"error: {self.error.kind}"
        return "no answer"

    outcome = property(_get_outcome)

    def replace(self, **changes: object) -> Capture:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def message_keep(direction: Direction) -> int:
    """Return how many bytes of a message are kept in a capture: a client's whole (to a limit), a server's head."""
    return CLIENT_MESSAGE_LIMIT if direction == "client" else MESSAGE_HEAD


def header_values(headers: Headers, name: str) -> list[str]:
    """Return every value of header *name* (case-insensitive), in wire order."""
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def header_value(headers: Headers, name: str) -> str | None:
    """Return the values of header *name* joined with ", " (RFC 9110 5.3), or None."""
    values = header_values(headers, name)
    return ", ".join(values) if values else None


def without_header(headers: Headers, name: str) -> Headers:
    """Return *headers* with every field called *name* removed."""
    lname = name.lower()
    return tuple((k, v) for k, v in headers if k.lower() != lname)


def with_header(headers: Headers, name: str, values: list[str] | str) -> Headers:
    """Return *headers* with *name* set to *values*.

    The fields take the place of the first existing field of that name (so
    order is kept), or go at the end when there was none. An empty list
    removes the header.
    """
    if isinstance(values, str):
        values = [values]
    lname = name.lower()
    out: list[tuple[str, str]] = []
    placed = False
    for k, v in headers:
        if k.lower() == lname:
            if not placed:
                out.extend((k, nv) for nv in values)
                placed = True
            continue
        out.append((k, v))
    if not placed:
        out.extend((name, nv) for nv in values)
    return tuple(out)


def split_target(target: str) -> tuple[str, str | None]:
    """Split a request-target into path and query (None when there is no ``?``)."""
    path, sep, query = target.partition("?")
    return path, (query if sep else None)


def default_port(scheme: str) -> int:
    """Return the default port of *scheme* (ws, wss, http, https): 80 or 443."""
    return DEFAULT_PORTS.get(scheme.lower(), 80)


def endpoint_from_url(url: str) -> tuple[Endpoint, str]:
    """Split a ws://, wss://, http:// or https:// URL into its Endpoint and request-target.

    Raises:
        ValueError: not such a URL, no host, or a bad port (the message quotes the URL).
    """
    shown = url[:80]
    parts = urlsplit(url)
    scheme = {"ws": "ws", "http": "ws", "wss": "wss", "https": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise ValueError(f"expected a ws://, wss://, http:// or https:// URL, got {shown!r}")
    try:
        port = parts.port or default_port(scheme)
    except ValueError:
        raise ValueError(f"bad port in {shown!r}") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Endpoint(scheme, parts.hostname, port, sni=parts.hostname if scheme == "wss" else None), target


def check_request(request: Request) -> list[str]:
    """Return the RFC 6455 4.1 problems of a client handshake (empty when valid)."""
    problems = []
    if request.method != "GET":
        problems.append(f"method is {request.method!r}, RFC 6455 4.1 requires GET")
    if request.http_version != "HTTP/1.1":
        problems.append(f"HTTP version is {request.http_version!r}, expected HTTP/1.1")
    h = request.headers
    if not header_values(h, "Host"):
        problems.append("no Host header")
    upgrade = (header_value(h, "Upgrade") or "").lower()
    if "websocket" not in upgrade:
        problems.append("no 'Upgrade: websocket' header")
    connection = (header_value(h, "Connection") or "").lower()
    if "upgrade" not in [t.strip() for t in connection.split(",")]:
        problems.append("no 'Connection: Upgrade' header")
    if not header_values(h, "Sec-WebSocket-Key"):
        problems.append("no Sec-WebSocket-Key header")
    if header_value(h, "Sec-WebSocket-Version") != "13":
        problems.append("Sec-WebSocket-Version is not 13")
    return problems
