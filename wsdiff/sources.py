"""Many attempts from many sources: folders, capture files, HAR files, flow files, in any mix (an edge).

:func:`iter_attempts` walks folders in name order and reads one file at a
time, yielding ``(source, capture)`` pairs, so a folder of thousands of files
is never held in memory whole. *source* is what another command takes to load
that one attempt: the file's path, or ``FILE#N`` for the Nth attempt of a HAR
or flow file.

In a folder, files that are not captures (other extensions, other JSON) are
skipped and counted; hidden files and folders (the recorder's temporary files
among them) and symbolic links to folders are not visited. A file that should
be a capture but cannot be read is recorded with a one-line reason and left
out; a source that does not exist is an error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .errors import CaptureError
from .files import load_attempts, load_capture
from .formats import looks_like_flows
from .model import Capture

__all__ = ["SourceStats", "iter_attempts", "check_sources"]

CAPTURE_SUFFIXES = (".json", ".har")
_SELECTOR = re.compile(r"^(?P<path>.+)#\d+$")


@dataclass
class SourceStats:
    """What reading the sources met: files read, attempts, files skipped, files that could not be read."""

    files: int = 0
    attempts: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "path: problem", one per file

    def skip(self, path: str) -> None:
        self.skipped += 1
        if len(self.skipped_examples) < 3:
            self.skipped_examples.append(path)

    def to_json(self) -> dict[str, object]:
        return {"files": self.files, "attempts": self.attempts, "skipped": self.skipped,
                "skipped_examples": self.skipped_examples, "unreadable": self.unreadable}


def check_sources(sources: Sequence[str]) -> None:
    """Raise CaptureError for a source that names nothing: no such file or folder."""
    for spec in sources:
        if os.path.exists(spec):
            continue
        m = _SELECTOR.match(spec)
        if m and os.path.isfile(m.group("path")):
            continue
        raise CaptureError("no such file or folder", source=spec)


def iter_attempts(sources: Sequence[str], stats: SourceStats) -> Iterator[tuple[str, Capture]]:
    """Yield ``(source, capture)`` for every upgrade attempt in *sources*, counting into *stats*."""
    check_sources(sources)
    for spec in sources:
        if os.path.isdir(spec):
            yield from _walk(spec, stats)
        elif os.path.exists(spec):
            yield from _file(spec, stats, named=True)
        else:  # FILE#N
            stats.files += 1
            try:
                capture = load_capture(spec)
            except CaptureError as e:
                stats.unreadable.append(str(e))
                continue
            stats.attempts += 1
            yield spec, capture


def _walk(folder: str, stats: SourceStats) -> Iterator[tuple[str, Capture]]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        stats.unreadable.append(f"{folder}: cannot list: {e.strerror or e}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = os.path.join(folder, entry.name)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError:
            is_dir = is_file = False
        if is_dir:
            yield from _walk(path, stats)
        elif is_file:
            yield from _file(path, stats, named=False)


def _sniff_flows(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return looks_like_flows(f.read(16))
    except OSError:
        return False


def _file(path: str, stats: SourceStats, *, named: bool) -> Iterator[tuple[str, Capture]]:
    if not named and not path.lower().endswith(CAPTURE_SUFFIXES) and not _sniff_flows(path):
        stats.skip(path)
        return
    try:
        loaded = load_attempts(path)
    except CaptureError as e:
        stats.unreadable.append(str(e))
        return
    if loaded is None:
        if named:
            stats.unreadable.append(f"{path}: not a capture, HAR or flow file")
        else:
            stats.skip(path)
        return
    captures, several = loaded
    stats.files += 1
    stats.attempts += len(captures)
    for n, capture in enumerate(captures, 1):
        yield (f"{path}#{n}" if several else path), capture

