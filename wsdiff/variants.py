"""Variants: named, documented transformations of a handshake (pure).

Each variant is a function from Request to Request. ``parse_variant("drop-origin")``
or ``parse_variant("set-header=X-Mode:legacy")`` returns one;
:data:`CATALOGUE` lists them all. :func:`transplant` applies differences
found by :func:`wsdiff.diff.compare`, taking their values from another
capture: the mechanism under ``replay --from`` and ``bisect``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .diff import Difference
from .errors import VariantError
from .model import Capture, Request, build_query, header_values, parse_query, split_target, with_header, without_header
from .parts import (cookies, extensions, replace_named, subprotocols, with_cookie, with_extensions,
                    with_subprotocols)
from .redact import is_credential_header, is_credential_param

__all__ = ["Variant", "CATALOGUE", "parse_variant", "all_variants", "transplant"]


@dataclass(frozen=True)
class Variant:
    """A named transformation of a request."""

    name: str  # as the user wrote it, e.g. "set-origin=https://app.example"
    description: str
    apply: Callable[[Request], Request]


def _drop_auth(r: Request) -> Request:
    headers = tuple((k, v) for k, v in r.headers if not is_credential_header(k))
    path, query = split_target(r.target)
    if query is not None:
        kept = [(n, v) for n, v in parse_query(query) if not is_credential_param(n)]
        target = f"{path}?{build_query(kept)}" if kept else path
    else:
        target = r.target
    return r.replace(headers=headers, target=target)


def _set_query(r: Request, pairs: list[tuple[str, str | None]]) -> Request:
    path = r.path
    return r.replace(target=f"{path}?{build_query(pairs)}" if pairs else path)


def _set_header_arg(arg: str) -> Callable[[Request], Request]:
    name, sep, value = arg.partition(":")
    if not sep or not name.strip():
        raise VariantError(f"set-header needs NAME:VALUE, got {arg!r}")
    return lambda r: r.replace(headers=with_header(r.headers, name.strip(), value.strip()))


def _path_arg(arg: str) -> Callable[[Request], Request]:
    if not arg.startswith("/"):
        raise VariantError(f"path needs a path starting with '/', got {arg!r}")
    return lambda r: r.replace(target=arg + (f"?{r.query}" if r.query is not None and "?" not in arg else ""))


def _need(arg: str, what: str) -> str:
    if not arg:
        raise VariantError(f"{what} needs a value")
    return arg


# name -> (takes an argument, description, factory from the argument)
CATALOGUE: dict[str, tuple[bool, str, Callable[[str], Callable[[Request], Request]]]] = {
    "drop-auth": (False, "remove every credential: Authorization, Cookie, key/token headers, credential query parameters",
                  lambda _: _drop_auth),
    "drop-cookies": (False, "remove the Cookie header",
                     lambda _: lambda r: r.replace(headers=without_header(r.headers, "Cookie"))),
    "drop-origin": (False, "remove the Origin header (as a script sends it)",
                    lambda _: lambda r: r.replace(headers=without_header(r.headers, "Origin"))),
    "set-origin": (True, "set Origin to URL",
                   lambda a: (lambda v: lambda r: r.replace(headers=with_header(r.headers, "Origin", v)))(
                       _need(a, "set-origin"))),
    "drop-subprotocols": (False, "remove Sec-WebSocket-Protocol",
                          lambda _: lambda r: r.replace(headers=with_subprotocols(r.headers, []))),
    "drop-extensions": (False, "remove Sec-WebSocket-Extensions (no permessage-deflate)",
                        lambda _: lambda r: r.replace(headers=with_extensions(r.headers, []))),
    "drop-user-agent": (False, "remove User-Agent",
                        lambda _: lambda r: r.replace(headers=without_header(r.headers, "User-Agent"))),
    "drop-header": (True, "remove header NAME (every occurrence)",
                    lambda a: (lambda n: lambda r: r.replace(headers=without_header(r.headers, n)))(
                        _need(a, "drop-header"))),
    "set-header": (True, "set header NAME:VALUE (in place, or added at the end)", _set_header_arg),
    "path": (True, "send to PATH instead (the query is kept unless PATH has one)", _path_arg),
    "drop-query": (False, "remove the whole query string", lambda _: lambda r: r.replace(target=r.path)),
    "drop-query-param": (True, "remove query parameter NAME",
                         lambda a: (lambda n: lambda r: _set_query(r, [(k, v) for k, v in parse_query(r.query) if k != n]))(
                             _need(a, "drop-query-param"))),
    "host": (True, "set the Host header to HOST (where it connects does not change)",
             lambda a: (lambda v: lambda r: r.replace(headers=with_header(r.headers, "Host", v)))(_need(a, "host"))),
}


def parse_variant(spec: str) -> Variant:
    """Return the variant named by *spec* (``NAME`` or ``NAME=ARG``).

    Raises:
        VariantError: unknown name, or a missing or bad argument.
    """
    name, sep, arg = spec.partition("=")
    if name not in CATALOGUE:
        raise VariantError(f"unknown variant {name!r}; known: {', '.join(CATALOGUE)}, all")
    takes_arg, description, factory = CATALOGUE[name]
    if takes_arg and not sep:
        raise VariantError(f"variant {name} needs an argument: {name}=...")
    if not takes_arg and sep:
        raise VariantError(f"variant {name} takes no argument")
    return Variant(spec, description.replace("URL", arg).replace("NAME:VALUE", arg) if sep else description,
                   factory(arg))


def all_variants(request: Request) -> list[Variant]:
    """Return every argument-free variant that changes *request* (``--variant all``)."""
    out = []
    for name, (takes_arg, _, _) in CATALOGUE.items():
        if not takes_arg:
            v = parse_variant(name)
            if v.apply(request) != request:
                out.append(v)
    return out


# --- transplanting differences ------------------------------------------------


def _place_header(target: Request, source: Request, lname: str) -> Request:
    values = header_values(source.headers, lname)
    if not values:
        return target.replace(headers=without_header(target.headers, lname))
    if header_values(target.headers, lname):
        return target.replace(headers=with_header(target.headers, lname, values))
    # New to the target: insert it before the first header that follows it in
    # the source and exists in the target, so the wire order stays plausible.
    spelled = next(k for k, _ in source.headers if k.lower() == lname)
    names = [k.lower() for k, _ in source.headers]
    following = names[names.index(lname) + 1:]
    present = {k.lower() for k, _ in target.headers}
    anchor = next((n for n in following if n in present and n != lname), None)
    if anchor is None:
        return target.replace(headers=target.headers + tuple((spelled, v) for v in values))
    out: list[tuple[str, str]] = []
    for k, v in target.headers:
        if k.lower() == anchor and not any(x.lower() == lname for x, _ in out):
            out.extend((spelled, nv) for nv in values)
        out.append((k, v))
    return target.replace(headers=tuple(out))


def _place_query_param(target: Request, source: Request, name: str) -> Request:
    tq, sq = parse_query(target.query), parse_query(source.query)
    values = [(n, v) for n, v in sq if n == name]
    firsts = [i for i, (n, _) in enumerate(tq) if n == name]
    rest = [(n, v) for n, v in tq if n != name]
    if firsts:
        at = firsts[0] - sum(1 for i in range(firsts[0]) if tq[i][0] == name)
    else:
        source_names = [n for n, _ in sq]
        later = source_names[source_names.index(name) + 1:] if name in source_names else []
        at = next((i for i, (n, _) in enumerate(rest) if n in later), len(rest))
    pairs = rest[:at] + values + rest[at:]
    return _set_query(target, pairs) if (pairs or target.query is not None) else target


def _apply_one(target: Capture, source: Capture, d: Difference) -> Capture:
    t, s = target.request, source.request
    kind, name = d.kind, d.name
    if kind == "endpoint" and name is not None:
        return target.replace(endpoint=dataclasses.replace(target.endpoint, **{name: getattr(source.endpoint, name)}))
    if kind == "method":
        return target.replace(request=t.replace(method=s.method))
    if kind == "http-version":
        return target.replace(request=t.replace(http_version=s.http_version))
    if kind == "path":
        return target.replace(request=t.replace(target=s.path + (f"?{t.query}" if t.query is not None else "")))
    if kind == "query-param" and name is not None:
        return target.replace(request=_place_query_param(t, s, name))
    if kind == "header" and name is not None:
        return target.replace(request=_place_header(t, s, name.lower()))
    if kind == "cookie" and name is not None:
        values = [v for n, v in cookies(s.headers) if n == name]
        return target.replace(request=t.replace(headers=with_cookie(t.headers, name, values)))
    if kind == "subprotocol" and name is not None:
        tokens = [x for x in subprotocols(t.headers) if x != name]
        src = subprotocols(s.headers)
        if name in src:
            tokens.insert(min(src.index(name), len(tokens)), name)
        return target.replace(request=t.replace(headers=with_subprotocols(t.headers, tokens)))
    if kind == "extension" and name is not None:
        offers = [text for n, text in extensions(s.headers) if n == name]
        items = replace_named(extensions(t.headers), name, offers)
        return target.replace(request=t.replace(headers=with_extensions(t.headers, items)))
    raise VariantError(f"a {d.kind} difference cannot be applied to a request")


def transplant(target: Capture, source: Capture, differences: Iterable[Difference]) -> Capture:
    """Return *target* with each difference set to *source*'s value.

    With target GOOD and source BAD this adds BAD's differences to GOOD; with
    target BAD and source GOOD it removes them from BAD.
    """
    for d in differences:
        target = _apply_one(target, source, d)
    return target
