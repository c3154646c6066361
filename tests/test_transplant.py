"""Transplanting differences keeps wire order: what moves lands where the source sends it, the rest stays put."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.model import Capture, Headers
from wsdiff.variants import transplant

from helpers import BASE_HEADERS, capture

HOST, UPGRADE, CONNECTION, KEY, VERSION, EXTENSIONS, USER_AGENT = BASE_HEADERS


def _with(*headers: tuple[str, str]) -> Headers:
    return tuple(headers)


# BAD sends one thing more than GOOD (BASE_HEADERS), at a place in the middle of its headers.
CASES = {
    "origin-after-host": _with(HOST, ("Origin", "https://app.example"), UPGRADE, CONNECTION, KEY, VERSION,
                               EXTENSIONS, USER_AGENT),
    "header-first": _with(("X-Mode", "legacy"), HOST, UPGRADE, CONNECTION, KEY, VERSION, EXTENSIONS, USER_AGENT),
    "cookie-before-user-agent": _with(HOST, UPGRADE, CONNECTION, KEY, VERSION, EXTENSIONS, ("Cookie", "sid=1"),
                                      USER_AGENT),
    "subprotocol-before-version": _with(HOST, UPGRADE, CONNECTION, KEY, ("Sec-WebSocket-Protocol", "tts.v1"),
                                        VERSION, EXTENSIONS, USER_AGENT),
    "repeated-header-in-the-middle": _with(HOST, UPGRADE, ("X-Trace", "1"), ("X-Trace", "2"), CONNECTION, KEY,
                                           VERSION, EXTENSIONS, USER_AGENT),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_new_header_lands_at_its_place(case: str) -> None:
    """GOOD + BAD's extra header equals BAD field for field, in order; BAD - it equals GOOD."""
    good = capture()
    bad = capture(headers=CASES[case])
    diffs = [d for d in compare(good, bad).significant if d.applicable]
    assert len(diffs) == 1, diffs
    assert transplant(good, bad, diffs).request.headers == bad.request.headers
    assert transplant(bad, good, diffs).request.headers == good.request.headers


def test_a_changed_header_keeps_its_place_and_spelling() -> None:
    """A value that differs is replaced where the target has it, keeping the target's spelling."""
    good = capture(headers=(HOST, ("user-agent", "script/1"), UPGRADE, CONNECTION, KEY, VERSION))
    bad = capture(headers=(HOST, UPGRADE, CONNECTION, KEY, VERSION, ("User-Agent", "app/2")))
    [d] = [d for d in compare(good, bad).significant if d.kind == "header"]
    assert transplant(good, bad, [d]).request.headers == (
        HOST, ("user-agent", "app/2"), UPGRADE, CONNECTION, KEY, VERSION)


@pytest.mark.parametrize(
    ("good_target", "bad_target"),
    [
        ("/ws?a=1&b=2", "/ws?a=1&x=9&b=2"),
        ("/ws?a=1&b=2", "/ws?x=9&a=1&b=2"),
        ("/ws?a=1&b=2", "/ws?a=1&b=2&x=9"),
        ("/ws", "/ws?x=9"),
        ("/ws?a=1&x=1&b=2", "/ws?a=1&x=1&x=2&b=2"),
    ],
)
def test_a_query_parameter_lands_at_its_place(good_target: str, bad_target: str) -> None:
    """One parameter moves alone, to where the source has it; removing it gives GOOD's query back."""
    good, bad = capture(target=good_target), capture(target=bad_target)
    [d] = compare(good, bad).significant
    assert transplant(good, bad, [d]).request.target == bad_target
    assert transplant(bad, good, [d]).request.target == good_target


def test_one_cookie_of_several_moves_alone() -> None:
    """A cookie that differs is set in place; the other cookies keep their order and values."""
    good = capture(headers=(*BASE_HEADERS, ("Cookie", "a=1; sid=old; z=9")))
    bad = capture(headers=(*BASE_HEADERS, ("Cookie", "a=2; sid=new; z=9")))
    sid = next(d for d in compare(good, bad).significant if d.name == "sid")
    moved: Capture = transplant(good, bad, [sid])
    assert moved.request.header("Cookie") == "a=1; sid=new; z=9"
    assert moved.request.headers[:-1] == BASE_HEADERS
