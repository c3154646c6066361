"""The bisect search, sans I/O, against simulated servers (a fake oracle per test)."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable

import pytest

from wsdiff.search import Policy, Probe, SearchResult, Tally, applied, run, search

FIXED = 14
"""Probes a stable server pays besides the binary search, for one cause of one difference: GOOD and BAD
twice and GOOD + everything (5); then GOOD + the cause and BAD - the cause three times each, GOOD + what is
left, and GOOD and BAD once more (9)."""

Rule = Callable[[frozenset[int]], bool]
"""Whether the server rejects a request that carries these of BAD's differences."""


def server(rule: Rule, n: int) -> Callable[[Probe], bool]:
    return lambda p: not rule(applied(p, n))


def needs_all(*culprit: int) -> Rule:
    return lambda carried: set(culprit) <= carried


def any_of(*causes: int) -> Rule:
    return lambda carried: bool(set(causes) & carried)


def either(*rules: Rule) -> Rule:
    return lambda carried: any(rule(carried) for rule in rules)


def coin(rng: random.Random, rejects: float) -> Callable[[Probe], bool]:
    """A server that rejects a share of all requests at random, whatever they carry."""
    return lambda p: rng.random() >= rejects


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 64])
def test_one_culprit_anywhere(n: int) -> None:
    """One culprit among n differences is found wherever it sits, confirmed both ways, in about log2(n) probes."""
    for c in range(n):
        result = run(search(n), server(needs_all(c), n))
        assert (result.verdict, result.culprit) == ("found", (c,))
        assert result.confirmed_good_plus is True and result.confirmed_bad_minus is True
        # The fixed baselines and confirmations, and one binary search.
        assert result.probes <= FIXED + math.ceil(math.log2(n)) + 1
        assert result.causes == ((c,),) and result.complete


@pytest.mark.parametrize("n", [2, 5, 16])
def test_a_pair_that_fails_only_together(n: int) -> None:
    """Two differences that reject only together are named together, and confirmed."""
    for pair in itertools.combinations(range(n), 2):
        result = run(search(n), server(needs_all(*pair), n))
        assert (result.verdict, result.culprit) == ("found", pair)
        assert (result.confirmed_good_plus, result.confirmed_bad_minus) == (True, True)


def test_confirmations_are_asked_not_assumed() -> None:
    """A cause must hold when asked again: a server that accepts GOOD + anything after the search is believed."""
    seen: list[Probe] = []

    def contrary(p: Probe) -> bool:
        seen.append(p)
        if len(seen) > 8 and p.base == "good":  # once the first search is over
            return True
        return not {1} <= applied(p, 4)

    result = run(search(4), contrary)
    assert result.verdict == "not-confirmed" and result.culprit == () and result.causes == ()
    assert result.confirmed_good_plus is False and result.confirmed_bad_minus is None
    # The search saw GOOD + {1} rejected once; asked again, it was accepted every time, and so was the second try.
    assert result.answers[Probe("good", frozenset({1}))][0] is False
    assert set(result.answers[Probe("good", frozenset({1}))][1:]) == {True}
    [(probe, tally)] = result.evidence
    assert probe.base == "good" and tally == Tally(accepted=9, rejected=0)


@pytest.mark.parametrize(
    ("good", "bad", "verdict", "counts"),
    [
        ([True, False], [False], "flaky", {"good": Tally(3, 3)}),  # GOOD answers both ways
        ([True], [False, True], "flaky", {"bad": Tally(3, 3)}),
        ([False], [False], "good-rejected", {"good": Tally(0, 9)}),  # consistently, nine times
        ([True], [True], "bad-accepted", {"bad": Tally(9, 0)}),
    ],
)
def test_baselines_decide_before_any_search(good: list[bool], bad: list[bool], verdict: str,
                                            counts: dict[str, Tally]) -> None:
    """GOOD and BAD are replayed twice each, then again while unclear; when they do not reproduce, nothing is searched."""
    gen = search(5)
    batch = next(gen)
    assert batch == [Probe("good"), Probe("good"), Probe("bad"), Probe("bad"), Probe("good", frozenset(range(5)))]
    streams = {"good": itertools.cycle(good), "bad": itertools.cycle(bad)}
    asked: list[Probe] = []

    def server(p: Probe) -> bool:
        asked.append(p)
        return next(streams[p.base]) if not p.changed else False

    result = run(search(5), server)
    assert result.verdict == verdict and result.culprit == () and result.causes == ()
    assert set(asked) <= {Probe("good"), Probe("bad"), Probe("good", frozenset(range(5)))}
    assert {p.base: t for p, t in result.evidence} == counts
    # Every answer is counted, and the baseline keeps them in order.
    [(base, tally)] = counts.items()
    assert Tally.of(result.baseline[base]) == tally and result.probes == len(asked)


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


# --- more than one cause --------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 16])
def test_two_independent_causes(n: int) -> None:
    """Two causes that each reject alone are both named, as two groups, and BAD without both is confirmed."""
    for a, b in itertools.combinations(range(n), 2):
        result = run(search(n), server(any_of(a, b), n))
        assert (result.verdict, result.causes, result.culprit) == ("found", ((a,), (b,)), (a, b))
        assert (result.confirmed_good_plus, result.confirmed_bad_minus) == (True, True) and result.complete


def test_found_names_the_counts_it_rests_on() -> None:
    """found's evidence: each cause alone rejected, BAD without all accepted, GOOD with all rejected (every answer)."""
    one = run(search(4), server(needs_all(2), 4))
    assert [p for p, _ in one.evidence] == [Probe("good", frozenset({2})), Probe("bad", frozenset({2}))]
    two = run(search(5), server(any_of(1, 3), 5))
    assert [p for p, _ in two.evidence] == [Probe("good", frozenset({1})), Probe("good", frozenset({3})),
                                            Probe("bad", frozenset({1, 3})), Probe("good", frozenset({1, 3}))]
    for result in (one, two):
        for p, t in result.evidence:  # the confirmations asked (3 by default), and the search's own answers
            if p.base == "good":
                assert t.accepted == 0 and t.rejected >= 1
            else:
                assert t.accepted >= 3 and t.rejected == 0
        assert all(t == result.tally(p) for p, t in result.evidence)
    assert [t.total for p, t in two.evidence if p.base == "good"][:2] >= [3, 3]


def test_a_pair_plus_an_independent_cause() -> None:
    """A pair that fails only together and a cause that fails alone are told apart."""
    n = 12
    for pair, alone in [((1, 4), 6), ((7, 9), 0), ((0, 11), 5), ((2, 3), 10)]:
        result = run(search(n), server(either(needs_all(*pair), any_of(alone)), n))
        assert result.verdict == "found" and result.complete
        assert result.causes == tuple(sorted([pair, (alone,)]))
        assert result.culprit == tuple(sorted({*pair, alone}))


def test_three_causes_and_two_pairs() -> None:
    """Three independent causes, and two independent pairs, are all found."""
    three = run(search(16), server(any_of(0, 7, 12), 16))
    assert (three.verdict, three.causes) == ("found", ((0,), (7,), (12,)))
    pairs = run(search(16), server(either(needs_all(1, 2), needs_all(5, 9)), 16))
    assert (pairs.verdict, pairs.causes, pairs.culprit) == ("found", ((1, 2), (5, 9)), (1, 2, 5, 9))


def test_a_cause_outside_the_request_is_not_blamed() -> None:
    """BAD still rejected without the cause found, while GOOD with the rest is accepted: the rest is unexplained."""
    n = 6
    # The server rejects anything that carries 3, and anything built on BAD (say, its header order).
    result = run(search(n), lambda p: not (3 in applied(p, n) or p.base == "bad"))
    assert result.verdict == "unexplained" and result.causes == ((3,),) and not result.complete
    assert (result.confirmed_good_plus, result.confirmed_bad_minus) == (True, False)
    minus, rest = result.evidence
    assert minus[0] == Probe("bad", frozenset({3})) and minus[1] == Tally(0, 3)
    assert rest[0] == Probe("good", frozenset({0, 1, 2, 4, 5})) and rest[1] == Tally(9, 0)


def test_nothing_left_to_try() -> None:
    """BAD without every difference still rejected: the search says so instead of naming a complete culprit."""
    result = run(search(1), lambda p: not (p.base == "bad" or 0 in applied(p, 1)))
    assert result.verdict == "unexplained" and result.causes == ((0,),)
    assert [p for p, _ in result.evidence] == [Probe("bad", frozenset({0}))]


# --- flakiness -----------------------------------------------------------------------


def test_a_stable_server_pays_no_repeats() -> None:
    """Against a stable server nothing is asked more than its fixed count, and every answer agrees."""
    n = 16
    for c in range(n):
        result = run(search(n), server(needs_all(c), n))
        search_probes = result.probes - FIXED
        assert 0 <= search_probes <= math.ceil(math.log2(n)) + 1
        assert all(len(set(answers)) == 1 for answers in result.answers.values())
        assert result.tally(Probe("good")) == Tally(3, 0) and result.tally(Probe("bad")) == Tally(0, 3)
        assert result.tally(Probe("bad", frozenset({c}))) == Tally(3, 0)


def test_one_glitch_is_repeated_and_counted() -> None:
    """GOOD rejected once among its answers: it is asked until clear (accepted 9 of 10) and the search goes on."""
    answers = iter([True, False] + [True] * 100)

    def glitch(p: Probe) -> bool:
        return next(answers) if p == Probe("good") else not {2} <= applied(p, 8)

    result = run(search(8), glitch)
    assert (result.verdict, result.culprit) == ("found", (2,))
    assert Tally.of(result.baseline["good"][:10]) == Tally(9, 1)


def test_server_changed_during_the_search() -> None:
    """GOOD accepted at the start and consistently rejected later (a rate limit): said as such, no culprit."""
    count = 0

    def limited(p: Probe) -> bool:
        nonlocal count
        count += 1
        return count <= 9 and not {4} <= applied(p, 8)

    result = run(search(8), limited)
    assert result.verdict == "server-changed" and result.culprit == ()
    (first, before), (again, after) = result.evidence
    assert first == again == Probe("good") and before == Tally(2, 0) and after == Tally(0, 9)


@pytest.mark.parametrize("seed", range(3))
def test_a_coin_flip_server_is_flaky(seed: int) -> None:
    """A server that rejects half of all requests at random: flaky, with both answers counted, never a culprit."""
    result = run(search(16), coin(random.Random(seed), 0.5))
    assert result.verdict == "flaky" and result.culprit == () and result.causes == ()
    assert result.evidence and all(t.accepted and t.rejected for _, t in result.evidence)


@pytest.mark.parametrize(("rejects", "trials", "flaky_at_least"), [(0.5, 400, 0.99), (0.2, 400, 0.8)])
def test_random_servers_never_get_a_culprit(rejects: float, trials: int, flaky_at_least: float) -> None:
    """Against servers that reject a share of identical requests at random, no culprit is ever named."""
    rng = random.Random(6455)
    verdicts = [run(search(16), coin(rng, rejects)) for _ in range(trials)]
    assert not [r for r in verdicts if r.culprit or r.causes]
    assert sum(r.verdict == "flaky" for r in verdicts) >= flaky_at_least * trials
    # Every other ending rests on answers that all agree (a consistent GOOD, BAD or GOOD + everything).
    for r in verdicts:
        if r.verdict != "flaky":
            assert all(t.accepted == 0 or t.rejected == 0 for _, t in r.evidence)


def test_a_noisy_server_with_a_real_cause_never_gets_a_wrong_one() -> None:
    """A real cause plus 5% of answers flipped: the right cause, or no culprit at all; never a wrong one."""
    rng = random.Random(12)
    named = 0
    for _ in range(300):
        c = rng.randrange(16)
        result = run(search(16), lambda p: (c not in applied(p, 16)) ^ (rng.random() < 0.05))
        assert result.culprit in ((), (c,))
        named += result.culprit == (c,)
    assert named >= 150  # most runs still name it


def test_policy() -> None:
    """Stricter policies ask more; an unusable one is refused."""
    lax = run(search(8, policy=Policy(confirm=1)), server(needs_all(3), 8))
    strict = run(search(8, policy=Policy(repeats=3, confirm=5)), server(needs_all(3), 8))
    assert lax.culprit == strict.culprit == (3,) and strict.probes - lax.probes == 2 + 4 + 4
    with pytest.raises(ValueError, match="not a usable policy"):
        Policy(agree=0)


def test_tally_words() -> None:
    """Counts are worded by the side that leads."""
    assert str(Tally(9, 1)) == "accepted 9 of 10" and str(Tally(0, 10)) == "rejected 10 of 10"
    assert Tally(2, 3).said(True) == "accepted 2 of 5" and Tally.of([True, False, False]) == Tally(1, 2)


def test_a_fluke_partner_is_caught_by_the_group_check() -> None:
    """A fluke makes the search pair the cause with a harmless difference; the group check catches it, the retry fixes it."""
    fluked = False

    def once(p: Probe) -> bool:
        nonlocal fluked
        if p == Probe("good", frozenset({5})) and not fluked:
            fluked = True
            return True  # the one wrong answer: GOOD + {5} accepted
        return 5 not in applied(p, 8)

    result = run(search(8), once)
    assert (result.verdict, result.causes) == ("found", ((5,),)) and result.complete
    # The group (0, 5) was checked without each member: without 0 it was still rejected, nine times of nine.
    assert result.answers[Probe("good", frozenset({5}))][:10] == (True,) + (False,) * 9
    assert result.tally(Probe("good", frozenset({0}))) == Tally(3, 0)


def test_unexplained_names_its_evidence_and_counts_rounds() -> None:
    """GOOD with everything accepted, against expectation: asked again, four at a time, until nine agree."""
    result = run(search(6), lambda p: p.base == "good")
    everything = Probe("good", frozenset(range(6)))
    assert result.evidence == ((everything, Tally(9, 0)),)
    assert (result.probes, result.rounds) == (5 + 4 + 4, 3)
    assert result.baseline == {"good": [True, True], "bad": [False, False]}


def test_every_flaky_ending_carries_its_evidence() -> None:
    """Wherever the search stops as flaky, the requests answered both ways are named with both counts."""
    rng = random.Random(11)
    results = [run(search(8), coin(rng, 0.3)) for _ in range(60)]
    flaky = [r for r in results if r.verdict == "flaky"]
    assert flaky and all(r.evidence and all(t.accepted and t.rejected for _, t in r.evidence) for r in flaky)


def scripted(rule: Rule, n: int, script: dict[Probe, list[bool]]) -> Callable[[Probe], bool]:
    """A stable server (*rule*) that first gives, for some requests, the answers *script* lists (True: accepted)."""
    queued = {p: list(a) for p, a in script.items()}

    def accepts(p: Probe) -> bool:
        if queued.get(p):
            return queued[p].pop(0)
        return not rule(applied(p, n))

    return accepts


def _seen(result: SearchResult) -> tuple[object, ...]:
    return (result.verdict, result.culprit, result.causes, result.probes, result.rounds,
            [(p.base, sorted(p.changed), str(t)) for p, t in result.evidence])


BAD_MINUS_2 = Probe("bad", frozenset({2}))


@pytest.mark.parametrize(
    ("n", "rule", "script", "policy", "seen"),
    [
        # Stable servers: the exact cost of each search, as bisect prints it ("29 probes in 8 rounds").
        (4, any_of(0, 2), {}, Policy(), ("found", (0, 2), ((0,), (2,)), 29, 8, [
            ("good", [0], "rejected 4 of 4"), ("good", [2], "rejected 4 of 4"), ("bad", [0, 2], "accepted 3 of 3"),
            ("good", [0, 2], "rejected 1 of 1")])),
        (6, any_of(1, 4), {}, Policy(), ("found", (1, 4), ((1,), (4,)), 32, 11, [
            ("good", [1], "rejected 4 of 4"), ("good", [4], "rejected 4 of 4"), ("bad", [1, 4], "accepted 3 of 3"),
            ("good", [1, 4], "rejected 1 of 1")])),
        (8, any_of(0, 5, 6), {}, Policy(), ("found", (0, 5, 6), ((0,), (5,), (6,)), 45, 15, [
            ("good", [0], "rejected 4 of 4"), ("good", [5], "rejected 4 of 4"), ("good", [6], "rejected 4 of 4"),
            ("bad", [0, 5, 6], "accepted 3 of 3"), ("good", [0, 5, 6], "rejected 1 of 1")])),
        (6, needs_all(1, 4), {}, Policy(), ("found", (1, 4), ((1, 4),), 27, 9, [
            ("good", [1, 4], "rejected 4 of 4"), ("bad", [1, 4], "accepted 3 of 3")])),
        (5, either(needs_all(0, 1), any_of(3)), {}, Policy(), ("found", (0, 1, 3), ((0, 1), (3,)), 36, 9, [
            ("good", [0, 1], "rejected 4 of 4"), ("good", [3], "rejected 4 of 4"), ("bad", [0, 1, 3], "accepted 3 of 3"),
            ("good", [0, 1, 3], "rejected 1 of 1")])),
        # BAD without the cause answered both ways once: asked again until nine agree.
        (4, any_of(2), {BAD_MINUS_2: [True, False, True]}, Policy(), ("found", (2,), ((2,),), 24, 7, [
            ("good", [2], "rejected 4 of 4"), ("bad", [2], "accepted 9 of 10")])),
        (4, any_of(2), {BAD_MINUS_2: [False, True, True, True]}, Policy(), ("found", (2,), ((2,),), 24, 7, [
            ("good", [2], "rejected 4 of 4"), ("bad", [2], "accepted 9 of 10")])),
        # Twice the other way is more than the one answer tolerated: both ways, nothing blamed.
        (4, any_of(2), {BAD_MINUS_2: [True, False, False]}, Policy(), ("flaky", (), (), 21, 6, [
            ("bad", [2], "accepted 5 of 7")])),
        (4, any_of(2), {BAD_MINUS_2: [True, False, True, False, True, False]}, Policy(), ("flaky", (), (), 21, 6, [
            ("bad", [2], "accepted 4 of 7")])),
        # One agreeing answer settles it; a tie with no side expected is read as accepted.
        (4, any_of(2), {BAD_MINUS_2: [True, False]}, Policy(confirm=2, agree=1), ("found", (2,), ((2,),), 15, 5, [
            ("good", [2], "rejected 3 of 3"), ("bad", [2], "accepted 1 of 2")])),
        (4, any_of(2), {BAD_MINUS_2: [False, True]}, Policy(confirm=2, agree=1), ("found", (2,), ((2,),), 15, 5, [
            ("good", [2], "rejected 3 of 3"), ("bad", [2], "accepted 1 of 2")])),
        # An ending against expectation rests on answers that all agree: GOOD rejected twice of three is not
        # "good-rejected" (nor BAD accepted twice of three "bad-accepted"), even where two agreeing answers settle.
        (4, any_of(2), {Probe("good"): [True, False, False]}, Policy(repeats=3, agree=2), ("flaky", (), (), 7, 1, [
            ("good", [], "rejected 2 of 3")])),
        (4, any_of(2), {Probe("bad"): [False, True, True]}, Policy(repeats=3, agree=2), ("flaky", (), (), 7, 1, [
            ("bad", [], "accepted 2 of 3")])),
        (4, any_of(2), {Probe("good"): [False, False, False]}, Policy(repeats=3, agree=2),
         ("good-rejected", (), (), 7, 1, [("good", [], "rejected 3 of 3")])),
    ],
)
def test_exact_cost_and_evidence(n: int, rule: Rule, script: dict[Probe, list[bool]], policy: Policy,
                                 seen: tuple[object, ...]) -> None:
    """Each search ends with the same verdict, causes, probes, rounds and evidence every time: what bisect prints."""
    assert _seen(run(search(n, policy=policy), scripted(rule, n, script))) == seen


# GOOD + {0, 1} is rejected once, by a fluke, while the binary search looks for the first cause: it blames (0, 1).
FIRST_FLUKE = {Probe("good", frozenset({0, 1})): [False]}


@pytest.mark.parametrize(
    ("policy", "seen"),
    [
        # The first cause's own confirmation fails (GOOD + 0, 1 accepted): search again, and find 2.
        (Policy(), ("found", (2,), ((2,),), 41, 11, [("good", [2], "rejected 4 of 4"),
                                                     ("bad", [2], "accepted 3 of 3")])),
        # Without a retry the claim that failed is the evidence.
        (Policy(retries=0), ("not-confirmed", (), (), 29, 7, [("good", [0, 1], "accepted 9 of 9")])),
    ],
)
def test_a_fluke_in_the_first_search_is_searched_again(policy: Policy, seen: tuple[object, ...]) -> None:
    """A first cause whose confirmation fails is searched for again, as any cause is (it was never retried before)."""
    assert _seen(run(search(4, policy=policy), scripted(any_of(2), 4, FIRST_FLUKE))) == seen


@pytest.mark.parametrize(
    "changes",
    [{"repeats": 0}, {"confirm": 0}, {"agree": 0}, {"chunk": 0}, {"tolerate": -1}, {"retries": -1}],
)
def test_unusable_policies_are_refused(changes: dict[str, int]) -> None:
    """Each count must be at least 1, and the tolerance and retries at least 0; the error shows the policy."""
    with pytest.raises(ValueError) as e:
        Policy(**changes)
    fields = {"repeats": 2, "confirm": 3, "agree": 9, "tolerate": 1, "chunk": 4, "retries": 1, **changes}
    assert str(e.value) == "not a usable policy: Policy(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def test_the_smallest_usable_policy() -> None:
    """No tolerance and no retry are allowed: a stable server's single cause is still found."""
    policy = Policy(repeats=1, confirm=1, agree=1, tolerate=0, chunk=1, retries=0)
    assert _seen(run(search(4, policy=policy), server(any_of(2), 4))) == (
        "found", (2,), ((2,),), 11, 5, [("good", [2], "rejected 2 of 2"), ("bad", [2], "accepted 1 of 1")])


def _odd_pair(carried: frozenset[int]) -> bool:
    """A server that rejects 1 and 2 together, and 1 alone, but not 1 with 0: the pair (1, 2) never confirms."""
    return {1, 2} <= carried or carried == {1}


@pytest.mark.parametrize(
    ("n", "rule", "script", "policy", "seen", "confirmed"),
    [
        # The only difference is the cause, yet BAD without it is still rejected: nothing is left to try.
        (1, any_of(0), {Probe("bad", frozenset({0})): [False] * 20}, Policy(),
         ("unexplained", (0,), ((0,),), 13, 2, [("bad", [0], "rejected 3 of 3")]), (True, False)),
        # Each cause is rejected alone but GOOD with both is accepted: the claim that they reject together fails.
        (4, any_of(0, 2), {Probe("good", frozenset({0, 2})): [True] * 20}, Policy(),
         ("not-confirmed", (), (), 37, 10, [("good", [0, 2], "accepted 9 of 9")]), (False, None)),
        # A group that is still rejected without one member: searched again as many times as retries allow.
        (4, _odd_pair, {}, Policy(retries=0), ("not-confirmed", (), (), 31, 9, [("good", [1], "rejected 9 of 9")]),
         (None, None)),
        (4, _odd_pair, {}, Policy(), ("not-confirmed", (), (), 57, 17, [("good", [1], "rejected 9 of 9")]),
         (None, None)),
        (4, _odd_pair, {}, Policy(retries=2), ("not-confirmed", (), (), 83, 25, [("good", [1], "rejected 9 of 9")]),
         (None, None)),
    ],
)
def test_claims_that_fail(n: int, rule: Rule, script: dict[Probe, list[bool]], policy: Policy,
                          seen: tuple[object, ...], confirmed: tuple[bool | None, bool | None]) -> None:
    """A claim the server contradicts ends the search with it as evidence, after the retries allowed, and says
    which confirmation failed (GOOD + causes rejected: False when it was contradicted, None when not the point)."""
    result = run(search(n, policy=policy), scripted(rule, n, script))
    assert _seen(result) == seen
    assert (result.confirmed_good_plus, result.confirmed_bad_minus) == confirmed


@pytest.mark.parametrize(("verdict", "good_plus", "bad_minus", "complete"), [
    ("found", True, True, True),
    ("found", True, False, False),   # BAD without the causes was not confirmed accepted
    ("found", False, True, False),   # GOOD with the causes was not confirmed rejected
    ("found", None, None, False),    # never asked
    ("not-confirmed", True, True, False),
    ("unexplained", True, True, False),
])
def test_complete_needs_both_confirmations(verdict: str, good_plus: bool | None, bad_minus: bool | None,
                                           complete: bool) -> None:
    """A result is complete only when found and both confirmation probes held (never on a skipped confirmation)."""
    result = SearchResult(verdict, culprit=(0,), causes=((0,),), confirmed_good_plus=good_plus,
                          confirmed_bad_minus=bad_minus)
    assert result.complete is complete
