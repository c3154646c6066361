"""What the recorder takes for a WebSocket upgrade: RFC 6455 4.1 tokens compare without case (taddons, tflow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mitmproxy.test import taddons, tflow

from wsdiff.files import load_capture
from wsdiff.recording.recorder import Recorder
from wsdiff.recording.snapshot import is_upgrade


def _flow(fields: list[tuple[bytes, bytes]], status: int = 403) -> object:
    f = tflow.tflow(resp=True)
    f.request.headers.fields = tuple(fields)
    f.response.status_code = status
    return f


@pytest.mark.parametrize(
    ("fields", "upgrade"),
    [
        ([(b"Upgrade", b"websocket"), (b"Connection", b"Upgrade")], True),
        ([(b"Upgrade", b"WebSocket"), (b"Connection", b"Upgrade")], True),
        ([(b"upgrade", b"WEBSOCKET")], True),
        ([(b"UPGRADE", b"websocket")], True),
        ([(b"Connection", b"Upgrade"), (b"Upgrade", b"h2c")], False),
        ([(b"X-Upgrade", b"websocket")], False),
        ([(b"Connection", b"Upgrade")], False),
        ([], False),
    ],
)
def test_is_upgrade(fields: list[tuple[bytes, bytes]], upgrade: bool) -> None:
    """Upgrade: websocket in any case is an upgrade attempt; h2c or another header is not."""
    assert is_upgrade(_flow(fields).request) is upgrade  # type: ignore[attr-defined]


async def test_an_upgrade_spelled_otherwise_is_recorded(tmp_path: Path) -> None:
    """A rejected 'Upgrade: WebSocket' is written like any other attempt, with the client's spelling kept."""
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"), wsdiff_writer="thread")
        rec.response(_flow([(b"Host", b"example.com"), (b"Upgrade", b"WebSocket"), (b"Connection", b"upgrade")]))
        rec.response(_flow([(b"Host", b"example.com"), (b"Upgrade", b"h2c")]))
        rec.done()
    [path] = tmp_path.glob("*.json")
    capture = load_capture(path)
    assert capture.request.headers == (("Host", "example.com"), ("Upgrade", "WebSocket"), ("Connection", "upgrade"))
    assert capture.response is not None and capture.response.status == 403
