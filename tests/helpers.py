"""Synthetic captures for table-driven tests of the pure core."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from wsdiff.model import Capture, Endpoint, Headers, Request, Response, with_header, without_header

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
"""RFC 6455 1.3's sample nonce."""


def minimal_headers(host: str) -> Headers:
    """The smallest valid client handshake's fields (RFC 6455 4.1), for *host*."""
    return (("Host", host), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", KEY), ("Sec-WebSocket-Version", "13"))


def handshake(hostport: str, target: str, *extra: tuple[str, str], scheme: str = "ws", label: str = "") -> Capture:
    """A minimal capture of a handshake to *hostport* (a live server in a test), with *extra* fields after."""
    host, port = hostport.rsplit(":", 1)
    return Capture(Endpoint(scheme, host, int(port), sni=host if scheme == "wss" else None),
                   Request(target=target, headers=minimal_headers(hostport) + extra), label=label, redacted=True)


BASE_HEADERS = minimal_headers("tts.example") + (
    ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
    ("User-Agent", "Python/3.12 websockets/17.4"),
)


def capture(target: str = "/ws?voice=alloy", headers: tuple[tuple[str, str], ...] = BASE_HEADERS,
            status: int | None = 101, **changes: object) -> Capture:
    """A realistic capture of a handshake to wss://tts.example/ws."""
    c = Capture(
        endpoint=Endpoint("wss", "tts.example", 443, sni="tts.example"),
        request=Request(target=target, headers=headers),
        response=Response(status, "Switching Protocols" if status == 101 else "Forbidden") if status else None,
        label="a",
        redacted=True,
    )
    return c.replace(**changes) if changes else c


UVICORN_403 = Response(403, "Forbidden", headers=(("Date", "Tue, 24 Nov 2026 10:00:00 GMT"), ("Connection", "close"),
                                                  ("Content-Length", "0"),
                                                  ("Content-Type", "text/plain; charset=utf-8")))
"""uvicorn's refusal before accept(), header for header (websockets-sansio's reject): how it names itself."""


def set_header(name: str, value: str | list[str]) -> tuple[tuple[str, str], ...]:
    return with_header(BASE_HEADERS, name, value)


def drop_header(name: str) -> tuple[tuple[str, str], ...]:
    return without_header(BASE_HEADERS, name)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
"""Debian's chromium, when installed (scripts/test installs it as root); browser tests skip without it."""


def start_chromium(url: str, proxy: str, profile: Path) -> subprocess.Popen[bytes]:
    """Start headless Chromium on *url* through *proxy*, in its own process group; stop it with stop_group."""
    assert CHROMIUM is not None
    argv = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--proxy-server={proxy}",
        # Chromium never proxies loopback unless told to.
        # A debugging port keeps headless Chromium running with the page open until we stop it.
        "--proxy-bypass-list=<-loopback>", "--remote-debugging-port=0", url,
    ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and its helpers (Chromium's renderers): TERM, then KILL."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def forget_redactions() -> None:
    """Empty redact's memories (unchanged values, whole captures, name rules): each test redacts from scratch."""
    from wsdiff import redact

    redact._UNCHANGED.clear()
    redact._MEMO.clear()
    redact._name_says_credential.cache_clear()
    redact.is_credential_header.cache_clear()
