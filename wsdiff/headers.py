"""Header and URL grammars of a handshake: query, cookies, subprotocols, extensions, Origin (pure).

Parse and rebuild pairs (``parse_*``/``build_*``, ``with_*``) shared by the
diff, the variants and redaction, so that a difference the diff names is
applied to a request by the same rules that found it. In the spirit of
``websockets/headers.py``: values in, values out, nothing validated that a
replay must be able to send.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .model import Headers, default_port, header_values, with_header, without_header

__all__ = [
    "is_token",
    "target_problem",
    "parse_authority",
    "target_authority",
    "parse_query",
    "build_query",
    "cookies",
    "replace_named",
    "with_cookie",
    "subprotocols",
    "with_subprotocols",
    "extensions",
    "with_extensions",
    "origin_authority",
    "place_header",
    "place_query_param",
]


# RFC 9110 5.6.2: token = 1*tchar; a header name and a method are tokens.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# RFC 9110 7.2 / RFC 3986 3.2: authority = host [ ":" port ], read strictly: a DNS name or IPv4
# address, or an IP literal in brackets, and a port of digits only. Anything else is not an authority
# wsdiff can compare, so the binding check treats it as another destination.
_AUTHORITY = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?)(?::([0-9]{1,5}))?")
_TARGET_SCHEMES = ("http", "https", "ws", "wss")


def is_token(text: str) -> bool:
    """Tell whether *text* is an RFC 9110 token (a header name, a method)."""
    return _TOKEN.fullmatch(text) is not None


def parse_authority(authority: str) -> tuple[str, int | None] | None:
    """Return ``(host, port)`` of a ``host[:port]`` authority (host in lower case, port None when absent), or None.

    Strict on purpose: userinfo, a second host, a non-numeric port, spaces
    or anything a front end might read differently give None.
    """
    m = _AUTHORITY.fullmatch(authority)
    if m is None:
        return None
    host = m.group(1).lower().rstrip(".")
    return (host[1:-1] if host.startswith("[") else host), (int(m.group(2)) if m.group(2) else None)


def target_authority(target: str) -> str | None:
    """Return the authority of an absolute-form request-target (RFC 9112 3.2.2), or None for any other form."""
    if target.startswith("/") or target == "*" or "://" not in target:
        return None
    return urlsplit(target).netloc


def target_problem(target: str) -> str | None:
    """Name what is wrong with a request-target (RFC 9112 3.2), or None when it is sound.

    Accepted: origin-form (``/path?query``), ``*``, and an absolute-form URL
    (http, https, ws, wss) whose authority is a plain ``host[:port]``: no
    userinfo, fragment or backslash, which parsers split differently and
    would let a capture name one host to wsdiff and another to the server.
    """
    if " " in target or "\t" in target:
        return "holds a space or a tab"
    if target.startswith("/") or target == "*":
        return None
    scheme, sep, _ = target.partition("://")
    if not sep or scheme.lower() not in _TARGET_SCHEMES:
        return "is neither a path starting with '/' nor an absolute http(s) or ws(s) URL"
    if "\\" in target or "#" in target:
        return "is an absolute URL holding a backslash or a fragment"
    try:
        parts = urlsplit(target)
    except ValueError:
        return "is not a sound absolute URL"
    if "@" in parts.netloc or parse_authority(parts.netloc) is None:
        return "is an absolute URL whose authority is not a plain host[:port]"
    if parts.path and not parts.path.startswith("/"):
        return "is not a sound absolute URL"
    return None


def parse_query(query: str | None) -> list[tuple[str, str | None]]:
    """Split a raw query into ``(name, value)`` pairs, keeping percent-encoding.

    A parameter without ``=`` has the value None, so ``a`` and ``a=`` differ,
    as they do on the wire.
    """
    if not query:
        return []
    pairs: list[tuple[str, str | None]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        pairs.append((name, value if sep else None))
    return pairs


def build_query(pairs: list[tuple[str, str | None]]) -> str:
    """Join pairs made by :func:`parse_query` back into a raw query."""
    return "&".join(n if v is None else f"{n}={v}" for n, v in pairs)


def cookies(headers: Headers) -> list[tuple[str, str]]:
    """Return the ``(name, value)`` pairs of every Cookie header, in order (RFC 6265 5.4)."""
    out = []
    for value in header_values(headers, "Cookie"):
        for part in value.split(";"):
            name, eq, val = part.strip().partition("=")
            if name or val:
                out.append((name.strip(), val.strip() if eq else ""))
    return out


def replace_named(pairs: list[tuple[str, str]], name: str, values: list[str]) -> list[tuple[str, str]]:
    """Return *pairs* with every pair named *name* replaced by one per value in *values*.

    The new pairs go where the first old one was, else at the end; the others keep their order.
    """
    at = next((i for i, (n, _) in enumerate(pairs) if n == name), len(pairs))
    before = [p for p in pairs[:at] if p[0] != name]
    after = [p for p in pairs[at:] if p[0] != name]
    return before + [(name, v) for v in values] + after


def with_cookie(headers: Headers, name: str, value: str | list[str] | None) -> Headers:
    """Set one cookie, keeping the others and their order; None or [] removes it.

    A list sets every value of a repeated name (browsers send one per path that matches).
    """
    values = [] if value is None else [value] if isinstance(value, str) else list(value)
    pairs = replace_named(cookies(headers), name, values)
    return with_header(headers, "Cookie", ["; ".join(f"{n}={v}" for n, v in pairs)] if pairs else [])


def _tokens(headers: Headers, name: str) -> list[str]:
    return [t.strip() for v in header_values(headers, name) for t in v.split(",") if t.strip()]


def subprotocols(headers: Headers) -> list[str]:
    """Return the offered subprotocols in preference order (RFC 6455 11.3.4)."""
    return _tokens(headers, "Sec-WebSocket-Protocol")


def with_subprotocols(headers: Headers, tokens: list[str]) -> Headers:
    """Set the offered subprotocols (an empty list removes the header)."""
    return with_header(headers, "Sec-WebSocket-Protocol", [", ".join(tokens)] if tokens else [])


def extensions(headers: Headers) -> list[tuple[str, str]]:
    """Return ``(name, full text)`` for each offered extension, in order (RFC 6455 9.1).

    A name can repeat: a client may offer permessage-deflate twice, with
    different parameters, in order of preference (RFC 7692 5).
    """
    out = []
    for text in _tokens(headers, "Sec-WebSocket-Extensions"):
        name = text.split(";", 1)[0].strip()
        params = "; ".join(p.strip() for p in text.split(";")[1:] if p.strip())
        # A nameless offer is junk, but it was sent: keep its text so that it shows and survives a rewrite.
        out.append((name, (f"{name}; {params}" if params else name) if name else text))
    return out


def with_extensions(headers: Headers, items: list[tuple[str, str]]) -> Headers:
    """Set the offered extensions from ``(name, full text)`` pairs."""
    return with_header(headers, "Sec-WebSocket-Extensions", [", ".join(t for _, t in items)] if items else [])


def split_authority(authority: str) -> tuple[str, str]:
    """Split ``host[:port]`` into the host as written (an IPv6 address in its brackets) and the port text.

    The port is "" when there is none; a name with several ':' and no
    brackets (a bare IPv6 address, or junk) is all host.
    """
    if authority.startswith("["):
        end = authority.find("]") + 1
        if end and (authority[end:] == "" or authority[end:end + 1] == ":"):
            return authority[:end], authority[end + 1:]
        return authority, ""
    if authority.count(":") == 1:
        host, _, port = authority.rpartition(":")
        return host, port
    return authority, ""


def host_as_in_host(host: str) -> str:
    """Return an endpoint's host (lower case) as a Host field names it: an IPv6 address in brackets (RFC 3986 3.2.2)."""
    return host.lower() if host.startswith("[") or ":" not in host else f"[{host.lower()}]"


def origin_authority(origin: str) -> tuple[str, str, int] | None:
    """Return ``(scheme, host, port)`` of an Origin (RFC 6454), or None for ``null`` or junk."""
    scheme, sep, rest = origin.partition("://")
    if not sep or not rest:
        return None
    host, port = split_authority(rest.rstrip("/"))
    default = default_port(scheme) if scheme.lower() in ("http", "https", "ws", "wss") else 0
    try:
        return scheme.lower(), host.lower(), int(port) if port else default
    except ValueError:
        return None


def place_header(target: Headers, source: Headers, lname: str) -> Headers:
    """Return *target* with header *lname* (lower case) set to its values in *source*.

    Absent from *source*: removed. Present in both: replaced in place. New to
    the target: inserted before the first header that follows it in *source*
    and exists in *target*, so the wire order stays plausible.
    """
    values = header_values(source, lname)
    if not values:
        return without_header(target, lname)
    if header_values(target, lname):
        return with_header(target, lname, values)
    spelled = next(k for k, _ in source if k.lower() == lname)
    names = [k.lower() for k, _ in source]
    following = names[names.index(lname) + 1:]
    present = {k.lower() for k, _ in target}
    anchor = next((n for n in following if n in present and n != lname), None)
    if anchor is None:
        return target + tuple((spelled, v) for v in values)
    out: list[tuple[str, str]] = []
    for k, v in target:
        if k.lower() == anchor and not any(x.lower() == lname for x, _ in out):
            out.extend((spelled, nv) for nv in values)
        out.append((k, v))
    return tuple(out)


def place_query_param(target: str | None, source: str | None, name: str) -> str | None:
    """Return the raw query *target* with parameter *name* set to its values in raw query *source*.

    The values take the place of the first old one, or go before the first
    parameter that follows them in *source*; None means no query at all.
    """
    tq, sq = parse_query(target), parse_query(source)
    values = [(n, v) for n, v in sq if n == name]
    firsts = [i for i, (n, _) in enumerate(tq) if n == name]
    rest = [(n, v) for n, v in tq if n != name]
    if firsts:
        at = firsts[0]  # no pair named *name* comes before the first one, so its index in *rest* is the same
    else:
        source_names = [n for n, _ in sq]
        later = source_names[source_names.index(name) + 1:] if name in source_names else []
        at = next((i for i, (n, _) in enumerate(rest) if n in later), len(rest))
    pairs = rest[:at] + values + rest[at:]
    return build_query(pairs) if pairs else None
