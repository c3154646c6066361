"""Bisect verdicts in words and JSON (pure): every cause listed, counts said, words that match what was seen."""

from __future__ import annotations

import json
import random

import pytest

from wsdiff.diff import compare
from wsdiff.model import with_header
from wsdiff.search import Probe, SearchResult, applied, run, search
from wsdiff.verdict import VERDICTS, BisectReport, suggest_fix

from helpers import BASE_HEADERS, capture

GOOD = capture("/v2/stream", with_header(BASE_HEADERS, "X-Api-Version", "2"))
BAD = capture("/v1/stream", with_header(with_header(BASE_HEADERS, "Origin", "https://evil.example"),
                                        "User-Agent", "app/2"), status=403)
COMPARISON = compare(GOOD, BAD)
CANDIDATES = tuple(d for d in COMPARISON.significant if d.applicable)
LABELS = [d.label for d in CANDIDATES]


def report(rule: object) -> BisectReport:
    """Bisect the synthetic pair against a simulated server; *rule* says which labels carried reject."""
    n = len(CANDIDATES)

    def accepts(p: Probe) -> bool:
        carried = {LABELS[i] for i in applied(p, n)}
        return not rule(carried)  # type: ignore[operator]

    return BisectReport(COMPARISON, CANDIDATES, run(search(n), accepts), samples={})


def test_candidates() -> None:
    """The synthetic pair differs in the path, two headers and the user agent."""
    assert sorted(LABELS) == ["header Origin", "header User-Agent", "header X-Api-Version", "path"]


def test_two_independent_causes_in_json_and_fix() -> None:
    """culprit is the complete set; causes holds one group per cause; the fix lists every change in one line."""
    r = report(lambda c: "path" in c or "header X-Api-Version" in c)
    doc = r.to_json()
    assert doc["verdict"] == "found" and doc["complete"] is True
    assert sorted((d["kind"], d.get("name")) for d in doc["culprit"]) == [("header", "X-Api-Version"), ("path", None)]
    assert sorted([(d["kind"], d.get("name")) for d in g] for g in doc["causes"]) == [
        [("header", "X-Api-Version")], [("path", None)]]
    assert doc["fix"].startswith("Fix: 2 independent causes, each enough for a rejection alone; BAD needs all of these: (1) ")
    assert "(2) " in doc["fix"] and "X-Api-Version" in doc["fix"] and "/v2/stream" in doc["fix"]
    assert doc["answers"]["good"] == {"accepted": 4, "rejected": 0}  # twice at the start, once after each cause
    assert doc["answers"]["bad_minus_culprit"] == {"accepted": 3, "rejected": 0}
    assert doc["confirmations"] == {"good_plus_culprit_rejected": True, "bad_minus_culprit_accepted": True}
    json.dumps(doc)


def test_a_pair_is_worded_as_failing_only_together() -> None:
    """One group of two: change any one of them."""
    r = report(lambda c: {"header Origin", "header User-Agent"} <= c)
    assert r.result.verdict == "found" and len(r.causes) == 1 and len(r.causes[0]) == 2
    assert r.fix.startswith("Fix: these fail only together; change any one of them: ")


def test_flaky_words_say_what_was_seen() -> None:
    """A coin-flip server: 'answers identical requests both ways' with counts, never 'the server changed'."""
    rng = random.Random(3)
    r = BisectReport(COMPARISON, CANDIDATES, run(search(len(CANDIDATES)), lambda p: rng.random() < 0.5), {})
    assert r.result.verdict == "flaky" and r.culprit == () and not r.complete
    words = r.reason()
    assert "answers identical requests both ways" in words and "changed" not in words
    assert " accepted " in words and " rejected " in words and " times" in words
    doc = r.to_json()
    assert doc["culprit"] == [] and doc["causes"] == [] and doc["evidence"]
    assert all(e["accepted"] and e["rejected"] for e in doc["evidence"])


@pytest.mark.parametrize(
    ("verdict", "evidence", "words"),
    [
        ("good-rejected", [(Probe("good"), 0, 9)], "GOOD, recorded accepted, was rejected 9 of 9 times"),
        ("bad-accepted", [(Probe("bad"), 9, 0)], "BAD, recorded rejected, was accepted 9 of 9 times"),
        ("server-changed", [(Probe("good"), 2, 0), (Probe("good"), 0, 9)],
         "GOOD as recorded was accepted 2 of 2 at the start and rejected 9 of 9 later: the server changed during"),
        ("unexplained", [(Probe("good", frozenset(range(4))), 9, 0)],
         "GOOD + every difference accepted 9 of 9: the cause is not in the request"),
        ("not-confirmed", [(Probe("good", frozenset({0})), 9, 0)], "where the search expected it rejected"),
    ],
)
def test_reasons_carry_the_counts(verdict: str, evidence: list[tuple[Probe, int, int]], words: str) -> None:
    """Each ending says what was seen, with the counts it rests on."""
    from wsdiff.search import Tally

    result = SearchResult(verdict, evidence=tuple((p, Tally(a, r)) for p, a, r in evidence))
    r = BisectReport(COMPARISON, CANDIDATES, result, {})
    assert words in r.reason()
    assert r.fix == VERDICTS[verdict] and not r.complete


def test_partly_unexplained_names_what_was_found() -> None:
    """A cause found, the rest outside the request: causes are listed, complete is false, the words say both."""
    n = len(CANDIDATES)
    path = LABELS.index("path")
    result = run(search(n), lambda p: not (path in applied(p, n) or p.base == "bad"))
    r = BisectReport(COMPARISON, CANDIDATES, result, {})
    doc = r.to_json()
    assert doc["verdict"] == "unexplained" and doc["complete"] is False
    assert [[d["kind"] for d in g] for g in doc["causes"]] == [["path"]]
    assert r.reason().startswith("BAD - path rejected 3 of 3, but GOOD + ")
    assert "the rest of the rejection is not in the request" in r.reason()


def test_suggest_fix_takes_a_flat_list_as_one_group() -> None:
    """The older call with one flat culprit list still works."""
    origin = next(d for d in CANDIDATES if d.label == "header Origin")
    assert suggest_fix("found", [origin], COMPARISON) == suggest_fix("found", [[origin]], COMPARISON)
    assert suggest_fix("flaky", [], COMPARISON) == VERDICTS["flaky"]
