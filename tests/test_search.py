"""The bisect search, sans I/O, against simulated servers (a fake oracle per test)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import pytest

from wsdiff.search import Probe, SearchResult, applied, run, search

Rule = Callable[[frozenset[int]], bool]
"""Whether the server rejects a request that carries these of BAD's differences."""


def server(rule: Rule, n: int) -> Callable[[Probe], bool]:
    return lambda p: not rule(applied(p, n))


def needs_all(*culprit: int) -> Rule:
    return lambda carried: set(culprit) <= carried


def any_of(*causes: int) -> Rule:
    return lambda carried: bool(set(causes) & carried)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 64])
def test_one_culprit_anywhere(n: int) -> None:
    """One culprit among n differences is found wherever it sits, confirmed both ways, in about log2(n) probes."""
    for c in range(n):
        result = run(search(n), server(needs_all(c), n))
        assert (result.verdict, result.culprit) == ("found", (c,))
        assert result.confirmed_good_plus is True and result.confirmed_bad_minus is True
        # 5 baselines (2 + 2 + GOOD with everything), 2 confirmations, one binary search.
        assert result.probes <= 7 + math.ceil(math.log2(n)) + 1


@pytest.mark.parametrize("n", [2, 5, 16])
def test_a_pair_that_fails_only_together(n: int) -> None:
    """Two differences that reject only together are named together, and confirmed."""
    for pair in itertools.combinations(range(n), 2):
        result = run(search(n), server(needs_all(*pair), n))
        assert (result.verdict, result.culprit) == ("found", pair)
        assert (result.confirmed_good_plus, result.confirmed_bad_minus) == (True, True)


def test_independent_second_cause_is_not_confirmed() -> None:
    """Two causes that each reject alone: one is named, and 'BAD minus it is accepted' is reported false."""
    result = run(search(8), server(any_of(2, 6), 8))
    assert result.verdict == "found" and len(result.culprit) == 1 and result.culprit[0] in (2, 6)
    assert result.confirmed_good_plus is True and result.confirmed_bad_minus is False


def test_confirmations_are_asked_not_assumed() -> None:
    """The confirmations report what the last probes answered: a server that contradicts them is believed."""
    seen: list[Probe] = []

    def contrary(p: Probe) -> bool:
        seen.append(p)
        carried = applied(p, 4)
        if p.changed == frozenset({1}) and len(seen) > 8:  # only the confirmation round
            return p.base == "good"  # GOOD + culprit accepted, BAD - culprit rejected
        return not {1} <= carried

    result = run(search(4), contrary)
    assert result.culprit == (1,)
    assert result.confirmed_good_plus is False and result.confirmed_bad_minus is False
    assert seen[-2:] == [Probe("good", frozenset({1})), Probe("bad", frozenset({1}))]


@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        ({"good": [True, False], "bad": [False, False]}, "flaky"),
        ({"good": [True, True], "bad": [False, True]}, "flaky"),
        ({"good": [False, False], "bad": [False, False]}, "good-rejected"),
        ({"good": [True, True], "bad": [True, True]}, "bad-accepted"),
    ],
)
def test_baselines_decide_before_any_search(answers: dict[str, list[bool]], verdict: str) -> None:
    """GOOD and BAD are replayed twice each; when they do not reproduce, nothing is searched."""
    gen = search(5)
    batch = next(gen)
    assert batch[:4] == [Probe("good"), Probe("good"), Probe("bad"), Probe("bad")]
    replies = answers["good"] + answers["bad"] + [False]
    with pytest.raises(StopIteration) as stop:
        gen.send(replies)
    result: SearchResult = stop.value.value
    assert result.verdict == verdict and result.culprit == () and result.probes == 5
    assert result.baseline == answers


def test_unexplained_when_good_with_everything_is_accepted() -> None:
    """GOOD carrying every difference is still accepted: the cause is not in the request."""
    result = run(search(6), lambda p: p.base == "good")
    assert result.verdict == "unexplained" and result.culprit == ()
    assert result.confirmed_good_plus is None


def test_no_differences() -> None:
    """Nothing to search: the verdict says so after the baselines."""
    result = run(search(0), lambda p: p.base == "good")
    assert result.verdict == "no-differences" and result.probes == 4


def test_wrong_number_of_answers_is_refused() -> None:
    """The caller must answer every probe of a batch."""
    gen = search(3)
    next(gen)
    with pytest.raises(ValueError, match="expected 5 answers, got 2"):
        gen.send([True, True])
