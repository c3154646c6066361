"""``wsdiff why``: from a folder of captures to the culprit, with no file name typed (an edge).

It reads the captures folder (bounded: newest files first, at most
:data:`SCAN_LIMIT` of them, nothing but wsdiff capture files), lets
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
from .errors import CaptureError
from .files import load_capture, load_captures
from .pairing import Candidate, Pair, choose_pair
from .runner import Settings, bisect
from .search import Policy
from .verdict import BisectReport

__all__ = ["SCAN_LIMIT", "FILE_LIMIT", "Scan", "scan_folder", "candidate", "find_pair", "Why", "explain",
           "default_folder"]

SCAN_LIMIT = 500
"""Capture files read from a folder, newest first: a folder of a long recording is not read whole."""
FILE_LIMIT = 1 << 20
"""Bytes: a recorder's capture is a few kilobytes; a bigger file is not one (a HAR, a flow dump)."""


@dataclass(frozen=True)
class Scan:
    """What a folder held: the captures read, and how many files were passed over."""

    candidates: tuple[Candidate, ...]
    skipped: int  # not captures: other JSON, HAR, unreadable, too big, or beyond the limit


def _file_of(spec: str | os.PathLike[str]) -> str:
    """Return the file of a capture spec (``FILE#N`` names FILE unless a file is called that)."""
    text = os.fspath(spec)
    return text.rpartition("#")[0] if "#" in text and not os.path.exists(text) else text


def candidate(spec: str | os.PathLike[str]) -> Candidate:
    """Load one capture file as a candidate (``FILE#N`` works too)."""
    capture = load_capture(spec)
    try:
        mtime = os.stat(_file_of(spec)).st_mtime
    except OSError:
        mtime = 0.0
    return Candidate(os.fspath(spec), capture, capture.started or mtime)


def scan_folder(folder: str | os.PathLike[str], *, limit: int = SCAN_LIMIT) -> Scan:
    """Read the wsdiff captures in *folder*, newest first, at most *limit* files; skip everything else."""
    entries: list[tuple[float, str]] = []
    skipped = 0
    try:
        with os.scandir(folder) as it:
            for e in it:
                # Dot files are the writer's temporary files (files.write_atomic).
                if e.name.startswith(".") or not e.name.endswith(".json"):
                    continue
                try:
                    st = e.stat()
                except OSError:
                    skipped += 1
                    continue
                if not e.is_file() or st.st_size > FILE_LIMIT:
                    skipped += 1
                    continue
                entries.append((st.st_mtime, e.path))
    except (FileNotFoundError, NotADirectoryError):
        return Scan((), 0)
    except OSError as e:
        raise CaptureError(f"cannot read the folder: {e.strerror or e}", source=str(folder)) from None
    entries.sort(reverse=True)
    skipped += max(0, len(entries) - limit)
    found: list[Candidate] = []
    for mtime, path in entries[:limit]:
        try:
            captures = load_captures(path)
        except CaptureError:
            skipped += 1
            continue
        if len(captures) != 1:  # a HAR or another multi-attempt file: not a recorder's capture
            skipped += 1
            continue
        found.append(Candidate(path, captures[0], captures[0].started or mtime))
    return Scan(tuple(found), skipped)


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
    return Path(_file_of(failing)).parent if failing else Path("captures")
