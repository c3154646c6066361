"""Many attempts from many sources: folders, capture files, HAR files, flow files, in any mix (an edge).

:func:`iter_attempts` walks folders in name order and reads one file at a
time, yielding ``(source, capture)`` pairs, so a folder of thousands of files
is never held in memory whole. *source* is what another command takes to load
that one attempt: the file's path, or ``FILE#N`` for the Nth attempt of a HAR
or flow file. :func:`iter_observations` yields what :class:`wsdiff.triage.Tally`
counts instead, and can spread the reading over worker processes: parsing a
capture costs several times what counting it does.

In a folder, files that are not captures (other extensions, other JSON) are
skipped and counted; hidden files and folders (the recorder's temporary files
among them) and symbolic links to folders are not visited. A file that should
be a capture but cannot be read is recorded with a one-line reason and left
out; a source that does not exist is an error.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult

from .errors import CaptureError
from .files import load_attempts, load_capture
from .formats import looks_like_flows
from .model import Capture
from .triage import Feature, Observation, observe

__all__ = ["SourceStats", "iter_attempts", "iter_observations", "check_sources"]

CAPTURE_SUFFIXES = (".json", ".har")
CHUNK = 256
"""Files per task when reading is spread over worker processes."""
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

    def merge(self, other: SourceStats) -> None:
        """Add the counts of *other* (a worker's) to these."""
        self.files += other.files
        self.attempts += other.attempts
        self.skipped += other.skipped
        self.skipped_examples = (self.skipped_examples + other.skipped_examples)[:3]
        self.unreadable += other.unreadable

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


def _tasks(sources: Sequence[str], stats: SourceStats) -> Iterator[tuple[str, bool]]:
    """Yield ``(path or FILE#N, named on the command line)`` for every file to read, walking folders."""
    for spec in sources:
        if os.path.isdir(spec):
            yield from ((path, False) for path in _walk(spec, stats))
        else:
            yield spec, True


def _walk(folder: str, stats: SourceStats) -> Iterator[str]:
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
            yield path


def _sniff_flows(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return looks_like_flows(f.read(16))
    except OSError:
        return False


def _load(spec: str, named: bool, stats: SourceStats) -> Iterator[tuple[str, Capture]]:
    """Yield the attempts of one file (or one ``FILE#N``), counting into *stats*."""
    if named and not os.path.exists(spec):  # FILE#N, checked by check_sources
        stats.files += 1
        try:
            capture = load_capture(spec)
        except CaptureError as e:
            stats.unreadable.append(str(e))
            return
        stats.attempts += 1
        yield spec, capture
        return
    if not named and not spec.lower().endswith(CAPTURE_SUFFIXES) and not _sniff_flows(spec):
        stats.skip(spec)
        return
    try:
        loaded = load_attempts(spec)
    except CaptureError as e:
        stats.unreadable.append(str(e))
        return
    if loaded is None:
        if named:
            stats.unreadable.append(f"{spec}: not a capture, HAR or flow file")
        else:
            stats.skip(spec)
        return
    captures, several = loaded
    stats.files += 1
    stats.attempts += len(captures)
    for n, capture in enumerate(captures, 1):
        yield (f"{spec}#{n}" if several else spec), capture


def iter_attempts(sources: Sequence[str], stats: SourceStats) -> Iterator[tuple[str, Capture]]:
    """Yield ``(source, capture)`` for every upgrade attempt in *sources*, counting into *stats*."""
    check_sources(sources)
    for spec, named in _tasks(sources, stats):
        yield from _load(spec, named, stats)


# --- observations, optionally from worker processes -------------------------------------

_Chunk = tuple[SourceStats, list[Feature], list[tuple[str, str, "bool | None", tuple[int, ...]]], dict[str, str]]


def _observe_chunk(args: tuple[list[tuple[str, bool]], str, str, bytes | None]) -> _Chunk:
    """Read a chunk of files in a worker: what the tally needs, features numbered per chunk to pickle small."""
    tasks, by, oracle, key = args
    stats = SourceStats()
    table: dict[Feature, int] = {}
    rows = []
    spellings: dict[str, str] = {}
    for spec, named in tasks:
        for source, capture in _load(spec, named, stats):
            group, accepted, features, names = observe(capture, by=by, oracle=oracle, key=key)
            rows.append((source, group, accepted, tuple(table.setdefault(f, len(table)) for f in features)))
            for name in names:
                spellings.setdefault(name.lower(), name)
    return stats, list(table), rows, spellings


def _chunks(tasks: Iterator[tuple[str, bool]], size: int) -> Iterator[list[tuple[str, bool]]]:
    chunk: list[tuple[str, bool]] = []
    for task in tasks:
        chunk.append(task)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def iter_observations(sources: Sequence[str], stats: SourceStats, *, by: str = "endpoint", oracle: str = "close",
                      key: bytes | None = None, jobs: int = 1) -> Iterator[tuple[str, Observation]]:
    """Yield ``(source, observation)`` for every attempt in *sources*, in the same order for any *jobs*.

    With *jobs* > 1 and more than one chunk of files, worker processes read
    and parse; at most two chunks per worker are in flight, so memory stays
    bounded however many files there are. The workers import the caller's
    main module, as multiprocessing's fork server and spawn do: a script
    that calls this with *jobs* > 1 needs ``if __name__ == "__main__":``.
    """
    check_sources(sources)
    chunks = _chunks(_tasks(sources, stats), CHUNK)
    first = next(chunks, [])
    second = next(chunks, None) if jobs > 1 else None
    if second is None:  # a small input, or one process asked for: no pool
        for spec, named in itertools.chain(first, itertools.chain.from_iterable(chunks)):
            for source, capture in _load(spec, named, stats):
                yield source, observe(capture, by=by, oracle=oracle, key=key)
        return
    # Not fork: the caller may have threads (an asyncio executor, a test runner), and a forked child can
    # deadlock on a lock one of them held. A fork server that has imported wsdiff starts workers quickly.
    context = multiprocessing.get_context("forkserver" if sys.platform == "linux" else "spawn")
    if sys.platform == "linux":
        context.set_forkserver_preload(["wsdiff.sources"])
    with context.Pool(jobs) as pool:
        pending: collections.deque[AsyncResult[_Chunk]] = collections.deque()
        for chunk in (first, second, *chunks):
            pending.append(pool.apply_async(_observe_chunk, ((chunk, by, oracle, key),)))
            if len(pending) >= 2 * jobs:
                yield from _drain(pending.popleft().get(), stats)
        while pending:
            yield from _drain(pending.popleft().get(), stats)


def _drain(chunk: _Chunk, stats: SourceStats) -> Iterator[tuple[str, Observation]]:
    worker_stats, table, rows, spellings = chunk
    stats.merge(worker_stats)
    names = tuple(spellings.values())
    for source, group, accepted, ids in rows:
        yield source, (group, accepted, [table[i] for i in ids], names)
        names = ()  # once per chunk is enough
