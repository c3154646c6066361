"""Load, faults and shutdown: the recorder under pressure, bounded in time, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from wsdiff.files import load_capture
from wsdiff.model import Endpoint, Request
from wsdiff.replay import Connection, probe

pytestmark = pytest.mark.live


def upgrade(hostport: str, i: int) -> Request:
    return Request(target=f"/nope?i={i}", headers=(
        ("Host", hostport), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")))


async def blast(app_server: str, proxy: str, n: int, concurrency: int) -> list[int | None]:
    host, port = app_server.rsplit(":", 1)
    conn = Connection(Endpoint("ws", host, int(port)), proxy=proxy, timeout=10, window=0)
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> int | None:
        async with gate:
            return (await probe(upgrade(app_server, i), conn)).status

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def test_thousand_handshakes_at_concurrency_50(app_server: str, start_recorder) -> None:
    """1,000 handshakes: none lost, none corrupt, no two files with the same name."""
    rec = start_recorder(label="load")
    statuses = await blast(app_server, rec.proxy, 1000, 50)
    assert statuses.count(403) == 1000
    assert rec.stop() == 0
    paths = list(rec.directory.glob("*.json"))
    assert len(paths) == 1000 and len({p.name for p in paths}) == 1000
    targets = {load_capture(p).request.target for p in paths}  # every file parses
    assert targets == {f"/nope?i={i}" for i in range(1000)}
    assert not list(rec.directory.glob(".*"))


async def test_unwritable_folder_keeps_forwarding(app_server: str, start_recorder, tmp_path: Path) -> None:
    """The captures folder turns into a file mid-run: traffic flows, the error is logged once, no partial file."""
    rec = start_recorder()
    assert await blast(app_server, rec.proxy, 2, 2) == [403, 403]
    for _ in range(100):  # the writer thread lags the proxy a little
        if len(list(rec.directory.glob("*.json"))) == 2:
            break
        await asyncio.sleep(0.05)
    shutil.rmtree(rec.directory)
    rec.directory.write_text("not a folder any more")
    assert await blast(app_server, rec.proxy, 20, 5) == [403] * 20
    rec.stop()
    log = (tmp_path / "mitmdump-0.log").read_text()
    assert log.count("wsdiff: cannot write") == 1, log
    assert "wsdiff: 20 capture(s) could not be written" in log


async def test_stopping_mitmdump_mid_load_leaves_only_complete_captures(app_server: str, start_recorder) -> None:
    """SIGINT in the middle of a load: every capture file on disk is complete and parses."""
    rec = start_recorder()
    load = asyncio.create_task(blast(app_server, rec.proxy, 400, 20))
    while len(list(rec.directory.glob("*.json"))) < 50:
        await asyncio.sleep(0.02)
    await asyncio.to_thread(rec.stop)
    statuses = await asyncio.wait_for(load, 30)
    answered = sum(1 for s in statuses if s == 403)
    paths = list(rec.directory.glob("*.json"))
    assert 50 <= len(paths) and answered <= 400
    for p in paths:
        json.loads(p.read_text())
        load_capture(p)
    # Every handshake the proxy answered before it stopped was recorded.
    assert len(paths) >= answered
    assert not list(rec.directory.glob(".*.tmp"))
