"""Recording overhead: mitmdump with addons/record.py against plain mitmdump, side by side.

Both run in reverse mode in front of the same uvicorn server; rounds alternate
between them so that machine noise falls on both. Prints throughput, the
throughput ratio (target >= 0.97), mitmdump CPU per handshake and the extra
CPU of recording (target <= 5%), and checks that every handshake was recorded.

    .venv/bin/python bench/record_overhead.py [--handshakes 2000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from _common import app_server, cpu_seconds, load

from wsdiff.procs import Service, free_port, mitmdump_command


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--handshakes", type=int, default=2000, help="per proxy per round")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wsdiff-bench-"))
    captures = work / "captures"
    captures.mkdir()
    with app_server(work / "uvicorn.log") as server:
        upstream = f"http://127.0.0.1:{server.port}"
        pp, rp = free_port(), free_port()
        # The recorder sets connection_strategy=lazy (wsdiff_lazy); the plain proxy gets the same,
        # so that only the recording differs.
        plain = Service(mitmdump_command(pp, directory=captures, reverse=upstream, addon=False,
                                         options=["connection_strategy=lazy"]) + ["-q"], pp,
                        log=work / "plain.log")
        recording = Service(mitmdump_command(rp, directory=captures, reverse=upstream, label="bench") + ["-q"], rp,
                            log=work / "recording.log")
        with plain, recording:
            asyncio.run(load(pp, 200, args.concurrency))  # warm-up
            asyncio.run(load(rp, 200, args.concurrency))
            totals = {"plain": [0.0, 0.0, 0], "recording": [0.0, 0.0, 0]}
            for _ in range(args.rounds):
                for name, svc in (("plain", plain), ("recording", recording)):
                    assert svc.proc is not None
                    c0 = cpu_seconds(svc.proc.pid)
                    seconds, answered = asyncio.run(load(svc.port, args.handshakes, args.concurrency))
                    totals[name][0] += seconds
                    totals[name][1] += cpu_seconds(svc.proc.pid) - c0
                    totals[name][2] += answered
            recording.stop()  # done() drains the writer: every capture must be on disk now
        recorded = len(list(captures.glob("*.json"))) - 200
    n = args.handshakes * args.rounds
    rate = {k: v[2] / v[0] for k, v in totals.items()}
    cpu = {k: v[1] / v[2] * 1e3 for k, v in totals.items()}
    print(f"handshakes per proxy: {n} (concurrency {args.concurrency}, {args.rounds} alternating rounds)")
    for k in ("plain", "recording"):
        print(f"  {k:9} {rate[k]:7.0f} handshakes/s   mitmdump CPU {cpu[k]:.3f} ms/handshake")
    print(f"throughput ratio recording/plain: {rate['recording'] / rate['plain']:.3f}  (target >= 0.97)")
    print(f"extra mitmdump CPU per handshake: {(cpu['recording'] / cpu['plain'] - 1) * 100:+.1f}%  (target <= +5%)")
    print(f"captures written: {recorded} of {totals['recording'][2]} answered handshakes")


if __name__ == "__main__":
    main()
