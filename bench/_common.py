"""Shared pieces of the benchmarks: a local server and a handshake load on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wsdiff.model import Endpoint, Request  # noqa: E402
from wsdiff.recording.procs import Service, free_port  # noqa: E402
from wsdiff.probe import Connection, probe  # noqa: E402

TESTS = Path(__file__).resolve().parent.parent / "tests"


def app_server(log: Path) -> Service:
    """uvicorn + FastAPI (tests/apps.py) on a free port."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "apps:app", "--app-dir", str(TESTS), "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--no-access-log"]
    return Service(argv, port, log=log)


def handshake(host: str, port: int, target: str = "/nope") -> Request:
    return Request(target=target, headers=(
        ("Host", f"{host}:{port}"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
        ("User-Agent", "wsdiff-bench"), ("X-API-Key", "bench-secret")))


async def load(port: int, n: int, concurrency: int, target: str = "/nope", proxy: str | None = None) -> tuple[float, int]:
    """Send *n* handshakes at *concurrency*; return (seconds, answered)."""
    conn = Connection(Endpoint("ws", "127.0.0.1", port), proxy=proxy, timeout=10, window=0)
    request = handshake("127.0.0.1", port, target)
    gate = asyncio.Semaphore(concurrency)
    answered = 0

    async def one() -> None:
        nonlocal answered
        async with gate:
            r = await probe(request, conn)
            answered += r.status is not None

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return time.perf_counter() - t0, answered


def _stat_fields(pid: int) -> list[str]:
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process itself (Linux /proc)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except FileNotFoundError:
            pass  # a thread that ended while we looked
    return kids


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants, reaped ones included (Linux /proc).

    For each process of the tree: utime + stime (its own) + cutime + cstime (its
    children that have exited and been waited for). A child that exits between
    two readings moves from its own line to its parent's cumulative fields, so
    the difference of two readings counts it exactly once.
    """
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            fields = _stat_fields(p)
            todo += child_pids(p)
        except FileNotFoundError:
            continue  # exited while we looked: its time is in its parent's cutime/cstime now
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")
