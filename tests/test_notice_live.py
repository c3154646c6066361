"""The recorder speaks up: a real mitmdump logs what differs as soon as a rejection is recorded."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import pytest
import websockets
from click.testing import CliRunner
from websockets.exceptions import InvalidStatus

from wsdiff.cli import cli
from wsdiff.recording.procs import free_port

pytestmark = pytest.mark.live

SECRET = "sekrit-value-123"


async def attempt(url: str, proxy: str, **kwargs: object) -> int:
    """Open a websockets connection through the proxy; return 101 or the rejecting status."""
    try:
        async with websockets.connect(url, proxy=proxy, open_timeout=10, **kwargs):  # type: ignore[arg-type]
            return 101
    except InvalidStatus as e:
        return e.response.status_code


async def wait_for_line(log: Path, needle: str, timeout: float = 10.0) -> str:
    """Return the first log line that contains *needle*, waiting for it (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines() if log.exists() else ():
            if needle in line:
                return line
        await asyncio.sleep(0.1)
    raise AssertionError(f"no line with {needle!r} in {log} within {timeout} s:\n"
                         + (log.read_text(errors="replace") if log.exists() else "(no log)"))


async def test_rejection_is_named_as_it_happens(app_server: str, start_recorder, tmp_path: Path) -> None:
    """A 403 after a 101 to the same endpoint: one line, differences most telling first, no secret; then why."""
    rec = start_recorder(label="run")
    log = tmp_path / "mitmdump-0.log"
    assert await attempt(f"ws://{app_server}/ws?voice=alloy", rec.proxy) == 101
    bad_url = f"ws://{app_server}/ws/key?voice=alloy&fmt=pcm&client=studio"
    headers = {"X-API-Key": SECRET, "X-Trace": "on"}
    assert await attempt(bad_url, rec.proxy, additional_headers=headers) == 403
    # Said while mitmdump still runs: the line comes with the rejection, not at shutdown.
    line = await wait_for_line(log, "wsdiff: 403 /ws/key differs")
    assert rec.service.proc is not None and rec.service.proc.poll() is None
    said = line[line.index("wsdiff: 403"):]
    assert said.startswith("wsdiff: 403 /ws/key differs from the accepted 101 of ")
    tail = re.search(r" in: (.*); run: (\S*wsdiff) why --dir (\S+)$", said)
    assert tail is not None, said
    assert tail.group(1) == "path /ws -> /ws/key, header X-API-Key added, 2 query parameters, header X-Trace added"
    assert tail.group(3) == str(rec.directory)
    # The same rejection again is not said again.
    assert await attempt(bad_url, rec.proxy, additional_headers=headers) == 403
    await asyncio.sleep(1.0)
    rec.stop()
    text = log.read_text(errors="replace")
    assert text.count("differs from the accepted") == 1
    assert SECRET not in text

    # The user does as told: why names the cause (the path; /ws/key also wants the right key).
    r = await asyncio.to_thread(CliRunner().invoke, cli, ["why", "--json", "--window", "0.3", "--dir", str(rec.directory)])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "found" and [c["kind"] for c in doc["culprit"]] == ["path"]


async def test_partner_from_the_captures_folder(app_server: str, start_recorder, tmp_path: Path) -> None:
    """An accepted attempt recorded by an earlier run, in the folder, is a partner too; another endpoint is not."""
    first = start_recorder(label="earlier")
    assert await attempt(f"ws://{app_server}/ws", first.proxy) == 101
    first.stop()
    second = start_recorder(label="now", directory=first.directory)
    log = tmp_path / "mitmdump-1.log"
    assert await attempt(f"ws://{app_server}/ws/origin", second.proxy,
                         additional_headers={"Origin": "https://evil.example"}) == 403
    line = await wait_for_line(log, "differs from the accepted")
    assert "wsdiff: 403 /ws/origin differs from the accepted 101 of " in line
    assert " in: path /ws -> /ws/origin, header Origin added; run: " in line
    # A rejection from an endpoint nothing was accepted by: silence.
    assert await attempt(f"ws://127.0.0.1:{free_port()}/ws", second.proxy) != 101
    await asyncio.sleep(1.0)
    second.stop()
    assert log.read_text(errors="replace").count("differs from the accepted") == 1
