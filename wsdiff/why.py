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
from .folder import Scan, candidate, file_of, scan_folder
from .pairing import Pair, choose_pair
from .runner import Settings, bisect
from .search import Policy
from .verdict import BisectReport

__all__ = ["find_pair", "Why", "explain", "default_folder"]

def find_pair(folder: str | os.PathLike[str], *, failing: str | None = None, good: str | None = None,
              key: bytes | None = None) -> Pair:
    """Choose the pair to explain from *folder* (a named *failing* or *good* file is loaded as named).

    Raises:
        NoPairError: nothing rejected, or nothing accepted to the same host.
        CaptureError: a named file cannot be read.
    """
    bad = candidate(failing) if failing else None
    chosen_good = candidate(good) if good else None
    scan = Scan((), 0) if (bad and chosen_good) else scan_folder(folder)
    return choose_pair(scan.candidates, bad=bad, good=chosen_good, folder=_shown(folder), key=key)


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
