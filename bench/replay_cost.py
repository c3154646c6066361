"""Replay cost: one wsdiff probe next to a bare raw-socket handshake to the same server (target <= 1.3x).

Both send the same request to uvicorn on 127.0.0.1 and read the answer head;
then probes per second at concurrency 20.

    .venv/bin/python bench/replay_cost.py [--n 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _common import app_server, handshake, load

from wsdiff.model import Endpoint
from wsdiff.probe import Connection, probe


async def raw(port: int, data: bytes) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await reader.readuntil(b"\r\n\r\n")
    writer.close()
    await writer.wait_closed()


async def measure(port: int, n: int) -> tuple[float, float]:
    request = handshake("127.0.0.1", port)
    data = ("\r\n".join([f"GET {request.target} HTTP/1.1", *(f"{k}: {v}" for k, v in request.headers)])
            + "\r\n\r\n").encode()
    conn = Connection(Endpoint("ws", "127.0.0.1", port), timeout=10, window=0)
    floor, ours = [], []
    for _ in range(n):  # interleaved, one at a time
        t0 = time.perf_counter()
        await raw(port, data)
        t1 = time.perf_counter()
        await probe(request, conn)
        t2 = time.perf_counter()
        floor.append(t1 - t0)
        ours.append(t2 - t1)
    return statistics.median(floor) * 1e3, statistics.median(ours) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    with app_server(Path(tempfile.mkdtemp()) / "u.log") as server:
        asyncio.run(measure(server.port, 50))  # warm-up
        floor, ours = asyncio.run(measure(server.port, args.n))
        seconds, answered = asyncio.run(load(server.port, 2000, 20))
    print(f"raw-socket handshake (floor): {floor:.3f} ms median")
    print(f"wsdiff probe:                 {ours:.3f} ms median  ratio {ours / floor:.2f}  (target <= 1.3)")
    print(f"probes at concurrency 20:     {answered / seconds:.0f}/s ({answered} answered)")


if __name__ == "__main__":
    main()
