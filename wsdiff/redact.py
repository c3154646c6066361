"""Credential detection, redaction by keyed fingerprint, and restoring secrets where they belong (pure).

A secret is replaced by ``redacted:<16 hex>``, the first 64 bits of
HMAC-SHA256(key, secret). With one key per machine, two captures that hold
the same secret still compare equal and different secrets differ, while the
file is safe to share. The originals go to a secret store
(:mod:`wsdiff.secrets`), never into a capture.

Every secret is **bound** to where it was recorded: the endpoint
(``scheme://host:port``) and the place (``header authorization``,
``cookie sid``, ``query token``, ``message client token``, ...). A
fingerprint is restored only at a place it is bound to, in a request that
goes to that endpoint, or to a host the user named (``allow``). Fingerprints
appear in every shared capture: without the binding, a capture sent back
with another endpoint, or with the fingerprint moved into another header,
would make replay deliver the secret to whoever edited it.

Where credentials are found: Authorization and Proxy-Authorization (the
scheme is kept), each cookie, Set-Cookie values, headers and query
parameters whose names say key, token, secret, password, session, ...
(``X-AccessToken``, ``refreshToken``, ``access%5Ftoken`` too), bearer
tokens in Sec-WebSocket-Protocol, and, in every other value, body and
message: JWT-shaped values, ``Bearer``/``Basic`` credentials, URL userinfo,
``name=value`` pairs and JSON members (escaped JSON, and values cut at the
kept-bytes limit, too) whose names say credential. A secret found once is
also replaced wherever else it appears in the same capture (a server's echo).
"""

from __future__ import annotations

import functools
import hmac
import json
import os
import re
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote_plus

from .document import valid_host
from .errors import SecretError, SecretRefusedError
from .headers import parse_authority, target_authority
from .messages import format_path, paths_holding, set_member, spans
from .model import (Capture, Endpoint, Failure, Headers, Message, Request, Response, Session, header_values,
                    split_target)
from .oracle import ProbeResult

__all__ = [
    "FINGERPRINT_RE",
    "Binding",
    "Secret",
    "Secrets",
    "endpoint_key",
    "destination_key",
    "fingerprint",
    "run_key",
    "is_credential_header",
    "is_credential_param",
    "redact_capture",
    "redact_request",
    "redact_result",
    "redact_text",
    "redact_json",
    "argument_secrets",
    "redact_shown",
    "restore_request",
    "restore_messages",
    "reveal_capture",
    "fingerprints_in",
    "merge_secrets",
    "parse_allowed_host",
]

FINGERPRINT_RE = re.compile(r"redacted:[0-9a-f]{16}")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # surrogateescape's stand-in for a byte that is not UTF-8
_FINGERPRINT_SPLIT = re.compile(f"({FINGERPRINT_RE.pattern})")  # split() keeps each fingerprint, at odd indices


@dataclass(frozen=True)
class Binding:
    """Where a secret was recorded: the endpoint (``wss://host:443``) and the place in the handshake."""

    endpoint: str
    place: str


@dataclass(frozen=True)
class Secret:
    """A secret and every place it was recorded; no binding means "recorded by a wsdiff that did not say"."""

    value: str
    bindings: frozenset[Binding] = frozenset()


Secrets = Mapping[str, Secret]
"""Fingerprint -> secret, as the store and redaction give them."""


def fingerprint(key: bytes, secret: str) -> str:
    """Return the stable keyed fingerprint that stands for *secret* in a capture."""
    if _ESCAPED_BYTE.search(secret):
        # A byte that was not UTF-8 in a message or body (read with surrogateescape): hash the bytes it stands
        # for, in UTF-8, under a key of its own, so that it never shares a fingerprint with the ISO-8859-1 text
        # of a header that spells the same bytes (the store maps each fingerprint to one secret).
        data = secret.encode("utf-8", "surrogateescape")
        key = hmac.digest(key, b"wsdiff: a secret holding a byte that is not UTF-8", "sha256")
    else:
        try:
            # Header values and query parameters were decoded from the wire as ISO-8859-1: this gives their bytes.
            data = secret.encode("latin-1")
        except UnicodeEncodeError:
            # A member of a JSON message can hold any character (a password with a euro sign): hash its UTF-8
            # (before, this raised and the capture went unwritten), under a key of its own, so that it never
            # shares a fingerprint with the ISO-8859-1 string of the same bytes: the store maps each to one secret.
            data = secret.encode("utf-8", "surrogatepass")
            key = hmac.digest(key, b"wsdiff: a secret beyond ISO-8859-1", "sha256")
    digest = hmac.digest(key, data, "sha256").hex()
    return f"redacted:{digest[:16]}"


def _uncached_run_key() -> bytes:
    """Return a random key made for this process: fingerprints made with it match only within this run.

    The one piece of randomness in the core, for the case where no local
    store's key is given: a key written in the source would let anyone who
    reads a fingerprint test guesses of a short secret against it.
    """
    return os.urandom(32)


run_key = functools.cache(_uncached_run_key)


def _host(host: str) -> str:
    h = host.lower().rstrip(".")
    return f"[{h.strip('[]')}]" if ":" in h else h


def endpoint_key(endpoint: Endpoint) -> str:
    """Return the endpoint as a binding names it: ``scheme://host:port``, host in lower case."""
    return f"{endpoint.scheme.lower()}://{_host(endpoint.host)}:{endpoint.port}"


def _routing_mismatch(endpoint: Endpoint, request: Request) -> str | None:
    """Return how the request names another routing authority than *endpoint* (for the key), or None.

    Fails closed: a missing Host, more than one Host field, or an authority
    (Host, or an absolute-form target's, RFC 9112 3.2.2) that is not exactly
    ``host[:port]`` counts as another destination, because a front end may
    read it differently from wsdiff (join two Hosts, take the part after
    ``@``, stop at a space) and route the secret to another tenant.
    """
    hosts = header_values(request.headers, "Host")
    if not hosts:
        return "no Host"
    authorities = [h.strip() for h in hosts]
    absolute = target_authority(request.target)
    if absolute is not None:
        authorities.insert(0, absolute)
    want = (_host(endpoint.host).strip("[]"), endpoint.port)

    def routes_elsewhere(authority: str) -> bool:
        parsed = parse_authority(authority)
        return parsed is None or (parsed[0], endpoint.port if parsed[1] is None else parsed[1]) != want

    # Two Host fields: a front end may take either, or join them; name them all.
    other = authorities if len(hosts) > 1 else [a for a in authorities if routes_elsewhere(a)]
    return "Host " + ", ".join(dict.fromkeys(a.lower() for a in other)) if other else None


def destination_key(endpoint: Endpoint, request: Request | None = None) -> str:
    """Return where a request goes as a binding names it: the endpoint, and how the far end routes it.

    ``wss://host:port``, followed by ``(SNI name)`` when TLS names another
    host and ``(Host authority)`` when the Host header (or an absolute-form
    target) names another, or ``(no Host)``: a shared front end (a CDN, a
    PaaS router) picks the tenant by them, so a changed Host at the same
    address may reach someone else. See :func:`_routing_mismatch`.
    """
    key = endpoint_key(endpoint)
    host = _host(endpoint.host)
    if endpoint.scheme.lower() == "wss" and endpoint.sni and _host(endpoint.sni) != host:
        key += f" (SNI {_host(endpoint.sni)})"
    mismatch = _routing_mismatch(endpoint, request) if request is not None else None
    if mismatch is not None:
        key += f" ({mismatch})"
    return key


_DESTINATION = re.compile(
    r"^[a-z0-9+.-]+://(\[[^\]]*\]|[^:/ ]*):(\d+)(?: \(SNI ([^)]*)\))?(?: \((?:no Host|Host ([^)]*))\))?$")


def _routing_hosts(destination: str) -> tuple[str, list[str]]:
    """Return ``host:port`` of a destination key and the other hosts it names (SNI, Host).

    A Host that is not a plain ``host[:port]`` is returned as written: no
    ``--allow-secrets-to`` value can name it, so nothing is sent there.
    """
    m = _DESTINATION.match(destination)
    if m is None:
        return destination, []
    others = [m.group(3)] if m.group(3) else []
    if m.group(4):
        parsed = parse_authority(m.group(4))
        others.append(m.group(4) if parsed is None else _host(parsed[0]))
    return f"{m.group(1)}:{m.group(2)}", others


def parse_allowed_host(spec: str) -> str:
    """Normalise a ``--allow-secrets-to`` value (``HOST`` or ``HOST:PORT``, ``[v6]:PORT``).

    Raises:
        ValueError: not a host name or address, or a bad port.
    """
    text = spec.strip().lower().rstrip(".")
    host, port, bracketed = text, "", text.startswith("[")
    if bracketed:
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(f"expected HOST or HOST:PORT, got {spec!r}")
        port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host or not valid_host(f"[{host}]" if bracketed else host):  # brackets hold an IPv6 address only
        raise ValueError(f"expected HOST or HOST:PORT, got {spec!r}")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"bad port in {spec!r}")
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{int(port)}" if port else shown


def _named(hostport: str, allow: Sequence[str]) -> bool:
    return hostport in allow or hostport.rpartition(":")[0] in allow


def _allowed_by_name(dest: str, secret: Secret, allow: Sequence[str]) -> bool:
    """Tell whether the user named this destination: its host (or host:port), and any other host it is routed by.

    A routing host (SNI, Host) that the secret was recorded with needs no
    naming: ``--target`` sends the recorded Host to a new address.
    """
    if not allow:
        return False
    hostport, others = _routing_hosts(dest)
    recorded = set()
    for b in secret.bindings:
        bound, bound_others = _routing_hosts(b.endpoint)
        recorded.update([bound.rpartition(":")[0], *bound_others])
    return _named(hostport, allow) and all(h in allow or h in recorded for h in others)


def _needed_names(dest: str, secret: Secret) -> list[str]:
    hostport, others = _routing_hosts(dest)
    recorded = {_routing_hosts(b.endpoint)[0].rpartition(":")[0] for b in secret.bindings}
    return [hostport, *[h for h in others if h not in recorded]]


# --- what names a credential ---------------------------------------------------

_WORDS = frozenset({
    "auth", "authorization", "authentication", "key", "apikey", "token", "secret", "password", "passwd", "pwd",
    "pass", "passcode", "passphrase", "pin", "otp", "jwt", "session", "sessionid", "sid", "sig", "signature",
    "credential", "credentials", "bearer", "cookie", "hmac", "ticket",
})
_PREFIXES = ("auth", "token", "secret", "apikey", "passw", "jwt", "bearer", "credential", "session")
_SUFFIXES = ("token", "secret", "password", "passwd", "passcode", "apikey", "jwt", "sessionid", "sessid",
             "accesskey", "secretkey", "privatekey", "clientkey", "authkey", "signingkey", "appkey")
# Names that contain such words but carry no secret: RFC 6455 4.1's key is a nonce; a
# challenge (RFC 9110 11.6.1, 11.7.1) names the scheme and realm the server wants, and
# Access-Control-Allow-Credentials is "true": a hint needs them, and nothing is hidden in them.
_NOT_CREDENTIAL_HEADERS = frozenset({"sec-websocket-key", "sec-websocket-accept", "keep-alive",
                                     "www-authenticate", "proxy-authenticate", "access-control-allow-credentials"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _word_says_credential(w: str) -> bool:
    return w in _WORDS or w.startswith(_PREFIXES) or w.endswith(_SUFFIXES) or (
        w.endswith("s") and w[:-1] in _WORDS)


def _uncached_name_says_credential(name: str) -> bool:
    text = name
    for _ in range(3):  # percent-encoded names (access%5Ftoken), even twice (access%255Ftoken)
        decoded = unquote_plus(text)
        if decoded == text:
            break
        text = decoded
    words = [w for w in _NON_WORD.split(_CAMEL.sub(" ", text).lower()) if w]
    return any(_word_says_credential(w) for w in words) or _word_says_credential("".join(words))


# names repeat: this runs for every header of every capture
_name_says_credential = functools.lru_cache(maxsize=4096)(_uncached_name_says_credential)


def _uncached_is_credential_header(name: str) -> bool:
    """Tell whether a header holds a credential (Authorization, Cookie, X-API-Key, X-AccessToken, ...)."""
    if name.lower() in _NOT_CREDENTIAL_HEADERS:
        return False
    return _name_says_credential(name)


is_credential_header = functools.lru_cache(maxsize=4096)(_uncached_is_credential_header)


def is_credential_param(name: str) -> bool:
    """Tell whether a query parameter (or JSON member) holds a credential (token, api_key, accessToken, ...)."""
    return _name_says_credential(name)


# --- finding credentials in any text -------------------------------------------

# JWS/JWE compact serialisations start with base64url('{"'); cut ones (one segment) count too.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,4}")
# RFC 9110 11.4: the credentials after the scheme are a token68; ``Bearer realm="x"`` (a challenge) is not one.
# A quote may end the credential (a JSON string: "Bearer <token>"), but not open a quoted-string after '='
# (``realm="x"``): that quote is followed by its text, a closing one by ',', '}', ']', a blank or the end.
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic)([ \t]+)([A-Za-z0-9._~+/-]{4,}=*)(?![A-Za-z0-9._~+/=:-])"
                          r"(?!(?<==)\"(?![,}\]\s]|$))")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,15}://)([^/?#@\s\"'<>\\]+)@")
# name=value, in a query, a form or any text; a name starts with no dash (``--missing-secrets=drop`` is an option).
_PAIR = re.compile(r"(?<![A-Za-z0-9_.%~+\-\[\]])([A-Za-z0-9_.%~+\[\]][A-Za-z0-9_.%~+\-\[\]]{0,63})=([^&\s\"'<>#;,\\]*)")
_HEADER_LINE = re.compile(r"(?im)^[ \t]*([A-Za-z0-9_-]{1,64})[ \t]*:[ \t]*([^\r\n]*)")
# A JSON member, possibly inside a JSON string (escaped quotes: \"token\":\"...\"), possibly cut at the end.
# The run of backslashes starts where the run starts (the lookbehind) and is short (16 covers 4 levels of
# nesting): a search then costs O(1) at each position of a long run, not the rest of the run (80k
# backslashes took 33 s).
# A bare value (a number, a word) is taken whole when it is a fingerprint: 'redacted' alone is not a secret.
_MEMBER = re.compile(
    r'(?<!\\)(\\{0,16})"([^"\\\r\n]{1,64})\1"\s*:\s*'
    r'(?:\1"((?:[^"\\]|\\.)*?)(?:\1"|\Z)|(redacted:[0-9a-f]{16}|-?[A-Za-z0-9._~+/=]+))')
_MEMBER_BEFORE = re.compile(r'"([^"\\\r\n]{1,64})\\*"\s*:\s*\\*"$')
# Every pattern below needs one of these: most header values have none and cost one search.
_TRIGGER = re.compile(r'["=:@]|eyJ|(?i:bearer|basic)')
_RANDOMISH = re.compile(r"[A-Za-z0-9+/=_~-]{20,}|[0-9a-fA-F-]{24,}")
_SWEEP_MIN = 8  # a found secret this long is also replaced wherever else it appears


class _Redactor:
    """Replace secrets by fingerprints, remembering each secret and the places it sat in."""

    def __init__(self, key: bytes, endpoint: str) -> None:
        self.key = key
        self.endpoint = endpoint
        self.found: dict[str, str] = {}  # fingerprint -> secret
        self.places: dict[str, set[str]] = {}  # fingerprint -> places

    def secret(self, value: str) -> str:
        if not value or FINGERPRINT_RE.fullmatch(value):
            return value
        if FINGERPRINT_RE.search(value):
            # Part of it was fingerprinted by an earlier rule: the rest, piece by piece, blanks kept. A secret
            # holding a fingerprint would be replayed with the fingerprint's text in it.
            return "".join(part if i % 2 else self._blanks_kept(part)
                           for i, part in enumerate(_FINGERPRINT_SPLIT.split(value)))
        fp = fingerprint(self.key, value)
        self.found[fp] = value
        return fp

    # values by kind

    def scheme_and_credentials(self, value: str) -> str:
        # RFC 9110 11.4: credentials = auth-scheme [ 1*SP token68 / params ];
        # the scheme (Basic, Bearer) tells a reader a lot and is no secret.
        # Only the credential itself is replaced: the blanks around it stay, so replay sends the bytes recorded.
        scheme, sp, rest = value.partition(" ")
        if sp and rest.strip() and re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", scheme):
            return f"{scheme} {self._blanks_kept(rest)}"
        return self._blanks_kept(value)

    def _blanks_kept(self, value: str) -> str:
        """*value* with the credential between its leading and trailing blanks fingerprinted, the blanks kept."""
        core = value.strip()
        if not core:
            return value
        start = value.index(core)
        return value[:start] + self.secret(core) + value[start + len(core):]

    def subprotocols(self, value: str) -> str:
        """Bearer tokens in Sec-WebSocket-Protocol (the browsers' usual workaround; RFC 6455 11.3.4 tokens).

        Redacted: a token after a marker (``access_token, <token>``), the last
        part of a prefixed one (``bearer.<token>``, Kubernetes'
        ``base64url.bearer.authorization.k8s.io.<token>``), JWT-shaped or
        random-looking tokens, and any other token whose name says credential.
        """
        out = []
        after_marker = False
        for raw in value.split(","):
            token = raw.strip()
            new = token
            marker = _is_marker(token)
            if token and not FINGERPRINT_RE.fullmatch(token) and not (marker and not after_marker):
                parts = re.split(r"[.|]", token)
                if after_marker:
                    new = self.secret(token)
                elif _JWT.search(token):
                    new = _JWT.sub(lambda m: self.secret(m.group(0)), token)
                elif len(parts) > 1 and any(_name_says_credential(p) for p in parts[:-1]) and parts[-1]:
                    new = token[: len(token) - len(parts[-1])] + self.secret(parts[-1])
                elif _name_says_credential(token) or _RANDOMISH.fullmatch(token) and _mixed(token):
                    new = self.secret(token)
            out.append(raw.replace(token, new, 1) if token else raw)
            after_marker = marker and not after_marker
        return ",".join(out)

    def query_value(self, name: str, value: str) -> str:
        if not value:
            return value
        if is_credential_param(name):
            return self.secret(value)
        if self._encodes_credential(value):
            return self.secret(value)  # a credential inside an encoded URL or JSON: the whole value
        return self.text(value)

    def query_token(self, token: str) -> str:
        """A query parameter's name, or a bare parameter: the free-text rules, or all of it when it encodes one."""
        return self.secret(token) if self._encodes_credential(token) else self.text(token)

    def _encodes_credential(self, value: str) -> bool:
        decoded = unquote_plus(value)
        return decoded != value and _Redactor(self.key, "").text(decoded) != decoded

    def _pair_value(self, name: str, value: str) -> str:
        """The value of a ``name=value`` in free text: all of it when the name says credential, or when it is an
        encoded URL or JSON that holds one (``redirect_uri=https%3A%2F%2F...%3Faccess_token%3D...`` in a Location)."""
        if value.lower() in ("bearer", "basic"):
            return value  # the scheme of a credential that follows (fingerprinted on its own)
        if _name_says_credential(name) or self._encodes_credential(value):
            return self.secret(value)
        return value

    def text(self, text: str) -> str:
        """Redact credentials wherever they sit in free text (a value, a body, a message, an error)."""
        if len(text) < 4 or not _TRIGGER.search(text):
            return text
        s = self.secret
        if '"' in text:
            text = self._members(text)
        if ":" in text:
            text = _HEADER_LINE.sub(self._header_line, text)
            text = _USERINFO.sub(lambda m: m.group(1) + s(m.group(2)) + "@", text)
        # Before name=value: 'authorization=Bearer <token>' is a scheme and a token, not a value 'Bearer'.
        text = _AUTH_SCHEME.sub(lambda m: m.group(1) + m.group(2) + s(m.group(3)), text)
        if "=" in text:
            text = _PAIR.sub(lambda m: m.group(1) + "=" + self._pair_value(m.group(1), m.group(2)), text)
        if "eyJ" in text:
            text = _JWT.sub(lambda m: s(m.group(0)), text)
        return text

    def _members(self, text: str) -> str:
        """Fingerprint the values of JSON members named like credentials.

        A member with another name is passed over by its name only, not its
        value: the value may be a JSON document in a string (escaped JSON)
        with credentials of its own.
        """
        out = []
        pos = 0
        while (m := _MEMBER.search(text, pos)) is not None:
            name, quoted, bare = m.group(2), m.group(3), m.group(4)
            span = None
            if _name_says_credential(name):
                if quoted:
                    span = m.span(3)
                elif bare is not None and bare not in ("true", "false", "null"):
                    span = m.span(4)
            if span is None:
                out.append(text[pos:m.end(2)])
                pos = m.end(2)
                continue
            out.append(text[pos:span[0]])
            out.append(self.secret(text[span[0]:span[1]]))
            pos = span[1]
        out.append(text[pos:])
        return "".join(out)

    def _header_line(self, m: re.Match[str]) -> str:
        name, value = m.group(1), m.group(2)
        if not is_credential_header(name) or not value.strip():
            return m.group(0)
        # Only Authorization has a scheme to keep ('passcode:correct horse battery' is all secret).
        kept = (self.scheme_and_credentials(value) if name.lower() in ("authorization", "proxy-authorization")
                else self._blanks_kept(value))
        return m.group(0)[: m.start(2) - m.start(0)] + kept

    def header(self, name: str, value: str) -> str:
        lname = name.lower()
        if lname in ("sec-websocket-key", "sec-websocket-accept"):
            return value  # RFC 6455 4.1: a nonce, and a hash of it
        if lname == "sec-websocket-protocol":
            return self.subprotocols(value)
        if lname == "sec-websocket-extensions":
            return self.text(_EXT_PARAM.sub(self._extension_param, value))
        if lname in ("authorization", "proxy-authorization"):
            return self.scheme_and_credentials(value)
        if is_credential_header(name):
            return self.secret(value)
        return self.text(value)

    def _extension_param(self, m: re.Match[str]) -> str:
        """An extension parameter named like a credential (``x-auth; token="..."``): its value, quoted or not."""
        value = m.group(4)
        quoted = len(value) >= 2 and value[0] == value[-1] == '"'
        inner = value[1:-1] if quoted else value
        if not inner or not _name_says_credential(m.group(2)):
            return m.group(0)
        new = self.secret(inner)
        return m.group(1) + m.group(2) + m.group(3) + (f'"{new}"' if quoted else new)

    def cookie_value(self, value: str) -> str:
        stripped = value.strip()
        return value.replace(stripped, self.secret(stripped), 1) if stripped else value


# RFC 6455 9.1: extension-param = token [ "=" (token | quoted-string) ], after a ';'. The value runs to the
# next ';' or ',' (trailing blanks aside): whatever a client put there, past a quoted string or a space, is in it.
_EXT_PARAM = re.compile(
    r'(;[ \t]*)([!#$%&\'*+.^_`|~0-9A-Za-z-]+)([ \t]*=[ \t]*)("(?:[^"\\]|\\.)*"(?:[^;,]*[^;,\s])?|(?:[^;,]*[^;,\s])?)')

_MARKER_WORDS = frozenset({"access", "id", "x", "api", "refresh", "auth", "authorization", "token", "bearer", "jwt",
                           "key", "apikey", "accesstoken", "authtoken", "session"})


def _is_marker(token: str) -> bool:
    """A subprotocol token that announces a credential in the next one (``access_token``, ``bearer``)."""
    words = [w for w in _NON_WORD.split(_CAMEL.sub(" ", token).lower()) if w]
    return bool(words) and len(token) <= 32 and all(w in _MARKER_WORDS for w in words) and _name_says_credential(token)


def _mixed(token: str) -> bool:
    """A random-looking token: letters and digits both (subprotocol names rarely mix them this much)."""
    digits = sum(c.isdigit() for c in token)
    return digits >= 3 and any(c.isalpha() for c in token) and "." not in token


# --- walking every text of a capture, with its place ------------------------------

Visit = Callable[[str, str], "str | None"]
"""Called with (place, text); returns the new text, or None to leave that item out (restoring)."""


def _cookie_pairs(value: str, prefix: str, visit: Visit) -> str | None:
    """Visit each ``name=value`` of a Cookie (or a Set-Cookie's first pair), keeping separators and spaces.

    A pair left out (restoring without its secret) takes its separator with
    it; None when no pair is left.
    """
    parts = []
    dropped = False
    for part in value.split(";"):
        name, eq, val = part.partition("=")
        new = visit(f"{prefix} {name.strip()}" if eq else prefix, val if eq else part)
        if new is None:
            dropped = True
            continue
        parts.append(name + eq + new if eq else new)
    if dropped:
        kept = ";".join(parts).strip()
        return kept or None
    return ";".join(parts)


def _map_target(target: str, visit: Visit) -> str:
    path, query = split_target(target)
    new_path = visit("path", path)
    if new_path is not None:
        path = new_path
    if query is not None:
        # Split as parse_query does, but an empty parameter ('a=1&&b=2', a trailing '&') is kept as sent:
        # replay restores the bytes recorded, and a server may tell them apart.
        parts: list[str] = []
        dropped = False
        for part in query.split("&"):
            if not part:
                parts.append(part)
                continue
            name, sep, value = part.partition("=")
            if not sep:
                new = visit("query", name)
            else:
                # A name can hold a credential too (a token as the name, an encoded 'password=...'): it is read as
                # a bare token is. Its value is bound under the name as redacted, before and after restoring.
                new_name = visit("query", name)
                new = None
                if new_name is not None:
                    new = visit(f"query {name if FINGERPRINT_RE.search(name) else new_name}", value)
                    name = new_name
            if new is None:
                dropped = True
            else:
                parts.append(f"{name}={new}" if sep else new)
        if any(parts) or not dropped:  # every parameter left out: no query
            path = f"{path}?{'&'.join(parts)}"
    return target if path == target else path  # nothing changed: the target itself (_map_request tests identity)


def _map_headers(headers: Headers, visit: Visit, prefix: str, cookie_header: str) -> Headers:
    out = []
    changed = False
    for name, value in headers:
        lname = name.lower()
        if lname == cookie_header:
            if cookie_header == "set-cookie":
                first, sep, attributes = value.partition(";")
                pair = _cookie_pairs(first, "set-cookie", visit)
                new = None if pair is None else pair + sep + attributes
            else:
                new = _cookie_pairs(value, "cookie", visit)
        else:
            new = visit(f"{prefix}{name}", value)
        if new is not None:
            out.append((name, new))
        changed = changed or new is not value
    return tuple(out) if changed else headers


def _map_request(request: Request, visit: Visit) -> Request:
    target = _map_target(request.target, visit)
    headers = _map_headers(request.headers, visit, "header ", "cookie")
    if target is request.target and headers is request.headers:
        return request
    return Request(request.method, target, request.http_version, headers)


def _keep(visit: Visit) -> Callable[[str, str], str]:
    """A visit for places that cannot be left out: None keeps the text as it was."""
    def visit_or_keep(place: str, text: str) -> str:
        new = visit(place, text)
        return text if new is None else new
    return visit_or_keep


def _map_bytes(data: bytes, place: str, visit: Callable[[str, str], str]) -> bytes:
    if not data:
        return data
    # One reading for every message and body (:func:`_message_text`), so that restoring reads it the same way.
    text = _message_text(data)
    new = visit(place, text)
    return data if new == text else _message_bytes(new)


def _map_response(response: Response, visit: Visit) -> Response:
    keep = _keep(visit)
    reason = keep("response reason", response.reason) if response.reason else response.reason
    headers = _map_headers(response.headers, visit, "response header ", "set-cookie")
    body = _map_bytes(response.body, "response body", keep)
    if reason is response.reason and headers is response.headers and body is response.body:
        return response
    return Response(response.status, reason, response.http_version, headers, body, response.body_truncated)


def _map_session(session: Session, visit: Visit) -> Session:
    keep = _keep(visit)
    messages = []
    changed = False
    seen: dict[str, int] = {}
    for m in session.messages:
        # Numbered per direction from 1, as replay numbers the client's messages: a binding names the message.
        seen[m.direction] = seen.get(m.direction, 0) + 1
        head = _map_bytes(m.head, f"message {m.direction} {seen[m.direction]}", keep)
        changed = changed or head is not m.head
        # The fingerprint changes the length: say whether the head is whole from before, not from sizes.
        messages.append(m if head is m.head else Message(m.direction, m.type, m.size, head, m.at, m.truncated))
    reason = keep("close reason", session.close_reason) if session.close_reason else session.close_reason
    if not changed and reason is session.close_reason:
        return session
    return replace(session, messages=tuple(messages), close_reason=reason)


def _map_capture(capture: Capture, visit: Visit, *, request: bool = True) -> Capture:
    keep = _keep(visit)
    changes: dict[str, object] = {}

    def change(name: str, old: object, new: object) -> None:
        if new is not old:
            changes[name] = new

    if request:
        change("request", capture.request, _map_request(capture.request, visit))
    if capture.response is not None:
        change("response", capture.response, _map_response(capture.response, visit))
    if capture.error is not None:
        message = keep("error", capture.error.message)
        if message is not capture.error.message:
            changes["error"] = Failure(capture.error.kind, message)
    if capture.websocket is not None:
        change("websocket", capture.websocket, _map_session(capture.websocket, visit))
    if capture.proxy_mode:
        change("proxy_mode", capture.proxy_mode, keep("proxy mode", capture.proxy_mode))
    if capture.label:
        change("label", capture.label, keep("label", capture.label))
    if capture.extra:
        changes["extra"] = {k: _map_json(v, f"extra {_place_word(k)}", keep) for k, v in capture.extra.items()}
    return capture.replace(**changes) if changes else capture


def _map_json(value: object, place: str, visit: Callable[[str, str], str]) -> object:
    if isinstance(value, str):
        return visit(place, value)
    if isinstance(value, list):
        return [_map_json(v, place, visit) for v in value]
    if isinstance(value, dict):
        return {k: _map_json(v, f"{place} {_place_word(k)}", visit) for k, v in value.items()}
    return value


def _place_word(key: str) -> str:
    """A member's name as one word of a place: whitespace inside it joined by '_' (its last word is judged whole)."""
    return "_".join(key.split()) or "_"


def _bound_place(place: str) -> str:
    """The place as a binding names it: header names in lower case (RFC 9110 5.1), the rest as written."""
    for prefix in ("header ", "response header "):
        if place.startswith(prefix):
            return prefix + place[len(prefix):].lower()
    return place


_LOOSE = " (not a JSON string value)"
"""Added to a message place whose fingerprint is not exactly a JSON string value: such a place is never bound."""


def _message_places(place: str, text: str) -> list[tuple[str, str]]:
    """Return ``(place, fingerprint)`` for each fingerprint in a message, the place refined by its full JSON path.

    Found with a real JSON parse (:func:`messages.spans`), not by the text
    before the fingerprint: in a JSON message only a fingerprint that is
    exactly a member's value (a string, or a number that was redacted bare)
    gets a path; one inside a longer string or in a key gets a place no
    binding holds, so it is never restored. A message that is not JSON, or
    is one JSON value alone (a token sent as the message), binds its
    fingerprints to the message alone.
    """
    # A number redacted bare (``"pin": redacted:...``) is not JSON: parse it as a number of the same length.
    parsed = FINGERPRINT_RE.sub(lambda m: m.group(0) if text[m.start() - 1:m.start()] == '"' else "1" * len(m.group(0)),
                                text)
    try:
        _, table = spans(parsed)
    except ValueError:
        return [(place, m.group(0)) for m in FINGERPRINT_RE.finditer(text)]
    # The message itself may be the value (a token sent alone): its path is empty, its place the message's.
    exact = {(sp.start, sp.end): path for path, sp in table.items() if not sp.container}
    found = []
    for m in FINGERPRINT_RE.finditer(text):
        path = exact.get((m.start() - 1, m.end() + 1), exact.get((m.start(), m.end())))
        where = place + _LOOSE if path is None else f"{place} {format_path(path)}" if path else place
        found.append((where, m.group(0)))
    return found


def _places_in(place: str, text: str) -> list[tuple[str, str]]:
    """Return ``(place, fingerprint)`` for each fingerprint in *text*; a JSON member's name refines the place."""
    if place.startswith("message "):
        return _message_places(place, text)
    found = []
    for m in FINGERPRINT_RE.finditer(text):
        before = _MEMBER_BEFORE.search(text, max(0, m.start() - 80), m.start())
        found.append((f"{place} {before.group(1)}" if before else place, m.group(0)))
    return found


# --- redaction -----------------------------------------------------------------------


# The handshake's own request headers (RFC 6455 4.1): kept as sent, as the sweep keeps them (_NOT_SWEPT).
# Every other field gets the rules, HTTP plumbing too (Cache-Control, Pragma, Accept-Language, ...): a client
# can put a credential in any of them; Sec-WebSocket-Extensions too (a parameter of a custom extension).
_PLAIN_HEADERS = frozenset({"host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"})


# Places and values that redaction gave back as they were. From one capture to the next most values repeat
# (User-Agent, Content-Type, a path, a reason phrase), and whether a value holds a credential depends on the
# place and the value alone (not on the key or the endpoint), so that answer is remembered: the recorder's
# writer redacts every capture. A value that changed is never remembered, so every credential is found and
# fingerprinted each time. Bounded: emptied when full, long values (bodies, messages) never kept.
_UNCHANGED: set[tuple[str, str]] = set()
_UNCHANGED_SIZE = 4096
_UNCHANGED_TEXT = 512


def _redact_visit(r: _Redactor) -> Visit:
    def visit(place: str, text: str) -> str:
        if (place, text) in _UNCHANGED:
            return text
        kind, _, name = place.partition(" ")
        if kind == "header" and name.lower() in _PLAIN_HEADERS:
            return text  # before remembering: a Sec-WebSocket-Key never comes again
        new = _visit(kind, name, place, text)
        if new == text:
            if len(text) <= _UNCHANGED_TEXT:
                if len(_UNCHANGED) >= _UNCHANGED_SIZE:
                    _UNCHANGED.clear()
                _UNCHANGED.add((place, text))
        else:
            for p, fp in _places_in(place, new):
                if fp in r.found and not p.endswith(_LOOSE):
                    r.places.setdefault(fp, set()).add(_bound_place(p))
        return new

    def _visit(kind: str, name: str, place: str, text: str) -> str:
        if kind == "header":
            return r.header(name, text)
        if kind == "response" and name.startswith("header "):
            return r.header(name[7:], text)
        if kind in ("cookie", "set-cookie"):
            return r.cookie_value(text)
        if kind == "query":
            return r.query_value(name, text) if name else r.query_token(text)
        if kind in ("extra",) and _name_says_credential(place.rsplit(" ", 1)[-1]):
            return r.secret(text)
        return r.text(text)
    return visit


# The handshake's own fields, and Host (a binding's destination is computed from it): never swept.
_NOT_SWEPT = frozenset({"header host", "header upgrade", "header connection", "header sec-websocket-key",
                        "header sec-websocket-version", "response header upgrade",
                        "response header connection", "response header sec-websocket-accept"})


def _sweep_pattern(secrets: Iterable[str]) -> re.Pattern[str]:
    """Match any of *secrets*, longest first (:func:`_swept` runs it between fingerprints only)."""
    return re.compile("|".join(re.escape(v) for v in sorted(secrets, key=len, reverse=True)))


def _swept(pattern: re.Pattern[str], by_secret: dict[str, str], text: str) -> str:
    """*text* with each secret of *by_secret* replaced by its fingerprint; fingerprints in it kept as they are.

    Only the text between fingerprints is swept: a secret that is part of one (the word ``redacted``, some hex
    digits), or that ends where one begins, must not reach into it, or replay would send fingerprint text.
    """
    return "".join(part if i % 2 else pattern.sub(lambda m: by_secret[m.group(0)], part)
                   for i, part in enumerate(_FINGERPRINT_SPLIT.split(text)))


def _sweep_visit(r: _Redactor, pattern: re.Pattern[str], by_secret: dict[str, str]) -> Visit:
    """Replace, anywhere, a secret found elsewhere in the same capture (a server echoing a token)."""
    def visit(place: str, text: str) -> str:
        if _bound_place(place) in _NOT_SWEPT:
            return text
        new = _swept(pattern, by_secret, text)
        if new != text:
            for p, fp in _places_in(place, new):
                if fp in r.found and not p.endswith(_LOOSE):
                    r.places.setdefault(fp, set()).add(_bound_place(p))
        return new
    return visit


def _secrets(r: _Redactor) -> dict[str, Secret]:
    return {fp: Secret(value, frozenset(Binding(r.endpoint, p) for p in r.places.get(fp, ())))
            for fp, value in r.found.items()}


def _redact(capture: Capture, key: bytes, *, request: bool = True,
            known: Sequence[str] = ()) -> tuple[Capture, _Redactor]:
    r = _Redactor(key, destination_key(capture.endpoint, capture.request))
    texts: list[str] = []
    visit = _redact_visit(r)

    def visit_and_keep(place: str, text: str) -> str:
        new = visit(place, text)
        texts.append(new)
        return new

    out = _map_capture(capture, visit_and_keep, request=request)
    for value in known:
        if value and len(value) >= _SWEEP_MIN:
            r.found.setdefault(fingerprint(key, value), value)
    sweepable = {v: fp for fp, v in r.found.items() if len(v) >= _SWEEP_MIN}
    if sweepable:
        # A second walk only when a secret is still somewhere in clear (usually it is not). Plain substring
        # searches tell, as the pattern would, without compiling one for this capture's secrets: the secrets
        # differ from one capture to the next, so re's cache does not help, and compiling cost more than
        # the rest of the redaction of a browser's handshake.
        joined = "\x00".join(texts)
        if any(v in joined for v in sweepable):
            out = _map_capture(out, _sweep_visit(r, _sweep_pattern(sweepable), sweepable), request=request)
    return out, r


def redact_capture(capture: Capture, key: bytes, *, known: Sequence[str] = ()) -> tuple[Capture, dict[str, Secret]]:
    """Return *capture* with every credential replaced by its fingerprint, and the secrets found.

    Every value is examined, whatever the capture says of itself (a
    ``"redacted": true`` capture may still hold clear values). The result maps
    each fingerprint to its secret, bound to the capture's endpoint and to
    each place it sat in, for the secret store.

    *known*: secret values already known (the local store's): each is also
    replaced wherever it appears in clear, even where no rule would look
    (a path segment, a header named like nothing, a response body).
    """
    memo = _MEMO.get(id(capture))
    if not known and memo is not None and memo[0]() is capture and memo[1] == key:
        return memo[2], dict(memo[3])
    out, r = _redact(capture, key, known=known)
    out = out.replace(redacted=True)
    found = {fp: s for fp, s in _secrets(r).items() if fp not in _known_only(r, known)}
    if not capture.extra and not known:  # a mutable extra could change under the memo
        _remember(capture, key, out, found)
        _remember(out, key, out, {})  # redacting what this returned changes nothing
    return out, found


def _known_only(r: _Redactor, known: Sequence[str]) -> set[str]:
    """The fingerprints of *known* values that this capture does not hold (they are not its secrets)."""
    return {fp for fp in (fingerprint(r.key, v) for v in known if v) if fp not in r.places}


_MEMO: dict[int, tuple[weakref.ref[Capture], bytes, Capture, dict[str, Secret]]] = {}
_MEMO_SIZE = 256


def _remember(capture: Capture, key: bytes, out: Capture, found: dict[str, Secret]) -> None:
    """Remember a redaction by the input's identity: compare redacts both sides each time, the same
    reference against thousands of captures, and the CLI hands it captures redacted already."""
    try:
        while len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)), None)
    except (RuntimeError, StopIteration):  # another thread (the recorder's writer thread) got there first
        pass
    _MEMO[id(capture)] = (weakref.ref(capture), key, out, found)


def redact_request(request: Request, key: bytes, endpoint: Endpoint | None = None) -> tuple[Request, dict[str, Secret]]:
    """Return *request* with every credential replaced by its fingerprint, and the secrets (bound to *endpoint*)."""
    r = _Redactor(key, destination_key(endpoint, request) if endpoint is not None else "")
    out = _map_request(request, _redact_visit(r))
    return out, _secrets(r)


def redact_text(text: str, key: bytes) -> str:
    """Return free text (an error message, a variant name) with the credentials in it fingerprinted."""
    return _Redactor(key, "").text(text)


def argument_secrets(value: str, *, header: str | None = None, member: str | None = None) -> tuple[str, ...]:
    """Return the credentials in a value the user typed for a *header* or a JSON *member*, as redaction finds them.

    A variant's argument (``set-header=X-Api-Key:...``,
    ``set-message-field=1:token=...``) is printed in its name and
    description: its credentials are found by their place, as in a capture,
    not only by their look.
    """
    r = _Redactor(b"\0" * 32, "")  # the fingerprints are thrown away: only r.found is wanted
    if header is not None:
        r.header(header, value)
    if member is not None:
        if _name_says_credential(member):
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = value
            r.secret(decoded if isinstance(decoded, str) else value)
        else:
            r.text(value)
    r.text(value)
    return tuple(v for v in r.found.values() if v)


def redact_shown(text: str, key: bytes, secrets: Sequence[str] = ()) -> str:
    """Return *text* with each of *secrets* (longest first) fingerprinted, then any other credential in it."""
    for s in sorted(set(secrets), key=len, reverse=True):
        if s:
            text = text.replace(s, fingerprint(key, s))
    return redact_text(text, key)


def redact_json(value: object, key: bytes) -> object:
    """Return a JSON value (a saved bisect result) with the credentials in each of its strings fingerprinted."""
    r = _Redactor(key, "")

    def walk(v: object) -> object:
        if isinstance(v, str):
            return r.text(v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v

    return walk(value)


def redact_result(result: ProbeResult, key: bytes, known: Sequence[str] = ()) -> ProbeResult:
    """Return a live server's answer with its credentials fingerprinted (Set-Cookie, tokens in a body or message).

    *known*: the secrets the request carried, replaced wherever the server
    echoes them (a subprotocol token, an error body), whatever they look like.
    """
    fake = Capture(Endpoint("ws", "-", 0), Request(),
                   response=Response(result.status or 0, result.reason, "HTTP/1.1", result.headers, result.body),
                   error=result.error, websocket=result.session)
    out, r = _redact(fake, key, request=False, known=known)
    response = out.response
    assert response is not None
    by_secret = {v: fp for fp, v in r.found.items() if len(v) >= _SWEEP_MIN}
    pattern = _sweep_pattern(by_secret) if by_secret else None

    def field(name: str, value: str | None) -> str | None:
        if value is None:
            return None
        value = r.header(name, value)
        return _swept(pattern, by_secret, value) if pattern is not None else value

    return replace(
        result, reason=response.reason, headers=response.headers, body=response.body, error=out.error,
        session=out.websocket, subprotocol=field("Sec-WebSocket-Protocol", result.subprotocol),
        extensions=field("Sec-WebSocket-Extensions", result.extensions),
    )


def merge_secrets(*many: Secrets) -> dict[str, Secret]:
    """Return the union of several fingerprint -> secret mappings, bindings joined."""
    out: dict[str, Secret] = {}
    for secrets in many:
        for fp, s in secrets.items():
            old = out.get(fp)
            out[fp] = s if old is None else Secret(old.value, old.bindings | s.bindings)
    return out


# --- restoring -------------------------------------------------------------------------


def fingerprints_in(request: Request) -> list[tuple[str, str]]:
    """Return ``(place, fingerprint)`` for each redacted value in *request*."""
    found: list[tuple[str, str]] = []

    def visit(place: str, text: str) -> str:
        found.extend(_places_in(place, text))
        return text

    _map_request(request, visit)
    return found


def _allowed(secret: Secret, dest: str, place: str) -> bool:
    return Binding(dest, _bound_place(place)) in secret.bindings


def _refusal(fp: str, place: str, secret: Secret, dest: str) -> str:
    option = " ".join(f"--allow-secrets-to {h}" for h in _needed_names(dest, secret))
    if not secret.bindings:
        return (f"the secret in {place} ({fp}) was stored by an older wsdiff without the place it was recorded; "
                f"refusing to send it to {dest} ({option} sends it there)")
    bound = sorted(secret.bindings, key=lambda b: (b.endpoint, b.place))
    where = f"{bound[0].place} at {bound[0].endpoint}" + (f" (and {len(bound) - 1} more)" if len(bound) > 1 else "")
    host = _routing_hosts(dest)[0].rpartition(":")[0]
    if all(_routing_hosts(b.endpoint)[0].rpartition(":")[0] != host for b in secret.bindings):
        # The capture names a host this secret never went to: naming the flag that sends it there
        # would hand whoever wrote the capture the last step of the attack.
        return (f"the secret in {place} ({fp}) belongs to {where}; refusing to send it to {dest}: the capture "
                "points somewhere this secret was never recorded")
    return f"the secret in {place} ({fp}) belongs to {where}; refusing to send it to {dest} ({option} sends it there)"


def restore_request(request: Request, secrets: Secrets, *, endpoint: Endpoint, allow: Sequence[str] = (),
                    drop_missing: bool = False) -> Request:
    """Return *request*, about to be sent to *endpoint*, with its fingerprints replaced by their secrets.

    A secret is restored only at a place it is bound to, on a request that
    goes where it was recorded (endpoint, SNI and routing Host: see
    :func:`destination_key`); or anywhere when the user named the endpoint's
    host (or host:port) in *allow*, with any other host the request is
    routed by. A fingerprint is never sent as if it were the secret: when
    one is missing from *secrets*, this raises, or with *drop_missing*
    leaves out the header, query parameter or cookie that held it.

    Raises:
        SecretRefusedError: a secret is bound elsewhere (naming its place and where it belongs).
        SecretError: a fingerprint has no secret in *secrets* (naming where).
    """
    dest = destination_key(endpoint, request)
    refused: list[str] = []
    missing: list[str] = []

    def visit(place: str, text: str) -> str | None:
        found = _places_in(place, text)
        if not found:
            return text
        lacking = False
        for p, fp in found:
            s = secrets.get(fp)
            if s is None:
                lacking = True
                if not drop_missing or place == "path":
                    missing.append(f"{p} ({fp})")
            elif not _allowed(s, dest, p) and not _allowed_by_name(dest, s, allow):
                refused.append(_refusal(fp, p, s, dest))
        if lacking and drop_missing and place != "path":
            return None
        return FINGERPRINT_RE.sub(lambda m: secrets[m.group(0)].value if m.group(0) in secrets else m.group(0), text)

    out = _map_request(request, visit)
    if refused:
        raise SecretRefusedError(refused)
    if missing:
        raise SecretError(missing)
    return out


def reveal_capture(capture: Capture, secrets: Secrets, *, request: bool = True) -> Capture:
    """Return *capture* with the fingerprints whose secrets are bound to its endpoint and place put back.

    For display (``show --reveal-secrets``): a fingerprint that is unknown
    here, or bound elsewhere, stays a fingerprint.
    """
    dest = destination_key(capture.endpoint, capture.request)

    def visit(place: str, text: str) -> str:
        ok = {fp for p, fp in _places_in(place, text) if fp in secrets and _allowed(secrets[fp], dest, p)}
        return FINGERPRINT_RE.sub(lambda m: secrets[m.group(0)].value if m.group(0) in ok else m.group(0), text)

    return _map_capture(capture, visit, request=request)



def _message_text(head: bytes) -> str:
    """Read a message or body, text or binary, as redaction and restoring both read it.

    UTF-8, each byte that is not UTF-8 a lone surrogate (U+DC80-U+DCFF): a
    binary message holds fingerprints too, and its secrets were found, stored
    and bound in this reading (a byte of a secret that is not UTF-8 goes back
    as that byte).
    """
    return head.decode("utf-8", "surrogateescape")


def _message_bytes(text: str) -> bytes:
    """The bytes of a message or secret read by :func:`_message_text` (a lone surrogate of any other kind, which
    only a hand-edited store could hold, as UTF-8 would carry it)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def restore_messages(messages: Sequence[Message], secrets: Secrets, *, endpoint: Endpoint, request: Request,
                     allow: Sequence[str] = (), drop_missing: bool = False) -> tuple[Message, ...]:
    """Return the client *messages*, about to follow *request* to *endpoint*, with their secrets restored.

    The same rules as :func:`restore_request`, place by place (``message
    client token``): a secret goes back only where it was recorded, or where
    the user named the host in *allow*. Text and binary messages alike: each
    is read as redaction read it (UTF-8, a byte that is not as itself), and its
    secrets are stored as written between the JSON quotes in that reading, so
    the payload restored is the bytes the client sent. A fingerprint without
    its secret is never sent: this raises, or with *drop_missing* leaves out
    the JSON member that held it (or the whole message, when it is not JSON).

    Raises:
        SecretRefusedError: a secret is bound elsewhere.
        SecretError: a fingerprint has no secret in *secrets* (naming the message and the JSON path).
    """
    dest = destination_key(endpoint, request)
    out: list[Message] = []
    refused: list[str] = []
    missing: list[str] = []
    for k, m in enumerate(messages, 1):
        text = _message_text(m.head)
        found = _places_in(f"message client {k}", text) if FINGERPRINT_RE.search(text) else []
        if not found:
            out.append(m)
            continue
        absent = set()
        for place, fp in found:
            s = secrets.get(fp)
            if s is None:
                absent.add(fp)
            elif not _allowed(s, dest, place) and not _allowed_by_name(dest, s, allow):
                refused.append(_refusal(fp, place, s, dest))
        if absent:
            holders = paths_holding(text, FINGERPRINT_RE, absent)
            missing.extend(f"message {k}{' ' + format_path(p) if p else ''} ({fp})" for p, fp in holders)
            if not drop_missing or any(not p for p, _ in holders):
                continue  # not JSON, or a fingerprint outside any member: the message is left out
            # Last first: a later array item before an earlier one (whose removal would shift it), a member
            # before its container. By length alone, two items of one array went in set order: a crash by chance.
            for path in sorted({p for p, _ in holders}, reverse=True):
                text = set_member(text, path, None)
        data = b"".join(_message_bytes(secrets[part].value) if i % 2 else _message_bytes(part)
                        for i, part in enumerate(_FINGERPRINT_SPLIT.split(text)))
        out.append(Message(m.direction, m.type, len(data) if m.whole else m.size, data, m.at, m.truncated))
    if refused:
        raise SecretRefusedError(refused)
    if missing and not drop_missing:
        raise SecretError(missing)
    return tuple(out)
