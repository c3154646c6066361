"""A Flask + Flask-Sock app on werkzeug's server: ``python flask_sock_app.py PORT``.

Routes: /ws (anyone), /auth (a token checked inside the route, which
Flask-Sock runs after the 101: the refusal is a close frame), /guarded (the
same check in a before_request hook, which runs before the handshake: a real
HTTP 403), /raise (the route raises). DUMMY_TOKEN is a placeholder.
"""

from __future__ import annotations

import json
import sys

from flask import Flask, abort, request
from flask_sock import Sock

DUMMY_TOKEN = "dummy-token-abc"

app = Flask(__name__)
sock = Sock(app)


def _echo(ws) -> None:  # type: ignore[no-untyped-def]
    ws.send(json.dumps({"type": "hello"}))
    while True:
        ws.send(ws.receive())


@sock.route("/ws")
def open_ws(ws) -> None:  # type: ignore[no-untyped-def]
    _echo(ws)


@sock.route("/auth")
def auth_ws(ws) -> None:  # type: ignore[no-untyped-def]
    if request.headers.get("X-Token") != DUMMY_TOKEN:
        ws.close(reason=1008, message="unauthorized")
        return
    _echo(ws)


@app.before_request
def guard() -> None:
    if request.path == "/guarded" and request.headers.get("X-Token") != DUMMY_TOKEN:
        abort(403)


@sock.route("/guarded")
def guarded_ws(ws) -> None:  # type: ignore[no-untyped-def]
    _echo(ws)


@sock.route("/raise")
def raise_ws(ws) -> None:  # type: ignore[no-untyped-def]
    raise RuntimeError("boom")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
