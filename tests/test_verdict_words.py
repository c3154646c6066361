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
