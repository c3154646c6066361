"""The capture model's small functions: URLs and ports, handshake checks, and the values' own properties."""

from __future__ import annotations

import pytest

from wsdiff.model import (BODY_LIMIT, DEFAULT_PORTS, MESSAGE_HEAD, MESSAGE_LIMIT, Capture, Endpoint, Message, Request,
                          Response, check_request, default_port, endpoint_from_url, header_value, with_header)

from helpers import minimal_headers


@pytest.mark.parametrize(
    ("url", "endpoint", "target"),
    [
        ("ws://127.0.0.1:8000/ws?voice=alloy", Endpoint("ws", "127.0.0.1", 8000), "/ws?voice=alloy"),
        ("wss://tts.example/ws", Endpoint("wss", "tts.example", 443, sni="tts.example"), "/ws"),
        ("http://tts.example", Endpoint("ws", "tts.example", 80), "/"),
        ("HTTPS://TTS.example:8443", Endpoint("wss", "tts.example", 8443, sni="tts.example"), "/"),
        ("ws://[::1]:9000/x?", Endpoint("ws", "::1", 9000), "/x"),
        ("ws://h/a/b?x=1&y", Endpoint("ws", "h", 80), "/a/b?x=1&y"),
    ],
)
def test_endpoint_from_url(url: str, endpoint: Endpoint, target: str) -> None:
    """A ws, wss, http or https URL gives where to connect (default port, SNI for TLS) and the request-target."""
    assert endpoint_from_url(url) == (endpoint, target)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "expected a ws://, wss://, http:// or https:// URL, got 'ftp://x'"),
        ("ws:///path", "expected a ws://, wss://, http:// or https:// URL, got 'ws:///path'"),
        ("tts.example/ws", "expected a ws://, wss://, http:// or https:// URL, got 'tts.example/ws'"),
        ("ws://h:99999/", "bad port in 'ws://h:99999/'"),
        ("ws://h:port/", "bad port in 'ws://h:port/'"),
        ("ftp://" + "x" * 100, f"expected a ws://, wss://, http:// or https:// URL, got {'ftp://' + 'x' * 74!r}"),
    ],
)
def test_endpoint_from_url_errors(url: str, message: str) -> None:
    """A URL that is not a WebSocket or HTTP URL is refused, quoted (cut to 80 characters)."""
    with pytest.raises(ValueError) as e:
        endpoint_from_url(url)
    assert str(e.value) == message


@pytest.mark.parametrize(("scheme", "port"), [("ws", 80), ("WS", 80), ("http", 80), ("wss", 443), ("HTTPS", 443),
                                              ("gopher", 80)])
def test_default_port(scheme: str, port: int) -> None:
    """RFC 6455 3: ws and wss take HTTP's and HTTPS's default ports."""
    assert default_port(scheme) == port
    assert DEFAULT_PORTS == {"ws": 80, "http": 80, "wss": 443, "https": 443}


VALID = Request(headers=minimal_headers("example.com"))


@pytest.mark.parametrize(
    "headers",
    [
        with_header(VALID.headers, "Upgrade", "WebSocket"),
        with_header(VALID.headers, "Connection", "keep-alive, Upgrade"),
        with_header(VALID.headers, "Connection", "upgrade"),
        with_header(VALID.headers, "Connection", "Upgrade,keep-alive"),
        tuple((k.lower(), v) for k, v in VALID.headers),
    ],
)
def test_check_request_accepts_what_rfc_6455_allows(headers: tuple[tuple[str, str], ...]) -> None:
    """Token case, header-name case and a Connection list are all valid."""
    assert check_request(VALID.replace(headers=headers)) == []


def test_check_request_names_every_problem() -> None:
    """An empty request has every problem, each named once, in order."""
    assert check_request(Request(method="POST", http_version="HTTP/2", headers=(("Connection", "Upgraded"),))) == [
        "method is 'POST', RFC 6455 4.1 requires GET",
        "HTTP version is 'HTTP/2', expected HTTP/1.1",
        "no Host header",
        "no 'Upgrade: websocket' header",
        "no 'Connection: Upgrade' header",
        "no Sec-WebSocket-Key header",
        "Sec-WebSocket-Version is not 13",
    ]


def test_endpoint_properties() -> None:
    """Only wss is TLS."""
    assert Endpoint("wss", "h", 443).tls and not Endpoint("ws", "h", 443).tls


def test_request_and_response_accessors() -> None:
    """path, query and header read the request-target and the fields; replace makes a new value."""
    r = Request(target="/ws?a=1", headers=(("X-A", "1"), ("x-a", "2")))
    assert (r.path, r.query, r.header("x-A"), r.header("nope")) == ("/ws", "a=1", "1, 2", None)
    assert r.replace(target="/v2").target == "/v2" and r.target == "/ws?a=1"
    resp = Response(403, headers=(("Server", "nginx"),))
    assert resp.header("server") == "nginx" and resp.header("Via") is None
    assert header_value((("A", ""),), "a") == ""


@pytest.mark.parametrize(("size", "head", "truncated"), [(5, b"hello", False), (300, b"h" * 256, True), (0, b"", False)])
def test_message_truncated(size: int, head: bytes, truncated: bool) -> None:
    """A message is cut when its size exceeds the head kept."""
    assert Message("server", "text", size, head, 0.0).truncated is truncated


def test_capture_replace_and_outcome() -> None:
    """replace makes a new capture; a response without a reason shows its status alone."""
    c = Capture(Endpoint("ws", "h", 80), Request())
    assert c.replace(label="x").label == "x" and c.label == ""
    assert c.replace(response=Response(101)).accepted and not c.replace(response=Response(200)).accepted
    assert c.replace(response=Response(403, " ")).outcome == "403"


def test_limits() -> None:
    """What a capture keeps: 4 KiB of body, 8 messages, 256 bytes of each."""
    assert (BODY_LIMIT, MESSAGE_LIMIT, MESSAGE_HEAD) == (4096, 8, 256)
