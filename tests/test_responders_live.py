"""Hints that fit the server, live: real frameworks from the registry, real clients, a real recording mitmdump.

The servers are the responder fixtures' own (tests/responders/servers/); each
test records accepted and refused attempts through one ``mitmdump -s
addons/record.py`` and checks who wsdiff says answered and which hints
compare gives. The frameworks are wsdiff's dev extras (pyproject.toml); a
test whose framework is missing is skipped and says so.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import websockets
from websockets.asyncio.client import connect

from wsdiff.diff import compare
from wsdiff.files import load_capture
from wsdiff.hints import matching, situation
from wsdiff.model import Capture
from wsdiff.recording.procs import Service, free_port, mitmdump_command
from wsdiff.responder import identify

pytestmark = pytest.mark.live

SERVERS = Path(__file__).resolve().parent / "responders" / "servers"
TOKEN = "dummy-token-abc"  # the servers' placeholder token


def _serve(argv: list[str], port: int, log: Path) -> Service:
    return Service([sys.executable, *argv], port, log=log, env={**os.environ, "PYTHONPATH": str(SERVERS)})


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="module")
def proxy(tmp: Path) -> Iterator[str]:
    """One recording mitmdump (regular mode) for every test here: it starts in about 2 s on this machine."""
    port = free_port()
    argv = mitmdump_command(port, directory=tmp / "captures", label="live", options=("wsdiff_observe=1",))
    with Service(argv, port, log=tmp / "mitmdump.log"):
        yield f"http://127.0.0.1:{port}"


def recorded(tmp: Path, base: str, n: int, timeout: float = 10.0) -> list[Capture]:
    """Wait for the *n* captures of attempts to *base* (in time order), each finished (its connection closed)."""
    port = int(base.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while True:
        found = [load_capture(p) for p in sorted((tmp / "captures").glob("*.json"))]
        found = [c for c in found if c.endpoint.port == port]
        if len(found) >= n and all(c.websocket is None or c.websocket.state != "open" for c in found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} of {n} captures of {base} written within {timeout} s")
        time.sleep(0.05)


def _framework(tmp: Path, module: str, package: str, argv: Callable[[int], list[str]]) -> Iterator[str]:
    """Run a server of *module* (skipped, saying so, when *package* is not installed); yield its address."""
    pytest.importorskip(module, reason=f"{package} is in wsdiff's dev extras: pip install -e '.[dev]'")
    port = free_port()
    with _serve(argv(port), port, tmp / f"{module}.log"):
        yield f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def tornado_server(tmp: Path) -> Iterator[str]:
    yield from _framework(tmp, "tornado", "tornado", lambda port: [str(SERVERS / "tornado_app.py"), str(port)])


@pytest.fixture(scope="module")
def hypercorn_server(tmp: Path) -> Iterator[str]:
    yield from _framework(tmp, "hypercorn", "hypercorn",
                          lambda port: ["-m", "hypercorn", "--bind", f"127.0.0.1:{port}", "asgi_fastapi:app"])


@pytest.fixture(scope="module")
def socketio_server(tmp: Path) -> Iterator[str]:
    yield from _framework(tmp, "socketio", "python-socketio", lambda port: [
        "-m", "uvicorn", "socketio_app:app", "--app-dir", str(SERVERS), "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning"])


@pytest.fixture(scope="module")
def flask_sock_server(tmp: Path) -> Iterator[str]:
    yield from _framework(tmp, "flask_sock", "flask-sock",
                          lambda port: [str(SERVERS / "flask_sock_app.py"), str(port)])


@pytest.fixture(scope="module")
def websockets_server(tmp: Path) -> Iterator[str]:
    other = free_port()  # the app's second server (subprotocols=), unused here
    yield from _framework(tmp, "websockets", "websockets",
                          lambda port: [str(SERVERS / "websockets_app.py"), str(port), str(other)])


async def attempt(base: str, path: str, proxy: str, *, headers: dict[str, str] | None = None,
                  send: tuple[str, ...] = ()) -> int:
    """Connect through *proxy*; return the HTTP status of a refusal, or the close code after a 101."""
    try:
        async with asyncio.timeout(5):
            async with connect(f"ws://{base}{path}", proxy=proxy, additional_headers=headers) as ws:
                for text in send:
                    await ws.send(text)
                try:
                    async with asyncio.timeout(0.2):
                        async for _ in ws:
                            pass
                except TimeoutError:
                    pass
            return ws.close_code or 1000
    except websockets.InvalidStatus as e:
        return e.response.status_code
    except websockets.ConnectionClosed as e:
        return e.rcvd.code if e.rcvd else 1006


def fired(a: Capture, b: Capture) -> set[str]:
    c = compare(a, b)
    s = situation(c.a, c.b)
    return {f"{d.label}: {i}" for d in c.significant for i, _ in matching(d, c.a, c.b, s)}


def said(a: Capture, b: Capture) -> str:
    return " ".join(h for d in compare(a, b).significant for h in d.hints)


async def test_tornado_same_origin_rule(tornado_server: str, proxy: str, tmp: Path) -> None:
    """tornado refuses a foreign Origin (check_origin), accepts its own and none at all; the hint says so."""
    statuses = [await attempt(tornado_server, "/ws", proxy),
                await attempt(tornado_server, "/ws", proxy, headers={"Origin": f"http://{tornado_server}"}),
                await attempt(tornado_server, "/ws", proxy, headers={"Origin": "https://app.example"})]
    assert statuses == [1000, 1000, 403]
    _, same, cross = recorded(tmp, tornado_server, 3)
    assert (identify(cross).who, identify(cross).sure) == ("tornado", "certain")
    assert fired(same, cross) == {"header Origin: origin-tornado", "status: tornado-status"}
    assert "check_origin" in said(same, cross) and "uvicorn" not in said(same, cross)


async def test_hypercorn_empty_403(hypercorn_server: str, proxy: str, tmp: Path) -> None:
    """hypercorn's empty 403 for a path with no route is named hypercorn's, not uvicorn's."""
    statuses = [await attempt(hypercorn_server, "/ws", proxy), await attempt(hypercorn_server, "/nope", proxy)]
    assert statuses == [1000, 403]
    good, bad = recorded(tmp, hypercorn_server, 2)
    assert identify(bad).who == "hypercorn"
    assert fired(good, bad) == {"path: path-403", "status: hypercorn-403"}


async def test_engineio_eio_and_origin(socketio_server: str, proxy: str, tmp: Path) -> None:
    """engine.io under uvicorn: EIO=3 and a foreign Origin are bare 403s; the hints name engine.io's rules."""
    base = "/socket.io/?EIO={}&transport=websocket&t={}"
    connect_packet = '40{"token": "%s"}' % TOKEN
    statuses = [
        await attempt(socketio_server, base.format(4, time.time()), proxy, send=(connect_packet,)),
        await attempt(socketio_server, base.format(3, time.time()), proxy),
        await attempt(socketio_server, base.format(4, time.time()), proxy, headers={"Origin": "https://x.example"}),
    ]
    assert statuses == [1000, 403, 403]
    good, eio3, foreign = recorded(tmp, socketio_server, 3)
    assert (identify(eio3).who, identify(eio3).server) == ("engine.io", "uvicorn")
    assert fired(good, eio3) == {"query-param EIO: query-engineio", "status: engineio-403"}
    assert [d.name for d in compare(good, eio3).noise if d.kind == "query-param"] == ["t"]
    assert fired(good, foreign) == {"header Origin: origin-engineio", "status: engineio-403"}
    assert "FastAPI" not in said(good, eio3) + said(good, foreign)


async def test_flask_sock_refuses_after_the_101(flask_sock_server: str, proxy: str, tmp: Path) -> None:
    """Flask-Sock's view refuses by closing after the 101; a 403 comes from Flask's before_request."""
    statuses = [await attempt(flask_sock_server, "/ws", proxy),
                await attempt(flask_sock_server, "/auth", proxy),
                await attempt(flask_sock_server, "/guarded", proxy)]
    assert statuses == [1000, 1008, 403]
    good, closed, guarded = recorded(tmp, flask_sock_server, 3)
    assert identify(closed).who == "flask-sock" and identify(guarded).who == "werkzeug"
    assert fired(good, closed) == {"close-code: flask-sock-close", "first-message server: first-message"}
    assert fired(good, guarded) == {"status: werkzeug-status"}


async def test_websockets_server_origins_and_a_moved_token(websockets_server: str, proxy: str, tmp: Path) -> None:
    """origins= refuses a foreign Origin; a token sent as ?token= where the server reads Authorization is named so."""
    statuses = [
        await attempt(websockets_server, "/ws", proxy, headers={"Origin": "https://app.example"}),
        await attempt(websockets_server, "/ws", proxy, headers={"Origin": "https://evil.example"}),
        await attempt(websockets_server, "/auth", proxy, headers={"Authorization": f"Bearer {TOKEN}"}),
        await attempt(websockets_server, f"/auth?token={TOKEN}", proxy),
    ]
    assert statuses == [1000, 403, 1000, 401]
    allowed, foreign, header, query = recorded(tmp, websockets_server, 4)
    assert fired(allowed, foreign) == {"header Origin: origin-websockets", "status: websockets-status"}
    assert fired(header, query) == {"header Authorization: credentials-moved", "query-param token: credentials-moved",
                                    "status: status-401", "status: websockets-status"}
    words = said(header, query)
    assert "The same secret is sent as ?token= but the server reads the Authorization header" in words
    # The recorder keeps the challenge (it is no secret) and the 401 hint quotes it; the token stays hidden.
    assert query.response is not None and query.response.header("WWW-Authenticate") == 'Bearer realm="ws"'
    assert 'WWW-Authenticate: Bearer realm="ws"' in words
    assert TOKEN not in words and TOKEN not in query.request.target
