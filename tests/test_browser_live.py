"""A real headless Chromium as the client, recorded through the proxy and compared with a Python client."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import websockets

from wsdiff.diff import compare

pytestmark = [pytest.mark.live, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/test installs it as root)")
async def test_chromium_handshake_vs_python(app_server: str, start_recorder, tmp_path: Path) -> None:
    """The browser's handshake carries Origin, its user agent and extensions; compare says so."""
    rec = start_recorder(label="browser")
    argv = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", f"--proxy-server={rec.proxy}",
        # Chromium never proxies loopback unless told to.
        # A debugging port keeps headless Chromium running with the page open until we stop it.
        "--proxy-bypass-list=<-loopback>", "--remote-debugging-port=0", f"http://{app_server}/page",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not list(rec.directory.glob("*_101_*.json")):
            await asyncio.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # Chromium's helper processes too
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    async with websockets.connect(f"ws://{app_server}/ws?voice=alloy", proxy=rec.proxy) as ws:
        await asyncio.wait_for(ws.recv(), 5)
    rec.stop()
    browser, script = rec.captures()
    assert browser.accepted
    assert browser.request.header("Origin") == f"http://{app_server}"
    assert "HeadlessChrome" in (browser.request.header("User-Agent") or "")
    assert "permessage-deflate" in (browser.request.header("Sec-WebSocket-Extensions") or "")
    labels = {d.label for d in compare(script, browser).significant}
    assert {"header Origin", "header User-Agent"} <= labels
    assert not any(d.kind == "path" or d.kind == "query-param" for d in compare(script, browser).significant)
