"""Choosing the pair wsdiff why explains: table tests of the pure ranking."""

from __future__ import annotations

import pytest

from wsdiff.model import Endpoint, Failure, Session
from wsdiff.pairing import (Candidate, NoPairError, best_match, choose_pair, clock, is_accepted, is_rejected,
                            path_distance)

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
