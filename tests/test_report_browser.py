"""wsdiff report's HTML in a real headless Chromium, driven over the DevTools protocol.

The report is written by the real command after a live bisect; Chromium
loads it from a file at 1280 px and at phone width. The test listens to the
page's network requests and console, checks that the culprit row is on
screen (laid out, not hidden, not covered) and that nothing overflows
sideways, and prints it to PDF. A control page with an image from the
network and a console error shows that the listening can fail.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.files import dump_capture
from wsdiff.model import Response

from helpers import CHROMIUM, handshake, stop_group

pytestmark = [pytest.mark.live, pytest.mark.browser]

# The flags FIELD-NOTES.md lists as working here as root; no proxy: a file page needs no network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "about:blank"]
STEP = 20.0  # seconds: the bound on every wait


class Page:
    """One tab over the DevTools protocol: commands, and the events it saw."""

    def __init__(self, ws: Any, session: str) -> None:
        self.ws, self.session = ws, session
        self.ids = itertools.count(1000)
        self.events: list[dict[str, Any]] = []
        self.replies: dict[int, dict[str, Any]] = {}

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        n = next(self.ids)
        await self.ws.send(json.dumps({"id": n, "method": method, "params": params, "sessionId": self.session}))
        deadline = time.monotonic() + STEP
        while n not in self.replies:
            self._take(json.loads(await asyncio.wait_for(self.ws.recv(), deadline - time.monotonic())))
        reply = self.replies.pop(n)
        assert "error" not in reply, (method, reply)
        return reply["result"]

    def _take(self, msg: dict[str, Any]) -> None:
        if "id" in msg:
            self.replies[msg["id"]] = msg
        elif msg.get("sessionId") == self.session:
            self.events.append(msg)

    async def until(self, event: str) -> None:
        deadline = time.monotonic() + STEP
        while not any(e["method"] == event for e in self.events):
            self._take(json.loads(await asyncio.wait_for(self.ws.recv(), deadline - time.monotonic())))

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def load(self, url: str, width: int, mobile: bool) -> None:
        self.events.clear()
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                        mobile=mobile)
        await self.send("Page.navigate", url=url)
        await self.until("Page.loadEventFired")
        await asyncio.sleep(0.3)  # late console messages and requests
        await self.send("Runtime.evaluate", expression="0")  # flush events that came with it

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            p = e["params"]
            if e["method"] == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
        return out


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    """A headless Chromium with one tab, stopped (with its helpers, by process group) afterwards."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/test installs it as root)")
    profile = tmp_path / "profile"
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + STEP
        while not (port_file.exists() and len(port_file.read_text().split()) == 2):
            assert time.monotonic() < deadline and proc.poll() is None, "Chromium did not open its DevTools port"
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().split()
        async with websockets.connect(f"ws://127.0.0.1:{port}{path}", max_size=64 << 20,
                                      open_timeout=STEP) as ws:
            await ws.send(json.dumps({"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}}))
            target = await _reply(ws, 1)
            await ws.send(json.dumps({"id": 2, "method": "Target.attachToTarget",
                                      "params": {"targetId": target["targetId"], "flatten": True}}))
            session = (await _reply(ws, 2))["sessionId"]
            tab = Page(ws, session)
            for domain in ("Page", "Network", "Runtime", "Log"):
                await tab.send(f"{domain}.enable")
            yield tab
    finally:
        stop_group(proc)


async def _reply(ws: Any, n: int) -> dict[str, Any]:
    deadline = time.monotonic() + STEP
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if msg.get("id") == n:
            return msg["result"]


ON_SCREEN = """(() => {
  const row = document.getElementById('culprit-row');
  if (!row) return {found: false};
  row.scrollIntoView({block: 'center'});
  const box = row.getBoundingClientRect(), style = getComputedStyle(row);
  const hit = document.elementFromPoint(box.left + Math.min(box.width, 40) / 2, box.top + box.height / 2);
  return {found: true, width: box.width, height: box.height, display: style.display,
          visibility: style.visibility, covered: !(hit && row.contains(hit)), text: row.innerText,
          overflow: document.documentElement.scrollWidth - window.innerWidth};
})()"""


def write_report(app_server: str, folder: Path, name: str) -> Path:
    """Record-like captures of a script and an app (rejected for its Origin), and the real report of them."""
    folder.mkdir()
    dump_capture(handshake(app_server, "/ws/origin", label="script").replace(
        response=Response(101, "Switching Protocols"), started=time.time() - 10), folder / "good.json")
    dump_capture(handshake(app_server, "/ws/origin", ("Origin", "https://evil.example"), ("User-Agent", "app/2"),
                           label="app").replace(response=Response(403, "Forbidden"), started=time.time()),
                 folder / "bad.json")
    out = folder / name
    r = CliRunner().invoke(cli, ["report", "--bisect", "--window", "0.3", "--dir", str(folder), "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


async def test_report_in_chromium(app_server: str, page: Page, tmp_path: Path) -> None:
    """No request but the file, no console error, the culprit row on screen at 1280 px and 390 px; it prints."""
    report = await asyncio.to_thread(write_report, app_server, tmp_path / "captures", "report.html")
    url = report.as_uri()
    for width, mobile in ((1280, False), (390, True)):
        await page.load(url, width, mobile)
        assert page.requests() == [url], page.requests()
        assert page.errors() == []
        seen = await page.evaluate(ON_SCREEN)
        assert seen["found"] and seen["width"] > 0 and seen["height"] > 0, seen
        assert seen["display"] != "none" and seen["visibility"] == "visible" and not seen["covered"], seen
        assert "header Origin" in seen["text"] and "https://evil.example" in seen["text"], seen
        assert seen["overflow"] <= 0, f"the page scrolls sideways by {seen['overflow']} px at {width} px"
    pdf = await page.send("Page.printToPDF", printBackground=True)
    assert base64.b64decode(pdf["data"])[:5] == b"%PDF-"


async def test_the_listening_can_fail(page: Page, tmp_path: Path) -> None:
    """The control: a page that fetches from the network and logs an error is caught on both counts."""
    control = tmp_path / "control.html"
    control.write_text('<!doctype html><title>c</title><img src="http://127.0.0.1:9/x.png">'
                       "<script>console.error('boom')</script>")
    await page.load(control.as_uri(), 1280, False)
    assert "http://127.0.0.1:9/x.png" in page.requests()
    assert "boom" in page.errors()
    assert (await page.evaluate(ON_SCREEN)) == {"found": False}
