"""Compare two handshake attempts the way a person debugging a 403 reasons (pure).

:func:`compare` returns a :class:`Comparison` whose differences are
fine-grained (each query parameter, header, cookie, subprotocol token,
extension) and grouped by meaning. The same differences drive ``replay
--from`` and ``bisect``: :func:`wsdiff.variants.transplant` applies them.

Credentials are compared by keyed fingerprint only: an unredacted capture is
fingerprinted here before anything is compared, so no secret ever reaches a
Difference. Header order and case are compared in a separate pass from
header content, and noise (values that differ between any two attempts) is
marked so that views can hide it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from .difference import GROUPS, Comparison, Difference, Value
from .headers import (cookies, extensions, host_as_in_host, origin_authority, parse_query, split_authority,
                      subprotocols)
from .hints import hints_for, situation
from .kinds import group_of
from .messages import (MISSING, client_messages, closed_after, describe, format_path, json_differences, json_start,
                       load_json, show_json)
from .model import Capture, Headers, Message, default_port
from .redact import redact_capture, run_key
from .responder import Responder, identify

__all__ = ["compare", "Difference", "Comparison", "GROUPS"]

# Request headers compared through their own parsed views, not as plain headers.
_PARSED_HEADERS = {"cookie", "sec-websocket-protocol", "sec-websocket-extensions"}
# RFC 6455 4.1: the key is a fresh nonce in every handshake; the rest are ids and clocks.
_NOISE_HEADERS = {
    "sec-websocket-key", "sec-websocket-accept", "date", "x-request-id", "x-correlation-id",
    "request-id", "x-amzn-trace-id", "x-amzn-requestid", "cf-ray", "traceparent", "tracestate",
    "x-b3-traceid", "x-b3-spanid", "x-cloud-trace-context", "x-envoy-upstream-service-time",
    "x-runtime", "age", "expires", "last-modified", "etag", "x-served-by", "x-timer", "x-cache-hits",
    "x-vercel-id", "fly-request-id", "x-railway-request-id", "content-length",
}

_CONSEQUENCES = frozenset({
    "upgrade", "connection", "sec-websocket-accept", "sec-websocket-extensions", "sec-websocket-protocol",
    "content-type", "content-length", "transfer-encoding",
})



def _d(kind: str, name: str | None, a: Value, b: Value, *, note: str = "", noise: bool = False) -> Difference:
    """A difference of a registered *kind*, in the group its registry entry gives."""
    return Difference(group_of(kind, name), kind, name, a, b, note=note, noise=noise)


# --- helpers ---------------------------------------------------------------

# Query parameters that clients add only to defeat caches: engine.io's t (a yeast id or a
# time), jQuery's _ (milliseconds), and their common spellings.
_CACHE_BUSTER_NAMES = frozenset({"t", "_", "_t", "ts", "timestamp", "cb", "cachebust", "cachebuster",
                                 "cache_buster", "nocache", "rnd", "rand", "random"})
_CACHE_BUSTER_VALUE = re.compile(r"[0-9A-Za-z._-]{1,24}")
_EPOCH = re.compile(r"1[0-9]{9}([0-9]{3})?(\.[0-9]+)?")  # 2001-2033, in seconds or milliseconds


def _cache_buster(name: str, va: list[str], vb: list[str]) -> bool:
    """Tell whether a query parameter that differs is only a cache-buster (noise, shown with --all).

    Named like one with a short token value on every side that sends it, or
    a time since the epoch on both sides: two attempts always differ there.
    """
    values = va + vb
    if name.lower() in _CACHE_BUSTER_NAMES:
        return all(_CACHE_BUSTER_VALUE.fullmatch(v) for v in values)
    return bool(va) and bool(vb) and all(_EPOCH.fullmatch(v) for v in values)


def _one_or_many(values: list[str]) -> Value:
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _by_name(headers: Headers) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Group header values by lower-case name, in wire order, with each name's first spelling.

    One pass, so that comparing thousands of headers stays linear rather
    than a scan of every header for every name.
    """
    values: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for k, v in headers:
        lk = k.lower()
        if lk not in values:
            values[lk] = []
            spelled[lk] = k
        values[lk].append(v)
    return values, spelled


def _group(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for n, v in pairs:
        out.setdefault(n, []).append(v)
    return out


def _path_note(a: str, b: str) -> str:
    if a.rstrip("/") == b.rstrip("/"):
        return "only a trailing slash differs"
    sa, sb = a.split("/"), b.split("/")
    for i in range(max(len(sa), len(sb))):
        if i >= len(sa):
            return f"B has more segments, from {sb[i]!r}"
        if i >= len(sb):
            return f"A has more segments, from {sa[i]!r}"
        if sa[i] != sb[i]:
            return f"segment {i} differs: {sa[i]!r} vs {sb[i]!r}"
    return ""


def _host_note(capture: Capture) -> str:
    host = capture.request.header("Host")
    ep = capture.endpoint
    default = default_port(ep.scheme)
    name = host_as_in_host(ep.host)  # an endpoint keeps an IPv6 address bare
    expected = {name, f"{name}:{ep.port}"} if ep.port == default else {f"{name}:{ep.port}"}
    if host is None:
        return "no Host header"
    if host.lower() not in expected:
        return f"Host {host!r} is not the endpoint {name}:{ep.port}" + (
            " (rewritten by a reverse proxy)" if capture.host_rewritten else ""
        )
    return ""


def _origin_relation(capture: Capture) -> str:
    origin = capture.request.header("Origin")
    host = capture.request.header("Host")
    if origin is None or host is None:
        return ""
    parsed = origin_authority(origin)
    if parsed is None:
        return f"Origin {origin!r} is opaque"
    scheme, ohost, oport = parsed
    hname, hport = split_authority(host)
    default = default_port(capture.endpoint.scheme)
    same = ohost == hname.lower() and oport == (int(hport) if hport.isascii() and hport.isdigit() else default)
    return "same origin as Host" if same else f"cross-origin to Host {host}"


# --- the passes ------------------------------------------------------------


def _endpoint(a: Capture, b: Capture) -> Iterable[Difference]:
    for name in ("scheme", "host", "port", "sni"):
        x, y = getattr(a.endpoint, name), getattr(b.endpoint, name)
        if x != y:
            yield _d("endpoint", name, x, y)


def _request_line(a: Capture, b: Capture) -> Iterable[Difference]:
    ra, rb = a.request, b.request
    if ra.method != rb.method:
        yield _d("method", None, ra.method, rb.method)
    if ra.path != rb.path:
        yield _d("path", None, ra.path, rb.path, note=_path_note(ra.path, rb.path))
    if ra.http_version != rb.http_version:
        yield _d("http-version", None, ra.http_version, rb.http_version)


def _query(a: Capture, b: Capture) -> Iterable[Difference]:
    qa, qb = parse_query(a.request.query), parse_query(b.request.query)
    ga = _group((n, v if v is not None else "") for n, v in qa)
    gb = _group((n, v if v is not None else "") for n, v in qb)
    for name in dict.fromkeys([*ga, *gb]):
        va, vb = ga.get(name, []), gb.get(name, [])
        if va != vb:
            yield _d("query-param", name, _one_or_many(va), _one_or_many(vb), noise=_cache_buster(name, va, vb))
    order_a = [n for n in ga if n in gb]
    order_b = [n for n in gb if n in ga]
    if order_a != order_b:
        yield _d("query-order", None, order_a, order_b, note="same parameters, another order")


def _headers(a: Capture, b: Capture) -> Iterable[Difference]:
    (ga, sa), (gb, sb) = _by_name(a.request.headers), _by_name(b.request.headers)
    for lname in dict.fromkeys([*ga, *gb]):
        if lname in _PARSED_HEADERS:
            continue
        va, vb = ga.get(lname, []), gb.get(lname, [])
        if va == vb:
            continue
        note = ""
        if lname in ("host", "origin"):
            relation = _host_note if lname == "host" else _origin_relation
            note = "; ".join(f"{side}: {rel}" for side, rel in (("A", relation(a)), ("B", relation(b))) if rel)
        elif len(va) > 1 or len(vb) > 1:
            note = "repeated header"
        yield _d("header", sa.get(lname) or sb[lname], _one_or_many(va), _one_or_many(vb),
                 note=note, noise=lname in _NOISE_HEADERS)


def _named(kind: str, pa: list[tuple[str, str]], pb: list[tuple[str, str]]) -> Iterable[Difference]:
    """One difference per name whose values (all of them, in order: a name can repeat) differ."""
    ga, gb = _group(pa), _group(pb)
    for name in dict.fromkeys([*ga, *gb]):
        va, vb = ga.get(name, []), gb.get(name, [])
        if va != vb:
            yield _d(kind, name, _one_or_many(va), _one_or_many(vb))


def _cookies(a: Capture, b: Capture) -> Iterable[Difference]:
    return _named("cookie", cookies(a.request.headers), cookies(b.request.headers))


def _websocket_tokens(a: Capture, b: Capture) -> Iterable[Difference]:
    pa, pb = subprotocols(a.request.headers), subprotocols(b.request.headers)
    sa, sb = set(pa), set(pb)
    for token in dict.fromkeys(pa + pb):
        if (token in sa) != (token in sb):
            yield _d("subprotocol", token, "offered" if token in sa else None,
                             "offered" if token in sb else None)
    common = [t for t in pa if t in sb]
    if common != [t for t in pb if t in sa]:
        yield _d("subprotocol-order", None, common, [t for t in pb if t in sa],
                         note="the server picks by its own preference or the client's order")
    yield from _named("extension", extensions(a.request.headers), extensions(b.request.headers))


def _order_and_case(a: Capture, b: Capture) -> Iterable[Difference]:
    (_, spelled_a), (_, spelled_b) = _by_name(a.request.headers), _by_name(b.request.headers)
    order_a = [n for n in spelled_a if n in spelled_b]  # first occurrences, in wire order
    order_b = [n for n in spelled_b if n in spelled_a]
    if order_a != order_b:
        yield _d("header-order", None, order_a, order_b,
                         note="order of the headers both sides sent")
    for lname in order_a:
        sa, sb = spelled_a[lname], spelled_b[lname]
        if sa != sb:
            yield _d("header-case", lname, sa, sb)


def _response(a: Capture, b: Capture, who: tuple[Responder, Responder] | None = None) -> Iterable[Difference]:
    ra, rb = a.response, b.response
    ea = a.error.kind if a.error else None
    eb = b.error.kind if b.error else None
    if ea != eb:
        yield _d("error", None, ea, eb,
                         note="; ".join(f"{s}: {c.error.message}" for s, c in (("A", a), ("B", b)) if c.error))
    sa = ra.status if ra else None
    sb = rb.status if rb else None
    if sa != sb:
        yield _d("status", None, sa, sb)
    if ra is None or rb is None:
        return
    if ra.reason != rb.reason and sa == sb:
        yield _d("reason", None, ra.reason, rb.reason)
    wa, wb = who or (identify(a), identify(b))
    if (wa.who, wa.front) != (wb.who, wb.front):  # the same party answering two ways is the status's story
        yield _d("responder", None, str(wa), str(wb))
    (ga, spa), (gb, spb) = _by_name(ra.headers), _by_name(rb.headers)
    # When the status differs, the handshake mechanics differ with it; they
    # say nothing the status does not (RFC 6455 4.2.2 lists them for a 101).
    consequences = _CONSEQUENCES if sa != sb else frozenset()
    for lname in dict.fromkeys([*ga, *gb]):
        va, vb = ga.get(lname, []), gb.get(lname, [])
        if va != vb:
            yield _d("response-header", spa.get(lname) or spb[lname],
                             _one_or_many(va), _one_or_many(vb),
                             noise=lname in _NOISE_HEADERS or lname in consequences)
    if ra.body != rb.body:
        yield _d("body", None, ra.body[:200].decode("utf-8", "replace"),
                         rb.body[:200].decode("utf-8", "replace"))


def _describe_message(capture: Capture, direction: str) -> str | None:
    ws = capture.websocket
    if ws is None:
        return None
    for m in ws.messages:
        if m.direction == direction:
            return f"{m.type}, {m.size} bytes"
    return "none"


def _json_keys_note(a: Capture, b: Capture) -> str:
    """Name the JSON members that differ between the first server messages, when both are JSON."""
    def first(c: Capture) -> Any:
        for m in c.websocket.messages if c.websocket else ():
            if m.direction == "server" and m.type == "text" and not m.truncated:
                try:
                    return json.loads(m.head)
                except ValueError:
                    return None
        return None

    x, y = first(a), first(b)
    if not isinstance(x, dict) or not isinstance(y, dict) or x == y:
        return ""
    from deepdiff import DeepDiff  # only when two JSON messages differ

    # threshold_to_diff_deeper=0: without it two objects with few shared keys
    # come back as one opaque change of the whole root.
    delta = DeepDiff(x, y, threshold_to_diff_deeper=0)
    paths: list[str] = []
    for items in delta.values():
        paths.extend(str(p).removeprefix("root") for p in items)
    return "JSON members differ: " + ", ".join(sorted(paths)[:8])


def _session(a: Capture, b: Capture) -> Iterable[Difference]:
    wa, wb = a.websocket, b.websocket
    # Compared only when both were upgraded; otherwise the status already tells.
    if wa is not None and wb is not None:
        if wa.state != wb.state:
            yield _d("session-state", None, wa.state, wb.state)
        for attr, kind in (("closed_by", "closed-by"), ("close_code", "close-code"), ("close_reason", "close-reason")):
            x, y = getattr(wa, attr), getattr(wb, attr)
            if x != y:
                yield _d(kind, None, x, y)
        # The client's messages have a group of their own (_messages); the server's first one stays here.
        x, y = _describe_message(a, "server"), _describe_message(b, "server")
        # Two server messages of the same type and size can still differ in their JSON.
        note = _json_keys_note(a, b)
        if x != y or note:
            yield _d("first-message", "server", x, y, note=note)
    da = wa.duration if wa else None
    db = wb.duration if wb else None
    if da != db:
        yield _d("duration", None, da, db, noise=True)


def _message_note(x: Message, y: Message, jx: object, jy: object) -> str:
    if x.truncated or y.truncated:
        return "not kept whole: compared by size and first bytes"
    if x.type != y.type:
        return "one is text, the other binary"
    if (jx is MISSING) != (jy is MISSING):
        return f"{'A' if jx is not MISSING else 'B'} is JSON, {'B' if jx is not MISSING else 'A'} is not"
    if jx is not MISSING and _prefix(x) != _prefix(y):
        return "another packet type before the JSON"
    return "same size, other bytes" if x.size == y.size else ""


def _prefix(m: Message) -> bytes:
    """What comes before a message's JSON: nothing, or a Socket.IO packet's type, namespace and ack id."""
    text = m.head.decode("utf-8", "replace")
    return text[:json_start(text)].encode("utf-8")


def _tail(messages: tuple[Message, ...]) -> str | None:
    if not messages:
        return None
    more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
    return f"{describe(messages[0])}{more}"


def _close_story(c: Capture) -> tuple[int | None, str]:
    """(K, words): which client message the server closed right after, if any, and what happened in words."""
    after = closed_after(c)
    ws = c.websocket
    assert ws is not None
    if after is not None:
        code = "with no close frame" if ws.close_code is None else str(ws.close_code)
        return after[0], f"closed {code} {after[1] * 1000:.0f} ms after client message {after[0]}"
    if ws.state != "closed":
        return None, "still open when observation ended" if ws.state == "observed" else "open"
    who = ws.closed_by or "someone"
    code = "" if ws.close_code is None else f" {ws.close_code}"
    return None, f"closed{code} by the {who}, not right after a client message" if who == "server" else \
        f"closed{code} by the {who}"


def _messages(a: Capture, b: Capture) -> Iterable[Difference]:
    """The client's messages after the 101, by position; JSON ones member by member."""
    # Compared only when both were upgraded: a client refused at the handshake never got to send any.
    if a.websocket is None or b.websocket is None:
        return
    ma, mb = client_messages(a), client_messages(b)
    n = min(len(ma), len(mb))
    for k, (x, y) in enumerate(zip(ma[:n], mb[:n], strict=True), 1):
        if (x.type, x.size, x.head) == (y.type, y.size, y.head):
            continue
        jx = load_json(x.head) if x.type == "text" and x.whole else MISSING
        jy = load_json(y.head) if y.type == "text" and y.whole else MISSING
        if jx is not MISSING and jy is not MISSING and _prefix(x) == _prefix(y):
            found = list(json_differences(jx, jy))
            if found and all(path for path, _, _ in found):
                for path, u, v in found:
                    note = "" if u is not MISSING and v is not MISSING else (
                        f"present in {'A' if u is not MISSING else 'B'} only")
                    yield _d("message-field", f"{k}:{format_path(path)}", show_json(u), show_json(v), note=note)
                continue
            if not found:  # the same JSON written another way: rarely what a server judges
                yield _d("message", str(k), describe(x), describe(y), noise=True,
                         note="same JSON, written differently (spacing, member order or escapes)")
                continue
        yield _d("message", str(k), describe(x), describe(y), note=_message_note(x, y, jx, jy))
    if len(ma) != len(mb):
        first, last = n + 1, max(len(ma), len(mb))
        yield _d("message", str(first) if first == last else f"{first}-{last}", _tail(ma[n:]), _tail(mb[n:]),
                 note=f"{'A' if len(ma) > len(mb) else 'B'} sent {abs(len(ma) - len(mb))} more")
    (ka, sa), (kb, sb) = _close_story(a), _close_story(b)
    if ka != kb:
        yield _d("closed-after-message", None, sa, sb)


def _noise(a: Capture, b: Capture) -> Iterable[Difference]:
    if a.response_time != b.response_time:
        yield _d("timing", None, a.response_time, b.response_time, noise=True)
    if a.client != b.client:
        yield _d("client", None, a.client, b.client, noise=True)


def compare(a: Capture, b: Capture, *, key: bytes | None = None) -> Comparison:
    """Return every difference between capture *a* and capture *b*, grouped.

    Both captures are redacted first, whatever they say of themselves (a
    capture that claims ``"redacted": true`` may still hold clear values);
    fingerprints already there are kept.

    Args:
        key: the fingerprint key (the local secret store's, so that clear
            values match the fingerprints of captures recorded on this
            machine); when None, a random key made for this process, so
            fingerprints of clear values match only within this run.
    """
    display_key = key or run_key()
    a = redact_capture(a, display_key)[0]
    b = redact_capture(b, display_key)[0]
    s = situation(a, b)  # who answered each side, read once for the response pass and every hint
    passes = (_endpoint, _request_line, _query, _headers, _cookies, _websocket_tokens, _order_and_case,
              _messages, partial(_response, who=(s.ra, s.rb)), _session, _noise)
    found = [d for p in passes for d in p(a, b)]
    order = list(GROUPS)
    found.sort(key=lambda d: order.index(d.group))  # stable: wire order inside a group
    return Comparison(a, b, tuple(d if d.noise else replace(d, hints=hints_for(d, a, b, s)) for d in found))
