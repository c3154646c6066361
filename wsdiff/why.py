"""``wsdiff why``: from a folder of captures to the culprit, with no file name typed (an edge).

It reads the captures folder (bounded: newest files first, nothing but
wsdiff capture files; :func:`wsdiff.folder.scan_folder`), lets
:func:`wsdiff.pairing.choose_pair` pick the pair, and then compares it and,
unless offline, bisects it against the live server with
:func:`wsdiff.runner.bisect`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .diff import compare
from .difference import Comparison
from .folder import Scan, candidate, file_of, other_attempts, scan_folder
from .errors import CaptureError
from .pairing import Pair, choose_pair
from .report import Report, check_bisect, render
from .runner import Settings, bisect
from .search import Policy
from .verdict import BisectReport

__all__ = ["find_pair", "Why", "explain", "default_folder", "load_bisect", "report_text", "pair_of_files"]

def find_pair(folder: str | os.PathLike[str], *, failing: str | None = None, good: str | None = None,
              key: bytes | None = None, same_file: bool = False) -> Pair:
    """Choose the pair to explain from *folder* (a named *failing* or *good* file is loaded as named).

    With *same_file* and FAILING given as ``FILE#N`` (a HAR or flow file of
    several attempts), the file's other attempts are candidates too: a good
    attempt is most often recorded next to the bad one.

    Raises:
        NoPairError: nothing rejected, or nothing accepted to the same host.
        CaptureError: a named file cannot be read.
    """
    bad = candidate(failing) if failing else None
    chosen_good = candidate(good) if good else None
    scan = Scan((), 0) if (bad and chosen_good) else scan_folder(folder)
    found = scan.candidates
    if same_file and failing and not chosen_good:
        found = other_attempts(failing) + found
    return choose_pair(found, bad=bad, good=chosen_good, folder=_shown(folder), key=key)


def _shown(folder: str | os.PathLike[str]) -> str:
    text = str(folder)
    return text if text.endswith("/") else text + "/"


@dataclass(frozen=True)
class Why:
    """The answer: the pair, what differs, and (unless offline) what the live server said."""

    pair: Pair
    comparison: Comparison
    report: BisectReport | None


async def explain(pair: Pair, settings: Settings | None, *, policy: Policy | None = None,
                  key: bytes | None = None) -> Why:
    """Compare the pair, then bisect it live as bisect does (no *settings*: offline, compare only)."""
    comparison = compare(pair.good.capture, pair.bad.capture, key=key)
    report = None
    if settings is not None:
        report = await bisect(pair.good.capture, pair.bad.capture, settings, key=key, policy=policy)
    return Why(pair, comparison, report)


def default_folder(failing: str | None) -> Path:
    """Return the folder to look in: FAILING's folder when one is named, else ``captures``."""
    return Path(file_of(failing)).parent if failing else Path("captures")


def pair_of_files(good: str, bad: str) -> Pair:
    """Return GOOD and BAD as named, with no choosing (``wsdiff report GOOD BAD``)."""
    g, b = candidate(good), candidate(bad)
    return Pair(g, b, f"good: {good}  (named)", f"bad:  {bad}  (named)")


BISECT_FILE_LIMIT = 4 << 20
"""Bytes: bisect's JSON for a handful of differences is a few kilobytes."""


def load_bisect(path: str) -> dict[str, object]:
    """Read a bisect (or why) ``--json`` file; raise CaptureError or ReportError naming the file."""
    import json

    try:
        with open(path, "rb") as f:
            data = f.read(BISECT_FILE_LIMIT + 1)
    except OSError as e:
        raise CaptureError(f"cannot read: {e.strerror or e}", source=path) from None
    if len(data) > BISECT_FILE_LIMIT:
        raise CaptureError(f"too large for a bisect result (more than {BISECT_FILE_LIMIT} bytes)", source=path)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise CaptureError(f"not valid JSON: {e}", source=path) from None
    return check_bisect(doc, path)


async def report_text(pair: Pair, fmt: str, *, settings: Settings | None = None,
                      bisect_doc: dict[str, object] | None = None, policy: Policy | None = None,
                      key: bytes | None = None, made: str = "") -> tuple[str, Report]:
    """Render the report of *pair* in *fmt*; bisect live first when *settings* are given."""
    why = await explain(pair, settings, policy=policy, key=key)
    doc = why.report.to_json() if why.report is not None else bisect_doc
    report = Report(why.comparison, (pair.good.name, pair.bad.name), doc, made)
    return render(report, fmt), report
