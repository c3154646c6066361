"""The recorder addon, driven by mitmproxy's own test helpers (taddons, tflow)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from mitmproxy.test import taddons, tflow

from wsdiff.files import load_capture
from wsdiff.recording.recorder import Recorder


def upgrade_flow(status: int | None = 101, websocket: bool = True) -> object:
    f = tflow.tflow(resp=status is not None, ws=websocket and status == 101)
    f.request.headers["Upgrade"] = "websocket"
    f.request.headers["Connection"] = "Upgrade"
    f.request.headers["X-API-Key"] = "k-123"
    if status is not None:
        f.response.status_code = status
    return f


def files(path: Path) -> list[Path]:
    return sorted(path.glob("*.json"))


@pytest.mark.parametrize("writer", ["process", "thread"])
async def test_rejected_upgrade_is_recorded(tmp_path: Path, writer: str) -> None:
    """A 403 to an upgrade is written, labelled, redacted, with status in the file name."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_label="failing", wsdiff_secrets=str(tmp_path / "s"),
                       wsdiff_writer=writer)
        assert rec._writer is not None and rec._writer.kind == writer
        rec.response(upgrade_flow(403, websocket=False))
        rec.done()
    [path] = files(tmp_path)
    assert "_failing_403_" in path.name
    capture = load_capture(path)
    assert capture.label == "failing" and capture.response is not None and capture.response.status == 403
    assert capture.redacted and "k-123" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_flow_finishing_after_done_is_written_before_the_hook_returns(tmp_path: Path) -> None:
    """mitmproxy can finish a flow after done(): its capture is on disk before the response goes out."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"))
        rec.done()
        rec.response(upgrade_flow(403, websocket=False))
        [path] = files(tmp_path)
        assert load_capture(path).response.status == 403  # type: ignore[union-attr]


async def test_plain_http_is_ignored(tmp_path: Path) -> None:
    """A request without Upgrade: websocket leaves no capture."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"))
        rec.response(tflow.tflow(resp=True))
        rec.done()
    assert files(tmp_path) == []


async def test_error_without_response_is_recorded(tmp_path: Path) -> None:
    """An upgrade that got no response (upstream refused) is written with its error."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"))
        f = upgrade_flow(None)
        f.error = tflow.terr("[Errno 111] Connect call failed ('127.0.0.1', 9)")
        rec.error(f)
        rec.done()
    [path] = files(tmp_path)
    doc = json.loads(path.read_text())
    assert doc["response"] is None and doc["error"]["kind"] == "refused"
    assert "_error-refused_" in path.name


async def test_accepted_upgrade_is_written_then_completed(tmp_path: Path) -> None:
    """A 101 is written at once (state open), then rewritten in place when it closes."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"), wsdiff_observe="60")
        f = upgrade_flow(101)
        rec.response(f)
        f.websocket.close_code = 4003
        f.websocket.close_reason = "token required"
        f.websocket.closed_by_client = False
        f.websocket.timestamp_end = f.response.timestamp_end + 0.5
        rec.websocket_end(f)
        rec.done()
    [path] = files(tmp_path)
    ws = load_capture(path).websocket
    assert ws is not None
    assert (ws.state, ws.close_code, ws.close_reason, ws.closed_by) == ("closed", 4003, "token required", "server")
    # tflow's three messages, in order, with who sent each (from_client) and their type.
    assert [(m.direction, m.type, m.size, m.head) for m in ws.messages] == [
        ("client", "binary", 12, b"hello binary"), ("client", "text", 10, b"hello text"),
        ("server", "text", 7, b"it's me")]


async def test_open_connection_is_completed_at_shutdown(tmp_path: Path) -> None:
    """A connection still open when mitmproxy stops is completed as 'observed', not lost."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"), wsdiff_observe="60")
        rec.response(upgrade_flow(101))
        rec.done()
    [path] = files(tmp_path)
    ws = load_capture(path).websocket
    assert ws is not None and ws.state == "observed" and ws.close_code is None


async def test_unwritable_folder_is_logged_once_and_traffic_goes_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Write failures never raise into mitmproxy; the first is logged, the rest counted."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path / "d"), wsdiff_secrets=str(tmp_path / "s"))
        (tmp_path / "d").rmdir()
        (tmp_path / "d").write_text("not a folder")
        for _ in range(3):
            rec.response(upgrade_flow(403, websocket=False))
        rec.done()
    assert rec.failures == 3 and rec.written == 0
    errors = [r for r in caplog.records if "wsdiff: cannot write" in r.getMessage()]
    assert len(errors) == 1


def test_bad_observe_option_is_refused() -> None:
    """wsdiff_observe must be a number of seconds."""
    from mitmproxy import exceptions

    rec = Recorder()
    with taddons.context(rec) as tctx:
        with pytest.raises(exceptions.OptionsError, match="wsdiff_observe: expected a number of seconds, got 'soon'"):
            tctx.configure(rec, wsdiff_observe="soon")


@pytest.mark.parametrize(("keep_host", "rewritten"), [(False, True), (True, False)])
async def test_reverse_mode_says_whether_host_was_rewritten(tmp_path: Path, keep_host: bool, rewritten: bool) -> None:
    """In reverse mode Host is the upstream's unless keep_host_header is set, also when set after start."""
    from mitmproxy.proxy.mode_specs import ProxyMode

    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.options.add_option("keep_host_header", bool, False, "mitmproxy's own option")
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"), wsdiff_writer="thread")
        tctx.configure(rec, keep_host_header=keep_host)
        f = upgrade_flow(403, websocket=False)
        f.client_conn.proxy_mode = ProxyMode.parse("reverse:http://127.0.0.1:1")
        rec.response(f)
        rec.done()
    [path] = files(tmp_path)
    capture = load_capture(path)
    assert capture.host_rewritten is rewritten and capture.proxy_mode == "reverse:http://127.0.0.1:1"
