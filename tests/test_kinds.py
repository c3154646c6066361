"""The registry of difference kinds: every kind complete, and each one compared, applied and worded as declared."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.difference import GROUPS, Difference
from wsdiff.hints import HINTS, HINTS_BY_ID
from wsdiff.kinds import KINDS, Kind, applicable_kinds, group_of
from wsdiff.messages import client_messages
from wsdiff.model import Capture, Endpoint, Failure, Message, Request, Response, Session
from wsdiff.variants import transplant

from helpers import BASE_HEADERS, capture, set_header

SAMPLE_NAMES = [None, "Origin", "Host", "User-Agent", "Authorization", "X-Api-Key", "X-Mode", "token", "voice"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_declares_everything(kind: str) -> None:
    """A kind names its group, how it is compared, how it is applied (or None), its fix wording and its hints."""
    k = KINDS[kind]
    assert isinstance(k, Kind) and k.name == kind
    assert {group_of(kind, n) for n in SAMPLE_NAMES} <= set(GROUPS)
    assert k.compared.strip()
    assert k.apply is None or callable(k.apply)
    d = Difference(group_of(kind, "X-Mode"), kind, "X-Mode", "a-value", "b-value")
    assert k.fix(d).strip()
    assert k.hints <= set(HINTS_BY_ID), f"{kind} names hints that do not exist: {k.hints - set(HINTS_BY_ID)}"


def test_every_hint_can_be_carried() -> None:
    """No hint row is dead: some kind may carry each, and ids are unique."""
    carried = set().union(*(k.hints for k in KINDS.values()))
    assert {h.id for h in HINTS} == carried
    assert len(HINTS_BY_ID) == len(HINTS)


def test_unknown_kind_is_refused() -> None:
    """A difference of a kind the registry lacks cannot be made: compare cannot emit it silently."""
    with pytest.raises(KeyError):
        group_of("header-colour", None)


BAD_REQUEST = Request(target="/v2/ws?voice=echo&token=t2&format=pcm", http_version="HTTP/1.0", method="POST",
                      headers=(*set_header("Origin", "https://evil.example"), ("Cookie", "sid=2; theme=dark"),
                               ("Sec-WebSocket-Protocol", "tts.v2, json"), ("X-Mode", "legacy"),
                               ("Authorization", "Bearer other")))

def said(*texts: str | bytes) -> Capture:
    """An accepted capture whose client sent *texts* after the 101 (bytes: a binary message)."""
    messages = tuple(Message("client", "binary" if isinstance(t, bytes) else "text", len(t),
                             t if isinstance(t, bytes) else t.encode(), 0.01 * i) for i, t in enumerate(texts, 1))
    return capture(websocket=Session("observed", messages=messages))


# One row per kind that can be applied: a GOOD and a BAD that differ in it.
APPLIED = {
    "endpoint": (capture(), capture(endpoint=Endpoint("wss", "tts.example", 8443, sni="tts.example"))),
    "method": (capture(), capture().replace(request=capture().request.replace(method="POST"))),
    "path": (capture(), capture(target="/v2/ws?voice=alloy")),
    "http-version": (capture(), capture().replace(request=capture().request.replace(http_version="HTTP/1.0"))),
    "query-param": (capture(), capture(target="/ws?voice=echo")),
    "header": (capture(), capture(headers=set_header("X-Mode", "legacy"))),
    "cookie": (capture(headers=set_header("Cookie", "a=1; b=2")), capture(headers=set_header("Cookie", "a=1; b=3"))),
    "subprotocol": (capture(), capture(headers=set_header("Sec-WebSocket-Protocol", "tts.v1"))),
    "extension": (capture(), capture(headers=set_header("Sec-WebSocket-Extensions", "x-webkit-deflate-frame"))),
    "message": (said("hello", '{"a": 1}'), said(b"\x00\x01", '{"a": 1}', "more")),
    "message-field": (said('{"type": "auth", "token": "t1", "v": 2}'), said('{"type": "auth", "v": 3}')),
}


def test_applied_table_covers_every_applicable_kind() -> None:
    """The table above has a row for every kind the registry says can be applied."""
    assert set(APPLIED) == applicable_kinds()


@pytest.mark.parametrize("kind", sorted(APPLIED))
def test_each_applicable_kind_is_found_and_transplanted(kind: str) -> None:
    """Compare finds the kind; transplanting it makes GOOD equal to BAD, and BAD equal to GOOD, in that kind."""
    good, bad = APPLIED[kind]
    found = [d for d in compare(good, bad).significant if d.kind == kind]
    assert found, f"compare does not report a {kind} difference"
    forward = transplant(good, bad, found)
    back = transplant(bad, good, found)
    assert not [d for d in compare(forward, bad).significant if d.kind == kind]
    assert not [d for d in compare(back, good).significant if d.kind == kind]
    assert forward.request == bad.request and forward.endpoint == bad.endpoint
    assert client_messages(forward) == client_messages(bad) and client_messages(back) == client_messages(good)


def test_facts_about_the_answer_cannot_be_applied() -> None:
    """Status, response headers and what happened after the 101 are not variants: transplant refuses them."""
    from wsdiff.errors import VariantError

    a = capture()
    b = capture(status=403)
    [status] = [d for d in compare(a, b).significant if d.kind == "status"]
    assert not status.applicable
    with pytest.raises(VariantError, match="a status difference cannot be applied"):
        transplant(a, b, [status])


def test_every_kind_compare_emits_is_registered() -> None:
    """A pair that differs in nearly everything yields only registered kinds, in their declared groups."""
    a = capture(headers=(*BASE_HEADERS, ("Origin", "https://app.example"), ("Cookie", "sid=1; theme=dark"),
                         ("Sec-WebSocket-Protocol", "tts.v1, json"), ("Authorization", "Bearer x")),
                websocket=Session("closed", 1000, "", "client", 1.0,
                                  (Message("server", "text", 9, b'{"ok": 1}', 0.01),)),
                response_time=0.01, client="127.0.0.1:5000")
    b = Capture(Endpoint("ws", "tts.example", 8080), BAD_REQUEST,
                response=Response(403, "Forbidden", headers=(("Server", "nginx"),), body=b"no"),
                error=None, response_time=0.02, client="127.0.0.1:6000", redacted=True)
    c = b.replace(response=None, error=Failure("refused", "nothing listens"))
    kinds = set()
    for x, y in ((a, b), (a, c), (b, c)):
        for d in compare(x, y).differences:
            assert d.kind in KINDS and d.group == group_of(d.kind, d.name)
            kinds.add(d.kind)
    assert {"endpoint", "method", "path", "http-version", "query-param", "header", "cookie", "subprotocol",
            "status", "error", "response-header", "body"} <= kinds
