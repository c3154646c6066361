"""Scale: compare 10,000 captures against one reference, in process; captures per second.

    .venv/bin/python bench/scale.py [--captures 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers import capture, set_header  # noqa: E402

from wsdiff.diff import compare  # noqa: E402
from wsdiff.files import dump_capture, load_capture  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--captures", type=int, default=10_000)
    args = ap.parse_args()
    d = Path(tempfile.mkdtemp())
    reference = capture()
    for i in range(args.captures):
        c = capture(target=f"/ws?voice=alloy&i={i}", headers=set_header("X-Req", str(i % 7)), id=f"{i:08d}",
                    started=1764000000 + i)
        dump_capture(c, d)
    paths = sorted(d.glob("*.json"))
    t0 = time.perf_counter()
    loaded = [load_capture(p) for p in paths]
    t1 = time.perf_counter()
    total = sum(len(compare(reference, c).significant) for c in loaded)
    t2 = time.perf_counter()
    n = len(paths)
    print(f"captures: {n}")
    print(f"load:            {n / (t1 - t0):8.0f} captures/s")
    print(f"compare:         {n / (t2 - t1):8.0f} captures/s  ({total} differences)")
    print(f"load + compare:  {n / (t2 - t0):8.0f} captures/s")


if __name__ == "__main__":
    main()
