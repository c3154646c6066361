"""The capture document field by field: the exact text written, the defaults read, the limits refused."""

from __future__ import annotations

import json
import math

import pytest

from wsdiff.document import _json, build_document, decode_bytes, dumps_document, encode_bytes, parse_document
from wsdiff.errors import CaptureError
from wsdiff.model import Capture, Endpoint, Failure, Message, Request, Response, Session

MINIMAL = Capture(Endpoint("ws", "h", 8000), Request(target="/ws", headers=(("Host", "h:8000"), ("X-E", "é\"\\"))))


class Flag(int):
    """An int subclass: json gives its int value, not its repr."""

    def __repr__(self) -> str:
        return "Flag!"


@pytest.mark.parametrize(
    "value",
    ["plain", "é \" \\ \n \x00 \u2028", "", None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, 1e-7,
     float("nan"), float("inf"), float("-inf"), [], [1, "a", None], ("t", 2), {}, {"a": [1, {"b": None}]},
     {1: "x"}, {1: "caf\xe9 \u20ac"}, Flag(3), [True, 1, 1.0]],
)
def test_json_encodes_like_the_json_module(value: object) -> None:
    """The hand-written encoder writes exactly what json.dumps(ensure_ascii=False) writes."""
    assert _json(value) == json.dumps(value, ensure_ascii=False)


def test_dumps_document_layout() -> None:
    """One field per line, request and response one level deeper, one header pair per line."""
    text = dumps_document(build_document(MINIMAL.replace(response=Response(403, headers=())))).decode()
    assert text.startswith('{\n  "schema": 1,\n  "id": "",\n  "label": "",\n  "endpoint": {"scheme": "ws", ')
    assert ('  "request": {\n    "method": "GET",\n    "path": "/ws",\n    "http_version": "HTTP/1.1",\n'
            '    "headers": [\n      ["Host", "h:8000"],\n      ["X-E", "é\\"\\\\"]\n    ]\n  },\n') in text
    assert '  "response": {\n    "status": 403,\n    "reason": "",\n    "http_version": "HTTP/1.1",\n' \
           '    "headers": [],\n    "body": "",\n' in text
    assert text.endswith('  "redacted": false\n}\n')
    assert json.loads(text) == build_document(MINIMAL.replace(response=Response(403, headers=())))


def test_extra_fields_survive_but_never_replace_known_ones() -> None:
    """Unknown top-level fields written by a newer wsdiff are kept; they cannot overwrite a known field."""
    c = MINIMAL.replace(extra={"future": {"x": 1}, "label": "forged"})
    doc = build_document(c)
    assert doc["future"] == {"x": 1} and doc["label"] == ""
    back = parse_document(json.loads(dumps_document(doc)))
    assert back.extra == {"future": {"x": 1}} and back.label == ""


def test_defaults_when_optional_fields_are_missing() -> None:
    """A document with only the required fields reads with the documented defaults."""
    doc = {"schema": 1, "endpoint": {"scheme": "wss", "host": "h", "port": 443},
           "request": {"method": "GET", "path": "/", "headers": []},
           "websocket": {"messages": [{"direction": "server", "type": "text", "size": 2, "head": "hi"}]}}
    c = parse_document(doc)
    assert c.endpoint == Endpoint("wss", "h", 443, None) and c.request.http_version == "HTTP/1.1"
    assert (c.response, c.error, c.label, c.id, c.started, c.response_time) == (None, None, "", "", 0.0, None)
    assert (c.client, c.proxy_mode, c.host_rewritten, c.redacted, c.extra) == (None, None, False, False, {})
    assert c.websocket == Session("closed", None, "", None, None, (Message("server", "text", 2, b"hi", 0.0),), 0)


def test_timing_and_session_fields_read_back() -> None:
    """Times, the session and its counters come back as written."""
    c = MINIMAL.replace(started=12.5, response_time=0.25, client="127.0.0.1:9", proxy_mode="regular",
                        host_rewritten=True, redacted=True,
                        websocket=Session("observed", 1000, "bye", "client", 3.0,
                                          (Message("client", "binary", 300, b"\xff" * 10, 0.5),), 4))
    assert parse_document(json.loads(dumps_document(build_document(c)))) == c
    doc = build_document(c)
    assert doc["timing"] == {"started": 12.5, "response": 0.25}
    assert doc["websocket"]["messages"][0] == {"direction": "client", "type": "binary", "size": 300,
                                               "head": "/////////////w==", "head_encoding": "base64", "at": 0.5,
                                               "truncated": True}
    assert doc["websocket"]["messages_dropped"] == 4 and doc["websocket"]["close_reason"] == "bye"


def test_body_encodings() -> None:
    """Text bodies stay readable, other bytes go as base64; decode inverts encode and refuses the unknown."""
    assert encode_bytes(b"caf\xc3\xa9") == ("café", "utf-8")
    assert encode_bytes(b"\xff\xfe") == ("//4=", "base64")
    assert decode_bytes("//4=", "base64") == b"\xff\xfe" and decode_bytes("café", "utf-8") == b"caf\xc3\xa9"
    with pytest.raises(ValueError, match="^unknown encoding 'rot13'$"):
        decode_bytes("x", "rot13")
    with pytest.raises(ValueError, match="^not valid base64$"):
        decode_bytes("é", "base64")
    doc = build_document(MINIMAL.replace(response=Response(403, body=b"\x00\xff")))
    assert (doc["response"]["body"], doc["response"]["body_encoding"]) == ("AP8=", "base64")


def _doc(**top: object) -> dict[str, object]:
    doc = build_document(MINIMAL.replace(response=Response(403), websocket=Session()))
    for key, value in top.items():
        section, _, field = key.partition("__")
        if field:
            doc[section][field] = value  # type: ignore[index]
        else:
            doc[section] = value
    return doc


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"endpoint__port": 65536}, "endpoint.port: port 65536 is out of range"),
        ({"endpoint__port": -1}, "endpoint.port: port -1 is out of range"),
        ({"endpoint__host": None}, "endpoint.host: expected a string, got null"),
        ({"endpoint__sni": 5}, "endpoint.sni: expected a string or null, got an integer"),
        ({"response__status": 99}, "response.status: status 99 is not a three-digit HTTP status"),
        ({"response__status": 1000}, "response.status: status 1000 is not a three-digit HTTP status"),
        ({"response__body_truncated": "yes"}, "response.body_truncated: expected a boolean, got a string"),
        ({"response__body_encoding": "rot13"}, "response.body: cannot decode: unknown encoding 'rot13'"),
        ({"request": []}, "request: expected an object, got a list"),
        ({"request__method": 1.5}, "request.method: expected a string, got a number"),
        ({"request__headers": [["A", 1]]}, "request.headers[0]: expected a [name, value] pair of strings, got a list"),
        ({"request__headers": [["\u20ac", "v"]]},
         "request.headers[0]: header name has a character outside ISO-8859-1 at offset 0"),
        ({"websocket__state": "gone"}, "websocket.state: expected one of open, closed, observed, got 'gone'"),
        ({"websocket__close_code": "1000"}, "websocket.close_code: expected an integer or null, got a string"),
        ({"websocket__duration": "1s"}, "websocket.duration: expected a number or null, got a string"),
        ({"websocket__messages": "none"}, "websocket.messages: expected a list, got a string"),
        ({"websocket__messages": [{"direction": "server", "type": "ping", "size": 1}]},
         "websocket.messages[0].type: expected one of text, binary, got 'ping'"),
        ({"websocket__messages": [{"direction": "server", "type": "text", "size": True}]},
         "websocket.messages[0].size: expected an integer, got a boolean"),
        ({"websocket__messages_dropped": None}, "websocket.messages_dropped: expected an integer, got null"),
        ({"timing": {"started": "now"}}, "timing.started: expected a number or null, got a string"),
        ({"host_rewritten": 1}, "host_rewritten: expected a boolean, got an integer"),
        ({"label": None}, "label: expected a string, got null"),
        ({"client": {}}, "client: expected a string or null, got an object"),
    ],
)
def test_field_errors(changes: dict[str, object], message: str) -> None:
    """Each field refuses a wrong type or value with one line naming its place."""
    with pytest.raises(CaptureError) as e:
        parse_document(_doc(**changes))
    assert str(e.value) == message


@pytest.mark.parametrize(("port", "status"), [(1, 100), (65535, 999)])
def test_limits_that_are_allowed(port: int, status: int) -> None:
    """The first and last valid port and status read fine."""
    c = parse_document(_doc(endpoint__port=port, response__status=status))
    assert c.endpoint.port == port and c.response is not None and c.response.status == status


def test_nan_time_is_written_but_refused() -> None:
    """A NaN from a clock gone wrong is written as JSON's NaN, and refused when read back, with its place."""
    text = dumps_document(build_document(MINIMAL.replace(response_time=math.nan)))
    assert b'"response": NaN' in text
    with pytest.raises(CaptureError, match=r"^timing.response: expected a finite number, got nan$"):
        parse_document(json.loads(text))


FULL = Capture(
    Endpoint("wss", "api.example", 8443, sni="sni.example"),
    Request("GET", "/ws?a=1", "HTTP/1.1", (("Host", "api.example"), ("X-L", "caf\xe9"))),
    Response(403, "Forbidden", "HTTP/1.0", (("Content-Type", "text/plain"),), b"no\xff", True),
    None,
    Session("closed", 4001, "bye", "server", 0.25,
            (Message("client", "text", 7, b'{"a":1}', 0.01, cut=False), Message("server", "binary", 300, b"\x00\x01", 0.02)),
            2),
    label="lab", id="0123abcd", started=1700000000.5, response_time=0.125, client="127.0.0.1:5", proxy_mode="regular",
    host_rewritten=True, redacted=True, extra={"future": [1], "label": "x"},
)


def test_whole_document_and_text() -> None:
    """Every field of a full capture is written under its name, in this order, and read back equal."""
    text = dumps_document(build_document(FULL)).decode()
    assert text == """{
  "schema": 1,
  "id": "0123abcd",
  "label": "lab",
  "endpoint": {"scheme": "wss", "host": "api.example", "port": 8443, "sni": "sni.example"},
  "request": {
    "method": "GET",
    "path": "/ws?a=1",
    "http_version": "HTTP/1.1",
    "headers": [
      ["Host", "api.example"],
      ["X-L", "café"]
    ]
  },
  "response": {
    "status": 403,
    "reason": "Forbidden",
    "http_version": "HTTP/1.0",
    "headers": [
      ["Content-Type", "text/plain"]
    ],
    "body": "bm//",
    "body_encoding": "base64",
    "body_truncated": true
  },
  "error": null,
  "websocket": {"state": "closed", "close_code": 4001, "close_reason": "bye", "closed_by": "server", \
"duration": 0.25, "messages": [{"direction": "client", "type": "text", "size": 7, "head": "{\\"a\\":1}", \
"head_encoding": "utf-8", "at": 0.01, "truncated": false}, {"direction": "server", "type": "binary", "size": 300, \
"head": "\\u0000\\u0001", "head_encoding": "utf-8", "at": 0.02, "truncated": true}], "messages_dropped": 2},
  "timing": {"started": 1700000000.5, "response": 0.125},
  "client": "127.0.0.1:5",
  "proxy_mode": "regular",
  "host_rewritten": true,
  "redacted": true,
  "future": [1]
}
"""
    back = parse_document(json.loads(text))
    assert back == FULL.replace(extra={"future": [1]}) and back.extra == {"future": [1]}
    assert [m.cut for m in back.websocket.messages] == [False, True]  # type: ignore[union-attr]


def test_error_document() -> None:
    """A capture without an answer writes its error, and null for the response and the session."""
    doc = build_document(MINIMAL.replace(error=Failure("timeout", "no answer in 5 s")))
    assert (doc["response"], doc["error"], doc["websocket"]) == (None, {"kind": "timeout", "message": "no answer in 5 s"}, None)
    assert dumps_document(doc).decode().count("\n") == 23  # one line per field, and the request spread over 9
    assert '  "error": {"kind": "timeout", "message": "no answer in 5 s"},\n' in dumps_document(doc).decode()


@pytest.mark.parametrize(
    ("doc", "text"),
    [
        ({}, "{\n\n}\n"),
        ({"request": {"headers": []}}, '{\n  "request": {\n    "headers": []\n  }\n}\n'),
        ({"request": {"headers": "x"}}, '{\n  "request": {\n    "headers": "x"\n  }\n}\n'),
        ({"request": [1, 2]}, '{\n  "request": [1, 2]\n}\n'),
        ({"endpoint": {"headers": [["a", "b"]]}}, '{\n  "endpoint": {"headers": [["a", "b"]]}\n}\n'),
        ({"response": {"headers": [["é", "\u2028"]], "x": None}},
         '{\n  "response": {\n    "headers": [\n      ["é", "\u2028"]\n    ],\n    "x": null\n  }\n}\n'),
    ],
)
def test_dumps_document_shapes(doc: dict[str, object], text: str) -> None:
    """Only request and response objects are spread over lines; only their non-empty header lists one pair a line."""
    assert dumps_document(doc) == text.encode("utf-8")
    assert json.loads(text) == doc


@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"", ("", "utf-8")),
        (b"plain", ("plain", "utf-8")),
        (b"\x00\x7f", ("\x00\x7f", "utf-8")),
        (b"caf\xc3\xa9 \xe2\x82\xac", ("café €", "utf-8")),
        (b"caf\xe9", ("Y2Fm6Q==", "base64")),
        (b"\xc3", ("ww==", "base64")),
        (b"\xff" * 4, ("/////w==", "base64")),
    ],
)
def test_encode_and_decode_bytes(data: bytes, encoded: tuple[str, str]) -> None:
    """Valid UTF-8 stays text, anything else is base64; decoding gives the bytes back."""
    assert encode_bytes(data) == encoded
    assert decode_bytes(*encoded) == data


@pytest.mark.parametrize(
    ("text", "encoding", "message"),
    [
        ("é", "base64", "not valid base64"),
        ("a", "base64", "not valid base64"),
        ("aG!k=", "base64", "not valid base64"),  # b"hi" if the alphabet were not checked
        ("x", "UTF-8", "unknown encoding 'UTF-8'"),
        ("x", "", "unknown encoding ''"),
    ],
)
def test_decode_bytes_refuses(text: str, encoding: str, message: str) -> None:
    """Bad base64 (non-ASCII, bad padding, a character outside the alphabet) and unknown encodings are refused."""
    with pytest.raises(ValueError) as e:
        decode_bytes(text, encoding)
    assert str(e.value) == message
