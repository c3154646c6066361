"""Translate mitmproxy flows into captures.

Used by the recorder addon and by the flow-file loader. Nothing here imports
mitmproxy at module level: it reads attributes of the flow objects it is given.
"""

from __future__ import annotations

from typing import Any

from .model import Capture, Endpoint, Failure, Headers, Message, Request, Response, Session

__all__ = ["is_upgrade", "capture_from_flow", "classify_error", "proxy_mode_name", "BODY_LIMIT", "MESSAGE_LIMIT", "MESSAGE_HEAD"]

BODY_LIMIT = 4096  # response body bytes kept in a capture
MESSAGE_LIMIT = 8  # WebSocket messages kept per connection
MESSAGE_HEAD = 256  # bytes kept of each message


def _headers(fields: Any) -> Headers:
    # RFC 9110 5.5: field values are octets; ISO-8859-1 maps each to one char.
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in fields)


def is_upgrade(request: Any) -> bool:
    """Tell whether a mitmproxy request asks for a WebSocket upgrade (RFC 6455 4.1)."""
    for name, value in request.headers.fields:
        if name.lower() == b"upgrade" and b"websocket" in value.lower():
            return True
    return False


def proxy_mode_name(mode: Any) -> str | None:
    """Return mitmproxy's proxy mode as written on its command line (``regular``, ``reverse:URL``)."""
    if mode is None:
        return None
    return str(getattr(mode, "full_spec", mode))


def classify_error(message: str) -> str:
    """Map mitmproxy's error text to a Failure kind."""
    text = message.lower()
    if "refused" in text or "connect call failed" in text or "errno 111" in text:
        return "refused"
    if "reset" in text or "broken pipe" in text or "closed" in text or "disconnect" in text:
        return "reset"
    if "tls" in text or "ssl" in text or "certificate" in text or "handshake" in text:
        return "tls"
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if "invalid" in text or "protocol" in text or "malformed" in text:
        return "protocol"
    return "other"


def _session(flow: Any, state: str) -> Session | None:
    ws = flow.websocket
    if ws is None or flow.response is None:
        return None
    t0 = flow.response.timestamp_end or flow.response.timestamp_start
    messages = tuple(
        Message(
            direction="client" if m.from_client else "server",
            type="text" if m.is_text else "binary",
            size=len(m.content),
            head=m.content[:MESSAGE_HEAD],
            at=max(0.0, round(m.timestamp - t0, 6)),
        )
        for m in ws.messages[:MESSAGE_LIMIT]
    )
    closed = state == "closed"
    closed_by = None
    if closed and ws.closed_by_client is not None:
        closed_by = "client" if ws.closed_by_client else "server"
    end = ws.timestamp_end if closed and ws.timestamp_end else None
    return Session(
        state=state,  # type: ignore[arg-type]
        close_code=ws.close_code if closed else None,
        close_reason=(ws.close_reason or "") if closed else "",
        closed_by=closed_by,  # type: ignore[arg-type]
        duration=round(end - t0, 6) if end else None,
        messages=messages,
        messages_dropped=max(0, len(ws.messages) - MESSAGE_LIMIT),
    )


def capture_from_flow(
    flow: Any, *, label: str = "", host_rewritten: bool = False, session_state: str = "open", now: float | None = None
) -> Capture:
    """Return the capture of a mitmproxy HTTPFlow that carried an upgrade attempt.

    *session_state* says what to record of an accepted connection: ``open``
    (just upgraded), ``closed`` (it ended) or ``observed`` (the observation
    window ended while it was open; *now* is then its end).
    """
    req = flow.request
    tls = req.scheme == "https"
    server = flow.server_conn
    endpoint = Endpoint(
        scheme="wss" if tls else "ws",
        host=req.host,
        port=req.port,
        sni=(server.sni if server is not None and tls else None),
    )
    request = Request(
        method=req.method,
        target=req.data.path.decode("latin-1"),
        http_version=req.http_version,
        headers=_headers(req.headers.fields),
    )
    response = None
    response_time = None
    if flow.response is not None:
        resp = flow.response
        body = resp.raw_content or b""
        response = Response(
            status=resp.status_code,
            reason=resp.reason,
            http_version=resp.http_version,
            headers=_headers(resp.headers.fields),
            body=body[:BODY_LIMIT],
            body_truncated=len(body) > BODY_LIMIT,
        )
        response_time = round(resp.timestamp_start - req.timestamp_start, 6)
    error = None
    if response is None and flow.error is not None:
        error = Failure(kind=classify_error(flow.error.msg), message=flow.error.msg)  # type: ignore[arg-type]
    session = _session(flow, session_state)
    if session is not None and session_state == "observed" and now is not None and flow.response is not None:
        t0 = flow.response.timestamp_end or flow.response.timestamp_start
        session = Session(
            state="observed", duration=round(now - t0, 6),
            messages=session.messages, messages_dropped=session.messages_dropped,
        )
    client = None
    peer = getattr(flow.client_conn, "peername", None)
    if peer:
        client = f"[{peer[0]}]:{peer[1]}" if ":" in str(peer[0]) else f"{peer[0]}:{peer[1]}"
    mode = getattr(flow.client_conn, "proxy_mode", None)
    return Capture(
        endpoint=endpoint,
        request=request,
        response=response,
        error=error,
        websocket=session,
        label=label,
        id=flow.id,
        started=req.timestamp_start,
        response_time=response_time,
        client=client,
        proxy_mode=proxy_mode_name(mode),
        host_rewritten=host_rewritten,
    )
