"""Captures from the formats people already have: HAR files and mitmproxy flow files.

HAR (DevTools export, mitmproxy's ``hardump``): every entry whose request has
``Upgrade: websocket``, or that DevTools marks as a websocket, is one attempt;
in mitmproxy's HAR a rejected upgrade is a plain HTTP entry, so selection is
on the request header, not on the status. Flow files (``mitmdump -w``) are
are recognised here and read with mitmproxy's own reader at the edge
(:func:`wsdiff.recording.snapshot.captures_from_flows`), so this module
stays free of mitmproxy.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .document import Reader, check_capture, decode_bytes
from .errors import CaptureError
from .model import (BODY_LIMIT, MESSAGE_LIMIT, MESSAGE_SCAN, Capture, Message, Request, Response, Session, message_keep,
                    endpoint_from_url, header_value)

__all__ = ["captures_from_har", "looks_like_flows", "FlowBytes"]

_TNETSTRING = re.compile(rb"^\d{1,9}:")


class FlowBytes:
    """The raw bytes of a mitmproxy flow file, as opposed to a JSON document."""

    def __init__(self, data: bytes) -> None:
        self.data = data


def looks_like_flows(data: bytes) -> bool:
    """Tell whether *data* starts like a mitmproxy flow file (tnetstring)."""
    return bool(_TNETSTRING.match(data))


def _har_headers(reader: Reader, key: str) -> tuple[tuple[str, str], ...]:
    items = reader.get(key, (list,), "a list", required=False, default=[])
    out = []
    for i, item in enumerate(items):
        r = Reader(item, f"{reader.place}.{key}[{i}]")
        name = r.str("name")
        if name.startswith(":"):  # HTTP/2 pseudo-headers are not part of an HTTP/1.1 upgrade
            continue
        out.append((name, r.str("value")))
    return tuple(out)


def _started(text: str) -> float:
    try:
        return max(0.0, datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except (ValueError, OverflowError, OSError):
        return 0.0


def _har_entry(entry: object, place: str) -> Capture | None:
    e = Reader(entry, place)
    rq = e.sub("request")
    assert rq is not None
    headers = _har_headers(rq, "headers")
    websocketish = "websocket" in (header_value(headers, "Upgrade") or "").lower()
    if not websocketish and e.obj.get("_resourceType") != "websocket":
        return None
    url = rq.str("url")
    # urlsplit silently drops CR, LF and tabs (WHATWG): a URL that holds them is refused, not cleaned.
    if any(c in url for c in "\r\n\t\x00"):
        raise CaptureError("the URL holds CR, LF or NUL (or a tab): refusing a capture that would inject into "
                           "the request", place=f"{place}.request.url")
    try:
        endpoint, target = endpoint_from_url(url)
    except ValueError as e:
        raise CaptureError(str(e), place=f"{place}.request.url") from None
    version = rq.str("httpVersion", required=False, default="HTTP/1.1")
    if version.upper() in ("", "UNKNOWN"):
        version = "HTTP/1.1"
    request = Request(method=rq.str("method"), target=target, http_version=version.upper(), headers=headers)
    response = None
    rs = e.sub("response", required=False)
    if rs is not None:
        status = rs.get("status", (int,), "an integer")
        if status > 0:  # DevTools writes status 0 when there was no answer
            body = b""
            content = rs.sub("content", required=False)
            if content is not None and content.obj.get("text"):
                encoding = "base64" if content.obj.get("encoding") == "base64" else "utf-8"
                try:
                    body = decode_bytes(content.str("text"), encoding)
                except ValueError:
                    body = b""
            response = Response(
                status=status,
                reason=rs.str("statusText", required=False),
                http_version=rs.str("httpVersion", required=False, default="HTTP/1.1").upper() or "HTTP/1.1",
                headers=_har_headers(rs, "headers"),
                body=body[:BODY_LIMIT],
                body_truncated=len(body) > BODY_LIMIT,
            )
    session = None
    raw_messages = e.obj.get("_webSocketMessages")
    if response is not None and response.status == 101 and isinstance(raw_messages, list):
        started = _started(e.str("startedDateTime", required=False))
        messages = []
        counts = {"client": 0, "server": 0}
        for i, m in enumerate(raw_messages[:MESSAGE_SCAN]):
            mr = Reader(m, f"{place}._webSocketMessages[{i}]")
            direction = "client" if mr.obj.get("type") == "send" else "server"
            if counts[direction] >= MESSAGE_LIMIT:
                continue
            counts[direction] += 1
            data = mr.str("data", required=False)
            binary = mr.obj.get("opcode") == 2
            try:
                payload = decode_bytes(data, "base64") if binary else data.encode("utf-8", "replace")
            except ValueError:
                raise CaptureError("a binary message whose data is not valid base64",
                                   place=f"{place}._webSocketMessages[{i}].data") from None
            at = mr.opt_number("time")
            keep = message_keep(direction)  # type: ignore[arg-type]
            messages.append(
                Message(
                    direction=direction,  # type: ignore[arg-type]
                    type="binary" if binary else "text",
                    size=len(payload),
                    head=payload[:keep],
                    at=max(0.0, round(at - started, 6)) if at and started else 0.0,
                    cut=len(payload) > keep,
                )
            )
        session = Session(state="observed", messages=tuple(messages),
                          messages_dropped=max(0, len(raw_messages) - len(messages)))
    wait = None
    timings = e.obj.get("timings")
    if isinstance(timings, dict) and isinstance(timings.get("wait"), (int, float)) and 0 <= timings["wait"] < 1e12:
        wait = timings["wait"] / 1000
    capture = Capture(
        endpoint=endpoint,
        request=request,
        response=response,
        label=str(e.obj.get("comment") or ""),
        id=str(e.obj.get("_id") or e.obj.get("pageref") or ""),
        started=_started(e.str("startedDateTime", required=False)),
        response_time=wait,
        websocket=session,
    )
    check_capture(capture, place)
    return capture


def captures_from_har(doc: Any) -> list[Capture]:
    """Return the WebSocket upgrade attempts (accepted or not) in a HAR document."""
    log = Reader(doc, "").sub("log")
    assert log is not None
    entries = log.get("entries", (list,), "a list")
    out = []
    for i, entry in enumerate(entries):
        capture = _har_entry(entry, f"log.entries[{i}]")
        if capture is not None:
            out.append(capture)
    return out
