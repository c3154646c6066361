"""Load and save captures: the file edge of the model.

``load_capture("a.json")`` reads a wsdiff capture; ``FILE#N`` picks the Nth
handshake attempt (from 1) of a file that holds several, such as a HAR file
or a mitmproxy flow file. Every problem is a one-line :class:`CaptureError`
naming the file and the place.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import BinaryIO

from . import formats
from .document import build_document, check_capture, dumps_document, parse_document
from .errors import CaptureError
from .model import Capture

__all__ = [
    "load_capture", "load_captures", "load_attempts", "load_each", "split_selector", "dump_capture",
    "capture_filename", "write_atomic", "write_atomic_at", "open_folder", "MAX_FILE_SIZE",
]

MAX_FILE_SIZE = 64 * 1024 * 1024
_SELECTOR = re.compile(r"^(?P<path>.+)#(?P<index>\d+)$")


def _read_json(path: Path, source: str) -> object:
    try:
        if path.is_dir():
            raise CaptureError("is a directory, not a capture file", source=source)
        # The cap counts the bytes read, not the size the file claims: a pipe or
        # a device (/dev/zero) says 0 and never ends.
        with open(path, "rb") as f:
            data = _read_capped(f)
        if len(data) > MAX_FILE_SIZE:
            raise CaptureError(f"file is too large (more than {MAX_FILE_SIZE} bytes)", source=source)
    except FileNotFoundError:
        raise CaptureError("no such file", source=source) from None
    except PermissionError:
        raise CaptureError("permission denied", source=source) from None
    except OSError as e:
        raise CaptureError(f"cannot read: {e.strerror or e}", source=source) from None
    if not data.strip():
        raise CaptureError("file is empty", source=source)
    if formats.looks_like_flows(data):
        return formats.FlowBytes(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CaptureError(f"not a capture: binary data at byte {e.start}", source=source) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise CaptureError(f"not valid JSON: line {e.lineno} column {e.colno}: {e.msg}", source=source) from None
    except RecursionError:
        raise CaptureError("not a capture: JSON nested too deeply", source=source) from None


def _read_capped(f: BinaryIO) -> bytes:
    """Read at most MAX_FILE_SIZE + 1 bytes, in one read for a regular file (its size is a hint, not a limit)."""
    size = os.fstat(f.fileno()).st_size
    parts = [f.read(size + 1 if 0 < size <= MAX_FILE_SIZE else 1 << 16)]
    total = len(parts[0])
    while total <= MAX_FILE_SIZE:
        chunk = f.read(1 << 20)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def load_captures(path: str | os.PathLike[str]) -> list[Capture]:
    """Return every handshake attempt in a file (a capture holds exactly one)."""
    source = str(path)
    return _interpret(_read_json(Path(path), source), source)


def load_attempts(path: str | os.PathLike[str]) -> tuple[list[Capture], bool] | None:
    """Return a file's attempts and whether it is a multi-attempt file (HAR, flows: ``FILE#N`` picks one).

    None for JSON that is neither a capture nor a HAR: a file to skip when walking a folder.
    """
    source = str(path)
    doc = _read_json(Path(path), source)
    if isinstance(doc, formats.FlowBytes):
        return _interpret(doc, source), True
    if not (isinstance(doc, dict) and ("schema" in doc or "log" in doc)):
        return None
    return _interpret(doc, source), "schema" not in doc


def _interpret(doc: object, source: str) -> list[Capture]:
    try:
        if isinstance(doc, formats.FlowBytes):
            from .recording.snapshot import captures_from_flows  # mitmproxy, only for flow files

            captures = captures_from_flows(doc.data)
            for i, capture in enumerate(captures, 1):
                check_capture(capture, f"#{i}")
            return captures
        if isinstance(doc, dict) and "log" in doc and "schema" not in doc:
            return formats.captures_from_har(doc)
        return [parse_document(doc)]
    except CaptureError as e:
        raise e.at(source) from None
    except RecursionError:
        raise CaptureError("not a capture: nested too deeply", source=source) from None


def split_selector(spec: str | os.PathLike[str]) -> tuple[str, int | None]:
    """Return the file and the attempt number of ``FILE#N`` (None without one, or when a file is called that)."""
    text = os.fspath(spec)
    m = _SELECTOR.match(text)
    if m and not Path(text).exists():
        return m.group("path"), int(m.group("index"))
    return text, None


def load_each(spec: str | os.PathLike[str]) -> list[tuple[str, Capture]]:
    """Load every attempt *spec* names, each with its own spec: ``FILE#N`` one, a multi-attempt FILE all of them.

    For commands that take several captures (``show``): a file with several
    attempts is shown whole, as ``FILE#1`` .. ``FILE#N``.
    """
    text, index = split_selector(spec)
    if index is not None:
        return [(os.fspath(spec), load_capture(spec))]
    captures = load_captures(text)
    if len(captures) <= 1:
        return [(text, load_capture(text))]  # its own error for a file with none
    return [(f"{text}#{i}", c) for i, c in enumerate(captures, 1)]


def load_capture(spec: str | os.PathLike[str]) -> Capture:
    """Load one capture; ``FILE#N`` picks the Nth attempt of a multi-attempt file.

    A file with several attempts and no ``#N`` is an error that says how many
    it holds, rather than a silent pick.
    """
    text, index = split_selector(spec)
    captures = load_captures(text)
    if not captures:
        raise CaptureError("holds no WebSocket upgrade attempt", source=text)
    if index is None:
        if len(captures) > 1:
            raise CaptureError(
                f"holds {len(captures)} WebSocket upgrade attempts; pick one with {text}#1 .. {text}#{len(captures)}",
                source=text,
            )
        return captures[0]
    if not 1 <= index <= len(captures):
        raise CaptureError(f"#{index} is out of range: it holds {len(captures)} attempt(s)", source=text)
    return captures[index - 1]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")[:40]


def capture_filename(capture: Capture) -> str:
    """Return a file name that sorts by time and shows label and outcome.

    For example ``20261125-031502.123456_working_101_3f9a12c0.json``. The
    name is a function of the start time, label, outcome and flow id only, so
    an accepted connection written again when it closes keeps its file.
    """
    started = capture.started or time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started)) + f".{int(started % 1 * 1e6):06d}"
    if capture.response is not None:
        outcome = str(capture.response.status)
    elif capture.error is not None:
        outcome = f"error-{capture.error.kind}"
    else:
        outcome = "pending"
    parts = [stamp, _slug(capture.label) or "capture", outcome, _slug(capture.id)[:8] or "x"]
    return "_".join(parts) + ".json"


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write *data* to *path* so that no half-written file is ever visible (see write_atomic_at)."""
    dir_fd = open_folder(path.parent)
    try:
        write_atomic_at(dir_fd, path.name, data, mode)
    finally:
        os.close(dir_fd)


# O_PATH: a handle that names the folder and needs no read permission on it (Linux; elsewhere O_RDONLY).
_FOLDER_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC
_TMPFILE = getattr(os, "O_TMPFILE", 0)
_PROC_FD = "/proc/self/fd"
_LINK_TMPFILE = bool(_TMPFILE) and os.path.isdir(_PROC_FD)


def open_folder(folder: str | os.PathLike[str]) -> int:
    """Open a folder as a handle for write_atomic_at (close it with os.close)."""
    return os.open(folder, _FOLDER_FLAGS)


def write_atomic_at(dir_fd: int, name: str, data: bytes, mode: int = 0o600) -> None:
    """Write *data* as *name* in the folder *dir_fd* (open_folder) so that no half-written file is ever visible.

    On Linux the bytes go to an unnamed file in that folder (``O_TMPFILE``),
    created with *mode*, which gets its name once complete (``linkat``, or a
    rename over a file of that name; both atomic). A writer killed half-way
    leaves nothing behind, and there is no temporary name another user of
    the folder could plant a link at. Elsewhere, or where the file system
    cannot, the bytes go to a hidden temporary file with a fresh name,
    created exclusively and never through a symbolic link, which is renamed
    over *name* and removed on failure. There is no fsync: the promise is
    that a reader never sees a partial capture, not that it survives a power
    cut, and fsync would triple the cost of recording.
    """
    if _LINK_TMPFILE:
        try:
            fd = os.open(".", _TMPFILE | os.O_WRONLY | os.O_CLOEXEC, mode, dir_fd=dir_fd)
        except OSError as e:
            # No unnamed files on this file system (kernels before 3.11 say EISDIR): a temporary name below.
            if e.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
        else:
            try:
                _write_all(fd, data)  # a short write (a nearly full disk) must not pass for a whole one
                if _link(fd, name, dir_fd):
                    return
            finally:
                os.close(fd)  # an unnamed file that got no name is freed here
    # A fresh name, created exclusively and never through a symbolic link: in a
    # folder others can write to, a planted link must not redirect the write.
    tmp = _temporary_name(name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dir_fd)
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        _unlink_quietly(tmp, dir_fd)
        raise


def _link(fd: int, name: str, dir_fd: int) -> bool:
    """Give the unnamed file *fd* its *name*; False when this system refuses (the caller uses a temporary name)."""
    source = f"{_PROC_FD}/{fd}"
    try:
        os.link(source, name, dst_dir_fd=dir_fd, follow_symlinks=True)
        return True
    except FileExistsError:
        pass  # written before (an accepted connection, completed when it closes): replaced below
    except OSError as e:
        if e.errno in (errno.EPERM, errno.EXDEV, errno.EOPNOTSUPP, errno.EINVAL):
            return False  # linking through /proc refused here (a sandbox)
        raise
    tmp = _temporary_name(name)
    os.link(source, tmp, dst_dir_fd=dir_fd, follow_symlinks=True)  # never replaces, never follows a link there
    try:
        os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        _unlink_quietly(tmp, dir_fd)
        raise
    return True


def _temporary_name(name: str) -> str:
    return f".{name}.{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}.tmp"


def _unlink_quietly(name: str, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def dump_capture(capture: Capture, path: str | os.PathLike[str]) -> Path:
    """Write *capture* as JSON; *path* is a file, or a folder to name the file in."""
    p = Path(path)
    if p.is_dir():
        p = p / capture_filename(capture)
    write_atomic(p, dumps_document(build_document(capture)))
    return p
