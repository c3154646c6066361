"""Bisect cost: probes used to find one culprit, and a pair, among n differences.

Runs the pure search against a simulated server (no network): the figures are
exactly what bisect sends to a real one, baselines and confirmations included.

    .venv/bin/python bench/bisect_probes.py
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wsdiff.search import applied, run, search  # noqa: E402


def probes(n: int, culprit: frozenset[int]) -> tuple[int, tuple[int, ...]]:
    result = run(search(n), lambda p: not culprit <= applied(p, n))
    return result.probes, result.culprit


def main() -> None:
    rng = random.Random(6455)
    print(f"{'n':>5} {'one culprit':>12} {'a pair':>8} {'log2(n)':>8}   (probes, mean of 20 random placements;"
          " baselines and confirmations included: 14 for one cause, 20 for a pair)")
    for n in (4, 16, 64, 256):
        one = [probes(n, frozenset({rng.randrange(n)})) for _ in range(20)]
        pair = [probes(n, frozenset(rng.sample(range(n), 2))) for _ in range(20)]
        print(f"{n:>5} {sum(p for p, _ in one) / 20:>12.1f} {sum(p for p, _ in pair) / 20:>8.1f} {math.log2(n):>8.0f}")


if __name__ == "__main__":
    main()
