"""The local secret store: the fingerprint key and the secrets behind fingerprints, with where each belongs.

A folder with owner-only permissions (0700), by default ``~/.wsdiff/secrets``
(``WSDIFF_SECRETS`` or ``--set wsdiff_secrets=DIR`` to change), holding:

- ``key``: 32 random bytes, the HMAC key of :func:`wsdiff.redact.fingerprint`;
- ``secrets.jsonl``: one line per secret and place it was recorded in:
  ``{"fingerprint": ..., "secret": ..., "endpoint": "wss://host:443", "place": "header authorization"}``.
  Lines written by an older wsdiff have no ``endpoint`` and ``place``: such a
  secret is bound to nothing, and replay sends it only to a host the user
  names (``--allow-secrets-to``).

It is never printed and never written into a capture. Keep it out of
anything you share; the captures folder is safe to share without it.

Permissions are checked on every use: the folder and its files must belong
to the current user (else the store is refused, with the reason); looser
modes are narrowed to 0700 and 0600; a file that is a symbolic link is
refused rather than followed.
"""

from __future__ import annotations

import json
import os
import secrets as _random
import stat
from collections.abc import Mapping
from pathlib import Path

from .errors import SecretStoreError
from .redact import Binding, Secret

__all__ = ["SecretStore", "default_secret_dir", "KEY_MIN"]

KEY_MIN = 16
"""Bytes a fingerprint key must have at least (HMAC-SHA256 keys shorter than this are guessable)."""
_READ_LIMIT = 256 << 20  # bytes of secrets.jsonl read at most


def default_secret_dir() -> Path:
    """Return the secret store folder: ``$WSDIFF_SECRETS`` or ``~/.wsdiff/secrets``."""
    env = os.environ.get("WSDIFF_SECRETS")
    return Path(env).expanduser() if env else Path.home() / ".wsdiff" / "secrets"


class SecretStore:
    """Read and append to a secret store folder."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_secret_dir()
        self._known: dict[str, Secret] | None = None

    @property
    def key_file(self) -> Path:
        return self.path / "key"

    @property
    def secrets_file(self) -> Path:
        return self.path / "secrets.jsonl"

    # --- permissions ------------------------------------------------------------

    def _check_dir(self, create: bool) -> bool:
        """Check (or create) the folder; return False when it does not exist and *create* is false."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            if not create:
                return False
            try:
                self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
                st = os.stat(self.path)
            except OSError as e:
                raise SecretStoreError(f"secret store {self.path}: cannot create: {e.strerror or e}") from None
        except NotADirectoryError:
            raise SecretStoreError(f"secret store {self.path}: a parent is not a folder") from None
        except OSError as e:
            raise SecretStoreError(f"secret store {self.path}: {e.strerror or e}") from None
        if not stat.S_ISDIR(st.st_mode):
            raise SecretStoreError(f"secret store {self.path} is not a folder (WSDIFF_SECRETS must name a folder)")
        if st.st_uid != os.getuid():
            raise SecretStoreError(f"secret store {self.path} belongs to user id {st.st_uid}, not to you: refusing it")
        if stat.S_IMODE(st.st_mode) & 0o077:
            try:
                os.chmod(self.path, 0o700)  # others could list it, or add files: narrow it
            except OSError as e:
                raise SecretStoreError(f"secret store {self.path} is open to others (mode "
                                       f"{stat.S_IMODE(st.st_mode):o}) and cannot be narrowed: {e.strerror}") from None
        return True

    def _open(self, path: Path, flags: int) -> int:
        """Open a store file without following a symbolic link; check its owner and narrow its mode to 0600."""
        try:
            fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            raise
        except OSError as e:
            if os.path.islink(path):
                raise SecretStoreError(f"{path} is a symbolic link: refusing to follow it") from None
            raise SecretStoreError(f"{path}: {e.strerror or e}") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise SecretStoreError(f"{path} is not a regular file")
            if st.st_uid != os.getuid():
                raise SecretStoreError(f"{path} belongs to user id {st.st_uid}, not to you: refusing it")
            if stat.S_IMODE(st.st_mode) & 0o077:
                os.fchmod(fd, 0o600)
        except BaseException:
            os.close(fd)
            raise
        return fd

    # --- the key ----------------------------------------------------------------

    def existing_key(self) -> bytes | None:
        """Return the fingerprint key if the store has one (checked), else None; never creates anything."""
        if not self._check_dir(create=False):
            return None
        try:
            fd = self._open(self.key_file, os.O_RDONLY)
        except FileNotFoundError:
            return None
        with os.fdopen(fd, "rb") as f:
            data = f.read(4096)
        if len(data) < KEY_MIN:
            raise SecretStoreError(
                f"{self.key_file} holds {len(data)} bytes; a fingerprint key needs at least {KEY_MIN}: remove it "
                "to make a new one (fingerprints made with the old one will no longer match)")
        return data

    def key(self) -> bytes:
        """Return the fingerprint key, creating it (owner-only) on first use."""
        key = self.existing_key()
        if key is not None:
            return key
        self._check_dir(create=True)
        new = _random.token_bytes(32)
        tmp = self.path / f".key.{os.getpid()}.{_random.token_hex(8)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(new)
        try:
            # Two processes starting at once: the first link wins, both use it.
            os.link(tmp, self.key_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        key = self.existing_key()
        assert key is not None
        return key

    # --- the secrets ------------------------------------------------------------

    def load(self) -> dict[str, Secret]:
        """Return every fingerprint -> secret (with the places it is bound to) the store holds."""
        known: dict[str, Secret] = {}
        data = b""
        if self._check_dir(create=False):
            try:
                fd = self._open(self.secrets_file, os.O_RDONLY)
            except FileNotFoundError:
                fd = -1
            if fd >= 0:
                with os.fdopen(fd, "rb") as f:
                    data = f.read(_READ_LIMIT)
        for line in data.decode("utf-8", "replace").splitlines():
            try:
                item = json.loads(line)
                fp, value = str(item["fingerprint"]), str(item["secret"])
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line from a killed writer
            endpoint, place = item.get("endpoint"), item.get("place")
            bound = (frozenset({Binding(endpoint, place)})
                     if isinstance(endpoint, str) and isinstance(place, str) else frozenset())
            old = known.get(fp)
            known[fp] = Secret(value, bound if old is None else old.bindings | bound)
        self._known = dict(known)
        return known

    def add(self, secrets: Mapping[str, Secret | str]) -> None:
        """Append the secrets and bindings not already stored (one write, owner-only file)."""
        if self._known is None:
            self.load()
        assert self._known is not None
        lines = []
        for fp, s in secrets.items():
            secret = s if isinstance(s, Secret) else Secret(s)
            old = self._known.get(fp)
            if old is not None and old.value == secret.value:
                new_bindings = secret.bindings - old.bindings
                if not new_bindings:
                    continue
            else:
                new_bindings = secret.bindings
            if not new_bindings:
                lines.append(json.dumps({"fingerprint": fp, "secret": secret.value}))
            for b in sorted(new_bindings, key=lambda b: (b.endpoint, b.place)):
                lines.append(json.dumps({"fingerprint": fp, "secret": secret.value, "endpoint": b.endpoint,
                                         "place": b.place}))
            self._known[fp] = Secret(secret.value, (old.bindings if old and old.value == secret.value
                                                    else frozenset()) | secret.bindings)
        if not lines:
            return
        self._check_dir(create=True)
        fd = self._open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
