"""Bisect's words, exactly: the fix line, how a probe is named, the counts first, each ending's reason."""

from __future__ import annotations

import pytest

from wsdiff.search import Probe, SearchResult, Tally
from wsdiff.verdict import VERDICTS, BisectReport, suggest_fix

from test_verdict import CANDIDATES, COMPARISON, LABELS

PATH = CANDIDATES[LABELS.index("path")]
ORIGIN = CANDIDATES[LABELS.index("header Origin")]
UA = CANDIDATES[LABELS.index("header User-Agent")]
PATH_FIX = "connect to '/v2/stream' as the working client does, or add a WebSocket route for '/v1/stream'"
ORIGIN_FIX = ("add 'https://evil.example' to the server's WebSocket Origin allow-list, or connect from an allowed "
              "origin")
UA_FIX = "send User-Agent: Python/3.12 websockets/17.4 rather than app/2"


@pytest.mark.parametrize(
    ("causes", "fix"),
    [
        ([[PATH]], f"Fix: {PATH_FIX}."),
        ([[ORIGIN, UA]], f"Fix: these fail only together; change any one of them: {ORIGIN_FIX}; or {UA_FIX}."),
        ([[PATH], [ORIGIN]], "Fix: 2 independent causes, each enough for a rejection alone; BAD needs all of these: "
                             f"(1) {PATH_FIX}. (2) {ORIGIN_FIX}."),
        ([[PATH], [ORIGIN, UA]], "Fix: 2 independent causes, each enough for a rejection alone; BAD needs all of "
                                 f"these: (1) {PATH_FIX}. (2) these fail only together; change any one of them: "
                                 f"{ORIGIN_FIX}; or {UA_FIX}."),
    ],
)
def test_fix_lines(causes: list[list[object]], fix: str) -> None:
    """One cause, a group, several causes: one line that lists every change BAD needs."""
    assert suggest_fix("found", causes, COMPARISON) == fix  # type: ignore[arg-type]


def test_fix_without_a_cause() -> None:
    """No cause, or another verdict: the verdict's words; an unknown verdict is given back as it is."""
    assert suggest_fix("found", [], COMPARISON) == VERDICTS["found"]
    assert suggest_fix("unexplained", [[PATH]], COMPARISON) == VERDICTS["unexplained"]  # type: ignore[list-item]
    assert suggest_fix("gremlins", [], COMPARISON) == "gremlins"


def _report(**result: object) -> BisectReport:
    return BisectReport(COMPARISON, CANDIDATES, SearchResult(**result), {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("probe", "name"),
    [
        (Probe("good"), "GOOD as recorded"),
        (Probe("bad"), "BAD as recorded"),
        (Probe("good", frozenset({LABELS.index("path")})), "GOOD + path"),
        (Probe("bad", frozenset(sorted({LABELS.index("path"), LABELS.index("header Origin")}))),
         "BAD - " + ", ".join(LABELS[i] for i in sorted({LABELS.index("path"), LABELS.index("header Origin")}))),
        (Probe("good", frozenset({0, 1, 2})), "GOOD + " + ", ".join(LABELS[i] for i in (0, 1, 2))),
        (Probe("bad", frozenset(range(4))), "BAD - every difference"),
    ],
)
def test_describe(probe: Probe, name: str) -> None:
    """A probe is named by what it changes, in the candidates' order; all of them is 'every difference'."""
    assert _report(verdict="found").describe(probe) == name


def test_describe_counts_beyond_three_and_one_of_one() -> None:
    """More than three (but not all) differences are counted; the only difference is named, not 'every'."""
    five = CANDIDATES + (CANDIDATES[0],)
    r = BisectReport(COMPARISON, five, SearchResult("found"), {})
    assert r.describe(Probe("good", frozenset(range(4)))) == "GOOD + 4 differences"
    one = BisectReport(COMPARISON, CANDIDATES[:1], SearchResult("found"), {})
    assert one.describe(Probe("bad", frozenset({0}))) == f"BAD - {LABELS[0]}"


def test_answers_come_first() -> None:
    """The baselines' and both confirmations' counts, from every answer the search saw; none without a culprit."""
    union = frozenset({1, 2})
    answers = {Probe("good"): (True, True, True), Probe("bad"): (False, False, True),
               Probe("good", union): (False,) * 3, Probe("bad", union): (True, True, False)}
    r = _report(verdict="found", culprit=(1, 2), causes=((1, 2),), answers=answers)
    assert r.answers() == {"good": Tally(3, 0), "bad": Tally(1, 2), "good_plus_culprit": Tally(0, 3),
                           "bad_minus_culprit": Tally(2, 1)}
    assert r.to_json()["answers"]["bad"] == {"accepted": 1, "rejected": 2}
    none = _report(verdict="flaky", answers={Probe("good"): (True, False)})
    assert none.answers() == {"good": Tally(1, 1), "bad": Tally(0, 0), "good_plus_culprit": None,
                              "bad_minus_culprit": None}


@pytest.mark.parametrize(
    ("causes", "words"),
    [
        (((0,),), "found every difference BAD must change: one cause"),
        (((0,), (1, 2)), "found every difference BAD must change: 2 independent causes, each enough for a "
                         "rejection alone"),
    ],
)
def test_found_reason(causes: tuple[tuple[int, ...], ...], words: str) -> None:
    """A found search says how many causes."""
    assert _report(verdict="found", causes=causes).reason() == words


def test_unexplained_reasons() -> None:
    """Unexplained with nothing found, with a cause and nothing left, and with a cause and the rest accepted."""
    every = Probe("good", frozenset(range(4)))
    assert _report(verdict="unexplained", evidence=((every, Tally(2, 0)),)).reason() == (
        "GOOD + every difference accepted 2 of 2: the cause is not in the request (where it connects from, timing, "
        "or header order and case)")
    minus = Probe("bad", frozenset({0}))
    nothing_left = _report(verdict="unexplained", causes=((0,),), evidence=((minus, Tally(0, 3)),))
    assert nothing_left.reason() == (
        f"BAD - {LABELS[0]} rejected 3 of 3, and no difference is left to try: the rest of the rejection is not in "
        "what replay can change (header order and case, where it connects from)")


def test_flaky_and_changed_reasons() -> None:
    """Both ways with the counts; a server that changed names the request and both tallies."""
    flaky = _report(verdict="flaky", evidence=((Probe("good"), Tally(3, 2)),))
    assert flaky.reason() == (
        "the server answers identical requests both ways (GOOD as recorded accepted 3 and rejected 2 times): no "
        "difference can be blamed (a rate limit, a load balancer over different backends, a time-based token)")
    changed = _report(verdict="server-changed", evidence=((Probe("bad"), Tally(0, 2)), (Probe("bad"), Tally(4, 0))))
    assert changed.reason() == ("BAD as recorded was rejected 2 of 2 at the start and accepted 4 of 4 later: the "
                                "server changed during the search (a rate limit, a deploy, a token that expired)")


@pytest.mark.parametrize(("tally", "wanted"), [(Tally(3, 0), "rejected"), (Tally(1, 1), "rejected"),
                                                (Tally(0, 3), "accepted")])
def test_not_confirmed_reason(tally: Tally, wanted: str) -> None:
    """A claim the server contradicted: what was seen, and what the search expected instead."""
    p = Probe("good", frozenset({0}))
    assert _report(verdict="not-confirmed", evidence=((p, tally),)).reason().startswith(
        f"GOOD + {LABELS[0]} {tally}, where the search expected it {wanted}: the server does not answer as")


def test_no_differences_and_unknown_verdicts_use_the_table() -> None:
    """Verdicts without their own words read from VERDICTS; an unknown one is given back."""
    assert _report(verdict="no-differences").reason() == VERDICTS["no-differences"]
    assert _report(verdict="gremlins").reason() == "gremlins"


def test_tally_words() -> None:
    """A tally is told from the side most answers took; a tie is told as accepted."""
    assert str(Tally(2, 2)) == "accepted 2 of 4" and str(Tally(1, 2)) == "rejected 2 of 3"
    assert str(Tally(3, 0)) == "accepted 3 of 3"


def test_evidence_in_json() -> None:
    """Each piece of evidence names its request, its base, what it changed and its counts."""
    p = Probe("bad", frozenset({LABELS.index("path")}))
    doc = _report(verdict="not-confirmed", evidence=((p, Tally(2, 1)),)).to_json()
    assert doc["evidence"] == [{"request": "BAD - path", "base": "bad", "changed": [{"kind": "path", "name": None}],
                                "accepted": 2, "rejected": 1}]
    assert doc["candidates"] == 4 and doc["culprit"] == [] and doc["complete"] is False


@pytest.mark.parametrize(
    ("probe", "words"),
    [
        (Probe("good"), "GOOD as recorded"),
        (Probe("bad", frozenset()), "BAD as recorded"),
        (Probe("good", frozenset({1, 3})), "GOOD + 2 of 7 difference(s)"),
        (Probe("bad", frozenset({0})), "BAD - 1 of 7 difference(s)"),
    ],
)
def test_probe_describes_itself(probe: Probe, words: str) -> None:
    """A probe without the candidates names its base and how many differences it changes."""
    assert probe.describe(7) == words


def test_variant_row_json() -> None:
    """A replay row: the variant, its description, the verdict, then the answer's own fields."""
    from wsdiff.oracle import ProbeResult
    from wsdiff.verdict import VariantRow

    result = ProbeResult(403, "Forbidden", body=b"no")
    doc = VariantRow("drop-origin", "remove the Origin header", result, False).to_json()
    assert list(doc)[:3] == ["variant", "description", "accepted"]
    assert doc == {"variant": "drop-origin", "description": "remove the Origin header", "accepted": False,
                   **result.to_json()}


# --- a close right after a client message -----------------------------------------------


def _said(texts: list[str | bytes], close: float | None = None, code: int | None = 4401) -> object:
    """An accepted capture whose client sent *texts* 10 ms apart; *close*: when the server closed it (with *code*)."""
    from wsdiff.model import Message, Session

    from helpers import capture

    messages = tuple(Message("client", "binary" if isinstance(t, bytes) else "text", len(t),
                             t if isinstance(t, bytes) else t.encode(), 0.01 * i) for i, t in enumerate(texts, 1))
    session = (Session("observed", messages=messages, duration=1.0) if close is None
               else Session("closed", code, "", "server", close, messages))
    return capture(websocket=session)


def _compare(a: object, b: object) -> object:
    from wsdiff.diff import compare

    return compare(a, b)  # type: ignore[arg-type]


GOOD_SAID = _said(['{"type":"auth","token":"t"}', '{"type":"ping"}', b"\x01\x02"])
# Closed 3.1 ms after message 2, which differs in a field; message 1 and 3 differ too.
AFTER_2 = _compare(GOOD_SAID, _said(['{"type":"auth"}', '{"type":"ping","n":2}', b"\x01\x03"], close=0.0231))
# Closed 3.1 ms after message 3, which differs as a whole (binary).
AFTER_3 = _compare(GOOD_SAID, _said(['{"type":"auth"}', '{"type":"ping","n":2}', b"\x01\x03"], close=0.0331))
# Closed without a close frame right after message 1, which is the same as GOOD's.
SAME_1 = _compare(_said(['{"type":"auth"}']), _said(['{"type":"auth"}'], close=0.0121, code=None))
# BAD sent more messages than GOOD: "message 3-4" (or 3-5) holds every position from 3 to its end.
EXTRA_4 = _compare(_said(['{"a":1}', '{"b":2}']), _said(['{"a":1}', '{"b":2}', "x", "y"], close=0.0431))
EXTRA_3 = _compare(_said(['{"a":1}', '{"b":2}']), _said(['{"a":1}', '{"b":2}', "x", "y", "z"], close=0.0331))
FEWER_2 = _compare(_said(['{"a":1}', '{"b":2}', "x", "y", "z"]), _said(['{"a":1}', '{"b":3}'], close=0.0231))
# Closed 512.34 ms after message 1, which differs from GOOD's in two members.
SLOW_TWO = _compare(_said(['{"type":"auth","token":"t"}']), _said(['{"type":"login"}'], close=0.52234))
# Closed 5 s after the last message: not a refusal of that message.
LATE = _compare(GOOD_SAID, _said(['{"type":"auth"}'], close=5.0))

CLOSED_2 = ("when recorded, BAD's server closed with 4401 3 ms after the client's message 2, and the handshake "
            "differences do not explain it: the cause is probably in what the client sent after the 101 (message 2), "
            "which differs from GOOD's in message 2 n")
CLOSED_3 = ("when recorded, BAD's server closed with 4401 3 ms after the client's message 3, and the handshake "
            "differences do not explain it: the cause is probably in what the client sent after the 101 (message 3), "
            "which differs from GOOD's in message 3")
CLOSED_1 = ("when recorded, BAD's server closed with no close frame 2 ms after the client's message 1, and the "
            "handshake differences do not explain it: the cause is probably in what the client sent after the 101 "
            "(message 1), though GOOD sent the same: look for what replay cannot reproduce in it (a token since "
            "expired, a one-time value)")
ACCEPTED_NOW = ("; replayed now, BAD is accepted: what it sent is no longer refused (a token since refreshed), or was "
                "not sent (--no-messages, or a message not kept whole)")
STILL_ACCEPTED = "; GOOD with every difference replay can apply is still accepted"


@pytest.mark.parametrize(
    ("comparison", "position", "ms", "code", "names"),
    [
        (AFTER_2, 2, 3.1, 4401, [("message-field", "2:n")]),
        (AFTER_3, 3, 3.1, 4401, [("message", "3")]),
        (SAME_1, 1, 2.1, None, []),
        (EXTRA_4, 4, 3.1, 4401, [("message", "3-4")]),
        (EXTRA_3, 3, 3.1, 4401, [("message", "3-5")]),
        (FEWER_2, 2, 3.1, 4401, [("message-field", "2:b")]),  # GOOD's messages 3-5 come after the close
    ],
)
def test_message_cause_is_the_message_closed_after(comparison: object, position: int, ms: float, code: int | None,
                                                   names: list[tuple[str, str]]) -> None:
    """The cause is the message the server closed right after, with its close code and only that message's differences."""
    from wsdiff.verdict import message_cause

    cause = message_cause(comparison)  # type: ignore[arg-type]
    assert cause is not None
    assert (cause.position, round(cause.seconds * 1000, 1), cause.close_code) == (position, ms, code)
    assert [(d.kind, d.name) for d in cause.differences] == names


def test_no_message_cause_without_a_close_right_after_a_message() -> None:
    """A close long after the last message, or no close at all, is no message's cause."""
    from wsdiff.verdict import message_cause

    assert message_cause(LATE) is None  # type: ignore[arg-type]
    assert message_cause(COMPARISON) is None


@pytest.mark.parametrize(
    ("verdict", "comparison", "fix"),
    [
        ("bad-accepted", AFTER_2, "W" + CLOSED_2[1:] + ACCEPTED_NOW + "."),
        ("unexplained", AFTER_3, "W" + CLOSED_3[1:] + STILL_ACCEPTED + "."),
        ("no-differences", SAME_1, "W" + CLOSED_1[1:] + "."),
        ("bad-accepted", SLOW_TWO, "When recorded, BAD's server closed with 4401 512 ms after the client's message 1, "
         "and the handshake differences do not explain it: the cause is probably in what the client sent after the "
         "101 (message 1), which differs from GOOD's in message 1 type, message 1 token" + ACCEPTED_NOW + "."),
        ("bad-accepted", LATE, VERDICTS["bad-accepted"]),
        # Other verdicts keep their own words, even when the server closed right after a message.
        ("found", AFTER_2, VERDICTS["found"]),
        ("flaky", AFTER_2, VERDICTS["flaky"]),
        ("good-rejected", AFTER_3, VERDICTS["good-rejected"]),
    ],
)
def test_fix_after_a_message(verdict: str, comparison: object, fix: str) -> None:
    """With nothing to change in the request, the fix points at the message the server closed after, as a sentence."""
    assert suggest_fix(verdict, [], comparison) == fix  # type: ignore[arg-type]


def test_a_cause_found_in_the_request_wins_over_a_message() -> None:
    """An unexplained search that found a cause in the request words that cause, not the message."""
    diff = AFTER_2.significant[0]  # type: ignore[attr-defined]
    assert suggest_fix("unexplained", [[diff]], AFTER_2) == VERDICTS["unexplained"]  # type: ignore[arg-type]
    r = BisectReport(AFTER_2, (diff,), SearchResult("unexplained", causes=((0,),),  # type: ignore[arg-type]
                                                     evidence=((Probe("bad", frozenset({0})), Tally(0, 3)),)), {})
    assert r.after_101 is None and r.to_json()["after_101"] is None


@pytest.mark.parametrize(
    ("verdict", "evidence", "comparison", "reason"),
    [
        ("bad-accepted", ((Probe("bad"), Tally(3, 0)),), AFTER_2, "BAD as recorded accepted 3 of 3; " + CLOSED_2
         + ACCEPTED_NOW),
        ("unexplained", ((Probe("good"), Tally(2, 0)), (Probe("bad"), Tally(1, 0))), AFTER_3,
         "GOOD as recorded accepted 2 of 2; " + CLOSED_3 + STILL_ACCEPTED),
        ("no-differences", (), SAME_1, CLOSED_1),
    ],
)
def test_reason_after_a_message(verdict: str, evidence: tuple[tuple[Probe, Tally], ...], comparison: object,
                                reason: str) -> None:
    """The reason is the first thing seen, then where the server closed."""
    r = BisectReport(comparison, (), SearchResult(verdict, evidence=evidence), {})  # type: ignore[arg-type]
    assert r.reason() == reason


def test_after_101_in_json() -> None:
    """JSON gives the message, the milliseconds to one decimal, the close code and that message's differences."""
    r = BisectReport(AFTER_2, (), SearchResult("bad-accepted", probes=6, rounds=2,  # type: ignore[arg-type]
                                               baseline={"good": [True], "bad": [True, True]}), {})
    doc = r.to_json()
    assert {k: v for k, v in doc["after_101"].items() if k != "differences"} == {"message": 2, "ms": 3.1,
                                                                                 "close_code": 4401}
    assert [d["name"] for d in doc["after_101"]["differences"]] == ["2:n"]
    assert list(doc) == ["verdict", "complete", "reason", "culprit", "causes", "probes", "rounds", "candidates",
                         "confirmations", "baseline", "answers", "evidence", "fix", "after_101"]
    assert (doc["reason"], doc["probes"], doc["rounds"], doc["baseline"]) == (
        CLOSED_2 + ACCEPTED_NOW, 6, 2, {"good": [True], "bad": [True, True]})
    assert BisectReport(SAME_1, (), SearchResult("unexplained"), {}).to_json()["after_101"] == {  # type: ignore[arg-type]
        "message": 1, "ms": 2.1, "close_code": None, "differences": []}
    slow = _compare(_said(['{"type":"auth"}']), _said(['{"type":"auth"}'], close=0.52234))  # 512.34 ms after it
    assert BisectReport(slow, (), SearchResult("unexplained"), {}).to_json()["after_101"] == {  # type: ignore[arg-type]
        "message": 1, "ms": 512.3, "close_code": 4401, "differences": []}


def test_describe_every_one_of_two() -> None:
    """Both of two differences are 'every difference'."""
    two = BisectReport(COMPARISON, CANDIDATES[:2], SearchResult("found"), {})
    assert two.describe(Probe("good", frozenset({0, 1}))) == "GOOD + every difference"


@pytest.mark.parametrize(
    ("verdict", "evidence", "reason"),
    [
        ("flaky", ((Probe("good"), Tally(3, 2)), (Probe("bad"), Tally(1, 1))),
         "the server answers identical requests both ways (GOOD as recorded accepted 3 and rejected 2 times; BAD as "
         "recorded accepted 1 and rejected 1 times): no difference can be blamed (a rate limit, a load balancer over "
         "different backends, a time-based token)"),
        ("good-rejected", ((Probe("good"), Tally(1, 2)),),
         "GOOD, recorded accepted, was rejected 2 of 3 times when replayed now: the server changed since the "
         "recording, or GOOD needs something replay cannot restore (a secret, an expired token); nothing to search"),
        ("bad-accepted", ((Probe("bad"), Tally(3, 0)),),
         "BAD, recorded rejected, was accepted 3 of 3 times when replayed now: the rejection does not reproduce (a "
         "token refreshed since, a rate limit that has passed, the server changed since the recording); nothing to "
         "search"),
        ("unexplained", ((Probe("bad", frozenset({0})), Tally(0, 3)), (Probe("good", frozenset({1, 2, 3})), Tally(2, 0))),
         f"BAD - {LABELS[0]} rejected 3 of 3, but GOOD + {LABELS[1]}, {LABELS[2]}, {LABELS[3]} accepted 2 of 2: the "
         "rest of the rejection is not in the request (where it connects from, timing, or header order and case)"),
        ("not-confirmed", ((Probe("good", frozenset({0})), Tally(2, 0)),),
         f"GOOD + {LABELS[0]} accepted 2 of 2, where the search expected it rejected: the server does not answer as "
         "the search assumes (adding differences never turns a rejection back into acceptance), or its answers "
         "drift; no cause is named"),
    ],
)
def test_reasons_whole(verdict: str, evidence: tuple[tuple[Probe, Tally], ...], reason: str) -> None:
    """Each ending's reason, word for word."""
    r = _report(verdict=verdict, evidence=evidence)
    if verdict == "unexplained":
        r = _report(verdict=verdict, evidence=evidence, causes=((0,),))
    assert r.reason() == reason
