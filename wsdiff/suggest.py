"""One-line fix suggestions for a bisect verdict and culprit (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from .diff import Comparison, Difference

__all__ = ["suggest_fix", "VERDICTS"]

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


def _one(d: Difference, c: Comparison) -> str:
    bad = d.b
    if d.kind == "path":
        return f"connect to {d.a!r} as the working client does, or add a WebSocket route for {bad!r}"
    if d.kind == "header" and (d.name or "").lower() == "origin":
        if bad is None:
            return "the server requires an Origin: send one it allows"
        return (f"add {bad!r} to the server's WebSocket Origin allow-list (CORS settings do not apply to "
                f"WebSockets), or connect from an allowed origin")
    if d.kind == "header" and (d.name or "").lower() == "host":
        return f"send Host {d.a!r}, or make the server (or TrustedHostMiddleware) accept {bad!r}"
    if d.group == "credentials":
        what = f"{d.kind} {d.name}"
        if bad is None:
            return f"send the {what} the working client sends (browsers: pass it as a query parameter or cookie)"
        if d.a is None:
            return f"do not send {what}, or make it one the server accepts"
        return f"the {what} differs: send the one the working client sends (it may be expired or for another service)"
    if d.kind == "query-param":
        if bad is None:
            return f"add the query parameter {d.name}={d.a}"
        if d.a is None:
            return f"drop the query parameter {d.name}, or make the server accept it"
        return f"send {d.name}={d.a} rather than {d.name}={bad}; the server validates it"
    if d.kind == "subprotocol":
        return f"{'offer' if d.a else 'do not offer'} the subprotocol {d.name!r} as the working client does"
    if d.kind == "header":
        if bad is None:
            return f"send the header {d.name}: {d.a}"
        if d.a is None:
            return f"do not send the header {d.name}, or make the server accept it"
        return f"send {d.name}: {d.a} rather than {bad}"
    return f"make {d.label} match the working client ({d.a!r} rather than {bad!r})"


def suggest_fix(verdict: str, culprit: Sequence[Difference], comparison: Comparison) -> str:
    """Return one line that says what to change, or why there is nothing to change."""
    if verdict != "found" or not culprit:
        return VERDICTS.get(verdict, verdict)
    if len(culprit) == 1:
        return "Fix: " + _one(culprit[0], comparison) + "."
    return "Fix: these fail only together; change any one of them: " + "; or ".join(
        _one(d, comparison) for d in culprit) + "."
