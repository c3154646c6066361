"""Redaction by keyed fingerprint, and restoring secrets for replay."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wsdiff.errors import SecretError
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session
from wsdiff.redact import (
    FINGERPRINT_RE, Secret, fingerprint, fingerprints_in, is_credential_header, is_credential_param, redact_capture,
    redact_request, restore_request,
)
from wsdiff.secrets import SecretStore

KEY = b"k" * 32
EP = Endpoint("ws", "h", 80)


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("Authorization", True), ("proxy-authorization", True), ("Cookie", True), ("Set-Cookie", True),
        ("X-API-Key", True), ("x-api-key", True), ("Api-Key", True), ("X-Auth-Token", True),
        ("X-Access-Token", True), ("X-Client-Secret", True), ("X-Proxy-Auth", True), ("apikey", True),
        ("Sec-WebSocket-Key", False), ("Sec-WebSocket-Accept", False), ("Keep-Alive", False),
        ("Host", False), ("Origin", False), ("User-Agent", False), ("Sec-WebSocket-Protocol", False),
        ("X-Monkey", False), ("X-Authtoken", True),
    ],
)
def test_is_credential_header(name: str, credential: bool) -> None:
    """Credential headers are found by name; the handshake's own nonce is not a secret."""
    assert is_credential_header(name) is credential


@pytest.mark.parametrize(
    ("name", "credential"),
    [("token", True), ("access_token", True), ("api_key", True), ("apiKey", True), ("key", True),
     ("sig", True), ("voice", False), ("format", False), ("monkey", False)],
)
def test_is_credential_param(name: str, credential: bool) -> None:
    """Query parameters named like credentials are redacted, others are kept."""
    assert is_credential_param(name) is credential


def test_fingerprint_is_keyed_and_stable() -> None:
    """Same secret and key: same fingerprint; another secret or key: another one."""
    a = fingerprint(KEY, "s3cret")
    assert FINGERPRINT_RE.fullmatch(a)
    assert a == fingerprint(KEY, "s3cret")
    assert a != fingerprint(KEY, "s3cret2")
    assert a != fingerprint(b"other key", "s3cret")


def test_redact_request_covers_every_place() -> None:
    """Authorization keeps its scheme, cookies are redacted one by one, and so are credential params."""
    r = Request(
        target="/ws?voice=alloy&token=abc&api_key=",
        headers=(("Authorization", "Bearer eyJhbGciOi.x.y"), ("Cookie", "sid=123; theme=dark"),
                 ("X-API-Key", "k-123"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Origin", "https://a")),
    )
    out, secrets = redact_request(r, KEY, EP)
    fp = lambda s: fingerprint(KEY, s)  # noqa: E731
    assert out.target == f"/ws?voice=alloy&token={fp('abc')}&api_key="
    assert out.headers == (
        ("Authorization", f"Bearer {fp('eyJhbGciOi.x.y')}"),
        ("Cookie", f"sid={fp('123')}; theme={fp('dark')}"),
        ("X-API-Key", fp("k-123")),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Origin", "https://a"),
    )
    assert sorted(s.value for s in secrets.values()) == sorted(["abc", "eyJhbGciOi.x.y", "123", "dark", "k-123"])
    # Redacting twice changes nothing more.
    assert redact_request(out, KEY)[0] == out


def test_a_message_secret_beyond_latin_1_is_redacted() -> None:
    """A JSON password with a euro sign or an emoji is fingerprinted (it used to raise and lose the capture)."""
    head = '{"password":"pa\u20acss \U0001f511","token":"caf\u00e9"}'.encode()
    c = Capture(Endpoint("ws", "h", 80), Request(), Response(101),
                websocket=Session(messages=(Message("client", "text", len(head), head, 0.0),)))
    out, secrets = redact_capture(c, KEY)
    assert out.websocket is not None
    text = out.websocket.messages[0].head.decode()
    assert "\u20ac" not in text and "caf" not in text and len(FINGERPRINT_RE.findall(text)) == 2
    assert {s.value for s in secrets.values()} == {"pa\u20acss \U0001f511", "caf\u00e9"}
    # Within ISO-8859-1 the fingerprint is unchanged: it hashes those bytes, as it always did.
    assert fingerprint(KEY, "caf\u00e9") == fingerprint(KEY, b"caf\xe9".decode("latin-1"))
    assert fingerprint(KEY, "\u20ac") != fingerprint(KEY, "\xe2\x82\xac")


def test_redact_capture_covers_response_and_messages() -> None:
    """Set-Cookie keeps its attributes; a token in a first message is redacted too."""
    c = Capture(
        Endpoint("ws", "h", 80),
        Request(),
        Response(101, headers=(("Set-Cookie", "sid=abc; Path=/; HttpOnly"),)),
        websocket=Session(messages=(Message("client", "text", 30, b'{"type":"auth","token":"tok-9"}', 0.0),)),
    )
    out, secrets = redact_capture(c, KEY)
    assert out.redacted
    assert out.response is not None
    assert out.response.headers == (("Set-Cookie", f"sid={fingerprint(KEY, 'abc')}; Path=/; HttpOnly"),)
    assert out.websocket is not None
    assert out.websocket.messages[0].head == f'{{"type":"auth","token":"{fingerprint(KEY, "tok-9")}"}}'.encode()
    assert {s.value for s in secrets.values()} == {"abc", "tok-9"}


def test_restore_request() -> None:
    """restore_request puts the secrets back byte for byte."""
    r = Request(target="/ws?token=abc", headers=(("Authorization", "Bearer t"), ("Cookie", "a=1; b=2")))
    redacted, secrets = redact_request(r, KEY, EP)
    assert restore_request(redacted, secrets, endpoint=EP) == r


def test_restore_request_missing_secret() -> None:
    """A missing secret is named; with drop_missing the credential is left out, never sent as a fingerprint."""
    redacted, _ = redact_request(Request(headers=(("X-API-Key", "k"),)), KEY, EP)
    with pytest.raises(SecretError) as e:
        restore_request(redacted, {}, endpoint=EP)
    assert str(e.value) == (
        f"the local secret store has no value for header X-API-Key ({fingerprint(KEY, 'k')}) "
        "(replay on the machine that recorded it, or --missing-secrets=drop to leave them out)"
    )
    assert restore_request(redacted, {}, endpoint=EP, drop_missing=True) == Request()
    partial, secrets = redact_request(
        Request(target="/ws?token=t&v=1", headers=(("Cookie", "a=1; b=2"), ("X-API-Key", "k"))), KEY, EP)
    del secrets[fingerprint(KEY, "1")], secrets[fingerprint(KEY, "t")]
    assert restore_request(partial, secrets, endpoint=EP, drop_missing=True) == Request(
        target="/ws?v=1", headers=(("Cookie", "b=2"), ("X-API-Key", "k")))
    assert fingerprints_in(redacted) == [("header X-API-Key", fingerprint(KEY, "k"))]


def test_secret_store_is_owner_only(tmp_path: Path) -> None:
    """The store's folder and files are created owner-only and hold what was added."""
    store = SecretStore(tmp_path / "store")
    key = store.key()
    assert len(key) == 32 and store.key() == key
    store.add({"redacted:0000000000000000": "s"})
    store.add({"redacted:0000000000000000": "s"})  # no duplicate line
    assert SecretStore(tmp_path / "store").load() == {"redacted:0000000000000000": Secret("s")}
    assert store.secrets_file.read_text().count("\n") == 1
    for p in (store.path,):
        assert stat.S_IMODE(p.stat().st_mode) == 0o700
    for p in (store.key_file, store.secrets_file):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
