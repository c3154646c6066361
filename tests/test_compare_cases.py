"""compare(): the cases the table in test_diff.py leaves out, each with its exact differences."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.model import Capture, Failure, Response

from helpers import capture


def sig(a: Capture, b: Capture) -> list[tuple[str, str, str | None, object, object]]:
    return [(d.group, d.kind, d.name, d.a, d.b) for d in compare(a, b).significant]


@pytest.mark.parametrize(
    ("a_target", "b_target", "expected"),
    [
        pytest.param("/ws?a=1&b=2", "/ws?b=2&a=1", [("query", "query-order", None, ["a", "b"], ["b", "a"])],
                     id="same-parameters-another-order"),
        pytest.param("/ws?a=1&b=2&c=3", "/ws?a=1&c=3&b=2&d=4",
                     [("query", "query-param", "d", None, "4"), ("query", "query-order", None, ["a", "b", "c"],
                                                                   ["a", "c", "b"])],
                     id="order-of-the-shared-ones-only"),
        pytest.param("/ws?a=1&b=2", "/ws?a=1&x=0&b=2", [("query", "query-param", "x", None, "0")],
                     id="a-new-parameter-is-no-reordering"),
        pytest.param("/ws?a&b=", "/ws?a=&b", [], id="no-value-and-empty-value-compare-equal"),
    ],
)
def test_query_order(a_target: str, b_target: str, expected: list[object]) -> None:
    """The order of the parameters both sides sent is reported apart from their values."""
    assert sig(capture(target=a_target), capture(target=b_target)) == expected


def test_query_order_carries_its_note() -> None:
    """A query-order difference says that only the order differs."""
    [d] = compare(capture(target="/ws?a=1&b=2"), capture(target="/ws?b=2&a=1")).significant
    assert d.note == "same parameters, another order" and not d.applicable


HANDSHAKE = (("Upgrade", "websocket"), ("Connection", "Upgrade"))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(Response(101, "Switching Protocols", headers=(*HANDSHAKE, ("Sec-WebSocket-Protocol", "tts.v1"))),
                     Response(101, "Switching Protocols", headers=HANDSHAKE),
                     [("response", "response-header", "Sec-WebSocket-Protocol", "tts.v1", None)],
                     id="both-101-the-server-picked-a-subprotocol-once"),
        pytest.param(Response(101, "Switching Protocols",
                              headers=(*HANDSHAKE, ("Sec-WebSocket-Extensions", "permessage-deflate"))),
                     Response(101, "Switching Protocols", headers=HANDSHAKE),
                     [("response", "response-header", "Sec-WebSocket-Extensions", "permessage-deflate", None)],
                     id="both-101-an-extension-accepted-once"),
        pytest.param(Response(101, "Switching Protocols", headers=(*HANDSHAKE, ("Sec-WebSocket-Protocol", "tts.v1"))),
                     Response(403, "Forbidden", headers=(("Content-Type", "text/plain"), ("X-Reason", "origin"))),
                     [("response", "status", None, 101, 403),
                      ("response", "response-header", "X-Reason", None, "origin")],
                     id="status-differs-the-handshake-headers-are-noise"),
        pytest.param(Response(403, "Forbidden"), Response(403, "Access Denied"),
                     [("response", "reason", None, "Forbidden", "Access Denied")], id="reason-with-the-same-status"),
        pytest.param(Response(403, "Forbidden", body=b"no origin"), Response(403, "Forbidden", body=b"no token"),
                     [("response", "body", None, "no origin", "no token")], id="body"),
    ],
)
def test_response_differences(a: Response, b: Response, expected: list[object]) -> None:
    """Response headers of the handshake are noise only when the status differs; otherwise they are reported."""
    assert sig(capture(response=a), capture(response=b)) == expected


def test_handshake_headers_hidden_as_noise_when_the_status_differs() -> None:
    """The 101's own headers are still there with --all, marked as noise."""
    a = capture(response=Response(101, headers=(*HANDSHAKE, ("Sec-WebSocket-Protocol", "tts.v1"))))
    b = capture(response=Response(403))
    noise = {d.label for d in compare(a, b).noise}
    assert noise == {"response-header Upgrade", "response-header Connection", "response-header Sec-WebSocket-Protocol"}


def test_error_on_both_sides() -> None:
    """Two failures of different kinds: one error difference, with both messages in the note."""
    a = capture(response=None, error=Failure("refused", "nothing listens"))
    b = capture(response=None, error=Failure("tls", "bad certificate"))
    [d] = compare(a, b).significant
    assert (d.kind, d.a, d.b, d.note) == ("error", "refused", "tls", "A: nothing listens; B: bad certificate")


@pytest.mark.parametrize(
    ("a", "b", "note"),
    [
        ("/ws", "/ws/", "only a trailing slash differs"),
        ("/ws", "/ws/v2", "B has more segments, from 'v2'"),
        ("/api/ws/v2", "/api/ws", "A has more segments, from 'v2'"),
        ("/api/ws", "/api/wss", "segment 2 differs: 'ws' vs 'wss'"),
        ("/v1/tts/ws", "/v2/tts/ws", "segment 1 differs: 'v1' vs 'v2'"),
        ("/rooms/X/", "/rooms/X", "only a trailing slash differs"),
        ("/rooms/X", "/rooms/X/", "only a trailing slash differs"),
        ("/ws ", "/ws", "segment 1 differs: 'ws ' vs 'ws'"),
    ],
)
def test_path_note(a: str, b: str, note: str) -> None:
    """A path difference names the first segment that differs, or that only a trailing slash does."""
    [d] = compare(capture(target=a), capture(target=b)).significant
    assert (d.kind, d.a, d.b, d.note) == ("path", a, b, note)


@pytest.mark.parametrize(
    ("endpoint_port", "host_a", "host_b", "note"),
    [
        (443, "tts.example", "TTS.example:443", ""),
        (443, "tts.example", "other.example", "B: Host 'other.example' is not the endpoint tts.example:443"),
        (443, "tts.example:8443", "tts.example", "A: Host 'tts.example:8443' is not the endpoint tts.example:443"),
        (8443, "tts.example:8443", "tts.example", "B: Host 'tts.example' is not the endpoint tts.example:8443"),
        (443, None, "tts.example", "A: no Host header"),
        # An IPv6 endpoint is named in brackets in Host (RFC 3986 3.2.2).
        ((8443, "::1"), "[::1]:8443", "::1:8443", "B: Host '::1:8443' is not the endpoint [::1]:8443"),
        ((443, "::1"), "[::1]", "[::1]:443", ""),
        ((8443, "fe80::1"), "[FE80::1]:8443", "[fe80::1]:8443", ""),
        ((8443, "[::1]"), "[::1]:8443", "[::1]:9", "B: Host '[::1]:9' is not the endpoint [::1]:8443"),  # bracketed
    ],
)
def test_host_note(endpoint_port: int | tuple[int, str], host_a: str | None, host_b: str, note: str) -> None:
    """A Host difference says, for each side, whether Host names the endpoint connected to."""
    from wsdiff.model import Endpoint, with_header, without_header

    from helpers import BASE_HEADERS

    port, ep_host = endpoint_port if isinstance(endpoint_port, tuple) else (endpoint_port, "tts.example")

    def side(host: str | None) -> Capture:
        headers = without_header(BASE_HEADERS, "Host") if host is None else with_header(BASE_HEADERS, "Host", host)
        return capture(headers=headers, endpoint=Endpoint("wss", ep_host, port, sni="tts.example"))

    [d] = [d for d in compare(side(host_a), side(host_b)).significant if d.label == "header Host"]
    assert d.note == note


def test_host_note_says_when_a_reverse_proxy_rewrote_it() -> None:
    """In reverse mode the capture says Host was rewritten, and the note says so."""
    from helpers import set_header

    a = capture(headers=set_header("Host", "127.0.0.1:8000"), host_rewritten=True)
    [d] = compare(a, capture()).significant
    assert d.note == "A: Host '127.0.0.1:8000' is not the endpoint tts.example:443 (rewritten by a reverse proxy)"


@pytest.mark.parametrize(
    ("host", "origin", "relation"),
    [
        ("tts.example", "https://tts.example", "same origin as Host"),
        ("tts.example:443", "https://tts.example", "same origin as Host"),
        ("TTS.example", "https://tts.example:443", "same origin as Host"),
        ("tts.example", "http://localhost:3000", "cross-origin to Host tts.example"),
        ("tts.example", "https://tts.example:8443", "cross-origin to Host tts.example"),
        ("tts.example:8443", "https://tts.example:8443", "same origin as Host"),
        ("tts.example", "null", "Origin 'null' is opaque"),
        # IPv6: the address keeps its brackets, the port is after them.
        ("[::1]:8443", "https://[::1]:8443", "same origin as Host"),
        ("[::1]", "https://[::1]:443", "same origin as Host"),
        ("[::1]:8443", "https://[::1]:8444", "cross-origin to Host [::1]:8443"),
    ],
)
def test_origin_relation(host: str, origin: str, relation: str) -> None:
    """An Origin difference says whether the Origin is the page's own host (ports by the endpoint's scheme)."""
    from helpers import BASE_HEADERS, set_header
    from wsdiff.model import with_header

    with_origin = capture(headers=with_header(with_header(BASE_HEADERS, "Host", host), "Origin", origin))
    without = capture(headers=set_header("Host", host))
    [d] = [d for d in compare(without, with_origin).significant if d.label == "header Origin"]
    assert d.note == f"B: {relation}"


def test_header_note_for_repeated_headers() -> None:
    """A header sent more than once on a side is noted as repeated; the values come as a list."""
    from helpers import set_header

    [d] = compare(capture(headers=set_header("X-Trace", "1")), capture(headers=set_header("X-Trace", ["1", "2"]))
                  ).significant
    assert (d.a, d.b, d.note) == ("1", ["1", "2"], "repeated header")


def _ws(*messages: object, state: str = "closed", code: int | None = 1000, by: str | None = "client",
        duration: float | None = 1.0) -> object:
    from wsdiff.model import Session

    return Session(state, code, "", by, duration, tuple(messages))  # type: ignore[arg-type]


def _m(direction: str, body: bytes, kind: str = "text", size: int | None = None) -> object:
    from wsdiff.model import Message

    return Message(direction, kind, len(body) if size is None else size, body, 0.0)  # type: ignore[arg-type]


def test_session_compared_only_when_both_were_upgraded() -> None:
    """After the 101 only two upgraded connections compare; the status tells the rest. Duration is noise."""
    upgraded = capture(websocket=_ws(_m("server", b"hi"), duration=2.0))
    refused = capture(status=403)
    assert [d.kind for d in compare(upgraded, refused).differences] == ["status", "duration"]
    [duration] = compare(upgraded, refused).noise
    assert (duration.a, duration.b, duration.group) == (2.0, None, "session")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(_ws(state="closed"), _ws(state="observed"), [("session-state", None, "closed", "observed")],
                     id="state"),
        pytest.param(_ws(_m("server", b"\x00\x01", "binary")), _ws(_m("server", b"ab")),
                     [("first-message", "server", "binary, 2 bytes", "text, 2 bytes")], id="type"),
        pytest.param(_ws(_m("server", b"first"), _m("server", b"second, longer")), _ws(_m("server", b"first")),
                     [], id="only-the-first-message-counts"),
        pytest.param(_ws(_m("server", b'{"a": 1, "b": 2}')), _ws(_m("server", b'{"a": 1, "b": 3}')),
                     [("first-message", "server", "text, 16 bytes", "text, 16 bytes")], id="same-size-json-differs"),
        pytest.param(_ws(_m("server", b'{"a": 1}')), _ws(_m("server", b'{"a":1}', size=8)),
                     [], id="equal-json-same-size-no-difference"),
    ],
)
def test_session_differences(a: object, b: object, expected: list[object]) -> None:
    """State, who closed, and the type and size of the first message each way."""
    got = [(d.kind, d.name, d.a, d.b) for d in compare(capture(websocket=a), capture(websocket=b)).significant]
    assert got == expected


@pytest.mark.parametrize(
    ("a", "b", "note"),
    [
        (b'{"type":"ready","n":1}', b'{"type":"error","n":1}', "JSON members differ: ['type']"),
        (b'{"type":"ready"}', b'{"type":"ready","why":"x"}', "JSON members differ: ['why']"),
        (b'{"a":{"b":1}}', b'{"a":{"b":2}}', "JSON members differ: ['a']['b']"),
        (b'{"type":"ready"}', b'["not", "an", "object"]', ""),
        (b'{"type":"ready"}', b"not json at all", ""),
    ],
)
def test_first_message_json_note(a: bytes, b: bytes, note: str) -> None:
    """When both first server messages are JSON objects, the note names the members that differ."""
    [d] = compare(capture(websocket=_ws(_m("server", a))), capture(websocket=_ws(_m("server", b)))).significant
    assert d.note == note


def test_a_truncated_message_is_not_read_as_json() -> None:
    """A message cut to its head is not parsed: its JSON would be incomplete."""
    a = _ws(_m("server", b'{"type":"ready"}', size=999))
    b = _ws(_m("server", b'{"type":"error"}', size=999))
    assert compare(capture(websocket=a), capture(websocket=b)).significant == ()
    whole = _ws(_m("server", b'{"type":"error"}', size=16))
    assert [d.note for d in compare(capture(websocket=a), capture(websocket=whole)).significant] == [""]


@pytest.mark.parametrize(
    ("a_values", "b_values", "note"),
    [
        pytest.param(["1"], ["2"], "", id="one-value-each"),
        pytest.param([], ["2"], "", id="new-on-b"),
        pytest.param(["1"], [], "", id="gone-on-b"),
        pytest.param(["1", "2"], ["1"], "repeated header", id="repeated-on-a"),
        pytest.param([], ["1", "2"], "repeated header", id="repeated-on-b"),
    ],
)
def test_header_note(a_values: list[str], b_values: list[str], note: str) -> None:
    """A header difference is noted as repeated only when a side sent it more than once."""
    from helpers import BASE_HEADERS

    def side(values: list[str]) -> Capture:
        return capture(headers=BASE_HEADERS + tuple(("X-Mode", v) for v in values))

    [d] = compare(side(a_values), side(b_values)).significant
    assert (d.kind, d.name, d.note) == ("header", "X-Mode", note)


def test_header_order_carries_its_note() -> None:
    """A header-order difference says it is about the headers both sides sent."""
    from helpers import BASE_HEADERS

    [d] = compare(capture(), capture(headers=(BASE_HEADERS[1], BASE_HEADERS[0], *BASE_HEADERS[2:]))).significant
    assert (d.kind, d.note) == ("header-order", "order of the headers both sides sent")


def test_http_version_differs() -> None:
    """The request's HTTP version is a request-line difference with both versions."""
    from wsdiff.model import Request

    a = capture(request=Request(target="/ws", http_version="HTTP/1.0", headers=capture().request.headers))
    assert sig(a, capture(target="/ws")) == [("request-line", "http-version", None, "HTTP/1.0", "HTTP/1.1")]


def test_responder_differs() -> None:
    """Another party answering is a responder difference naming both, as wsdiff names them."""
    cloudflare = Response(403, "Forbidden", headers=(("Server", "cloudflare"), ("CF-Ray", "1")),
                          body=b"<p>Cloudflare Ray ID: 1</p>")
    from helpers import UVICORN_403

    [d] = [d for d in compare(capture(response=cloudflare), capture(response=UVICORN_403)).significant
           if d.kind == "responder"]
    assert (d.group, d.a, d.b, d.note) == ("response", "Cloudflare (its own answer)", "uvicorn", "")


@pytest.mark.parametrize(
    ("a", "b", "shown"),
    [
        pytest.param(b"\xff\xfeno", b"ok", ("\ufffd\ufffdno", "ok"), id="a-not-utf-8"),
        pytest.param(b"ok", b"\xffno", ("ok", "\ufffdno"), id="b-not-utf-8"),
        pytest.param(b"x" * 300, b"y" * 200, ("x" * 200, "y" * 200), id="first-200-bytes"),
        pytest.param(b"", b"z" * 201 + b"\xff", ("", "z" * 200), id="cut-before-the-bad-byte"),
    ],
)
def test_body_shows_its_first_200_bytes(a: bytes, b: bytes, shown: tuple[str, str]) -> None:
    """A body difference shows the first 200 bytes of each side, decoded with replacement characters."""
    [d] = [d for d in compare(capture(response=Response(403, "Forbidden", body=a)),
                              capture(response=Response(403, "Forbidden", body=b))).significant if d.kind == "body"]
    assert (d.a, d.b) == shown


def test_noise_rows_keep_both_values() -> None:
    """Timing and the client's address are noise rows with each side's value."""
    a = capture(response_time=0.01, client="127.0.0.1:5000")
    b = capture(response_time=0.02, client="127.0.0.1:6000")
    assert [(d.group, d.kind, d.a, d.b, d.noise) for d in compare(a, b).differences] == [
        ("noise", "timing", 0.01, 0.02, True), ("noise", "client", "127.0.0.1:5000", "127.0.0.1:6000", True)]


@pytest.mark.parametrize(
    ("a", "b", "durations"),
    [
        pytest.param(None, 2.0, (None, 2.0), id="only-b-upgraded"),
        pytest.param(1.0, 2.0, (1.0, 2.0), id="both"),
        pytest.param(2.0, None, (2.0, None), id="only-a-upgraded"),
    ],
)
def test_duration_is_noise_with_both_values(a: float | None, b: float | None, durations: tuple[object, object]) -> None:
    """How long each connection lasted is a noise row in the session group, None for a side not upgraded."""
    def side(duration: float | None) -> Capture:
        return capture(status=403) if duration is None else capture(websocket=_ws(duration=duration))

    [d] = [d for d in compare(side(a), side(b)).noise if d.kind == "duration"]
    assert (d.group, d.a, d.b) == ("session", *durations)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param("a, b", "b, a, c", [("subprotocol", "c", None, "offered", ""),
                                         ("subprotocol-order", None, ["a", "b"], ["b", "a"],
                                          "the server picks by its own preference or the client's order")],
                     id="one-more-and-another-order"),
        pytest.param("a, x", "a", [("subprotocol", "x", "offered", None, "")], id="one-fewer"),
        pytest.param("a, b, c", "c, b, a", [("subprotocol-order", None, ["a", "b", "c"], ["c", "b", "a"],
                                             "the server picks by its own preference or the client's order")],
                     id="reversed"),
    ],
)
def test_subprotocols_offered_and_their_order(a: str, b: str, expected: list[object]) -> None:
    """Each token one side offers alone is a row; the order of the tokens both offer is another."""
    from helpers import set_header

    c = compare(capture(headers=set_header("Sec-WebSocket-Protocol", a)),
                capture(headers=set_header("Sec-WebSocket-Protocol", b)))
    assert [(d.kind, d.name, d.a, d.b, d.note) for d in c.significant] == expected


@pytest.mark.parametrize(
    ("a", "b", "note"),
    [
        pytest.param(b'{"type":"ready"}', b'{"error":"x"}', "JSON members differ: ['error'], ['type']",
                     id="no-member-shared"),
        pytest.param(b'{' + b",".join(b'"k%d":1' % i for i in range(9)) + b'}', b"{}",
                     "JSON members differ: " + ", ".join(f"['k{i}']" for i in range(8)), id="eight-at-most"),
    ],
)
def test_first_message_json_note_names_members(a: bytes, b: bytes, note: str) -> None:
    """Members are named one by one even when the objects share none; at most eight, in sorted order."""
    [d] = compare(capture(websocket=_ws(_m("server", a))), capture(websocket=_ws(_m("server", b)))).significant
    assert d.note == note
