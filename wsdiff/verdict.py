"""Verdicts: what a replay row or a bisect search means, and the fix to suggest (pure).

:class:`BisectReport` joins the search's result (:mod:`wsdiff.search`) to
the differences it searched over, and words it: :meth:`BisectReport.reason`
says why the search ended as it did with the answers it counted (a verdict's
words say only what was seen), and :func:`suggest_fix` words every change
BAD needs through each kind's registry entry (:data:`wsdiff.kinds.KINDS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .difference import Comparison, Difference
from .kinds import KINDS
from .messages import closed_after
from .oracle import ProbeResult
from .search import Probe, SearchResult, Tally

__all__ = ["VERDICTS", "suggest_fix", "message_cause", "MessageCause", "VariantRow", "BisectReport"]

VERDICTS = {
    "found": "found every difference BAD must change, and confirmed it both ways",
    "good-rejected": "GOOD is consistently rejected when replayed now: the server changed since the recording, or "
                     "GOOD needs something replay cannot restore (a secret, an expired token); nothing to search",
    "bad-accepted": "BAD is consistently accepted when replayed now: the rejection does not reproduce (a token "
                    "refreshed since, a rate limit that has passed, the server changed since the recording); "
                    "nothing to search",
    "flaky": "the server answers identical requests both ways (a rate limit, a load balancer over different "
             "backends, a time-based token): no difference can be blamed",
    "unexplained": "the rejection, or what is left of it, is not in the request (where it connects from, timing, "
                   "or header order and case)",
    "not-confirmed": "a cause the search found did not hold when asked again, twice: the server does not answer as "
                     "the search assumes (adding differences never turns a rejection back into acceptance)",
    "server-changed": "GOOD or BAD as recorded answered one way at the start and consistently the other way later: "
                      "the server changed during the search",
    "no-differences": "the two requests do not differ in anything replay can change",
}
"""Each verdict in a line; :meth:`BisectReport.reason` words one result with its counts."""

_TOGETHER = "these fail only together; change any one of them: "


@dataclass(frozen=True)
class MessageCause:
    """BAD's server closed right after one of the client's messages: where to look when the handshake does not explain it."""

    position: int  # the client message (from 1)
    seconds: float  # from that message to the close
    close_code: int | None
    differences: tuple[Difference, ...]  # that message's differences from GOOD's

    def words(self, verdict: str) -> str:
        code = "with no close frame" if self.close_code is None else f"with {self.close_code}"
        text = (f"when recorded, BAD's server closed {code} {self.seconds * 1000:.0f} ms after the client's message "
                f"{self.position}, and the handshake differences do not explain it: the cause is probably in what "
                f"the client sent after the 101 (message {self.position})")
        if self.differences:
            text += ", which differs from GOOD's in " + ", ".join(d.label for d in self.differences)
        else:
            text += ", though GOOD sent the same: look for what replay cannot reproduce in it (a token since " \
                    "expired, a one-time value)"
        if verdict == "bad-accepted":
            text += ("; replayed now, BAD is accepted: what it sent is no longer refused (a token since refreshed), "
                     "or was not sent (--no-messages, or a message not kept whole)")
        elif verdict == "unexplained":
            text += "; GOOD with every difference replay can apply is still accepted"
        return text


AFTER_101_VERDICTS = frozenset({"bad-accepted", "unexplained", "no-differences"})
"""Verdicts that would blame nothing in the request: where a close right after a message says more."""


def _position_of(d: Difference) -> range:
    name = (d.name or "").split(":")[0]
    first, _, last = name.partition("-")
    return range(int(first), int(last or first) + 1) if first.isdigit() else range(0)


def message_cause(comparison: Comparison) -> MessageCause | None:
    """Return where BAD's server closed right after a client message (with that message's differences), or None."""
    after = closed_after(comparison.b)
    if after is None:
        return None
    k, seconds = after
    ws = comparison.b.websocket
    diffs = tuple(d for d in comparison.significant
                  if d.kind in ("message", "message-field") and k in _position_of(d))
    return MessageCause(k, seconds, ws.close_code if ws is not None else None, diffs)


def suggest_fix(verdict: str, causes: Sequence[Difference] | Sequence[Sequence[Difference]],
                comparison: Comparison) -> str:
    """Return one line that lists every change BAD needs, or says why there is nothing to change.

    *causes* is a list of groups (each a list of differences that reject
    together); a flat list of differences is taken as one group.
    """
    items = list(causes)
    groups = [items] if items and isinstance(items[0], Difference) else [list(g) for g in items]  # type: ignore[arg-type]
    if verdict in AFTER_101_VERDICTS and not groups:
        cause = message_cause(comparison)
        if cause is not None:  # never "does not reproduce" for a server that judged a message
            words = cause.words(verdict)
            return words[0].upper() + words[1:] + "."
    if verdict != "found" or not groups:
        return VERDICTS.get(verdict, verdict)

    def one(group: list[Difference]) -> str:
        if len(group) == 1:
            return KINDS[group[0].kind].fix(group[0])
        return _TOGETHER + "; or ".join(KINDS[d.kind].fix(d) for d in group)

    if len(groups) == 1:
        return "Fix: " + one(groups[0]) + "."
    steps = " ".join(f"({i}) {one(g)}." for i, g in enumerate(groups, 1))
    return f"Fix: {len(groups)} independent causes, each enough for a rejection alone; BAD needs all of these: {steps}"


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

    def _get_culprit(self) -> tuple[Difference, ...]:
        """Every difference BAD must change (all the causes together)."""
        return tuple(self.candidates[i] for i in self.result.culprit)

    culprit = property(_get_culprit)

    def _get_causes(self) -> tuple[tuple[Difference, ...], ...]:
        """The causes, each a group of differences that reject together; each group rejects alone."""
        return tuple(tuple(self.candidates[i] for i in group) for group in self.result.causes)

    causes = property(_get_causes)

    def _get_complete(self) -> bool:
        """Every cause was found and both confirmations hold (bisect's exit status 0)."""
        return self.result.complete

    complete = property(_get_complete)

    def _get_fix(self) -> str:
        return suggest_fix(self.result.verdict, self.causes, self.comparison)

    fix = property(_get_fix)

    def describe(self, probe: Probe) -> str:
        """Name a probe's request: ``GOOD as recorded``, ``GOOD + header Origin``, ``BAD - 3 differences``."""
        n = len(self.candidates)
        if not probe.changed:
            return f"{probe.base.upper()} as recorded"
        sign = "+" if probe.base == "good" else "-"
        if len(probe.changed) == n and n > 1:
            return f"{probe.base.upper()} {sign} every difference"
        if len(probe.changed) > 3:
            return f"{probe.base.upper()} {sign} {len(probe.changed)} differences"
        return f"{probe.base.upper()} {sign} " + ", ".join(self.candidates[i].label for i in sorted(probe.changed))

    def answers(self) -> dict[str, Tally | None]:
        """The counts a reader wants first: the baselines and the two confirmations."""
        r = self.result
        union = frozenset(r.culprit)
        return {
            "good": r.tally(Probe("good")),
            "bad": r.tally(Probe("bad")),
            "good_plus_culprit": r.tally(Probe("good", union)) if union else None,
            "bad_minus_culprit": r.tally(Probe("bad", union)) if union else None,
        }

    def reason(self) -> str:
        """Say why the search ended as it did, with the answers it counted."""
        r = self.result
        ev = r.evidence
        said = [f"{self.describe(p)} {t}" for p, t in ev]
        cause = self.after_101
        if cause is not None:  # never "does not reproduce" for a server that judged a message
            return (f"{said[0]}; " if said else "") + cause.words(r.verdict)
        if r.verdict == "found":
            k = len(r.causes)
            return "found every difference BAD must change: " + (
                "one cause" if k == 1 else f"{k} independent causes, each enough for a rejection alone")
        if r.verdict == "flaky":
            both = "; ".join(f"{self.describe(p)} accepted {t.accepted} and rejected {t.rejected} times"
                             for p, t in ev)
            return (f"the server answers identical requests both ways ({both}): no difference can be blamed (a "
                    "rate limit, a load balancer over different backends, a time-based token)")
        if r.verdict == "good-rejected":
            t = ev[0][1]
            return (f"GOOD, recorded accepted, was rejected {t.rejected} of {t.total} times when replayed now: the "
                    "server changed since the recording, or GOOD needs something replay cannot restore (a secret, "
                    "an expired token); nothing to search")
        if r.verdict == "bad-accepted":
            t = ev[0][1]
            return (f"BAD, recorded rejected, was accepted {t.accepted} of {t.total} times when replayed now: the "
                    "rejection does not reproduce (a token refreshed since, a rate limit that has passed, the "
                    "server changed since the recording); nothing to search")
        if r.verdict == "unexplained":
            if not r.causes:
                return (f"{said[0]}: the cause is not in the request (where it connects from, timing, or header "
                        "order and case)")
            if len(ev) == 1:
                return (f"{said[0]}, and no difference is left to try: the rest of the rejection is not in what "
                        "replay can change (header order and case, where it connects from)")
            return (f"{said[0]}, but {said[1]}: the rest of the rejection is not in the request (where it "
                    "connects from, timing, or header order and case)")
        if r.verdict == "not-confirmed":
            p, t = ev[0]
            wanted = "rejected" if t.accepted >= t.rejected else "accepted"
            return (f"{said[0]}, where the search expected it {wanted}: the server does not answer as the search "
                    "assumes (adding differences never turns a rejection back into acceptance), or its answers "
                    "drift; no cause is named")
        if r.verdict == "server-changed":
            (p, before), (_, after) = ev
            return (f"{self.describe(p)} was {before} at the start and {after} later: the server changed during "
                    "the search "
                    "(a rate limit, a deploy, a token that expired)")
        return VERDICTS.get(r.verdict, r.verdict)

    def _get_after_101(self) -> MessageCause | None:
        """Where the cause probably is when the verdict blames nothing in the request and BAD's server closed
        right after a client message."""
        if self.result.verdict not in AFTER_101_VERDICTS or self.result.causes:
            return None
        return message_cause(self.comparison)

    after_101 = property(_get_after_101)

    def to_json(self) -> dict[str, object]:
        r = self.result
        return {
            "verdict": r.verdict,
            "complete": self.complete,
            "reason": self.reason(),
            "culprit": [d.to_json() for d in self.culprit],
            "causes": [[d.to_json() for d in group] for group in self.causes],
            "probes": r.probes,
            "rounds": r.rounds,
            "candidates": len(self.candidates),
            "confirmations": {"good_plus_culprit_rejected": r.confirmed_good_plus,
                              "bad_minus_culprit_accepted": r.confirmed_bad_minus},
            "baseline": r.baseline,
            "answers": {k: None if t is None else t.to_json() for k, t in self.answers().items()},
            "evidence": [{"request": self.describe(p), "base": p.base,
                          "changed": [{"kind": self.candidates[i].kind, "name": self.candidates[i].name}
                                      for i in sorted(p.changed)],
                          **t.to_json()} for p, t in r.evidence],
            "fix": self.fix,
            "after_101": None if (cause := self.after_101) is None else {
                "message": cause.position, "ms": round(cause.seconds * 1000, 1), "close_code": cause.close_code,
                "differences": [d.to_json() for d in cause.differences]},
        }
