"""Exceptions raised by wsdiff.

The tree::

    WsdiffError
    ├── CaptureError        a capture file (or HAR, or flow file) cannot be read
    ├── VariantError        a variant name or argument is not understood
    ├── SecretError         a redacted value cannot be restored for replay
    │   └── SecretRefusedError  a secret belongs to another endpoint or place
    ├── SecretStoreError    the local secret store is unusable (not a folder, a short key, loose modes)
    ├── OutputError         a file or folder cannot be written where the user said (no such folder, no right)
    └── ReplayError         a replay cannot be attempted (bad target, bad proxy)
        └── UnreachableError  the server cannot be reached at all (refused, DNS, TLS, no route)

A server that rejects a handshake is *not* an error: replay and bisect return
it as a result, because wsdiff's job is to observe, not to connect. A server
that cannot be reached at all gave no answer to observe: that is trouble.
"""

from __future__ import annotations

import errno

__all__ = ["WsdiffError", "CaptureError", "VariantError", "SecretError", "SecretRefusedError", "SecretStoreError",
           "OutputError", "cannot_write", "ReplayError", "UnreachableError"]


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


class SecretRefusedError(SecretError):
    """Raised when a secret would go to an endpoint or a place other than where it was recorded.

    ``str()`` names the place, the fingerprint, where the secret belongs and
    the option that sends it anyway; one line, the first refusal and a count.
    """

    def __init__(self, refusals: list[str]) -> None:
        super().__init__(refusals)
        self.refusals = refusals

    def __str__(self) -> str:
        more = len(self.refusals) - 1
        return self.refusals[0] + (f"; and {more} more" if more else "")


class SecretStoreError(WsdiffError):
    """Raised when the local secret store cannot be used safely (not a folder, a short key, a symlink)."""


class OutputError(WsdiffError):
    """Raised when wsdiff cannot write where the user told it to (a report file, a captures folder)."""


_WHY = {errno.ENOENT: "no such folder", errno.ENOTDIR: "a part of the path is not a folder",
        errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device", errno.EISDIR: "it is a folder"}


def cannot_write(path: object, e: OSError) -> OutputError:
    """Return the one-line error for an OSError met writing *path* (``cannot write x.html: no such folder``).

    The OSError's own text names the hidden temporary file of an atomic write,
    which the user never asked for: the reason is given in words instead.
    """
    return OutputError(f"cannot write {path}: {_WHY.get(e.errno or 0, (e.strerror or str(e)).lower())}")


class ReplayError(WsdiffError):
    """Raised when a replay cannot even be attempted (bad target or proxy URL)."""


class UnreachableError(ReplayError):
    """Raised when no request could be sent: nothing listens, the name does not resolve, TLS failed, no route.

    ``str()`` is one line that says what could not be reached and how, such as
    ``nothing listens on 127.0.0.1:8765: is the server running?``.
    """

    def __init__(self, how: str, address: str, message: str) -> None:
        super().__init__(message)
        self.how = how  # refused, dns, tls, timeout, proxy, network
        self.address = address  # host:port that could not be reached
        self.message = message

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, str]:
        return {"kind": "unreachable", "how": self.how, "address": self.address, "message": self.message}
