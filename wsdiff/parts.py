"""Parse and rebuild the parts of a handshake that carry lists: cookies, subprotocols, extensions.

Pure helpers shared by the diff and the variants, so that a difference the
diff names can be applied to a request by the same rules that found it.
"""

from __future__ import annotations

from .model import Headers, header_values, with_header

__all__ = [
    "cookies",
    "replace_named",
    "with_cookie",
    "subprotocols",
    "with_subprotocols",
    "extensions",
    "with_extensions",
    "origin_authority",
]


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


def origin_authority(origin: str) -> tuple[str, str, int] | None:
    """Return ``(scheme, host, port)`` of an Origin (RFC 6454), or None for ``null`` or junk."""
    scheme, sep, rest = origin.partition("://")
    if not sep or not rest:
        return None
    host, _, port = rest.rstrip("/").rpartition(":") if rest.count(":") == 1 else (rest.rstrip("/"), "", "")
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme.lower(), 0)
    try:
        return scheme.lower(), host.lower(), int(port) if port else default
    except ValueError:
        return None
