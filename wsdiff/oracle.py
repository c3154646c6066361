"""Whether a probe counts as accepted: the probe result and the oracle that judges it (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .model import Failure, Headers, Session

__all__ = ["ProbeResult", "Oracle"]


@dataclass(frozen=True)
class ProbeResult:
    """What the server answered to one handshake."""

    status: int | None = None
    reason: str = ""
    headers: Headers = ()
    body: bytes = b""
    body_truncated: bool = False
    error: Failure | None = None
    elapsed: float = 0.0  # seconds from connect to the response head
    accept_ok: bool | None = None  # Sec-WebSocket-Accept matches the key sent
    subprotocol: str | None = None
    extensions: str | None = None
    session: Session | None = None  # what happened in the window after a 101
    # Set when no HTTP request could be sent at all (refused, dns, tls, timeout, proxy): trouble, not an answer.
    unreachable: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON values (the body and first message cut to a short head)."""
        s = self.session
        return {
            "status": self.status,
            "reason": self.reason,
            "outcome": self.outcome,
            "error": None if self.error is None else {"kind": self.error.kind, "message": self.error.message},
            "unreachable": self.unreachable,
            "elapsed": self.elapsed,
            "headers": [list(h) for h in self.headers],
            "body": self.body[:200].decode("utf-8", "replace"),
            "accept_ok": self.accept_ok,
            "subprotocol": self.subprotocol,
            "extensions": self.extensions,
            "after_101": None if s is None else {
                "state": s.state, "close_code": s.close_code, "close_reason": s.close_reason, "closed_by": s.closed_by,
                "first_message": None if not s.messages else {
                    "type": s.messages[0].type, "size": s.messages[0].size,
                    "head": s.messages[0].head[:120].decode("utf-8", "replace")},
            },
        }

    @property
    def outcome(self) -> str:
        """A short human summary: ``403 Forbidden``, ``101 Switching Protocols, then closed 4003``."""
        if self.status is None:
            return f"error: {self.error.kind}" if self.error else "no answer"
        text = f"{self.status} {self.reason}".strip()
        s = self.session
        if self.status == 101 and s is not None:
            if s.state == "closed":
                code = "no close code" if s.close_code is None else str(s.close_code)
                text += f", then closed {code}" + (f" {s.close_reason!r}" if s.close_reason else "")
            elif s.messages:
                m = s.messages[0]
                text += f", then a {m.type} message ({m.size} B)"
            else:
                text += ", then silence"
        return text


@dataclass(frozen=True)
class Oracle:
    """Decides whether a probe counts as accepted.

    Modes: ``status`` (101 is accepted), ``close`` (101 and no server close
    with a code other than 1000/1001 within the window: the default), and
    the message patterns: a first server message must match *expect* and
    must not match *reject*.
    """

    mode: str = "close"
    expect: str | None = None
    reject: str | None = None

    def accepts(self, result: ProbeResult) -> bool:
        if result.status != 101:
            return False
        s = result.session
        if self.mode == "close" and s is not None and s.state == "closed":
            if s.closed_by == "server" and s.close_code not in (1000, 1001):
                return False
        if self.expect is not None or self.reject is not None:
            first = next((m for m in (s.messages if s else ()) if m.direction == "server"), None)
            text = first.head.decode("utf-8", "replace") if first else ""
            if self.expect is not None and (first is None or not re.search(self.expect, text)):
                return False
            if self.reject is not None and first is not None and re.search(self.reject, text):
                return False
        return True
