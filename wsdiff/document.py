"""The capture file format: build a JSON-ready document from a Capture and parse it back.

Pure: documents are plain ``dict`` values; reading and writing files is in
:mod:`wsdiff.files`. The format is documented in ``docs/capture-format.md``;
its stable field names (``schema``, ``request.method``, ``request.path``,
``request.headers``, ``response.status``, ``response.headers``, ``error``)
are a public contract.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import math
import re
from typing import Any, cast

from .errors import CaptureError
from .headers import is_token, target_problem
from .model import SCHEMA, Capture, Endpoint, Failure, Headers, Message, Request, Response, Session

__all__ = ["build_document", "parse_document", "dumps_document", "encode_bytes", "decode_bytes", "check_capture",
           "request_grammar", "request_injection", "valid_host", "LATEST_START"]

LATEST_START = 253402300800.0
"""The first second of the year 10000: a start time at or after it cannot be written as a date."""


ERROR_KINDS = ("refused", "reset", "tls", "timeout", "protocol", "other")
SESSION_STATES = ("open", "closed", "observed")


def encode_bytes(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``: UTF-8 text when the bytes are valid UTF-8, else base64."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def decode_bytes(text: str, encoding: str) -> bytes:
    """Invert :func:`encode_bytes`; raises ValueError for an unknown encoding or bad base64."""
    if encoding == "utf-8":
        return text.encode("utf-8")
    if encoding == "base64":
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("not valid base64") from None
    raise ValueError(f"unknown encoding {encoding!r}")


def _headers_doc(headers: Headers) -> list[list[str]]:
    return [[name, value] for name, value in headers]


def build_document(capture: Capture) -> dict[str, Any]:
    """Return the JSON-ready document for *capture*."""
    ep = capture.endpoint
    req = capture.request
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "id": capture.id,
        "label": capture.label,
        "endpoint": {"scheme": ep.scheme, "host": ep.host, "port": ep.port, "sni": ep.sni},
        "request": {
            "method": req.method,
            "path": req.target,
            "http_version": req.http_version,
            "headers": _headers_doc(req.headers),
        },
        "response": None,
        "error": None,
        "websocket": None,
        "timing": {"started": capture.started, "response": capture.response_time},
        "client": capture.client,
        "proxy_mode": capture.proxy_mode,
        "host_rewritten": capture.host_rewritten,
        "redacted": capture.redacted,
    }
    if capture.response is not None:
        resp = capture.response
        body, encoding = encode_bytes(resp.body)
        doc["response"] = {
            "status": resp.status,
            "reason": resp.reason,
            "http_version": resp.http_version,
            "headers": _headers_doc(resp.headers),
            "body": body,
            "body_encoding": encoding,
            "body_truncated": resp.body_truncated,
        }
    if capture.error is not None:
        doc["error"] = {"kind": capture.error.kind, "message": capture.error.message}
    if capture.websocket is not None:
        ws = capture.websocket
        messages = []
        for m in ws.messages:
            head, encoding = encode_bytes(m.head)
            messages.append(
                {
                    "direction": m.direction,
                    "type": m.type,
                    "size": m.size,
                    "head": head,
                    "head_encoding": encoding,
                    "at": m.at,
                    "truncated": m.truncated,
                }
            )
        doc["websocket"] = {
            "state": ws.state,
            "close_code": ws.close_code,
            "close_reason": ws.close_reason,
            "closed_by": ws.closed_by,
            "duration": ws.duration,
            "messages": messages,
            "messages_dropped": ws.messages_dropped,
        }
    doc.update({k: v for k, v in capture.extra.items() if k not in doc})
    return doc


_STRING = json.encoder.encode_basestring  # json's own C string escaper (ensure_ascii=False)


def _json(v: Any) -> str:
    """Encode one JSON value exactly as ``json.dumps(v, ensure_ascii=False)`` does.

    A shared JSONEncoder still builds its C encoder on every call, about 1 µs,
    fifty times per capture; this walks the small values of a document directly.
    """
    if isinstance(v, str):
        return _STRING(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if type(v) is int:
        return int.__repr__(v)
    if type(v) is float and v == v and v not in (float("inf"), float("-inf")):
        return float.__repr__(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(_json, v)) + "]"
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return "{" + ", ".join(f"{_STRING(k)}: {_json(x)}" for k, x in v.items()) + "}"
    return json.dumps(v, ensure_ascii=False)  # anything rarer: NaN, int subclasses, non-string keys


def dumps_document(doc: dict[str, Any]) -> bytes:
    """Serialise a document as readable UTF-8 JSON: one field, or one header pair, per line.

    Written by hand because ``indent=`` switches json to its pure-Python
    encoder, five times slower, and this runs for every capture (in the
    recorder's writer).
    """
    value = _json

    parts = []
    for key, v in doc.items():
        if isinstance(v, dict) and key in ("request", "response"):
            inner = []
            for k2, v2 in v.items():
                if k2 == "headers" and isinstance(v2, list) and v2:
                    pairs = ",\n      ".join(value(p) for p in v2)
                    inner.append(f'    "headers": [\n      {pairs}\n    ]')
                else:
                    inner.append(f"    {value(k2)}: {value(v2)}")
            parts.append(f"  {value(key)}: {{\n" + ",\n".join(inner) + "\n  }")
        else:
            parts.append(f"  {value(key)}: {value(v)}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


# --- parsing -------------------------------------------------------------

_NOT_LATIN_1 = re.compile(r"[^\x00-\xff]")
_HEAD_BREAKERS = re.compile(r"[\r\n\x00]")
_SUSPECT = re.compile(r"[\r\n\x00]|[^\x00-\xff]")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


_ZONE = re.compile(r"[A-Za-z0-9._~-]+")  # an IPv6 zone: RFC 6874 unreserved characters


def _uncached_valid_host(host: str) -> bool:
    """Tell whether *host* is a DNS name or an IP address: no userinfo, no spaces, no control characters."""
    bracketed = host.startswith("[") and host.endswith("]")
    h = host[1:-1] if bracketed else host
    name = h[:-1] if h.endswith(".") else h
    if not bracketed and 0 < len(name) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in name.split(".")):
        return True  # a DNS name (a dotted IPv4 address is one too)
    try:
        address = ipaddress.ip_address(h)  # IPv6, with or without a zone
    except ValueError:
        return False
    # ipaddress takes any text after '%' as a zone (CR, LF, '@', ']' too): RFC 6874 allows unreserved characters.
    zone = getattr(address, "scope_id", None)
    if zone is not None and not _ZONE.fullmatch(zone):
        return False
    return address.version == 6 or not bracketed  # brackets hold an IPv6 address only (RFC 3986 3.2.2)


# hosts repeat: every capture of a run names the same few
valid_host = functools.lru_cache(maxsize=1024)(_uncached_valid_host)


def request_injection(request: Request) -> str | None:
    """Name the part of *request* that holds CR, LF or NUL (which would end the request head early), or None.

    Such a character in a header would let a capture make replay send a
    second request, or any bytes, to the endpoint (RFC 9110 5.5 forbids them
    in field values); the value itself is not quoted, it may be a credential.
    """
    for part, text in (("method", request.method), ("path", request.target), ("HTTP version", request.http_version)):
        if _HEAD_BREAKERS.search(text):
            return f"{part} holds CR, LF or NUL"
    for i, (name, value) in enumerate(request.headers):
        if _HEAD_BREAKERS.search(name):
            return f"header name [{i}] holds CR, LF or NUL"
        if _HEAD_BREAKERS.search(value):
            return f"header {name[:40]!a} holds CR, LF or NUL in its value"
    return None


def request_grammar(request: Request) -> str | None:
    """Name the part of *request* that breaks the request-line or field-name grammar, or None.

    A header name that is not an RFC 9110 token (``Host: evil.example``)
    goes out as a second Host line that wsdiff never saw; a method that is
    not a token, or a request-target that is neither origin-form, a plain
    absolute URL nor ``*`` (RFC 9112 3.2), lets the capture name one host to
    wsdiff and another to the server. Values are not quoted: they may be
    credentials.
    """
    if not is_token(request.method):
        return "method is not an RFC 9110 token"
    problem = target_problem(request.target)
    if problem is not None:
        return f"path {problem}"
    for i, (name, _) in enumerate(request.headers):
        if not is_token(name):
            return f"header name [{i}] is not an RFC 9110 token"
    return None


def check_capture(capture: Capture, place: str = "") -> None:
    """Refuse a capture that replay could not send safely, or that names no real host.

    Checks: no CR, LF or NUL in the request line or any header (request or
    response); the request in ISO-8859-1 (the wire's octets); the endpoint
    host a DNS name or an IP address (no ``@``, no whitespace), the SNI too;
    the port in range; the start time a date.

    Raises:
        CaptureError: naming the place and the problem, never quoting a header value.
    """
    def at(sub: str) -> str:
        return f"{place}.{sub}" if place else sub

    req = capture.request
    # One search over the whole request head finds nothing in a sound capture; only then look closer.
    if _SUSPECT.search("\x01".join([req.method, req.target, req.http_version, *(x for h in req.headers for x in h)])):
        problem = request_injection(req)
        if problem is not None:
            raise CaptureError(f"the request's {problem}: refusing a capture that would inject into the request",
                               place=at("request"))
        for part, text in (("method", req.method), ("path", req.target), ("http_version", req.http_version)):
            bad = _NOT_LATIN_1.search(text)
            if bad is not None:
                raise CaptureError(f"has a character outside ISO-8859-1 at offset {bad.start()}",
                                   place=at(f"request.{part}"))
        for i, (name, value) in enumerate(req.headers):
            if _NOT_LATIN_1.search(name) or _NOT_LATIN_1.search(value):
                raise CaptureError(f"header {name[:40]!a} has a character outside ISO-8859-1",
                                   place=at(f"request.headers[{i}]"))
    grammar = request_grammar(req)
    if grammar is not None:
        raise CaptureError(f"the request's {grammar}: refusing a capture a server could read differently from wsdiff",
                           place=at("request"))
    if capture.response is not None and _HEAD_BREAKERS.search(
            "\x01".join(x for h in capture.response.headers for x in h)):
        for i, (name, value) in enumerate(capture.response.headers):
            if _HEAD_BREAKERS.search(name) or _HEAD_BREAKERS.search(value):
                raise CaptureError("holds CR, LF or NUL", place=at(f"response.headers[{i}]"))
    ep = capture.endpoint
    if not valid_host(ep.host):
        shown = "" if "@" in ep.host else f"{ep.host[:80]!a} "  # user:password@host is not quoted
        raise CaptureError(f"{shown}is not a host name or an IP address", place=at("endpoint.host"))
    if ep.sni is not None and ep.sni != "" and not valid_host(ep.sni):
        raise CaptureError(f"{ep.sni[:80]!a} is not a host name", place=at("endpoint.sni"))
    if not 0 < ep.port < 65536:
        raise CaptureError(f"port {ep.port} is out of range", place=at("endpoint.port"))
    if not (math.isfinite(capture.started) and 0 <= capture.started < LATEST_START):
        raise CaptureError(f"start time {capture.started!r} is not a date between 1970 and 9999",
                           place=at("timing.started"))

_TYPE_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class Reader:
    """Typed access to a JSON object that reports the place of every problem."""

    def __init__(self, obj: object, place: str) -> None:
        if not isinstance(obj, dict):
            raise CaptureError(f"expected an object, got {_describe(obj)}", place=place)
        self.obj = cast(dict[str, object], obj)
        self.place = place

    def _at(self, key: str) -> str:
        return f"{self.place}.{key}" if self.place else key

    def get(self, key: str, kinds: tuple[type, ...], what: str, *, required: bool = True, default: Any = None) -> Any:
        if key not in self.obj:
            if required:
                raise CaptureError("missing", place=self._at(key))
            return default
        value = self.obj[key]
        if value is None and type(None) in kinds:
            return None
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            raise CaptureError(f"expected {what}, got {_describe(value)}", place=self._at(key))
        return value

    def str(self, key: str, *, required: bool = True, default: str = "") -> str:
        return cast(str, self.get(key, (str,), "a string", required=required, default=default))

    def opt_str(self, key: str) -> str | None:
        return cast(str | None, self.get(key, (str, type(None)), "a string or null", required=False))

    def int(self, key: str, *, required: bool = True, default: int | None = None) -> Any:
        return self.get(key, (int,), "an integer", required=required, default=default)

    def opt_int(self, key: str) -> int | None:
        return cast(int | None, self.get(key, (int, type(None)), "an integer or null", required=False))

    def opt_number(self, key: str) -> float | None:
        value = self.get(key, (int, float, type(None)), "a number or null", required=False)
        if value is None:
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise CaptureError(f"expected a finite number, got {value!r}"[:80], place=self._at(key))
        return number

    def bool(self, key: str) -> bool:
        return cast(bool, self.get(key, (bool,), "a boolean", required=False, default=False))

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.str(key)
        if value not in choices:
            raise CaptureError(f"expected one of {', '.join(choices)}, got {value!r}", place=self._at(key))
        return value

    def sub(self, key: str, *, required: bool = True) -> Reader | None:
        # A required object may not be null either (``"endpoint": null`` was an AssertionError).
        value = self.get(key, (dict,) if required else (dict, type(None)), "an object", required=required)
        return None if value is None else Reader(value, self._at(key))

    def headers(self, key: str) -> Headers:
        value = self.get(key, (list,), "a list of [name, value] pairs")
        out = []
        for i, item in enumerate(value):
            if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                raise CaptureError(
                    f"expected a [name, value] pair of strings, got {_describe(item)}",
                    place=f"{self._at(key)}[{i}]",
                )
            name, val = item
            for text, part in ((name, "name"), (val, "value")):
                bad = None if text.isascii() else _NOT_LATIN_1.search(text)
                if bad is not None:
                    # The value itself is not quoted: it may be a credential.
                    raise CaptureError(
                        f"header {part} has a character outside ISO-8859-1 at offset {bad.start()}",
                        place=f"{self._at(key)}[{i}]",
                    )
            out.append((name, val))
        return tuple(out)

    def data(self, key: str, encoding_key: str) -> bytes:
        text = self.str(key, required=False, default="")
        encoding = self.str(encoding_key, required=False, default="utf-8")
        try:
            return decode_bytes(text, encoding)
        except ValueError as e:
            raise CaptureError(f"cannot decode: {e}", place=self._at(key)) from None


def parse_document(doc: object) -> Capture:
    """Parse a capture document; raises CaptureError naming the place of a problem."""
    top = Reader(doc, "")
    schema = top.get("schema", (int,), "an integer")
    if schema != SCHEMA:
        raise CaptureError(
            f"unknown schema version {schema} (this wsdiff reads version {SCHEMA})", place="schema"
        )
    ep = top.sub("endpoint")
    assert ep is not None
    endpoint = Endpoint(
        scheme=ep.choice("scheme", ("ws", "wss")),
        host=ep.str("host"),
        port=ep.int("port"),
        sni=ep.opt_str("sni"),
    )
    if not 0 < endpoint.port < 65536:
        raise CaptureError(f"port {endpoint.port} is out of range", place="endpoint.port")
    rq = top.sub("request")
    assert rq is not None
    request = Request(
        method=rq.str("method"),
        target=rq.str("path"),
        http_version=rq.str("http_version", required=False, default="HTTP/1.1"),
        headers=rq.headers("headers"),
    )
    response = None
    rs = top.sub("response", required=False)
    if rs is not None:
        status = rs.int("status")
        if not 100 <= status <= 999:
            raise CaptureError(f"status {status} is not a three-digit HTTP status", place="response.status")
        response = Response(
            status=status,
            reason=rs.str("reason", required=False),
            http_version=rs.str("http_version", required=False, default="HTTP/1.1"),
            headers=rs.headers("headers"),
            body=rs.data("body", "body_encoding"),
            body_truncated=rs.bool("body_truncated"),
        )
    error = None
    er = top.sub("error", required=False)
    if er is not None:
        error = Failure(kind=er.choice("kind", ERROR_KINDS), message=er.str("message", required=False))  # type: ignore[arg-type]
    if response is not None and error is not None:
        raise CaptureError("a capture has either a response or an error, not both", place="error")
    websocket = None
    ws = top.sub("websocket", required=False)
    if ws is not None:
        messages = []
        raw_messages = ws.get("messages", (list,), "a list", required=False, default=[])
        for i, m in enumerate(raw_messages):
            mr = Reader(m, f"websocket.messages[{i}]")
            messages.append(
                Message(
                    direction=mr.choice("direction", ("client", "server")),  # type: ignore[arg-type]
                    type=mr.choice("type", ("text", "binary")),  # type: ignore[arg-type]
                    size=mr.int("size"),
                    head=mr.data("head", "head_encoding"),
                    at=mr.opt_number("at") or 0.0,
                    # Absent before wsdiff kept client messages whole: judged by size then.
                    cut=mr.get("truncated", (bool,), "a boolean", required=False),
                )
            )
        closed_by = ws.opt_str("closed_by")
        if closed_by not in (None, "client", "server"):
            raise CaptureError(f"expected client, server or null, got {closed_by!r}", place="websocket.closed_by")
        websocket = Session(
            state=ws.choice("state", SESSION_STATES) if "state" in ws.obj else "closed",  # type: ignore[arg-type]
            close_code=ws.opt_int("close_code"),
            close_reason=ws.opt_str("close_reason") or "",
            closed_by=closed_by,  # type: ignore[arg-type]
            duration=ws.opt_number("duration"),
            messages=tuple(messages),
            messages_dropped=ws.int("messages_dropped", required=False, default=0),
        )
    timing = top.sub("timing", required=False)
    known = {
        "schema", "id", "label", "endpoint", "request", "response", "error", "websocket",
        "timing", "client", "proxy_mode", "host_rewritten", "redacted",
    }
    capture = Capture(
        endpoint=endpoint,
        request=request,
        response=response,
        error=error,
        websocket=websocket,
        label=top.str("label", required=False),
        id=top.str("id", required=False),
        started=(timing.opt_number("started") or 0.0) if timing else 0.0,
        response_time=timing.opt_number("response") if timing else None,
        client=top.opt_str("client"),
        proxy_mode=top.opt_str("proxy_mode"),
        host_rewritten=top.bool("host_rewritten"),
        redacted=top.bool("redacted"),
        extra={k: v for k, v in top.obj.items() if k not in known},
    )
    check_capture(capture)
    return capture
