"""Choose the pair ``wsdiff why`` explains: a rejected attempt and the accepted one that best matches it (pure).

Values in, values out: the candidates (captures with a name and a time) are
read by the caller (:mod:`wsdiff.why` reads a folder). The rejected attempt
is the latest one unless named. The accepted attempt must go to the same
host, and among those the ranking is, in order:

1. the same endpoint (scheme, host and port);
2. the closest path (fewest segments apart: ``/ws`` and ``/ws/ws`` are 1 apart);
3. the fewest differences in the request (as :func:`wsdiff.diff.compare` counts them);
4. the most recent.

:func:`best_match` is the same ranking for one rejected capture, used by the
recorder's notice (:mod:`wsdiff.recording.notice`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .diff import compare
from .errors import WsdiffError
from .model import Capture

__all__ = ["Candidate", "Pair", "NoPairError", "is_accepted", "is_rejected", "request_differences",
           "path_distance", "best_match", "choose_pair", "clock"]

_NOT_REQUEST = frozenset({"response", "session", "noise"})


@dataclass(frozen=True)
class Candidate:
    """One attempt to choose from: where it came from, the capture, and when it was recorded."""

    name: str  # a file path, as the user would type it
    capture: Capture
    when: float  # seconds since the epoch (the capture's start, else the file's time)


@dataclass(frozen=True)
class Pair:
    """The pair chosen, with one line each on why."""

    good: Candidate
    bad: Candidate
    why_good: str
    why_bad: str


class NoPairError(WsdiffError):
    """Raised when there is no rejected attempt, or no accepted one to the same host, to explain it by.

    ``str()`` is the one-line problem; ``advice`` says what to record (the
    caller words it with the command name it can print).
    """

    def __init__(self, problem: str, *, need_working: bool, need_failing: bool) -> None:
        super().__init__(problem)
        self.need_working = need_working
        self.need_failing = need_failing


def is_accepted(c: Capture) -> bool:
    """Tell whether an attempt was accepted: a 101 the server did not close with an error code.

    The same rule as the default oracle (``--oracle close``): a 101 followed by
    a server close other than 1000/1001 is a rejection after the fact.
    """
    if not c.accepted:
        return False
    ws = c.websocket
    return not (ws is not None and ws.state == "closed" and ws.closed_by == "server"
                and ws.close_code not in (1000, 1001))


def is_rejected(c: Capture) -> bool:
    """Tell whether the server rejected an attempt: any answer that is not an accepted 101.

    An attempt with no answer at all (refused, reset, TLS failure) is neither:
    the server never judged it, so there is nothing to bisect.
    """
    return c.response is not None and not is_accepted(c)


def request_differences(good: Capture, bad: Capture, *, key: bytes | None = None) -> int:
    """Count the significant differences between two requests (the answers' own differences aside)."""
    return sum(1 for d in compare(good, bad, key=key).significant if d.group not in _NOT_REQUEST)


def _segments(path: str) -> list[str]:
    # "/" has no segment; "/ws/" has two, the second empty (a trailing slash can matter to a router).
    return [] if path == "/" else path.split("/")[1:]


def path_distance(a: str, b: str) -> int:
    """Return how many path segments apart *a* and *b* are (0: the same path)."""
    sa, sb = _segments(a), _segments(b)
    common = 0
    for x, y in zip(sa, sb):
        if x != y:
            break
        common += 1
    return len(sa) + len(sb) - 2 * common


def _same_endpoint(a: Capture, b: Capture) -> bool:
    ea, eb = a.endpoint, b.endpoint
    return (ea.scheme, ea.host.lower(), ea.port) == (eb.scheme, eb.host.lower(), eb.port)


@dataclass(frozen=True)
class _Match:
    candidate: Candidate
    same_endpoint: bool
    distance: int
    differences: int | None  # counted only among the best on endpoint and path


def _rank(bad: Capture, accepted: Sequence[Candidate], key: bytes | None, compared: int | None = None) -> list[_Match]:
    """Rank the accepted candidates to *bad*'s host, best first (counting differences for at most *compared*)."""
    host = bad.endpoint.host.lower()
    matches = [_Match(c, _same_endpoint(c.capture, bad), path_distance(c.capture.request.path, bad.request.path),
                      None) for c in accepted if c.capture.endpoint.host.lower() == host]
    matches.sort(key=lambda m: (not m.same_endpoint, m.distance, -m.candidate.when))
    if not matches:
        return []
    # Differences cost a compare each: count them only among those tied on endpoint and path.
    tied = [m for m in matches if (m.same_endpoint, m.distance) == (matches[0].same_endpoint, matches[0].distance)]
    tied = tied[:compared]  # the most recent of them, when bounded
    counted = [dataclasses.replace(m, differences=request_differences(m.candidate.capture, bad, key=key))
               for m in tied]
    counted.sort(key=lambda m: (m.differences, -m.candidate.when))
    return counted + matches[len(tied):]


def best_match(bad: Capture, accepted: Sequence[Candidate], *, key: bytes | None = None,
               compared: int | None = None) -> Candidate | None:
    """Return the accepted candidate that best matches *bad* (see the module docstring), or None.

    Args:
        compared: count differences for at most this many of the candidates tied on endpoint and
            path, the most recent (each count is a compare); None counts them all.
    """
    ranked = _rank(bad, [c for c in accepted if is_accepted(c.capture)], key, compared)
    return ranked[0].candidate if ranked else None


def clock(when: float, *, day_of: float | None = None) -> str:
    """Return *when* as local ``HH:MM:SS``, with the date when it is not the day of *day_of*."""
    t = time.localtime(when)
    if day_of is not None and time.localtime(day_of)[:3] != t[:3]:
        return time.strftime("%Y-%m-%d %H:%M:%S", t)
    return time.strftime("%H:%M:%S", t)


def _describe(c: Candidate, day_of: float | None = None) -> str:
    label = f"{c.capture.label}, " if c.capture.label else ""
    return f"{label}{c.capture.outcome} at {clock(c.when, day_of=day_of)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def choose_pair(candidates: Sequence[Candidate], *, bad: Candidate | None = None, good: Candidate | None = None,
                folder: str = "captures", key: bytes | None = None) -> Pair:
    """Choose the rejected attempt (*bad*, else the latest) and the accepted one that explains it (*good*, else the best match).

    Raises:
        NoPairError: *bad* was accepted, or no rejected attempt, or no accepted attempt to the same host.
    """
    rejected = [c for c in candidates if is_rejected(c.capture)]
    accepted = [c for c in candidates if is_accepted(c.capture)]
    if bad is None:
        if not rejected:
            read = _plural(len(candidates), "capture")
            raise NoPairError(f"no rejected attempt in {folder} ({read} read"
                              + (f", {len(accepted)} accepted)" if candidates else ")"),
                              need_working=not accepted, need_failing=True)
        bad = max(rejected, key=lambda c: c.when)
        why_bad = (f"bad:  {bad.name}  ({_describe(bad)}): the latest of "
                   f"{_plural(len(rejected), 'rejected attempt')} in {folder}")
    else:
        if not is_rejected(bad.capture):
            raise NoPairError(f"{bad.name} was not rejected ({bad.capture.outcome}): name a rejected attempt, "
                              "or leave FAILING out to take the latest", need_working=False, need_failing=False)
        why_bad = f"bad:  {bad.name}  ({_describe(bad)}): named on the command line"
    if good is not None:
        why_good = f"good: {good.name}  ({_describe(good, bad.when)}): named with --good"
        return Pair(good, bad, why_good, why_bad)
    ranked = _rank(bad.capture, accepted, key)
    if not ranked:
        host = bad.capture.endpoint.host
        elsewhere = sorted({c.capture.endpoint.host for c in accepted})
        more = f"; accepted ones go to {', '.join(elsewhere[:3])}" if elsewhere else ""
        raise NoPairError(f"no accepted attempt to {host} in {folder} to compare {bad.name} with{more}",
                          need_working=True, need_failing=False)
    m = ranked[0]
    g = m.candidate.capture
    where = (f"same endpoint {g.endpoint.url}" if m.same_endpoint
             else f"same host, endpoint {g.endpoint.url} (no accepted attempt to {bad.capture.endpoint.url})")
    path = (f"same path {g.request.path}" if m.distance == 0
            else f"closest path {g.request.path} (vs {bad.capture.request.path})")
    n = m.differences if m.differences is not None else 0  # the first is always counted
    of = f"the best of {_plural(len(ranked), 'accepted attempt')} to this host" if len(ranked) > 1 \
        else "the only accepted attempt to this host"
    why_good = (f"good: {m.candidate.name}  ({_describe(m.candidate, bad.when)}): {where}, {path}, "
                f"{_plural(n, 'difference')} in the request; {of}")
    return Pair(m.candidate, bad, why_good, why_bad)
