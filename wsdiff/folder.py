"""Read a folder of captures, bounded: the edge under ``wsdiff why``, ``wsdiff report`` and the recorder's notice.

Newest files first (by modification time), at most a limit of them, and
nothing but wsdiff capture files: other JSON, HAR files, the writer's
temporary dot files and anything too big to be a capture are passed over
and counted. Imports the standard library and wsdiff's core only, because
the recorder's writer process uses it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import CaptureError
from .files import load_capture, load_captures, load_each, split_selector
from .pairing import Candidate

__all__ = ["SCAN_LIMIT", "FILE_LIMIT", "Scan", "scan_folder", "candidate", "file_of"]

SCAN_LIMIT = 500
"""Capture files read from a folder, newest first: a folder of a long recording is not read whole."""
FILE_LIMIT = 1 << 20
"""Bytes: a recorder's capture is a few kilobytes; a bigger file is not one (a HAR, a flow dump)."""


@dataclass(frozen=True)
class Scan:
    """What a folder held: the captures read, and how many files were passed over."""

    candidates: tuple[Candidate, ...]
    skipped: int  # not captures: other JSON, HAR, unreadable, too big, or beyond the limit


def file_of(spec: str | os.PathLike[str]) -> str:
    """Return the file of a capture spec (``FILE#N`` names FILE unless a file is called that)."""
    text = os.fspath(spec)
    return text.rpartition("#")[0] if "#" in text and not os.path.exists(text) else text


def candidate(spec: str | os.PathLike[str]) -> Candidate:
    """Load one capture file as a candidate (``FILE#N`` works too)."""
    capture = load_capture(spec)
    try:
        mtime = os.stat(file_of(spec)).st_mtime
    except OSError:
        mtime = 0.0
    return Candidate(os.fspath(spec), capture, capture.started or mtime)


def other_attempts(spec: str | os.PathLike[str]) -> tuple[Candidate, ...]:
    """Return the other attempts of the file *spec* picks one of (``flows.mitm#2``: #1, #3, ...), else none."""
    text, index = split_selector(spec)
    if index is None:
        return ()
    try:
        mtime = os.stat(text).st_mtime
    except OSError:
        mtime = 0.0
    return tuple(Candidate(name, c, c.started or mtime) for name, c in load_each(text) if name != f"{text}#{index}")


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
