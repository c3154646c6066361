"""Servers of the ``websockets`` library (asyncio API) for the responder fixtures.

``python websockets_app.py PORT SUBPROTOCOL_PORT``: the first server routes by
path in ``process_request`` and checks ``origins=``; the second requires the
subprotocol ``chat.v1``. DUMMY_TOKEN is a placeholder.
"""

from __future__ import annotations

import asyncio
import http
import json
import sys

from websockets.asyncio.server import Request, Response, ServerConnection, serve

DUMMY_TOKEN = "dummy-token-abc"


async def process_request(connection: ServerConnection, request: Request) -> Response | None:
    """Refuse unknown paths with 404 and /auth without the right bearer token with 401/403."""
    path = request.path.split("?")[0]
    if path not in ("/ws", "/auth"):
        return connection.respond(http.HTTPStatus.NOT_FOUND, "Not Found\n")
    if path == "/auth":
        auth = request.headers.get("Authorization")
        if auth is None:
            response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Missing token\n")
            response.headers["WWW-Authenticate"] = 'Bearer realm="ws"'
            return response
        if auth != f"Bearer {DUMMY_TOKEN}":
            return connection.respond(http.HTTPStatus.FORBIDDEN, "Invalid token\n")
    return None


async def handler(ws: ServerConnection) -> None:
    """Say hello, then echo."""
    await ws.send(json.dumps({"type": "hello"}))
    async for message in ws:
        await ws.send(message)


async def main(port: int, subprotocol_port: int) -> None:
    # None in origins: clients that send no Origin (scripts) are accepted too.
    async with serve(handler, "127.0.0.1", port, process_request=process_request,
                     origins=[None, "https://app.example"]), \
               serve(handler, "127.0.0.1", subprotocol_port, subprotocols=["chat.v1"]):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
