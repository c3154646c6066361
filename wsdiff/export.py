"""Turn a capture into a command or snippet that reproduces its handshake (pure).

Formats: ``curl`` (an http:// URL with the upgrade headers; curl adds and
orders some headers itself and Sec-WebSocket-Extensions is left out, so it
reproduces the status, not the bytes; comment lines before the command say
so),
``websocat``, ``python`` (a standard-library snippet that sends the exact
bytes) and ``har`` (a one-entry HAR 1.2 document). Redacted values stay
fingerprints unless the caller restored them first.

Whatever a capture holds, the text returned holds no control character
(escape sequences, bidi overrides): shell words that need one are written
``$'...'`` with escapes, Python as ``repr``, JSON with ``\\u`` escapes.
:func:`printable` and :func:`printable_json` do the same for any text a
command prints.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from .errors import CaptureError
from .headers import target_authority, target_problem
from .model import Capture, default_port, header_values
from .wire import build_request

__all__ = ["FORMATS", "export", "printable", "printable_json"]

# Characters a terminal may act on: C0 and C1 controls (ESC, CSI), DEL, bidi
# overrides and isolates, zero-width and other format characters, line and
# paragraph separators, lone surrogates.
_OTHER_UNSAFE = (r"\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
                 r"\ud800-\udfff\U000e0000-\U000e007f")
_UNSAFE = re.compile(r"[\x00-\x1f" + _OTHER_UNSAFE + "]")
_UNSAFE_KEEP_LINES = re.compile(r"[\x00-\x09\x0b-\x1f" + _OTHER_UNSAFE + "]")


def _escape(ch: str) -> str:
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """Return *text* with every character a terminal could act on written as an escape (``\\x1b``)."""
    pattern = _UNSAFE_KEEP_LINES if keep_newlines else _UNSAFE
    return pattern.sub(lambda m: _escape(m.group(0)), text)


def _json_escape(ch: str) -> str:
    o = ord(ch)
    if o < 0x10000:
        return f"\\u{o:04x}"
    o -= 0x10000
    return f"\\u{0xD800 + (o >> 10):04x}\\u{0xDC00 + (o & 0x3FF):04x}"


def printable_json(obj: object, *, indent: int | None = 2) -> str:
    """Return *obj* as JSON text that holds no character a terminal could act on (they become ``\\u`` escapes)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False)
    return _UNSAFE_KEEP_LINES.sub(lambda m: _json_escape(m.group(0)), text)


def _quote(word: str) -> str:
    """Quote one shell word; a word with a control or non-ASCII character becomes ``$'...'`` with escapes.

    ``$'...'`` (bash, zsh, ksh; POSIX since 2024) gives back the exact
    octets (headers are ISO-8859-1), and the command printed stays inert text.
    """
    if all(" " <= c <= "~" for c in word):
        return shlex.quote(word)
    out = []
    for c in word:
        if c in "\\'":
            out.append("\\" + c)
        elif " " <= c <= "~":
            out.append(c)
        else:
            out.append(_escape(c))
    return "$'" + "".join(out) + "'"

FORMATS = ("curl", "websocat", "python", "har")
# Headers curl writes by itself; blanked with "Name:" when the capture lacks them.
_CURL_DEFAULTS = ("User-Agent", "Accept")
# curl cannot inflate permessage-deflate frames: offering it would print compressed bytes after a 101.
_CURL_LEAVE_OUT = {"sec-websocket-extensions"}
# Headers websocat negotiates itself.
_WEBSOCAT_OWN = {"host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"}


def _url(c: Capture, scheme: str) -> str:
    """Return the URL to open: the endpoint's authority and the target's path and query, nothing of the target's own.

    The target never supplies the authority: an ``@`` or a leading ``.`` in
    it would otherwise turn ``http://host:port`` + target into another host
    (``http://host:port@evil/``), and a ``--reveal-secrets`` export would
    send the secrets there. The URL is parsed back and must name the endpoint.

    Raises:
        CaptureError: the target is not a path, or the URL names another host.
    """
    ep = c.endpoint
    target = c.request.target
    if target_authority(target) is not None:
        parts = urlsplit(target)  # absolute-form: keep its path and query only
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if target_problem(target) is not None or not target.startswith("/"):
        raise CaptureError("the request's path is not a path starting with '/': it has no URL to export")
    host = f"[{ep.host}]" if ":" in ep.host else ep.host
    port = "" if ep.port == default_port(ep.scheme) else f":{ep.port}"
    url = f"{scheme}://{host}{port}{target}"
    try:
        parsed = urlsplit(url)
        same = (parsed.hostname, parsed.port or default_port(ep.scheme)) == (ep.host.lower(), ep.port)
    except ValueError:
        same = False
    if not same:
        raise CaptureError("the exported URL would name another host than the capture's endpoint")
    return url


def _http_url(c: Capture) -> str:
    return _url(c, "https" if c.endpoint.tls else "http")


def _curl(c: Capture) -> str:
    # --silent --show-error: no progress meter mixed into the answer, but curl's own errors still shown.
    args = ["curl", "--silent", "--show-error", "--include", "--no-buffer", "--http1.1", "--max-time", "3"]
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
        notes.append(printable(f"# {', '.join(dict.fromkeys(left_out))} left out: curl cannot decompress "
                               "permessage-deflate, so compressed frames would reach the terminal."))
    return "\n".join([*notes, " ".join(_quote(a) for a in args)])


def _websocat(c: Capture) -> str:
    args = ["websocat"]
    for name, value in c.request.headers:
        if name.lower() not in _WEBSOCAT_OWN:
            args += ["-H", f"{name}: {value}"]
    args.append(_url(c, c.endpoint.scheme.lower()))
    return " ".join(_quote(a) for a in args)


def _python(c: Capture) -> str:
    try:
        raw = build_request(c.request)
    except UnicodeEncodeError as e:
        raise CaptureError(f"the request has a character outside ISO-8859-1 at offset {e.start}: it has no bytes "
                           "to send") from None
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


def _finite(x: float | None) -> float:
    return x if x is not None and math.isfinite(x) and 0 <= x < 1e12 else 0.0


def _har(c: Capture) -> str:
    try:
        when = datetime.fromtimestamp(_finite(c.started), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):  # past the year 9999
        when = datetime.fromtimestamp(0, tz=timezone.utc)
    started = when.isoformat().replace("+00:00", "Z")
    wait = round(_finite(c.response_time) * 1000, 3)
    resp: dict[str, Any] = {"status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                            "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                            "bodySize": -1}
    if c.response is not None:
        resp.update(status=c.response.status, statusText=c.response.reason, httpVersion=c.response.http_version,
                    headers=[{"name": k, "value": v} for k, v in c.response.headers])
    entry = {
        "startedDateTime": started,
        "time": wait,
        "request": {
            "method": c.request.method, "url": _url(c, c.endpoint.scheme.lower()),
            "httpVersion": c.request.http_version,
            "headers": [{"name": k, "value": v} for k, v in c.request.headers],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0,
        },
        "response": resp,
        "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": 0},
        "comment": c.label,
    }
    doc = {"log": {"version": "1.2", "creator": {"name": "wsdiff", "version": "0.1"}, "entries": [entry]}}
    return printable_json(doc)


def export(capture: Capture, fmt: str) -> str:
    """Return *capture* as a curl or websocat command, a Python snippet or a HAR document."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    return {"curl": _curl, "websocat": _websocat, "python": _python, "har": _har}[fmt](capture)
