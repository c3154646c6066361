"""Load, faults and shutdown: the recorder under pressure, bounded in time, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from wsdiff.files import load_capture
from wsdiff.model import Endpoint, Request
from wsdiff.probe import Connection, probe

from helpers import minimal_headers

pytestmark = pytest.mark.live


def upgrade(hostport: str, i: int) -> Request:
    return Request(target=f"/nope?i={i}", headers=minimal_headers(hostport))


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
    # The stop came in the middle of the load: some handshakes were never answered.
    assert answered < 400, "mitmdump stopped only after the whole load: nothing was stopped mid-load"
    for p in paths:
        json.loads(p.read_text())
        load_capture(p)
    # Every handshake the proxy answered before it stopped was recorded.
    assert len(paths) >= answered
    assert not list(rec.directory.glob(".*.tmp"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: room for a dozen captures. Skips where this machine cannot mount one."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root; the unwritable-folder test covers the same path")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=10)


async def test_full_disk_keeps_forwarding(app_server: str, start_recorder, small_disk: Path, tmp_path: Path) -> None:
    """The disk fills up mid-run: traffic flows, the error is logged once, no partial or torn file is left."""
    rec = start_recorder(directory=small_disk / "captures")
    assert await blast(app_server, rec.proxy, 60, 5) == [403] * 60
    rec.stop()
    paths = list(rec.directory.glob("*.json"))
    assert 0 < len(paths) < 60  # the disk took some, then was full
    for p in paths:
        load_capture(p)  # complete: a short write on a full disk must not pass for a whole file
    assert not list(rec.directory.glob(".*"))
    log = (tmp_path / "mitmdump-0.log").read_text()
    assert log.count("wsdiff: cannot write") == 1 and "No space left on device" in log, log
    assert f"wsdiff: {60 - len(paths)} capture(s) could not be written" in log


async def _writer_pid(mitmdump: int) -> int:
    for _ in range(100):  # bounded: the script may still be loading when the port opens
        kids = [int(k) for t in Path(f"/proc/{mitmdump}/task").iterdir() for k in (t / "children").read_text().split()]
        if kids:
            [pid] = kids
            return pid
        await asyncio.sleep(0.05)
    raise AssertionError("mitmdump started no writer process")


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except FileNotFoundError:
        return True


async def test_killed_mitmdump_still_writes_what_it_handed_over(app_server: str, start_recorder) -> None:
    """SIGKILL, so no done hook runs: the writer process still writes every capture of an answered handshake."""
    rec = start_recorder()
    assert rec.service.proc is not None
    writer = await _writer_pid(rec.service.proc.pid)
    assert await blast(app_server, rec.proxy, 200, 10) == [403] * 200
    os.kill(rec.service.proc.pid, signal.SIGKILL)
    for _ in range(200):  # bounded: 10 s for the writer to finish its input and exit
        if _gone(writer):
            break
        await asyncio.sleep(0.05)
    assert _gone(writer)
    paths = list(rec.directory.glob("*.json"))
    assert len(paths) == 200 and not list(rec.directory.glob(".*"))
    assert {load_capture(p).request.target for p in paths} == {f"/nope?i={i}" for i in range(200)}
