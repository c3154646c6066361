"""Whether a probe counts as accepted: the probe result and the oracle that judges it (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .messages import closed_after
from .model import Failure, Headers, Message, Session

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
    session: Session | None = None  # what happened in the window after a 101 (client messages: sizes only)
    # Set when no HTTP request could be sent at all (refused, dns, tls, timeout, proxy): trouble, not an answer.
    unreachable: str | None = None
    messages_unsent: int = 0  # recorded client messages not sent: not kept whole, or after one that was not

    def _get_first_server_message(self) -> Message | None:
        """The server's first message after the 101, if any."""
        s = self.session
        return next((m for m in s.messages if m.direction == "server"), None) if s is not None else None

    first_server_message = property(_get_first_server_message)

    def _get_messages_sent(self) -> int:
        """How many client messages were sent after the 101."""
        s = self.session
        return sum(m.direction == "client" for m in s.messages) if s is not None else 0

    messages_sent = property(_get_messages_sent)

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON values (the body and first message cut to a short head)."""
        s = self.session
        first = self.first_server_message
        after = closed_after(session=s) if s is not None else None
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
                "first_message": None if first is None else {
                    "type": first.type, "size": first.size, "head": first.head[:120].decode("utf-8", "replace")},
                "messages_sent": self.messages_sent,
                "messages_unsent": self.messages_unsent,
                "closed_after_message": None if after is None else {"message": after[0],
                                                                    "ms": round(after[1] * 1000, 1)},
            },
        }

    def _get_outcome(self) -> str:
        """A short human summary: ``403 Forbidden``, ``101 Switching Protocols, then closed 4003``."""
        if self.status is None:
            return f"error: {self.error.kind}" if self.error else "no answer"
        text = f"{self.status} {self.reason}".strip()
        s = self.session
        if self.status == 101 and s is not None:
            sent = self.messages_sent
            if sent:
                text += f", sent {sent} message{'s' if sent != 1 else ''}"
            if self.messages_unsent:
                text += f" ({self.messages_unsent} not kept whole: not sent)"
            first = self.first_server_message
            if s.state == "closed":
                code = "no close code" if s.close_code is None else str(s.close_code)
                text += f", then closed {code}" + (f" {s.close_reason!r}" if s.close_reason else "")
                after = closed_after(session=s)
                if after is not None:
                    text += f" {after[1] * 1000:.0f} ms after message {after[0]}"
            elif first is not None:
                text += f", then a {first.type} message ({first.size} B)"
            else:
                text += ", then silence"
        return text

    outcome = property(_get_outcome)


@dataclass(frozen=True)
class Oracle:
    """Decides whether a probe counts as accepted.

    Modes: ``status`` (101 is accepted), ``close`` (101 and no server close
    with a code other than 1000/1001 within the window: the default), and
    the message patterns: the first server message must match *expect*, and
    no server message in the window may match *reject*.
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
        server = [m.head.decode("utf-8", "replace") for m in (s.messages if s else ()) if m.direction == "server"]
        if self.expect is not None and (not server or not re.search(self.expect, server[0])):
            return False
        # Any server message, not only the first: Socket.IO's refusal (44...) follows engine.io's OPEN packet.
        if self.reject is not None and any(re.search(self.reject, text) for text in server):
            return False
        return True
