"""Choosing the pair wsdiff why explains: table tests of the pure ranking."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from wsdiff.model import Endpoint, Failure, Session
from wsdiff.pairing import (Candidate, NoPairError, best_match, choose_pair, clock, is_accepted, is_rejected,
                            path_distance, request_differences)
from wsdiff.redact import redact_capture

from helpers import capture, set_header

T0 = 1_790_000_000.0  # a fixed moment; candidates are placed relative to it


def c(name: str, when: float, status: int | None = 101, **changes: object) -> Candidate:
    return Candidate(name, capture(status=status, label=name, **changes), T0 + when)


OTHER_PORT = Endpoint("wss", "tts.example", 8443, sni="tts.example")
OTHER_HOST = Endpoint("wss", "api.example", 443, sni="api.example")


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("/ws", "/ws", 0),
        ("/ws", "/ws/", 1),  # a trailing slash is one (empty) segment
        ("/ws", "/ws/ws", 1),
        ("/v1/ws", "/v2/ws", 4),
        ("/", "/ws", 1),
        ("/a/b/c", "/x", 4),
        ("/a/b/c", "/a/b/d", 2),  # two shared segments, one apart on each side
        ("/v1/ws/x", "/v1/ws/x/y", 1),
    ],
)
def test_path_distance(a: str, b: str, distance: int) -> None:
    """Paths are compared by segments: what they share from the start counts."""
    assert path_distance(a, b) == distance == path_distance(b, a)


@pytest.mark.parametrize(
    ("cand", "accepted", "rejected"),
    [
        (c("ok", 0), True, False),
        (c("no", 0, status=403), False, True),
        (c("late", 0, websocket=Session("closed", 4003, "token required", "server")), False, True),
        (c("bye", 0, websocket=Session("closed", 1000, "", "server")), True, False),
        (c("going-away", 0, websocket=Session("closed", 1001, "", "server")), True, False),
        (c("protocol-error", 0, websocket=Session("closed", 1002, "", "server")), False, True),
        (c("client-closed", 0, websocket=Session("closed", 4000, "", "client")), True, False),
        (c("refused", 0, status=None, error=Failure("refused")), False, False),
    ],
)
def test_accepted_and_rejected(cand: Candidate, accepted: bool, rejected: bool) -> None:
    """A server close with an error code after the 101 is a rejection; no answer at all is neither."""
    assert (is_accepted(cand.capture), is_rejected(cand.capture)) == (accepted, rejected)


BAD = c("bad", 100, status=403, target="/ws/ws?voice=alloy", headers=set_header("Origin", "https://app.example"))


@pytest.mark.parametrize(
    ("candidates", "chosen"),
    [
        # The same endpoint beats a closer path on another port.
        ([c("port", 50, target="/ws/ws?voice=alloy", endpoint=OTHER_PORT), c("same", 10)], "same"),
        # Among the same endpoint, the closest path.
        ([c("far", 50, target="/api/v1?voice=alloy"), c("near", 10)], "near"),
        # Same endpoint and path: the fewest differences, even if older.
        ([c("more", 50, target="/ws/ws?voice=alloy&x=1"), c("fewer", 10, target="/ws/ws?voice=alloy")], "fewer"),
        # Everything equal: the most recent.
        ([c("old", 10), c("new", 50), c("mid", 30)], "new"),
        # Another port only: still the same host, so it is chosen.
        ([c("port", 50, endpoint=OTHER_PORT), c("other-host", 60, endpoint=OTHER_HOST)], "port"),
        # Rejected and unanswered attempts are never the good one.
        ([c("rejected", 60, status=403), c("dead", 70, status=None, error=Failure("refused")), c("ok", 1)], "ok"),
    ],
)
def test_best_accepted_match(candidates: list[Candidate], chosen: str) -> None:
    """Same endpoint first, then the closest path, then the fewest differences, then the most recent."""
    pair = choose_pair([*candidates, BAD])
    assert pair.good.name == chosen and pair.bad is BAD
    assert best_match(BAD.capture, candidates).name == chosen  # type: ignore[union-attr]


def test_latest_rejected_is_the_bad_one() -> None:
    """With no FAILING named, the latest rejected attempt (not the latest file) is explained."""
    older = c("older", 20, status=403)
    latest = c("latest", 40, status=500)
    pair = choose_pair([c("ok", 90), older, latest, c("dead", 99, status=None, error=Failure("reset"))])
    assert pair.bad is latest
    assert pair.why_bad == (f"bad:  latest  (latest, 500 Forbidden at {clock(T0 + 40)}): the latest of 2 rejected "
                            "attempts in captures")
    assert pair.why_good == (f"good: ok  (ok, 101 Switching Protocols at {clock(T0 + 90)}): same endpoint "
                             "wss://tts.example, same path /ws, 0 differences in the request; the only accepted "
                             "attempt to this host")


def test_why_good_names_the_path_and_the_field() -> None:
    """The reason says how close the chosen one is and how many accepted attempts there were."""
    pair = choose_pair([c("a", 1, target="/"), c("b", 2, target="/ws?voice=alloy"), BAD])
    assert pair.good.name == "b"
    assert ("same endpoint wss://tts.example, closest path /ws (vs /ws/ws), 2 differences in the request; "
            "the best of 2 accepted attempts to this host") in pair.why_good


def test_named_files_are_taken_as_named() -> None:
    """FAILING and --good override the choice; the reasons say so."""
    good = c("mine", 1, target="/other")
    pair = choose_pair([c("better", 2)], bad=BAD, good=good)
    assert pair.good is good and pair.bad is BAD
    assert pair.why_bad.endswith(": named on the command line") and pair.why_good.endswith(": named with --good")


@pytest.mark.parametrize(
    ("candidates", "bad", "message", "working", "failing"),
    [
        ([], None, "no rejected attempt in captures (0 captures read)", True, True),
        ([c("ok", 1)], None, "no rejected attempt in captures (1 capture read, 1 accepted)", False, True),
        ([c("no", 1, status=403)], None, "no accepted attempt to tts.example in captures to compare no with", True,
         False),
        ([c("x", 1, endpoint=OTHER_HOST), c("no", 2, status=403)], None,
         "no accepted attempt to tts.example in captures to compare no with; accepted ones go to api.example",
         True, False),
        ([c("ok", 1)], c("fine", 2), "fine was not rejected (101 Switching Protocols): name a rejected attempt, "
         "or leave FAILING out to take the latest", False, False),
    ],
)
def test_nothing_to_pair(candidates: list[Candidate], bad: Candidate | None, message: str, working: bool,
                         failing: bool) -> None:
    """Each missing piece is one line, and says which client still has to be recorded."""
    with pytest.raises(NoPairError) as e:
        choose_pair(candidates, bad=bad)
    assert str(e.value) == message
    assert (e.value.need_working, e.value.need_failing) == (working, failing)


def test_clock_shows_the_date_only_for_another_day() -> None:
    """Times of the same day as the bad attempt are HH:MM:SS; others carry their date."""
    assert len(clock(T0, day_of=T0 + 1)) == 8
    assert clock(T0, day_of=T0 + 3 * 86400).count("-") == 2


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC for the test, so that the times in the reasons are exact strings."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("when", "day_of", "shown"),
    [
        (T0, None, "14:13:20"),
        (T0, T0 + 1, "14:13:20"),
        (T0, T0 - 14 * 3600, "14:13:20"),  # the same day, earlier
        (T0, T0 + 3 * 86400, "2026-09-21 14:13:20"),
        (T0 + 3 * 86400, T0, "2026-09-24 14:13:20"),
        (T0 + 10 * 3600, T0, "2026-09-22 00:13:20"),  # just past midnight is another day
    ],
)
def test_clock_exact(utc: None, when: float, day_of: float | None, shown: str) -> None:
    """clock() prints the time of *when* itself, with its date when it is not on the day of *day_of*."""
    assert clock(when, day_of=day_of) == shown


def test_reasons_name_an_unlabelled_attempt_by_its_outcome(utc: None) -> None:
    """Without a label the reason is the outcome and the time; a --good from another day shows its date."""
    bad = Candidate("b.json", capture(status=403, label=""), T0)
    good = Candidate("g.json", capture(label=""), T0 - 2 * 86400)
    pair = choose_pair([], bad=bad, good=good)
    assert pair.why_bad == "bad:  b.json  (403 Forbidden at 14:13:20): named on the command line"
    assert pair.why_good == "good: g.json  (101 Switching Protocols at 2026-09-19 14:13:20): named with --good"


def test_chosen_good_from_another_day_and_endpoint(utc: None) -> None:
    """The chosen good one's reason gives its date when it was recorded on another day, and its other endpoint."""
    older = c("port", -86400, endpoint=OTHER_PORT, target="/ws/ws?voice=alloy")
    pair = choose_pair([older, BAD])
    assert pair.why_good == ("good: port  (port, 101 Switching Protocols at 2026-09-20 14:13:20): same host, "
                             "endpoint wss://tts.example:8443 (no accepted attempt to wss://tts.example), "
                             "same path /ws/ws, 2 differences in the request; the only accepted attempt to this host")


@pytest.mark.parametrize(
    ("hosts", "more"),
    [
        (["b.example"], "b.example"),
        (["c.example", "b.example"], "b.example, c.example"),
        (["e.example", "d.example", "c.example", "b.example", "d.example"], "b.example, c.example, d.example"),
    ],
)
def test_accepted_elsewhere_names_at_most_three_hosts(hosts: list[str], more: str) -> None:
    """With no accepted attempt to the rejected one's host, the first three other hosts are named, sorted."""
    others = [c(f"x{i}", i, endpoint=Endpoint("wss", h, 443, sni=h)) for i, h in enumerate(hosts)]
    with pytest.raises(NoPairError) as e:
        choose_pair([*others, c("no", 99, status=403)])
    assert str(e.value) == f"no accepted attempt to tts.example in captures to compare no with; accepted ones go to {more}"


def test_best_match_none_without_an_accepted_attempt_to_the_host() -> None:
    """best_match gives None when nothing accepted goes to the rejected attempt's host."""
    assert best_match(BAD.capture, []) is None
    assert best_match(BAD.capture, [c("elsewhere", 1, endpoint=OTHER_HOST), c("no", 2, status=403)]) is None


# Tied on endpoint and path: the older one has the fewer differences.
FEWER_OLD = c("fewer-old", 10, target="/ws/ws?voice=alloy", headers=set_header("Origin", "https://app.example"))
MORE_NEW = c("more-new", 50, target="/ws/ws?voice=alloy")
MORE_MID = c("more-mid", 30, target="/ws/ws?voice=alloy&x=1")


@pytest.mark.parametrize(
    ("compared", "chosen"),
    [
        (None, "fewer-old"),  # all counted: the fewest differences win
        (3, "fewer-old"),
        (2, "more-new"),  # only the two most recent are counted, and the older is left out
        (1, "more-new"),
    ],
)
def test_best_match_counts_only_the_most_recent(compared: int | None, chosen: str) -> None:
    """With a bound, differences are counted for the most recent of the tied candidates only."""
    found = best_match(BAD.capture, [FEWER_OLD, MORE_MID, MORE_NEW], compared=compared)
    assert found is not None and found.name == chosen


KEY = bytes(range(32))
CLEAR = capture(status=403, headers=set_header("Authorization", "Bearer s3cret-token-123"))
"""A rejected attempt whose token is in clear (a HAR file, say)."""
SAME_TOKEN = redact_capture(capture(headers=set_header("Authorization", "Bearer s3cret-token-123")), KEY)[0]
"""An accepted attempt recorded on this machine: the same token, as its fingerprint under KEY."""


def test_request_differences_uses_the_key() -> None:
    """Under the store's key a clear token matches its fingerprint; under a run's own key it does not."""
    assert request_differences(SAME_TOKEN, CLEAR, key=KEY) == 0
    assert request_differences(SAME_TOKEN, CLEAR) == 1


def test_the_key_decides_the_match() -> None:
    """best_match and choose_pair compare with the key given: the recorded token matches the clear one."""
    same = Candidate("same-token", SAME_TOKEN, T0 + 10)
    other = Candidate("newer", capture(headers=set_header("Authorization", "Bearer s3cret-token-123")
                                       + (("X-Trace", "1"),)), T0 + 20)
    bad = Candidate("clear", CLEAR, T0 + 30)
    assert best_match(CLEAR, [same, other], key=KEY, compared=None) is same
    assert best_match(CLEAR, [same, other]) is other  # both one difference apart: the most recent
    pair = choose_pair([same, other, bad], key=KEY)
    assert pair.good is same and ", 0 differences in the request; the best of 2" in pair.why_good
