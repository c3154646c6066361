"""Exceptions raised by wsdiff.

The tree::

    WsdiffError
    ├── CaptureError        a capture file (or HAR, or flow file) cannot be read
    ├── VariantError        a variant name or argument is not understood
    ├── SecretError         a redacted value cannot be restored for replay
    └── ReplayError         a replay cannot be attempted (bad target, bad proxy)

A server that rejects a handshake is *not* an error: replay and bisect return
it as a result, because wsdiff's job is to observe, not to connect.
"""

from __future__ import annotations

__all__ = ["WsdiffError", "CaptureError", "VariantError", "SecretError", "ReplayError"]


class WsdiffError(Exception):
    """Raised for any trouble wsdiff reports to its user (CLI exit status 2)."""


class CaptureError(WsdiffError):
    """Raised when a capture cannot be parsed, naming the source and the place.

    ``str()`` gives one line such as
    ``captures/b.json: request.headers: expected a list of [name, value] pairs, got an object``.
    """

    def __init__(self, problem: str, *, source: str = "", place: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.source = source
        self.place = place

    def at(self, source: str) -> CaptureError:
        """Return the same error attributed to *source* (a file name)."""
        return CaptureError(self.problem, source=source, place=self.place)

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.place) if p]
        return ": ".join([*parts, self.problem])


class VariantError(WsdiffError):
    """Raised when a variant name or its argument is not understood."""


class SecretError(WsdiffError):
    """Raised when a redacted value is needed and the secret store lacks it."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing

    def __str__(self) -> str:
        return (
            "the local secret store has no value for "
            + ", ".join(self.missing)
            + " (replay on the machine that recorded it, or --missing-secrets=drop to leave them out)"
        )


class ReplayError(WsdiffError):
    """Raised when a replay cannot even be attempted (bad target or proxy URL)."""
