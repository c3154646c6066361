"""A real headless Chromium as the client, recorded through the proxy and compared with a Python client."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import websockets

from wsdiff.diff import compare

from helpers import CHROMIUM, start_chromium, stop_group

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/test installs it as root)")
async def test_chromium_handshake_vs_python(app_server: str, start_recorder, tmp_path: Path) -> None:
    """The browser's handshake carries Origin, its user agent and extensions; compare says so."""
    rec = start_recorder(label="browser")
    proc = start_chromium(f"http://{app_server}/page", rec.proxy, tmp_path / "profile")
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not list(rec.directory.glob("*_101_*.json")):
            await asyncio.sleep(0.2)
    finally:
        stop_group(proc)
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
