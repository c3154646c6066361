"""Turn a capture into a command or snippet that reproduces its handshake (pure).

Formats: ``curl`` (an http:// URL with the upgrade headers; curl adds and
orders some headers itself and Sec-WebSocket-Extensions is left out, so it
reproduces the status, not the bytes; comment lines before the command say
so),
``websocat``, ``python`` (a standard-library snippet that sends the exact
bytes) and ``har`` (a one-entry HAR 1.2 document). Redacted values stay
fingerprints unless the caller restored them first.
"""

from __future__ import annotations

import json
import shlex
from datetime import datetime, timezone
from typing import Any

from .model import Capture, default_port, header_values
from .wire import build_request

__all__ = ["FORMATS", "export"]

FORMATS = ("curl", "websocat", "python", "har")
# Headers curl writes by itself; blanked with "Name:" when the capture lacks them.
_CURL_DEFAULTS = ("User-Agent", "Accept")
# curl cannot inflate permessage-deflate frames: offering it would print compressed bytes after a 101.
_CURL_LEAVE_OUT = {"sec-websocket-extensions"}
# Headers websocat negotiates itself.
_WEBSOCAT_OWN = {"host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"}


def _http_url(c: Capture) -> str:
    ep = c.endpoint
    scheme = "https" if ep.tls else "http"
    host = f"[{ep.host}]" if ":" in ep.host else ep.host
    port = "" if ep.port == default_port(ep.scheme) else f":{ep.port}"
    return f"{scheme}://{host}{port}{c.request.target}"


def _curl(c: Capture) -> str:
    args = ["curl", "--include", "--no-buffer", "--http1.1", "--max-time", "3"]
    if c.request.method != "GET":
        args += ["--request", c.request.method]
    left_out = []
    for name, value in c.request.headers:
        if name.lower() in _CURL_LEAVE_OUT:
            left_out.append(name)
            continue
        args += ["--header", f"{name}: {value}" if value else f"{name};"]
    for name in _CURL_DEFAULTS:
        if not header_values(c.request.headers, name):
            args += ["--header", f"{name}:"]
    args.append(_http_url(c))
    notes = ["# curl prints the answer's head. After a 101 it keeps reading the WebSocket until --max-time: "
             "that timeout (exit status 28) is expected."]
    if left_out:
        notes.append(f"# {', '.join(dict.fromkeys(left_out))} left out: curl cannot decompress permessage-deflate, "
                     "so compressed frames would reach the terminal.")
    return "\n".join([*notes, " ".join(shlex.quote(a) for a in args)])


def _websocat(c: Capture) -> str:
    args = ["websocat"]
    for name, value in c.request.headers:
        if name.lower() not in _WEBSOCAT_OWN:
            args += ["-H", f"{name}: {value}"]
    args.append(c.endpoint.url + c.request.target)
    return " ".join(shlex.quote(a) for a in args)


def _python(c: Capture) -> str:
    raw = build_request(c.request)
    ep = c.endpoint
    tls = (f"sock = ssl.create_default_context().wrap_socket(sock, server_hostname={(ep.sni or ep.host)!r})\n"
           if ep.tls else "")
    return (
        "# Sends the recorded handshake byte for byte and prints the server's answer head.\n"
        "import socket, ssl\n\n"
        f"REQUEST = {raw!r}\n\n"
        f"sock = socket.create_connection(({ep.host!r}, {ep.port}), timeout=10)\n"
        f"{tls}"
        "sock.sendall(REQUEST)\n"
        "answer = b''\n"
        "while b'\\r\\n\\r\\n' not in answer:\n"
        "    chunk = sock.recv(4096)\n"
        "    if not chunk:\n"
        "        break\n"
        "    answer += chunk\n"
        "print(answer.split(b'\\r\\n\\r\\n')[0].decode('latin-1'))\n"
        "sock.close()\n"
    )


def _har(c: Capture) -> str:
    started = datetime.fromtimestamp(c.started or 0, tz=timezone.utc).isoformat().replace("+00:00", "Z")
    resp: dict[str, Any] = {"status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                            "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                            "bodySize": -1}
    if c.response is not None:
        resp.update(status=c.response.status, statusText=c.response.reason, httpVersion=c.response.http_version,
                    headers=[{"name": k, "value": v} for k, v in c.response.headers])
    entry = {
        "startedDateTime": started,
        "time": round((c.response_time or 0) * 1000, 3),
        "request": {
            "method": c.request.method, "url": c.endpoint.url + c.request.target,
            "httpVersion": c.request.http_version,
            "headers": [{"name": k, "value": v} for k, v in c.request.headers],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0,
        },
        "response": resp,
        "cache": {},
        "timings": {"send": 0, "wait": round((c.response_time or 0) * 1000, 3), "receive": 0},
        "comment": c.label,
    }
    doc = {"log": {"version": "1.2", "creator": {"name": "wsdiff", "version": "0.1"}, "entries": [entry]}}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def export(capture: Capture, fmt: str) -> str:
    """Return *capture* as a curl or websocat command, a Python snippet or a HAR document."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    return {"curl": _curl, "websocat": _websocat, "python": _python, "har": _har}[fmt](capture)
