"""Who answered a handshake: the application, a proxy or CDN in front of it, or nobody (pure).

A hint about a framework's behaviour is only worth giving when that framework
is the one that answered, so :func:`identify` reads the evidence a capture
holds and says who, how sure, and from what:

- the ``Server`` header, but only as far as it goes: a proxy in front
  (nginx, Cloudflare, envoy, the Fly proxy) stamps its own name on the
  application's answers, so ``Server`` names the last hop, not the party that
  refused (docs/responders.md, "two rules");
- the shape of an answer that has no name on it: uvicorn's refusal is the
  exact header set ``Date, Connection: close, Content-Length: 0,
  Content-Type: text/plain; charset=utf-8``; daphne's is ``403 Access
  denied`` with no header at all; Node ws's starts ``Connection: close,
  Content-Type: text/html``; a missing Server header alone says nothing;
- a proxy's own page (nginx's ``<hr><center>nginx``, Cloudflare's
  ``Cloudflare Ray ID``, CloudFront's "The request could not be satisfied",
  API Gateway's ``x-amzn-ErrorType``) versus the application's body with the
  proxy's headers on it (relayed);
- the protocol spoken on top of the server: engine.io (``/socket.io/``,
  ``EIO=``, its OPEN packet) and graphql-ws (``graphql-transport-ws``, its
  44xx close reasons).

Each rule cites what the framework's source writes; docs/responders.md has
the captures they were read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from .headers import subprotocols
from .model import Capture, Response, header_values

__all__ = ["Responder", "identify", "responder", "NAMES", "PROXIES", "Sure"]

Sure = Literal["certain", "likely", "guess"]
"""How sure: ``certain`` (the party names itself: its Server header, its own
page), ``likely`` (a shape only that party is known to give), ``guess`` (a
weak sign, e.g. an answer with nothing on it but the absence of headers).
Hints that tell a framework's story need ``certain`` or ``likely``."""

NAMES: dict[str, str] = {
    "uvicorn": "uvicorn",
    "hypercorn": "hypercorn",
    "daphne": "daphne (Django Channels)",
    "websockets": "the websockets server",
    "aiohttp": "aiohttp",
    "tornado": "tornado",
    "werkzeug": "werkzeug (Flask)",
    "flask-sock": "Flask-Sock",
    "node-ws": "Node ws",
    "starlette": "Starlette/FastAPI",
    "engine.io": "engine.io (Socket.IO)",
    "graphql-ws": "graphql-ws",
    "nginx": "nginx",
    "cloudflare": "Cloudflare",
    "cloudfront": "Amazon CloudFront",
    "aws-apigw": "AWS API Gateway",
    "aws-alb": "AWS ALB",
    "fly": "the Fly.io proxy",
    "envoy": "envoy",
    "fastly": "Fastly",
    "mitmproxy": "mitmproxy",
    "unknown": "unknown",
    "nobody": "nobody",
}
"""Every responder id, with the name shown to a person."""

PROXIES: tuple[str, ...] = ("cloudflare", "fastly", "cloudfront", "aws-apigw", "aws-alb", "fly", "envoy", "nginx")
"""The proxies and CDNs recognised in front of an application, outermost first as usually deployed."""


@dataclass(frozen=True)
class Responder:
    """Who answered a handshake, how sure that is, and the evidence read.

    ``who`` is the party whose behaviour decided the answer: the application
    protocol when one is recognised (``engine.io`` on uvicorn), else the
    server, or the proxy that wrote the answer itself. ``server`` is the
    server under an application protocol, when known. ``front`` lists the
    proxies that relayed the answer and left their traces on it (their
    Server, Via or vendor headers); ``who`` is not among them.
    """

    who: str
    sure: Sure
    evidence: tuple[str, ...] = ()
    server: str | None = None
    front: tuple[str, ...] = ()
    server_header: str | None = None

    def _get_name(self) -> str:
        """The name shown to a person (``Node ws``, ``daphne (Django Channels)``)."""
        return NAMES.get(self.who, self.who)

    name = property(_get_name)

    def _get_is_proxy(self) -> bool:
        """Tell whether a proxy or CDN wrote the answer itself (the application never saw the request)."""
        return self.who in PROXIES or self.who == "mitmproxy"

    is_proxy = property(_get_is_proxy)

    def named(self) -> bool:
        """Tell whether the evidence is strong enough for a hint that tells this responder's story."""
        return self.sure != "guess" and self.who not in ("unknown", "nobody")

    def __str__(self) -> str:
        """The short form compare shows (its JSON ``responder`` key): who, on what, behind what."""
        if self.who == "nobody":
            return f"nobody ({self.evidence[0]})" if self.evidence else "nobody"
        if self.who == "unknown":
            text = f"unknown (Server: {self.server_header})" if self.server_header else "the application"
        else:
            text = self.name
            if self.server and self.server != self.who:
                text += f" on {NAMES.get(self.server, self.server)}"
            if self.is_proxy:
                text += " (its own answer)"
            if self.sure == "guess":
                text += " (a guess)"
        if self.front:
            text += " behind " + ", ".join(NAMES.get(p, p) for p in self.front)
        return text

    def to_json(self) -> dict[str, Any]:
        """Return the structured form (compare's JSON ``responder_detail``)."""
        return {"who": self.who, "name": self.name, "sure": self.sure, "server": self.server,
                "front": list(self.front), "evidence": list(self.evidence)}


# --- what the headers say ---------------------------------------------------------

# Server header products, matched on the lower-cased value.
_SERVERS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), who) for p, who in (
    (r"^uvicorn\b", "uvicorn"),
    (r"^hypercorn", "hypercorn"),
    (r"^daphne\b", "daphne"),
    (r"\bwebsockets/", "websockets"),
    (r"\baiohttp/", "aiohttp"),
    (r"^tornadoserver\b", "tornado"),
    (r"^werkzeug/", "werkzeug"),
    (r"^mitmproxy\b", "mitmproxy"),
    (r"^nginx\b", "nginx"),
    (r"^cloudflare\b", "cloudflare"),
    (r"^cloudfront\b", "cloudfront"),
    (r"^awselb/", "aws-alb"),
    (r"^fly/", "fly"),
    (r"^(istio-)?envoy\b", "envoy"),
))

# envoy's local replies (source/common/http/..., the RBAC and router filters).
_ENVOY_OWN = (b"RBAC: access denied", b"upstream connect error", b"no healthy upstream",
              b"upstream request timeout", b"upstream reset")

# graphql-ws close reasons with their codes (graphql-ws server.ts makeServer; strawberry the same).
_GRAPHQL_REASONS = {
    4400: ("Invalid message received", "Invalid connection init payload", "Unknown message type",
           "Failed to parse message"),
    4401: ("Unauthorized",), 4403: ("Forbidden",), 4406: ("Subprotocol not acceptable",),
    4408: ("Connection initialisation timeout",), 4409: ("Subscriber for",),
    4429: ("Too many initialisation requests",),
}
GRAPHQL_SUBPROTOCOLS = frozenset({"graphql-transport-ws", "graphql-ws"})


def _server_product(value: str | None) -> str | None:
    if not value:
        return None
    lvalue = value.strip().lower()
    for pattern, who in _SERVERS:
        if pattern.search(lvalue):
            return who
    return None


Heads = dict[str, str]
"""A response's headers by lower-case name (the first value of each): read once per capture."""


def _heads(resp: Response) -> Heads:
    heads: Heads = {}
    for k, v in resp.headers:
        heads.setdefault(k.lower(), v)
    return heads


def _names(resp: Response) -> list[str]:
    return [k for k, _ in resp.headers]


def _fronts(resp: Response, heads: Heads, server: str | None) -> list[tuple[str, str]]:
    """Return ``(proxy, evidence)`` for each proxy or CDN that left a trace on *resp*, outermost first."""
    via = " ".join(header_values(resp.headers, "Via")).lower() if "via" in heads else ""
    found: dict[str, str] = {}
    if server == "cloudflare" or "cf-ray" in heads:
        found["cloudflare"] = "Server: cloudflare / CF-RAY"
    if "varnish" in via or "fastly" in via or heads.get("x-served-by", "").lower().startswith("cache-"):
        found["fastly"] = "Via / X-Served-By: cache-..."
    if server == "cloudfront" or "x-amz-cf-id" in heads or ".cloudfront.net" in via:
        found["cloudfront"] = "Server: CloudFront / X-Amz-Cf-Id / Via: ... cloudfront.net"
    if "x-amz-apigw-id" in heads or "x-amzn-errortype" in heads:
        found["aws-apigw"] = "x-amz-apigw-id / x-amzn-ErrorType"
    if server == "aws-alb":
        found["aws-alb"] = "Server: awselb"
    if server == "fly" or "fly-request-id" in heads or "fly.io" in via:
        found["fly"] = "Server: Fly/... / Fly-Request-Id / Via: fly.io"
    if server == "envoy" or any(k.startswith("x-envoy-") for k in heads):
        found["envoy"] = "server: envoy / x-envoy-* headers"
    if server == "nginx":
        found["nginx"] = "Server: nginx"
    return [(p, found[p]) for p in PROXIES if p in found]


def _own(proxy: str, resp: Response, heads: Heads) -> tuple[Sure, str] | None:
    """Tell whether *proxy* wrote *resp* itself (its own page or local reply), and how sure."""
    body = resp.body
    status = resp.status
    if status == 101:
        return None
    empty = not body and "content-type" not in heads
    if proxy == "nginx":
        if b"<hr><center>nginx" in body:
            return "certain", "nginx's own error page (<hr><center>nginx)"
        if empty:
            return "guess", "an empty answer with no Content-Type (nginx's `return` for a status it has no page for)"
    elif proxy == "cloudflare":
        if b"Cloudflare Ray ID" in body or b"| Cloudflare</title>" in body or b"used Cloudflare to restrict" in body:
            return "certain", "Cloudflare's own page (Cloudflare Ray ID)"
        if 520 <= status <= 530:
            return "certain", f"status {status}: Cloudflare's own code for an origin it cannot reach"
    elif proxy == "cloudfront":
        if b"Generated by cloudfront" in body or b"The request could not be satisfied" in body:
            return "certain", "CloudFront's own page (The request could not be satisfied)"
    elif proxy == "aws-apigw":
        if "x-amzn-errortype" in heads:
            return "certain", f"x-amzn-ErrorType: {heads['x-amzn-errortype']}"
    elif proxy == "aws-alb":
        # The ALB writes Server: awselb only on its own answers; a target's Server passes through.
        return "certain", "Server: awselb on the load balancer's own page"
    elif proxy == "fly":
        if status >= 500 and empty:
            return "likely", f"an empty {status} with only the Fly proxy's headers"
    elif proxy == "envoy":
        if any(body.startswith(t) for t in _ENVOY_OWN):
            return "certain", f"envoy's local reply ({body[:40].decode('latin-1')!r})"
        if not body and "x-envoy-upstream-service-time" not in heads:
            # An upstream's answer through envoy carries x-envoy-upstream-service-time; a local reply does not.
            return "likely", "an empty answer without x-envoy-upstream-service-time (envoy's local reply)"
    return None


# --- the application, from its answer ------------------------------------------------

_UVICORN_SET = ["Date", "Connection", "Content-Length", "Content-Type"]
_TEXT_PLAIN = "text/plain; charset=utf-8"
_NOT_WEBSOCKET = (b'Can "Upgrade" only to "WebSocket"', b"You cannot access a WebSocket server directly")


def _application(capture: Capture, resp: Response, heads: Heads, relayed: bool) -> tuple[str, Sure, str] | None:
    """Name the application server from its answer's shape when no Server header names it."""
    names = _names(resp)
    body = resp.body
    ctype = heads.get("content-type")
    status = resp.status
    if status == 101:
        return _upgraded(resp, heads)
    # daphne: autobahn's failHandshake writes the status line and nothing else (daphne/ws_protocol.py).
    if not names and resp.reason in ("Access denied", "Internal server error"):
        return "daphne", "likely", f"'{status} {resp.reason}' with no header at all (daphne's serverReject)"
    # uvicorn (websockets-sansio): conn.reject(status, body) gives exactly these, in this order and case.
    if (names == _UVICORN_SET and heads["connection"] == "close" and ctype == _TEXT_PLAIN
            and (status, resp.reason, body) in ((403, "Forbidden", b""),
                                               (500, "Internal Server Error", b"Internal Server Error"))):
        return "uvicorn", "likely", ("Date, Connection: close, Content-Length, Content-Type: text/plain; "
                                     "charset=utf-8 and nothing else (uvicorn's reject)")
    # uvicorn --ws wsproto: RejectConnection(status_code=403, headers=[]).
    if status == 403 and resp.reason == "" and names == ["content-length"] and not body:
        return "uvicorn", "likely", "'403 ' with only content-length: 0 (uvicorn --ws wsproto's reject)"
    if (status == 500 and resp.reason == "" and body == b"Internal Server Error"
            and [n.lower() for n in names] == ["content-type", "connection", "content-length"] and names[0].islower()):
        return "uvicorn", "likely", "'500 ' with lowercase content-type, connection, content-length (uvicorn wsproto)"
    if status == 400 and body == b"Invalid host header":
        return "starlette", "likely", "400 'Invalid host header' (Starlette's TrustedHostMiddleware)"
    if status == 404 and body == b'{"detail":"Not Found"}':
        return "starlette", "likely", "404 {\"detail\":\"Not Found\"}: FastAPI's answer to a plain HTTP request"
    # Behind a proxy the order is lost; uvicorn's empty text/plain 403 keeps its Content-Type.
    if relayed and status == 403 and resp.reason == "Forbidden" and ctype == _TEXT_PLAIN and not body:
        return "uvicorn", "likely", "an empty 403 with Content-Type: text/plain; charset=utf-8 (uvicorn's, relayed)"
    # Node ws: abortHandshake writes Connection: close, Content-Type: text/html, Content-Length first.
    if names[:3] == ["Connection", "Content-Type", "Content-Length"] and ctype == "text/html" \
            and heads["connection"] == "close":
        return "node-ws", "likely", ("Connection: close, Content-Type: text/html, Content-Length first "
                                     "(ws's abortHandshake)")
    if body.startswith(b"Failed to open a WebSocket connection"):
        return "websockets", "likely", "'Failed to open a WebSocket connection: ...' (the websockets server)"
    if body == b"Cross origin websockets not allowed":
        return "tornado", "likely", "'Cross origin websockets not allowed' (tornado's check_origin)"
    if ctype == _TEXT_PLAIN and body == f"{status}: {resp.reason}".encode():
        return "aiohttp", "likely", f"body '{status}: {resp.reason}' (aiohttp's HTTPException)"
    if resp.reason.isupper():
        return "werkzeug", "guess", f"an upper-case reason phrase '{resp.reason}' (werkzeug's)"
    return None


def _upgraded(resp: Response, heads: Heads) -> tuple[str, Sure, str] | None:
    """Name the server of a 101 that carries no Server header."""
    names = _names(resp)
    base = ["Upgrade", "Connection", "Sec-WebSocket-Accept"]
    if names[:3] != base or set(names[3:]) - {"Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"}:
        return None
    ext = heads.get("sec-websocket-extensions", "").lower()
    if "client_max_window_bits=15" in ext:
        # wsproto answers a bare client_max_window_bits offer with =15; ws drops it.
        return "flask-sock", "likely", ("a 101 with no Server or Date and permessage-deflate; "
                                        "client_max_window_bits=15 (simple-websocket/wsproto, as under Flask-Sock)")
    return "node-ws", "guess", "a 101 with only Upgrade, Connection, Sec-WebSocket-Accept (Node ws, or wsproto)"


def _protocol(capture: Capture, resp: Response, heads: Heads) -> tuple[str, Sure, str] | None:
    """Name the application protocol spoken on top of the server: engine.io or graphql-ws."""
    path, query = capture.request.path, capture.request.query or ""
    eio = "EIO=" in query and re.search(r"(^|&)EIO=", query) is not None
    ws = capture.websocket
    opened = ws is not None and any(m.direction == "server" and m.head.startswith(b'0{"sid":') for m in ws.messages)
    if opened:
        return "engine.io", "certain", "the server's first message is engine.io's OPEN packet 0{\"sid\":...}"
    if eio:
        return "engine.io", "likely", "the EIO query parameter" + (" on /socket.io/" if "/socket.io/" in path else "")
    if "/socket.io/" in path:
        # engine.io clients always send transport= (and sid= once connected) on its path.
        if re.search(r"(^|&)(transport|sid)=", query):
            return "engine.io", "likely", "/socket.io/ with engine.io's transport= parameter"
        return "engine.io", "guess", "the path /socket.io/"
    chosen = set(header_values(resp.headers, "Sec-WebSocket-Protocol")) if "sec-websocket-protocol" in heads else set()
    if chosen & GRAPHQL_SUBPROTOCOLS:
        return "graphql-ws", "certain", f"the server chose the subprotocol {sorted(chosen)[0]}"
    if ws is not None and ws.closed_by == "server" and any(
            ws.close_reason.startswith(r) for r in _GRAPHQL_REASONS.get(ws.close_code or 0, ())):
        return "graphql-ws", "likely", f"close {ws.close_code} {ws.close_reason!r} (a graphql-ws close code)"
    if any("graphql" in v for _, v in capture.request.headers) and (
            set(subprotocols(capture.request.headers)) & GRAPHQL_SUBPROTOCOLS):
        return "graphql-ws", "guess", "the client offered a graphql-ws subprotocol"
    return None


def identify(capture: Capture) -> Responder:
    """Say who answered *capture*: the application, a proxy or CDN in front, or nobody; how sure; from what."""
    resp = capture.response
    if resp is None:
        if capture.error is not None:
            return Responder("nobody", "certain", (f"no response: {capture.error.kind}",))
        return Responder("unknown", "guess", ("no response recorded",))
    heads = _heads(resp)
    server_header = heads.get("server")
    product = _server_product(server_header)
    fronts = _fronts(resp, heads, product)
    evidence: list[str] = []
    # A proxy that wrote the answer itself: the application never saw the request.
    for i, (proxy, trace) in enumerate(fronts):
        own = _own(proxy, resp, heads)
        if own is not None and own[0] != "guess":
            outer = tuple(p for p, _ in fronts[:i])
            return Responder(proxy, own[0], (trace, own[1]), front=outer, server_header=server_header)
    front = tuple(p for p, _ in fronts)
    evidence.extend(t for _, t in fronts)
    if product == "mitmproxy":
        return Responder("mitmproxy", "certain", (f"Server: {server_header} (a mitmproxy upstream; the recording "
                                                  "proxy's own failures are recorded as an error)",),
                         front=front, server_header=server_header)
    who: str | None = None
    sure: Sure = "guess"
    if product is not None and product not in PROXIES:
        who, sure = product, "certain"
        evidence.append(f"Server: {server_header}")
    else:
        found = _application(capture, resp, heads, relayed=bool(front))
        if found is not None:
            who, sure, why = found
            evidence.append(why)
    layer = _protocol(capture, resp, heads)
    if layer is not None and (who is None or who not in ("werkzeug",)):
        name, layer_sure, why = layer
        if layer_sure != "guess" or who is None:
            evidence.append(why)
            # A server named only by a guess is left out of the short form; the evidence keeps it.
            server = who if sure != "guess" else None
            return Responder(name, layer_sure, tuple(evidence), server=server, front=front,
                             server_header=server_header)
    if who is None:
        # A proxy's ambiguous answer (nginx's empty 426) is still better than nothing.
        for proxy, _ in fronts:
            own = _own(proxy, resp, heads)
            if own is not None:
                return Responder(proxy, "guess", (*evidence, own[1]), front=tuple(p for p in front if p != proxy),
                                 server_header=server_header)
        if server_header and product is None:
            evidence.append(f"Server: {server_header} (not recognised)")
        if not evidence:
            evidence.append("no Server header, and no shape a known server gives")
        return Responder("unknown", "guess", tuple(evidence), front=front,
                         server_header=server_header if product is None else None)
    return Responder(who, sure, tuple(evidence), front=front, server_header=server_header)


def responder(capture: Capture) -> str:
    """Return the short form of who answered *capture* (see :func:`identify`)."""
    return str(identify(capture))
