"""Verdicts: what a replay row or a bisect search means, and the fix to suggest (pure).

:class:`BisectReport` joins the search's result (:mod:`wsdiff.search`) to
the differences it searched over; :func:`suggest_fix` words the fix through
each kind's registry entry (:data:`wsdiff.kinds.KINDS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .difference import Comparison, Difference
from .kinds import KINDS
from .oracle import ProbeResult
from .search import SearchResult

__all__ = ["VERDICTS", "suggest_fix", "VariantRow", "BisectReport"]

VERDICTS = {
    "found": "found the difference(s) that make the server reject",
    "good-rejected": "GOOD is rejected when replayed now: the server changed, or GOOD needs something replay "
                     "cannot restore (a secret, an expired token); nothing to search",
    "bad-accepted": "BAD is accepted when replayed now: the rejection does not reproduce (expired token since "
                    "refreshed, rate limit, the server changed); nothing to search",
    "flaky": "a baseline answered both ways on repeated replays: the server is not deterministic here "
             "(rate limit, load balancer, time-based token); no header is to blame",
    "unexplained": "GOOD with every request difference applied is still accepted: the cause is not in the "
                   "request (where it connects from, timing, or header order and case)",
    "no-differences": "the two requests do not differ in anything replay can change",
}



def suggest_fix(verdict: str, culprit: Sequence[Difference], comparison: Comparison) -> str:
    """Return one line that says what to change, or why there is nothing to change."""
    if verdict != "found" or not culprit:
        return VERDICTS.get(verdict, verdict)
    if len(culprit) == 1:
        return "Fix: " + KINDS[culprit[0].kind].fix(culprit[0]) + "."
    return "Fix: these fail only together; change any one of them: " + "; or ".join(
        KINDS[d.kind].fix(d) for d in culprit) + "."


@dataclass(frozen=True)
class VariantRow:
    """One row of a variants table: what was changed and what the server answered."""

    name: str
    description: str
    result: ProbeResult
    accepted: bool

    def to_json(self) -> dict[str, object]:
        return {"variant": self.name, "description": self.description, "accepted": self.accepted,
                **self.result.to_json()}


@dataclass(frozen=True)
class BisectReport:
    """What bisect found, with the differences it searched over."""

    comparison: Comparison
    candidates: tuple[Difference, ...]
    result: SearchResult
    samples: dict[str, ProbeResult]  # one answer of each baseline, for the report

    @property
    def culprit(self) -> tuple[Difference, ...]:
        return tuple(self.candidates[i] for i in self.result.culprit)

    @property
    def fix(self) -> str:
        return suggest_fix(self.result.verdict, self.culprit, self.comparison)

    def to_json(self) -> dict[str, object]:
        r = self.result
        return {
            "verdict": r.verdict,
            "culprit": [d.to_json() for d in self.culprit],
            "probes": r.probes,
            "rounds": r.rounds,
            "candidates": len(self.candidates),
            "confirmations": {"good_plus_culprit_rejected": r.confirmed_good_plus,
                              "bad_minus_culprit_accepted": r.confirmed_bad_minus},
            "baseline": r.baseline,
            "fix": self.fix,
        }
