"""Properties of compare and transplant over generated handshakes (hypothesis).

The generated requests lean on what real clients vary: Origin, Host, cookies,
credentials, subprotocols, extensions, repeated headers, query strings, with
values drawn from the characters that the parsers split on.
"""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from wsdiff.diff import compare
from wsdiff.model import Capture, Endpoint, Request, Response
from wsdiff.variants import transplant
from wsdiff.view import render_comparison

NAMES = ["Host", "Origin", "Cookie", "Authorization", "X-API-Key", "User-Agent", "Sec-WebSocket-Protocol",
         "Sec-WebSocket-Extensions", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "X-Trace", "Accept"]
# Letters plus what cookie, token and extension parsers split on.
TEXT = st.text(st.sampled_from("abcAB0=;, \"/:.%-"), max_size=12) | st.sampled_from([
    "permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=10, permessage-deflate",
    "chat, superchat", "session=a; session=b", "Bearer abc", "http://localhost:3000"])
name = st.sampled_from(NAMES) | st.text(st.sampled_from("xyzXYZ-"), min_size=1, max_size=6)
headers = st.lists(st.tuples(name, TEXT), max_size=8).map(tuple)
query = st.none() | st.lists(st.tuples(st.sampled_from(["a", "b", "token", "v"]), st.text("xy1=", max_size=3)),
                             max_size=4).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
path = st.sampled_from(["/", "/ws", "/ws/", "/v1/tts"])


@st.composite
def captures(draw: st.DrawFn) -> Capture:
    q = draw(query)
    status = draw(st.sampled_from([101, 400, 403, 404, 500, None]))
    return Capture(
        endpoint=Endpoint(draw(st.sampled_from(["ws", "wss"])), draw(st.sampled_from(["tts.example", "127.0.0.1"])),
                          draw(st.sampled_from([443, 8000]))),
        request=Request(target=draw(path) + (f"?{q}" if q is not None else ""), headers=draw(headers)),
        response=Response(status, body=draw(st.binary(max_size=8))) if status else None,
        label=draw(st.sampled_from(["a", "b"])),
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(captures())
def test_a_capture_equals_itself(a: Capture) -> None:
    assert compare(a, a).significant == ()


@SETTINGS
@given(captures(), captures())
def test_compare_is_symmetric_and_serialisable(a: Capture, b: Capture) -> None:
    """Swapping the sides swaps the values and keeps the set of differences; every result is JSON and renders.

    Header names compare without case: a difference is named as side A spells it.
    """
    ab, ba = compare(a, b), compare(b, a)
    assert sorted((d.group, d.kind, str(d.name).lower(), json.dumps([d.a, d.b])) for d in ab.differences) == \
        sorted((d.group, d.kind, str(d.name).lower(), json.dumps([d.b, d.a])) for d in ba.differences)
    doc = ab.to_json(show_all=True)
    assert json.loads(json.dumps(doc)) == doc and len(doc["differences"]) == len(ab.differences)
    out = io.StringIO()
    Console(file=out, width=100).print(render_comparison(ab, show_all=True))
    assert out.getvalue().startswith(f"A {a.label}: ")


@SETTINGS
@given(captures(), captures())
def test_transplanting_every_difference_leaves_none(a: Capture, b: Capture) -> None:
    """What bisect relies on: applying all of B's applicable differences to A leaves none to apply.

    Differences apply to the captures as compared (redacted: a secret-looking
    subprotocol is named by its fingerprint), as bisect applies them.
    """
    c = compare(a, b)
    applicable = [d for d in c.differences if d.applicable]
    moved = transplant(c.a, c.b, applicable)
    assert [d.label for d in compare(moved, c.b).differences if d.applicable] == []
