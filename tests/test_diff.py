"""compare(): fine-grained differences grouped by meaning, noise set apart, hints attached."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.redact import fingerprint, run_key
from wsdiff.responder import responder
from wsdiff.model import Endpoint, Message, Response, Session

from helpers import BASE_HEADERS, UVICORN_403, capture, drop_header, set_header

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def sig(a, b):  # type: ignore[no-untyped-def]
    return [(d.group, d.kind, d.name, d.a, d.b) for d in compare(a, b).significant]


@pytest.mark.parametrize(
    ("b", "expected"),
    [
        pytest.param(capture(), [], id="identical"),
        pytest.param(capture(headers=set_header("Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw==")), [],
                     id="only-the-nonce-differs"),
        pytest.param(capture(target="/tts/ws?voice=alloy"), [("request-line", "path", None, "/ws", "/tts/ws")], id="path"),
        pytest.param(capture(target="/ws?voice=echo"), [("query", "query-param", "voice", "alloy", "echo")], id="query-changed"),
        pytest.param(capture(target="/ws"), [("query", "query-param", "voice", "alloy", None)], id="query-removed"),
        pytest.param(capture(target="/ws?voice=alloy&voice=echo"),
                     [("query", "query-param", "voice", "alloy", ["alloy", "echo"])], id="query-repeated"),
        pytest.param(capture(target="/ws?voice=alloy&token=redacted:00000000000000aa"),
                     [("credentials", "query-param", "token", None, "redacted:00000000000000aa")], id="credential-param"),
        pytest.param(capture(headers=set_header("Origin", "https://app.example")),
                     [("origin", "header", "Origin", None, "https://app.example")], id="origin"),
        pytest.param(capture(headers=set_header("Host", "tts.example:443")),
                     [("host", "header", "Host", "tts.example", "tts.example:443")], id="host"),
        pytest.param(capture(headers=set_header("X-API-Key", "redacted:00000000000000bb")),
                     [("credentials", "header", "X-API-Key", None, "redacted:00000000000000bb")], id="api-key"),
        pytest.param(capture(headers=set_header("Cookie", "sid=redacted:00000000000000cc; theme=dark")),
                     [("credentials", "cookie", "sid", None, "redacted:00000000000000cc"),
                      ("credentials", "cookie", "theme", None, fingerprint(run_key(), "dark"))],
                     id="cookies-one-by-one"),
        pytest.param(capture(headers=set_header("Sec-WebSocket-Protocol", "tts.v1, json")),
                     [("websocket", "subprotocol", "tts.v1", None, "offered"),
                      ("websocket", "subprotocol", "json", None, "offered")], id="subprotocols"),
        pytest.param(capture(headers=drop_header("Sec-WebSocket-Extensions")),
                     [("websocket", "extension", "permessage-deflate", "permessage-deflate; client_max_window_bits", None)],
                     id="extension"),
        pytest.param(capture(headers=set_header("User-Agent", "Mozilla/5.0")),
                     [("user-agent", "header", "User-Agent", "Python/3.12 websockets/17.4", "Mozilla/5.0")], id="user-agent"),
        pytest.param(capture(headers=set_header("X-Trace", ["1", "2"])),
                     [("headers", "header", "X-Trace", None, ["1", "2"])], id="repeated-header"),
        pytest.param(capture(headers=tuple((k.lower(), v) for k, v in BASE_HEADERS)),
                     [("order-case", "header-case", n.lower(), n, n.lower()) for n, _ in BASE_HEADERS],
                     id="header-case-only"),
        pytest.param(capture(headers=(BASE_HEADERS[1], BASE_HEADERS[0], *BASE_HEADERS[2:])),
                     [("order-case", "header-order", None, [k.lower() for k, _ in BASE_HEADERS],
                       ["upgrade", "host", *[k.lower() for k, _ in BASE_HEADERS[2:]]])], id="header-order"),
        pytest.param(capture(endpoint=Endpoint("wss", "tts.example", 8443, sni="tts.example")),
                     [("endpoint", "endpoint", "port", 443, 8443)], id="endpoint-port"),
        # The reason phrase is compared only when the status is the same (test_compare_cases.py).
        pytest.param(capture(status=403), [("response", "status", None, 101, 403)], id="status"),
    ],
)
def test_compare_table(b, expected) -> None:  # type: ignore[no-untyped-def]
    """Each kind of difference is reported once, in its group, with both sides' values."""
    assert sig(capture(), b) == expected


def test_compare_is_symmetric_in_content() -> None:
    """Swapping A and B swaps the values and keeps the set of differences."""
    a, b = capture(), capture(target="/x?voice=echo", headers=set_header("Origin", "https://o"))
    fwd = {(d.kind, d.name, d.a, d.b) for d in compare(a, b).differences}
    back = {(d.kind, d.name, d.b, d.a) for d in compare(b, a).differences}
    assert fwd == back


def test_done_when_pair() -> None:
    """Path, query, an API-key header and Origin: exactly those four, grouped, key hidden."""
    a = capture()
    b = capture(target="/v2/ws?voice=alloy&fmt=pcm", status=403,
                headers=set_header("X-API-Key", "k-123") + (("Origin", "https://app.example"),))
    b = b.replace(redacted=False)
    c = compare(a, b)
    request_side = [(d.group, d.kind, d.name) for d in c.significant if d.group != "response"]
    assert request_side == [
        ("request-line", "path", None),
        ("query", "query-param", "fmt"),
        ("origin", "header", "Origin"),
        ("credentials", "header", "X-API-Key"),
    ]
    key_diff = next(d for d in c.differences if d.name == "X-API-Key")
    assert isinstance(key_diff.b, str) and key_diff.b.startswith("redacted:") and "k-123" not in str(c.to_json())


def test_noise_is_marked_and_hidden() -> None:
    """Sec-WebSocket-Key, Date, timing and client address differ as noise only."""
    a = capture(response_time=0.01, client="127.0.0.1:5000",
                response=Response(101, headers=(("Date", "Mon"), ("Sec-WebSocket-Accept", "x"))))
    b = capture(headers=set_header("Sec-WebSocket-Key", "other=="), response_time=0.02, client="127.0.0.1:6000",
                response=Response(101, headers=(("Date", "Tue"), ("Sec-WebSocket-Accept", "y"))))
    c = compare(a, b)
    assert not c.significant
    assert {d.label for d in c.noise} == {"header Sec-WebSocket-Key", "response-header Date",
                                          "response-header Sec-WebSocket-Accept", "timing", "client"}
    assert c.to_json()["hidden_noise"] == 5 and c.to_json()["differences"] == []
    assert len(c.to_json(show_all=True)["differences"]) == 5


def test_unredacted_credentials_are_fingerprinted() -> None:
    """A capture recorded without redaction still never shows a secret."""
    a = capture(headers=set_header("Authorization", "Bearer s3cret-AAA")).replace(redacted=False)
    b = capture(headers=set_header("Authorization", "Bearer s3cret-BBB")).replace(redacted=False)
    [d] = compare(a, b).significant
    assert d.kind == "header" and d.group == "credentials"
    assert "s3cret" not in repr(d) and str(d.a).startswith("Bearer redacted:")
    same = capture(headers=set_header("Authorization", "Bearer s3cret-AAA")).replace(redacted=False)
    assert not compare(a, same).significant


def test_hints_name_the_mechanism() -> None:
    """uvicorn's bare 403 with an Origin and a path difference gets the Starlette stories: CORS, no route, bare 403."""
    c = compare(capture(), capture(target="/wss?voice=alloy", response=UVICORN_403,
                                   headers=set_header("Origin", "https://x")))
    by = {d.label: d.hints for d in c.significant}
    assert any("CORSMiddleware does not apply" in h for h in by["header Origin"])
    assert any("bare 403, not a 404" in h for h in by["path"])
    assert any("uvicorn turns every refusal" in h for h in by["status"])


def test_hints_keep_to_the_server_that_answered() -> None:
    """The same differences answered by tornado get tornado's story, and no word of uvicorn or FastAPI."""
    tornado = Response(403, "Forbidden", headers=(("Server", "TornadoServer/6.5.10"),
                                                  ("Content-Type", "text/html; charset=UTF-8")),
                       body=b"Cross origin websockets not allowed")
    c = compare(capture(), capture(target="/wss?voice=alloy", response=tornado,
                                   headers=set_header("Origin", "https://x")))
    said = " ".join(h for d in c.significant for h in d.hints)
    assert "check_origin" in said
    assert not any(word in said for word in ("uvicorn", "FastAPI", "Starlette", "CORSMiddleware"))


def test_origin_relation_note() -> None:
    """The Origin difference says whether each Origin is same-origin with Host."""
    b = capture(headers=set_header("Origin", "https://tts.example"))
    c = capture(headers=set_header("Origin", "https://app.example"))
    [d] = compare(b, c).significant
    assert d.note == "A: same origin as Host; B: cross-origin to Host tts.example"


def test_session_differences_after_101() -> None:
    """Who closed, with which code and reason, and the first messages, in their own group."""
    ok = capture(websocket=Session(state="closed", close_code=1000, closed_by="client", duration=1.0,
                                   messages=(Message("server", "text", 20, b'{"type":"audio_format"}', 0.01),)))
    bad = capture(websocket=Session(state="closed", close_code=4003, close_reason="token required",
                                    closed_by="server", duration=0.002))
    got = [(d.kind, d.name, d.a, d.b) for d in compare(ok, bad).significant]
    assert got == [
        ("closed-by", None, "client", "server"),
        ("close-code", None, 1000, 4003),
        ("close-reason", None, "", "token required"),
        ("first-message", "server", "text, 20 bytes", "none"),
    ]
    [code] = [d for d in compare(ok, bad).significant if d.kind == "close-code"]
    assert any("4000-4999" in h for h in code.hints)


def test_first_message_json_members() -> None:
    """Two JSON first messages of the same size name the members that differ."""
    x = capture(websocket=Session(messages=(Message("server", "text", 16, b'{"type":"ready"}', 0.0),)))
    y = capture(websocket=Session(messages=(Message("server", "text", 16, b'{"type":"error"}', 0.0),)))
    [d] = compare(x, y).significant
    assert d.kind == "first-message" and d.note == "JSON members differ: ['type']"


@pytest.mark.parametrize(
    ("response", "who"),
    [
        (UVICORN_403, "uvicorn"),
        (Response(403, headers=(("Content-Length", "0"), ("Connection", "close"))), "the application"),
        (Response(403, headers=(("Server", "cloudflare"), ("CF-Ray", "1"))), "the application behind Cloudflare"),
        (Response(403, headers=(("Server", "cloudflare"), ("CF-Ray", "1")), body=b"<p>Cloudflare Ray ID: 1</p>"),
         "Cloudflare (its own answer)"),
        (Response(502, headers=(("Server", "nginx/1.25"),), body=b"<hr><center>nginx/1.25</center>"),
         "nginx (its own answer)"),
        (Response(101, headers=(("server", "uvicorn"),)), "uvicorn"),
        (Response(502, headers=(("Server", "mitmproxy 12.3.1"),), body=b"<html>...</html>"),
         "mitmproxy (its own answer)"),
    ],
)
def test_responder(response: Response, who: str) -> None:
    """The response tells who answered: the app, a proxy (its own page, or relaying), a CDN."""
    assert responder(capture(response=response)) == who


def test_pathological_pairs_compare_field_by_field() -> None:
    """Empty headers, a garbage target and an error on one side still compare, each oddity named."""
    from wsdiff.model import Failure, Request

    a = capture(request=Request(method="", target="", headers=()), response=None, error=Failure("reset"))
    b = capture(request=Request(target="?&&=&a", headers=(("", ""), (":", "\x00"))))
    c = compare(a, b)
    assert [(d.group, d.kind, d.name, d.a, d.b) for d in c.differences] == [
        ("request-line", "method", None, "", "GET"),
        ("query", "query-param", "", None, ""),
        ("query", "query-param", "a", None, ""),
        ("headers", "header", "", None, ""),
        ("headers", "header", ":", None, "\x00"),
        ("response", "error", None, "reset", None),
        ("response", "status", None, None, 101),
    ]
    assert all(isinstance(d.to_json(), dict) for d in c.differences)
