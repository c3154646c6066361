"""Hints: each one on the differences it explains, and on no other (texts matched back to their ids)."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.difference import Difference
from wsdiff.hints import HINTS, HINTS_BY_ID, hints_for
from wsdiff.model import Capture, Endpoint, Message, Response, Session

from helpers import BASE_HEADERS, capture, set_header

ID_BY_TEXT = {h.text: h.id for h in HINTS}


def hint_ids(a: Capture, b: Capture) -> dict[str, set[str]]:
    """Return the hint ids of each significant difference, by label."""
    return {d.label: {ID_BY_TEXT[t] for t in d.hints} for d in compare(a, b).significant}


OK = capture()
REJECTED = capture(status=403)
NOT_FOUND = capture(status=404)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(OK, capture(headers=set_header("Authorization", "redacted:0000000000000001"), status=403),
                     {"header Authorization": {"credentials"}}, id="credential-header-403"),
        pytest.param(OK, capture(headers=set_header("Cookie", "sid=redacted:0000000000000001"), status=403),
                     {"cookie sid": {"credentials"}}, id="cookie-403"),
        pytest.param(OK, capture(target="/ws?voice=alloy&token=redacted:0000000000000001", status=403),
                     {"query-param token": {"credentials"}}, id="credential-param-403"),
        pytest.param(OK, capture(headers=set_header("X-Mode", "legacy"), status=403),
                     {"header X-Mode": set()}, id="plain-header-no-hint"),
        pytest.param(OK, capture(headers=set_header("Authorization", "redacted:0000000000000001")),
                     {"header Authorization": set()}, id="credential-both-accepted-no-hint"),
        pytest.param(capture(status=404), capture(headers=set_header("Cookie", "sid=redacted:0000000000000001"),
                                                  status=403),
                     {"cookie sid": {"credentials"}}, id="404-and-403-the-refused-side-is-b"),
        pytest.param(OK, capture(headers=set_header("Origin", "https://app.example"), status=403),
                     {"header Origin": {"origin"}}, id="origin"),
        pytest.param(OK, capture(headers=set_header("Host", "other.example"), status=400),
                     {"header Host": {"host"}}, id="host"),
        pytest.param(OK, capture(headers=set_header("User-Agent", "app/1"), status=403),
                     {"header User-Agent": {"user-agent"}}, id="user-agent-403"),
        pytest.param(OK, capture(headers=set_header("User-Agent", "app/1")),
                     {"header User-Agent": set()}, id="user-agent-accepted-no-hint"),
        pytest.param(OK, capture(headers=set_header("Sec-WebSocket-Version", "8"), status=426),
                     {"header Sec-WebSocket-Version": {"websocket-version"}}, id="version"),
        pytest.param(OK, capture(headers=set_header("Sec-WebSocket-Extensions", "x-webkit-deflate-frame")),
                     {"extension permessage-deflate": {"extension"}, "extension x-webkit-deflate-frame": {"extension"}},
                     id="extension"),
        pytest.param(OK, capture(headers=tuple(reversed(BASE_HEADERS))), {"header-order": {"order-case"}},
                     id="header-order"),
        pytest.param(OK, capture(headers=(("host", "tts.example"), *BASE_HEADERS[1:])), {"header-case host": {"order-case"}},
                     id="header-case"),
        pytest.param(OK, capture().replace(request=capture().request.replace(http_version="HTTP/2")),
                     {"http-version": {"http2"}}, id="http2"),
    ],
)
def test_request_hints(a: Capture, b: Capture, expected: dict[str, set[str]]) -> None:
    """A difference carries exactly the hints whose mechanism fits it and the two outcomes."""
    got = hint_ids(a, b)
    assert {k: v for k, v in got.items() if k in expected} == expected


@pytest.mark.parametrize(
    ("code", "hint"),
    [(1008, "close-1008"), (1011, "close-1011"), (4003, "close-4xxx"), (4000, "close-4xxx"), (4999, "close-4xxx"),
     (3000, None), (5000, None), (1001, None)],
)
def test_close_code_hints(code: int, hint: str | None) -> None:
    """A close code after the 101 gets the hint for its range only."""
    a = capture(websocket=Session("closed", 1000, "", "client", 1.0))
    b = capture(websocket=Session("closed", code, "", "server", 1.0))
    got = hint_ids(a, b)["close-code"]
    assert got == ({hint} if hint else set())


def test_first_message_hint() -> None:
    """A first server message that differs points at replay --expect-message."""
    a = capture(websocket=Session(messages=(Message("server", "text", 2, b"ok", 0.0),)))
    b = capture(websocket=Session(messages=(Message("server", "text", 5, b"error", 0.0),)))
    assert hint_ids(a, b)["first-message server"] == {"first-message"}


def test_noise_carries_no_hint() -> None:
    """Noise is never explained: a differing nonce has no hint even where a rule would match."""
    c = compare(OK, capture(headers=set_header("Sec-WebSocket-Key", "b3RoZXI="), status=403))
    assert [d.hints for d in c.noise] == [()]


def test_names_and_groups_filter() -> None:
    """A name rule matches without case; a group rule needs the group."""
    pair = (capture(), capture(status=403))
    origin = Difference("origin", "header", "ORIGIN", None, "https://x")
    assert hints_for(origin, *pair) == (HINTS_BY_ID["origin"].text,)
    not_credentials = Difference("headers", "header", "X-Mode", None, "1")
    assert hints_for(not_credentials, *pair) == ()
    credentials = Difference("credentials", "header", "X-Mode", None, "1")
    assert hints_for(credentials, *pair) == (HINTS_BY_ID["credentials"].text,)


def test_endpoint_differences_have_no_hint() -> None:
    """Where the client connected is told plainly, without a hint."""
    assert hint_ids(OK, capture(endpoint=Endpoint("wss", "tts.example", 8443, sni="tts.example"),
                                status=403))["endpoint port"] == set()


def _hint_words() -> dict[str, dict[str, list[str]]]:
    """Every hint text, as shown, for every recorded refusal against its accepted twin (test_responders.py's pairs)."""
    import re

    from test_responders import INDEX, load

    fingerprint = re.compile(r"redacted:[0-9a-f]{16}")
    out: dict[str, dict[str, list[str]]] = {}
    for stem, row in sorted(INDEX.items()):
        if not row.get("compare_with"):
            continue
        c = compare(load(row["compare_with"].removesuffix(".json")), load(stem))
        shown = {d.label: [fingerprint.sub("redacted:<fingerprint>", h) for h in d.hints] for d in c.significant
                 if d.hints}
        if shown:
            out[stem] = shown
    return out


def test_hint_words_for_every_recorded_refusal() -> None:
    """The words each recorded refusal gets, quoting its own body or headers where a hint does, as reviewed.

    A deliberate change is reviewed in the snapshot's diff: regenerate with
    ``WSDIFF_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_hints.py -k words`` and commit both.
    """
    import json
    import os
    from pathlib import Path

    path = Path(__file__).resolve().parent / "snapshots" / "hints.json"
    words = _hint_words()
    if os.environ.get("WSDIFF_UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(words, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert words == json.loads(path.read_text(encoding="utf-8"))


def test_who_answered_every_recorded_capture() -> None:
    """Who answered each recorded capture, how sure, and the evidence read, as reviewed (tests/snapshots/).

    A deliberate change is reviewed in the snapshot's diff: regenerate with
    ``WSDIFF_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_hints.py -k who_answered`` and commit both.
    """
    import json
    import os
    from pathlib import Path

    from test_responders import INDEX, load
    from wsdiff.responder import identify, responder

    seen = {stem: {**identify(load(stem)).to_json(), "str": str(identify(load(stem))), "line": responder(load(stem))}
            for stem in sorted(INDEX)}
    path = Path(__file__).resolve().parent / "snapshots" / "responders.json"
    if os.environ.get("WSDIFF_UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(seen, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert seen == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("extra", [0, 1, 40])
def test_who_answered_is_read_once_per_comparison(monkeypatch: pytest.MonkeyPatch, extra: int) -> None:
    """compare reads who answered each side once (a, then b), however many differences it hints: 8,000 headers
    stay quick."""
    import wsdiff.hints

    read: list[Capture] = []
    identify = wsdiff.hints.identify
    monkeypatch.setattr(wsdiff.hints, "identify", lambda c: read.append(c) or identify(c))
    headers = tuple((f"X-H{i}", str(i)) for i in range(extra))
    c = compare(OK, capture(headers=(*BASE_HEADERS, *headers), status=403))
    assert [d.label for d in c.significant if d.kind == "header"] == [f"header X-H{i}" for i in range(extra)]
    assert read == [c.a, c.b]
