"""The recorder's writers: a child process (the default) and a thread, fed flow snapshots."""

from __future__ import annotations

import asyncio
import json
import marshal
import stat
from pathlib import Path

import pytest
from mitmproxy.test import tflow
from wsproto.frame_protocol import CloseReason

from wsdiff.files import load_capture
from wsdiff.recording.snapshot import capture_from_flow, capture_from_snapshot, flow_snapshot
from wsdiff.recording.writer import ProcessWriter, ThreadWriter, Worker, start_writer


def snapshot(i: int = 0, status: int = 403, body: bytes = b"forbidden", secret: str = "k-123") -> tuple:
    f = tflow.tflow(resp=True)
    f.request.path = f"/ws?i={i}"
    f.request.headers["Upgrade"] = "websocket"
    f.request.headers["X-API-Key"] = secret
    f.response.status_code = status
    f.response.content = body
    return flow_snapshot(f, label="w")


class Reports(list):
    def __call__(self, level: str, message: str) -> None:
        self.append((level, message))


def written(folder: Path) -> dict[str, Path]:
    return {load_capture(p).request.target: p for p in folder.glob("*.json")}


def test_snapshot_is_plain_values_and_builds_the_same_capture() -> None:
    """A snapshot crosses to the child with marshal and gives the capture capture_from_flow gives."""
    f = tflow.tflow(resp=True, ws=True)
    f.request.headers["Upgrade"] = "websocket"
    f.error = tflow.terr("connection reset")
    f.websocket.close_code = CloseReason.POLICY_VIOLATION  # what a live flow holds: an IntEnum
    for state in ("open", "closed", "observed"):
        snap = flow_snapshot(f, label="x", session_state=state, now=f.response.timestamp_end + 2)
        again = marshal.loads(marshal.dumps(snap))
        assert capture_from_snapshot(again) == capture_from_flow(f, label="x", session_state=state,
                                                                 now=f.response.timestamp_end + 2)
    assert capture_from_snapshot(flow_snapshot(f, session_state="closed")).websocket.close_code == 1008  # type: ignore[union-attr]
    assert capture_from_snapshot(flow_snapshot(f, session_state="observed", now=f.response.timestamp_end + 2)
                                 ).websocket.duration == 2.0  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_writer_writes_every_job_redacted_and_owner_only(kind: str, tmp_path: Path) -> None:
    reports = Reports()
    writer = start_writer(kind, reports)
    assert writer.kind == kind
    for i in range(50):
        writer.put((snapshot(i), str(tmp_path), True, str(tmp_path / "secrets")))
    assert writer.close() == (50, 0)
    files = written(tmp_path)
    assert set(files) == {f"/ws?i={i}" for i in range(50)} and reports == []
    for path in files.values():
        assert "k-123" not in path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "k-123" in (tmp_path / "secrets" / "secrets.jsonl").read_text()


def test_without_an_event_loop_a_full_pipe_is_waited_for(tmp_path: Path) -> None:
    """Far more than the pipe holds, put with no event loop running: nothing is lost."""
    writer = ProcessWriter(Reports())
    body = bytes(range(256)) * 16  # a 4 KiB body: 1,500 jobs are several MiB
    for i in range(1500):
        writer.put((snapshot(i, body=body), str(tmp_path), False, ""))
    assert writer.close() == (1500, 0)
    assert len(written(tmp_path)) == 1500


async def test_on_the_event_loop_a_full_pipe_never_blocks_and_drains(tmp_path: Path) -> None:
    """With the loop running, what the pipe cannot take waits in memory and is sent as it drains."""
    writer = ProcessWriter(Reports())
    body = bytes(range(256)) * 16
    for i in range(1500):
        writer.put((snapshot(i, body=body), str(tmp_path), False, ""))
    assert writer._pending, "the pipe should have filled up; this test needs more or bigger jobs"
    for _ in range(600):  # bounded: 30 s
        if not writer._pending:
            break
        await asyncio.sleep(0.05)
    assert not writer._pending
    assert writer.close() == (1500, 0)
    assert len(written(tmp_path)) == 1500


def test_a_dead_writer_process_hands_over_to_a_thread(tmp_path: Path) -> None:
    """The child is killed mid-run: the error is reported once and later captures are still written."""
    reports = Reports()
    writer = ProcessWriter(reports)
    writer.put((snapshot(0), str(tmp_path), False, ""))
    writer._proc.kill()
    writer._proc.wait()
    for i in range(1, 21):
        writer.put((snapshot(i), str(tmp_path), False, ""))
    w, failures = writer.close()
    assert failures == 0 and w >= 20
    assert {f"/ws?i={i}" for i in range(1, 21)} <= set(written(tmp_path))
    [(level, message)] = reports
    assert level == "error" and "the writer process stopped" in message and "exit code -9" in message


def test_a_child_that_cannot_start_falls_back_to_a_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interpreter that cannot run ``-m wsdiff.recording.writer``: recording goes on in a thread, with a note."""
    with pytest.raises(OSError, match="the writer process did not start"):
        ProcessWriter(Reports(), python="/bin/false")
    monkeypatch.setattr("sys.executable", "/bin/false")
    reports = Reports()
    writer = start_writer("process", reports)
    assert writer.kind == "thread"
    writer.put((snapshot(), str(tmp_path), False, ""))
    assert writer.close() == (1, 0)
    [(level, message)] = reports
    assert level == "info" and "writing in mitmdump's process instead" in message


def test_failures_are_reported_once_per_run_then_recovery(tmp_path: Path) -> None:
    reports = Reports()
    worker = Worker(reports)
    folder = tmp_path / "gone"
    for i in range(3):
        worker.do((snapshot(i), str(folder), False, ""))
    folder.mkdir()
    worker.do((snapshot(3), str(folder), False, ""))
    assert (worker.written, worker.failures) == (1, 3)
    assert [level for level, _ in reports] == ["error", "info"]
    assert "wsdiff: cannot write" in reports[0][1] and "No such file or directory" in reports[0][1]
    assert reports[1][1] == "wsdiff: writing captures again"


def test_accepted_connection_is_rewritten_in_place(tmp_path: Path) -> None:
    """The write at the 101 and the one at close go to the same file name."""
    f = tflow.tflow(resp=True, ws=True)
    f.request.headers["Upgrade"] = "websocket"
    writer = ThreadWriter(Reports())
    writer.put((flow_snapshot(f, session_state="open"), str(tmp_path), False, ""))
    f.websocket.close_code = 1008
    f.websocket.timestamp_end = f.response.timestamp_end + 1
    writer.put((flow_snapshot(f, session_state="closed"), str(tmp_path), False, ""))
    assert writer.close() == (2, 0)
    [path] = tmp_path.glob("*.json")
    assert json.loads(path.read_text())["websocket"]["close_code"] == 1008


async def test_close_sends_what_still_waits_for_the_pipe(tmp_path: Path) -> None:
    """Shutdown with jobs still held in memory: close() sends them all before the child finishes."""
    writer = ProcessWriter(Reports())
    body = bytes(range(256)) * 16
    for i in range(1500):
        writer.put((snapshot(i, body=body), str(tmp_path), False, ""))
    assert writer._pending, "the pipe should have filled up; this test needs more or bigger jobs"
    assert writer.close() == (1500, 0)
    assert len(written(tmp_path)) == 1500


def test_worker_follows_a_captures_folder_that_is_removed_and_made_again(tmp_path: Path) -> None:
    """The writer keeps its folder open; when that folder goes away and comes back, it writes to the new one."""
    reports = Reports()
    worker = Worker(reports)
    folder = tmp_path / "captures"
    folder.mkdir()
    worker.do((snapshot(0), str(folder), False, ""))
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    folder.mkdir()
    worker.do((snapshot(1), str(folder), False, ""))
    worker.close()
    assert set(written(folder)) == {"/ws?i=1"}
    assert (worker.written, worker.failures) == (2, 0) and reports == []
