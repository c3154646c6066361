"""Redaction remembers the values it gave back unchanged; that memory never changes what it finds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsdiff import redact
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session
from wsdiff.redact import redact_capture

KEY = b"k" * 32


@pytest.fixture(autouse=True)
def _empty_memory() -> None:
    redact._UNCHANGED.clear()
    redact._MEMO.clear()


def fresh(capture: Capture) -> tuple[Capture, dict]:
    """Redact with nothing remembered from before."""
    redact._UNCHANGED.clear()
    redact._MEMO.clear()
    return redact_capture(capture, KEY)


def test_a_value_left_alone_in_one_place_is_still_redacted_in_another() -> None:
    """The same value passes as X-Trace but is a credential as X-API-Key, in the next capture."""
    value = "s3cr3t-v4lue-9f8e7d"
    a = Capture(Endpoint("ws", "h", 80), Request(headers=(("X-Trace", value),)))
    b = Capture(Endpoint("ws", "h", 80), Request(headers=(("X-API-Key", value),)))
    out_a, found_a = redact_capture(a, KEY)
    assert out_a.request.headers == (("X-Trace", value),) and not found_a
    assert ("header X-Trace", value) in redact._UNCHANGED
    out_b, found_b = redact_capture(b, KEY)
    assert value not in str(out_b.request.headers) and [s.value for s in found_b.values()] == [value]


def test_changed_values_and_long_ones_are_not_remembered() -> None:
    """Only values given back as they were, and short enough, are kept; the memory stays bounded."""
    body = b"x" * 600
    c = Capture(Endpoint("ws", "h", 80), Request(target="/ws?token=abc", headers=(("User-Agent", "ua/1"),)),
                Response(403, "Forbidden", body=body))
    redact_capture(c, KEY)
    places = {place for place, _ in redact._UNCHANGED}
    assert "header User-Agent" in places and "response body" not in places
    assert not any(text == "abc" for _, text in redact._UNCHANGED)
    for i in range(redact._UNCHANGED_SIZE + 10):
        redact_capture(Capture(Endpoint("ws", "h", 80), Request(headers=(("User-Agent", f"ua/{i}"),))), KEY)
    assert len(redact._UNCHANGED) <= redact._UNCHANGED_SIZE


names = st.sampled_from(["Authorization", "Cookie", "X-API-Key", "User-Agent", "Origin", "X-Trace", "Set-Cookie",
                         "Sec-WebSocket-Protocol", "Host", "Sec-WebSocket-Key"])
values = st.one_of(
    st.sampled_from(["Bearer abc.def", "a=1; sid=zz", "tok-12345678", "Mozilla/5.0", "token=abc&x=1",
                     "eyJhbGciOiJIUzI1NiJ9.e30.sig", "https://u:p@h/", "tts.v1, bearer.tok"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=24),
)
headers = st.lists(st.tuples(names, values), max_size=6).map(tuple)
heads = st.one_of(st.sampled_from([b'{"token": "abc"}', b'{"type": "x"}', b"password=hunter22"]),
                  st.binary(max_size=40))
captures = st.builds(
    lambda target, req, resp, heads: Capture(
        Endpoint("ws", "h.example", 80), Request(target=target, headers=req), Response(101, "OK", headers=resp),
        websocket=Session(messages=tuple(Message("client", "text", len(h), h, 0.0) for h in heads))),
    st.sampled_from(["/", "/ws?token=abc", "/ws?voice=x", "/a/tok-12345678"]), headers, headers,
    st.lists(heads, max_size=3),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(captures, min_size=1, max_size=6))
def test_remembering_changes_nothing(sequence: list[Capture]) -> None:
    """Each capture of a sequence, redacted after the ones before it, gives what it gives redacted afresh."""
    expected = [fresh(c) for c in sequence]
    redact._UNCHANGED.clear()
    for c, (out, found) in zip(sequence, expected, strict=True):
        redact._MEMO.clear()  # the identity memo is another matter: only the unchanged values are shared
        got_out, got_found = redact_capture(c, KEY)
        assert got_out == out and got_found == found
