"""Bisect against servers that answer at random: how often a culprit is named, what it costs a stable server.

Runs the pure search against simulated servers (no network), so the figures
are exactly what bisect would send to a real one:

- random servers that reject 50% and 20% of all requests, whatever they
  carry: the verdicts, the false-culprit rate, the probes spent;
- a server with one real cause whose answers are flipped 1%, 5% or 10% of
  the time: how often the right cause is named, and a wrong one;
- a stable server: probes for one cause, and for a pair, against the figures
  from before adaptive repetition (bench/bisect_probes.py, same placements);
- the knobs (--repeats, --confirm): the stable server's cost against the
  coin-flip server's false-culprit rate.

    .venv/bin/python bench/bisect_flaky.py [--trials 1000] [--blocks 100]   (about a minute)
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bisect_probes import probes  # noqa: E402

from wsdiff.search import Policy, Probe, SearchResult, applied, run, search  # noqa: E402

N = 16  # differences between GOOD and BAD in the simulated runs
BEFORE = {4: (9.8, 11.7), 16: (12.0, 16.1), 64: (13.9, 20.3), 256: (16.0, 24.4)}
"""Probes for one cause and for a pair before issue 12 (README's Figures, bench/bisect_probes.py at dc3a358)."""


def coin(rng: random.Random, rejects: float) -> Callable[[Probe], bool]:
    return lambda p: rng.random() >= rejects


def trials(count: int, server: Callable[[], Callable[[Probe], bool]], policy: Policy | None = None,
           n: int = N) -> list[SearchResult]:
    return [run(search(n, policy=policy), server()) for _ in range(count)]


def random_servers(count: int, blocks: int) -> None:
    print(f"Random servers ({N} differences; {blocks} blocks of {count:,} runs): any culprit named is a false one")
    for rejects, target in ((0.5, 0.99), (0.2, None)):
        rng = random.Random(int(rejects * 1000))
        verdicts: Counter[str] = Counter()
        named_per_block, flaky_per_block, spent = [], [], 0
        for _ in range(blocks):
            results = trials(count, lambda: coin(rng, rejects))
            verdicts.update(r.verdict for r in results)
            named_per_block.append(sum(bool(r.culprit or r.causes) for r in results))
            flaky_per_block.append(sum(r.verdict == "flaky" for r in results) / count)
            spent += sum(r.probes for r in results)
        runs = count * blocks
        named = sum(named_per_block)
        line = ", ".join(f"{v} {c}" for v, c in verdicts.most_common())
        print(f"  rejects {rejects:.0%}: {line}")
        clean = sum(n == 0 for n in named_per_block)
        print(f"    false culprits: {named} in {runs:,} runs ({named / runs:.4%}); blocks of {count:,} with none: "
              f"{clean} of {blocks}")
        flaky = sorted(flaky_per_block)
        print(f"    flaky: {verdicts['flaky'] / runs:.2%} of all runs, {flaky[0]:.1%} in the worst block"
              + (f" (target >= {target:.0%} in every block: {'met' if flaky[0] >= target else 'NOT met'})"
                 if target else "") + f"; {spent / runs:.1f} probes a run")
    print(f"  (a culprit against the coin flip needs every fixed claim answered as expected: about 2**-14 = "
          f"{2 ** -14:.4%} of runs, less where the search's own branches must also fall right)")


def noisy_servers(count: int) -> None:
    print(f"\nOne real cause, answers flipped at random ({N} differences, {count:,} runs each)")
    for noise in (0.01, 0.05, 0.10):
        rng = random.Random(int(noise * 1000) + 7)
        right = wrong = 0
        verdicts: Counter[str] = Counter()
        spent = 0
        for _ in range(count):
            c = rng.randrange(N)
            r = run(search(N), lambda p, c=c: (c not in applied(p, N)) ^ (rng.random() < noise))
            right += r.culprit == (c,)
            wrong += bool(r.culprit) and r.culprit != (c,)
            verdicts[r.verdict] += 1
            spent += r.probes
        others = ", ".join(f"{v} {k}" for v, k in verdicts.most_common() if v != "found")
        print(f"  {noise:>4.0%} flipped: right cause {right / count:.1%}, wrong cause {wrong / count:.2%}; "
              f"{others}; {spent / count:.1f} probes a run")


def stable_server() -> None:
    print("\nA stable server (probes, mean of 20 random placements, as bench/bisect_probes.py)")
    print(f"  {'n':>5} {'one cause':>16} {'a pair':>16}")
    rng = random.Random(6455)
    for n in (4, 16, 64, 256):
        one = [probes(n, frozenset({rng.randrange(n)}))[0] for _ in range(20)]
        pair = [probes(n, frozenset(rng.sample(range(n), 2)))[0] for _ in range(20)]
        (b1, b2), a1, a2 = BEFORE[n], sum(one) / 20, sum(pair) / 20
        print(f"  {n:>5} {b1:>5.1f} -> {a1:>4.1f} (+{a1 - b1:.1f}) {b2:>5.1f} -> {a2:>4.1f} (+{a2 - b2:.1f})")
    print("  (the extra probes ride in rounds that exist already: no extra round for one cause)")


def policies(count: int) -> None:
    print(f"\nThe knobs: a stable server's cost against the coin-flip server's false culprits ({count:,} runs each)")
    for repeats, confirm in ((2, 1), (2, 2), (2, 3), (3, 3)):
        policy = Policy(repeats=repeats, confirm=confirm)
        stable = run(search(N, policy=policy), lambda p: 5 not in applied(p, N)).probes
        rng = random.Random(repeats * 10 + confirm)
        results = trials(count, lambda: coin(rng, 0.5), policy)
        named = sum(bool(r.culprit or r.causes) for r in results)
        default = "  (default)" if Policy() == policy else ""
        print(f"  --repeats {repeats} --confirm {confirm}: one cause among {N}: {stable} probes; false culprits "
              f"{named} ({named / count:.4%}){default}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="runs in a block")
    parser.add_argument("--blocks", type=int, default=100, help="blocks of runs against each random server")
    args = parser.parse_args()
    random_servers(args.trials, args.blocks)
    noisy_servers(args.trials)
    stable_server()
    policies(args.trials * args.blocks // 2)


if __name__ == "__main__":
    main()
