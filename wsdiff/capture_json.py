"""Write a Capture straight to the bytes of its capture file, for the recorder's writer (pure).

``dumps_capture(capture)`` returns exactly ``dumps_document(build_document(capture))``,
byte for byte, without the document dict in between and without asking the
type of every value again: the writer runs it for every capture, and those
two steps were a fifth of its time (43 µs of 200 for the bench's 403).
tests/test_capture_json.py holds the two equal over realistic, redacted and
generated captures. A value of a type the model does not declare (an int
subclass, a float that is not finite) is written by the general encoder, so
the output never differs.

The layout is the one ``dumps_document`` defines (docs/capture-format.md):
one top-level member a line, ``request`` and ``response`` one member a line
and one header pair a line, everything else on one line, ``", "`` and
``": "`` as separators, UTF-8 without escapes beyond JSON's own.
"""

from __future__ import annotations

from .document import _STRING, _json, build_document, dumps_document, encode_bytes
from .model import SCHEMA, Capture, Headers, Message, Session

__all__ = ["dumps_capture"]

_FLOAT_MAX = float("inf")


def _headers(headers: Headers) -> str:
    """A ``headers`` member as dumps_document writes it inside request or response (one pair a line)."""
    if not headers:
        return '    "headers": []'
    s = _STRING
    return '    "headers": [\n      ' + ",\n      ".join(f"[{s(k)}, {s(v)}]" for k, v in headers) + "\n    ]"


def _number(v: object) -> str:
    """A number (or null) as _json writes it; the general encoder for any other type."""
    if v is None:
        return "null"
    if type(v) is float and -_FLOAT_MAX < v < _FLOAT_MAX:  # finite (NaN fails both comparisons)
        return float.__repr__(v)
    if type(v) is int:
        return int.__repr__(v)
    return _json(v)


def _messages(messages: tuple[Message, ...]) -> str:
    items = []
    for m in messages:
        head, encoding = encode_bytes(m.head)
        items.append(
            f'{{"direction": {_json(m.direction)}, "type": {_json(m.type)}, "size": {_number(m.size)}, '
            f'"head": {_STRING(head)}, "head_encoding": "{encoding}", "at": {_number(m.at)}, '
            f'"truncated": {_json(m.truncated)}}}'
        )
    return "[" + ", ".join(items) + "]"


def _session(ws: Session) -> str:
    return (f'{{"state": {_json(ws.state)}, "close_code": {_number(ws.close_code)}, '
            f'"close_reason": {_json(ws.close_reason)}, "closed_by": {_json(ws.closed_by)}, '
            f'"duration": {_number(ws.duration)}, "messages": {_messages(ws.messages)}, '
            f'"messages_dropped": {_number(ws.messages_dropped)}}}')


def dumps_capture(capture: Capture) -> bytes:
    """Return the capture file's bytes: ``dumps_document(build_document(capture))``, built directly."""
    if capture.extra:  # members of the caller's own: the general path places and encodes them
        return dumps_document(build_document(capture))
    try:
        return _dumps(capture)
    except (TypeError, AttributeError):  # a header or body of a type the model does not declare
        return dumps_document(build_document(capture))


def _dumps(capture: Capture) -> bytes:
    j = _json
    ep = capture.endpoint
    req = capture.request
    parts = [
        f'{{\n  "schema": {SCHEMA},\n  "id": {j(capture.id)},\n  "label": {j(capture.label)},\n'
        f'  "endpoint": {{"scheme": {j(ep.scheme)}, "host": {j(ep.host)}, "port": {_number(ep.port)}, '
        f'"sni": {j(ep.sni)}}},\n'
        f'  "request": {{\n    "method": {j(req.method)},\n    "path": {j(req.target)},\n'
        f'    "http_version": {j(req.http_version)},\n{_headers(req.headers)}\n  }},\n'
    ]
    resp = capture.response
    if resp is None:
        parts.append('  "response": null,\n')
    else:
        body, encoding = encode_bytes(resp.body)
        parts.append(
            f'  "response": {{\n    "status": {_number(resp.status)},\n    "reason": {j(resp.reason)},\n'
            f'    "http_version": {j(resp.http_version)},\n{_headers(resp.headers)},\n'
            f'    "body": {_STRING(body)},\n    "body_encoding": "{encoding}",\n'
            f'    "body_truncated": {j(resp.body_truncated)}\n  }},\n'
        )
    err = capture.error
    parts.append('  "error": null,\n' if err is None
                 else f'  "error": {{"kind": {j(err.kind)}, "message": {j(err.message)}}},\n')
    parts.append('  "websocket": null,\n' if capture.websocket is None
                 else f'  "websocket": {_session(capture.websocket)},\n')
    parts.append(
        f'  "timing": {{"started": {_number(capture.started)}, "response": {_number(capture.response_time)}}},\n'
        f'  "client": {j(capture.client)},\n  "proxy_mode": {j(capture.proxy_mode)},\n'
        f'  "host_rewritten": {j(capture.host_rewritten)},\n  "redacted": {j(capture.redacted)}\n}}\n'
    )
    return "".join(parts).encode("utf-8")
