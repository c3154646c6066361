"""What loading refuses, word for word: check_capture, the Reader, and parse_document's defaults and order.

A capture file is input from anywhere (issue 13): each refusal names the
place and the problem and never quotes a header value, which may be a
credential. These rows put one hostile or odd value at a time, at and just
past each limit, and assert the whole message; the rows that load assert
the whole value read.
"""

from __future__ import annotations

import json
import math

import pytest

from wsdiff.document import (LATEST_START, Reader, build_document, check_capture, dumps_document, parse_document,
                             request_grammar, request_injection)
from wsdiff.errors import CaptureError
from wsdiff.model import Capture, Endpoint, Failure, Message, Request, Response, Session

HEADERS = (("Host", "api.example"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
           ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"))
SOUND = Capture(Endpoint("wss", "api.example", 443, sni="api.example"), Request(target="/ws", headers=HEADERS),
                Response(403, "Forbidden", headers=(("Content-Length", "0"),)), label="x", started=1_700_000_000.0)


def with_request(**changes: object) -> Capture:
    return SOUND.replace(request=SOUND.request.replace(**changes))


def with_header(name: str, value: str) -> Capture:
    return with_request(headers=HEADERS + ((name, value),))


def refusal(capture: Capture, place: str = "") -> str:
    """Return the one line check_capture refuses *capture* with."""
    with pytest.raises(CaptureError) as e:
        check_capture(capture, place)
    return str(e.value)


INJECT = ": refusing a capture that would inject into the request"
GRAMMAR = ": refusing a capture a server could read differently from wsdiff"
LONG_NAME = "X-" + "n" * 50

REFUSED: list[tuple[str, Capture, str]] = [
    # CR, LF or NUL anywhere in the request head (RFC 9110 5.5): each part named, no value quoted.
    ("CRLF in the method", with_request(method="GET\r\nX"), "request: the request's method holds CR, LF or NUL" + INJECT),
    ("LF in the path", with_request(target="/ws\nHost: evil"), "request: the request's path holds CR, LF or NUL" + INJECT),
    ("NUL in the version", with_request(http_version="HTTP/1.1\x00"),
     "request: the request's HTTP version holds CR, LF or NUL" + INJECT),
    ("CR in a header name", with_header("X-A\rB", "1"), "request: the request's header name [5] holds CR, LF or NUL" + INJECT),
    ("LF in a header value", with_header("X-Note", "a\nb"),
     "request: the request's header 'X-Note' holds CR, LF or NUL in its value" + INJECT),
    ("NUL in the value of a long name", with_header(LONG_NAME, "\x00"),
     f"request: the request's header '{LONG_NAME[:40]}' holds CR, LF or NUL in its value" + INJECT),
    ("CR in the value of a latin-1 name", with_header("X-Caf\xe9", "a\r"),
     "request: the request's header 'X-Caf\\xe9' holds CR, LF or NUL in its value" + INJECT),
    ("the first part at fault is named", with_request(method="GET\n", target="/\n"),
     "request: the request's method holds CR, LF or NUL" + INJECT),
    ("injection before the character set", with_request(method="G\u0100T", target="/\n"),
     "request: the request's path holds CR, LF or NUL" + INJECT),
    # Outside ISO-8859-1: there are no octets to send.
    ("euro in the method", with_request(method="GET\u20ac"), "request.method: has a character outside ISO-8859-1 at offset 3"),
    ("euro in the path", with_request(target="/w\u20acs"), "request.path: has a character outside ISO-8859-1 at offset 2"),
    ("euro in the version", with_request(http_version="HTTP/1.\u20ac"),
     "request.http_version: has a character outside ISO-8859-1 at offset 7"),
    ("euro in a header name", with_header("X-\u20ac", "1"),
     "request.headers[5]: header 'X-\\u20ac' has a character outside ISO-8859-1"),
    ("euro in a header value", with_header("X-Note", "\u20ac"),
     "request.headers[5]: header 'X-Note' has a character outside ISO-8859-1"),
    ("euro in the value of a long name", with_header(LONG_NAME, "\u20ac"),
     f"request.headers[5]: header '{LONG_NAME[:40]}' has a character outside ISO-8859-1"),
    ("method before path", with_request(method="\u0100", target="/\u0100"),
     "request.method: has a character outside ISO-8859-1 at offset 0"),
    # The grammar of the request line and the field names (RFC 9110 5.1, RFC 9112 3.2).
    ("a method with a space", with_request(method="GET /admin"), "request: the request's method is not an RFC 9110 token" + GRAMMAR),
    ("an empty method", with_request(method=""), "request: the request's method is not an RFC 9110 token" + GRAMMAR),
    ("a path with a tab", with_request(target="/ws\tx"), "request: the request's path holds a space or a tab" + GRAMMAR),
    ("a relative path", with_request(target="ws"),
     "request: the request's path is neither a path starting with '/' nor an absolute http(s) or ws(s) URL" + GRAMMAR),
    ("a header name with a colon", with_header("Host: evil.example", "1"),
     "request: the request's header name [5] is not an RFC 9110 token" + GRAMMAR),
    ("a header name with latin-1", with_header("X-Caf\xe9", "1"),
     "request: the request's header name [5] is not an RFC 9110 token" + GRAMMAR),
    # The response's fields: any CR, LF or NUL, named by index.
    ("CR in a response header name", SOUND.replace(response=Response(403, headers=(("A", "1"), ("B\r", "2")))),
     "response.headers[1]: holds CR, LF or NUL"),
    ("NUL in a response header value", SOUND.replace(response=Response(403, headers=(("A", "1\x00"),))),
     "response.headers[0]: holds CR, LF or NUL"),
    # Where to connect: a name or an address, never userinfo.
    ("userinfo in the host", SOUND.replace(endpoint=Endpoint("wss", "user:pw@api.example", 443)),
     "endpoint.host: is not a host name or an IP address"),
    ("a space in the host", SOUND.replace(endpoint=Endpoint("wss", "api .example", 443)),
     "endpoint.host: 'api .example' is not a host name or an IP address"),
    ("a long host", SOUND.replace(endpoint=Endpoint("wss", "a/" + "b" * 100, 443)),
     f"endpoint.host: '{('a/' + 'b' * 100)[:80]}' is not a host name or an IP address"),
    ("an empty host", SOUND.replace(endpoint=Endpoint("wss", "", 443)), "endpoint.host: '' is not a host name or an IP address"),
    ("a bad SNI", SOUND.replace(endpoint=Endpoint("wss", "api.example", 443, sni="a b")),
     "endpoint.sni: 'a b' is not a host name"),
    ("a long bad SNI", SOUND.replace(endpoint=Endpoint("wss", "api.example", 443, sni="s/" + "n" * 100)),
     f"endpoint.sni: '{('s/' + 'n' * 100)[:80]}' is not a host name"),
    ("an SNI with userinfo", SOUND.replace(endpoint=Endpoint("wss", "api.example", 443, sni="u@api.example")),
     "endpoint.sni: 'u@api.example' is not a host name"),
    ("port 0", SOUND.replace(endpoint=Endpoint("wss", "api.example", 0)), "endpoint.port: port 0 is out of range"),
    ("port 65536", SOUND.replace(endpoint=Endpoint("wss", "api.example", 65536)), "endpoint.port: port 65536 is out of range"),
    # The start time: a date the year 1970 to 9999 can write.
    ("a NaN start", SOUND.replace(started=math.nan), "timing.started: start time nan is not a date between 1970 and 9999"),
    ("an infinite start", SOUND.replace(started=math.inf), "timing.started: start time inf is not a date between 1970 and 9999"),
    ("a start before 1970", SOUND.replace(started=-0.5), "timing.started: start time -0.5 is not a date between 1970 and 9999"),
    ("the year 10000", SOUND.replace(started=LATEST_START),
     "timing.started: start time 253402300800.0 is not a date between 1970 and 9999"),
]


@pytest.mark.parametrize(("capture", "message"), [pytest.param(c, m, id=i) for i, c, m in REFUSED])
def test_check_capture_refuses(capture: Capture, message: str) -> None:
    """Each hostile or impossible part is refused with exactly this line, the first fault found named."""
    assert refusal(capture) == message


def test_check_capture_names_the_attempt() -> None:
    """Given the attempt's place (#2 of a flow file), every refusal's place starts with it."""
    assert refusal(with_request(method="GET\n"), "#2") == "#2.request: the request's method holds CR, LF or NUL" + INJECT
    assert refusal(with_request(target="/\u20ac"), "#2") == "#2.request.path: has a character outside ISO-8859-1 at offset 1"
    assert refusal(SOUND.replace(started=-1.0), "#2") == (
        "#2.timing.started: start time -1.0 is not a date between 1970 and 9999")


ACCEPTED: list[tuple[str, Capture]] = [
    ("a sound capture", SOUND),
    ("latin-1 in a header value and the path", with_request(target="/caf\xe9", headers=HEADERS + (("X-N", "caf\xe9\x7f"),))),
    ("control characters other than CR, LF, NUL", with_header("X-N", "a\tb\x01\x1b")),
    ("a response header with a character outside latin-1", SOUND.replace(response=Response(403, headers=(("X", "\u20ac"),)))),
    ("an error instead of a response", SOUND.replace(response=None, error=Failure("refused", "a\r\nb"))),
    ("the first and last port", SOUND.replace(endpoint=Endpoint("ws", "127.0.0.1", 1))),
    ("port 65535", SOUND.replace(endpoint=Endpoint("ws", "::1", 65535))),
    ("no SNI", SOUND.replace(endpoint=Endpoint("wss", "api.example", 443, sni=None))),
    ("an empty SNI", SOUND.replace(endpoint=Endpoint("wss", "api.example", 443, sni=""))),
    ("start at the epoch", SOUND.replace(started=0.0)),
    ("the last moment of 9999", SOUND.replace(started=LATEST_START - 0.001)),
    ("an absolute-form target", with_request(target="wss://api.example/ws")),
    ("an asterisk target", with_request(target="*")),
]


@pytest.mark.parametrize("capture", [pytest.param(c, id=i) for i, c in ACCEPTED])
def test_check_capture_accepts(capture: Capture) -> None:
    """Sound captures, latin-1 octets, the limits themselves and what is never sent load without complaint."""
    assert check_capture(capture) is None


@pytest.mark.parametrize(
    ("request_", "injection", "grammar"),
    [
        (Request(headers=HEADERS), None, None),
        (Request(method="G\rET"), "method holds CR, LF or NUL", "method is not an RFC 9110 token"),
        (Request(target="/\x00"), "path holds CR, LF or NUL", None),
        (Request(http_version="HTTP/1.1\n"), "HTTP version holds CR, LF or NUL", None),
        (Request(headers=(("A", "1"), ("B\n", "2"))), "header name [1] holds CR, LF or NUL", "header name [1] is not an RFC 9110 token"),
        (Request(headers=(("A\u00e9", "1\r"),)), "header 'A\\xe9' holds CR, LF or NUL in its value",
         "header name [0] is not an RFC 9110 token"),
        (Request(method="GE T"), None, "method is not an RFC 9110 token"),
        (Request(target="http://u@h/"), None, "path is an absolute URL whose authority is not a plain host[:port]"),
        (Request(headers=(("A", "1"), ("B", "2"), ("", "3"))), None, "header name [2] is not an RFC 9110 token"),
    ],
)
def test_request_injection_and_grammar(request_: Request, injection: str | None, grammar: str | None) -> None:
    """The checks replay runs on every variant name the first part at fault, or say None for a sound request."""
    assert (request_injection(request_), request_grammar(request_)) == (injection, grammar)


# --- the Reader: each type named, each place given

@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({}, "label: expected a string, got an object"),
        ([], "label: expected a string, got a list"),
        (0, "label: expected a string, got an integer"),
        (0.5, "label: expected a string, got a number"),
        (False, "label: expected a string, got a boolean"),
        (None, "label: expected a string, got null"),
    ],
)
def test_each_json_type_is_named(value: object, message: str) -> None:
    """A wrong type is named as a person reads JSON: an object, a list, an integer, a number, a boolean, null."""
    doc = build_document(SOUND)
    doc["label"] = value
    with pytest.raises(CaptureError) as e:
        parse_document(doc)
    assert str(e.value) == message


def test_reader_names_other_python_types_and_nested_places() -> None:
    """Values no JSON parser gives (a tuple from a HAR library, a set) are named by their type; places nest."""
    with pytest.raises(CaptureError) as e:
        Reader({"a": (1,)}, "log.entries[0]").str("a")
    assert str(e.value) == "log.entries[0].a: expected a string, got tuple"
    with pytest.raises(CaptureError) as e:
        Reader({1, 2}, "log")
    assert str(e.value) == "log: expected an object, got set"
    assert (e.value.place, e.value.problem) == ("log", "expected an object, got set")
    with pytest.raises(CaptureError) as e:
        Reader({"x": {"y": []}}, "").sub("x").sub("y")  # type: ignore[union-attr]
    assert str(e.value) == "x.y: expected an object, got a list"


def test_a_document_that_is_no_object() -> None:
    """A document that is not an object is refused with no place: the problem is the whole document."""
    with pytest.raises(CaptureError) as e:
        parse_document([])
    assert (e.value.source, e.value.place, e.value.problem) == ("", "", "expected an object, got a list")


def test_reader_defaults_and_optional_values() -> None:
    """Optional fields give their defaults when absent, None where null is allowed; booleans are not integers."""
    r = Reader({"n": None, "i": 3, "t": True, "f": 2.5, "big": 10**400}, "doc")
    assert r.str("absent", required=False, default="d") == "d"
    assert r.int("absent", required=False, default=7) == 7
    assert (r.opt_str("n"), r.opt_str("absent"), r.opt_int("n"), r.opt_int("i")) == (None, None, None, 3)
    assert (r.opt_number("i"), r.opt_number("f"), r.opt_number("n"), r.opt_number("absent")) == (3.0, 2.5, None, None)
    assert type(r.opt_number("i")) is float
    assert (r.bool("t"), r.bool("absent")) == (True, False)
    assert r.sub("n", required=False) is None and r.sub("absent", required=False) is None
    assert r.get("absent", (int,), "an integer", required=False, default="x") == "x"
    with pytest.raises(CaptureError) as e:
        r.int("t")
    assert str(e.value) == "doc.t: expected an integer, got a boolean"
    with pytest.raises(CaptureError) as e:
        r.opt_number("t")
    assert str(e.value) == "doc.t: expected a number or null, got a boolean"
    with pytest.raises(CaptureError) as e:
        r.opt_number("big")
    assert str(e.value) == "doc.big: " + f"expected a finite number, got {10**400!r}"[:80]
    with pytest.raises(CaptureError) as e:
        r.str("absent")
    assert str(e.value) == "doc.absent: missing"
    with pytest.raises(CaptureError) as e:
        r.sub("absent")
    assert str(e.value) == "doc.absent: missing"


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ("Host: x", "h: expected a list of [name, value] pairs, got a string"),
        ([["A", "1"], ["B", "2", "3"]], "h[1]: expected a [name, value] pair of strings, got a list"),
        ([["A"]], "h[0]: expected a [name, value] pair of strings, got a list"),
        ([["A", None]], "h[0]: expected a [name, value] pair of strings, got a list"),
        ([[1, "x"]], "h[0]: expected a [name, value] pair of strings, got a list"),
        ([("A", "1")], "h[0]: expected a [name, value] pair of strings, got tuple"),
        ([{"name": "A", "value": "1"}], "h[0]: expected a [name, value] pair of strings, got an object"),
        ([["A", "1"], ["B", "ok \xe9 then \u0100"]], "h[1]: header value has a character outside ISO-8859-1 at offset 10"),
        ([["Na\u20acme", "v\u20ac"]], "h[0]: header name has a character outside ISO-8859-1 at offset 2"),
    ],
)
def test_header_pairs_refused(pairs: object, message: str) -> None:
    """Headers are a list of [name, value] pairs of ISO-8859-1 strings; the offset is given, the value never."""
    with pytest.raises(CaptureError) as e:
        Reader({"headers": pairs}, "h").headers("headers")
    assert str(e.value) == message.replace("h[", "h.headers[").replace("h: ", "h.headers: ")


def test_header_pairs_read() -> None:
    """Pairs keep their order, case, duplicates and ISO-8859-1 octets, as tuples."""
    pairs = [["Host", "h"], ["x-dup", "1"], ["X-Dup", "2"], ["X-Latin", "caf\xe9\xff"], ["", ""]]
    assert Reader({"headers": pairs}, "").headers("headers") == (
        ("Host", "h"), ("x-dup", "1"), ("X-Dup", "2"), ("X-Latin", "caf\xe9\xff"), ("", ""))
    assert Reader({"headers": []}, "").headers("headers") == ()


def test_data_fields() -> None:
    """A body or head is UTF-8 text unless its encoding says base64; both absent read as empty bytes."""
    r = Reader({"b": "aGk=", "b_enc": "base64", "t": "caf\xe9", "bad": "x", "bad_enc": "hex"}, "resp")
    assert (r.data("b", "b_enc"), r.data("t", "t_enc"), r.data("absent", "absent_enc")) == (b"hi", b"caf\xc3\xa9", b"")
    with pytest.raises(CaptureError) as e:
        r.data("bad", "bad_enc")
    assert str(e.value) == "resp.bad: cannot decode: unknown encoding 'hex'"


# --- parse_document: the defaults, the first problem found

def _doc(**parts: object) -> dict[str, object]:
    """A document with only the required fields, and *parts* added at the top level (KeyError: left out)."""
    doc = {"schema": 1, "endpoint": {"scheme": "ws", "host": "h", "port": 80},
           "request": {"method": "GET", "path": "/ws", "headers": [["Host", "h"]]}, **parts}
    return {k: v for k, v in doc.items() if v is not KeyError}


def test_minimal_response_error_and_session_defaults() -> None:
    """Optional fields of the response, the error and the session read as their documented defaults."""
    c = parse_document(_doc(response={"status": 403, "headers": []}))
    assert c.response == Response(403, "", "HTTP/1.1", (), b"", False)
    c = parse_document(_doc(error={"kind": "reset"}))
    assert c.error == Failure("reset", "")
    c = parse_document(_doc(error={"kind": "tls", "message": "certificate verify failed"}, response=None))
    assert (c.response, c.error) == (None, Failure("tls", "certificate verify failed"))
    c = parse_document(_doc(websocket={}, timing={}))
    assert c.websocket == Session("closed", None, "", None, None, (), 0)
    assert (c.started, c.response_time) == (0.0, None)
    c = parse_document(_doc(websocket={"state": "observed", "close_reason": None, "messages_dropped": 3,
                                       "messages": [{"direction": "client", "type": "binary", "size": 5,
                                                     "head": "AAE=", "head_encoding": "base64", "at": None,
                                                     "truncated": True}]},
                            timing={"started": None, "response": 0.5}))
    assert c.websocket == Session("observed", None, "", None, None, (Message("client", "binary", 5, b"\x00\x01", 0.0),), 3)
    assert c.websocket.messages[0].cut is True
    assert (c.started, c.response_time) == (0.0, 0.5)
    c = parse_document(_doc(websocket={"messages": [{"direction": "server", "type": "text", "size": 2, "head": "hi",
                                                     "at": 1.25}]}))
    assert c.websocket is not None and c.websocket.messages[0].at == 1.25 and c.websocket.messages[0].cut is None


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        # The endpoint's port is checked where it is read, before anything after it.
        ({"endpoint": {"scheme": "ws", "host": "h", "port": 0}, "request": None},
         "endpoint.port: port 0 is out of range"),
        ({"endpoint": {"scheme": "ws", "host": "h", "port": 65536}, "response": {"status": 1}},
         "endpoint.port: port 65536 is out of range"),
        ({"response": {"status": 99, "headers": "x"}}, "response.status: status 99 is not a three-digit HTTP status"),
        ({"response": {"status": 1000, "headers": "x"}}, "response.status: status 1000 is not a three-digit HTTP status"),
        ({"response": {"status": 200, "headers": []}, "error": {"kind": "reset"}},
         "error: a capture has either a response or an error, not both"),
        ({"response": {"status": 200, "headers": []}, "error": {"kind": "reset"}, "websocket": []},
         "error: a capture has either a response or an error, not both"),
        ({"websocket": {"closed_by": "proxy"}}, "websocket.closed_by: expected client, server or null, got 'proxy'"),
        ({"websocket": {"closed_by": 1}}, "websocket.closed_by: expected a string or null, got an integer"),
        ({"websocket": {"state": None}}, "websocket.state: expected a string, got null"),
        ({"websocket": {"messages": [{"direction": "client", "type": "text", "size": 1, "head": "x", "at": "0"}]}},
         "websocket.messages[0].at: expected a number or null, got a string"),
        ({"websocket": {"messages": [{"direction": "client", "type": "text", "size": 1, "head": "x", "truncated": 1}]}},
         "websocket.messages[0].truncated: expected a boolean, got an integer"),
        ({"websocket": {"messages": [None]}}, "websocket.messages[0]: expected an object, got null"),
        ({"timing": {"response": math.inf}}, "timing.response: expected a finite number, got inf"),
        ({"timing": []}, "timing: expected an object, got a list"),
        ({"id": 5}, "id: expected a string, got an integer"),
        ({"proxy_mode": 5}, "proxy_mode: expected a string or null, got an integer"),
        ({"redacted": "yes"}, "redacted: expected a boolean, got a string"),
        ({"schema": 2, "endpoint": None}, "schema: unknown schema version 2 (this wsdiff reads version 1)"),
        ({"schema": True}, "schema: expected an integer, got a boolean"),
        ({"endpoint": None}, "endpoint: expected an object, got null"),
        ({"request": None}, "request: expected an object, got null"),
        ({"endpoint": KeyError}, "endpoint: missing"),
        ({"endpoint": {"scheme": "ws", "host": "h"}}, "endpoint.port: missing"),
        ({"websocket": {"messages": [{"direction": "client", "type": "text", "head": "x"}]}},
         "websocket.messages[0].size: missing"),
        ({"error": {"message": "x"}, "response": None}, "error.kind: missing"),
    ],
)
def test_parse_refuses_the_first_problem(parts: dict[str, object], message: str) -> None:
    """Fields are read in document order and the first problem is the one reported, with its place."""
    with pytest.raises(CaptureError) as e:
        parse_document(_doc(**parts))
    assert str(e.value) == message


def test_parse_checks_the_capture_last() -> None:
    """A document that reads well is still checked as a capture: the refusal names its place."""
    with pytest.raises(CaptureError) as e:
        parse_document(_doc(request={"method": "GET", "path": "/ws", "http_version": "HTTP/1.\u20ac",
                                     "headers": []}))
    assert str(e.value) == "request.http_version: has a character outside ISO-8859-1 at offset 7"
    with pytest.raises(CaptureError) as e:
        parse_document(_doc(endpoint={"scheme": "ws", "host": "a@h", "port": 80}))
    assert str(e.value) == "endpoint.host: is not a host name or an IP address"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"log": None}, "log: expected an object, got null"),
        ({"log": {"entries": [{"request": None}]}}, "log.entries[0].request: expected an object, got null"),
    ],
)
def test_a_required_object_may_not_be_null(doc: object, message: str) -> None:
    """A null where an object is required is named like any wrong type, in HAR files too (an AssertionError before)."""
    from wsdiff.formats import captures_from_har

    with pytest.raises(CaptureError) as e:
        captures_from_har(doc)
    assert str(e.value) == message
