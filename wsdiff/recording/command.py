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
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..advice import no_capture_reasons
from ..errors import WsdiffError
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
        return no_capture_reasons(list(argv), saw_requests=self.saw_requests, tls_refused=self.tls_refused)


# mitmdump's log: a request line ("127.0.0.1:41330: GET http://..."), a server connection, or a
# TLS refusal. Its own "client connect" lines do not count: the readiness check makes one.
_REQUEST_LINE = re.compile(r"^\S+: (?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|CONNECT) |\] server connect ", re.M)
_TLS_REFUSED = "Client TLS handshake failed"


def read_proxy_log(log: Path) -> tuple[bool, bool]:
    """Return (saw requests, a client refused the certificate) from a mitmdump log (bounded read)."""
    try:
        with open(log, "rb") as f:
            text = f.read(4 << 20).decode("utf-8", "replace")
    except OSError:
        return False, False
    return bool(_REQUEST_LINE.search(text)), _TLS_REFUSED in text


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
) -> Recorded:
    """Run *argv* through a recording mitmdump and return its exit status and new captures."""
    if not argv:
        raise WsdiffError("no command to record (wsdiff record -- COMMAND ...)")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.glob("*.json"))
    port = free_port()
    proxy = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"wsdiff-mitmdump-{port}.log"
    with Service(mitmdump_command(port, directory=folder, label=label, reverse=reverse, options=options), port,
                 log=log):
        # In reverse mode the client connects to mitmdump itself: no proxy variables,
        # and WSDIFF_LISTEN tells a script where that is.
        env = dict(os.environ, WSDIFF_LISTEN=f"127.0.0.1:{port}") if reverse else proxy_environment(proxy)
        try:
            code = subprocess.run(list(argv), env=env, timeout=timeout).returncode
        except FileNotFoundError:
            raise WsdiffError(f"command not found: {argv[0]}") from None
        except subprocess.TimeoutExpired:
            code = 124
    after = sorted(set(folder.glob("*.json")) - before)
    saw, refused = read_proxy_log(log) if not after else (True, False)
    return Recorded(code, tuple(after), proxy, saw, refused)
