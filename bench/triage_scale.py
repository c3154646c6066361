"""Scale of wsdiff triage: 100,000 attempts from a folder of captures; how time and memory grow.

    .venv/bin/python bench/triage_scale.py [--attempts 100000] [--dir DIR] [--quick]

1. End to end: ``wsdiff triage --json DIR`` on a folder of N capture files
   (written first, or reused with --dir), with one process and with the
   default workers; wall time and CPU time of the whole command, and whether
   it found the three rules the attempts were drawn from.
2. Growth with attempts: the same population, in memory (no files), 10k to
   N attempts: time per attempt and the tally's peak memory (tracemalloc).
3. Growth with distinct features: 30k attempts with more and more random
   headers and values: time, memory, distinct feature values and profiles.

Everything is synthetic and local; nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wsdiff.files import dump_capture  # noqa: E402
from wsdiff.model import Capture, Endpoint, Request, Response  # noqa: E402
from wsdiff.triage import Tally  # noqa: E402

ALLOWED = ("https://app.example", "https://admin.app.example")
KEY = "redacted:00000000000000aa"


def attempts(n: int, seed: int = 1, extra_headers: int = 0, extra_values: int = 4) -> Iterator[Capture]:
    """Draw *n* attempts against three rules (Origin allow-list, X-Api-Key, legacy+pcm), one at a time."""
    rnd = random.Random(seed)
    for i in range(n):
        origin = rnd.choice([None, *ALLOWED, "https://evil.example", "http://localhost:3000", "null"])
        key = rnd.choices([None, KEY, "redacted:00000000000000bb"], [2, 7, 1])[0]
        mode = rnd.choice([None, "legacy", "modern"])
        fmt = rnd.choice([None, "pcm", "opus", "mp3"])
        headers = [("Host", "tts.example"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                   ("Sec-WebSocket-Key", f"{rnd.getrandbits(96):024x}=="), ("Sec-WebSocket-Version", "13"),
                   ("User-Agent", rnd.choice(["Python/3.12 websockets/17.4", "Python/3.12 aiohttp/3.14.5",
                                              "Mozilla/5.0 (X11; Linux) Gecko/20100101 Firefox/"
                                              f"{rnd.randint(118, 125)}.0",
                                              f"TTSStudio/2.{rnd.randint(0, 9)}.{rnd.randint(0, 30)}"])),
                   ("X-Request-Id", f"{rnd.getrandbits(64):016x}")]
        for name, value in (("Origin", origin), ("X-Api-Key", key), ("X-Client-Mode", mode),
                            ("Accept-Language", rnd.choice([None, "en-US", "de-DE", "fr-FR"]))):
            if value is not None:
                headers.append((name, value))
        headers += [(f"X-Extra-{j}", f"v{rnd.randrange(extra_values)}") for j in range(extra_headers)]
        if rnd.random() < 0.5:
            headers.append(("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"))
        target = f"/ws?voice={rnd.choice(['alloy', 'echo', 'fable'])}&t={rnd.getrandbits(40)}" + (
            f"&fmt={fmt}" if fmt else "")
        rejected = (origin is not None and origin not in ALLOWED) or key != KEY or (mode == "legacy" and fmt == "pcm")
        yield Capture(Endpoint("wss", "tts.example", 443, sni="tts.example"),
                      Request(target=target, headers=tuple(headers)),
                      Response(403, "Forbidden") if rejected else Response(101, "Switching Protocols"),
                      label="bench", id=f"{i:08x}", started=1764000000 + i * 0.01, redacted=True)


def write_folder(folder: Path, n: int) -> None:
    have = sum(1 for _ in folder.glob("*.json")) if folder.exists() else 0
    if have == n:
        return
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for c in attempts(n):
        dump_capture(c, folder)
    print(f"wrote {n:,} captures to {folder} in {time.perf_counter() - t0:.1f} s")


def end_to_end(folder: Path, jobs: int) -> tuple[float, float, list[str]]:
    """Run the real command; return wall seconds, CPU seconds, the findings.

    The CPU time is the command's and its children's: with workers, which are
    children of a fork server, it is not all there, so it is shown for one job.
    """
    wsdiff = Path(sys.executable).with_name("wsdiff")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([str(wsdiff), "triage", "--json", "--jobs", str(jobs), str(folder)], capture_output=True,
                         text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    doc = json.loads(out.stdout)
    return wall, cpu, [f"{f['condition']}: {f['rejected_matched']} rejected, {f['accepted_matched']} accepted"
                       for g in doc["groups"] for f in g["findings"]]


def fold(n: int, **kw: int) -> tuple[float, float, Tally]:
    """Tally *n* attempts in memory; return CPU seconds to count (drawing them aside), to explain, the tally."""
    t0 = time.process_time()
    for _ in attempts(n, **kw):
        pass
    draw = time.process_time() - t0
    tally = Tally()
    t0 = time.process_time()
    for i, c in enumerate(attempts(n, **kw)):
        tally.add(f"a{i}", c)
    t1 = time.process_time()
    tally.result()
    return t1 - t0 - draw, time.process_time() - t1, tally


def peak_memory(n: int, **kw: int) -> float:
    """MB at the peak of tallying and explaining *n* attempts (each drawn, counted, then dropped)."""
    tracemalloc.start()
    tally = Tally()
    for i, c in enumerate(attempts(n, **kw)):
        tally.add(f"a{i}", c)
    tally.result()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attempts", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, help="folder for the captures (kept; reused when it holds as many)")
    ap.add_argument("--quick", action="store_true", help="skip the growth tables")
    args = ap.parse_args()
    n = args.attempts
    folder = args.dir or Path(tempfile.mkdtemp(prefix="wsdiff-triage-bench-")) / "captures"
    write_folder(folder, n)
    print(f"\n1. wsdiff triage --json on a folder of {n:,} capture files (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall time on a shared machine is CPU time and waiting)")
    default_jobs = min(4, os.cpu_count() or 1)
    for jobs in sorted({1, default_jobs}):
        wall, cpu, findings = end_to_end(folder, jobs)
        print(f"   --jobs {jobs}: {wall:5.1f} s wall" + (f", {cpu:5.1f} s CPU ({cpu / n * 1e6:.0f} µs per attempt)"
                                                         if jobs == 1 else ""))
    for f in findings:
        print(f"     found: {f}")
    if args.quick:
        return
    print("\n2. growth with attempts (in memory, no files; CPU time)")
    print(f"   {'attempts':>9} {'count µs/attempt':>17} {'explain s':>10} {'profiles':>9} {'peak MB':>8}")
    for size in sorted({10_000, 30_000, n, 3 * n}):
        count, explain, tally = fold(size)
        profiles = sum(len(g.profiles) for g in tally.groups.values())
        print(f"   {size:>9,} {count / size * 1e6:>17.1f} {explain:>10.2f} {profiles:>9,} {peak_memory(size):>8.1f}")
    print("\n3. growth with distinct features (30,000 attempts; extra random headers x values)")
    print(f"   {'extra':>9} {'features':>9} {'count µs/attempt':>17} {'explain s':>10} {'profiles':>9} "
          f"{'untracked':>9} {'peak MB':>8}")
    for headers, values in ((0, 4), (5, 4), (20, 4), (5, 64), (40, 16)):
        count, explain, tally = fold(30_000, extra_headers=headers, extra_values=values)
        g = next(iter(tally.groups.values()))
        print(f"   {f'{headers}x{values}':>9} {len(g.atom_attr):>9,} {count / 30_000 * 1e6:>17.1f} {explain:>10.2f} "
              f"{len(g.profiles):>9,} {len(g.untracked):>9} "
              f"{peak_memory(30_000, extra_headers=headers, extra_values=values):>8.1f}")


if __name__ == "__main__":
    main()
