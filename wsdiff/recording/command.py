"""Record any client program without changing its code (``wsdiff record -- CMD``).

Starts a recording mitmdump on a free loopback port, runs the command with
the proxy and CA variables pointing at it, stops mitmdump (which completes
every capture) and returns the captures written.

Which clients honour which variables: websockets 15+ reads HTTP_PROXY /
HTTPS_PROXY (and ALL_PROXY for SOCKS) by itself; aiohttp only with
``trust_env=True`` and an ``http://`` URL; requests/httpx read them; Node
needs NODE_EXTRA_CA_CERTS for TLS and a proxy agent; browsers ignore them
and need ``--proxy-server`` (Chromium also ``--proxy-bypass-list=<-loopback>``
for 127.0.0.1).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..advice import no_capture_reasons
from ..errors import WsdiffError, cannot_write
from .procs import Service, free_port, mitmdump_command, mitmproxy_ca

__all__ = ["Recorded", "record_command", "proxy_environment"]


@dataclass(frozen=True)
class Recorded:
    """What a recorded command did: its exit status, the captures written, and what the proxy saw."""

    returncode: int
    captures: tuple[Path, ...]
    proxy: str
    saw_requests: bool = False  # the proxy forwarded (or was asked to tunnel) at least one request
    tls_refused: bool = False  # a client refused the proxy's certificate

    def why_nothing(self, argv: Sequence[str]) -> list[str]:
        """Return the likely reasons this command left no capture, most likely first (empty if it left some)."""
        if self.captures:
            return []
        return no_capture_reasons(list(argv), saw_requests=self.saw_requests, tls_refused=self.tls_refused,
                                  proxy=self.proxy)


# mitmdump's log: a request line ("127.0.0.1:41330: GET http://..."), a server connection, or a
# TLS refusal. Its own "client connect" lines do not count: the readiness check makes one.
_REQUEST_LINE = re.compile(r"^\S+: (?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|CONNECT) |\] server connect ", re.M)
_TLS_REFUSED = "Client TLS handshake failed"


def read_proxy_log(log: Path, offset: int = 0) -> tuple[bool, bool]:
    """Return (saw requests, a client refused the certificate) from a mitmdump log, from *offset* (bounded read)."""
    try:
        with open(log, "rb") as f:
            f.seek(offset)
            text = f.read(4 << 20).decode("utf-8", "replace")
    except OSError:
        return False, False
    return bool(_REQUEST_LINE.search(text)), _TLS_REFUSED in text


NOTICE = " differs from the accepted "
"""What the recorder's notice lines (wsdiff.recording.notice) say, to pick them out of mitmdump's log."""


class _Relay:
    """Pass the recorder's notice lines from mitmdump's log to *say* while the command runs, then the rest."""

    def __init__(self, log: Path, offset: int, say: Callable[[str], None], tag: str) -> None:
        self._log, self._offset, self._say = log, offset, say
        self._mark = f"{tag} wsdiff: "
        self._partial = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wsdiff-notice-relay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.drain()

    def drain(self) -> None:
        try:
            with open(self._log, "rb") as f:
                f.seek(self._offset)
                data = f.read(1 << 20)
        except OSError:
            return
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip()
            # Only a line the recorder logged carries this run's tag: an upstream's reason phrase or
            # header in mitmdump's own lines cannot know it, so it cannot pass for a notice.
            if self._mark in line and NOTICE in line:
                self._say(line[line.index(self._mark) + len(self._mark) - len("wsdiff: "):])

    def close(self) -> None:
        """Stop watching, and pass on what mitmdump logged while it stopped (the writer reports last)."""
        self._stop.set()
        self._thread.join(5)
        self.drain()


def proxy_environment(proxy: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Return an environment that sends the usual clients through *proxy* and trusts mitmproxy's CA."""
    env = dict(os.environ if base is None else base)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[name] = proxy
    for name in ("NO_PROXY", "no_proxy"):
        env.pop(name, None)  # the target is often on loopback, which NO_PROXY usually lists
    ca = mitmproxy_ca()
    if ca.exists():
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE"):
            env[name] = str(ca)
    return env


def record_command(
    argv: Sequence[str],
    *,
    label: str = "",
    directory: str | os.PathLike[str] = "captures",
    reverse: str | None = None,
    options: Sequence[str] = (),
    timeout: float | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> Recorded:
    """Run *argv* through a recording mitmdump and return its exit status and new captures.

    Args:
        on_notice: called with each line the recorder logs when a rejection differs from an accepted
            attempt (``wsdiff: 403 /ws differs from the accepted 101 of ...``), as it comes.

    mitmdump's log (which holds URLs, tokens in query strings among them)
    goes to a private temporary folder (0700, the file 0600) that is removed
    at the end; it is kept, and its path told on stderr, only when mitmdump
    failed.
    """
    if not argv:
        raise WsdiffError("no command to record (wsdiff record -- COMMAND ...)")
    folder = Path(directory)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # captures are owner-only; so is a new folder of them
    except OSError as e:
        raise cannot_write(folder, e) from None
    before = set(folder.glob("*.json"))
    port = free_port()
    proxy = f"http://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="wsdiff-record-"))  # 0700, a name nobody can predict
    log = logs / "mitmdump.log"
    os.close(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    offset = 0  # a fresh log: nothing of an earlier run in it
    tag = f"[wsdiff-{secrets.token_hex(12)}]"  # unpredictable: marks the lines the recorder itself logs
    options = (*options, f"wsdiff_notice_tag={tag}")
    service = Service(mitmdump_command(port, directory=folder, label=label, reverse=reverse, options=options), port,
                      log=log)
    started, status, relay = False, None, None
    try:
        service.start()
        started = True
        relay = _Relay(log, offset, on_notice, tag) if on_notice else None
        try:
            # In reverse mode the client connects to mitmdump itself: no proxy variables,
            # and WSDIFF_LISTEN tells a script where that is.
            env = dict(os.environ, WSDIFF_LISTEN=f"127.0.0.1:{port}") if reverse else proxy_environment(proxy)
            try:
                code = subprocess.run(list(argv), env=env, timeout=timeout).returncode
            except FileNotFoundError:
                raise WsdiffError(f"command not found: {argv[0]}") from None
            except subprocess.TimeoutExpired:
                code = 124
        finally:
            status = service.stop()
            if relay is not None:
                relay.close()
        after = sorted(set(folder.glob("*.json")) - before)
        saw, refused = read_proxy_log(log, offset) if not after else (True, False)
    finally:
        if not started or status not in (0, None):
            print(f"wsdiff: mitmdump failed; its log is kept in {log}", file=sys.stderr)
        else:
            shutil.rmtree(logs, ignore_errors=True)
    return Recorded(code, tuple(after), proxy, saw, refused)
