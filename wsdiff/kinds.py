"""The registry of difference kinds: one entry says everything wsdiff knows about a kind (pure).

Each :class:`Kind` declares, in one place:

- ``group``: the group it is shown under (a name, or a function of the
  difference's name, e.g. a header's group depends on which header it is);
- ``compared``: how :func:`wsdiff.diff.compare` compares it, in one line;
- ``apply``: how it is applied to a capture as a variant (``replay --from``,
  ``bisect``), or None when it is a fact about the answer and cannot be;
- ``fix``: how the fix is worded when bisect finds it to be a cause;
- ``hints``: the ids of the hints (:data:`wsdiff.hints.HINTS`) it may carry.

Adding a kind is one entry here; ``tests/test_kinds.py`` fails when an
entry lacks one of those, or when compare emits a kind that has none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .headers import (cookies, extensions, place_header, place_query_param, replace_named, subprotocols,
                      with_cookie, with_extensions, with_subprotocols)
from .messages import client_messages, edit_client_message, parse_position_path, transplant_member, with_client_messages, with_text
from .model import Capture, Headers, header_values, with_header
from .redact import FINGERPRINT_RE, is_credential_header, is_credential_param

if TYPE_CHECKING:
    from .difference import Difference

__all__ = ["Kind", "KINDS", "group_of", "applicable_kinds"]

Apply = Callable[[Capture, Capture, "Difference"], Capture]
"""Set one difference in a target capture to the source capture's value."""


@dataclass(frozen=True)
class Kind:
    """What wsdiff knows about one kind of difference."""

    name: str
    group: str | Callable[[str | None], str]
    compared: str
    apply: Apply | None
    fix: Callable[[Difference], str]
    hints: frozenset[str] = frozenset()


# --- groups that depend on the name ------------------------------------------


def header_group(name: str | None) -> str:
    """Return the group of a request header difference: Host, Origin, credentials, ..."""
    lname = (name or "").lower()
    fixed = {"host": "host", "origin": "origin", "user-agent": "user-agent", "sec-websocket-version": "websocket"}
    if lname in fixed:
        return fixed[lname]
    return "credentials" if is_credential_header(lname) else "headers"


def _query_group(name: str | None) -> str:
    return "credentials" if is_credential_param(name or "") else "query"


# --- applying a difference ------------------------------------------------------


def _apply_endpoint(t: Capture, s: Capture, d: Difference) -> Capture:
    assert d.name is not None
    return t.replace(endpoint=dataclasses.replace(t.endpoint, **{d.name: getattr(s.endpoint, d.name)}))


def _apply_path(t: Capture, s: Capture, d: Difference) -> Capture:
    query = t.request.query
    return t.replace(request=t.request.replace(target=s.request.path + (f"?{query}" if query is not None else "")))


def _apply_query_param(t: Capture, s: Capture, d: Difference) -> Capture:
    assert d.name is not None
    query = place_query_param(t.request.query, s.request.query, d.name)
    if query is None and t.request.query is None:
        return t
    return t.replace(request=t.request.replace(target=t.request.path + (f"?{query}" if query is not None else "")))


def _apply_header(t: Capture, s: Capture, d: Difference) -> Capture:
    assert d.name is not None
    return t.replace(request=t.request.replace(headers=place_header(t.request.headers, s.request.headers,
                                                                      d.name.lower())))


def _rebuilt(t: Capture, s: Capture, lname: str, rebuilt: Headers) -> Capture:
    """Set *t*'s headers to *rebuilt*; a list header new to *t* goes where *s* has it, not at the end."""
    values = header_values(rebuilt, lname)
    if values and not header_values(t.request.headers, lname):
        rebuilt = place_header(t.request.headers, with_header(s.request.headers, lname, values), lname)
    return t.replace(request=t.request.replace(headers=rebuilt))


def _apply_cookie(t: Capture, s: Capture, d: Difference) -> Capture:
    values = [v for n, v in cookies(s.request.headers) if n == d.name]
    assert d.name is not None
    return _rebuilt(t, s, "cookie", with_cookie(t.request.headers, d.name, values))


def _apply_subprotocol(t: Capture, s: Capture, d: Difference) -> Capture:
    assert d.name is not None
    tokens = [x for x in subprotocols(t.request.headers) if x != d.name]
    src = subprotocols(s.request.headers)
    if d.name in src:
        tokens.insert(min(src.index(d.name), len(tokens)), d.name)
    return _rebuilt(t, s, "sec-websocket-protocol", with_subprotocols(t.request.headers, tokens))


def _apply_extension(t: Capture, s: Capture, d: Difference) -> Capture:
    assert d.name is not None
    offers = [text for n, text in extensions(s.request.headers) if n == d.name]
    items = replace_named(extensions(t.request.headers), d.name, offers)
    return _rebuilt(t, s, "sec-websocket-extensions", with_extensions(t.request.headers, items))


def _message_position(d: Difference) -> int:
    assert d.name is not None
    return int(d.name.split(":")[0].split("-")[0])


def _apply_message(t: Capture, s: Capture, d: Difference) -> Capture:
    """Set client message K to the source's; where one side has no message K, the rest from K on."""
    k = _message_position(d)
    mt, ms = client_messages(t), client_messages(s)
    if k <= len(mt) and k <= len(ms):
        return edit_client_message(t, k, lambda _: ms[k - 1])
    return with_client_messages(t, mt[:k - 1] + ms[k - 1:])


def _apply_message_field(t: Capture, s: Capture, d: Difference) -> Capture:
    """Set one JSON member of client message K to the source's (its bytes as written), or remove it."""
    assert d.name is not None
    k, path, _ = parse_position_path(d.name)
    source = client_messages(s)[k - 1].head.decode("utf-8")
    return edit_client_message(t, k, lambda m: with_text(m, transplant_member(m.head.decode("utf-8"), source, path)))


def _apply_method(t: Capture, s: Capture, d: Difference) -> Capture:
    return t.replace(request=t.request.replace(method=s.request.method))


def _apply_http_version(t: Capture, s: Capture, d: Difference) -> Capture:
    return t.replace(request=t.request.replace(http_version=s.request.http_version))


# --- wording a fix (d.a is GOOD's value, d.b BAD's) -----------------------------


def _credential_fix(d: Difference) -> str:
    what = f"{d.kind} {d.name}"
    if d.b is None:
        return f"send the {what} the working client sends (browsers: pass it as a query parameter or cookie)"
    if d.a is None:
        return f"do not send {what}, or make it one the server accepts"
    return f"the {what} differs: send the one the working client sends (it may be expired or for another service)"


def _header_fix(d: Difference) -> str:
    lname = (d.name or "").lower()
    if lname == "origin":
        if d.b is None:
            return "the server requires an Origin: send one it allows"
        # Whether CORS settings are that allow-list depends on the server (Starlette's are not,
        # engine.io's cors_allowed_origins is): the hints, which know who answered, say which.
        return f"add {d.b!r} to the server's WebSocket Origin allow-list, or connect from an allowed origin"
    if lname == "host":
        return f"send Host {d.a!r}, or make the server (its allowed hosts) accept {d.b!r}"
    if header_group(d.name) == "credentials":
        return _credential_fix(d)
    if d.b is None:
        return f"send the header {d.name}: {d.a}"
    if d.a is None:
        return f"do not send the header {d.name}, or make the server accept it"
    return f"send {d.name}: {d.a} rather than {d.b}"


def _query_fix(d: Difference) -> str:
    if _query_group(d.name) == "credentials":
        return _credential_fix(d)
    if d.b is None:
        return f"add the query parameter {d.name}={d.a}"
    if d.a is None:
        return f"drop the query parameter {d.name}, or make the server accept it"
    return f"send {d.name}={d.a} rather than {d.name}={d.b}; the server validates it"


def _message_fix(d: Difference) -> str:
    k = (d.name or "").split("-")[0]
    if d.b is None:
        return f"send message {k} (and what follows) as the working client does: {d.a}"
    if d.a is None:
        return f"do not send message {d.name} after the 101, or make the server accept it ({d.b})"
    return f"send message {k} as the working client does ({d.a}) rather than ({d.b})"


def _message_field_fix(d: Difference) -> str:
    k, _, path = (d.name or "").partition(":")
    key = path.rpartition(".")[2].split("[")[0].strip('"')
    secret = is_credential_param(key) or any(isinstance(v, str) and FINGERPRINT_RE.search(v) for v in (d.a, d.b))
    where = f"{path} in message {k}"
    if d.b is None:
        what = "the credential" if secret else f"{d.a!r}"
        return f"send {where} as the working client does ({what}): the server judges it after the 101"
    if d.a is None:
        return f"do not send {where}, or make the server accept it"
    if secret:
        return (f"{where} differs: send the one the working client sends (it may be expired, or for another "
                f"service)")
    return f"send {where} = {d.a!r} rather than {d.b!r}"


def _match(d: Difference) -> str:
    return f"make {d.label} match the working client ({d.a!r} rather than {d.b!r})"


def _fact(d: Difference) -> str:
    return f"{d.label} is part of the answer, not of the request: it changes with the cause"


# Runs only while KINDS is built, at import, before mutmut can switch a mutant on: not mutated
# (docs/mutation.md); tests/test_kinds.py checks every entry it builds.
def _k(name: str, group: str | Callable[[str | None], str], compared: str, apply: Apply | None,
       fix: Callable[[Difference], str] = _match, hints: tuple[str, ...] = ()) -> tuple[str, Kind]:  # pragma: no mutate block
    return name, Kind(name, group, compared, apply, fix, frozenset(hints))


# The hints each kind may carry (rows of wsdiff.hints.HINTS), by what they explain.
_CREDENTIAL_HINTS = ("credentials", "credentials-starlette", "credentials-channels", "credentials-moved")
_ORIGIN_HINTS = ("origin", "origin-starlette", "origin-channels", "origin-websockets", "origin-tornado",
                 "origin-engineio")
_STATUS_HINTS = (
    "status-401", "status-426", "status-426-other", "status-5xx", "upgrade-lost", "relayed", "trusted-host",
    # who answered: the application servers, then the proxies and CDNs
    "uvicorn-403", "hypercorn-403", "asgi-500", "engineio-403", "daphne-403", "daphne-500", "websockets-status", "aiohttp-status",
    "tornado-status", "werkzeug-status", "node-ws-status", "nginx-own", "cloudflare-edge", "cloudflare-origin",
    "aws-apigw", "aws-alb", "cloudfront", "fly-proxy", "envoy-upgrade", "envoy-rbac", "envoy-upstream",
    "mitmproxy-502",
)
_GRAPHQL_HINTS = ("graphql-4400", "graphql-4401", "graphql-4403", "graphql-4406", "graphql-4408", "graphql-4409",
                  "graphql-4429")
_MESSAGE_HINTS = (*_GRAPHQL_HINTS, "socketio-connect-error")

KINDS: dict[str, Kind] = dict([
    _k("endpoint", "endpoint", "scheme, host, port and SNI, one difference each (name says which)",
       _apply_endpoint),
    _k("method", "request-line", "the request method", _apply_method),
    _k("path", "request-line", "the path without the query, with the first differing segment noted", _apply_path,
       lambda d: f"connect to {d.a!r} as the working client does, or add a WebSocket route for {d.b!r}",
       ("path-403", "path-404")),
    _k("http-version", "request-line", "the request's HTTP version", _apply_http_version, hints=("http2",)),
    _k("query-param", _query_group, "each query parameter by name: all its values, in order, raw "
       "(percent-encoding kept; a=, a and no a differ)", _apply_query_param, _query_fix,
       (*_CREDENTIAL_HINTS, "query-403", "query-engineio")),
    _k("query-order", "query", "the order of the parameters both sides sent", None),
    _k("header", header_group, "each request header by name (case-insensitive): all its values in order; "
       "Cookie, Sec-WebSocket-Protocol and -Extensions are compared through their own kinds", _apply_header,
       _header_fix, (*_ORIGIN_HINTS, *_CREDENTIAL_HINTS, "host", "host-starlette", "user-agent",
                     "websocket-version")),
    _k("cookie", "credentials", "each cookie by name: all its values in order (fingerprints only)", _apply_cookie,
       _credential_fix, _CREDENTIAL_HINTS),
    _k("subprotocol", "websocket", "each offered subprotocol token: offered or not", _apply_subprotocol,
       lambda d: f"{'offer' if d.a else 'do not offer'} the subprotocol {d.name!r} as the working client does",
       ("subprotocol", "subprotocol-websockets", "subprotocol-graphql")),
    _k("subprotocol-order", "websocket", "the order of the tokens both sides offered", None,
       hints=("subprotocol",)),
    _k("extension", "websocket", "each offered extension by name: its full offers in order", _apply_extension,
       hints=("extension",)),
    _k("header-order", "order-case", "the order of the headers both sides sent", None, hints=("order-case",)),
    _k("header-case", "order-case", "the spelling of each header both sides sent", None, hints=("order-case",)),
    _k("message", "messages", "each client message after the 101 by position (1 is the first; when both were "
       "upgraded): type, size and bytes, where they are not JSON on both sides; messages one side sent and the "
       "other did not are one difference (name K or K-L)", _apply_message, _message_fix,
       _MESSAGE_HINTS),
    _k("message-field", "messages", "each member of a client message that is JSON on both sides, by JSON path "
       "(name K:PATH), in both directions; a member one side lacks is one difference, not one per value under it",
       _apply_message_field, _message_field_fix, _MESSAGE_HINTS),
    _k("closed-after-message", "messages", "which client message the server closed the connection right after "
       "(within 1 s), when that differs", None, _fact, _MESSAGE_HINTS),
    _k("error", "response", "why there was no answer (refused, reset, tls, timeout, ...)", None, _fact),
    _k("status", "response", "the response status", None, _fact,
       _STATUS_HINTS),
    _k("reason", "response", "the reason phrase, when the status is the same", None, _fact),
    _k("responder", "response", "who answered (the application, a proxy or CDN), when not the same party", None,
       _fact),
    _k("response-header", "response", "each response header by name; the handshake's own headers are noise "
       "when the status differs", None, _fact),
    _k("body", "response", "the first 200 bytes of the response body", None, _fact),
    _k("session-state", "session", "how the connection after the 101 ended: closed, observed or open", None,
       _fact),
    _k("closed-by", "session", "who closed the connection after the 101", None, _fact),
    _k("close-code", "session", "the close code after the 101", None, _fact,
       ("close-1002", "close-1003", "close-1007", "close-1008", "close-1009", "close-1011", "close-4xxx",
        "flask-sock-close", "flask-sock-1002", *_GRAPHQL_HINTS)),
    _k("close-reason", "session", "the close reason after the 101", None, _fact),
    _k("first-message", "session", "the type and size of the server's first message; the JSON members "
       "of the first server messages", None, _fact, ("first-message", "socketio-connect-error")),
    _k("duration", "session", "seconds from the 101 to the close (always noise)", None, _fact),
    _k("timing", "noise", "seconds from request to response head (always noise)", None, _fact),
    _k("client", "noise", "the client's address as the proxy saw it (always noise)", None, _fact),
])
"""Every kind of difference, by name."""


def group_of(kind: str, name: str | None) -> str:
    """Return the group a difference of *kind* named *name* is shown under.

    Raises:
        KeyError: *kind* is not in the registry.
    """
    group = KINDS[kind].group
    return group if isinstance(group, str) else group(name)


def applicable_kinds() -> frozenset[str]:
    """Return the kinds that can be applied to a request (replay ``--from``, bisect)."""
    return frozenset(k for k, v in KINDS.items() if v.apply is not None)
