"""Translate mitmproxy flows into captures.

Used by the recorder addon and by the flow-file loader. Nothing here imports
mitmproxy at module level: it reads attributes of the flow objects it is given.
"""

from __future__ import annotations

import io

from typing import Any

from ..model import BODY_LIMIT, CLIENT_BYTES_LIMIT, CLIENT_MESSAGE_LIMIT, MESSAGE_HEAD, MESSAGE_LIMIT, MESSAGE_SCAN, Capture, Endpoint, Failure, Headers, Message, Request, Response, Session

__all__ = ["is_upgrade", "capture_from_flow", "captures_from_flows", "capture_from_snapshot", "flow_snapshot", "Snapshot", "classify_error", "proxy_mode_name"]



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


Snapshot = tuple
"""What the recorder's hook takes from a flow: plain values only (str, bytes,
int, float, bool, None and tuples of them), so that it costs a few attribute
reads and crosses to the writer process with ``marshal``. The layout is
private to this module: make one with flow_snapshot, read it with
capture_from_snapshot."""


def flow_snapshot(
    flow: Any, *, label: str = "", host_rewritten: bool = False, session_state: str = "open",
    now: float | None = None, mode: str | None = None,
) -> Snapshot:
    """Take the values a capture needs from a mitmproxy HTTPFlow, and nothing else.

    *session_state* says what to record of an accepted connection: ``open``
    (just upgraded), ``closed`` (it ended) or ``observed`` (the observation
    window ended while it was open; *now* is then its end). *mode* is the
    proxy mode as proxy_mode_name gives it, when the caller has it already.
    """
    req = flow.request
    tls = req.scheme == "https"
    server = flow.server_conn
    resp = flow.response
    response = None
    if resp is not None:
        body = resp.raw_content or b""
        response = (resp.status_code, resp.reason, resp.http_version, tuple(resp.headers.fields),
                    body[:BODY_LIMIT], len(body), resp.timestamp_start, resp.timestamp_end)
    ws = flow.websocket
    session = None
    if ws is not None and resp is not None:
        messages = _first_messages(ws.messages)
        # close_code is a wsproto CloseReason (an IntEnum) on a live flow: marshal takes plain ints only.
        code = None if ws.close_code is None else int(ws.close_code)
        session = (messages, len(ws.messages), code, ws.close_reason, ws.closed_by_client, ws.timestamp_end)
    peer = getattr(flow.client_conn, "peername", None)
    if mode is None:
        mode = proxy_mode_name(getattr(flow.client_conn, "proxy_mode", None))
    return (
        tls, req.host, req.port, server.sni if server is not None and tls else None,
        req.method, req.data.path, req.http_version, tuple(req.headers.fields), req.timestamp_start,
        response, flow.error.msg if flow.error is not None else None, session,
        (str(peer[0]), int(peer[1])) if peer else None, mode, flow.id, label, host_rewritten, session_state, now,
    )


def _first_messages(messages: Any) -> tuple[tuple[bool, bool, bytes, int, float], ...]:
    """Take the first MESSAGE_LIMIT messages of each direction: a client's whole (to 64 KiB), a server's head.

    Runs on mitmproxy's event loop: attribute reads and a slice of bytes per
    message, among at most MESSAGE_SCAN of them; nothing is parsed here. A
    slice that covers a whole bytes object is that object, not a copy.
    """
    kept = []
    counts = [0, 0]  # server, client
    budget = CLIENT_BYTES_LIMIT
    for m in messages[:MESSAGE_SCAN]:
        side = m.from_client
        if counts[side] < MESSAGE_LIMIT:
            counts[side] += 1
            content = m.content
            head = content[:max(MESSAGE_HEAD, min(CLIENT_MESSAGE_LIMIT, budget))] if side else content[:MESSAGE_HEAD]
            if side:
                budget -= len(head)
            kept.append((side, m.is_text, head, len(content), m.timestamp))
    return tuple(kept)


def _fields(fields: Any) -> Headers:
    # RFC 9110 5.5: field values are octets; ISO-8859-1 maps each to one char.
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in fields)


def _session(snap: Any, t0: float, state: str, now: float | None) -> Session:
    raw, total, close_code, close_reason, closed_by_client, timestamp_end = snap
    messages = tuple(
        Message(
            direction="client" if from_client else "server",
            type="text" if is_text else "binary",
            size=size,
            head=head,
            at=max(0.0, round(at - t0, 6)),
            cut=size > len(head),
        )
        for from_client, is_text, head, size, at in raw
    )
    dropped = max(0, total - len(messages))
    if state == "observed":
        duration = round(now - t0, 6) if now is not None else None
        return Session(state="observed", duration=duration, messages=messages, messages_dropped=dropped)
    closed = state == "closed"
    closed_by = None
    if closed and closed_by_client is not None:
        closed_by = "client" if closed_by_client else "server"
    end = timestamp_end if closed and timestamp_end else None
    return Session(
        state=state,  # type: ignore[arg-type]
        close_code=close_code if closed else None,
        close_reason=(close_reason or "") if closed else "",
        closed_by=closed_by,  # type: ignore[arg-type]
        duration=round(end - t0, 6) if end else None,
        messages=messages,
        messages_dropped=dropped,
    )


def capture_from_snapshot(snap: Snapshot) -> Capture:
    """Return the capture that a flow_snapshot describes (pure: values in, a Capture out)."""
    (tls, host, port, sni, method, path, http_version, fields, started, resp, error_msg, ws,
     peer, mode, flow_id, label, host_rewritten, state, now) = snap
    request = Request(method=method, target=path.decode("latin-1"), http_version=http_version, headers=_fields(fields))
    response = response_time = session = None
    if resp is not None:
        status, reason, resp_version, resp_fields, body, body_size, resp_start, resp_end = resp
        response = Response(status=status, reason=reason, http_version=resp_version, headers=_fields(resp_fields),
                            body=body, body_truncated=body_size > len(body))
        response_time = round(resp_start - started, 6)
        if ws is not None:
            session = _session(ws, resp_end or resp_start, state, now)
    error = None
    if response is None and error_msg is not None:
        error = Failure(kind=classify_error(error_msg), message=error_msg)  # type: ignore[arg-type]
    client = None
    if peer:
        client = f"[{peer[0]}]:{peer[1]}" if ":" in peer[0] else f"{peer[0]}:{peer[1]}"
    return Capture(
        endpoint=Endpoint(scheme="wss" if tls else "ws", host=host, port=port, sni=sni),
        request=request,
        response=response,
        error=error,
        websocket=session,
        label=label,
        id=flow_id,
        started=started,
        response_time=response_time,
        client=client,
        proxy_mode=mode,
        host_rewritten=host_rewritten,
    )


def capture_from_flow(
    flow: Any, *, label: str = "", host_rewritten: bool = False, session_state: str = "open", now: float | None = None
) -> Capture:
    """Return the capture of a mitmproxy HTTPFlow that carried an upgrade attempt (see flow_snapshot)."""
    return capture_from_snapshot(
        flow_snapshot(flow, label=label, host_rewritten=host_rewritten, session_state=session_state, now=now)
    )


def captures_from_flows(data: bytes) -> list[Capture]:
    """Return the WebSocket upgrade attempts in a mitmproxy flow file, in order."""
    from mitmproxy import exceptions, http
    from mitmproxy import io as mio

    from ..errors import CaptureError

    out = []
    try:
        for flow in mio.FlowReader(io.BytesIO(data)).stream():
            if isinstance(flow, http.HTTPFlow) and is_upgrade(flow.request):
                done = flow.websocket is not None and flow.websocket.timestamp_end is not None
                out.append(capture_from_flow(flow, session_state="closed" if done else "observed"))
    except exceptions.FlowReadException as e:
        raise CaptureError(f"not a readable mitmproxy flow file: {e}") from None
    except (ValueError, TypeError, KeyError) as e:
        raise CaptureError(f"not a readable mitmproxy flow file: {e!r}") from None
    return out
