"""Send a handshake to a live endpoint, byte for byte, and observe the answer.

The websockets and aiohttp clients add and reorder headers, so replay writes
the request itself on asyncio streams: the recorded request line and header
fields in their order and case (with a fresh Sec-WebSocket-Key unless asked
to keep the recorded one). Where it connects (scheme, address, port, SNI) is
kept apart from what it sends. The outcome is a value, never an exception:
a server that rejects is a result.

After a 101 it watches a short window (RFC 6455 5: server frames are not
masked) for a first message or a close frame, because many services accept
the upgrade and reject afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import ssl
import struct
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ReplayError
from .model import Endpoint, Failure, Headers, Message, Request, Session, header_value, with_header

__all__ = ["ProbeResult", "Oracle", "Connection", "probe", "parse_target_url", "accept_for"]

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 1.3
HEAD_LIMIT = 64 * 1024
BODY_LIMIT = 4096
MESSAGE_HEAD = 256


def accept_for(key: str) -> str:
    """Return the Sec-WebSocket-Accept a server must answer to *key* (RFC 6455 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode("latin-1") + GUID).digest()).decode("ascii")


@dataclass(frozen=True)
class ProbeResult:
    """What the server answered to one handshake."""

    status: int | None = None
    reason: str = ""
    headers: Headers = ()
    body: bytes = b""
    body_truncated: bool = False
    error: Failure | None = None
    elapsed: float = 0.0  # seconds from connect to the response head
    accept_ok: bool | None = None  # Sec-WebSocket-Accept matches the key sent
    subprotocol: str | None = None
    extensions: str | None = None
    session: Session | None = None  # what happened in the window after a 101

    @property
    def outcome(self) -> str:
        if self.status is None:
            return f"error: {self.error.kind}" if self.error else "no answer"
        text = f"{self.status} {self.reason}".strip()
        s = self.session
        if self.status == 101 and s is not None:
            if s.state == "closed":
                code = "no close code" if s.close_code is None else str(s.close_code)
                text += f", then closed {code}" + (f" {s.close_reason!r}" if s.close_reason else "")
            elif s.messages:
                m = s.messages[0]
                text += f", then a {m.type} message ({m.size} B)"
            else:
                text += ", then silence"
        return text


@dataclass(frozen=True)
class Oracle:
    """Decides whether a probe counts as accepted.

    Modes: ``status`` (101 is accepted), ``close`` (101 and no server close
    with a code other than 1000/1001 within the window: the default), and
    the message patterns: a first server message must match *expect* and
    must not match *reject*.
    """

    mode: str = "close"
    expect: str | None = None
    reject: str | None = None

    def accepts(self, result: ProbeResult) -> bool:
        if result.status != 101:
            return False
        s = result.session
        if self.mode == "close" and s is not None and s.state == "closed":
            if s.closed_by == "server" and s.close_code not in (1000, 1001):
                return False
        if self.expect is not None or self.reject is not None:
            first = next((m for m in (s.messages if s else ()) if m.direction == "server"), None)
            text = first.head.decode("utf-8", "replace") if first else ""
            if self.expect is not None and (first is None or not re.search(self.expect, text)):
                return False
            if self.reject is not None and first is not None and re.search(self.reject, text):
                return False
        return True


@dataclass(frozen=True)
class Connection:
    """How to reach the server: kept apart from what is sent to it."""

    endpoint: Endpoint
    proxy: str | None = None  # http://host:port, tunnelled with CONNECT
    insecure: bool = False
    ca: str | None = None
    timeout: float = 10.0  # connect, and again for the response head
    window: float = 1.0  # seconds to watch after a 101
    keep_key: bool = False
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)

    def context(self) -> ssl.SSLContext:
        if self.ssl_context is not None:
            return self.ssl_context
        ctx = ssl.create_default_context(cafile=self.ca)
        if self.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx


def parse_target_url(url: str) -> Endpoint:
    """Parse ``ws://host:port`` or ``wss://host`` (http/https accepted) into an Endpoint."""
    parts = urlsplit(url)
    scheme = {"ws": "ws", "http": "ws", "wss": "wss", "https": "wss"}.get(parts.scheme)
    if scheme is None or not parts.hostname:
        raise ReplayError(f"expected a ws://, wss://, http:// or https:// URL, got {url!r}")
    try:
        port = parts.port or (443 if scheme == "wss" else 80)
    except ValueError:
        raise ReplayError(f"bad port in {url!r}") from None
    return Endpoint(scheme, parts.hostname, port, sni=parts.hostname if scheme == "wss" else None)


def _classify(exc: BaseException) -> Failure:
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return Failure("timeout", "no answer in time")
    if isinstance(exc, ConnectionRefusedError):
        return Failure("refused", str(exc))
    if isinstance(exc, ssl.SSLError):
        return Failure("tls", str(exc))
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError)):
        return Failure("reset", str(exc) or "connection closed before an answer")
    if isinstance(exc, asyncio.LimitOverrunError):
        return Failure("protocol", "response head larger than 64 KiB")
    if isinstance(exc, ValueError):
        return Failure("protocol", str(exc))
    if isinstance(exc, OSError):
        return Failure("refused" if exc.errno in (111, 61) else "other", str(exc))
    return Failure("other", repr(exc))


def _build(request: Request) -> bytes:
    lines = [f"{request.method} {request.target} {request.http_version}"]
    lines.extend(f"{k}: {v}" for k, v in request.headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse_head(head: bytes) -> tuple[str, int, str, Headers]:
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"^(HTTP/\d(?:\.\d)?) (\d{3})(?: (.*))?$", lines[0])
    if m is None:
        raise ValueError(f"not an HTTP status line: {lines[0][:80]!r}")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line: {line[:80]!r}")
        headers.append((name, value.strip(" \t")))
    return m.group(1), int(m.group(2)), m.group(3) or "", tuple(headers)


async def _open(conn: Connection) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    ep = conn.endpoint
    tls = conn.context() if ep.tls else None
    sni = (ep.sni or ep.host) if ep.tls else None
    if conn.proxy is None:
        return await asyncio.open_connection(ep.host, ep.port, ssl=tls, server_hostname=sni, limit=HEAD_LIMIT)
    proxy = urlsplit(conn.proxy)
    if proxy.scheme != "http" or not proxy.hostname:
        raise ReplayError(f"expected an http://host:port proxy URL, got {conn.proxy!r}")
    reader, writer = await asyncio.open_connection(proxy.hostname, proxy.port or 8080, limit=HEAD_LIMIT)
    authority = f"[{ep.host}]:{ep.port}" if ":" in ep.host else f"{ep.host}:{ep.port}"
    writer.write(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode("latin-1"))
    await writer.drain()
    _, status, reason, _ = _parse_head((await reader.readuntil(b"\r\n\r\n"))[:-4])
    if status != 200:
        writer.close()
        raise ConnectionRefusedError(f"proxy answered CONNECT with {status} {reason}")
    if tls is not None:
        await writer.start_tls(tls, server_hostname=sni)
    return reader, writer


async def _read_body(reader: asyncio.StreamReader, headers: Headers, deadline: float) -> tuple[bytes, bool]:
    """Read at most BODY_LIMIT bytes of the body; a larger body is cut, not held in memory."""
    length = header_value(headers, "Content-Length")
    want = int(length) if length and length.strip().isdigit() else None
    if want == 0:
        return b"", False
    body = b""
    limit = BODY_LIMIT + 1 if want is None else min(want, BODY_LIMIT + 1)
    try:
        while len(body) < limit:
            chunk = await asyncio.wait_for(reader.read(limit - len(body)), max(0.01, deadline - time.monotonic()))
            if not chunk:
                break
            body += chunk
    except (asyncio.TimeoutError, TimeoutError, ConnectionError):
        pass
    return body[:BODY_LIMIT], len(body) > BODY_LIMIT or (want is not None and want > BODY_LIMIT)


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bool, bytes, int]:
    """Read one frame; return (opcode, rsv1, payload head, payload size). Large payloads are skipped."""
    b0, b1 = await reader.readexactly(2)
    opcode, rsv1 = b0 & 0x0F, bool(b0 & 0x40)
    size = b1 & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", await reader.readexactly(2))
    elif size == 127:
        (size,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4) if b1 & 0x80 else None
    head = await reader.readexactly(min(size, 64 * 1024))
    left = size - len(head)
    while left > 0:  # skip the rest of a huge frame without keeping it
        chunk = await reader.read(min(left, 64 * 1024))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", left)
        left -= len(chunk)
    if mask is not None:
        head = _mask(head, mask)
    return opcode, rsv1, head, size


def _mask(data: bytes, key: bytes) -> bytes:
    """Apply (or remove) a 4-byte masking key (RFC 6455 5.3)."""
    return bytes(c ^ key[i % 4] for i, c in enumerate(data))


def _control_frame(opcode: int, payload: bytes) -> bytes:
    """Build a masked client control frame (payload at most 125 bytes, RFC 6455 5.5)."""
    key = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + key + _mask(payload, key)


def _close_frame(code: int = 1000) -> bytes:
    return _control_frame(0x8, struct.pack("!H", code))


async def _watch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, window: float) -> Session:
    """Watch the connection after a 101 for *window* seconds."""
    t0 = time.monotonic()
    messages: list[Message] = []
    dropped = 0
    while True:
        left = window - (time.monotonic() - t0)
        if left <= 0:
            return Session(state="observed", duration=round(time.monotonic() - t0, 6),
                           messages=tuple(messages), messages_dropped=dropped)
        try:
            opcode, rsv1, head, size = await asyncio.wait_for(_read_frame(reader), left)
        except (asyncio.TimeoutError, TimeoutError):
            continue
        except (asyncio.IncompleteReadError, ConnectionError):
            return Session(state="closed", closed_by="server", duration=round(time.monotonic() - t0, 6),
                           messages=tuple(messages), messages_dropped=dropped)
        at = round(time.monotonic() - t0, 6)
        if opcode == 0x8:  # close (RFC 6455 5.5.1)
            code = struct.unpack("!H", head[:2])[0] if len(head) >= 2 else None
            reason = head[2:].decode("utf-8", "replace")
            return Session(state="closed", close_code=code, close_reason=reason, closed_by="server",
                           duration=at, messages=tuple(messages), messages_dropped=dropped)
        if opcode == 0x9:  # ping: answer, as a client must (RFC 6455 5.5.2)
            writer.write(_control_frame(0xA, head[:125]))
            continue
        if opcode in (0x1, 0x2, 0x0):
            if rsv1:  # permessage-deflate (RFC 7692 7.2.2)
                try:
                    head = zlib.decompressobj(-15).decompress(head + b"\x00\x00\xff\xff", MESSAGE_HEAD)
                except zlib.error:
                    pass
            if len(messages) < 8:
                messages.append(Message("server", "binary" if opcode == 0x2 else "text", size, head[:MESSAGE_HEAD], at))
            else:
                dropped += 1


async def probe(request: Request, conn: Connection) -> ProbeResult:
    """Send *request* over *conn* and return what the server answered (never raises for a rejection).

    Raises:
        ReplayError: the proxy URL is not usable (nothing was sent).
    """
    if not conn.keep_key and header_value(request.headers, "Sec-WebSocket-Key") is not None:
        request = request.replace(
            headers=with_header(request.headers, "Sec-WebSocket-Key", base64.b64encode(os.urandom(16)).decode())
        )
    key = header_value(request.headers, "Sec-WebSocket-Key")
    start = time.monotonic()
    writer: asyncio.StreamWriter | None = None
    try:
        reader, writer = await asyncio.wait_for(_open(conn), conn.timeout)
        writer.write(_build(request))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), conn.timeout)
        elapsed = round(time.monotonic() - start, 6)
        _, status, reason, headers = _parse_head(head[:-4])
        if status != 101:
            body, cut = await _read_body(reader, headers, time.monotonic() + min(conn.timeout, 2.0))
            return ProbeResult(status, reason, headers, body, cut, elapsed=elapsed)
        accept = header_value(headers, "Sec-WebSocket-Accept")
        session = await _watch(reader, writer, conn.window)
        if session.state != "closed":
            try:
                writer.write(_close_frame())
                await asyncio.wait_for(writer.drain(), 1.0)
            except (ConnectionError, asyncio.TimeoutError, TimeoutError):
                pass
        return ProbeResult(
            status, reason, headers, elapsed=elapsed,
            accept_ok=(key is not None and accept == accept_for(key)),
            subprotocol=header_value(headers, "Sec-WebSocket-Protocol"),
            extensions=header_value(headers, "Sec-WebSocket-Extensions"),
            session=session,
        )
    except ReplayError:
        raise
    except Exception as e:  # every network failure is an outcome
        return ProbeResult(error=_classify(e), elapsed=round(time.monotonic() - start, 6))
    finally:
        if writer is not None:
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            except Exception:
                pass
