"""Start-up: `wsdiff compare a.json b.json` wall time next to `python -c pass` (target < 300 ms).

Also checks that comparing two captures imports neither mitmproxy, aiohttp nor uvicorn.

    .venv/bin/python bench/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers import capture, set_header  # noqa: E402

from wsdiff.files import dump_capture  # noqa: E402


def wall(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    d = Path(tempfile.mkdtemp())
    a = dump_capture(capture(), d / "a.json")
    b = dump_capture(capture(status=403, headers=set_header("Origin", "https://x")), d / "b.json")
    wsdiff = str(Path(sys.executable).parent / "wsdiff")
    base = wall([sys.executable, "-c", "pass"], args.runs)
    cmp_ = wall([wsdiff, "compare", str(a), str(b)], args.runs)
    print(f"python -c pass:          {base:6.0f} ms (median of {args.runs})")
    print(f"wsdiff compare a b:      {cmp_:6.0f} ms  (target < 300 ms)")
    probe = ("import sys, runpy; sys.argv=['wsdiff','compare',%r,%r]\n"
             "try:\n    runpy.run_module('wsdiff', run_name='__main__')\nexcept SystemExit: pass\n"
             "print(','.join(m for m in ('mitmproxy','aiohttp','uvicorn','deepdiff') if m in sys.modules) or 'none')"
             % (str(a), str(b)))
    heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    print(f"heavy modules imported:  {heavy}")


if __name__ == "__main__":
    main()
