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
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import WsdiffError
from .procs import Service, free_port, mitmdump_command, mitmproxy_ca

__all__ = ["Recorded", "record_command", "proxy_environment"]


@dataclass(frozen=True)
class Recorded:
    returncode: int
    captures: tuple[Path, ...]
    proxy: str


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
    return Recorded(code, tuple(after), proxy)
