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
import json
from typing import Any, cast

from .errors import CaptureError
from .model import SCHEMA, Capture, Endpoint, Failure, Headers, Message, Request, Response, Session

__all__ = ["build_document", "parse_document", "dumps_document", "encode_bytes", "decode_bytes"]


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
        return None if value is None else float(value)

    def bool(self, key: str) -> bool:
        return cast(bool, self.get(key, (bool,), "a boolean", required=False, default=False))

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.str(key)
        if value not in choices:
            raise CaptureError(f"expected one of {', '.join(choices)}, got {value!r}", place=self._at(key))
        return value

    def sub(self, key: str, *, required: bool = True) -> Reader | None:
        value = self.get(key, (dict, type(None)), "an object", required=required)
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
                try:
                    text.encode("latin-1")
                except UnicodeEncodeError:
                    raise CaptureError(
                        f"header {part} {text[:40]!r} has characters outside ISO-8859-1",
                        place=f"{self._at(key)}[{i}]",
                    ) from None
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
    return Capture(
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
