"""The bisect search: which differences turn an accepted handshake into a rejected one (pure).

:func:`search` is a generator in the sans-I/O style: it yields batches of
probes, each a :class:`Probe` (GOOD with some of BAD's differences added, or
BAD with some of them taken away), and is sent back one accepted/rejected
boolean per probe. The caller runs each batch, concurrently if it likes.

Causes. The search assumes that adding differences to GOOD never turns a
rejection back into acceptance (monotony, as delta debugging does). It finds
one minimal cause C (no proper subset of C is rejected, up to that
assumption) with a binary search over prefixes: a cause of one difference
among n costs about log2(n) probes, a pair that fails only together about
twice that. Then it asks whether BAD without every cause found so far is
accepted; while it is not, it searches again among the differences that are
left, so independent causes (each enough for a rejection alone) are all
found, each as its own group. It ends with the complete set, or says that
the rest of the rejection is not in the request.

Flakiness. A server can answer the same request both ways. Every claim a
verdict rests on is asked more than once (the baselines at the start, then
each cause's confirmation three times, and GOOD and BAD again at the end),
and any answer that disagrees (with the others for the same request, or with
what the search expects) is repeated until it is clear: ``agree`` answers on
one side (``tolerate`` the other way are forgiven only on the side the search
expects; an ending against expectation needs answers that all agree), or
both ways beyond that, which proves the server answers that request both
ways (``flaky``). A stable server pays only the fixed confirmations; against a
server that answers at random, a culprit would need every one of those
answers to come out as expected (about 2**-14 for a coin flip).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Probe", "Tally", "Policy", "SearchResult", "search", "applied", "run"]


@dataclass(frozen=True)
class Probe:
    """One handshake to try: GOOD plus differences, or BAD minus differences."""

    base: str  # "good" or "bad"
    changed: frozenset[int] = frozenset()  # indices of the differences added (good) or removed (bad)

    def describe(self, n: int) -> str:
        if not self.changed:
            return f"{self.base.upper()} as recorded"
        sign = "+" if self.base == "good" else "-"
        return f"{self.base.upper()} {sign} {len(self.changed)} of {n} difference(s)"


@dataclass(frozen=True)
class Tally:
    """How often one request was answered each way."""

    accepted: int = 0
    rejected: int = 0

    @classmethod
    def of(cls, answers: Iterable[bool]) -> Tally:
        seen = list(answers)
        return cls(sum(seen), len(seen) - sum(seen))

    def _get_total(self) -> int:
        return self.accepted + self.rejected

    total = property(_get_total)

    def said(self, accepted: bool) -> str:
        """Word one side: ``accepted 9 of 10``."""
        return f"{'accepted' if accepted else 'rejected'} {self.accepted if accepted else self.rejected} of {self.total}"

    def __str__(self) -> str:
        return self.said(self.accepted >= self.rejected)

    def to_json(self) -> dict[str, int]:
        return {"accepted": self.accepted, "rejected": self.rejected}


@dataclass(frozen=True)
class Policy:
    """How sure the search must be before it believes an answer."""

    repeats: int = 2  # GOOD and BAD as recorded, at the start
    confirm: int = 3  # each cause's confirmations: GOOD + cause, BAD - all causes found
    agree: int = 9  # once answers to one request disagree: agreeing answers that settle it
    tolerate: int = 1  # answers the other way that still let it settle
    chunk: int = 4  # repeats asked per round while settling
    retries: int = 1  # searches again for a cause whose confirmation fails (one fluke during the search)

    def __post_init__(self) -> None:
        if min(self.repeats, self.confirm, self.agree, self.chunk) < 1 or min(self.tolerate, self.retries) < 0:
            raise ValueError(f"not a usable policy: {self}")


@dataclass(frozen=True)
class SearchResult:
    """How the search ended.

    verdict:

    - ``found``: *causes* is complete (BAD without all of them is accepted)
      and confirmed; *culprit* is their union.
    - ``good-rejected`` / ``bad-accepted``: GOOD was consistently rejected,
      or BAD consistently accepted, when replayed; nothing to search.
    - ``flaky``: the server answered one request both ways (*evidence*).
    - ``unexplained``: the rejection, or the part of it left after the
      *causes* found, is not in the request (GOOD with every remaining
      difference is accepted, or no difference is left).
    - ``not-confirmed``: a cause the search found is accepted when asked
      again, twice: the server does not behave as the search assumes.
    - ``server-changed``: GOOD or BAD as recorded answered one way at the
      start and consistently the other way later.
    - ``no-differences``.

    *evidence* holds the tallies the verdict rests on (for
    ``server-changed``: the same request at the start, then now; for
    ``found``: each cause alone, BAD without them all, and GOOD with them all
    when there are several).
    """

    verdict: str
    culprit: tuple[int, ...] = ()
    causes: tuple[tuple[int, ...], ...] = ()
    probes: int = 0
    rounds: int = 0
    confirmed_good_plus: bool | None = None  # GOOD + every cause is rejected
    confirmed_bad_minus: bool | None = None  # BAD - every cause is accepted
    baseline: dict[str, list[bool]] = field(default_factory=dict)  # every answer to GOOD and BAD as recorded
    answers: dict[Probe, tuple[bool, ...]] = field(default_factory=dict)  # every answer, by request
    evidence: tuple[tuple[Probe, Tally], ...] = ()

    def _get_complete(self) -> bool:
        """The complete set was found and both confirmations hold."""
        return self.verdict == "found" and bool(self.confirmed_good_plus) and bool(self.confirmed_bad_minus)

    complete = property(_get_complete)

    def tally(self, probe: Probe) -> Tally:
        """Every answer to *probe* during the search."""
        return Tally.of(self.answers.get(probe, ()))


Search = Generator[list[Probe], list[bool], SearchResult]
Ask = Generator[list[Probe], list[bool], list[bool]]
Question = tuple[Probe, int, "bool | None"]  # the request, how often to ask it, what the search expects (None: no view)
Settle = Generator[list[Probe], list[bool], "dict[Probe, tuple[bool | None, Tally]]"]


class _Run:
    """The state of one search: the policy, the counters and every answer."""

    def __init__(self, n: int, policy: Policy) -> None:
        self.n = n
        self.policy = policy
        self.probes = 0
        self.rounds = 0
        self.answers: dict[Probe, list[bool]] = {}

    def ask(self, batch: list[Probe]) -> Ask:
        self.probes += len(batch)
        self.rounds += 1
        answers = yield batch
        if len(answers) != len(batch):
            raise ValueError(f"expected {len(batch)} answers, got {len(answers)}")
        for probe, accepted in zip(batch, answers):
            self.answers.setdefault(probe, []).append(bool(accepted))
        return [bool(a) for a in answers]

    def rejected(self, indices: Iterable[int]) -> Generator[list[Probe], list[bool], bool]:
        """Ask once whether GOOD plus these differences is rejected (a step of the search)."""
        [accepted] = yield from self.ask([Probe("good", frozenset(indices))])
        return not accepted

    def _state(self, seen: list[bool], expect: bool | None) -> tuple[bool | None, int]:
        """Read the answers to one request: what they settle to, and how many more to ask (0: settled).

        Answers that all agree (and with *expect*, when given) settle at once.
        Otherwise the request is asked again until ``agree`` answers are on
        one side. Answers the other way are tolerated (up to ``tolerate``)
        only on the side the search expects: a verdict that ends the search
        against expectation (GOOD rejected, BAD accepted) rests on answers
        that all agree. Settles to None (both ways) when that cannot be had.
        """
        p = self.policy
        accepted = sum(seen)
        rejected = len(seen) - accepted
        if not (accepted and rejected) and (expect is None or seen[0] == expect):
            return seen[0], 0
        if expect is None:
            if min(accepted, rejected) > p.tolerate:
                return None, 0
            lead = accepted >= rejected
        else:
            wrong = rejected if expect else accepted
            if wrong == len(seen):  # consistently against expectation, so far
                lead = not expect
            elif wrong > p.tolerate:
                return None, 0
            else:
                lead = expect
        count = accepted if lead else rejected
        if count >= p.agree:
            return lead, 0
        return None, min(p.chunk, p.agree - count)

    def check(self, questions: Sequence[Question]) -> Settle:
        """Ask each question in one round, then repeat the unclear ones until they settle."""
        want: dict[Probe, tuple[int, bool | None]] = {}
        for probe, times, expect in questions:
            want[probe] = (max(times, want.get(probe, (0, None))[0]), expect)
        batch = [p for p, (times, _) in want.items() for _ in range(times)]
        answers = yield from self.ask(batch)
        seen: dict[Probe, list[bool]] = {p: [] for p in want}
        for probe, accepted in zip(batch, answers):
            seen[probe].append(accepted)
        return (yield from self.settle([(p, seen[p], expect) for p, (_, expect) in want.items()]))

    def settle(self, given: Sequence[tuple[Probe, list[bool], bool | None]]) -> Settle:
        """Settle requests already asked (with the answers *given*), asking again only where they are unclear.

        Returns, for each request, True (accepted), False (rejected) or None
        (answered both ways), with the tally of the answers this settling saw.
        """
        seen = {p: list(answers) for p, answers, _ in given}
        expects = {p: e for p, _, e in given}
        while batch := [p for p in seen for _ in range(self._state(seen[p], expects[p])[1])]:
            answers = yield from self.ask(batch)
            for probe, accepted in zip(batch, answers):
                seen[probe].append(accepted)
        return {p: (self._state(seen[p], expects[p])[0], Tally.of(seen[p])) for p in seen}


def _mixed(got: dict[Probe, tuple[bool | None, Tally]]) -> tuple[tuple[Probe, Tally], ...]:
    return tuple((p, t) for p, (v, t) in got.items() if v is None)


def search(n: int, *, repeats: int = 2, policy: Policy | None = None) -> Search:
    """Search for every cause among *n* differences; see the module docstring for the protocol.

    *repeats* is short for ``Policy(repeats=...)`` when no *policy* is given.
    """
    policy = policy or Policy(repeats=repeats)
    run_ = _Run(n, policy)
    good, bad = Probe("good"), Probe("bad")
    everything = frozenset(range(n))

    def end(verdict: str, **kw: object) -> SearchResult:
        baseline = {"good": list(run_.answers.get(good, [])), "bad": list(run_.answers.get(bad, []))}
        answers = {p: tuple(a) for p, a in run_.answers.items()}
        return SearchResult(verdict, probes=run_.probes, rounds=run_.rounds, baseline=baseline,  # type: ignore[arg-type]
                            answers=answers, **kw)

    # The baselines, and GOOD with everything (which must be rejected for a search to make sense), in one round.
    first = yield from run_.ask([good] * policy.repeats + [bad] * policy.repeats
                                + ([Probe("good", everything)] if n else []))
    start = yield from run_.settle([(good, first[:policy.repeats], True),
                                      (bad, first[policy.repeats:2 * policy.repeats], False)])
    if mixed := _mixed(start):
        return end("flaky", evidence=mixed)
    if start[good][0] is False:
        return end("good-rejected", evidence=((good, start[good][1]),))
    if start[bad][0] is True:
        return end("bad-accepted", evidence=((bad, start[bad][1]),))
    if n == 0:
        return end("no-differences")
    whole = yield from run_.settle([(Probe("good", everything), first[-1:], False)])
    if mixed := _mixed(whole):
        return end("flaky", evidence=mixed)
    if whole[Probe("good", everything)][0]:
        return end("unexplained", evidence=((Probe("good", everything), whole[Probe("good", everything)][1]),))

    causes: list[tuple[int, ...]] = []
    pool = list(range(n))  # Invariant: GOOD + pool is rejected, GOOD is accepted.
    retries = policy.retries
    while True:
        cause = yield from _minimal(run_, pool)
        union = frozenset(i for c in [*causes, cause] for i in c)
        left = [i for i in pool if i not in union]
        alone, plus, minus, rest = (Probe("good", frozenset(cause)), Probe("good", union), Probe("bad", union),
                                    Probe("good", frozenset(left)))
        # One round: the cause alone is rejected; BAD without every cause found, and GOOD with every difference
        # left, say whether more remains (from both sides); GOOD and BAD as recorded still answer as at the start.
        questions: list[Question] = [(alone, policy.confirm, False), (minus, policy.confirm, None),
                                     (good, 1, True), (bad, 1, False)]
        if left:
            questions.append((rest, 1, None))
        if causes:
            questions.append((plus, 1, False))
        # A group claims to reject only together: without any one of its members, GOOD + the rest is accepted.
        smaller = [Probe("good", frozenset(cause) - {i}) for i in cause] if len(cause) > 1 else []
        questions += [(p, policy.confirm, True) for p in smaller]
        got = yield from run_.check(questions)
        if left and got[minus][0] is not None:
            # GOOD + the rest should agree with BAD - the causes; when it does not, it must say so consistently.
            again = yield from run_.settle([(rest, _replay(got[rest][1]), got[minus][0])])
            got[rest] = again[rest]
        if mixed := _mixed(got):
            return end("flaky", evidence=mixed)
        for probe, was in ((good, True), (bad, False)):
            if got[probe][0] is not was:
                return end("server-changed", evidence=((probe, start[probe][1]), (probe, got[probe][1])))
        # What this round may contradict: the cause is rejected alone, a group is accepted without any one of its
        # members, and (from the second cause on) all the causes together are rejected.
        claims = {alone: False, **{p: True for p in smaller}, **({plus: False} if causes else {})}
        failed = next((p for p, claim in claims.items() if got[p][0] is not claim), None)
        # In the first round GOOD + every cause is GOOD + this cause (`plus == alone`): that failure is the cause's own.
        if failed is not None and (failed != plus or not causes) and retries:
            retries -= 1  # one answer during the search may have been a fluke: search for this cause again
            continue
        if failed is not None:
            return end("not-confirmed", confirmed_good_plus=False if failed in (alone, plus) else None,
                       evidence=((failed, got[failed][1]),))
        causes.append(tuple(cause))
        done = {"culprit": tuple(sorted(union)), "causes": tuple(sorted(causes)), "confirmed_good_plus": True}
        rest_rejected = bool(left) and got[rest][0] is False
        if got[minus][0] and not rest_rejected:
            # What "found" rests on: each cause rejected alone, BAD without them all accepted, and (with several
            # causes) GOOD with them all rejected; every answer to each, from the whole search.
            rests_on = [Probe("good", frozenset(c)) for c in causes] + [minus] + ([plus] if len(causes) > 1 else [])
            return end("found", confirmed_bad_minus=True, **done,
                       evidence=tuple((p, Tally.of(run_.answers.get(p, ()))) for p in rests_on))
        if not rest_rejected:  # BAD without the causes is still rejected, but nothing left in the request rejects
            evidence = ((minus, got[minus][1]),) + (((rest, got[rest][1]),) if left else ())
            return end("unexplained", confirmed_bad_minus=got[minus][0], evidence=evidence, **done)
        pool = left


def _replay(tally: Tally) -> list[bool]:
    return [True] * tally.accepted + [False] * tally.rejected


def _minimal(run_: _Run, pool: Sequence[int]) -> Generator[list[Probe], list[bool], list[int]]:
    """Find one minimal rejected set within *pool*, given that GOOD + pool is rejected."""
    culprit: list[int] = []
    remaining = list(pool)
    # Invariant: GOOD + culprit + remaining is rejected.
    while remaining:
        if culprit and (yield from run_.rejected(culprit)):
            break
        lo, hi = 0, len(remaining)  # culprit + remaining[:lo] accepted, + remaining[:hi] rejected
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if (yield from run_.rejected(culprit + remaining[:mid])):
                hi = mid
            else:
                lo = mid
        culprit.append(remaining[hi - 1])
        remaining = remaining[: hi - 1]
    return sorted(culprit)


def applied(probe: Probe, n: int) -> frozenset[int]:
    """Return the indices of BAD's differences that *probe*'s request carries (GOOD carries none)."""
    return probe.changed if probe.base == "good" else frozenset(range(n)) - probe.changed


def run(gen: Search, accepts: Callable[[Probe], bool]) -> SearchResult:
    """Drive *gen* to its end, answering each probe with *accepts* (a simulated server, or a test's oracle)."""
    batch = next(gen)
    while True:
        try:
            batch = gen.send([accepts(p) for p in batch])
        except StopIteration as stop:
            return stop.value
