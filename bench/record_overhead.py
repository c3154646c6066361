"""Recording overhead: mitmdump with addons/record.py against plain mitmdump, side by side.

Three proxies run in reverse mode in front of the same uvicorn server: plain
mitmdump, a second plain mitmdump (the control: what two identical proxies
differ by on this machine, the noise floor), and the recording one. Every
round loads each of them in turn, in a rotating order so that drift falls on
all three; the figures are medians over the rounds, with the control beside
them. Targets: throughput ratio >= 0.97 and at most +5% mitmdump CPU per
handshake, with every handshake recorded.

The recorder writes in a child process (wsdiff_writer=process); its CPU is
printed on its own line and added to mitmdump's in the total, so nothing is
hidden.

On this 2-core machine two identical proxies differ by several percent from
one run to the next, which is the size of the targets; the control prints
that noise floor. So a last phase measures the hooks themselves, inside
mitmdump: bench/timed_record.py is addons/record.py with the thread CPU time
of each hook summed, a figure that other processes do not disturb.

    .venv/bin/python bench/record_overhead.py [--handshakes 1000] [--rounds 9]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path

from _common import app_server, children_cpu_seconds, cpu_seconds, load

from wsdiff.recording.procs import Service, free_port, mitmdump_command


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--handshakes", type=int, default=1000, help="per proxy per round")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--concurrency", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wsdiff-bench-"))
    captures = work / "captures"
    captures.mkdir()
    names = ("plain", "control", "recording")
    with app_server(work / "uvicorn.log") as server:
        upstream = f"http://127.0.0.1:{server.port}"
        services: dict[str, Service] = {}
        for name in names:
            port = free_port()
            if name == "recording":
                argv = mitmdump_command(port, directory=captures, reverse=upstream, label="bench")
            else:
                # The recorder sets connection_strategy=lazy (wsdiff_lazy); the plain proxies get
                # the same, so that only the recording differs.
                argv = mitmdump_command(port, directory=captures, reverse=upstream, addon=False,
                                        options=["connection_strategy=lazy"])
            services[name] = Service(argv + ["-q"], port, log=work / f"{name}.log")
        for svc in services.values():
            svc.start()
        try:
            for svc in services.values():
                asyncio.run(load(svc.port, 200, args.concurrency))  # warm-up
            rounds: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}  # rate, cpu, writer cpu
            answered = dict.fromkeys(names, 0)
            for r in range(args.rounds):
                for name in names[r % 3:] + names[:r % 3]:
                    svc = services[name]
                    assert svc.proc is not None
                    c0, w0 = cpu_seconds(svc.proc.pid), children_cpu_seconds(svc.proc.pid)
                    seconds, n = asyncio.run(load(svc.port, args.handshakes, args.concurrency))
                    cpu = cpu_seconds(svc.proc.pid) - c0
                    writer = children_cpu_seconds(svc.proc.pid) - w0
                    rounds[name].append((n / seconds, cpu / n * 1e3, writer / n * 1e3))
                    answered[name] += n
            services["recording"].stop()  # done() waits for the writer: every capture must be on disk now
        finally:
            for svc in services.values():
                svc.stop()
        recorded = len(list(captures.glob("*.json"))) - 200
        hook = hook_cpu(upstream, work, args.handshakes * 2, args.concurrency)

    def median(name: str, i: int) -> float:
        return statistics.median(x[i] for x in rounds[name])

    def ratios(name: str, i: int) -> list[float]:
        return sorted(x[i] / p[i] for x, p in zip(rounds[name], rounds["plain"], strict=True))

    print(f"handshakes per proxy: {args.handshakes * args.rounds} (concurrency {args.concurrency}, "
          f"{args.rounds} rounds of {args.handshakes}, rotating order); medians over rounds")
    for name in names:
        print(f"  {name:9} {median(name, 0):7.0f} handshakes/s   mitmdump CPU {median(name, 1):.3f} ms/handshake")
    for name, what in (("recording", "recording/plain"), ("control", "control/plain  ")):
        rate, cpu = ratios(name, 0), ratios(name, 1)
        print(f"{what}: throughput ratio {statistics.median(rate):.3f} (rounds {rate[0]:.3f}-{rate[-1]:.3f}), "
              f"mitmdump CPU {(statistics.median(cpu) - 1) * 100:+.1f}% "
              f"(rounds {(cpu[0] - 1) * 100:+.1f}%..{(cpu[-1] - 1) * 100:+.1f}%)")
    print("targets: recording/plain throughput ratio >= 0.97, mitmdump CPU <= +5%; "
          "the control shows this machine's noise")
    writer = median("recording", 2)
    total = statistics.median((x[1] + x[2]) / p[1] for x, p in zip(rounds["recording"], rounds["plain"], strict=True))
    print(f"writer process CPU: {writer:.3f} ms/handshake; mitmdump + writer: {(total - 1) * 100:+.1f}% per handshake")
    print(f"captures written: {recorded} of {answered['recording']} answered handshakes")
    calls, spent = hook
    print(f"recorder hooks inside mitmdump: {spent / calls * 1e3:.4f} ms CPU per handshake over {calls} handshakes "
          f"= {spent / calls * 1e3 / median('plain', 1) * 100:.1f}% of plain mitmdump's CPU per handshake")


def hook_cpu(upstream: str, work: Path, n: int, concurrency: int) -> tuple[int, float]:
    """Run bench/timed_record.py for *n* handshakes; return (hook calls, thread CPU seconds spent in them)."""
    port = free_port()
    times = work / "hook-times.txt"
    argv = mitmdump_command(port, directory=work / "timed", reverse=upstream, addon=False) + [
        "-s", str(Path(__file__).with_name("timed_record.py")), "--set", f"wsdiff_dir={work / 'timed'}", "-q"]
    with Service(argv, port, log=work / "timed.log", env={**os.environ, "WSDIFF_BENCH_HOOK_TIMES": str(times)}):
        asyncio.run(load(port, n, concurrency))
    calls, spent = times.read_text().split()
    return int(calls), float(spent)


if __name__ == "__main__":
    main()
