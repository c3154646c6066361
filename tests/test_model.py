"""The pure capture model: headers, targets, queries and protocol checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsdiff.headers import build_query, parse_query
from wsdiff.model import (
    Capture, Endpoint, Failure, Request, Response, check_request, header_value,
    header_values, split_target, with_header, without_header,
)

from helpers import minimal_headers

VALID = Request(headers=minimal_headers("example.com"))


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        ("/ws", "/ws", None),
        ("/ws?", "/ws", ""),
        ("/ws?a=1&b", "/ws", "a=1&b"),
        ("/a?b?c", "/a", "b?c"),
        ("", "", None),
    ],
)
def test_split_target(target: str, path: str, query: str | None) -> None:
    """A target splits at the first '?', and '?' with nothing after is kept apart from no '?'."""
    assert split_target(target) == (path, query)


@pytest.mark.parametrize(
    ("query", "pairs"),
    [
        (None, []),
        ("", []),
        ("a=1&b=2", [("a", "1"), ("b", "2")]),
        ("a&a=&a=x", [("a", None), ("a", ""), ("a", "x")]),
        ("q=a%20b&&z=1=2", [("q", "a%20b"), ("z", "1=2")]),
    ],
)
def test_parse_query(query: str | None, pairs: list[tuple[str, str | None]]) -> None:
    """Query pairs keep order, duplicates and percent-encoding; 'a' and 'a=' differ."""
    assert parse_query(query) == pairs


@given(st.lists(st.tuples(st.text("abc%=_", min_size=1).filter(lambda s: "=" not in s),
                          st.one_of(st.none(), st.text("xyz=%"))), max_size=6))
def test_query_round_trip(pairs: list[tuple[str, str | None]]) -> None:
    """build_query inverts parse_query for any pairs with non-empty names."""
    assert parse_query(build_query(pairs)) == pairs


def test_header_lookup_is_case_insensitive_and_keeps_duplicates() -> None:
    """Lookups ignore case; repeated headers stay separate values in wire order."""
    h = (("X-A", "1"), ("x-a", "2"), ("Other", "z"))
    assert header_values(h, "X-A") == ["1", "2"]
    assert header_value(h, "x-A") == "1, 2"
    assert header_value(h, "missing") is None
    assert without_header(h, "X-a") == (("Other", "z"),)


def test_with_header_keeps_position_and_case() -> None:
    """Setting a header replaces it in place, keeping the first field's spelling."""
    h = (("Host", "a"), ("origin", "x"), ("User-Agent", "u"), ("Origin", "y"))
    assert with_header(h, "Origin", "z") == (("Host", "a"), ("origin", "z"), ("User-Agent", "u"))
    assert with_header(h, "X-New", ["1", "2"]) == (*h, ("X-New", "1"), ("X-New", "2"))
    assert with_header(h, "ORIGIN", []) == (("Host", "a"), ("User-Agent", "u"))


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        (VALID, None),
        (VALID.replace(method="POST"), "method is 'POST', RFC 6455 4.1 requires GET"),
        (VALID.replace(http_version="HTTP/1.0"), "HTTP version is 'HTTP/1.0', expected HTTP/1.1"),
        (VALID.replace(headers=without_header(VALID.headers, "Host")), "no Host header"),
        (VALID.replace(headers=without_header(VALID.headers, "Upgrade")), "no 'Upgrade: websocket' header"),
        (VALID.replace(headers=with_header(VALID.headers, "Connection", "keep-alive")),
         "no 'Connection: Upgrade' header"),
        (VALID.replace(headers=without_header(VALID.headers, "Sec-WebSocket-Key")), "no Sec-WebSocket-Key header"),
        (VALID.replace(headers=with_header(VALID.headers, "Sec-WebSocket-Version", "8")),
         "Sec-WebSocket-Version is not 13"),
    ],
)
def test_check_request(request_: Request, problem: str | None) -> None:
    """check_request names each RFC 6455 4.1 violation, and nothing for a valid handshake."""
    assert check_request(request_) == ([] if problem is None else [problem])


def test_constructors_do_not_validate() -> None:
    """An invalid handshake can be built, so that replay can send it."""
    r = Request(method="BREW", target="no slash", http_version="HTTP/9", headers=(("", "\x00"),))
    assert r.method == "BREW" and r.path == "no slash"


@pytest.mark.parametrize(
    ("capture", "outcome", "accepted"),
    [
        (Capture(Endpoint("ws", "h", 80), Request(), Response(101, "Switching Protocols")), "101 Switching Protocols", True),
        (Capture(Endpoint("ws", "h", 80), Request(), Response(403)), "403", False),
        (Capture(Endpoint("ws", "h", 80), Request(), error=Failure("refused")), "error: refused", False),
        (Capture(Endpoint("ws", "h", 80), Request()), "no answer", False),
    ],
)
def test_outcome(capture: Capture, outcome: str, accepted: bool) -> None:
    """A capture summarises its outcome and whether the upgrade was accepted."""
    assert capture.outcome == outcome
    assert capture.accepted is accepted


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        (Endpoint("ws", "example.com", 80), "ws://example.com"),
        (Endpoint("wss", "example.com", 443), "wss://example.com"),
        (Endpoint("wss", "example.com", 8443), "wss://example.com:8443"),
        (Endpoint("ws", "::1", 8000), "ws://[::1]:8000"),
    ],
)
def test_endpoint_url(endpoint: Endpoint, url: str) -> None:
    """An endpoint's URL leaves out the default port and brackets IPv6 hosts."""
    assert endpoint.url == url


def test_message_keep_by_direction() -> None:
    """A client's message is kept whole up to CLIENT_MESSAGE_LIMIT (replay sends it again); a server's, its head."""
    from wsdiff.model import CLIENT_MESSAGE_LIMIT, MESSAGE_HEAD, message_keep

    assert (message_keep("client"), message_keep("server")) == (CLIENT_MESSAGE_LIMIT, MESSAGE_HEAD)
    assert CLIENT_MESSAGE_LIMIT != MESSAGE_HEAD
