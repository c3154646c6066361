"""The bisect search: which differences turn an accepted handshake into a rejected one (pure).

:func:`search` is a generator in the sans-I/O style: it yields batches of
probes, each a :class:`Probe` (GOOD with some of BAD's differences added, or
BAD with some of them taken away), and is sent back one accepted/rejected
boolean per probe. The caller runs each batch, concurrently if it likes.

The search assumes that adding differences to GOOD never turns a rejection
back into acceptance on the way (monotony, as delta debugging does). It
finds a minimal culprit set C (no proper subset of C is rejected, up to that
assumption) with a binary search over prefixes: one culprit among n
differences costs about log2(n) probes, k culprits about k*log2(n), and a
pair that fails only together is found like any other pair.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

__all__ = ["Probe", "SearchResult", "search", "applied", "run"]


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
class SearchResult:
    """How the search ended.

    verdict: ``found`` (culprit holds the indices), ``good-rejected``,
    ``bad-accepted``, ``flaky`` (a baseline answered both ways),
    ``unexplained`` (GOOD with every difference is still accepted: the cause
    is not in the request, e.g. timing or the client's network), or
    ``no-differences``.
    """

    verdict: str
    culprit: tuple[int, ...] = ()
    probes: int = 0
    rounds: int = 0
    confirmed_good_plus: bool | None = None  # GOOD + culprit is rejected
    confirmed_bad_minus: bool | None = None  # BAD - culprit is accepted
    baseline: dict[str, list[bool]] = field(default_factory=dict)


Search = Generator[list[Probe], list[bool], SearchResult]


def search(n: int, *, repeats: int = 2) -> Search:
    """Search for the culprits among *n* differences; see the module docstring for the protocol."""
    probes = 0
    rounds = 0

    def ask(batch: list[Probe]) -> Generator[list[Probe], list[bool], list[bool]]:
        nonlocal probes, rounds
        probes += len(batch)
        rounds += 1
        answers = yield batch
        if len(answers) != len(batch):
            raise ValueError(f"expected {len(batch)} answers, got {len(answers)}")
        return answers

    everything = frozenset(range(n))
    good, bad = Probe("good"), Probe("bad")
    batch = [good] * repeats + [bad] * repeats + ([Probe("good", everything)] if n else [])
    answers = yield from ask(batch)
    good_ok, bad_ok = answers[:repeats], answers[repeats:2 * repeats]
    baseline = {"good": good_ok, "bad": bad_ok}

    def end(verdict: str, **kw: object) -> SearchResult:
        return SearchResult(verdict, probes=probes, rounds=rounds, baseline=baseline, **kw)  # type: ignore[arg-type]

    if len(set(good_ok)) > 1 or len(set(bad_ok)) > 1:
        return end("flaky")
    if not good_ok[0]:
        return end("good-rejected")
    if bad_ok[0]:
        return end("bad-accepted")
    if n == 0:
        return end("no-differences")
    if answers[-1]:
        return end("unexplained")

    def rejected(indices: list[int]) -> Generator[list[Probe], list[bool], bool]:
        [accepted] = yield from ask([Probe("good", frozenset(indices))])
        return not accepted

    culprit: list[int] = []
    remaining = list(range(n))
    # Invariant: GOOD + culprit + remaining is rejected.
    while remaining:
        if culprit and (yield from rejected(culprit)):
            break
        lo, hi = 0, len(remaining)  # culprit + remaining[:lo] accepted, + remaining[:hi] rejected
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if (yield from rejected(culprit + remaining[:mid])):
                hi = mid
            else:
                lo = mid
        culprit.append(remaining[hi - 1])
        remaining = remaining[: hi - 1]
    found = frozenset(culprit)
    plus, minus = yield from ask([Probe("good", found), Probe("bad", found)])
    return end("found", culprit=tuple(sorted(found)), confirmed_good_plus=not plus, confirmed_bad_minus=minus)


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

