"""Recording overhead: wsdiff's recorder against mitmproxy's own flow saving, side by side.

Four proxies run in reverse mode in front of the same uvicorn server, all with
``connection_strategy=lazy`` (which the recorder sets) so that only what they
save differs:

- ``plain``: mitmdump, the base;
- ``control``: a second plain mitmdump, the noise floor (what two identical
  proxies differ by on this machine);
- ``flows``: ``mitmdump -w FILE``, mitmproxy saving every flow, the peer;
- ``recording``: ``mitmdump -s addons/record.py``, one capture file per attempt.

Every round loads each proxy in turn, in a rotating order so that drift falls
on all four. CPU is that of each proxy's whole process tree, read from /proc
(utime + stime of mitmdump and all its descendants, plus cutime + cstime for
children that exited), so the recorder's writer child counts. The figures are
medians over the rounds; ratios are taken against ``plain`` round by round.

Target (issue 18): recording costs at most +2 points of CPU per handshake
more than ``flows`` (both against plain), with a throughput ratio no lower
than ``flows``' minus 0.03, every handshake recorded.

Only the recorder creates a file per handshake, so only it pays what the
file system charges for a new file, printed first: on this machine's ext4,
which has no journal, a new file costs 30-40 µs of CPU, but several times
that for a minute or so after many files were deleted near the folder
(ext4 then skips each recently freed inode, reading it first). The run's
folder is made under the project's captures/ (``--dir`` to choose) and
removed at the end (``--keep`` to keep it): leave a few minutes between runs.

A last phase measures the hooks themselves inside mitmdump:
bench/timed_record.py is addons/record.py with the thread CPU time of each
hook summed, a figure that other processes disturb less.

    .venv/bin/python bench/record_overhead.py [--handshakes 500] [--rounds 16] [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import app_server, cpu_seconds, load, tree_cpu_seconds

from wsdiff.recording.procs import Service, free_port, mitmdump_command

NAMES = ("plain", "control", "flows", "recording")
CPU_SLACK = 2.0  # points of CPU per handshake that recording may cost above flows
RATE_SLACK = 0.03  # throughput ratio that recording may lose against flows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--handshakes", type=int, default=500, help="per proxy per round (default 500)")
    ap.add_argument("--rounds", type=int, default=16, help="rounds (default 16; a multiple of 4 puts each proxy "
                                                          "in each position equally often)")
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--no-hooks", action="store_true", help="skip the last phase (hook CPU inside mitmdump)")
    ap.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent.parent / "captures",
                    help="where to make the run's folder for captures and flows (default: the project's captures/)")
    ap.add_argument("--keep", action="store_true", help="keep the run's folder (its deletion makes new files "
                                                        "nearby cost more for a while on ext4 without a journal)")
    ap.add_argument("--addon", type=Path, help="record with another checkout's addons/record.py (its folder goes "
                                                "first on PYTHONPATH; run from a folder that holds no wsdiff/)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wsdiff-bench-", dir=args.dir))
    print(f"in {work}: a new capture file costs {file_cost(work / 'probe'):.0f} µs of CPU to create here now")
    captures = work / "captures"
    captures.mkdir()
    flow_file = work / "flows.mitm"
    warmup = 200
    with app_server(work / "uvicorn.log") as server:
        upstream = f"http://127.0.0.1:{server.port}"
        services: dict[str, Service] = {}
        for name in NAMES:
            port = free_port()
            env = None
            if name == "recording" and args.addon:
                argv = mitmdump_command(port, directory=captures, reverse=upstream, addon=False) + [
                    "-s", str(args.addon), "--set", f"wsdiff_dir={captures}", "--set", "wsdiff_label=bench"]
                env = {**os.environ, "PYTHONPATH": str(args.addon.resolve().parent.parent)}
            elif name == "recording":
                argv = mitmdump_command(port, directory=captures, reverse=upstream, label="bench")
            else:
                argv = mitmdump_command(port, directory=captures, reverse=upstream, addon=False,
                                        options=["connection_strategy=lazy"])
                if name == "flows":
                    argv += ["-w", str(flow_file)]
            services[name] = Service(argv + ["-q"], port, log=work / f"{name}.log", env=env)
        for svc in services.values():
            svc.start()
        try:
            for svc in services.values():
                asyncio.run(load(svc.port, warmup, args.concurrency))
            rounds: dict[str, list[tuple[float, float, float]]] = {n: [] for n in NAMES}  # rate, tree cpu, children
            answered = dict.fromkeys(NAMES, 0)
            for r in range(args.rounds):
                k = r % len(NAMES)
                for name in NAMES[k:] + NAMES[:k]:
                    proc = services[name].proc
                    assert proc is not None
                    tree0, own0 = tree_cpu_seconds(proc.pid), cpu_seconds(proc.pid)
                    seconds, n = asyncio.run(load(services[name].port, args.handshakes, args.concurrency))
                    tree, own = tree_cpu_seconds(proc.pid) - tree0, cpu_seconds(proc.pid) - own0
                    rounds[name].append((n / seconds, tree / n * 1e3, (tree - own) / n * 1e3))
                    answered[name] += n
            # done() waits for the writer and -w closes its file: everything must be on disk after this.
            services["recording"].stop()
            services["flows"].stop()
        finally:
            for svc in services.values():
                svc.stop()
        recorded = len(list(captures.glob("*.json"))) - warmup
        saved = _count_flows(flow_file) - warmup
        hook = None if args.no_hooks or args.addon else hook_cpu(upstream, work, 2000, args.concurrency)
    if not args.keep:
        shutil.rmtree(work)  # only after a run that went through: otherwise its logs stay for a look

    def median(name: str, i: int) -> float:
        return statistics.median(x[i] for x in rounds[name])

    def against_plain(name: str, i: int) -> list[float]:
        return sorted(x[i] / p[i] for x, p in zip(rounds[name], rounds["plain"], strict=True))

    print(f"handshakes per proxy: {args.handshakes * args.rounds} ({args.rounds} rounds of {args.handshakes}, "
          f"concurrency {args.concurrency}, rotating order); medians over rounds; CPU of each process tree")
    for name in NAMES:
        print(f"  {name:9} {median(name, 0):6.0f} handshakes/s   CPU {median(name, 1):.3f} ms/handshake"
              f"  (children {median(name, 2):.3f})")
    summary: dict[str, tuple[float, float]] = {}
    for name in NAMES[1:]:
        rate, cpu = against_plain(name, 0), against_plain(name, 1)
        summary[name] = (statistics.median(rate), (statistics.median(cpu) - 1) * 100)
        low, high = (cpu[0] - 1) * 100, (cpu[-1] - 1) * 100
        print(f"  {name + '/plain':15} throughput ratio {summary[name][0]:.3f} (rounds {rate[0]:.3f}-{rate[-1]:.3f}), "
              f"CPU {summary[name][1]:+5.1f}% per handshake (rounds {low:+.1f}%..{high:+.1f}%)")
    print("  control/plain is the noise floor: two identical proxies differ by that much here")
    print(f"saved: recording {recorded} capture files of {answered['recording']} answered handshakes; "
          f"-w {saved} flows of {answered['flows']}")
    rec_rate, rec_cpu = summary["recording"]
    ref_rate, ref_cpu = summary["flows"]
    cpu_ok = rec_cpu <= ref_cpu + CPU_SLACK
    rate_ok = rec_rate >= ref_rate - RATE_SLACK
    all_ok = recorded == answered["recording"]
    print(f"target: recording CPU <= flows CPU + {CPU_SLACK:g} points: {rec_cpu:+.1f}% vs {ref_cpu:+.1f}% "
          f"({rec_cpu - ref_cpu:+.1f} points): {'met' if cpu_ok else 'NOT met'}")
    print(f"        recording throughput >= flows - {RATE_SLACK:g}: {rec_rate:.3f} vs {ref_rate:.3f} "
          f"({rec_rate - ref_rate:+.3f}): {'met' if rate_ok else 'NOT met'}")
    print(f"        every handshake recorded: {'yes' if all_ok else 'NO'}")
    print(f"verdict: {'met' if cpu_ok and rate_ok and all_ok else 'NOT met'}")
    if args.keep:
        print(f"kept: {work}")
    if hook is not None:
        calls, spent = hook
        print(f"recorder hooks inside mitmdump: {spent / calls * 1e3:.4f} ms CPU per handshake over {calls} "
              f"handshakes = {spent / calls * 1e3 / median('plain', 1) * 100:.1f}% of plain mitmdump's CPU")


def file_cost(folder: Path, n: int = 300) -> float:
    """Return the CPU µs that writing one small capture file costs in *folder* (the file system's share)."""
    from wsdiff.files import write_atomic

    folder.mkdir()
    data = b"x" * 1150
    t = time.process_time()
    for i in range(n):
        write_atomic(folder / f"{i}.json", data)
    return (time.process_time() - t) / n * 1e6


def _count_flows(path: Path) -> int:
    from mitmproxy import io

    with open(path, "rb") as f:
        return sum(1 for _ in io.FlowReader(f).stream())


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
