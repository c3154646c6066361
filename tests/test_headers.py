"""The header and query grammars of wsdiff.headers, one table per function (realistic, synthetic, pathological)."""

from __future__ import annotations

import pytest

from wsdiff.headers import (build_query, cookies, extensions, origin_authority, parse_query, place_header,
                            host_as_in_host, split_authority,
                            place_query_param, replace_named, subprotocols, target_authority, target_problem,
                            with_cookie, with_extensions, with_subprotocols)
from wsdiff.model import Headers


@pytest.mark.parametrize(
    ("values", "pairs"),
    [
        (["sid=1; theme=dark"], [("sid", "1"), ("theme", "dark")]),
        (["sid=1", "theme=dark"], [("sid", "1"), ("theme", "dark")]),  # two Cookie fields (HTTP/2 splits them)
        ([" a = 1 ;b=2;"], [("a", "1"), ("b", "2")]),
        (["flag"], [("flag", "")]),  # a name without '='
        (["=orphan"], [("", "orphan")]),  # a value without a name is kept: it was sent
        (["; ;"], []),
        (["a=x=y"], [("a", "x=y")]),
        (["sid=1; sid=2"], [("sid", "1"), ("sid", "2")]),
    ],
)
def test_cookies(values: list[str], pairs: list[tuple[str, str]]) -> None:
    """Every Cookie field is split into pairs in order (RFC 6265 5.4), junk kept where it carries something."""
    headers = tuple(("cookie" if i else "Cookie", v) for i, v in enumerate(values))
    assert cookies((("Host", "h"), *headers)) == pairs


@pytest.mark.parametrize(
    ("headers", "name", "value", "expected"),
    [
        ((("Host", "h"), ("Cookie", "a=1; b=2")), "a", "9", (("Host", "h"), ("Cookie", "a=9; b=2"))),
        ((("Host", "h"), ("Cookie", "a=1; b=2")), "b", None, (("Host", "h"), ("Cookie", "a=1"))),
        ((("Host", "h"), ("Cookie", "a=1")), "a", None, (("Host", "h"),)),
        ((("Host", "h"), ("Cookie", "a=1")), "a", [], (("Host", "h"),)),
        ((("Host", "h"),), "sid", "abc", (("Host", "h"), ("Cookie", "sid=abc"))),
        ((("Host", "h"), ("Cookie", "a=1; b=2")), "c", ["x", "y"], (("Host", "h"), ("Cookie", "a=1; b=2; c=x; c=y"))),
        ((("cookie", "a=1"), ("Host", "h")), "a", "2", (("cookie", "a=2"), ("Host", "h"))),
    ],
)
def test_with_cookie(headers: Headers, name: str, value: str | list[str] | None, expected: Headers) -> None:
    """One cookie is set, removed or repeated in place; a new Cookie header is spelled 'Cookie'."""
    assert with_cookie(headers, name, value) == expected


@pytest.mark.parametrize(
    ("pairs", "name", "values", "expected"),
    [
        ([("a", "1"), ("x", "1"), ("b", "2"), ("x", "2")], "x", ["9"], [("a", "1"), ("x", "9"), ("b", "2")]),
        ([("a", "x"), ("x", "1")], "x", ["2"], [("a", "x"), ("x", "2")]),  # a value that equals the name stays
        ([("a", "1")], "x", ["9"], [("a", "1"), ("x", "9")]),
        ([("a", "1"), ("x", "1")], "x", [], [("a", "1")]),
        ([], "x", ["1", "2"], [("x", "1"), ("x", "2")]),
    ],
)
def test_replace_named(pairs: list[tuple[str, str]], name: str, values: list[str],
                       expected: list[tuple[str, str]]) -> None:
    """The new pairs go where the first old one was; the others keep their order."""
    assert replace_named(pairs, name, values) == expected


@pytest.mark.parametrize(
    ("fields", "tokens"),
    [
        ([("Sec-WebSocket-Protocol", "tts.v1, json")], ["tts.v1", "json"]),
        ([("sec-websocket-protocol", "a"), ("Sec-WebSocket-Protocol", " b ,, c")], ["a", "b", "c"]),
        ([("Sec-WebSocket-Protocol", "")], []),
        ([], []),
    ],
)
def test_subprotocols(fields: list[tuple[str, str]], tokens: list[str]) -> None:
    """Offered subprotocols come in preference order from every field, empty tokens left out."""
    assert subprotocols(tuple(fields)) == tokens


def test_with_subprotocols() -> None:
    """Setting tokens joins them in one field in place; none removes the header."""
    h = (("Host", "h"), ("Sec-WebSocket-Protocol", "a"), ("User-Agent", "u"))
    assert with_subprotocols(h, ["b", "a"]) == (("Host", "h"), ("Sec-WebSocket-Protocol", "b, a"), ("User-Agent", "u"))
    assert with_subprotocols(h, []) == (("Host", "h"), ("User-Agent", "u"))
    assert with_subprotocols((("Host", "h"),), ["x"]) == (("Host", "h"), ("Sec-WebSocket-Protocol", "x"))


@pytest.mark.parametrize(
    ("value", "offers"),
    [
        ("permessage-deflate; client_max_window_bits", [("permessage-deflate", "permessage-deflate; client_max_window_bits")]),
        ("permessage-deflate;client_max_window_bits=10;server_no_context_takeover, permessage-deflate",
         [("permessage-deflate", "permessage-deflate; client_max_window_bits=10; server_no_context_takeover"),
          ("permessage-deflate", "permessage-deflate")]),
        ("x-webkit-deflate-frame", [("x-webkit-deflate-frame", "x-webkit-deflate-frame")]),
        ("a; ; b", [("a", "a; b")]),
        (";x=1", [("", ";x=1")]),  # nameless junk keeps its text as sent
    ],
)
def test_extensions(value: str, offers: list[tuple[str, str]]) -> None:
    """Each offer gives its name and its normalised text, parameters in order (RFC 7692 5)."""
    assert extensions((("Host", "h"), ("Sec-WebSocket-Extensions", value))) == offers


def test_with_extensions() -> None:
    """Offers are joined in one field in place; none removes the header."""
    h = (("Sec-WebSocket-Extensions", "a"), ("Host", "h"))
    assert with_extensions(h, [("b", "b; x=1"), ("a", "a")]) == (("Sec-WebSocket-Extensions", "b; x=1, a"), ("Host", "h"))
    assert with_extensions(h, []) == (("Host", "h"),)
    assert with_extensions((("Host", "h"),), [("a", "a")]) == (("Host", "h"), ("Sec-WebSocket-Extensions", "a"))


@pytest.mark.parametrize(
    ("origin", "authority"),
    [
        ("https://app.example", ("https", "app.example", 443)),
        ("http://app.example", ("http", "app.example", 80)),
        ("ws://app.example", ("ws", "app.example", 80)),
        ("wss://app.example", ("wss", "app.example", 443)),
        ("HTTPS://App.Example", ("https", "app.example", 443)),
        ("http://localhost:3000", ("http", "localhost", 3000)),
        ("http://localhost:3000/", ("http", "localhost", 3000)),
        ("https://app.example/", ("https", "app.example", 443)),
        ("http://[::1]", ("http", "[::1]", 80)),
        ("http://[::1]:3000", ("http", "[::1]", 3000)),
        ("https://[FE80::1]:8443/", ("https", "[fe80::1]", 8443)),
        ("http://[::1]:x", None),
        ("chrome-extension://abcdef", ("chrome-extension", "abcdef", 0)),
        ("null", None),
        ("https://", None),
        ("http://host:port", None),
        ("http://a:80X", None),
        ("https://BOX", ("https", "box", 443)),
        ("x://https://h", None),
        ("", None),
    ],
)
def test_origin_authority(origin: str, authority: tuple[str, str, int] | None) -> None:
    """An Origin gives (scheme, host, port) with the scheme's default port (RFC 6454); opaque ones give None."""
    assert origin_authority(origin) == authority


BROWSER = (("Host", "h"), ("Connection", "Upgrade"), ("Origin", "https://o"), ("User-Agent", "u"),
           ("Sec-WebSocket-Key", "k"))


@pytest.mark.parametrize(
    ("target", "lname", "expected"),
    [
        # New to the target: before the first header that follows it in the source and exists in the target.
        ((("Host", "h"), ("Connection", "Upgrade"), ("User-Agent", "u")), "origin",
         (("Host", "h"), ("Connection", "Upgrade"), ("Origin", "https://o"), ("User-Agent", "u"))),
        ((("Host", "h"), ("Sec-WebSocket-Key", "k"), ("X-Other", "1")), "origin",
         (("Host", "h"), ("Origin", "https://o"), ("Sec-WebSocket-Key", "k"), ("X-Other", "1"))),
        # Nothing that follows it in the source is in the target: at the end.
        ((("Host", "h"), ("X-Other", "1")), "sec-websocket-key",
         (("Host", "h"), ("X-Other", "1"), ("Sec-WebSocket-Key", "k"))),
        # Present in both: replaced in place, keeping the target's spelling.
        ((("origin", "https://x"), ("Host", "h")), "origin", (("origin", "https://o"), ("Host", "h"))),
        # Absent from the source: removed.
        ((("Host", "h"), ("X-Other", "1")), "x-other", (("Host", "h"),)),
    ],
)
def test_place_header(target: Headers, lname: str, expected: Headers) -> None:
    """A header moved from one request to another keeps a plausible wire order."""
    assert place_header(target, BROWSER, lname) == expected


def test_place_header_repeated_values_go_together() -> None:
    """A repeated header moves with all its values, in order, before its anchor."""
    source = (("Host", "h"), ("X-Trace", "1"), ("X-Trace", "2"), ("Accept", "*/*"))
    assert place_header((("Host", "h"), ("Accept", "*/*")), source, "x-trace") == (
        ("Host", "h"), ("X-Trace", "1"), ("X-Trace", "2"), ("Accept", "*/*"))


def test_place_header_anchor_that_repeats() -> None:
    """When the anchor header repeats in the target, the header goes before its first field only."""
    source = (("X-New", "n"), ("Accept", "a"))
    target = (("Accept", "1"), ("Host", "h"), ("Accept", "2"))
    assert place_header(target, source, "x-new") == (("X-New", "n"), ("Accept", "1"), ("Host", "h"), ("Accept", "2"))


@pytest.mark.parametrize(
    ("target", "source", "name", "expected"),
    [
        ("a=1&b=2", "a=1&x=9&b=2", "x", "a=1&x=9&b=2"),
        ("a=1&b=2", "x=9&b=2", "x", "a=1&x=9&b=2"),  # before b, the first that follows it in the source
        ("a=1&b=2", "b=2&x=9", "x", "a=1&b=2&x=9"),  # nothing follows it: at the end
        ("a=1&x=1&b=2", "x=2&a=1&b=2", "x", "a=1&x=2&b=2"),  # replaced where the target has it
        ("x=1&a=1&x=2", "a=1&x=3", "x", "x=3&a=1"),
        ("a=1&x=1", "a=1", "x", "a=1"),
        ("x=1", "a=1", "x", None),  # nothing left: no query at all
        ("x=1", None, "x", None),
        (None, "x", "x", "x"),  # a parameter without '=' stays without it
        ("a=1", "b=2", "x", "a=1"),  # in neither: nothing changes
        (None, None, "x", None),
    ],
)
def test_place_query_param(target: str | None, source: str | None, name: str, expected: str | None) -> None:
    """A parameter moves alone, with all its values, to the place the source gives it."""
    assert place_query_param(target, source, name) == expected


def test_build_query_keeps_no_value_apart_from_empty() -> None:
    """'a' and 'a=' rebuild as sent."""
    assert build_query(parse_query("a&b=&c=1")) == "a&b=&c=1"


NOT_A_TARGET = "is neither a path starting with '/' nor an absolute http(s) or ws(s) URL"
SPLIT_DIFFERENTLY = "is an absolute URL holding a backslash or a fragment"
NOT_PLAIN = "is an absolute URL whose authority is not a plain host[:port]"


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        # Sound: origin-form, asterisk-form, absolute-form with a plain authority (RFC 9112 3.2).
        ("/ws?token=abc", None),
        ("/", None),
        ("*", None),
        ("http://h:1/ws", None),
        ("WSS://API.example", None),
        ("http://[::1]:8080/ws", None),
        ("http://h?x=1", None),
        ("https://app.example/cb?next=https://evil.example/", None),  # a URL in the query is data, not the authority
        ("/cb?next=http://evil.example/", None),
        # A request line split at a space or a tab would end the target early.
        ("/ws HTTP/1.1", "holds a space or a tab"),
        ("/a\tb", "holds a space or a tab"),
        ("http://h/a b", "holds a space or a tab"),
        # Neither form.
        ("ws", NOT_A_TARGET),
        ("h:80/ws", NOT_A_TARGET),
        ("ftp://h/", NOT_A_TARGET),
        ("://h/", NOT_A_TARGET),
        ("@127.0.0.1:9999/ws", NOT_A_TARGET),
        # Parsers split these differently: WHATWG reads '\\' as '/', and a fragment is never sent.
        ("http://evil.example#@127.0.0.1:8765/ws", SPLIT_DIFFERENTLY),
        ("http://evil.example\\x/ws", SPLIT_DIFFERENTLY),
        ("http://h/a\\b", SPLIT_DIFFERENTLY),
        # urlsplit refuses an unclosed IP literal, and a netloc that NFKC normalisation changes.
        ("http://[::1/ws", "is not a sound absolute URL"),
        ("http://h]/ws", "is not a sound absolute URL"),
        ("http://h\u2100x/", "is not a sound absolute URL"),
        # The authority is not host[:port].
        ("http://u@h/", NOT_PLAIN),
        ("http://127.0.0.1:8765@evil.example/ws", NOT_PLAIN),
        ("http://h:x/", NOT_PLAIN),
        ("http:///ws", NOT_PLAIN),
        ("http://h:123456/", NOT_PLAIN),
    ],
)
def test_target_problem_names_the_fault(target: str, problem: str | None) -> None:
    """Each unsound request-target is named by the rule it breaks, checked in order; sound ones give None."""
    assert target_problem(target) == problem


@pytest.mark.parametrize(
    ("target", "authority"),
    [
        ("http://h:1/ws", "h:1"),
        ("wss://API.example./", "API.example."),  # as written: parse_authority normalises it
        ("ws://h", "h"),
        ("http://u@h/", "u@h"),
        ("/ws", None),
        ("/cb?next=http://evil.example/", None),  # origin-form, whatever its query holds
        ("*", None),
        ("h:80", None),  # no '://': not absolute-form
        ("", None),
    ],
)
def test_target_authority(target: str, authority: str | None) -> None:
    """Only an absolute-form target has an authority, given as written; every other form gives None."""
    assert target_authority(target) == authority


@pytest.mark.parametrize(("authority", "parts"), [
    ("tts.example", ("tts.example", "")),
    ("tts.example:8443", ("tts.example", "8443")),
    ("tts.example:", ("tts.example", "")),
    ("[::1]", ("[::1]", "")),
    ("[::1]:8443", ("[::1]", "8443")),
    ("[fe80::1%eth0]:80", ("[fe80::1%eth0]", "80")),
    ("::1", ("::1", "")),                # bare IPv6: all host
    ("[::1]x", ("[::1]x", "")),          # junk after the brackets: all host
    ("[::1", ("[::1", "")),              # no closing bracket
    ("[::1]]:80", ("[::1]]:80", "")),    # the address ends at the first ']'
    ("a:b:c", ("a:b:c", "")),
])
def test_split_authority(authority: str, parts: tuple[str, str]) -> None:
    """host[:port] splits at the port's ':' only: an IPv6 address keeps its brackets and its own ':'."""
    assert split_authority(authority) == parts


@pytest.mark.parametrize(("host", "shown"), [
    ("tts.example", "tts.example"), ("TTS.Example", "tts.example"), ("127.0.0.1", "127.0.0.1"),
    ("::1", "[::1]"), ("FE80::1", "[fe80::1]"), ("[::1]", "[::1]"), ("[FE80::1]", "[fe80::1]"),
])
def test_host_as_in_host(host: str, shown: str) -> None:
    """An endpoint's host as a Host field names it: lower case, an IPv6 address in brackets."""
    assert host_as_in_host(host) == shown
