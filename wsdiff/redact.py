"""Credential detection and redaction by keyed fingerprint (pure).

A secret is replaced by ``redacted:<16 hex>``, the first 64 bits of
HMAC-SHA256(key, secret). With one key per machine, two captures that hold
the same secret still compare equal and different secrets differ, while the
file is safe to share. The originals go to a secret store
(:mod:`wsdiff.secrets`), never into a capture, so replay can restore them on
the machine that recorded them.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import replace

from .errors import SecretError
from .headers import build_query, parse_query
from .model import Capture, Headers, Message, Request, Response, split_target

__all__ = [
    "FINGERPRINT_RE",
    "fingerprint",
    "is_credential_header",
    "is_credential_param",
    "redact_capture",
    "redact_request",
    "restore_request",
    "fingerprints_in",
]

FINGERPRINT_RE = re.compile(r"redacted:[0-9a-f]{16}")

# Tokens of a header or parameter name (split on - _ .) that mark a credential.
_CREDENTIAL_WORDS = frozenset(
    {
        "auth", "authorization", "authentication", "key", "apikey", "token", "secret",
        "password", "passwd", "pwd", "jwt", "session", "sessionid", "sid", "sig",
        "signature", "credential", "credentials", "bearer", "cookie",
    }
)
_CREDENTIAL_PREFIXES = ("auth", "token", "secret", "apikey", "api_key", "access_token", "passw")
# Names that contain such words but carry no secret (RFC 6455 4.1: the key is a nonce). A
# challenge (RFC 9110 11.6.1, 11.7.1) names the scheme and realm the server wants, and
# Access-Control-Allow-Credentials is "true": a hint needs them, and nothing is hidden in them.
_NOT_CREDENTIAL_HEADERS = frozenset({"sec-websocket-key", "sec-websocket-accept", "keep-alive", "www-authenticate",
                                     "proxy-authenticate", "access-control-allow-credentials"})
_SPLIT = re.compile(r"[-_.]")
# A JSON member whose name says it holds a credential, in a WebSocket message.
_JSON_SECRET = re.compile(
    r'("(?:[A-Za-z_-]*(?:token|secret|password|api[_-]?key|apikey|auth)[A-Za-z_-]*)"\s*:\s*")([^"\\]*)(")',
    re.IGNORECASE,
)


def fingerprint(key: bytes, secret: str) -> str:
    """Return the stable keyed fingerprint that stands for *secret* in a capture."""
    digest = hmac.new(key, secret.encode("latin-1", "surrogateescape"), hashlib.sha256).hexdigest()
    return f"redacted:{digest[:16]}"


@functools.lru_cache(maxsize=1024)  # header names repeat: this runs for every header of every capture
def _name_says_credential(name: str) -> bool:
    lname = name.lower()
    words = [w for w in _SPLIT.split(lname) if w]
    return any(w in _CREDENTIAL_WORDS for w in words) or any(w.startswith(_CREDENTIAL_PREFIXES) for w in words)


@functools.lru_cache(maxsize=1024)
def is_credential_header(name: str) -> bool:
    """Tell whether a header holds a credential (Authorization, Cookie, X-API-Key, ...)."""
    if name.lower() in _NOT_CREDENTIAL_HEADERS:
        return False
    return _name_says_credential(name)


def is_credential_param(name: str) -> bool:
    """Tell whether a query parameter holds a credential (token, api_key, ...)."""
    return _name_says_credential(name)


class _Redactor:
    def __init__(self, key: bytes) -> None:
        self.key = key
        self.secrets: dict[str, str] = {}

    def secret(self, value: str) -> str:
        if not value or FINGERPRINT_RE.fullmatch(value):
            return value
        fp = fingerprint(self.key, value)
        self.secrets[fp] = value
        return fp

    def cookie_pairs(self, value: str, sep: str = ";") -> str:
        parts = []
        for part in value.split(sep):
            name, eq, val = part.partition("=")
            if eq:
                stripped = val.strip()
                part = name + eq + val.replace(stripped, self.secret(stripped), 1) if stripped else part
            parts.append(part)
        return sep.join(parts)

    def header(self, name: str, value: str) -> str:
        lname = name.lower()
        if lname == "cookie":
            return self.cookie_pairs(value)
        if lname == "set-cookie":
            first, sep, attributes = value.partition(";")
            return self.cookie_pairs(first) + sep + attributes
        if lname in ("authorization", "proxy-authorization"):
            # RFC 9110 11.4: credentials = auth-scheme [ 1*SP token68 / params ];
            # the scheme (Basic, Bearer) tells a reader a lot and is no secret.
            scheme, sp, rest = value.partition(" ")
            if sp and rest.strip():
                return f"{scheme} {self.secret(rest.strip())}"
        return self.secret(value)

    def headers(self, headers: Headers) -> Headers:
        return tuple((n, self.header(n, v) if is_credential_header(n) else v) for n, v in headers)

    def target(self, target: str) -> str:
        path, query = split_target(target)
        if query is None:
            return target
        pairs = parse_query(query)
        if not any(is_credential_param(n) and v for n, v in pairs):
            return target
        redacted = [(n, self.secret(v) if v and is_credential_param(n) else v) for n, v in pairs]
        return f"{path}?{build_query(redacted)}"

    def message(self, message: Message) -> Message:
        try:
            text = message.head.decode("utf-8")
        except UnicodeDecodeError:
            return message
        redacted = _JSON_SECRET.sub(lambda m: m.group(1) + self.secret(m.group(2)) + m.group(3), text)
        if redacted == text:
            return message
        return Message(message.direction, message.type, message.size, redacted.encode("utf-8"), message.at)


def redact_request(request: Request, key: bytes) -> tuple[Request, dict[str, str]]:
    """Return *request* with every credential replaced by its fingerprint, and the secrets."""
    r = _Redactor(key)
    out = request.replace(target=r.target(request.target), headers=r.headers(request.headers))
    return out, r.secrets


def redact_capture(capture: Capture, key: bytes) -> tuple[Capture, dict[str, str]]:
    """Return *capture* redacted (request, response headers, first messages) and the secrets.

    The result maps each fingerprint to its secret, for the secret store.
    """
    r = _Redactor(key)
    request = capture.request.replace(target=r.target(capture.request.target), headers=r.headers(capture.request.headers))
    response = capture.response
    if response is not None:
        response = Response(
            response.status, response.reason, response.http_version,
            r.headers(response.headers), response.body, response.body_truncated,
        )
    websocket = capture.websocket
    if websocket is not None and websocket.messages:
        websocket = replace(websocket, messages=tuple(r.message(m) for m in websocket.messages))
    out = capture.replace(request=request, response=response, websocket=websocket, redacted=True)
    return out, r.secrets


def fingerprints_in(request: Request) -> list[tuple[str, str]]:
    """Return ``(place, fingerprint)`` for each redacted value in *request*."""
    found = [("request target", fp) for fp in FINGERPRINT_RE.findall(request.target)]
    for name, value in request.headers:
        found.extend((f"header {name}", fp) for fp in FINGERPRINT_RE.findall(value))
    return found


def restore_request(request: Request, secrets: Mapping[str, str], *, drop_missing: bool = False) -> Request:
    """Return *request* with every fingerprint replaced by its secret.

    A fingerprint is never sent as if it were the secret: when one is
    missing, this raises, or with *drop_missing* leaves out the header or
    query parameter (or the one cookie) that held it.

    Raises:
        SecretError: a fingerprint has no secret in *secrets* (naming where).
    """
    missing = [f"{place} ({fp})" for place, fp in fingerprints_in(request) if fp not in secrets]
    if missing and not drop_missing:
        raise SecretError(missing)

    def has_missing(text: str | None) -> bool:
        return text is not None and any(fp not in secrets for fp in FINGERPRINT_RE.findall(text))

    def sub(text: str) -> str:
        return FINGERPRINT_RE.sub(lambda m: secrets[m.group(0)], text)

    path, query = split_target(request.target)
    if query is not None:
        pairs = [(n, v) for n, v in parse_query(query) if not has_missing(v)]
        target = sub(f"{path}?{build_query(pairs)}" if pairs else path)
    else:
        target = sub(request.target)
    headers = []
    for name, value in request.headers:
        if name.lower() == "cookie" and has_missing(value):
            kept = [p for p in value.split(";") if not has_missing(p)]
            if kept:
                headers.append((name, sub(";".join(kept).strip())))
            continue
        if has_missing(value):
            continue
        headers.append((name, sub(value)))
    return request.replace(target=target, headers=tuple(headers))
