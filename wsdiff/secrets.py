"""The local secret store: the fingerprint key and the secrets behind fingerprints.

A folder with owner-only permissions (0700), by default ``~/.wsdiff/secrets``
(``WSDIFF_SECRETS`` or ``--set wsdiff_secrets=DIR`` to change), holding:

- ``key``: 32 random bytes, the HMAC key of :func:`wsdiff.redact.fingerprint`;
- ``secrets.jsonl``: one ``{"fingerprint": ..., "secret": ...}`` per line.

It is never printed and never written into a capture. Keep it out of
anything you share; the captures folder is safe to share without it.
"""

from __future__ import annotations

import json
import os
import secrets as _random
from collections.abc import Mapping
from pathlib import Path

__all__ = ["SecretStore", "default_secret_dir"]


def default_secret_dir() -> Path:
    """Return the secret store folder: ``$WSDIFF_SECRETS`` or ``~/.wsdiff/secrets``."""
    env = os.environ.get("WSDIFF_SECRETS")
    return Path(env).expanduser() if env else Path.home() / ".wsdiff" / "secrets"


class SecretStore:
    """Read and append to a secret store folder."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_secret_dir()
        self._known: dict[str, str] | None = None

    @property
    def key_file(self) -> Path:
        return self.path / "key"

    @property
    def secrets_file(self) -> Path:
        return self.path / "secrets.jsonl"

    def _ensure_dir(self) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)

    def key(self) -> bytes:
        """Return the fingerprint key, creating it (owner-only) on first use."""
        try:
            data = self.key_file.read_bytes()
            if len(data) >= 16:
                return data
        except FileNotFoundError:
            pass
        self._ensure_dir()
        key = _random.token_bytes(32)
        tmp = self.key_file.with_name(f".key.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        try:
            # Two processes starting at once: the first link wins, both use it.
            os.link(tmp, self.key_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return self.key_file.read_bytes()

    def load(self) -> dict[str, str]:
        """Return every fingerprint -> secret the store holds (empty if none)."""
        known: dict[str, str] = {}
        try:
            with open(self.secrets_file, encoding="utf-8") as f:
                for line in f:
                    try:
                        item = json.loads(line)
                        known[str(item["fingerprint"])] = str(item["secret"])
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line from a killed writer
        except FileNotFoundError:
            pass
        self._known = dict(known)
        return known

    def add(self, secrets: Mapping[str, str]) -> None:
        """Append the secrets not already stored (one write, owner-only file)."""
        if self._known is None:
            self.load()
        assert self._known is not None
        new = {fp: s for fp, s in secrets.items() if self._known.get(fp) != s}
        if not new:
            return
        self._ensure_dir()
        lines = "".join(json.dumps({"fingerprint": fp, "secret": s}) + "\n" for fp, s in new.items())
        fd = os.open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(lines)
        self._known.update(new)
