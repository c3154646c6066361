"""A tornado server for the responder fixtures: ``python tornado_app.py PORT``.

Routes: /ws (the default check_origin: same origin only), /auth (a bearer
token checked in prepare(), 401 without it), /late (open, then close 4003).
Any other path gets tornado's own 404. DUMMY_TOKEN is a placeholder.
"""

from __future__ import annotations

import asyncio
import json
import sys

import tornado.web
import tornado.websocket

DUMMY_TOKEN = "dummy-token-abc"


class Echo(tornado.websocket.WebSocketHandler):
    """Say hello, then echo. check_origin is tornado's default (same origin only)."""

    def open(self) -> None:
        self.write_message(json.dumps({"type": "hello"}))

    def on_message(self, message: str | bytes) -> None:
        self.write_message(message, binary=isinstance(message, bytes))


class Auth(Echo):
    """Refuse with 401 in prepare(), before the upgrade, without the right bearer token."""

    def prepare(self) -> None:
        if self.request.headers.get("Authorization") != f"Bearer {DUMMY_TOKEN}":
            raise tornado.web.HTTPError(401)


class Late(Echo):
    def open(self) -> None:
        self.close(4003, "forbidden")


async def main(port: int) -> None:
    app = tornado.web.Application([(r"/ws", Echo), (r"/auth", Auth), (r"/late", Late)])
    app.listen(port, address="127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
