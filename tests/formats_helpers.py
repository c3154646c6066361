"""Write one capture in each input format wsdiff reads: its JSON, a HAR file, a mitmproxy flow file.

Used by the security tests to check that whatever the format, every output
is redacted and every hostile value is refused. The capture's values are
written as they are (no redaction, no check): these are the files an
attacker or a careless user would hand over.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime, timezone
from pathlib import Path

from wsdiff.document import build_document, dumps_document
from wsdiff.model import Capture

FORMATS = ("json", "har", "flow")


def write_json(capture: Capture, path: Path) -> Path:
    doc = build_document(capture)
    doc["redacted"] = capture.redacted
    path.write_bytes(dumps_document(doc))
    return path


def har_document(capture: Capture) -> dict:
    """A one-entry HAR 1.2 document, as Chromium's DevTools writes a WebSocket (with _webSocketMessages)."""
    r = capture.request
    started = datetime.fromtimestamp(capture.started or 1_700_000_000, tz=timezone.utc)
    entry: dict = {
        "startedDateTime": started.isoformat().replace("+00:00", "Z"),
        "time": 1,
        "_resourceType": "websocket",
        "request": {"method": r.method, "url": capture.endpoint.url + r.target, "httpVersion": r.http_version,
                    "headers": [{"name": k, "value": v} for k, v in r.headers], "queryString": [], "cookies": [],
                    "headersSize": -1, "bodySize": 0},
        "response": {"status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}, "comment": capture.label,
    }
    resp = capture.response
    if resp is not None:
        try:
            content = {"size": len(resp.body), "mimeType": "text/plain", "text": resp.body.decode("utf-8")}
        except UnicodeDecodeError:
            content = {"size": len(resp.body), "mimeType": "application/octet-stream",
                       "text": base64.b64encode(resp.body).decode(), "encoding": "base64"}
        entry["response"].update(status=resp.status, statusText=resp.reason, httpVersion=resp.http_version,
                                 headers=[{"name": k, "value": v} for k, v in resp.headers], content=content)
    if capture.websocket is not None:
        t0 = started.timestamp()
        entry["_webSocketMessages"] = [
            {"type": "send" if m.direction == "client" else "receive", "time": t0 + m.at,
             "opcode": 1 if m.type == "text" else 2,
             "data": m.head.decode("utf-8", "replace") if m.type == "text" else base64.b64encode(m.head).decode()}
            for m in capture.websocket.messages]
    return {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [entry]}}


def write_har(capture: Capture, path: Path) -> Path:
    path.write_text(json.dumps(har_document(capture)))
    return path


def write_flow(capture: Capture, path: Path) -> Path:
    """A mitmproxy flow file (``mitmdump -w``) holding the capture as one HTTP flow, with its WebSocket messages."""
    from mitmproxy import http
    from mitmproxy import io as mio
    from mitmproxy.test import tflow
    from mitmproxy.websocket import WebSocketData
    from wsproto.frame_protocol import Opcode

    ep, r = capture.endpoint, capture.request
    t0 = capture.started or 1_700_000_000.0
    request = http.Request(
        ep.host, ep.port, r.method.encode("latin-1"), b"https" if ep.tls else b"http", b"", r.target.encode("latin-1"),
        r.http_version.encode("latin-1"),
        http.Headers([(k.encode("latin-1"), v.encode("latin-1")) for k, v in r.headers]), b"", None, t0, t0)
    flow = http.HTTPFlow(tflow.tclient_conn(), tflow.tserver_conn())
    flow.request = request
    resp = capture.response
    if resp is not None:
        flow.response = http.Response(
            resp.http_version.encode("latin-1"), resp.status, resp.reason.encode("latin-1"),
            http.Headers([(k.encode("latin-1"), v.encode("latin-1")) for k, v in resp.headers]), resp.body, None,
            t0 + 0.01, t0 + 0.02)
        if resp.status == 101 and capture.websocket is not None:
            flow.websocket = WebSocketData()
            for m in capture.websocket.messages:
                flow.websocket.messages.append(http_message(m, t0))
    buf = io.BytesIO()
    mio.FlowWriter(buf).add(flow)
    path.write_bytes(buf.getvalue())
    return path


def http_message(m: object, t0: float) -> object:
    from mitmproxy.websocket import WebSocketMessage
    from wsproto.frame_protocol import Opcode

    return WebSocketMessage(Opcode.TEXT if m.type == "text" else Opcode.BINARY,  # type: ignore[attr-defined]
                            m.direction == "client", m.head, t0 + m.at)  # type: ignore[attr-defined]


def write(capture: Capture, fmt: str, folder: Path, name: str = "input") -> Path:
    """Write *capture* in format *fmt* (json, har or flow) into *folder*; return the path."""
    suffix = {"json": ".json", "har": ".har", "flow": ".flows"}[fmt]
    return {"json": write_json, "har": write_har, "flow": write_flow}[fmt](capture, folder / f"{name}{suffix}")
