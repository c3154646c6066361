"""Send a handshake to a live endpoint, byte for byte, and observe the answer.

The websockets and aiohttp clients add and reorder headers, so replay writes
the request itself on asyncio streams: the recorded request line and header
fields in their order and case (with a fresh Sec-WebSocket-Key unless asked
to keep the recorded one). Where it connects (scheme, address, port, SNI) is
kept apart from what it sends. The outcome is a value, never an exception:
a server that rejects is a result. When nothing could be sent at all
(nothing listens, the name does not resolve, TLS fails, the proxy cannot
CONNECT), the result says so in ``unreachable`` with one line on what could
not be reached and how; the runner turns that into trouble.

After a 101 it sends the client's recorded messages as a conversation: before
each one it waits until the server has sent as many messages as it had in the
recording (bounded by REPLY_WAIT, or the recorded wait when longer, and the
connection's timeout), then keeps the recorded gap after that (capped at
MESSAGE_GAP). Frames are masked as a client must (RFC 6455 5.3). It watches a
short window after the last of them (RFC 6455 5: server frames are not
masked) for a first message or a close frame, because many services accept
the upgrade and judge what comes next; a close stops the sending.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import wire
from .errors import ReplayError
from .messages import Turn
from .model import (BODY_LIMIT, MESSAGE_HEAD, MESSAGE_LIMIT, Endpoint, ErrorKind, Failure, Headers, Message, Request,
                    Session, endpoint_from_url, header_value)
from .oracle import ProbeResult

__all__ = ["Connection", "probe", "parse_target_url", "unreachable", "MESSAGE_GAP", "REPLY_WAIT"]

HEAD_LIMIT = 64 * 1024  # bytes of a response head, as asyncio's stream limit
MESSAGE_GAP = 1.0
"""Seconds: the longest wait before sending a client message (the recorded gap otherwise), so that
eight messages cost at most eight seconds a probe while a server that wants a pause still gets one."""
REPLY_WAIT = 2.0
"""Seconds: how long replay waits, before sending a client message, for the server messages the
recording had received by then (longer when the recording waited longer, never past the timeout)."""


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
    try:
        return endpoint_from_url(url)[0]
    except ValueError as e:
        raise ReplayError(str(e)) from None


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


class _Unreachable(Exception):
    """Raised inside :func:`probe` when no request could be sent; it becomes a result that says so."""

    def __init__(self, how: str, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.how = how
        self.kind = kind
        self.message = message


def unreachable(exc: BaseException, host: str, port: int, *, proxy: bool = False, tls: bool = False,
                timeout: float = 0.0) -> _Unreachable:
    """Say what could not be reached and how, from the exception that stopped the connection.

    *proxy* says that *host*:*port* is the proxy; *tls* that the TLS
    handshake with the server was under way (so a closed connection is a
    TLS failure, not a refusal).
    """
    where = f"the proxy {host}:{port}" if proxy else f"{host}:{port}"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return _Unreachable("timeout", "timeout", f"no connection to {where} within {timeout:g} s: is the host "
                            "reachable, and does it answer on that port?")
    if isinstance(exc, socket.gaierror):
        name = "the proxy name" if proxy else "the host name"
        return _Unreachable("dns", "other", f"cannot resolve {name} {host!r} ({exc.strerror or exc}): is the name "
                            "right, and is DNS reachable?")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _Unreachable("tls", "tls", f"the TLS handshake with {where} failed before any HTTP: certificate "
                            f"verify failed ({exc.verify_message or exc.reason}): --ca FILE trusts a private CA, "
                            "--insecure skips the check")
    if isinstance(exc, ssl.SSLError) or (tls and isinstance(exc, (ConnectionError, asyncio.IncompleteReadError))):
        reason = getattr(exc, "reason", None) or str(exc) or "the connection was closed"
        return _Unreachable("tls", "tls", f"the TLS handshake with {where} failed before any HTTP: {reason}: "
                            "does it speak TLS (wss://) on that port?")
    if isinstance(exc, ConnectionRefusedError) or (isinstance(exc, OSError) and exc.errno in (111, 61)):
        what = "is it running?" if proxy else "is the server running?"
        return _Unreachable("refused", "refused", f"nothing listens on {where}: {what}")
    if isinstance(exc, OSError):
        return _Unreachable("network", "other", f"cannot reach {where}: {exc.strerror or exc}")
    return _Unreachable("network", "other", f"cannot reach {where}: {exc!r}")


async def _open(conn: Connection) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect, through the proxy if any, and finish TLS: everything before the first byte of HTTP.

    Raises:
        _Unreachable: no request can be sent, and why.
    """
    ep = conn.endpoint
    tls = conn.context() if ep.tls else None
    sni = (ep.sni or ep.host) if ep.tls else None
    if conn.proxy is None:
        try:
            return await asyncio.open_connection(ep.host, ep.port, ssl=tls, server_hostname=sni, limit=HEAD_LIMIT)
        except OSError as e:
            raise unreachable(e, ep.host, ep.port, tls=tls is not None) from None
    proxy = urlsplit(conn.proxy)
    if proxy.scheme != "http" or not proxy.hostname:
        raise ReplayError(f"expected an http://host:port proxy URL, got {conn.proxy!r}")
    # Only host and port of the proxy are ever named in a message: its URL may carry a password.
    phost, pport = proxy.hostname, proxy.port or 8080
    try:
        reader, writer = await asyncio.open_connection(phost, pport, limit=HEAD_LIMIT)
    except OSError as e:
        failed = unreachable(e, phost, pport, proxy=True)
        raise _Unreachable("proxy", failed.kind, failed.message) from None
    try:
        writer.write(wire.build_connect(ep.host, ep.port))
        await writer.drain()
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            raise _Unreachable("proxy", "refused", f"the proxy {phost}:{pport} closed the connection when asked "
                               f"to CONNECT {ep.host}:{ep.port}") from None
        _, status, reason, _ = wire.parse_response_head(head[:-4])
        if status != 200:
            answer = f"{status} {reason}".strip()
            raise _Unreachable("proxy", "refused", f"the proxy {phost}:{pport} answered CONNECT {ep.host}:{ep.port} "
                               f"with {answer}: it could not reach the server")
        if tls is not None:
            try:
                await writer.start_tls(tls, server_hostname=sni)
            except (OSError, asyncio.IncompleteReadError) as e:
                raise unreachable(e, ep.host, ep.port, tls=True) from None
    except BaseException:
        writer.close()
        raise
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
    opcode, rsv1, masked, code = wire.parse_frame_start(await reader.readexactly(2))
    extra = wire.extended_length_size(code)
    size = wire.parse_extended_length(code, await reader.readexactly(extra) if extra else b"")
    key = await reader.readexactly(4) if masked else None
    head = await reader.readexactly(min(size, 64 * 1024))
    left = size - len(head)
    while left > 0:  # skip the rest of a huge frame without keeping it
        chunk = await reader.read(min(left, 64 * 1024))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", left)
        left -= len(chunk)
    if key is not None:
        head = wire.mask(head, key)
    return opcode, rsv1, head, size


class _Heard:
    """The server's data messages so far in a probe: how many, when the first ones came, a wake-up for waiters."""

    def __init__(self) -> None:
        self.count = 0
        self.times: list[float] = []  # monotonic arrival of the first MESSAGE_LIMIT
        self.changed = asyncio.Event()

    def note(self, when: float) -> None:
        self.count += 1
        if len(self.times) < MESSAGE_LIMIT:
            self.times.append(when)
        self.changed.set()

    async def until(self, count: int, deadline: float) -> float | None:
        """Wait until *count* messages came, or *deadline*; return when the last of them came, or None."""
        while self.count < count:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except (asyncio.TimeoutError, TimeoutError):
                return None
        return self.times[count - 1] if 0 < count <= len(self.times) else time.monotonic()


def _timetable(messages: tuple[Message, ...]) -> tuple[Turn, ...]:
    """Return turns that wait for nothing but the recorded gaps (for messages given without their turns)."""
    previous = 0.0
    turns = []
    for m in messages:
        turns.append(Turn(0, max(0.0, m.at - previous), 0.0))
        previous = m.at
    return tuple(turns)


async def _send(writer: asyncio.StreamWriter, messages: tuple[Message, ...], turns: tuple[Turn, ...],
                heard: _Heard, t0: float, timeout: float, sent: list[Message]) -> None:
    """Send *messages* in order, each at its turn; note each as sent, without its payload.

    The caller cancels this when the server closes: the close is the answer.
    """
    last = t0  # when the previous message was sent (the 101 for the first)
    for m, turn in zip(messages, turns):
        ready: float | None = last
        if turn.replies:
            # Wait for the server's reply as the client did; a server that never sends it gets the message anyway.
            deadline = last + min(timeout, max(REPLY_WAIT, turn.waited))
            came = await heard.until(turn.replies, deadline)
            ready = max(last, came) if came is not None else None
        if ready is not None:
            await asyncio.sleep(max(0.0, ready + min(MESSAGE_GAP, turn.gap) - time.monotonic()))
        opcode = wire.OP_TEXT if m.type == "text" else wire.OP_BINARY
        try:
            writer.write(wire.build_frame(opcode, m.head, os.urandom(4)))
            await writer.drain()
        except (ConnectionError, RuntimeError):
            return  # the server closed: what it answered is read by _watch
        last = time.monotonic()
        # The payload may hold restored secrets: a probe result keeps only its size.
        sent.append(Message("client", m.type, len(m.head), b"", round(last - t0, 6), cut=True))


async def _watch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, window: float,
                 messages: tuple[Message, ...] = (), turns: tuple[Turn, ...] | None = None,
                 timeout: float = 10.0) -> Session:
    """Send *messages* at their *turns*, and watch until *window* seconds after the last of them (or the 101)."""
    t0 = time.monotonic()
    received: list[Message] = []
    sent: list[Message] = []
    dropped = 0
    heard = _Heard()
    if turns is None or len(turns) != len(messages):
        turns = _timetable(messages)
    sender = (asyncio.ensure_future(_send(writer, messages, turns, heard, t0, timeout, sent))
              if messages else None)
    reading: asyncio.Future[tuple[int, bool, bytes, int]] | None = None
    # However long a server takes to answer or to read what is sent, the watch ends by then.
    hard = t0 + window + 5.0 + sum(MESSAGE_GAP + (min(timeout, max(REPLY_WAIT, t.waited)) if t.replies else 0.0)
                                   for t in turns)

    def session(**kw: object) -> Session:
        merged = tuple(sorted([*received, *sent], key=lambda m: m.at))
        return Session(messages=merged, messages_dropped=dropped, **kw)  # type: ignore[arg-type]

    try:
        while True:
            sending = sender is not None and not sender.done()
            start = t0 + sent[-1].at if sent else t0
            left = start + window - time.monotonic()
            if (not sending and left <= 0) or time.monotonic() >= hard:
                return session(state="observed", duration=round(time.monotonic() - t0, 6))
            if reading is None:
                # One read at a time, never cancelled mid-frame while the window is open.
                reading = asyncio.ensure_future(_read_frame(reader))
            waiting = {reading} | ({sender} if sending and sender is not None else set())
            done, _ = await asyncio.wait(waiting, timeout=hard - time.monotonic() if sending else left,
                                         return_when=asyncio.FIRST_COMPLETED)
            if reading not in done:
                continue
            frame, reading = reading, None
            try:
                opcode, rsv1, head, size = frame.result()
            except (asyncio.IncompleteReadError, ConnectionError):
                return session(state="closed", closed_by="server", duration=round(time.monotonic() - t0, 6))
            at = round(time.monotonic() - t0, 6)
            if opcode == wire.OP_CLOSE:  # RFC 6455 5.5.1
                code, reason = wire.parse_close_payload(head)
                return session(state="closed", close_code=code, close_reason=reason, closed_by="server", duration=at)
            if opcode == wire.OP_PING:  # answer, as a client must (RFC 6455 5.5.2)
                writer.write(wire.build_control_frame(wire.OP_PONG, head, os.urandom(4)))
                continue
            if opcode in (wire.OP_TEXT, wire.OP_BINARY, wire.OP_CONTINUATION):
                heard.note(time.monotonic())
                if rsv1:  # permessage-deflate (RFC 7692 7.2.2)
                    head = wire.inflate_head(head, MESSAGE_HEAD)
                if len(received) < MESSAGE_LIMIT:
                    kind = "binary" if opcode == wire.OP_BINARY else "text"
                    received.append(Message("server", kind, size, head[:MESSAGE_HEAD], at))
                else:
                    dropped += 1
    finally:
        for task in (sender, reading):
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass


async def probe(request: Request, conn: Connection, messages: tuple[Message, ...] = (),
                turns: tuple[Turn, ...] | None = None) -> ProbeResult:
    """Send *request* over *conn*, then *messages* after a 101; return what the server answered.

    Never raises for a rejection. *messages* are whole client messages, with
    secrets restored, in the order to send them; *turns* (one per message,
    from :func:`wsdiff.messages.conversation`) say which server replies each
    waits for. Without them each is sent after its recorded gap.

    Raises:
        ReplayError: the proxy URL is not usable (nothing was sent).
    """
    if not conn.keep_key:
        request = wire.with_fresh_key(request, os.urandom(16))
    key = header_value(request.headers, "Sec-WebSocket-Key")
    start = time.monotonic()
    writer: asyncio.StreamWriter | None = None
    try:
        try:
            reader, writer = await asyncio.wait_for(_open(conn), conn.timeout)
        except (asyncio.TimeoutError, TimeoutError) as e:
            ep = conn.endpoint
            raise unreachable(e, ep.host, ep.port, timeout=conn.timeout) from None
        writer.write(wire.build_request(request))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), conn.timeout)
        elapsed = round(time.monotonic() - start, 6)
        _, status, reason, headers = wire.parse_response_head(head[:-4])
        if status != 101:
            body, cut = await _read_body(reader, headers, time.monotonic() + min(conn.timeout, 2.0))
            return ProbeResult(status, reason, headers, body, cut, elapsed=elapsed)
        accept = header_value(headers, "Sec-WebSocket-Accept")
        session = await _watch(reader, writer, conn.window, messages, turns, conn.timeout)
        if session.state != "closed":
            try:
                writer.write(wire.build_close_frame(1000, os.urandom(4)))
                await asyncio.wait_for(writer.drain(), 1.0)
            except (ConnectionError, asyncio.TimeoutError, TimeoutError):
                pass
        return ProbeResult(
            status, reason, headers, elapsed=elapsed,
            accept_ok=(key is not None and accept == wire.accept_for(key)),
            subprotocol=header_value(headers, "Sec-WebSocket-Protocol"),
            extensions=header_value(headers, "Sec-WebSocket-Extensions"),
            session=session,
        )
    except ReplayError:
        raise
    except _Unreachable as u:  # nothing was sent: the runner turns this into trouble
        return ProbeResult(error=Failure(u.kind, u.message), elapsed=round(time.monotonic() - start, 6),
                           unreachable=u.how)
    except Exception as e:  # every network failure is an outcome
        return ProbeResult(error=_classify(e), elapsed=round(time.monotonic() - start, 6))
    finally:
        if writer is not None:
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            except Exception:
                pass
