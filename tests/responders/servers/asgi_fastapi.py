"""A FastAPI application served by uvicorn and hypercorn in the responder fixtures.

Each route refuses for one rule, the way real services do; DUMMY_* values are
placeholders, not secrets.
"""

from __future__ import annotations

from fastapi import FastAPI, Header, Query, WebSocket, WebSocketDisconnect
from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import WebSocketRoute

DUMMY_KEY = "dummy-key-123"
DUMMY_TOKEN = "dummy-token-abc"
ALLOWED_ORIGINS = {"https://app.example"}

app = FastAPI()


async def _serve(websocket: WebSocket) -> None:
    """Say hello, then echo until the client leaves."""
    await websocket.send_json({"type": "hello"})
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


@app.websocket("/ws")
async def ws(websocket: WebSocket) -> None:
    """Accept anyone."""
    await websocket.accept()
    await _serve(websocket)


@app.websocket("/ws/key")
async def ws_key(websocket: WebSocket, x_api_key: str = Header()) -> None:
    """A missing X-Api-Key fails FastAPI's validation; a wrong one is closed before accept."""
    if x_api_key != DUMMY_KEY:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await _serve(websocket)


@app.websocket("/ws/typed")
async def ws_typed(websocket: WebSocket, n: int = Query()) -> None:
    """A query parameter that is not an integer fails validation before accept."""
    await websocket.accept()
    await _serve(websocket)


@app.websocket("/ws/origin")
async def ws_origin(websocket: WebSocket) -> None:
    """An Origin allow-list checked before accept, as apps write it by hand."""
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in ALLOWED_ORIGINS:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await _serve(websocket)


@app.websocket("/ws/boom")
async def ws_boom(websocket: WebSocket) -> None:
    """An application error before accept."""
    raise RuntimeError("boom")


@app.websocket("/ws/auth-message")
async def ws_auth_message(websocket: WebSocket) -> None:
    """Accept, then close 4401 unless the first message is {"type": "auth", "token": DUMMY_TOKEN}."""
    await websocket.accept()
    first = await websocket.receive_json()
    if first.get("type") != "auth" or first.get("token") != DUMMY_TOKEN:
        await websocket.close(code=4401, reason="unauthorized")
        return
    await websocket.send_json({"type": "ready"})
    await _serve(websocket)


async def _trusted_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    await _serve(websocket)


# TrustedHostMiddleware answers a websocket with a Host it does not serve.
app.mount("/trusted", TrustedHostMiddleware(
    Starlette(routes=[WebSocketRoute("/ws", _trusted_ws)]), allowed_hosts=["api.example"]))
