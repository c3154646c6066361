"""Known causes of WebSocket handshake rejection, as one table (pure).

Each row has an id, the text to tell the user (naming the mechanism), and
when it applies (optionally a difference name, a group, a condition on the
two captures). Which kinds may carry which hints is declared by each kind
in :data:`wsdiff.kinds.KINDS`. To add a hint, add a row and name its id in
the kinds that may carry it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .difference import Difference
from .kinds import KINDS
from .model import Capture

__all__ = ["Hint", "HINTS", "HINTS_BY_ID", "hints_for"]


Pair = tuple[Capture, Capture]
"""The two captures compared (A, B)."""


@dataclass(frozen=True)
class Hint:
    id: str
    text: str
    names: frozenset[str] | None = None  # lower-case names; None matches any name
    groups: frozenset[str] | None = None
    when: Callable[[Difference, Pair], bool] | None = None


def _statuses(pair: Pair) -> set[int | None]:
    return {x.response.status if x.response else None for x in pair}


def _one_rejected_403(d: Difference, pair: Pair) -> bool:
    return 403 in _statuses(pair) and (pair[0].accepted or pair[1].accepted or 404 not in _statuses(pair))


def _close_code_in(codes: range | set[int]) -> Callable[[Difference, Pair], bool]:
    return lambda d, pair: any(isinstance(v, int) and v in codes for v in (d.a, d.b))


def _status_in(*codes: int) -> Callable[[Difference, Pair], bool]:
    return lambda d, pair: any(v in codes for v in (d.a, d.b))


HINTS: tuple[Hint, ...] = (
    Hint("path-403",
         "Starlette/FastAPI under uvicorn answers an upgrade to a path that matches no WebSocket route "
         "with a bare 403, not a 404: check prefixes, mount points and trailing slashes.",
         when=_one_rejected_403),
    Hint("origin",
         "Browsers always send Origin and scripts usually do not. A server that checks Origin "
         "(an allow-list against cross-site WebSocket hijacking) refuses before accept, which uvicorn "
         "answers with 403. CORSMiddleware does not apply to WebSocket connections, so CORS settings "
         "can neither cause nor cure a WebSocket 403: fix the server's Origin allow-list.",
         names=frozenset({"origin"})),
    Hint("credentials",
         "FastAPI answers a failed Header/Cookie/Query validation on a WebSocket route with 403, and so "
         "does an auth check that closes before accept. Browsers cannot add custom headers to "
         "new WebSocket(): send the credential as a query parameter, a cookie or a subprotocol token.",
         groups=frozenset({"credentials"}), when=_one_rejected_403),
    Hint("query-403",
         "FastAPI answers a missing or mistyped query parameter on a WebSocket route with 403 "
         "(validation fails before accept).",
         groups=frozenset({"query"}), when=_one_rejected_403),
    Hint("status-401",
         "A 401 usually comes from a hosting platform's proxy authentication in front of the app "
         "(a token for the platform, not for your app); the app itself answers a refused upgrade with 403.",
         when=_status_in(401)),
    Hint("status-403",
         "A 403 with an empty body and no Server header is how uvicorn answers an upgrade refused before "
         "accept(): no route, a failed validation, or a close() before accept. The close code is never sent.",
         when=_status_in(403)),
    Hint("status-400",
         "400 to a WebSocket upgrade under Starlette often means TrustedHostMiddleware rejected the Host header.",
         when=_status_in(400)),
    Hint("status-426",
         "426 Upgrade Required: the server wants another Sec-WebSocket-Version (RFC 6455 4.4) or TLS.",
         when=_status_in(426)),
    Hint("status-502",
         "502 from the recording proxy: it could not reach or trust the upstream (dead server, or a TLS "
         "certificate it does not trust: --set ssl_verify_upstream_trusted_ca=...).",
         when=_status_in(502)),
    Hint("host",
         "Host selects the virtual host: a platform's router or Starlette's TrustedHostMiddleware (400) "
         "rejects a Host it does not serve.",
         names=frozenset({"host"})),
    Hint("subprotocol",
         "A server that requires a subprotocol rejects a client that offers none of its tokens; and a client "
         "fails the handshake when the server picks a token it did not offer (RFC 6455 4.1, 4.2.2)."),
    Hint("extension",
         "Extensions are negotiated, not required: a server rarely rejects for permessage-deflate, but a proxy "
         "may strip it."),
    Hint("user-agent",
         "Some platforms and WAFs refuse unknown or missing User-Agents.",
         names=frozenset({"user-agent"}), when=_one_rejected_403),
    Hint("websocket-version",
         "RFC 6455 4.4: a server that does not speak this version answers 426 with the versions it does.",
         names=frozenset({"sec-websocket-version"})),
    Hint("http2",
         "WebSocket over HTTP/2 needs the server and every proxy to support RFC 8441 (extended CONNECT)."),
    Hint("order-case",
         "HTTP/1.1 header names are case-insensitive and their order carries no meaning (RFC 9110 5.1, 5.3): "
         "few servers care, though some WAFs fingerprint it."),
    Hint("close-1008",
         "1008 is a policy violation: the server accepted, then refused (usually an auth or validation check "
         "after accept()).", when=_close_code_in({1008})),
    Hint("close-1011",
         "1011 is a server error after accept: look at the server's log for an exception.",
         when=_close_code_in({1011})),
    Hint("close-4xxx",
         "Codes 4000-4999 are the application's own (RFC 6455 7.4.2): 4001/4003 commonly mean unauthorized "
         "or forbidden. The service accepted the upgrade and rejected afterwards.",
         when=_close_code_in(range(4000, 5000))),
    Hint("first-message",
         "The server's first message differs: services that reject after the 101 often send an error "
         "message first; replay --expect-message can judge by it."),
)


HINTS_BY_ID: dict[str, Hint] = {h.id: h for h in HINTS}


def hints_for(d: Difference, a: Capture, b: Capture) -> tuple[str, ...]:
    """Return the texts of every hint that applies to difference *d* between captures *a* and *b*."""
    out = []
    allowed = KINDS[d.kind].hints
    for h in HINTS:
        if h.id not in allowed:
            continue
        if h.names is not None and (d.name or "").lower() not in h.names:
            continue
        if h.groups is not None and d.group not in h.groups:
            continue
        if h.when is not None and not h.when(d, (a, b)):
            continue
        out.append(h.text)
    return tuple(out)
