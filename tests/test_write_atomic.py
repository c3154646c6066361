"""Atomic capture files: an unnamed file linked into place (Linux), or a fresh temporary name renamed."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import time
from pathlib import Path

import pytest

from wsdiff import files
from wsdiff.files import open_folder, write_atomic, write_atomic_at

NOBODY = 65534


@pytest.fixture(params=["unnamed file", "temporary name"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with O_TMPFILE + linkat (where this system has them) and with the portable temporary name."""
    if request.param == "unnamed file" and not files._LINK_TMPFILE:
        pytest.skip("no O_TMPFILE or no /proc/self/fd here: only the temporary name is used")
    monkeypatch.setattr(files, "_LINK_TMPFILE", request.param == "unnamed file")
    return str(request.param)


def test_new_and_replaced_files_are_whole_with_their_mode_and_leave_nothing_else(tmp_path: Path, way: str) -> None:
    """A new name, then the same name again (an accepted connection completed): 0600, no temporary left."""
    write_atomic(tmp_path / "a.json", b"first")
    write_atomic(tmp_path / "a.json", b"second, longer")
    write_atomic(tmp_path / "shared.html", b"<p>", mode=0o644)
    assert (tmp_path / "a.json").read_bytes() == b"second, longer"
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared.html").stat().st_mode) == 0o644 & ~_umask()
    assert sorted(os.listdir(tmp_path)) == ["a.json", "shared.html"]


def test_write_atomic_at_names_files_relative_to_the_open_folder(tmp_path: Path, way: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder handle, not the current directory, decides where the file goes."""
    fd = open_folder(tmp_path / ".")
    monkeypatch.chdir("/")
    try:
        write_atomic_at(fd, "f.json", b"x")
    finally:
        os.close(fd)
    assert (tmp_path / "f.json").read_bytes() == b"x"


def test_a_failed_write_leaves_nothing(tmp_path: Path, way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way (a full disk) leaves neither the capture nor a temporary file."""
    def full(fd: int, data: bytes) -> None:
        os.write(fd, data[:3])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "_write_all", full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(tmp_path / "g.json", b"a capture")
    assert os.listdir(tmp_path) == []


def _write_as(uid: int | None, folder: Path) -> None:
    """In a forked child that is *uid* (None: as we are), check that *folder* cannot be listed, then write a capture.

    A fork, not a new interpreter: this Python may live where *uid* may not run it (pyenv under /root).
    """
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            try:
                os.listdir(folder)
                status = 3  # listable: the test would show nothing
            except PermissionError:
                write_atomic(folder / "h.json", b"x")
                status = 0
        finally:
            os._exit(status)
    deadline = time.monotonic() + 30  # bounded: a child that hangs (fork of a threaded process) fails the test
    while True:
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the child writing as another user did not finish in 30 s")
        time.sleep(0.01)
    assert os.waitstatus_to_exitcode(wait_status) == 0


# The child only changes user and calls os functions: no lock another thread could hold is taken in it.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_folder_handle_needs_no_read_permission(tmp_path: Path) -> None:
    """O_PATH: a captures folder one may write to but not list still takes captures (as root: in a child as nobody)."""
    if os.geteuid() != 0:
        tmp_path.chmod(0o300)
        try:
            _write_as(None, tmp_path)
        finally:
            tmp_path.chmod(0o700)
        assert (tmp_path / "h.json").read_bytes() == b"x"
        return
    # Root reads any folder: the write runs as nobody, in a folder nobody may write to but not list (under /tmp,
    # which anyone may pass through; pytest's own folders are root's alone).
    folder = Path(tempfile.mkdtemp(prefix="wsdiff-nolist-", dir="/tmp"))
    try:
        os.chown(folder, NOBODY, NOBODY)
        folder.chmod(0o300)
        _write_as(NOBODY, folder)
        assert (folder / "h.json").read_bytes() == b"x"
        assert (folder / "h.json").stat().st_uid == NOBODY
    finally:
        shutil.rmtree(folder)


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old
