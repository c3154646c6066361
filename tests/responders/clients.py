"""Real WebSocket clients driven by make_fixtures.py; each returns what the client saw.

Every client connects to the recording mitmdump (reverse mode) on 127.0.0.1,
so what it sends and what the server answers both land in a capture. What
the client saw is kept too (``Seen``), so the generator can check that each
capture tells the same story as the client.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import websockets
from websockets.asyncio.client import connect

NODE_DIR = Path(__file__).resolve().parent / "node"
TIMEOUT = 5.0  # seconds for any one client run; every wait here is bounded


@dataclass
class Seen:
    """What one client observed: an HTTP status, a close code, messages, or an error."""

    client: str
    status: int | None = None
    close: int | None = None
    messages: list[str] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> str:
        parts = [f"status {self.status}" if self.status is not None else ""]
        if self.close is not None:
            parts.append(f"close {self.close}")
        if self.messages:
            parts.append(f"{len(self.messages)} message(s)")
        if self.error:
            parts.append(f"error: {self.error}")
        return ", ".join(p for p in parts if p)


async def py_websockets(
    base: str, path: str, *, headers: dict[str, str] | None = None,
    subprotocols: list[str] | None = None, send: tuple[str, ...] = (), wait: float = 0.3,
    proxy: str | None = None, then: tuple[str, ...] = (),
) -> Seen:
    """Connect with the ``websockets`` client, send *send* after the 101, read until *wait* passes.

    *then* is sent once the server's first message has arrived (after an ack, say).
    With *proxy* (``http://HOST:PORT``) it goes through that proxy (CONNECT) to ``ws://base``.
    """
    seen = Seen("python websockets")
    try:
        async with asyncio.timeout(TIMEOUT):
            async with connect(f"ws://{base}{path}", additional_headers=headers, proxy=proxy,
                               subprotocols=subprotocols, open_timeout=TIMEOUT) as ws:  # type: ignore[arg-type]
                seen.status = 101
                try:
                    for message in send:
                        await ws.send(message)
                    if then:
                        seen.messages.append(await asyncio.wait_for(ws.recv(), TIMEOUT))
                        for message in then:
                            await ws.send(message)
                except websockets.ConnectionClosed:
                    pass  # the server closed first; _read below records how
                await _read(ws, seen, wait)
                if seen.close is None:
                    await ws.close()
    except websockets.InvalidStatus as e:
        seen.status = e.response.status_code
    except (OSError, websockets.InvalidHandshake, TimeoutError) as e:
        seen.error = f"{type(e).__name__}: {e}"
    return seen


async def _read(ws: Any, seen: Seen, wait: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    try:
        while (left := deadline - loop.time()) > 0:
            message = await asyncio.wait_for(ws.recv(), left)
            seen.messages.append(message if isinstance(message, str) else f"<{len(message)} bytes>")
    except TimeoutError:
        pass
    except websockets.ConnectionClosed as e:
        seen.close = e.rcvd.code if e.rcvd is not None else 1006
        if e.rcvd is None and e.sent is not None and e.sent.code == 1002:
            seen.error = f"protocol error: {e.sent.reason}"


async def py_aiohttp(base: str, path: str, *, headers: dict[str, str] | None = None, wait: float = 0.3) -> Seen:
    """Connect with aiohttp's client (an http:// URL, as aiohttp wants) and read until *wait* passes."""
    seen = Seen("python aiohttp")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
            async with session.ws_connect(f"http://{base}{path}", headers=headers) as ws:
                seen.status = 101
                loop = asyncio.get_running_loop()
                deadline = loop.time() + wait
                while (left := deadline - loop.time()) > 0:
                    try:
                        msg = await ws.receive(timeout=left)
                    except TimeoutError:
                        break
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        seen.messages.append(msg.data)
                    elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                        seen.close = ws.close_code
                        break
    except aiohttp.WSServerHandshakeError as e:
        seen.status = e.status
    except (OSError, aiohttp.ClientError, TimeoutError) as e:
        seen.error = f"{type(e).__name__}: {e}"
    return seen


async def py_socketio(base: str, *, auth: dict[str, str] | None, headers: dict[str, str] | None = None) -> Seen:
    """Connect with python-socketio's client, websocket transport only, and wait for 'hello'."""
    import socketio  # python-socketio: imported here so the other responders do not need it

    seen = Seen("python-socketio client")
    client = socketio.AsyncClient(reconnection=False)
    hello = asyncio.Event()

    @client.on("hello")
    async def _hello(data: Any) -> None:
        seen.messages.append(json.dumps(data))
        hello.set()

    @client.event
    async def connect_error(data: Any) -> None:
        # A CONNECT_ERROR packet: it came over the WebSocket, so the upgrade had succeeded.
        seen.status = 101
        seen.messages.append(f"connect_error {json.dumps(data)}")

    try:
        await client.connect(f"http://{base}", auth=auth, headers=headers or {}, transports=["websocket"],
                             wait_timeout=2)
        seen.status = 101
        await asyncio.wait_for(hello.wait(), 2)
    except socketio.exceptions.ConnectionError as e:
        seen.error = f"ConnectionError: {e}"
    except TimeoutError:
        seen.error = "no hello"
    finally:
        await client.disconnect()
        await client.shutdown() if hasattr(client, "shutdown") else None
    return seen


def _node(mode: str, spec: dict[str, Any]) -> Seen:
    out = subprocess.run(["node", str(NODE_DIR / "client.js"), mode, json.dumps(spec)],
                         capture_output=True, text=True, timeout=TIMEOUT + 2, cwd=NODE_DIR)
    seen = Seen("node ws" if mode == "ws" else "node graphql-ws createClient")
    try:
        result = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        seen.error = f"node client printed nothing usable: {out.stderr.strip()[-200:]}"
        return seen
    seen.status = result.get("status")
    events = result.get("events", [])
    if result.get("close"):
        seen.close = result["close"][0]
    for ev in events:
        if ev[0] == "open":
            seen.status = 101
        elif ev[0] in ("message", "next"):
            seen.messages.append(ev[1] if isinstance(ev[1], str) else json.dumps(ev[1]))
        elif ev[0] == "closed":
            seen.status = 101 if ev[1] != 1006 else seen.status
            seen.close = ev[1]
        elif ev[0] == "error" and seen.error is None:
            seen.error = str(ev[1])
    if result.get("timeout"):
        seen.error = "timeout"
    return seen


async def node_ws(base: str, path: str, *, headers: dict[str, str] | None = None,
                  protocols: list[str] | None = None, send: tuple[str, ...] = (), wait_ms: int = 300,
                  then: tuple[str, ...] = ()) -> Seen:
    """Connect with the Node ``ws`` client, send *send* after the open, close after *wait_ms*.

    *then* is sent once the server's first message has arrived.
    """
    spec = {"url": f"ws://{base}{path}", "headers": headers or {}, "protocols": protocols or [],
            "send": list(send), "then": list(then), "wait_ms": wait_ms}
    return await asyncio.to_thread(_node, "ws", spec)


async def node_graphql(base: str, path: str, *, token: str | None) -> Seen:
    """Run one query with graphql-ws's createClient; *token* goes in connectionParams."""
    spec: dict[str, Any] = {"url": f"ws://{base}{path}", "query": "{ hello }"}
    if token is not None:
        spec["token"] = token
    return await asyncio.to_thread(_node, "graphql", spec)
