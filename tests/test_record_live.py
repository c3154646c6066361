"""End to end: real clients through a real `mitmdump -s addons/record.py` to a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import aiohttp
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from wsdiff.model import header_value

pytestmark = pytest.mark.live


async def ws_attempt(url: str, proxy: str, **kwargs: object) -> int:
    """Open a websockets connection through the proxy; return 101 or the rejecting status."""
    try:
        async with websockets.connect(url, proxy=proxy, open_timeout=10, **kwargs) as ws:  # type: ignore[arg-type]
            await asyncio.wait_for(ws.recv(), 5) if "/ws?" in url or url.endswith("/ws") else None
            return 101
    except InvalidStatus as e:
        return e.response.status_code


async def test_accepted_and_rejected_are_recorded(app_server: str, start_recorder) -> None:
    """One capture per attempt, accepted and rejected alike, with the fields of the contract."""
    rec = start_recorder(label="script")
    statuses = [
        await ws_attempt(f"ws://{app_server}/ws?voice=alloy", rec.proxy),
        await ws_attempt(f"ws://{app_server}/no-such-route", rec.proxy),  # no route: bare 403
        await ws_attempt(f"ws://{app_server}/ws/typed?n=abc", rec.proxy),  # validation: 403
        await ws_attempt(f"ws://{app_server}/ws/boom", rec.proxy),  # error before accept: 500
    ]
    assert statuses == [101, 403, 403, 500]
    assert rec.stop() == 0
    captures = rec.captures()
    assert [c.response.status for c in captures if c.response] == [101, 403, 403, 500]
    assert [c.request.target for c in captures] == ["/ws?voice=alloy", "/no-such-route", "/ws/typed?n=abc", "/ws/boom"]
    for c in captures:
        assert c.label == "script" and c.endpoint.scheme == "ws" and c.endpoint.port == int(app_server.split(":")[1])
        assert c.proxy_mode == "regular" and c.client and c.client.startswith("127.0.0.1:")
    bare = captures[1].response
    assert bare is not None and bare.body == b"" and header_value(bare.headers, "Content-Length") == "0"
    names = sorted(p.name for p in rec.directory.glob("*.json"))
    assert [n.split("_")[1:3] for n in names] == [["script", "101"], ["script", "403"], ["script", "403"], ["script", "500"]]


async def test_headers_in_wire_order_and_case(app_server: str, start_recorder) -> None:
    """The capture keeps the client's header order, case and duplicates exactly."""
    rec = start_recorder()
    extra = [("x-lower", "1"), ("X-UPPER", "2"), ("X-Dup", "a"), ("X-Dup", "b")]
    await ws_attempt(f"ws://{app_server}/ws", rec.proxy, additional_headers=extra, user_agent_header="probe/1")
    rec.stop()
    [c] = rec.captures()
    names = [n for n, _ in c.request.headers]
    # websockets 15+ writes Host, Upgrade, Connection, Key, Version, Extensions, extras, User-Agent.
    assert names == ["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                     "Sec-WebSocket-Extensions", "x-lower", "X-UPPER", "X-Dup", "X-Dup", "User-Agent"]
    assert c.request.headers[-3:] == (("X-Dup", "a"), ("X-Dup", "b"), ("User-Agent", "probe/1"))


async def test_aiohttp_client_is_recorded(app_server: str, start_recorder) -> None:
    """aiohttp through the proxy (it needs an http:// URL) is recorded with its own headers."""
    rec = start_recorder(label="app")
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://{app_server}/ws", proxy=rec.proxy) as ws:
            msg = await asyncio.wait_for(ws.receive(), 5)
            assert json.loads(msg.data)["type"] == "audio_format"
    rec.stop()
    [c] = rec.captures()
    assert c.accepted and c.label == "app"
    assert "aiohttp" in (c.request.header("User-Agent") or "")
    assert c.websocket is not None and c.websocket.messages[0].direction == "server"


async def test_credentials_are_redacted_everywhere(app_server: str, start_recorder, _isolated_secret_store: Path) -> None:
    """No secret is written in clear; the secret store holds them, owner-only."""
    rec = start_recorder()
    secrets = ["Bearer-tok-7f3a", "cookie-val-91", "k-123", "qs-tok-55"]
    await ws_attempt(
        f"ws://{app_server}/ws/key?token={secrets[3]}&voice=alloy", rec.proxy,
        additional_headers=[("Authorization", f"Bearer {secrets[0]}"), ("Cookie", f"sid={secrets[1]}"),
                            ("X-API-Key", secrets[2])],
    )
    rec.stop()
    [path] = rec.directory.glob("*.json")
    text = path.read_text()
    for s in secrets:
        assert s not in text
    doc = json.loads(text)
    assert doc["redacted"] is True and "voice=alloy" in doc["request"]["path"]
    stored = (_isolated_secret_store / "secrets.jsonl").read_text()
    assert all(s in stored for s in secrets)
    assert oct((_isolated_secret_store / "secrets.jsonl").stat().st_mode & 0o777) == "0o600"


async def test_dead_upstream_is_recorded_as_error(start_recorder) -> None:
    """An upgrade to a port where nothing listens is recorded with error 'refused'."""
    from wsdiff.recording.procs import free_port

    rec = start_recorder()
    status = await ws_attempt(f"ws://127.0.0.1:{free_port()}/ws", rec.proxy)
    assert status == 502
    rec.stop()
    [c] = rec.captures()
    assert c.response is None and c.error is not None and c.error.kind == "refused"


async def test_close_after_accept_is_recorded(app_server: str, start_recorder) -> None:
    """A 101 followed by a server close 4003 is recorded with its code and reason."""
    rec = start_recorder()
    try:
        async with websockets.connect(f"ws://{app_server}/ws/late", proxy=rec.proxy, open_timeout=10) as ws:
            await asyncio.wait_for(ws.wait_closed(), 5)
    finally:
        rec.stop()
    [c] = rec.captures()
    assert c.accepted and c.websocket is not None
    ws_ = c.websocket
    assert (ws_.state, ws_.close_code, ws_.close_reason, ws_.closed_by) == ("closed", 4003, "token required", "server")


async def test_open_connection_is_completed_by_observation_window(app_server: str, start_recorder) -> None:
    """A connection that stays open is completed when the window ends, not held hostage."""
    rec = start_recorder(options=("wsdiff_observe=0.3",))
    async with websockets.connect(f"ws://{app_server}/ws/silent", proxy=rec.proxy, open_timeout=10):
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline:
            caps = rec.captures()
            if caps and caps[0].websocket is not None and caps[0].websocket.state == "observed":
                break
            await asyncio.sleep(0.1)
        [c] = rec.captures()
        assert c.websocket is not None and c.websocket.state == "observed" and c.websocket.duration >= 0.3
    rec.stop()


async def test_reverse_mode_records_what_was_sent_upstream(app_server: str, start_recorder) -> None:
    """In reverse mode Host is rewritten to the upstream, and the capture says so."""
    rec = start_recorder(reverse=f"http://{app_server}")
    port = rec.service.port
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", proxy=None, open_timeout=10) as ws:
        await asyncio.wait_for(ws.recv(), 5)
    rec.stop()
    [c] = rec.captures()
    assert c.accepted and c.host_rewritten and c.proxy_mode == f"reverse:http://{app_server}"
    assert c.request.header("Host") == app_server


async def test_no_capture_lost_under_load(app_server: str, start_recorder) -> None:
    """200 handshakes at concurrency 20: 200 complete captures, 200 distinct files."""
    rec = start_recorder(label="load")
    sem = asyncio.Semaphore(20)

    async def one(i: int) -> int:
        async with sem:
            return await ws_attempt(f"ws://{app_server}/{'ws' if i % 2 else 'nope'}?i={i}", rec.proxy)

    statuses = await asyncio.gather(*(one(i) for i in range(200)))
    assert statuses.count(101) == 100 and statuses.count(403) == 100
    assert rec.stop() == 0
    paths = list(rec.directory.glob("*.json"))
    assert len(paths) == 200 and not list(rec.directory.glob(".*.tmp"))
    seen = {c.request.target for c in rec.captures()}
    assert seen == {f"/{'ws' if i % 2 else 'nope'}?i={i}" for i in range(200)}


async def test_error_message_then_close_is_recorded_and_compared(app_server: str, start_recorder) -> None:
    """A 101, an error message, a normal close: recorded with the message; compare shows it after the 101."""
    from wsdiff.diff import compare

    rec = start_recorder()
    for path in ("/ws", "/ws/error-message"):
        async with websockets.connect(f"ws://{app_server}{path}", proxy=rec.proxy, open_timeout=10) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            if path.endswith("message"):
                await asyncio.wait_for(ws.wait_closed(), 5)
    rec.stop()
    ok, bad = rec.captures()
    assert bad.websocket is not None and bad.websocket.messages[0].head.startswith(b'{"type":"error"')
    assert (bad.websocket.close_code, bad.websocket.closed_by) == (1000, "server")
    session = {(d.kind, d.name): d for d in compare(ok, bad).significant if d.group == "session"}
    assert session[("closed-by", None)].b == "server"
    assert "JSON members differ" in session[("first-message", "server")].note


async def test_untrusted_upstream_tls_is_recorded_as_an_error(start_recorder, tmp_path: Path) -> None:
    """wss:// to a server whose certificate mitmproxy does not trust: recorded with error kind 'tls'."""
    import ssl

    import trustme

    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)

    async def handler(ws: websockets.ServerConnection) -> None:
        await ws.wait_closed()

    rec = start_recorder()
    mitm_ca = ssl.create_default_context(cafile=str(Path.home() / ".mitmproxy" / "mitmproxy-ca-cert.pem"))
    async with websockets.serve(handler, "127.0.0.1", 0, ssl=ctx) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(InvalidStatus) as e:
            async with websockets.connect(f"wss://127.0.0.1:{port}/ws", proxy=rec.proxy, ssl=mitm_ca, open_timeout=10):
                pass
    assert e.value.response.status_code == 502
    rec.stop()
    [c] = rec.captures()
    assert c.endpoint.scheme == "wss" and c.response is None
    assert c.error is not None and c.error.kind == "tls", c.error
