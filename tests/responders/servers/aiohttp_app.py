"""An aiohttp server for the responder fixtures: ``python aiohttp_app.py PORT``.

Routes: /ws (anyone), /auth (a bearer token checked before prepare(): 401
without one, 403 with a wrong one), /late (accept, then close 4003). Any other
path gets aiohttp's own 404. DUMMY_TOKEN is a placeholder.
"""

from __future__ import annotations

import sys

from aiohttp import WSMsgType, web

DUMMY_TOKEN = "dummy-token-abc"


async def _serve(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_json({"type": "hello"})
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
    return ws


async def open_ws(request: web.Request) -> web.WebSocketResponse:
    return await _serve(request)


async def auth_ws(request: web.Request) -> web.StreamResponse:
    auth = request.headers.get("Authorization")
    if auth is None:
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="ws"'})
    if auth != f"Bearer {DUMMY_TOKEN}":
        raise web.HTTPForbidden()
    return await _serve(request)


async def late_ws(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.close(code=4003, message=b"forbidden")
    return ws


app = web.Application()
app.add_routes([web.get("/ws", open_ws), web.get("/auth", auth_ws), web.get("/late", late_ws)])

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
