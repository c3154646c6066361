"""The writer's direct encoder (Capture straight to bytes) against build_document + dumps_document, byte for byte."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mitmproxy.test import tflow
from wsproto.frame_protocol import CloseReason

from wsdiff.capture_json import dumps_capture
from wsdiff.document import build_document, dumps_document, parse_document
from wsdiff.errors import CaptureError
from wsdiff.model import Capture
from wsdiff.recording.snapshot import capture_from_snapshot, flow_snapshot
from wsdiff.redact import redact_capture

KEY = b"k" * 32
T0 = 1795623630.1866658


def general(capture: Capture) -> bytes:
    return dumps_document(build_document(capture))


def upgrade(**kw: object) -> object:
    f = tflow.tflow(**kw)  # type: ignore[arg-type]
    f.request.headers["Upgrade"] = "websocket"
    f.request.headers["Connection"] = "Upgrade"
    return f


def browser_like() -> tuple:
    """A Chromium-like snapshot with every kind of credential, accepted, closed after some messages."""
    messages = (
        (True, True, b'{"type":"auth","token":"tok-1","nested":{"api_key":"abc"}}', 58, T0 + 0.02),
        (False, True, '{"type":"hello","text":"h\u00e9llo \\"quoted\\""}'.encode(), 40, T0 + 0.03),
        (False, False, bytes(range(200)), 4000, T0 + 0.04),
        (True, True, b"\xff\xfe not utf-8 token", 19, T0 + 0.05),
    )
    return (
        True, "tts.example", 443, "tts.example", "GET", b"/v1/stream?voice=alloy&api_key=k1&sig&format=pcm",
        "HTTP/1.1",
        ((b"Host", b"tts.example"), (b"Connection", b"Upgrade"), (b"Upgrade", b"websocket"),
         (b"Origin", b"http://localhost:3000"), (b"Cookie", b"sid=s1; theme=dark;; =x; a= spaced "),
         (b"Authorization", b"Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"), (b"X-Latin", b"caf\xe9 \x7f\x1b \"q\" \\"),
         (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="), (b"Sec-WebSocket-Protocol", b"tts.v1, tts.v2")),
        T0,
        (101, "Switching Protocols", "HTTP/1.1",
         ((b"Upgrade", b"websocket"), (b"Set-Cookie", b"sid=new1; Path=/; HttpOnly"), (b"server", b"uvicorn")),
         b"", 0, T0 + 0.01, T0 + 0.011),
        None, (messages, 12, 1000, "bye", False, T0 + 1.5), ("::1", 40000), "regular",
        "9f0e5a1c-1111-4e31-af5f-000000000001", "app", False, "closed", None,
    )


def realistic() -> list[tuple[str, Capture]]:
    rejected = upgrade(resp=True)
    rejected.request.path = "/ws?voice=alloy&token=abc&api_key="
    rejected.request.headers["X-API-Key"] = "k-123"
    rejected.response.status_code = 403
    rejected.response.content = b"forbidden"
    accepted = upgrade(resp=True, ws=True)
    accepted.response.status_code = 101
    accepted.websocket.close_code = CloseReason.POLICY_VIOLATION
    refused = upgrade()
    refused.error = tflow.terr("[Errno 111] Connect call failed ('127.0.0.1', 9)")
    binary = upgrade(resp=True)
    binary.response.content = bytes(range(256)) * 20  # not UTF-8, and longer than what is kept
    cases = [("rejected", flow_snapshot(rejected, label="failing")), ("refused", flow_snapshot(refused)),
             ("binary body", flow_snapshot(binary)), ("browser-like", browser_like()),
             ("reverse", flow_snapshot(rejected, host_rewritten=True, mode="reverse:http://127.0.0.1:1"))]
    end = accepted.response.timestamp_end
    cases += [(f"accepted {state}", flow_snapshot(accepted, session_state=state, now=end + 2))
              for state in ("open", "closed", "observed")]
    out = []
    for name, snap in cases:
        capture = capture_from_snapshot(snap)
        out += [(name, capture), (f"{name}, redacted", redact_capture(capture, KEY)[0])]
    return out


@pytest.mark.parametrize(("name", "capture"), realistic())
def test_direct_encoder_writes_what_the_document_path_writes(name: str, capture: Capture) -> None:
    """Realistic captures, as recorded and as redacted: the same bytes, which parse back to the capture."""
    data = dumps_capture(capture)
    assert data == general(capture)
    assert parse_document(json.loads(data)) == capture


@pytest.mark.parametrize("odd", [math.nan, math.inf, -math.inf, 2**70, True, 1.0])
def test_numbers_json_spells_its_own_way_are_written_as_before(odd: object) -> None:
    """Times that are not finite floats, ints beyond 64 bits, a bool where a number goes: json's spelling."""
    c = capture_from_snapshot(browser_like())
    assert c.websocket is not None and c.response is not None
    c = replace(c, started=odd, response_time=odd, endpoint=replace(c.endpoint, port=odd),
                websocket=replace(c.websocket, duration=odd, close_code=odd,
                                  messages=tuple(replace(m, at=odd, size=odd) for m in c.websocket.messages)),
                response=replace(c.response, status=odd))
    assert dumps_capture(c) == general(c)


def test_extra_members_and_undeclared_types_take_the_general_path() -> None:
    """Members the model does not know are written where build_document puts them; bytes in headers fail alike."""
    c = replace(capture_from_snapshot(browser_like()), extra={"note": ["kept", 1], "zz": {"a": None}})
    assert dumps_capture(c) == general(c)
    odd = replace(c, extra={}, request=replace(c.request, headers=((b"Host", "x"),)))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        general(odd)
    with pytest.raises(TypeError):
        dumps_capture(odd)


# --- generated captures, from snapshots in flow_snapshot's layout -------------------------------------------------

CREDENTIAL_NAMES = [b"Authorization", b"Cookie", b"Set-Cookie", b"X-API-Key", b"Sec-WebSocket-Key", b"api_key"]
texts = st.text(max_size=30)
latin1 = st.binary(max_size=40)
fields = st.lists(st.tuples(st.one_of(st.sampled_from(CREDENTIAL_NAMES), latin1),
                            st.one_of(latin1, st.sampled_from([b"Bearer abc", b"a=1; b=2", b"eyJhbGciOi.e30.x"]))),
                  max_size=8).map(tuple)
times = st.floats(min_value=1.0, max_value=4e9, allow_nan=False)
heads = st.one_of(st.binary(max_size=64), st.builds(lambda v: f'{{"token": "{v}", "x": 1}}'.encode(),
                                                     st.text(alphabet=st.characters(blacklist_characters='"\\'),
                                                             max_size=12)))
message = st.tuples(st.booleans(), st.booleans(), heads, st.integers(0, 10**6), times)
session = st.tuples(st.lists(message, max_size=8).map(tuple), st.integers(0, 50), st.none() | st.integers(0, 4999),
                    st.none() | texts, st.none() | st.booleans(), st.none() | times)
response = st.tuples(st.integers(100, 999), texts, st.sampled_from(["HTTP/1.1", "HTTP/1.0"]), fields,
                     st.binary(max_size=300), st.integers(0, 5000), times, st.none() | times)
snapshots = st.tuples(
    st.booleans(), texts, st.integers(1, 65535), st.none() | texts, texts, latin1, st.just("HTTP/1.1"), fields,
    times, st.none() | response, st.none() | texts, st.none() | session,
    st.none() | st.tuples(st.sampled_from(["127.0.0.1", "::1"]), st.integers(0, 65535)),
    st.none() | texts, texts, texts, st.booleans(), st.sampled_from(["open", "closed", "observed"]), st.none() | times,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots, st.booleans())
@example(browser_like(), True)
def test_direct_encoder_equals_the_document_path_on_generated_captures(snap: tuple, redact: bool) -> None:
    """Any capture a snapshot gives, redacted or not: the same bytes, which parse back to it."""
    capture = capture_from_snapshot(snap)
    if redact:
        capture = redact_capture(capture, KEY)[0]
    data = dumps_capture(capture)
    assert data == general(capture)
    try:
        assert parse_document(json.loads(data)) == capture
    except CaptureError:
        pass  # the loader refuses what no sound handshake holds (an empty host, NUL in a header): the same bytes


@pytest.mark.parametrize(("name", "capture"), realistic())
def test_the_direct_path_needs_no_fallback(name: str, capture: Capture) -> None:
    """Every declared type is written by the direct encoder itself (the general path is only a fallback)."""
    from wsdiff.capture_json import _dumps

    assert _dumps(capture) == general(capture)


@pytest.mark.parametrize("odd", [math.nan, math.inf, -math.inf, 2**70, True, 1.0, 0.25, -3])
def test_the_direct_path_writes_odd_numbers_itself(odd: object) -> None:
    """Numbers json spells its own way are written by the direct encoder, as the general path writes them."""
    from wsdiff.capture_json import _dumps

    c = capture_from_snapshot(browser_like())
    c = replace(c, started=odd, response_time=odd)
    assert _dumps(c) == general(c)
