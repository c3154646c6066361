"""The values a comparison produces: :class:`Difference` and :class:`Comparison` (pure).

Kept apart from :mod:`wsdiff.diff` (which computes them) so that hints,
variants and verdicts can speak of differences without importing the diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .kinds import KINDS
from .model import Capture
from .responder import identify

__all__ = ["Value", "GROUPS", "Difference", "Comparison"]

Value = None | str | int | float | list[str]

GROUPS: dict[str, str] = {
    "endpoint": "Endpoint (where the client connected)",
    "request-line": "Request line",
    "query": "Query parameters",
    "host": "Host",
    "origin": "Origin",
    "credentials": "Credentials (fingerprints only)",
    "websocket": "Subprotocols, extensions, version",
    "user-agent": "User agent",
    "headers": "Other headers",
    "order-case": "Header order and case (rarely matters)",
    "messages": "What the client sent after the 101",
    "response": "Response",
    "session": "After the 101",
    "noise": "Noise (differs between any two attempts)",
}
"""Groups in display order, with their headings."""


@dataclass(frozen=True)
class Difference:
    """One thing that differs between capture A and capture B.

    ``kind`` is a key of :data:`wsdiff.kinds.KINDS`. ``a`` and ``b`` are JSON
    values: None where a side has no such thing, a string, a number, or a
    list of strings for a repeated header.
    """

    group: str
    kind: str
    name: str | None = None
    a: Value = None
    b: Value = None
    note: str = ""
    noise: bool = False
    hints: tuple[str, ...] = ()

    def _get_applicable(self) -> bool:
        """Tell whether this difference can be applied to a request (replay, bisect)."""
        return KINDS[self.kind].apply is not None and not self.noise

    applicable = property(_get_applicable)

    def _get_label(self) -> str:
        """A short name such as ``header X-API-Key``, ``path`` or ``message 1 payload.token``."""
        if self.kind == "message-field" and self.name is not None:
            position, _, path = self.name.partition(":")
            return f"message {position} {path}"
        return f"{self.kind} {self.name}" if self.name is not None else self.kind

    label = property(_get_label)

    def to_json(self) -> dict[str, Any]:
        """Return the difference as JSON: every key always present (name null, note "" and hints [] when none)."""
        return {"group": self.group, "kind": self.kind, "name": self.name, "a": self.a, "b": self.b,
                "noise": self.noise, "note": self.note, "hints": list(self.hints)}


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`wsdiff.diff.compare`: both captures (as compared) and their differences."""

    a: Capture
    b: Capture
    differences: tuple[Difference, ...] = field(default=())

    def _get_significant(self) -> tuple[Difference, ...]:
        """The differences that are not noise (what decides the exit status)."""
        return tuple(d for d in self.differences if not d.noise)

    significant = property(_get_significant)

    def _get_noise(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.noise)

    noise = property(_get_noise)

    def visible(self, show_all: bool = False) -> tuple[Difference, ...]:
        return self.differences if show_all else self.significant

    def to_json(self, show_all: bool = False) -> dict[str, Any]:
        def side(c: Capture) -> dict[str, Any]:
            who = identify(c)
            return {"label": c.label, "url": c.endpoint.url + c.request.target, "outcome": c.outcome,
                    "responder": str(who), "responder_detail": who.to_json()}

        return {
            "a": side(self.a),
            "b": side(self.b),
            "equal": not self.significant,
            "differences": [d.to_json() for d in self.visible(show_all)],
            "hidden_noise": 0 if show_all else len(self.noise),
        }
