"""Where the recorder's captures get written: off mitmproxy's event loop.

The recorder's hooks take a snapshot of a flow (plain values, wsdiff.recording.snapshot)
and hand it to a writer as a job. Everything after that (building the
capture, redaction, serialisation, the atomic file write) happens in one of
two writers with the same interface, ``put`` and ``close``:

``ProcessWriter`` (the default)
    A child process, ``python -m wsdiff.recording.writer`` on the same interpreter, fed
    length-prefixed ``marshal`` frames through a pipe. It has its own GIL, so
    the proxy pays for the snapshot, one marshal and one write to a pipe. A
    writer *thread* in mitmdump's process cost 15-30 % more CPU per handshake
    in bench/record_overhead.py, against 5-10 % for the same work done inline
    in the hook: the thread and the event loop taking turns at the GIL, most
    likely. A job that has reached the pipe is written even if mitmdump is
    killed: the child finishes what it was given and exits at the end of its
    input.

``ThreadWriter``
    The same work on a thread of mitmdump's process: ``wsdiff_writer=thread``,
    an interpreter that cannot start the child, and the fallback when the child
    dies while recording.

Both log the first failure of a run of failures, then count. Imports: the
standard library and wsdiff's core only (the child must start fast and must
not need mitmproxy).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import marshal
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..capture_json import dumps_capture
from ..files import capture_filename, open_folder, write_atomic_at
from .notice import Notices
from .snapshot import Snapshot, capture_from_snapshot
from ..redact import redact_capture
from ..secrets import SecretStore

__all__ = ["InlineWriter", "Job", "ProcessWriter", "ThreadWriter", "Worker", "start_writer"]

log = logging.getLogger("wsdiff")

Job = tuple[Snapshot, str, bool, str]
"""What to write: a flow snapshot (wsdiff.recording.snapshot), the captures folder, whether
to redact, the secret store folder ('' = default). Plain values only: jobs
cross to the writer process with ``marshal``."""

Report = Callable[[str, str], None]
"""Called with a level (``error`` or ``info``) and a one-line message."""

PENDING_LIMIT = 64 << 20  # bytes of jobs held back while the child's pipe is full
PIPE_SIZE = 1 << 20  # asked of the kernel for the pipe to the child (Linux F_SETPIPE_SZ)
READY_TIMEOUT = 15.0  # seconds for the child to start
CLOSE_TIMEOUT = 120.0  # seconds for the child to finish its input at shutdown
BATCH_PAUSE = 0.25  # seconds the child waits between batches (the most a capture waits to be written)
READ_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031
_STOP = object()


class Worker:
    """Redact, serialise and write jobs; report the first failure of a run of failures."""

    def __init__(self, report: Report) -> None:
        self._report = report
        self._stores: dict[str, tuple[SecretStore, bytes]] = {}
        # Each captures folder stays open: a file is created and named relative to it, without looking
        # the folder's path up twice per capture. A folder moved while recording keeps receiving
        # captures, like a renamed log file; one removed and made again is opened again.
        self._folders: dict[str, int] = {}
        self._failing = False
        self._notices = Notices()  # says one line when a rejection has an accepted partner
        self.written = 0
        self.failures = 0

    def _store(self, folder: str) -> tuple[SecretStore, bytes]:
        if folder not in self._stores:
            store = SecretStore(folder or None)
            self._stores[folder] = (store, store.key())
        return self._stores[folder]

    def do(self, job: Job) -> None:
        snapshot, folder, redact, secrets = job
        name = ""
        try:
            capture = capture_from_snapshot(snapshot)
            # The name depends only on what stays the same between the write at the 101 and the
            # one when the connection is complete, so the second replaces the first.
            name = capture_filename(capture)
            if redact:
                store, key = self._store(secrets)
                capture, found = redact_capture(capture, key)
                if found:
                    store.add(found)
            self._write(folder, name, dumps_capture(capture))
        except Exception as e:
            self.failures += 1
            if not self._failing:
                self._failing = True
                path = Path(folder) / name if name else folder
                self._report("error", f"wsdiff: cannot write {path}: {e} (further failures are counted, not logged)")
            return
        self.written += 1
        if self._failing:
            self._failing = False
            self._report("info", "wsdiff: writing captures again")
        notice = self._notices.see(capture, folder)
        if notice:
            self._report("info", notice)

    def _write(self, folder: str, name: str, data: bytes) -> None:
        fd = self._folders.get(folder)
        if fd is not None:
            try:
                write_atomic_at(fd, name, data)
                return
            except OSError:
                # Perhaps the folder was removed (and made again) since it was opened, which says ENOENT
                # or EPERM: look it up again and try once more; an error that remains is the folder's.
                del self._folders[folder]
                os.close(fd)
        fd = open_folder(folder)
        try:
            write_atomic_at(fd, name, data)
        except BaseException:
            os.close(fd)
            raise
        self._folders[folder] = fd

    def close(self) -> None:
        """Close the folders it holds open (it opens them again if used after)."""
        for fd in self._folders.values():
            os.close(fd)
        self._folders.clear()


def _log_report(level: str, message: str) -> None:
    log.log(logging.ERROR if level == "error" else logging.INFO, message)


class ThreadWriter:
    """Write jobs on one thread of this process, in the order they were put."""

    kind = "thread"

    def __init__(self, report: Report = _log_report) -> None:
        self._worker = Worker(report)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="wsdiff-writer", daemon=True)
        self._thread.start()

    def put(self, job: Job) -> None:
        self._queue.put(job)

    def close(self) -> tuple[int, int]:
        """Write everything put so far; return (written, failures)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
            self._worker.close()
        return self._worker.written, self._worker.failures

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            self._worker.do(job)  # type: ignore[arg-type]


class InlineWriter:
    """Write each job before ``put`` returns: for the last moments of a stopping mitmdump.

    mitmproxy can still finish a flow after the ``done`` hook; a capture
    handed to a thread or a new child then would be lost or land after
    mitmdump has exited, so it is written at once, before the response leaves.
    """

    kind = "inline"

    def __init__(self, report: Report = _log_report) -> None:
        self._worker = Worker(report)

    def put(self, job: Job) -> None:
        self._worker.do(job)

    def close(self) -> tuple[int, int]:
        self._worker.close()
        return self._worker.written, self._worker.failures


class ProcessWriter:
    """Write jobs in a child process (``python -m wsdiff.recording.writer``) fed through a pipe.

    ``put`` never blocks the event loop: when the pipe is full, the rest waits
    in memory (up to PENDING_LIMIT, beyond which jobs are dropped and counted)
    and is sent as the pipe drains. If the child dies, the jobs not yet sent go
    to a ThreadWriter, and so do all later ones.
    """

    kind = "process"

    def __init__(self, report: Report = _log_report, python: str | None = None) -> None:
        self._report = report
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # the folder that holds the wsdiff package
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            # -P: mitmdump's working folder is not put on the import path (a json.py there would run here).
            [python or sys.executable, "-P", "-m", "wsdiff.recording.writer"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            # Its own process group: Ctrl-C in a terminal reaches mitmdump, which then closes the
            # pipe, and not the child, which could die half-started and take captures with it.
            # The child lives exactly as long as its input: it exits when mitmdump does.
            process_group=0,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._fd = self._proc.stdin.fileno()
        self._ready = threading.Event()
        self._started = False
        self._totals: tuple[int, int] | None = None
        self._reader = threading.Thread(target=self._read, args=(self._proc.stdout,), name="wsdiff-writer-status",
                                        daemon=True)
        self._reader.start()
        self._ready.wait(READY_TIMEOUT)
        if not self._started:
            self._proc.kill()
            self._proc.wait()
            raise OSError(f"the writer process did not start (exit code {self._proc.returncode})")
        try:
            import fcntl

            fcntl.fcntl(self._fd, _F_SETPIPE_SZ, PIPE_SIZE)
        except (ImportError, OSError):
            pass  # the default pipe size works, with more waiting in memory
        os.set_blocking(self._fd, False)
        self._pending: collections.deque[list[object]] = collections.deque()  # [job, frame, bytes sent]
        self._pending_bytes = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fallback: ThreadWriter | None = None
        self.dropped = 0

    # --- parent side --------------------------------------------------------

    def put(self, job: Job) -> None:
        if self._fallback is not None:
            self._fallback.put(job)
            return
        frame = _frame(job)
        if self._pending:  # keep the order: wait behind what is already waiting
            self._hold(job, frame, 0)
            return
        try:
            sent = os.write(self._fd, frame)
        except BlockingIOError:
            sent = 0
        except OSError as e:  # BrokenPipeError: the child is gone
            self._child_gone(e, [job])
            return
        if sent < len(frame):
            self._hold(job, frame, sent)

    def close(self) -> tuple[int, int]:
        """Send what is waiting, let the child finish; return (written, failures)."""
        if self._fallback is None and self._pending:
            if self._loop is not None:
                self._loop.remove_writer(self._fd)
                self._loop = None
            os.set_blocking(self._fd, True)
            self._flush()
        try:
            self._proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self._proc.wait(CLOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._report("error", f"wsdiff: the writer process took more than {CLOSE_TIMEOUT:.0f} s to finish; stopped it")
            self._proc.kill()
            self._proc.wait()
        self._reader.join(5)
        written, failures = self._totals or (0, 0)
        if self._fallback is not None:
            w, f = self._fallback.close()
            written, failures = written + w, failures + f
        return written, failures + self.dropped

    def _hold(self, job: Job, frame: bytes, sent: int) -> None:
        if self._pending_bytes + len(frame) > PENDING_LIMIT:
            self.dropped += 1
            if self.dropped == 1:
                self._report("error", "wsdiff: the writer process is falling behind; dropping captures "
                                      "(further drops are counted, not logged)")
            return
        self._pending.append([job, frame, sent])
        self._pending_bytes += len(frame)
        if len(self._pending) == 1:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (a plain script or a test): wait for the pipe
                self._loop = None
                os.set_blocking(self._fd, True)
                try:
                    self._flush()
                finally:
                    os.set_blocking(self._fd, False)
                return
            self._loop.add_writer(self._fd, self._flush)

    def _flush(self) -> None:
        try:
            while self._pending:
                item = self._pending[0]
                frame, sent = item[1], item[2]
                n = os.write(self._fd, memoryview(frame)[sent:])  # type: ignore[index]
                if sent + n < len(frame):  # type: ignore[arg-type, operator]
                    item[2] = sent + n  # type: ignore[operator]
                    continue  # a non-blocking pipe now says BlockingIOError; a blocking one takes the rest
                self._pending.popleft()
                self._pending_bytes -= len(frame)  # type: ignore[arg-type]
        except BlockingIOError:
            return
        except OSError as e:
            self._child_gone(e, [item[0] for item in self._pending])  # type: ignore[misc]
            return
        finally:
            if not self._pending and self._loop is not None:
                self._loop.remove_writer(self._fd)
                self._loop = None

    def _child_gone(self, error: OSError, jobs: list[object]) -> None:
        if self._loop is not None:
            self._loop.remove_writer(self._fd)
            self._loop = None
        self._pending.clear()
        self._pending_bytes = 0
        code = self._proc.poll()
        self._report("error", f"wsdiff: the writer process stopped ({error.strerror or error}, exit code {code}); "
                              "writing in mitmdump's process from now on")
        self._fallback = ThreadWriter(self._report)
        for job in jobs:
            self._fallback.put(job)  # type: ignore[arg-type]

    def _read(self, stdout: object) -> None:
        for raw in stdout:  # type: ignore[attr-defined]
            level, _, message = raw.decode("utf-8", "replace").rstrip("\n").partition(" ")
            if level == "ready":
                self._started = True
                self._ready.set()
            elif level == "done":
                written, failures = message.split()
                self._totals = (int(written), int(failures))
            else:
                self._report(level, message)
        self._ready.set()  # the child ended: whoever waits for it to start need not wait any longer


def start_writer(kind: str, report: Report = _log_report) -> ThreadWriter | ProcessWriter:
    """Start a writer of *kind* (``process`` or ``thread``); fall back to a thread when no child can start."""
    if kind == "process" and not getattr(sys, "frozen", False):
        try:
            return ProcessWriter(report)
        except OSError as e:
            report("info", f"wsdiff: {e}; writing in mitmdump's process instead")
    return ThreadWriter(report)


def _frame(job: Job) -> bytes:
    data = marshal.dumps(job)
    return len(data).to_bytes(4, "little") + data


# --- child side ------------------------------------------------------------


def main() -> int:
    """Run as the writer process: read framed jobs from stdin until its end, report on stdout."""
    # A service manager may signal every process of the service at once; the child
    # finishes its input instead, and its input ends when mitmdump exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out = sys.stdout

    def report(level: str, message: str) -> None:
        try:
            out.write(f"{level} {message.replace(chr(10), ' ')}\n")
            out.flush()
        except (BrokenPipeError, ValueError):
            pass  # mitmdump is gone (killed): the captures still get written, nobody hears of it

    worker = Worker(report)
    report("ready", "")
    fd = sys.stdin.fileno()
    buf = bytearray()
    while True:
        chunk = os.read(fd, READ_SIZE)
        if not chunk:
            break  # mitmdump closed the pipe or died; a job cut short by that is not written
        buf += chunk
        start = 0
        while len(buf) - start >= 4:
            end = start + 4 + int.from_bytes(buf[start:start + 4], "little")
            if end > len(buf):
                break
            worker.do(marshal.loads(buf[start + 4:end]))
            start = end
        del buf[:start]
        # Let the next jobs gather in the pipe: one wake-up per batch rather than per capture,
        # which spares mitmdump a wake-up in every write and keeps this process's caches warm.
        time.sleep(BATCH_PAUSE)
    worker.close()
    report("done", f"{worker.written} {worker.failures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
