"""Known causes of WebSocket handshake rejection, as one table (pure).

Each row has an id, the text to tell the user (naming the mechanism), and
when it applies: a difference name or group, a condition on the two
captures, and **which responders it holds for** (:mod:`wsdiff.responder`).
A row that tells one framework's story lists that framework in
``responders`` and fires only when the evidence names it (``certain`` or
``likely``, never a guess); a row with ``responders=None`` speaks generally
and fires whoever answered, except the responders in ``unless``. A specific
row names in ``replaces`` the general rows it stands in for, so a user reads
the precise story once rather than both.

The responder consulted is the one that answered the refused side of the
comparison (the side with no answer, a refusal before the 101, or a close
code other than 1000/1001 after it; B when both or neither were refused).

Which kinds may carry which hints is declared by each kind in
:data:`wsdiff.kinds.KINDS`. To add a hint, add a row and name its id in the
kinds that may carry it; docs/responders.md says what each server really
does, with the source of each rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from .difference import Difference
from .headers import cookies, parse_query
from .kinds import KINDS
from .messages import closed_after
from .model import Capture, header_values
from .redact import FINGERPRINT_RE
from .responder import GRAPHQL_SUBPROTOCOLS, NAMES, PROXIES, Responder, identify

__all__ = ["Hint", "HINTS", "HINTS_BY_ID", "Situation", "situation", "refusal_rank", "hints_for", "matching"]


Pair = tuple[Capture, Capture]
"""The two captures compared (A, B)."""


def refusal_rank(c: Capture) -> int:
    """Rank how clearly *c* was refused: 3 no answer, 2 refused before the 101, 1 closed with an error code, 0 not."""
    if c.response is None:
        return 3 if c.error is not None else 0
    if c.response.status != 101:
        return 2
    ws = c.websocket
    if ws is not None and ws.close_code not in (None, 1000, 1001):
        return 1
    return 0


@dataclass(frozen=True)
class Situation:
    """What the hints read besides the difference: both captures, who answered each, and which was refused."""

    a: Capture
    b: Capture
    ra: Responder
    rb: Responder
    refused_side: str | None  # "a", "b", or None when neither was refused

    def _get_refused(self) -> Capture:
        """The refused capture (B when neither or both were)."""
        return self.a if self.refused_side == "a" else self.b

    refused = property(_get_refused)

    def _get_kept(self) -> Capture:
        """The other capture: the one that was accepted, usually."""
        return self.b if self.refused_side == "a" else self.a

    kept = property(_get_kept)

    def _get_responder(self) -> Responder:
        """Who answered the refused side."""
        return self.ra if self.refused_side == "a" else self.rb

    responder = property(_get_responder)


def situation(a: Capture, b: Capture) -> Situation:
    """Read who answered each capture and which one was refused (once per comparison)."""
    ka, kb = refusal_rank(a), refusal_rank(b)
    side = None if ka == kb == 0 else ("a" if ka > kb else "b")
    return Situation(a, b, identify(a), identify(b), side)


Say = Callable[[Difference, Situation], str]


@dataclass(frozen=True)
class Hint:
    """One known cause: its text, the differences it explains, and the responders it holds for."""

    id: str
    text: str
    names: frozenset[str] | None = None  # lower-case names; None matches any name
    groups: frozenset[str] | None = None
    when: Callable[[Difference, Pair], bool] | None = None
    responders: frozenset[str] | None = None
    """The responders (ids of :data:`wsdiff.responder.NAMES`) whose behaviour the text describes; None: any."""
    unless: frozenset[str] = frozenset()
    """Responders for which the text does not hold (their own rows say more), whatever the certainty."""
    front: frozenset[str] | None = None
    """Proxies of which one must have relayed the refused answer (the hint is about the relaying)."""
    replaces: frozenset[str] = frozenset()
    """General rows this one stands in for on the same difference."""
    say: Say | None = field(default=None, compare=False)
    """Words for this comparison (quoting a body or a header), when the text alone is not precise."""


# --- conditions -------------------------------------------------------------------


def _refused_capture(pair: Pair) -> Capture:
    """The refused capture of the pair (B when neither or both were), as :class:`Situation` picks it."""
    return pair[0] if refusal_rank(pair[0]) > refusal_rank(pair[1]) else pair[1]


def _status(pair: Pair) -> int | None:
    """The refused side's status."""
    c = _refused_capture(pair)
    return c.response.status if c.response is not None else None


def _refused(d: Difference, pair: Pair) -> bool:
    return refusal_rank(pair[0]) > 0 or refusal_rank(pair[1]) > 0


# The condition factories below run while HINTS is built, at import, where mutmut cannot switch a
# mutant on: each only binds its arguments (not mutated), and the test lives in a plain function
# that runs when a hint is looked up, which mutation testing reaches (docs/mutation.md).
def _refused_with(*codes: int) -> Callable[[Difference, Pair], bool]:
    return functools.partial(_is_refused_with, codes)  # pragma: no mutate


def _is_refused_with(codes: tuple[int, ...], d: Difference, pair: Pair) -> bool:
    return _refused(d, pair) and _status(pair) in codes


def _close_code_in(codes: range | set[int]) -> Callable[[Difference, Pair], bool]:
    return functools.partial(_is_close_code_in, codes)  # pragma: no mutate


def _is_close_code_in(codes: range | set[int], d: Difference, pair: Pair) -> bool:
    return any(isinstance(v, int) and v in codes for v in (d.a, d.b))


def _judged(d: Difference, pair: Pair) -> bool:
    """Tell whether *d* is about the client message the server judged: the one its close followed, else the first.

    Other kinds (the close code, the close right after a message) always are.
    """
    if d.kind not in ("message", "message-field"):
        return True
    after = closed_after(_refused_capture(pair))
    k = after[0] if after is not None else 1
    first, _, last = (d.name or "").split(":")[0].partition("-")
    return first.isdigit() and int(first) <= k <= int(last or first)


def _closed_with(code: int) -> Callable[[Difference, Pair], bool]:
    """Fire when the server closed a capture of the pair with *code*, on the message it judged."""
    return functools.partial(_is_closed_with, code)  # pragma: no mutate


def _is_closed_with(code: int, d: Difference, pair: Pair) -> bool:
    return any(c.websocket is not None and c.websocket.close_code == code for c in pair) and _judged(d, pair)


def _socketio_connect_error(d: Difference, pair: Pair) -> bool:
    """A server message of the pair is a Socket.IO CONNECT_ERROR packet (engine.io message 4, Socket.IO type 4)."""
    return _judged(d, pair) and any(m.direction == "server" and m.head.startswith(b"44")
                                    for c in pair if c.websocket is not None for m in c.websocket.messages)


def _body(pair: Pair) -> bytes:
    c = _refused_capture(pair)
    return c.response.body if c.response is not None else b""


def _body_starts(*prefixes: bytes) -> Callable[[Difference, Pair], bool]:
    return functools.partial(_is_body_starting, prefixes)  # pragma: no mutate


def _is_body_starting(prefixes: tuple[bytes, ...], d: Difference, pair: Pair) -> bool:
    return _refused(d, pair) and any(_body(pair).startswith(p) for p in prefixes)


def _all(*conds: Callable[[Difference, Pair], bool]) -> Callable[[Difference, Pair], bool]:
    return functools.partial(_is_all, conds)  # pragma: no mutate


def _is_all(conds: tuple[Callable[[Difference, Pair], bool], ...], d: Difference, pair: Pair) -> bool:
    return all(c(d, pair) for c in conds)


# Answers that say the application saw a plain HTTP request, not an upgrade.
_PLAIN_HTTP = {
    b'{"detail":"Not Found"}': "FastAPI's 404 {\"detail\":\"Not Found\"} is what it gives a plain HTTP request; "
                               "to an upgrade it has no route for it answers 403",
    b'Can "Upgrade" only to "WebSocket".': "tornado's 400 'Can \"Upgrade\" only to \"WebSocket\".'",
    b"You cannot access a WebSocket server directly": "the websockets server's 426 'You cannot access a "
                                                      "WebSocket server directly with a browser'",
    b"Upgrade Required": "a 426 Upgrade Required",
}


def _plain_http_answer(pair: Pair) -> str | None:
    c = _refused_capture(pair)
    if c.response is None or c.response.status == 101:
        return None
    if "websocket" not in " ".join(header_values(c.request.headers, "Upgrade")).lower():
        return None  # the client itself sent no upgrade: nothing was lost on the way
    for prefix, words in _PLAIN_HTTP.items():
        if c.response.body.startswith(prefix):
            return words
    return None


def _upgrade_lost(d: Difference, pair: Pair) -> bool:
    return _plain_http_answer(pair) is not None


def _has_response_header(name: str) -> Callable[[Difference, Pair], bool]:
    return functools.partial(_is_response_header_there, name)  # pragma: no mutate


def _is_response_header_there(name: str, d: Difference, pair: Pair) -> bool:
    c = _refused_capture(pair)
    return c.response is not None and bool(header_values(c.response.headers, name))


def _not(cond: Callable[[Difference, Pair], bool]) -> Callable[[Difference, Pair], bool]:
    return functools.partial(_is_not, cond)  # pragma: no mutate


def _is_not(cond: Callable[[Difference, Pair], bool], d: Difference, pair: Pair) -> bool:
    return not cond(d, pair)


def _closed_by_server(d: Difference, pair: Pair) -> bool:
    ws = _refused_capture(pair).websocket
    return ws is not None and ws.closed_by == "server" and ws.close_code not in (None, 1000, 1001, 1002, 1006)


# --- words for one comparison ---------------------------------------------------------


def _first_line(body: bytes, limit: int = 120) -> str:
    line = body.decode("utf-8", "replace").strip().splitlines()[0] if body.strip() else ""
    return line if len(line) <= limit else line[:limit] + "..."


def _challenge(s: Situation) -> str:
    """Quote the WWW-Authenticate challenge of the refused answer, when it was kept (it holds no secret)."""
    resp = s.refused.response
    values = [v for v in header_values(resp.headers, "WWW-Authenticate") if not FINGERPRINT_RE.search(v)] \
        if resp is not None else []
    return f" It asks for: WWW-Authenticate: {values[0]}." if values else ""


def _say_401(d: Difference, s: Situation) -> str:
    return HINTS_BY_ID["status-401"].text + _challenge(s)


def _say_websockets(d: Difference, s: Situation) -> str:
    resp = s.refused.response
    line = _first_line(resp.body) if resp is not None else ""
    if line.startswith("Failed to open a WebSocket connection"):
        # The library's own words (websockets/server.py, ServerProtocol.reject): quoted. An application's
        # body is not: it is the application's to word, and could echo what the client sent.
        return (f"The websockets server says why: {line!r}. That is its own handshake check "
                "(ServerProtocol.accept: origins=, subprotocols=, the Upgrade and key headers).")
    return ("The websockets server answered before the handshake from the application's process_request (its own "
            "check, not the library's): its body says why.")


def _say_aiohttp(d: Difference, s: Situation) -> str:
    status = _status((s.a, s.b))
    if status in (401, 403):
        return (f"aiohttp has no Origin or auth check of its own: this {status} is the application's handler "
                "raising HTTPUnauthorized/HTTPForbidden before ws.prepare(); look at what it reads "
                "(Authorization, a cookie, a query parameter).")
    if status == 400:
        return ("aiohttp's handshake check refused the request (web_ws.py _handshake: Upgrade and Connection "
                "headers, Sec-WebSocket-Version, the key).")
    return f"aiohttp's handler answered {status} before ws.prepare(): the application's own code."


def _say_tornado(d: Difference, s: Situation) -> str:
    status = _status((s.a, s.b))
    resp = s.refused.response
    if resp is not None and resp.body.startswith(b"Cross origin websockets not allowed"):
        return ("tornado's check_origin refused the Origin (403 'Cross origin websockets not allowed'): by default "
                "only an Origin whose host is the request's Host passes.")
    if status == 400:
        return "tornado refuses an upgrade without Upgrade: websocket and Connection: Upgrade (400)."
    return (f"tornado answered {status} before the upgrade: the handler's prepare() or get() raised "
            f"HTTPError({status}), the application's own check.")


def _say_node_ws(d: Difference, s: Situation) -> str:
    status = _status((s.a, s.b))
    if status == 400:
        return ("Node ws answers 400 when the server's `path` option does not match this path (shouldHandle), "
                "or when the Upgrade, Sec-WebSocket-Key, -Version, -Protocol or -Extensions header is invalid.")
    if status == 401:
        return "Node ws: verifyClient refused the upgrade (401 is its default code)."
    return f"Node ws: verifyClient refused the upgrade with {status} (the code the application chose)."


def _say_nginx(d: Difference, s: Situation) -> str:
    status = _status((s.a, s.b))
    if status in (502, 504):
        return (f"nginx could not reach its upstream ({status} page from nginx itself): the application behind "
                "proxy_pass is down or on another port. This is not the recording proxy.")
    if status in (429, 503):
        return "nginx refused itself (its own page): limit_req or limit_conn, or no upstream; the app never saw it."
    return (f"nginx refused itself (its own {status} page): a deny/allow rule, auth_request or a return in the "
            "location; the application never saw the request.")


def _say_relayed(d: Difference, s: Situation) -> str:
    proxies = " and ".join(NAMES[p] for p in s.responder.front)
    who = s.responder
    app = f"{who.name}'s" if who.named() else "the application's"
    return (f"The proxy in front ({proxies}) only relayed this answer (its headers, {app} answer): the application "
            "behind it refused.")


def _say_upgrade_lost(d: Difference, s: Situation) -> str:
    words = _plain_http_answer((s.a, s.b)) or "an answer to plain HTTP"
    text = (f"The application answered as to a plain HTTP request: {words}. The client sent Upgrade: websocket, "
            "so something between them did not pass the upgrade on.")
    if "nginx" in s.responder.front:
        text += (" nginx passes it only with proxy_http_version 1.1 and proxy_set_header Upgrade $http_upgrade and "
                 "Connection \"upgrade\" in this location.")
    return text


def _say_apigw(d: Difference, s: Situation) -> str:
    resp = s.refused.response
    kind = resp.header("x-amzn-ErrorType") if resp is not None else None
    return HINTS_BY_ID["aws-apigw"].text + (f" Here: x-amzn-ErrorType: {kind}." if kind else "")


def _say_alb(d: Difference, s: Situation) -> str:
    status = _status((s.a, s.b))
    if status == 502:
        return "The AWS load balancer's own 502: its target closed the connection or sent an invalid answer."
    if status == 503:
        return "The AWS load balancer's own 503: no healthy target is registered for this listener rule."
    if status == 504:
        return "The AWS load balancer's own 504: its target did not answer in time."
    return (f"The AWS load balancer refused itself ({status}, Server: awselb): AWS WAF on it, or a listener rule "
            "with a fixed response; the application never saw the request.")


# --- credentials that moved --------------------------------------------------------------


def _places(c: Capture) -> list[tuple[str, str]]:
    """Return ``(place, fingerprint)`` for every fingerprinted secret in *c*'s request and client messages."""
    out: list[tuple[str, str]] = []
    for name, value in parse_query(c.request.query):
        out.extend((f"?{name}=", fp) for fp in FINGERPRINT_RE.findall(value or ""))
    for name, value in cookies(c.request.headers):
        out.extend((f"the cookie {name}", fp) for fp in FINGERPRINT_RE.findall(value))
    for name, value in c.request.headers:
        if name.lower() != "cookie":
            out.extend((f"the {name} header", fp) for fp in FINGERPRINT_RE.findall(value))
    for m in c.websocket.messages if c.websocket is not None else ():
        if m.direction == "client":
            out.extend(("a message after the 101", fp) for fp in FINGERPRINT_RE.findall(m.head.decode("latin-1")))
    return out


def _place_of(d: Difference) -> str:
    if d.kind == "query-param":
        return f"?{d.name}="
    if d.kind == "cookie":
        return f"the cookie {d.name}"
    return f"the {d.name} header"


def _moved(d: Difference, pair: Pair) -> tuple[str, str] | None:
    """Find where the refused side sends the secret the accepted side sends at this difference's place.

    Returns ``(read, sent)``: the place the accepted client uses (the server reads it there) and the place
    the refused client uses instead, whether *d* is the one place or the other.
    """
    ka, kb = refusal_rank(pair[0]), refusal_rank(pair[1])
    if min(ka, kb) > 0 or ka == kb:
        return None  # only a refusal against an acceptance says where the server reads
    here = _place_of(d)
    kept_value, refused_value = (d.a, d.b) if kb > ka else (d.b, d.a)
    kept, refused = (_places(pair[0]), _places(pair[1])) if kb > ka else (_places(pair[1]), _places(pair[0]))
    if kept_value is not None:
        fps = set(FINGERPRINT_RE.findall(str(kept_value)))
        for place, fp in refused:
            if fp in fps and place != here:
                return here, place
    if refused_value is not None:
        fps = set(FINGERPRINT_RE.findall(str(refused_value)))
        for place, fp in kept:
            if fp in fps and place != here:
                return place, here
    return None


def _credential_moved(d: Difference, pair: Pair) -> bool:
    return _moved(d, pair) is not None


def _say_moved(d: Difference, s: Situation) -> str:
    read, sent = _moved(d, (s.a, s.b)) or ("", "")
    return (f"The same secret is sent as {sent} but the server reads {read} (the working client sends it "
            f"there, and the server refused without it): send it in {read}, or make the server accept {sent}.")


# --- the table ------------------------------------------------------------------------

_ASGI = frozenset({"uvicorn", "hypercorn"})
_ORIGIN_HINTS = frozenset({"origin"})
_CREDENTIAL_HINTS = frozenset({"credentials"})


def _r(*ids: str) -> frozenset[str]:
    return frozenset(ids)  # pragma: no mutate (runs only at import, building HINTS)


HINTS: tuple[Hint, ...] = (
    # --- the path
    Hint("path-403",
         "Under uvicorn or hypercorn, a Starlette/FastAPI app answers an upgrade to a path that matches no WebSocket "
         "route by closing before accept(), which the server sends as a bare 403, not a 404: check prefixes, mount "
         "points and trailing slashes.",
         when=_refused_with(403), responders=_ASGI),
    Hint("path-404",
         "A 404: nothing on this server routes this path (no handler ran at all): check prefixes, mount points "
         "and trailing slashes.",
         when=_refused_with(404), unless=_r("starlette")),
    # --- Origin
    Hint("origin",
         "Browsers always send Origin and scripts usually do not. A server that checks Origin (an allow-list "
         "against cross-site WebSocket hijacking) refuses before the handshake: add this origin to its allow-list, "
         "or connect from an allowed one.",
         names=frozenset({"origin"}), when=_refused),
    Hint("origin-starlette",
         "Browsers always send Origin and scripts usually do not. Starlette and FastAPI have no Origin check of "
         "their own, and CORSMiddleware does not apply to WebSocket connections, so CORS settings can neither cause "
         "nor cure a WebSocket 403: the check is the application's own code (a dependency, or close() before "
         "accept()), which uvicorn and hypercorn answer with a bare 403. Fix that allow-list.",
         names=frozenset({"origin"}), when=_refused, responders=_ASGI, replaces=_ORIGIN_HINTS),
    Hint("origin-channels",
         "Django Channels' OriginValidator and AllowedHostsOriginValidator refuse before accept(), which daphne "
         "answers with '403 Access denied': the Origin's host (and port, when the pattern has a scheme) must match "
         "allowed_origins or ALLOWED_HOSTS ('.example.com' covers subdomains), and a request with no Origin at all "
         "is refused too unless '*' is allowed.",
         names=frozenset({"origin"}), when=_refused, responders=_r("daphne"), replaces=_ORIGIN_HINTS),
    Hint("origin-websockets",
         "The websockets server checks origins= before the handshake: an Origin not in the list gets 403 'invalid "
         "Origin header', and a client with no Origin gets 'missing Origin header' unless None is in origins=. "
         "Add this Origin (a string or a compiled regex) to origins=.",
         names=frozenset({"origin"}), when=_refused, responders=_r("websockets"), replaces=_ORIGIN_HINTS),
    Hint("origin-tornado",
         "tornado's default check_origin accepts only an Origin whose host is the request's Host (same origin) and "
         "refuses any other with 403 'Cross origin websockets not allowed'; a client that sends no Origin is not "
         "checked. Override check_origin to allow this origin, or connect from the same origin (a proxy that "
         "rewrites Host breaks it).",
         names=frozenset({"origin"}), when=_refused, responders=_r("tornado"), replaces=_ORIGIN_HINTS),
    Hint("origin-engineio",
         "engine.io allows only the same origin by default and refuses any other Origin not in "
         "cors_allowed_origins (a client without Origin is not checked); under an ASGI server the refusal is a "
         "bare 403. cors_allowed_origins does apply to the WebSocket transport (Socket.IO checks it before the "
         "upgrade): add this origin to it.",
         names=frozenset({"origin"}), when=_refused, responders=_r("engine.io"), replaces=_ORIGIN_HINTS),
    # --- credentials
    Hint("credentials",
         "The server reads a credential here and refuses without the right one. Browsers cannot add custom headers "
         "to new WebSocket(): a browser client must send it as a query parameter, a cookie or a subprotocol token.",
         groups=frozenset({"credentials"}), when=_refused),
    Hint("credentials-starlette",
         "FastAPI answers a failed Header/Cookie/Query validation on a WebSocket route with 403, and so does an "
         "auth check that closes before accept(): uvicorn and hypercorn send every such refusal as the same bare "
         "403. Browsers cannot add custom headers to new WebSocket(): send the credential as a query parameter, a "
         "cookie or a subprotocol token.",
         groups=frozenset({"credentials"}), when=_refused, responders=_ASGI, replaces=_CREDENTIAL_HINTS),
    Hint("credentials-channels",
         "Under Django Channels an auth or session check is the consumer's connect() closing before accept() "
         "(daphne's '403 Access denied'); AuthMiddlewareStack only fills scope['user'] and refuses nothing. The "
         "session cookie is missing, expired, or from another site.",
         groups=frozenset({"credentials"}), when=_refused, responders=_r("daphne"), replaces=_CREDENTIAL_HINTS),
    Hint("credentials-moved",
         "The same secret is sent in another place than the one the server reads: move it where the working "
         "client sends it.",
         groups=frozenset({"credentials"}), when=_credential_moved, say=_say_moved,
         replaces=_r("credentials", "credentials-starlette", "credentials-channels", "query-403")),
    # --- query parameters
    Hint("query-403",
         "FastAPI answers a missing or mistyped query parameter on a WebSocket route with 403 (validation fails "
         "before accept()).",
         groups=frozenset({"query"}), when=_refused_with(403), responders=_ASGI),
    Hint("query-engineio",
         "engine.io requires EIO=4 (Socket.IO 3 and 4 clients; EIO=3 is a Socket.IO 2 client) and, for a "
         "WebSocket from the start, transport=websocket: a refused EIO or transport is a bare 403 under an ASGI "
         "server, and without transport= it takes the request for a polling handshake and drops the WebSocket "
         "after the 101.",
         names=frozenset({"eio", "transport"}), when=_refused, responders=_r("engine.io")),
    # --- Host
    Hint("host",
         "Host selects the virtual host: a platform's router, a proxy's server block or the application's "
         "allowed-hosts list refuses a Host it does not serve.",
         names=frozenset({"host"}), when=_refused),
    Hint("host-starlette",
         "Starlette's TrustedHostMiddleware answers a Host outside allowed_hosts with 400 'Invalid host header', on "
         "WebSocket connections too.",
         names=frozenset({"host"}), when=_refused, responders=_r("starlette"), replaces=_r("host")),
    # --- subprotocols, extensions, version, HTTP version, order
    Hint("subprotocol",
         "A server that requires a subprotocol rejects a client that offers none of its tokens; and a client "
         "fails the handshake when the server picks a token it did not offer (RFC 6455 4.1, 4.2.2).",
         when=_refused),
    Hint("subprotocol-websockets",
         "The websockets server was started with subprotocols=: a client that offers none of them gets 400 "
         "'missing subprotocol', one that offers others 400 'invalid subprotocol; expected one of ...'. Offer one "
         "of the server's tokens.",
         when=_refused, responders=_r("websockets"), replaces=_r("subprotocol")),
    Hint("subprotocol-graphql",
         "graphql-ws requires the subprotocol graphql-transport-ws: it completes the handshake, then closes with "
         "4406 'Subprotocol not acceptable' when the client offered none, or only the legacy graphql-ws "
         "(subscriptions-transport-ws).",
         names=GRAPHQL_SUBPROTOCOLS, when=_refused, responders=_r("graphql-ws"), replaces=_r("subprotocol")),
    Hint("extension",
         "Extensions are negotiated, not required: a server rarely rejects for permessage-deflate, but a proxy "
         "may strip it."),
    Hint("user-agent",
         "Some platforms and WAFs refuse unknown or missing User-Agents.",
         names=frozenset({"user-agent"}), when=_refused_with(403)),
    Hint("websocket-version",
         "RFC 6455 4.4: a server that does not speak this version answers 426 with the versions it does.",
         names=frozenset({"sec-websocket-version"})),
    Hint("http2",
         "WebSocket over HTTP/2 needs the server and every proxy to support RFC 8441 (extended CONNECT)."),
    Hint("order-case",
         "HTTP/1.1 header names are case-insensitive and their order carries no meaning (RFC 9110 5.1, 5.3): "
         "few servers care, though some WAFs fingerprint it."),
    # --- the status, by who answered it
    Hint("status-401",
         "401 asks for credentials: the responder wanted an Authorization (or another credential) it did not get "
         "or did not accept.",
         when=_refused_with(401), say=_say_401),
    Hint("uvicorn-403",
         "uvicorn turns every refusal before accept() into this same bare 403: no route, a failed Header/Query/"
         "Cookie validation, close() before accept(), an Origin check. The close code the app chose is never sent, "
         "so the difference that matters must be found by replaying (wsdiff bisect).",
         when=_refused_with(403), responders=_r("uvicorn")),
    Hint("hypercorn-403",
         "hypercorn answers every refusal before accept() with the same empty 403 (server: hypercorn-h11): no "
         "route, a failed validation, close() before accept(). The close code the app chose is never sent: find "
         "the difference that matters by replaying (wsdiff bisect).",
         when=_refused_with(403), responders=_r("hypercorn")),
    Hint("asgi-500",
         "A 500 from uvicorn or hypercorn before accept(): the application raised, or sent an HTTP response on a "
         "WebSocket connection (python-engineio does for a path outside its socketio_path). Look at the server "
         "log.", when=_refused_with(500), responders=_ASGI),
    Hint("engineio-403",
         "engine.io refused before the handshake: a missing or old EIO (it must be 4), a transport it does not "
         "allow, or an Origin outside cors_allowed_origins. Under an ASGI server every one of these is the same "
         "bare 403 and the reason engine.io gave is lost: compare EIO, transport and Origin with the working "
         "client.",
         when=_refused_with(403), responders=_r("engine.io")),
    Hint("daphne-403",
         "daphne (Django Channels) answers every refusal before accept() with '403 Access denied' and no headers: "
         "an OriginValidator or AllowedHostsOriginValidator (which also refuse a missing Origin), a consumer whose "
         "connect() closes before accept() (auth, session), or one that did neither within "
         "websocket_connect_timeout.",
         when=_refused_with(403), responders=_r("daphne")),
    Hint("daphne-500",
         "daphne's '500 Internal server error': the application raised before accept(), or Channels' URLRouter "
         "has no route for this path (ValueError: No route found).",
         when=_refused_with(500), responders=_r("daphne")),
    Hint("websockets-status",
         "The websockets server says why in its body: 'Failed to open a WebSocket connection: ...' is its own "
         "handshake check (origins=, subprotocols=, the headers); other text is the application's process_request.",
         when=_refused, responders=_r("websockets"), say=_say_websockets),
    Hint("aiohttp-status",
         "aiohttp has no Origin or auth check of its own: a 401 or 403 is the application's handler raising before "
         "ws.prepare(); a 400 is its handshake check.",
         when=_refused_with(400, 401, 403), responders=_r("aiohttp"), say=_say_aiohttp),
    Hint("tornado-status",
         "tornado: 403 'Cross origin websockets not allowed' is check_origin; other refusals come from the "
         "handler's prepare() or get() raising HTTPError.",
         when=_all(_refused, lambda d, pair: _status(pair) not in (404, 426)), responders=_r("tornado"),
         say=_say_tornado),
    Hint("werkzeug-status",
         "Flask answered before any WebSocket handshake: Flask-Sock never refuses with a status (it accepts, then "
         "closes), so this comes from Flask itself: a before_request hook or a decorator that aborts (401, 403), or "
         "no route (404).",
         when=_refused, responders=_r("werkzeug")),
    Hint("node-ws-status",
         "Node ws refused in handleUpgrade: verifyClient said no (401 by default, or the code it chose), or a 400 "
         "when the server's path option does not match this path.",
         when=_refused, responders=_r("node-ws"), say=_say_node_ws),
    Hint("trusted-host",
         "'Invalid host header' is Starlette's TrustedHostMiddleware: the Host the client sent is not in "
         "allowed_hosts (it runs on WebSocket connections too).",
         when=_body_starts(b"Invalid host header"), responders=_r("starlette")),
    Hint("upgrade-lost",
         "The application answered as to a plain HTTP request although the client sent Upgrade: websocket: "
         "something between them did not pass the upgrade.",
         when=_upgrade_lost, say=_say_upgrade_lost, replaces=_r("status-426-other", "relayed")),
    Hint("relayed",
         "The proxy in front only relayed this answer (its headers on the application's answer): the application "
         "refused, not the proxy.",
         when=_refused, front=frozenset(PROXIES), say=_say_relayed),
    Hint("nginx-own",
         "nginx refused itself (its own error page): the application never saw the request.",
         when=_refused, responders=_r("nginx"), say=_say_nginx),
    Hint("cloudflare-edge",
         "Cloudflare refused at the edge (its own page: WAF, bot management, an access rule): the origin never saw "
         "the request. Browsers pass where scripts fail because of the bot checks.",
         when=_all(_refused, lambda d, pair: (_status(pair) or 0) < 520), responders=_r("cloudflare")),
    Hint("cloudflare-origin",
         "Cloudflare could not get an answer from the origin (521 refused, 522 timed out, 523 unreachable, "
         "525/526 TLS): the origin is down or refuses Cloudflare's connections.",
         when=_all(_refused, lambda d, pair: (_status(pair) or 0) >= 520), responders=_r("cloudflare")),
    Hint("aws-apigw",
         "API Gateway refused the $connect itself (an authorizer, IAM, an API key, a wrong stage or route): "
         "x-amzn-ErrorType names which; the backend never saw the request.",
         when=_refused, responders=_r("aws-apigw"), say=_say_apigw),
    Hint("aws-alb",
         "The AWS load balancer answered itself (Server: awselb): 403 is AWS WAF or a listener rule, 502 a target "
         "that gave no valid answer, 503 no healthy target.",
         when=_refused, responders=_r("aws-alb"), say=_say_alb),
    Hint("cloudfront",
         "CloudFront refused at the edge ('The request could not be satisfied'): AWS WAF, a geo restriction, or a "
         "cache behavior that does not allow this request; the origin never saw it.",
         when=_refused, responders=_r("cloudfront")),
    Hint("fly-proxy",
         "The Fly proxy could not hand the upgrade to a machine (stopped, crashed, or listening on another port "
         "than internal_port): `fly logs` shows the PR/PC/PU error code.",
         when=_refused, responders=_r("fly")),
    Hint("envoy-upgrade",
         "envoy refuses an upgrade on a route without upgrade_configs: [{upgrade_type: websocket}] with an empty "
         "403: the application never saw the request.",
         when=_all(_refused_with(403), lambda d, pair: not _body(pair)), responders=_r("envoy")),
    Hint("envoy-rbac",
         "'RBAC: access denied' is an envoy RBAC filter (an Istio AuthorizationPolicy): the request does not match "
         "a policy that allows it.",
         when=_body_starts(b"RBAC: access denied"), responders=_r("envoy")),
    Hint("envoy-upstream",
         "envoy could not connect to the application behind it (no healthy upstream, connection refused or reset).",
         when=_body_starts(b"upstream connect error", b"no healthy upstream", b"upstream reset",
                           b"upstream request timeout"), responders=_r("envoy")),
    Hint("mitmproxy-502",
         "Another mitmproxy, upstream, answered 502: it could not reach or trust its own upstream. Not the "
         "recording proxy: when that one cannot reach the server, the capture records an error, not a response.",
         when=_refused_with(502), responders=_r("mitmproxy")),
    Hint("status-5xx",
         "A gateway error: a proxy in front of the application could not reach it or got no valid answer (a "
         "stopped application, a wrong port, TLS between them). The recording proxy's own failures are recorded "
         "as an error, not as a response.",
         when=_refused_with(502, 503, 504), unless=frozenset({*PROXIES, "mitmproxy"})),
    Hint("status-426",
         "426 with Sec-WebSocket-Version: the server does not speak this WebSocket version and lists the ones it "
         "does (RFC 6455 4.4).",
         when=_all(_refused_with(426), _has_response_header("Sec-WebSocket-Version"))),
    Hint("status-426-other",
         "426 without Sec-WebSocket-Version is not about the WebSocket version: the responder (a configured "
         "`return 426`, a proxy or the application) requires something else, often TLS (wss://).",
         when=_all(_refused_with(426), _not(_has_response_header("Sec-WebSocket-Version")))),
    # --- after the 101
    Hint("close-1002",
         "1002 is a protocol error (RFC 6455 7.4.1): the server could not parse a frame the client sent "
         "(an unmasked client frame, reserved bits without an extension, a bad opcode or length).",
         when=_close_code_in({1002})),
    Hint("close-1003",
         "1003 is unsupported data (RFC 6455 7.4.1): the server got a kind of message it does not take, "
         "usually binary where it reads text, or text where it wants audio bytes.",
         when=_close_code_in({1003})),
    Hint("close-1007",
         "1007 is invalid payload data (RFC 6455 7.4.1): a text message that is not UTF-8, or (for many "
         "servers) a message whose content they could not parse, such as malformed JSON.",
         when=_close_code_in({1007})),
    Hint("close-1009",
         "1009 is message too big (RFC 6455 7.4.1): a message exceeded the server's limit (websockets' "
         "max_size is 1 MiB by default, uvicorn's --ws-max-size 16 MiB).",
         when=_close_code_in({1009})),
    Hint("close-1008",
         "1008 is a policy violation: the server accepted, then refused (usually an auth or validation check "
         "after accept()).", when=_close_code_in({1008})),
    Hint("close-1011",
         "1011 is a server error after accept: look at the server's log for an exception.",
         when=_close_code_in({1011})),
    Hint("close-4xxx",
         "Codes 4000-4999 are the application's own (RFC 6455 7.4.2): 4001/4003 commonly mean unauthorized "
         "or forbidden. The service accepted the upgrade and rejected afterwards.",
         when=_close_code_in(range(4000, 5000)), unless=_r("graphql-ws")),
    Hint("flask-sock-close",
         "Flask-Sock completes the handshake before the view runs, so a view can only refuse by closing after the "
         "101 (ws.close(reason=..., message=...)): this close code is the view's. A refusal before the 101 (403) "
         "comes from Flask itself (before_request).",
         when=_all(_closed_by_server, _close_code_in(range(1000, 5000))), responders=_r("flask-sock"),
         replaces=_r("close-1008", "close-4xxx")),
    Hint("flask-sock-1002",
         "A 1002 right after a Flask-Sock 101: the view most likely raised, and Flask wrote its 500 page into the "
         "WebSocket stream; those bytes are not frames, so a frame parser (the client's, or the recording proxy's: "
         "'Invalid attempt to fragment control frame' is mitmproxy's) gave up. Look at the server log.",
         when=_close_code_in({1002}), responders=_r("flask-sock"), replaces=_r("close-1002")),
    # graphql-transport-ws (graphql-ws makeServer, strawberry's handlers: docs/responders.md), once the
    # responder is identified as graphql-ws; on the close code and on the client's messages it judged.
    Hint("graphql-4400",
         "graphql-ws closes 4400 (Bad request) when a message is not JSON or not a message of the "
         "graphql-transport-ws protocol (an unknown type, a subscribe without id or payload).",
         when=_closed_with(4400), responders=_r("graphql-ws")),
    Hint("graphql-4401",
         "graphql-ws closes 4401 (Unauthorized) when a subscribe arrives before the server acknowledged "
         "connection_init: send connection_init first and wait for connection_ack.",
         when=_closed_with(4401), responders=_r("graphql-ws")),
    Hint("graphql-4403",
         "graphql-ws closes 4403 (Forbidden) when the server's onConnect returns false for the "
         "connection_init payload: its members (a token, an Authorization) are what the server judged; the "
         "token goes in the payload, not in a header.",
         when=_closed_with(4403), responders=_r("graphql-ws")),
    Hint("graphql-4406",
         "graphql-ws closes 4406 (Subprotocol not acceptable) when the client did not offer "
         "graphql-transport-ws; 'graphql-ws' is the legacy subscriptions-transport-ws protocol.",
         when=_closed_with(4406), responders=_r("graphql-ws")),
    Hint("graphql-4408",
         "graphql-ws closes 4408 (Connection initialisation timeout) when no connection_init arrives within "
         "connectionInitWaitTimeout (3 s by default): the client sent none, or too late.",
         when=_closed_with(4408), responders=_r("graphql-ws")),
    Hint("graphql-4409",
         "graphql-ws closes 4409 (Subscriber already exists) when a subscribe reuses the id of an operation "
         "that is still running.", when=_closed_with(4409), responders=_r("graphql-ws")),
    Hint("graphql-4429",
         "graphql-ws closes 4429 (Too many initialisation requests) when the client sends connection_init "
         "more than once on a connection.", when=_closed_with(4429), responders=_r("graphql-ws")),
    Hint("socketio-connect-error",
         "Socket.IO accepted the WebSocket, then answered the namespace CONNECT with CONNECT_ERROR (packet "
         "44): its auth middleware (io.use) or connection handler refused the auth the client sent in its "
         "CONNECT packet (40{...}).", when=_socketio_connect_error, responders=_r("engine.io")),
    Hint("first-message",
         "The server's first message differs: services that reject after the 101 often send an error "
         "message first; replay --expect-message can judge by it.",
         names=frozenset({"server"})),
)


HINTS_BY_ID: dict[str, Hint] = {h.id: h for h in HINTS}


def _uncached_rows_for(kind: str) -> tuple[Hint, ...]:
    """The rows a difference of *kind* may carry (KINDS), in table order."""
    allowed = KINDS[kind].hints
    return tuple(h for h in HINTS if h.id in allowed)


_rows_for = functools.cache(_uncached_rows_for)


def _applies(h: Hint, d: Difference, a: Capture, b: Capture, s: Situation) -> bool:
    if h.names is not None and (d.name or "").lower() not in h.names:
        return False
    if h.groups is not None and d.group not in h.groups:
        return False
    r = s.responder
    if h.responders is not None and not (r.named() and r.who in h.responders):
        return False
    if r.who in h.unless:
        return False
    if h.front is not None and (r.is_proxy or not set(r.front) & h.front):
        return False
    return h.when is None or h.when(d, (a, b))


def matching(d: Difference, a: Capture, b: Capture, s: Situation | None = None) -> tuple[tuple[str, str], ...]:
    """Return ``(id, text)`` of every hint that applies to difference *d* between *a* and *b*.

    *s* is :func:`situation` of the pair, computed here when not given (compare computes it once).
    """
    s = s or situation(a, b)
    fired = [h for h in _rows_for(d.kind) if _applies(h, d, a, b, s)]
    replaced = set().union(*(h.replaces for h in fired)) if fired else set()
    return tuple((h.id, h.say(d, s) if h.say else h.text) for h in fired if h.id not in replaced)


def hints_for(d: Difference, a: Capture, b: Capture, s: Situation | None = None) -> tuple[str, ...]:
    """Return the texts of every hint that applies to difference *d* between captures *a* and *b*."""
    return tuple(text for _, text in matching(d, a, b, s))
