"""Record real WebSocket frameworks accepting and refusing real clients, as wsdiff captures.

Run from the repository root:

    .venv/bin/python tests/responders/make_fixtures.py [--only NAME ...] [--list]

For each responder it starts the real server on 127.0.0.1 (a free port), a
real recording ``mitmdump -s addons/record.py`` in reverse mode in front of
it (``wsdiff.recording.procs.mitmdump_command``, with ``keep_host_header=true`` so the
server sees the client's Host), drives real clients through it, and writes
each attempt to ``tests/responders/captures/<responder>-<case>.json``: the
recorder's own file (redacted by the recorder, with a throw-away secret store)
with only its ``label`` set to ``<responder>-<case>``. It checks that every
capture tells what the client saw (status, close code) and exits 1 if one
does not. ``captures/index.json`` lists every capture, real and synthetic
(synthetic.py writes the hand-made ones of hosted services).
Every token here is a dummy value; every wait is bounded. About a minute.

It installs nothing. It needs, in the interpreter that runs it:
  wsdiff's dev dependencies (scripts/setup: mitmproxy, websockets, aiohttp,
  fastapi, uvicorn) and
  ``pip install hypercorn daphne channels django tornado flask flask-sock
  python-socketio python-engineio strawberry-graphql``;
and on the PATH:
  ``node`` (18+) with ``npm ci`` run in tests/responders/node (ws, graphql-ws,
  graphql), and Debian's ``nginx`` (``apt-get install nginx``).
A responder whose parts are missing is skipped with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from clients import Seen, node_graphql, node_ws, py_aiohttp, py_socketio, py_websockets  # noqa: E402

from wsdiff.document import dumps_document  # noqa: E402
from wsdiff.recording.procs import Service, free_port, mitmdump_command  # noqa: E402

SERVERS = HERE / "servers"
NODE = HERE / "node"
OUT = HERE / "captures"
PY = sys.executable
TOKEN = "dummy-token-abc"  # the servers' placeholder token (servers/*.py, node/servers.js)
KEY = "dummy-key-123"

Client = Callable[[str], Awaitable[Seen]]  # given "127.0.0.1:PORT" of the recording proxy


@dataclass
class Case:
    """One attempt: what the client does, and what the capture must show."""

    name: str
    what: str
    client: Client
    expect: int | None  # the response status; None: no response (an error)
    close: int | None = None  # the close code after a 101, when the case is about one
    upstream: int = 0  # which of the responder's servers (an index into its ports)
    good: str | None = "accepted"  # the accepted case to compare this one with


@dataclass
class Responder:
    """A real server (one or more processes) and the attempts recorded against it."""

    name: str
    what: str
    needs: tuple[str, ...]  # Python modules or executables ("exe:node")
    start: Callable[[Path], tuple[list[Service], list[int]]]
    cases: list[Case] = field(default_factory=list)


# --- servers -------------------------------------------------------------------


def _python(module_args: list[str], port: int, log: Path, cwd: Path = SERVERS,
            env: dict[str, str] | None = None) -> Service:
    argv = [PY, *module_args]
    service = Service(argv, port, log=log, env={**os.environ, **(env or {}), "PYTHONPATH": str(cwd)})
    return service


def _uvicorn(app: str, *extra: str) -> Callable[[Path], tuple[list[Service], list[int]]]:
    def start(tmp: Path) -> tuple[list[Service], list[int]]:
        port = free_port()
        s = _python(["-m", "uvicorn", app, "--app-dir", str(SERVERS), "--host", "127.0.0.1",
                     "--port", str(port), "--log-level", "warning", *extra], port, tmp / "server.log")
        return [s.start()], [port]
    return start


def _hypercorn(tmp: Path) -> tuple[list[Service], list[int]]:
    port = free_port()
    s = _python(["-m", "hypercorn", "--bind", f"127.0.0.1:{port}", "asgi_fastapi:app"], port, tmp / "server.log")
    return [s.start()], [port]


def _daphne(tmp: Path) -> tuple[list[Service], list[int]]:
    port = free_port()
    s = _python(["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "channels_app:application"],
                port, tmp / "server.log")
    return [s.start()], [port]


def _script(name: str, nports: int = 1) -> Callable[[Path], tuple[list[Service], list[int]]]:
    def start(tmp: Path) -> tuple[list[Service], list[int]]:
        ports = [free_port() for _ in range(nports)]
        s = _python([str(SERVERS / name), *map(str, ports)], ports[0], tmp / "server.log")
        s.start()
        return [s], ports
    return start


def _node_server(*modes: str) -> Callable[[Path], tuple[list[Service], list[int]]]:
    def start(tmp: Path) -> tuple[list[Service], list[int]]:
        services, ports = [], []
        for mode in modes:
            port = free_port()
            services.append(Service(["node", str(NODE / "servers.js"), mode, str(port)], port,
                                    log=tmp / f"node-{mode}.log").start())
            ports.append(port)
        return services, ports
    return start


NGINX_CONF = """\
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
daemon off;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        # The documented WebSocket proxy set-up (nginx.org/en/docs/http/websocket.html).
        location /ws {{
            proxy_pass http://127.0.0.1:{app};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
        }}
        # The common mistake: proxy_pass without the upgrade headers (HTTP/1.0, no Upgrade).
        location /plain/ {{ proxy_pass http://127.0.0.1:{app}/; }}
        location /admin/ {{ deny all; }}
        location /dead/ {{
            proxy_pass http://127.0.0.1:{dead}/;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }}
        location /legacy/ {{ return 426; }}
    }}
}}
"""


def _nginx(tmp: Path) -> tuple[list[Service], list[int]]:
    app_services, (app,) = _uvicorn("asgi_fastapi:app")(tmp)
    port, dead = free_port(), free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, app=app, dead=dead))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    s = Service([nginx, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)], port, log=tmp / "nginx.log")
    return [*app_services, s.start()], [port]


def _nothing(tmp: Path) -> tuple[list[Service], list[int]]:
    """Upstreams for mitmproxy's own answers: a dead port; a plain mitmdump in front of one; regular mode."""
    dead, plain = free_port(), free_port()
    argv = mitmdump_command(plain, directory=tmp, addon=False, reverse=f"http://127.0.0.1:{dead}",
                            options=("connection_strategy=lazy",))
    return [Service(argv, plain, log=tmp / "plain-mitmdump.log").start()], [dead, plain, REGULAR]


REGULAR = 0  # an upstream "port" that means: record in regular (forward proxy) mode
DEAD_TARGET = free_port()  # nothing listens there (checked when the case runs)


# --- clients, shortened ------------------------------------------------------------


def ws(path: str, **kw: object) -> Client:
    return lambda base: py_websockets(base, path, **kw)  # type: ignore[arg-type]


def aio(path: str, **kw: object) -> Client:
    return lambda base: py_aiohttp(base, path, **kw)  # type: ignore[arg-type]


def nws(path: str, **kw: object) -> Client:
    return lambda base: node_ws(base, path, **kw)  # type: ignore[arg-type]


def gql(path: str, token: str | None) -> Client:
    return lambda base: node_graphql(base, path, token=token)


def same_origin(path: str) -> Client:
    """A browser-like client on the server's own origin (Origin built from the Host it sends)."""
    return lambda base: py_websockets(base, path, headers={"Origin": f"http://{base}"})


async def _daphne_session(base: str) -> Seen:
    """Log in over plain HTTP (through the proxy), then connect with the session cookie."""
    def login() -> str:
        with urllib.request.urlopen(f"http://{base}/login/", timeout=5) as r:
            return r.headers["Set-Cookie"].split(";")[0]
    cookie = await asyncio.to_thread(login)
    return await py_websockets(base, "/ws/session/", headers={"Cookie": cookie})


ORIGIN_OK = {"Origin": "https://app.example"}
ORIGIN_BAD = {"Origin": "https://evil.example"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
WRONG_BEARER = {"Authorization": "Bearer dummy-wrong-token"}
GQL = ["graphql-transport-ws"]
INIT = json.dumps({"type": "connection_init", "payload": {"token": TOKEN}})
INIT_BAD = json.dumps({"type": "connection_init", "payload": {"token": "dummy-wrong-token"}})
SUBSCRIBE = json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { ticks }"}})


def _fastapi_cases(full: bool) -> list[Case]:
    cases = [
        Case("accepted", "/ws, no Origin", ws("/ws"), 101),
        Case("no-route", "a path with no WebSocket route", ws("/nope"), 403),
        Case("missing-header", "Header() dependency not satisfied (X-Api-Key absent)", ws("/ws/key"), 403,
             good="key-accepted" if full else "accepted"),
        Case("origin-refused", "hand-written Origin allow-list, close() before accept",
             ws("/ws/origin", headers=ORIGIN_BAD), 403, good="origin-accepted" if full else "accepted"),
        Case("exception", "the endpoint raises before accept", ws("/ws/boom"), 500),
        Case("auth-message-refused", "accept, then close 4401: first message lacks the token",
             ws("/ws/auth-message", send=(json.dumps({"type": "auth"}),)), 101, close=4401,
             good="auth-message-accepted" if full else "accepted"),
    ]
    if full:
        cases[1:1] = [Case("accepted-aiohttp", "/ws from aiohttp's client", aio("/ws"), 101)]
        cases += [
            Case("key-accepted", "X-Api-Key right", ws("/ws/key", headers={"X-Api-Key": KEY}), 101),
            Case("wrong-key", "X-Api-Key wrong: close(1008) before accept",
                 ws("/ws/key", headers={"X-Api-Key": "dummy-wrong-key"}), 403, good="key-accepted"),
            Case("bad-query", "Query(int) given 'abc'", ws("/ws/typed?n=abc"), 403),
            Case("origin-accepted", "Origin in the allow-list", ws("/ws/origin", headers=ORIGIN_OK), 101),
            Case("trusted-host", "TrustedHostMiddleware refuses the Host", ws("/trusted/ws"), 400),
            Case("auth-message-accepted", "first message carries the token",
                 ws("/ws/auth-message", send=(json.dumps({"type": "auth", "token": TOKEN}),)), 101),
        ]
    return cases


RESPONDERS: list[Responder] = [
    Responder("uvicorn", "FastAPI 0.1xx on uvicorn (default websockets-sansio protocol)",
              ("fastapi", "uvicorn"), _uvicorn("asgi_fastapi:app"), _fastapi_cases(full=True)),
    Responder("uvicorn-wsproto", "the same app on uvicorn --ws wsproto", ("fastapi", "uvicorn", "wsproto"),
              _uvicorn("asgi_fastapi:app", "--ws", "wsproto"), [
                  Case("accepted", "/ws", ws("/ws"), 101),
                  Case("no-route", "a path with no WebSocket route", ws("/nope"), 403),
                  Case("origin-refused", "close() before accept", ws("/ws/origin", headers=ORIGIN_BAD), 403),
                  Case("exception", "the endpoint raises before accept", ws("/ws/boom"), 500),
              ]),
    Responder("hypercorn", "the same FastAPI app on hypercorn", ("fastapi", "hypercorn"), _hypercorn,
              _fastapi_cases(full=False)),
    Responder("daphne", "Django Channels on daphne", ("channels", "daphne", "django"), _daphne, [
        Case("accepted", "/ws/open/", ws("/ws/open/"), 101),
        Case("no-route", "URLRouter finds no route (ValueError inside the app)", ws("/nope/"), 500),
        Case("origin-accepted", "OriginValidator, Origin allowed", ws("/ws/origin/", headers=ORIGIN_OK), 101),
        Case("origin-refused", "OriginValidator, foreign Origin", ws("/ws/origin/", headers=ORIGIN_BAD), 403,
             good="origin-accepted"),
        Case("origin-missing", "OriginValidator, no Origin at all", ws("/ws/origin/"), 403, good="origin-accepted"),
        Case("hosts-accepted", "AllowedHostsOriginValidator, Origin host in ALLOWED_HOSTS",
             ws("/ws/hosts/", headers={"Origin": "http://127.0.0.1:3000"}), 101),
        Case("hosts-refused", "AllowedHostsOriginValidator, Origin host not in ALLOWED_HOSTS",
             ws("/ws/hosts/", headers=ORIGIN_BAD), 403, good="hosts-accepted"),
        Case("session-accepted", "session cookie from /login/", _daphne_session, 101),
        Case("session-refused", "no session: the consumer close()s before accept", ws("/ws/session/"), 403,
             good="session-accepted"),
        Case("close-after-accept", "accept(), then close(code=4003)", ws("/ws/late/"), 101, close=4003),
    ]),
    Responder("websockets", "the websockets library's asyncio server (17.x)", ("websockets",),
              _script("websockets_app.py", 2), [
        Case("accepted", "/ws, no Origin (None is in origins=)", ws("/ws"), 101),
        Case("no-route", "process_request answers 404", ws("/nope"), 404),
        Case("auth-missing", "process_request: no Authorization, 401 + WWW-Authenticate", ws("/auth"), 401, good="auth-accepted"),
        Case("auth-wrong", "process_request: wrong bearer token, 403", ws("/auth", headers=WRONG_BEARER), 403,
             good="auth-accepted"),
        Case("auth-accepted", "right bearer token", ws("/auth", headers=BEARER), 101),
        Case("origin-refused", "origins= does not list the Origin", ws("/ws", headers=ORIGIN_BAD), 403,
             good="origin-accepted"),
        Case("origin-accepted", "origins= lists the Origin", ws("/ws", headers=ORIGIN_OK), 101),
        Case("subprotocol-accepted", "subprotocols=['chat.v1'], offered", ws("/ws", subprotocols=["chat.v1"]), 101,
             upstream=1),
        Case("subprotocol-missing", "subprotocols=['chat.v1'], none offered", ws("/ws"), 400, upstream=1,
             good="subprotocol-accepted"),
        Case("subprotocol-wrong", "subprotocols=['chat.v1'], another offered",
             ws("/ws", subprotocols=["chat.v2"]), 400, upstream=1, good="subprotocol-accepted"),
    ]),
    Responder("aiohttp", "aiohttp.web (3.x)", ("aiohttp",), _script("aiohttp_app.py"), [
        Case("accepted", "/ws", ws("/ws"), 101),
        Case("accepted-aiohttp", "/ws from aiohttp's client", aio("/ws"), 101),
        Case("no-route", "no route: aiohttp's 404", ws("/nope"), 404),
        Case("auth-missing", "raise HTTPUnauthorized before prepare()", ws("/auth"), 401, good="auth-accepted"),
        Case("auth-wrong", "raise HTTPForbidden before prepare()", ws("/auth", headers=WRONG_BEARER), 403,
             good="auth-accepted"),
        Case("auth-accepted", "right bearer token", ws("/auth", headers=BEARER), 101),
        Case("close-after-accept", "prepare(), then close(code=4003)", ws("/late"), 101, close=4003),
    ]),
    Responder("tornado", "tornado.websocket (6.x)", ("tornado",), _script("tornado_app.py"), [
        Case("accepted", "/ws, no Origin", ws("/ws"), 101),
        Case("same-origin", "Origin matches Host: default check_origin passes", same_origin("/ws"), 101),
        Case("cross-origin", "Origin is another host: default check_origin refuses",
             ws("/ws", headers=ORIGIN_BAD), 403, good="same-origin"),
        Case("no-route", "no handler: tornado's 404 page", ws("/nope"), 404),
        Case("auth-missing", "HTTPError(401) raised in prepare()", ws("/auth"), 401, good="auth-accepted"),
        Case("auth-accepted", "right bearer token", ws("/auth", headers=BEARER), 101),
        Case("close-after-accept", "open(), then close(4003)", ws("/late"), 101, close=4003),
    ]),
    Responder("flask-sock", "Flask + Flask-Sock on werkzeug's development server", ("flask", "flask_sock"),
              _script("flask_sock_app.py"), [
        Case("accepted", "/ws", ws("/ws"), 101),
        Case("no-route", "no route: werkzeug's 404 page", ws("/nope"), 404),
        Case("auth-refused", "the route checks a token after the 101: ws.close(1008)", ws("/auth"), 101,
             close=1008),
        Case("guarded-refused", "before_request abort(403): before the handshake", ws("/guarded"), 403,
             good="guarded-accepted"),
        Case("guarded-accepted", "before_request passes", ws("/guarded", headers={"X-Token": TOKEN}), 101),
        Case("exception", "the route raises after the 101", ws("/raise"), 101),
    ]),
    Responder("socketio", "python-socketio / python-engineio ASGIApp on uvicorn",
              ("socketio", "engineio", "uvicorn"), _uvicorn("socketio_app:app"), [
        Case("accepted", "python-socketio client, websocket transport, auth token",
             lambda b: py_socketio(b, auth={"token": TOKEN}), 101),
        Case("connect-refused", "no auth: connect handler raises ConnectionRefusedError (CONNECT_ERROR after 101)",
             lambda b: py_socketio(b, auth=None), 101),
        Case("raw-accepted", "websockets client speaking Engine.IO 4 / Socket.IO 5 by hand",
             ws("/socket.io/?EIO=4&transport=websocket", send=("40" + json.dumps({"token": TOKEN}),)), 101),
        Case("raw-connect-refused", "the same, CONNECT without auth",
             ws("/socket.io/?EIO=4&transport=websocket", send=("40",)), 101, good="raw-accepted"),
        Case("missing-eio", "no EIO query parameter", ws("/socket.io/?transport=websocket"), 403,
             good="raw-accepted"),
        Case("eio3", "EIO=3 (an old client)", ws("/socket.io/?EIO=3&transport=websocket"), 403,
             good="raw-accepted"),
        Case("missing-transport", "no transport= (polling assumed): accepted, then dropped without a close frame",
             ws("/socket.io/?EIO=4"), 101, close=1006, good="raw-accepted"),
        Case("origin-refused", "Origin not in cors_allowed_origins",
             ws("/socket.io/?EIO=4&transport=websocket", headers=ORIGIN_BAD), 403, good="raw-accepted"),
        Case("no-route", "a path outside /socket.io/", ws("/nope"), 500, good="raw-accepted"),
    ]),
    Responder("node-ws", "Node ws 8.x servers (an http server's 'upgrade', and {port, path})", ("exe:node",),
              _node_server("ws", "ws-path"), [
        Case("accepted", "/ws from the Node ws client", nws("/ws"), 101),
        Case("accepted-python", "/ws from Python's websockets", ws("/ws"), 101),
        Case("verify-missing", "verifyClient cb(false, 401, ..., {WWW-Authenticate})", nws("/verify"), 401,
             good="verify-accepted"),
        Case("verify-wrong", "verifyClient cb(false, 403)", nws("/verify", headers=WRONG_BEARER), 403,
             good="verify-accepted"),
        Case("verify-accepted", "verifyClient passes", nws("/verify", headers=BEARER), 101),
        Case("manual-refused", "'upgrade' handler writes a bare 'HTTP/1.1 401' and destroys", nws("/manual"), 401,
             good="manual-accepted"),
        Case("manual-accepted", "the same handler, right bearer token", nws("/manual", headers=BEARER), 101),
        Case("unknown-path", "'upgrade' handler destroys the socket: no answer at all", nws("/nope"), None),
        Case("close-after-accept", "close(4003) right after the open", nws("/late"), 101, close=4003),
        Case("path-accepted", "WebSocketServer({path: '/ws'})", nws("/ws"), 101, upstream=1),
        Case("path-mismatch", "WebSocketServer({path: '/ws'}), another path: abortHandshake 400", nws("/other"),
             400, upstream=1, good="path-accepted"),
    ]),
    Responder("graphql-ws", "graphql-ws 6.x useServer on Node ws", ("exe:node",), _node_server("graphql"), [
        Case("accepted", "createClient, connectionParams.token right", gql("/graphql", TOKEN), 101, close=1000),
        Case("raw-accepted", "ws client: connection_init with the token, then subscribe",
             nws("/graphql", protocols=GQL, send=(INIT,), then=(SUBSCRIBE,), wait_ms=800), 101),
        Case("forbidden", "createClient, wrong token: onConnect returns false", gql("/graphql", "dummy-wrong-token"),
             101, close=4403),
        Case("no-params", "createClient without connectionParams", gql("/graphql", None), 101, close=4403),
        Case("no-subprotocol", "ws client offering no subprotocol", nws("/graphql", send=(INIT,)), 101, close=4406, good="raw-accepted"),
        Case("init-timeout", "no connection_init within connectionInitWaitTimeout (500 ms)",
             nws("/graphql", protocols=GQL, wait_ms=1000), 101, close=4408, good="raw-accepted"),
        Case("subscribe-before-init", "subscribe before connection_ack", nws("/graphql", protocols=GQL,
             send=(SUBSCRIBE,)), 101, close=4401, good="raw-accepted"),
        Case("bad-message", "a first message that is not JSON", nws("/graphql", protocols=GQL, send=("hello",)),
             101, close=4400, good="raw-accepted"),
        Case("too-many-init", "connection_init twice", nws("/graphql", protocols=GQL, send=(INIT, INIT)),
             101, close=4429, good="raw-accepted"),
        Case("duplicate-subscriber", "two subscribes with the same id", nws("/graphql", protocols=GQL,
             send=(INIT,), then=(SUBSCRIBE, SUBSCRIBE)), 101, close=4409, good="raw-accepted"),
    ]),
    Responder("strawberry", "strawberry-graphql ASGI app on uvicorn", ("strawberry", "uvicorn"),
              _uvicorn("strawberry_app:app"), [
        Case("accepted", "graphql-ws createClient (Node), token right", gql("/graphql", TOKEN), 101, close=1000),
        Case("raw-accepted", "websockets client: connection_init with the token, then subscribe",
             ws("/graphql", subprotocols=GQL, send=(INIT,), then=(SUBSCRIBE,), wait=0.5), 101),
        Case("forbidden", "createClient, wrong token: ConnectionRejectionError in on_ws_connect",
             gql("/graphql", "dummy-wrong-token"), 101, close=4403),
        Case("no-subprotocol", "no subprotocol offered", ws("/graphql", send=(INIT,)), 101, close=4406, good="raw-accepted"),
        Case("init-timeout", "no connection_init within 0.5 s", ws("/graphql", subprotocols=GQL, wait=1.0), 101,
             close=4408, good="raw-accepted"),
        Case("subscribe-before-init", "subscribe before connection_ack",
             ws("/graphql", subprotocols=GQL, send=(SUBSCRIBE,)), 101, close=4401, good="raw-accepted"),
        Case("bad-init", "connection_init with a wrong token", ws("/graphql", subprotocols=GQL, send=(INIT_BAD,)),
             101, close=4403, good="raw-accepted"),
    ]),
    Responder("nginx", "Debian's nginx as a reverse proxy in front of the FastAPI app on uvicorn",
              ("exe:nginx", "fastapi", "uvicorn"), _nginx, [
        Case("accepted", "/ws proxied with the Upgrade/Connection headers", ws("/ws"), 101),
        Case("upstream-403", "uvicorn's 403 (no route) passed through nginx", ws("/ws/nope"), 403),
        Case("denied", "location with deny all: nginx's own 403 page", ws("/admin/ws"), 403),
        Case("dead-upstream", "proxy_pass to a port where nothing listens: nginx's 502", ws("/dead/ws"), 502),
        Case("upgrade-required", "location with return 426", ws("/legacy/ws"), 426),
        Case("no-upgrade-config", "proxy_pass without the upgrade headers: the app sees plain HTTP",
             ws("/plain/ws"), 404),
    ]),
    Responder("mitmproxy", "mitmproxy itself answering (reverse mode, connection_strategy=lazy)",
              ("mitmproxy",), _nothing, [
        Case("dead-upstream", "reverse mode, nothing listens upstream: the client gets mitmproxy's 502",
             ws("/ws"), None, good=None),
        Case("upstream-502", "a second, plain mitmdump answers 502 for its dead upstream", ws("/ws"), 502,
             upstream=1, good=None),
        Case("regular-dead-target", "regular mode (CONNECT), nothing listens at the target",
             lambda b: py_websockets(f"127.0.0.1:{DEAD_TARGET}", "/ws", proxy=f"http://{b}"), None, upstream=2,
             good=None),
    ]),
]


# --- recording ---------------------------------------------------------------------


def _missing(needs: tuple[str, ...]) -> list[str]:
    out = []
    for need in needs:
        if need.startswith("exe:"):
            if shutil.which(need[4:]) is None and not Path(f"/usr/sbin/{need[4:]}").exists():
                out.append(need[4:])
        elif importlib.util.find_spec(need) is None:
            out.append(need)
    if "exe:node" in needs and not (NODE / "node_modules" / "ws").is_dir():
        out.append("tests/responders/node/node_modules (npm ci)")
    return out


def _wait_new(folder: Path, before: set[str], timeout: float = 3.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        new = sorted(p.name for p in folder.glob("*.json") if p.name not in before)
        if new or time.monotonic() > deadline:
            return new
        time.sleep(0.02)


async def record(responder: Responder, tmp: Path, secrets: Path) -> list[dict[str, object]]:
    """Start one responder, record its cases, write the captures; return their index rows."""
    services, ports = responder.start(tmp)
    mitms: list[tuple[Service, Path]] = []
    rows: list[dict[str, object]] = []
    try:
        for i, port in enumerate(ports):
            folder = tmp / f"rec-{i}"
            mport = free_port()
            argv = mitmdump_command(mport, directory=folder, label=responder.name,
                                    reverse=f"http://127.0.0.1:{port}" if port != REGULAR else None,
                                    options=("wsdiff_observe=5", "keep_host_header=true"))
            mitm = Service(argv, mport, log=tmp / f"mitmdump-{i}.log",
                           env={**os.environ, "WSDIFF_SECRETS": str(secrets)})
            mitm.start()
            mitms.append((mitm, folder))
        assigned: list[tuple[Case, Seen, list[str]]] = []
        for case in responder.cases:
            mitm, folder = mitms[case.upstream]
            folder.mkdir(parents=True, exist_ok=True)
            before = {p.name for p in folder.glob("*.json")}
            seen = await case.client(f"127.0.0.1:{mitm.port}")
            assigned.append((case, seen, _wait_new(folder, before)))
    finally:
        for mitm, _ in mitms:
            mitm.stop()  # SIGINT: the recorder completes open connections and drains its writer
        for s in reversed(services):
            s.stop()
    for case, seen, names in assigned:
        folder = mitms[case.upstream][1]
        rows.append(_save(responder, case, seen, [folder / n for n in names]))
    return rows


def _save(responder: Responder, case: Case, seen: Seen, files: list[Path]) -> dict[str, object]:
    name = f"{responder.name}-{case.name}"
    row: dict[str, object] = {"file": f"{name}.json", "responder": responder.name, "case": case.name,
                              "synthetic": False, "what": case.what, "client": seen.client,
                              "client_saw": seen.summary(),
                              "compare_with": f"{responder.name}-{case.good}.json"
                              if case.good and case.good != case.name else None}
    problems = []
    if len(files) != 1:
        problems.append(f"{len(files)} captures for one attempt")
    if files:
        doc = json.loads(files[0].read_text())
        doc["label"] = name
        (OUT / f"{name}.json").write_bytes(dumps_document(doc))
        status = (doc.get("response") or {}).get("status")
        close = (doc.get("websocket") or {}).get("close_code")
        row["status"] = status
        row["close_code"] = close
        if status != case.expect:
            problems.append(f"status {status}, expected {case.expect}")
        if case.close is not None and close != case.close:
            problems.append(f"close code {close}, expected {case.close}")
        if seen.status is not None and status is not None and seen.status != status:
            problems.append(f"the client saw status {seen.status}, the capture says {status}")
    row["problems"] = problems
    return row



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="responder names to record (default: all)")
    parser.add_argument("--list", action="store_true", help="list responders and cases, record nothing")
    args = parser.parse_args(argv)
    chosen = [r for r in RESPONDERS if not args.only or r.name in args.only]
    if args.list:
        for r in chosen:
            print(f"{r.name}: {r.what}")
            for c in r.cases:
                print(f"  {c.name:24} {c.expect!s:5} {c.what}")
        return 0
    OUT.mkdir(exist_ok=True)
    started = time.monotonic()
    index_path = OUT / "index.json"
    old = json.loads(index_path.read_text()) if index_path.exists() else []
    rows: list[dict[str, object]] = [r for r in old if not r.get("synthetic")
                                     and r.get("responder") not in {c.name for c in chosen}]
    failed = False
    with tempfile.TemporaryDirectory(prefix="wsdiff-responders-") as t:
        tmp = Path(t)
        secrets = tmp / "secrets"  # a throw-away key: the dummy tokens never reach the user's store
        for r in chosen:
            missing = _missing(r.needs)
            if missing:
                print(f"{r.name:16} skipped: missing {', '.join(missing)}")
                continue
            t0 = time.monotonic()
            work = tmp / r.name
            work.mkdir()
            for stale in OUT.glob(f"{r.name}-*.json"):
                stale.unlink()  # no synthetic capture shares a real responder's name
            try:
                got = asyncio.run(record(r, work, secrets))
            except Exception as e:  # one broken responder must not hide the others
                print(f"{r.name:16} FAILED: {type(e).__name__}: {e}")
                failed = True
                continue
            rows += got
            bad = [g for g in got if g["problems"]]
            failed |= bool(bad)
            print(f"{r.name:16} {len(got)} captures in {time.monotonic() - t0:4.1f} s"
                  + "".join(f"\n  {g['case']}: {'; '.join(g['problems'])}" for g in bad))  # type: ignore[arg-type]
    rows = sorted(rows, key=lambda r: str(r["file"])) + [r for r in old if r.get("synthetic")]
    index_path.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"{len(rows)} captures listed in {index_path.relative_to(HERE.parent.parent)}"
          f" ({time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
