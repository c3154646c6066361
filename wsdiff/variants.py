"""Variants: named, documented transformations of a handshake (pure).

Each variant is a function from Request to Request, or of the client's
messages after the 101 (``drop-message=1``, ``drop-message-field=1:payload.token``).
``parse_variant("drop-origin")`` or ``parse_variant("set-header=X-Mode:legacy")`` returns one;
:data:`CATALOGUE` lists them all. :func:`transplant` applies differences
found by :func:`wsdiff.diff.compare`, taking their values from another
capture: the mechanism under ``replay --from`` and ``bisect``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from .difference import Difference
from .errors import VariantError
from .headers import build_query, is_token, parse_query, with_extensions, with_subprotocols
from .kinds import KINDS
from .messages import edit_client_message, format_path, parse_position_path, set_member, with_text
from .model import Capture, Request, split_target, with_header, without_header
from .redact import argument_secrets, is_credential_header, is_credential_param, redact_shown, run_key

__all__ = ["Variant", "CATALOGUE", "parse_variant", "all_variants", "combine", "transplant"]


@dataclass(frozen=True)
class Variant:
    """A named transformation of a request, or of the client's messages after the 101."""

    name: str  # as the user wrote it, e.g. "set-origin=https://app.example"
    description: str
    apply: Callable[[Request], Request]
    messages: Callable[[Capture], Capture] | None = None  # for a variant of the messages (apply is then a no-op)
    # The credentials in the argument, found by their place (a credential header, a JSON member named like one):
    # name and description are printed only through redacted(), which fingerprints them.
    secrets: tuple[str, ...] = ()

    def redacted(self, key: bytes) -> Variant:
        """Return this variant with its name and description safe to print (its secrets fingerprinted)."""
        return replace(self, name=redact_shown(self.name, key, self.secrets),
                       description=redact_shown(self.description, key, self.secrets))

    def on(self, capture: Capture) -> Capture:
        """Return *capture* with this variant applied (its request, or its client messages).

        Raises:
            VariantError: the capture has no such message, or the message is not JSON.
        """
        if self.messages is not None:
            return self.messages(capture)
        return capture.replace(request=self.apply(capture.request))


@dataclass(frozen=True)
class MessageEdit:
    """What a message variant's factory returns: a change of the capture's client messages."""

    edit: Callable[[Capture], Capture]


def _same(r: Request) -> Request:
    return r


def _edit_json(position: int, path: tuple[str | int, ...], raw: str | None, spec: str) -> MessageEdit:
    def edit(capture: Capture) -> Capture:
        def change(m):  # type: ignore[no-untyped-def]
            if m.type != "text" or not m.whole:
                raise ValueError(f"message {position} is {'binary' if m.type != 'text' else 'not kept whole'}")
            return with_text(m, set_member(m.head.decode("utf-8"), path, raw))

        try:
            return edit_client_message(capture, position, change)
        except (ValueError, UnicodeDecodeError) as e:
            raise VariantError(f"{spec}: {e}") from None

    return MessageEdit(edit)


def _message_field_arg(name: str, takes_value: bool) -> Callable[[str], MessageEdit]:
    """Bind the parser of a message-field variant's argument (runs at import: binding only, see hints._r)."""
    return functools.partial(_parse_message_field, name, takes_value)  # pragma: no mutate


def _parse_message_field(name: str, takes_value: bool, arg: str) -> MessageEdit:
    """Return the edit that drops (or sets) the JSON member ``MESSAGE:PATH[=VALUE]`` names in a client message."""
    try:
        position, path, rest = parse_position_path(arg)
    except ValueError as e:
        raise VariantError(f"{name}: {e}") from None
    if not takes_value:
        if rest:
            raise VariantError(f"{name} takes MESSAGE:PATH, got {arg!r}")
        return _edit_json(position, path, None, f"{name}={arg}")
    if not rest.startswith("="):
        raise VariantError(f"{name} needs MESSAGE:PATH=VALUE, got {arg!r}")
    value = rest[1:]
    try:  # JSON when it reads as JSON (3, true, null, "3", {"a": 1}), else a string
        json.loads(value)
        raw = value
    except ValueError:
        raw = json.dumps(value, ensure_ascii=False)
    # An error names the variant: with its credential fingerprinted, as the CLI would print it.
    last = next((p for p in reversed(path) if isinstance(p, str)), "")
    shown = redact_shown(f"{name}={arg}", run_key(), argument_secrets(value, member=last))
    return _edit_json(position, path, raw, shown)


def _drop_message_arg(arg: str) -> MessageEdit:
    if not arg.isdigit() or int(arg) < 1:
        raise VariantError(f"drop-message needs a message number from 1, got {arg!r}")
    position = int(arg)

    def edit(capture: Capture) -> Capture:
        try:
            return edit_client_message(capture, position, lambda m: None)
        except ValueError as e:
            raise VariantError(f"drop-message={arg}: {e}") from None

    return MessageEdit(edit)


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


# RFC 9110 5.6.2: a field name is a token; 5.5: a field value holds no CR, LF or NUL.
_VALUE_BREAKERS = re.compile(r"[\r\n\x00]")


def _header_value(value: str, what: str) -> str:
    if _VALUE_BREAKERS.search(value):
        # The value itself is not echoed: it may be a credential.
        raise VariantError(f"{what}: the value holds a CR, LF or NUL character, which no header may (RFC 9110 5.5)")
    return value


def _set_header_arg(arg: str) -> Callable[[Request], Request]:
    name, sep, value = arg.partition(":")
    if not sep or not name.strip():
        raise VariantError(f"set-header needs NAME:VALUE, got {arg!r}")
    name = name.strip()
    if not is_token(name):
        raise VariantError(f"set-header: {name!r} is not a header name (letters, digits and !#$%&'*+-.^_`|~ only, "
                           "RFC 9110 5.6.2)")
    value = _header_value(value.strip(), f"set-header={name}")
    return lambda r: r.replace(headers=with_header(r.headers, name, value))


def _path_arg(arg: str) -> Callable[[Request], Request]:
    if not arg.startswith("/"):
        raise VariantError(f"path needs a path starting with '/', got {arg!r}")
    return lambda r: r.replace(target=arg + (f"?{r.query}" if r.query is not None and "?" not in arg else ""))


def _need(arg: str, what: str) -> str:
    if not arg:
        raise VariantError(f"{what} needs a value")
    return arg


# name -> (takes an argument, description, factory from the argument)
CATALOGUE: dict[str, tuple[bool, str, Callable[[str], Callable[[Request], Request] | MessageEdit]]] = {
    "drop-auth": (False, "remove every credential: Authorization, Cookie, key/token headers, credential query parameters",
                  lambda _: _drop_auth),
    "drop-cookies": (False, "remove the Cookie header",
                     lambda _: lambda r: r.replace(headers=without_header(r.headers, "Cookie"))),
    "drop-origin": (False, "remove the Origin header (as a script sends it)",
                    lambda _: lambda r: r.replace(headers=without_header(r.headers, "Origin"))),
    "set-origin": (True, "set Origin to URL",
                   lambda a: (lambda v: lambda r: r.replace(headers=with_header(r.headers, "Origin", v)))(
                       _header_value(_need(a, "set-origin"), "set-origin"))),
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
             lambda a: (lambda v: lambda r: r.replace(headers=with_header(r.headers, "Host", v)))(
                 _header_value(_need(a, "host"), "host"))),
    "drop-message": (True, "do not send client message N after the 101 (the ones after it move up)",
                     _drop_message_arg),
    "drop-message-field": (True, "remove the JSON member at PATH from client message N (N:PATH, "
                           "e.g. 1:payload.token)", _message_field_arg("drop-message-field", False)),
    "set-message-field": (True, "set the JSON member at PATH in client message N to VALUE (N:PATH=VALUE; "
                          "VALUE is JSON if it reads as JSON, else a string)",
                          _message_field_arg("set-message-field", True)),
}


# A comma followed by a catalogue name, alone or with '=': the user joined two variants. A comma
# followed by anything else (a header value 'a, b', a path '/a,b') stays part of the argument.
_VARIANT_TAIL = re.compile(r",\s*(" + "|".join(re.escape(n) for n in sorted(CATALOGUE, key=len, reverse=True))
                           + r"|all)(?=[=,]|$)")


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
    tail = _VARIANT_TAIL.search(arg)
    if tail:
        # 'path=/v2,set-header=X:1' would otherwise be sent as the one path '/v2,set-header=X:1'.
        raise VariantError(f"{spec!r} looks like several variants joined by a comma ({tail.group(1)!r} after it); "
                           "give each its own --variant, and add --together to send them in one probe")
    made = factory(arg)
    secrets = _argument_secrets(name, arg)
    if isinstance(made, MessageEdit):
        return Variant(spec, _message_description(name, arg), _same, made.edit, secrets)
    if sep:
        for placeholder in ("NAME:VALUE", "URL", "PATH", "HOST", "NAME"):
            description = description.replace(placeholder, arg)
    return Variant(spec, description, made, secrets=secrets)


def _argument_secrets(name: str, arg: str) -> tuple[str, ...]:
    """The credentials in a variant's argument, by their place (the header or member they are set in), or look."""
    if name == "set-header":
        header, _, value = arg.partition(":")
        return argument_secrets(value.strip(), header=header.strip())
    if name == "set-message-field":
        _, path, rest = parse_position_path(arg)
        last = next((p for p in reversed(path) if isinstance(p, str)), "")
        return argument_secrets(rest[1:], member=last)
    return argument_secrets(arg)


def _message_description(name: str, arg: str) -> str:
    if name == "drop-message":
        return f"do not send client message {arg}"
    position, path, rest = parse_position_path(arg)
    where = f"{format_path(path)} in client message {position}"
    return f"remove {where}" if name == "drop-message-field" else f"set {where} to {rest[1:]}"


def combine(variants: Sequence[Variant]) -> Variant:
    """Return one variant that applies *variants* in order (``replay --together``): one probe, several changes."""
    if not variants:
        raise VariantError("--together needs at least one --variant")
    if len(variants) == 1:
        return variants[0]
    chosen = tuple(variants)

    def apply(r: Request) -> Request:
        for v in chosen:
            r = v.apply(r)
        return r

    def on(c: Capture) -> Capture:  # the request and the client's messages, each variant in turn
        for v in chosen:
            c = v.on(c)
        return c

    messages = on if any(v.messages is not None for v in chosen) else None
    return Variant(" + ".join(v.name for v in chosen), "; ".join(v.description for v in chosen), apply, messages,
                   tuple(s for v in chosen for s in v.secrets))


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


def transplant(target: Capture, source: Capture, differences: Iterable[Difference]) -> Capture:
    """Return *target* with each difference set to *source*'s value.

    With target GOOD and source BAD this adds BAD's differences to GOOD; with
    target BAD and source GOOD it removes them from BAD.
    """
    for d in differences:
        apply = KINDS[d.kind].apply
        if apply is None:
            raise VariantError(f"a {d.kind} difference cannot be applied to a request")
        target = apply(target, source, d)
    return target
