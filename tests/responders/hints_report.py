"""Print what ``wsdiff compare`` says of each refusal in captures/ against its accepted twin.

Run: ``.venv/bin/python tests/responders/hints_report.py [--markdown] [NAME ...]``

For every capture that index.json pairs with an accepted one
(``compare_with``), it prints who wsdiff says answered (``responder`` of
each side) and every difference that carries a hint, with the hint's first
words, so that a hint that tells the wrong framework's story stands out.
NAME filters by file-name prefix. It reads files only; nothing is started.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wsdiff.diff import compare
from wsdiff.responder import responder
from wsdiff.files import load_capture

CAPTURES = Path(__file__).resolve().parent / "captures"


def _short(text: str, words: int = 9) -> str:
    cut = text.split()
    return " ".join(cut[:words]) + (" ..." if len(cut) > words else "")


def report(prefixes: list[str], markdown: bool) -> int:
    rows = json.loads((CAPTURES / "index.json").read_text())
    for row in rows:
        good = row.get("compare_with")
        if not good or (prefixes and not any(row["file"].startswith(p) for p in prefixes)):
            continue
        a, b = load_capture(CAPTURES / good), load_capture(CAPTURES / row["file"])
        c = compare(a, b)
        head = f"{good.removesuffix('.json')} vs {row['file'].removesuffix('.json')}: {b.outcome}"
        print(f"### {head}" if markdown else head)
        print(f"  responder: {responder(a)!r} / {responder(b)!r}")
        for d in c.significant:
            for h in d.hints:
                print(f"  - {d.label}: {_short(h)}")
        print()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="file-name prefixes to report (default: all)")
    parser.add_argument("--markdown", action="store_true", help="headings as markdown")
    args = parser.parse_args()
    return report(args.names, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
