"""A python-socketio ASGI app, served by uvicorn in the responder fixtures.

``uvicorn socketio_app:app``: Socket.IO under /socket.io/ with an Origin
allow-list (``cors_allowed_origins``) and a ``connect`` handler that refuses
a client whose CONNECT auth lacks the right token. DUMMY_TOKEN is a placeholder.
"""

from __future__ import annotations

from typing import Any

import socketio

DUMMY_TOKEN = "dummy-token-abc"

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=["https://app.example"])
app = socketio.ASGIApp(sio)


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> None:
    """Refuse the namespace CONNECT unless auth carries the token: a CONNECT_ERROR packet after the 101."""
    if not auth or auth.get("token") != DUMMY_TOKEN:
        raise socketio.exceptions.ConnectionRefusedError("unauthorized")
    await sio.emit("hello", {"sid": sid}, to=sid)
