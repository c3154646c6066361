"""bisect and replay live: real framework servers, two real clients recorded through mitmdump, the CLI's verdicts.

Each server rejects the way its framework does: the websockets server's
``origins=`` (403), aiohttp with a route table and an auth check (401), and
FastAPI under uvicorn with two independent rules (no route, and a missing
required header: 403 each). GOOD is recorded from a websockets client and BAD
from an aiohttp client through a real recording mitmdump, then bisected with
``wsdiff bisect``. Also: a server that answers at random (flaky, no culprit)
and servers that cannot be reached (exit 2 and one line).

The servers run in-process on an event loop in a thread, so the CLI (which
runs its own loop) can be driven with CliRunner from the test's thread.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import websockets
from aiohttp import web
# At module level: FastAPI reads the handler's annotations (strings here) from the module's globals.
from fastapi import FastAPI, Header, WebSocket
from click.testing import CliRunner, Result
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import InvalidStatus

from wsdiff.cli import cli
from wsdiff.files import dump_capture
from wsdiff.probe import unreachable
from wsdiff.recording.procs import free_port

from helpers import handshake

pytestmark = pytest.mark.live

TOKEN = "s3cret-token-7f3a"
"""The aiohttp server's bearer token: it must never appear in wsdiff's output."""


class LoopThread:
    """An event loop in a thread, for servers the test's own thread talks to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.cleanups: list[Callable[[], Awaitable[object]]] = []

    def run(self, coro: Awaitable[Any], timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                self.run(cleanup(), 5.0)
            except Exception:
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)


@pytest.fixture
def servers() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.close()


def start_websockets(lt: LoopThread, **kwargs: Any) -> int:
    """A websockets server that greets and closes; returns its port."""

    async def handler(ws: ServerConnection) -> None:
        await ws.send("hello")
        await asyncio.sleep(0.05)

    async def start() -> int:
        server = await websockets.serve(handler, "127.0.0.1", 0, **kwargs)
        lt.cleanups.append(lambda: _close_ws_server(server))
        return server.sockets[0].getsockname()[1]

    return lt.run(start())  # type: ignore[no-any-return]


async def _close_ws_server(server: Any) -> None:
    server.close()
    await asyncio.wait_for(server.wait_closed(), 3)


def start_aiohttp(lt: LoopThread) -> int:
    """An aiohttp server with a route table; /v1/feed needs ``Authorization: Bearer TOKEN`` (401 otherwise)."""

    async def feed(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.Response(status=401, text="unauthorized")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("feed open")
        await ws.close()
        return ws

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def start() -> int:
        app = web.Application()
        app.router.add_get("/v1/feed", feed)
        app.router.add_get("/health", health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        lt.cleanups.append(runner.cleanup)
        return runner.addresses[0][1]  # type: ignore[no-any-return]

    return lt.run(start())  # type: ignore[no-any-return]


def start_fastapi(lt: LoopThread) -> int:
    """FastAPI under uvicorn: /v2/stream needs X-Api-Version (validation: 403); any other path has no route (403)."""
    import uvicorn

    app = FastAPI()

    @app.websocket("/v2/stream")
    async def stream(websocket: WebSocket, x_api_version: str = Header()) -> None:
        await websocket.accept()
        await websocket.send_json({"type": "hello", "api": x_api_version})
        await websocket.close()

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))

    async def start() -> int:
        task = asyncio.ensure_future(server.serve())
        for _ in range(200):  # up to 10 s
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started, "uvicorn did not start"

        async def stop() -> None:
            server.should_exit = True
            await asyncio.wait_for(task, 5)

        lt.cleanups.append(stop)
        return port

    return lt.run(start(), 15.0)  # type: ignore[no-any-return]


async def websockets_client(url: str, proxy: str, **kwargs: Any) -> int:
    """Connect with the websockets client through the proxy; return 101 or the rejecting status."""
    try:
        async with websockets.connect(url, proxy=proxy, open_timeout=5, **kwargs) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            return 101
    except InvalidStatus as e:
        return e.response.status_code


async def aiohttp_client(url: str, proxy: str, **kwargs: Any) -> int:
    """Connect with aiohttp through the proxy (it needs an http:// URL); return 101 or the rejecting status."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, proxy=proxy, timeout=aiohttp.ClientWSTimeout(ws_close=5),
                                          **kwargs) as ws:
                await asyncio.wait_for(ws.receive(), 5)
                return 101
        except aiohttp.WSServerHandshakeError as e:
            return e.status


def record_pair(start_recorder: Any, good: Callable[[str], Awaitable[int]],
                bad: Callable[[str], Awaitable[int]], expect_bad: int) -> tuple[str, str]:
    """Record GOOD then BAD through a real recording mitmdump; return the two capture paths."""
    rec = start_recorder(label="live")
    assert asyncio.run(good(rec.proxy)) == 101
    assert asyncio.run(bad(rec.proxy)) == expect_bad
    assert rec.stop() == 0
    paths = sorted(rec.directory.glob("*.json"))
    assert [p.name.split("_")[2] for p in paths] == ["101", str(expect_bad)]
    return str(paths[0]), str(paths[1])


def bisect_json(*args: str) -> tuple[Result, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["bisect", "--json", "--window", "0.2", *args])
    return result, json.loads(result.stdout)


def named(group: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(d["kind"], d.get("name")) for d in group]


# --- real frameworks, real clients --------------------------------------------------


def test_websockets_server_origins(servers: LoopThread, start_recorder: Any) -> None:
    """websockets' origins= refuses aiohttp's foreign Origin with 403: bisect names Origin alone, exit 0."""
    port = start_websockets(servers, origins=[None, "https://app.example"])
    good, bad = record_pair(
        start_recorder,
        lambda proxy: websockets_client(f"ws://127.0.0.1:{port}/chat", proxy),
        lambda proxy: aiohttp_client(f"http://127.0.0.1:{port}/chat", proxy, origin="https://evil.example"),
        403)
    result, doc = bisect_json(good, bad)
    assert result.exit_code == 0, result.output
    assert doc["verdict"] == "found" and doc["complete"] is True
    assert [named(g) for g in doc["causes"]] == [[("header", "Origin")]]
    assert named(doc["culprit"]) == [("header", "Origin")]
    assert doc["candidates"] > 1  # the two clients differ in more than Origin


def test_aiohttp_auth_and_route_table(servers: LoopThread, start_recorder: Any) -> None:
    """aiohttp's 401: the token sent as ?token= instead of Authorization; only the header is to blame."""
    port = start_aiohttp(servers)
    good, bad = record_pair(
        start_recorder,
        lambda proxy: websockets_client(f"ws://127.0.0.1:{port}/v1/feed", proxy,
                                        additional_headers=[("Authorization", f"Bearer {TOKEN}")]),
        lambda proxy: aiohttp_client(f"http://127.0.0.1:{port}/v1/feed?token={TOKEN}", proxy),
        401)
    assert TOKEN not in Path(good).read_text() + Path(bad).read_text()  # recorded as fingerprints
    result, doc = bisect_json(good, bad)
    assert result.exit_code == 0, result.output
    assert [named(g) for g in doc["causes"]] == [[("header", "Authorization")]]
    assert doc["confirmations"] == {"good_plus_culprit_rejected": True, "bad_minus_culprit_accepted": True}
    assert TOKEN not in result.output and TOKEN not in result.stderr
    text = CliRunner().invoke(cli, ["bisect", "--window", "0.2", good, bad])
    assert text.exit_code == 0 and TOKEN not in text.output and "Culprit" in text.output


def test_fastapi_two_independent_rules(servers: LoopThread, start_recorder: Any) -> None:
    """A wrong path AND a missing X-Api-Version, each enough for a 403: both named, as two causes, exit 0."""
    port = start_fastapi(servers)
    good, bad = record_pair(
        start_recorder,
        lambda proxy: websockets_client(f"ws://127.0.0.1:{port}/v2/stream", proxy,
                                        additional_headers=[("X-Api-Version", "2")]),
        lambda proxy: aiohttp_client(f"http://127.0.0.1:{port}/v1/stream", proxy),
        403)
    result, doc = bisect_json(good, bad)
    assert result.exit_code == 0, result.output
    assert doc["verdict"] == "found" and doc["complete"] is True
    assert sorted(named(g) for g in doc["causes"]) == [[("header", "X-Api-Version")], [("path", None)]]
    assert sorted(named(doc["culprit"])) == [("header", "X-Api-Version"), ("path", None)]
    assert doc["fix"].startswith("Fix: 2 independent causes")
    assert doc["answers"]["bad_minus_culprit"]["rejected"] == 0
    # The terminal view lists both causes and says BAD needs both changes.
    text = CliRunner().invoke(cli, ["bisect", "--window", "0.2", good, bad])
    assert text.exit_code == 0
    assert "2 independent causes" in text.output and "X-Api-Version" in text.output and "path" in text.output


# --- a server that answers at random ------------------------------------------------


def test_flaky_live_server(servers: LoopThread, tmp_path: Path) -> None:
    """A websockets server that rejects half of all handshakes at random (fixed seed): flaky, no culprit, exit 1."""
    rng = random.Random(20261125)

    def coin(connection: ServerConnection, request: Any) -> Any:
        return connection.respond(HTTPStatus.FORBIDDEN, "busy\n") if rng.random() < 0.5 else None

    port = start_websockets(servers, process_request=coin)
    hostport = f"127.0.0.1:{port}"
    good = dump_capture(handshake(hostport, "/feed", label="script"), tmp_path / "good.json")
    bad = dump_capture(handshake(hostport, "/feed?v=2", ("User-Agent", "app/2"), ("X-Client", "app"), label="app"),
                       tmp_path / "bad.json")
    # One probe at a time, so the seeded server answers in a fixed order.
    result, doc = bisect_json("--concurrency", "1", str(good), str(bad))
    assert result.exit_code == 1, result.output
    assert doc["verdict"] == "flaky" and doc["culprit"] == [] and doc["causes"] == []
    assert doc["evidence"] and all(e["accepted"] and e["rejected"] for e in doc["evidence"])
    assert "answers identical requests both ways" in doc["reason"] and "changed" not in doc["reason"]


# --- unreachable: trouble, not a verdict --------------------------------------------


def test_nothing_listens(tmp_path: Path) -> None:
    """A free port: replay and bisect say so in one line and exit 2; --json carries the error."""
    port = free_port()
    good = dump_capture(handshake(f"127.0.0.1:{port}", "/ws"), tmp_path / "good.json")
    bad = dump_capture(handshake(f"127.0.0.1:{port}", "/ws", ("Origin", "https://evil.example")), tmp_path / "bad.json")
    line = f"wsdiff: error: nothing listens on 127.0.0.1:{port}: is the server running?\n"
    for args in (["replay", str(bad)], ["bisect", str(good), str(bad)]):
        r = CliRunner().invoke(cli, args)
        assert (r.exit_code, r.stderr, r.stdout) == (2, line, "")
        j = CliRunner().invoke(cli, [args[0], "--json", *args[1:]])
        assert j.exit_code == 2 and j.stderr == line
        assert json.loads(j.stdout) == {"error": {"kind": "unreachable", "how": "refused",
                                                  "address": f"127.0.0.1:{port}",
                                                  "message": line.removeprefix("wsdiff: error: ").strip()}}


def test_unreachable_proxy_keeps_its_password(tmp_path: Path) -> None:
    """A proxy that does not listen: named by host and port only, never with the password in its URL."""
    port = free_port()
    cap = dump_capture(handshake("127.0.0.1:9", "/ws"), tmp_path / "c.json")
    r = CliRunner().invoke(cli, ["replay", "--json", "--proxy", f"http://user:hunter2@127.0.0.1:{port}", str(cap)])
    assert r.exit_code == 2 and "hunter2" not in r.output + r.stderr
    assert json.loads(r.stdout)["error"]["how"] == "proxy"
    assert r.stderr == f"wsdiff: error: nothing listens on the proxy 127.0.0.1:{port}: is it running?\n"


def test_tls_failures_before_any_http(servers: LoopThread, tmp_path: Path) -> None:
    """wss:// to a plain server, and to an untrusted certificate: TLS trouble (exit 2), not a rejection."""
    import trustme

    plain = start_websockets(servers)
    cap = dump_capture(handshake(f"127.0.0.1:{plain}", "/", scheme="wss"), tmp_path / "plain.json")
    r = CliRunner().invoke(cli, ["replay", "--json", str(cap)])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["how"] == "tls"
    assert r.stderr.startswith(f"wsdiff: error: the TLS handshake with 127.0.0.1:{plain} failed before any HTTP: ")
    assert r.stderr.count("\n") == 1

    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    secure = start_websockets(servers, ssl=ctx)
    cap = dump_capture(handshake(f"127.0.0.1:{secure}", "/", scheme="wss"), tmp_path / "tls.json")
    r = CliRunner().invoke(cli, ["replay", str(cap)])
    assert r.exit_code == 2 and "certificate verify failed" in r.stderr and "--ca FILE" in r.stderr
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ok = CliRunner().invoke(cli, ["replay", "--window", "0.2", "--ca", str(ca_file), str(cap)])
    assert ok.exit_code == 0, ok.output


def test_unreachable_words() -> None:
    """Each way of not reaching a server is one line that says what and how (no network needed to check them)."""
    cases = [
        (socket.gaierror(-2, "Name or service not known"), {},
         "dns", "cannot resolve the host name 'api.example' (Name or service not known): is the name right"),
        (ConnectionRefusedError(111, "refused"), {}, "refused", "nothing listens on api.example:443: is the server"),
        (TimeoutError(), {"timeout": 10.0}, "timeout", "no connection to api.example:443 within 10 s"),
        (OSError(113, "No route to host"), {}, "network", "cannot reach api.example:443: No route to host"),
        (ConnectionResetError(104, "reset"), {"tls": True}, "tls", "the TLS handshake with api.example:443 failed"),
    ]
    for exc, kw, how, words in cases:
        u = unreachable(exc, "api.example", 443, **kw)
        assert u.how == how and u.message.startswith(words), u.message
