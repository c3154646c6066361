"""Redaction by keyed fingerprint, and restoring secrets for replay."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from wsdiff.errors import SecretError, SecretRefusedError
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session
from wsdiff.redact import (
    FINGERPRINT_RE, Binding, Secret, argument_secrets, fingerprint, fingerprints_in, is_credential_header,
    is_credential_param, redact_capture, redact_json, redact_request, redact_shown, redact_text, restore_messages,
    restore_request,
)
from wsdiff.secrets import SecretStore
from helpers import forget_redactions

KEY = b"k" * 32
EP = Endpoint("ws", "h", 80)


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    """Each test redacts from scratch: no answer remembered from an earlier test stands in for the rules."""
    forget_redactions()


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
     ("sig", True), ("voice", False), ("format", False), ("monkey", False),
     # One word: ending like a credential, starting like one, or the plural of one; "monkeys" is none of these.
     ("csrftoken", True), ("authcode", True), ("keys", True), ("pins", True), ("monkeys", False)],
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


# --- restoring the client's messages -------------------------------------------------------------------------

API = Endpoint("wss", "api.example", 443, sni="api.example")
API_REQUEST = Request(target="/ws", headers=(("Host", "api.example"),))
AT_API = "wss://api.example:443"


def _secret(value: str, *places: str, endpoint: str = AT_API) -> tuple[str, Secret]:
    """A stored secret with its fingerprint, bound to *places* at *endpoint*."""
    return fingerprint(KEY, value), Secret(value, frozenset(Binding(endpoint, p) for p in places))


def _text(text: str, at: float = 0.0, *, size: int | None = None, cut: bool | None = None) -> Message:
    data = text.encode("utf-8", "surrogateescape")
    return Message("client", "text", len(data) if size is None else size, data, at, cut)


TOK = _secret("tok-77", "message client 1 token")
NESTED = _secret("n3sted-pw", "message client 1 payload.password")
SECOND = _secret("sec0nd-tok", "message client 2 token")
PLAIN = _secret("plain-bearer-1", "message client 1")
CUT = _secret("cut-t0ken", "message client 2")


@pytest.mark.parametrize(
    ("sent", "secrets", "expected"),
    [
        # A member's fingerprint, bound to message 1's 'token': the client's bytes again.
        ([f'{{"type":"auth","token":"{TOK[0]}"}}'], [TOK], ['{"type":"auth","token":"tok-77"}']),
        # A nested member.
        ([f'{{"payload":{{"user":"u","password":"{NESTED[0]}"}}}}'], [NESTED],
         ['{"payload":{"user":"u","password":"n3sted-pw"}}']),
        # Messages are numbered from 1: a plain first message, then the secret in message 2.
        (['{"type":"hello"}', f'{{"token":"{SECOND[0]}"}}'], [SECOND], ['{"type":"hello"}', '{"token":"sec0nd-tok"}']),
        # Text that is not JSON: bound to the message alone.
        ([f"AUTH Bearer {PLAIN[0]}"], [PLAIN], ["AUTH Bearer plain-bearer-1"]),
        # A byte that is not UTF-8 goes out as it came in.
        ([f'{{"token":"{TOK[0]}","x":"\udcff"}}'], [TOK], ['{"token":"tok-77","x":"\udcff"}']),
        # Nothing redacted: the messages as they are, secrets or not.
        (['{"type":"hello"}', "ping"], [TOK], ['{"type":"hello"}', "ping"]),
        ([], [TOK], []),
    ],
    ids=["member", "nested", "second-message", "not-json", "not-utf8", "nothing", "none"],
)
def test_restore_messages_gives_back_the_bytes_sent(sent: list[str], secrets: list[tuple[str, Secret]],
                                                    expected: list[str]) -> None:
    """Each fingerprint bound to its message and JSON path goes back as its secret; every other byte is kept."""
    messages = tuple(_text(t, at=0.1 * i) for i, t in enumerate(sent))
    out = restore_messages(messages, dict(secrets), endpoint=API, request=API_REQUEST)
    assert out == tuple(_text(t, at=0.1 * i, cut=False) for i, t in enumerate(expected))
    assert [m.cut for m in out] == [False if FINGERPRINT_RE.search(t) else None for t in sent]


def test_restore_messages_keeps_a_cut_message_cut() -> None:
    """A whole message stays whole and sized as sent; one kept only in part keeps its wire size and stays cut."""
    whole = _text(f'{{"token":"{TOK[0]}"}}', size=18, cut=False)  # as redaction leaves it: the size sent
    cut = _text(f'{{"token":"{CUT[0]}","pad":"xx', size=900, cut=True)  # not JSON: bound to the message
    a, b = restore_messages((whole, cut), dict([TOK, CUT]), endpoint=API, request=API_REQUEST)
    assert (a.head, a.size, a.cut, a.whole) == (b'{"token":"tok-77"}', 18, False, True)
    assert (b.head, b.size, b.cut, b.truncated) == (b'{"token":"cut-t0ken","pad":"xx', 900, True, True)


EVIL = Endpoint("wss", "evil.example", 443, sni="evil.example")
TO_EVIL_HOST = Request(target="/ws", headers=(("Host", "evil.example"),))
OLD = (fingerprint(KEY, "old-s3cret"), Secret("old-s3cret"))  # stored by a wsdiff that did not say where


@pytest.mark.parametrize(
    ("sent", "secrets", "endpoint", "request_", "message"),
    [
        # The recorded message moved to position 2: same endpoint, another place.
        (['{"type":"hello"}', f'{{"type":"auth","token":"{TOK[0]}"}}'], [TOK], API, API_REQUEST,
         f"the secret in message client 2 token ({TOK[0]}) belongs to message client 1 token at {AT_API}; "
         f"refusing to send it to {AT_API} (--allow-secrets-to api.example:443 sends it there)"),
        # The capture pointed at a host the secret never went to: no flag is suggested.
        ([f'{{"type":"auth","token":"{TOK[0]}"}}'], [TOK], EVIL, API_REQUEST,
         f"the secret in message client 1 token ({TOK[0]}) belongs to message client 1 token at {AT_API}; refusing "
         "to send it to wss://evil.example:443 (Host api.example): the capture points somewhere this secret was "
         "never recorded"),
        # Same address, but the Host header routes it to another tenant: both hosts must be named.
        ([f'{{"type":"auth","token":"{TOK[0]}"}}'], [TOK], API, TO_EVIL_HOST,
         f"the secret in message client 1 token ({TOK[0]}) belongs to message client 1 token at {AT_API}; refusing "
         f"to send it to {AT_API} (Host evil.example) (--allow-secrets-to api.example:443 --allow-secrets-to "
         "evil.example sends it there)"),
        # An old store line: bound nowhere, so refused everywhere unless named.
        ([f'{{"token":"{OLD[0]}"}}'], [OLD], API, API_REQUEST,
         f"the secret in message client 1 token ({OLD[0]}) was stored by an older wsdiff without the place it was "
         f"recorded; refusing to send it to {AT_API} (--allow-secrets-to api.example:443 sends it there)"),
        # Two refusals, in two messages: the first is told, with the count of the others.
        ([f'{{"token":"{SECOND[0]}"}}', f'{{"token":"{TOK[0]}"}}'], [TOK, SECOND], API, API_REQUEST,
         f"the secret in message client 1 token ({SECOND[0]}) belongs to message client 2 token at {AT_API}; "
         f"refusing to send it to {AT_API} (--allow-secrets-to api.example:443 sends it there); and 1 more"),
    ],
    ids=["moved", "other-host", "other-routing-host", "old-store", "two"],
)
def test_restore_messages_refuses_a_secret_bound_elsewhere(sent: list[str], secrets: list[tuple[str, Secret]],
                                                           endpoint: Endpoint, request_: Request, message: str) -> None:
    """A message secret goes only to the endpoint, routing host and JSON place it was recorded in; else one line."""
    messages = tuple(_text(t) for t in sent)
    with pytest.raises(SecretRefusedError) as e:
        restore_messages(messages, dict(secrets), endpoint=endpoint, request=request_)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("endpoint", "request_", "allow", "restored"),
    [
        (EVIL, API_REQUEST, ("evil.example",), True),
        (EVIL, API_REQUEST, ("evil.example:443",), True),
        (EVIL, API_REQUEST, ("evil.example:8443",), False),
        (API, TO_EVIL_HOST, ("api.example",), False),  # the routing host is not named
        (API, TO_EVIL_HOST, ("api.example", "evil.example"), True),
        (EVIL, API_REQUEST, (), False),
    ],
)
def test_restore_messages_sends_where_the_user_named_the_host(endpoint: Endpoint, request_: Request,
                                                              allow: tuple[str, ...], restored: bool) -> None:
    """--allow-secrets-to names the host (or host:port) and every routing host; then the message goes restored."""
    sent = (_text(f'{{"type":"auth","token":"{TOK[0]}"}}'),)
    if restored:
        [m] = restore_messages(sent, dict([TOK]), endpoint=endpoint, request=request_, allow=allow)
        assert m.head == b'{"type":"auth","token":"tok-77"}'
    else:
        with pytest.raises(SecretRefusedError):
            restore_messages(sent, dict([TOK]), endpoint=endpoint, request=request_, allow=allow)


A_FP, B_FP, C_FP = (fingerprint(KEY, s) for s in ("lost-a-111", "lost-b-222", "lost-c-333"))


@pytest.mark.parametrize(
    ("sent", "missing"),
    [
        ([f'{{"type":"auth","payload":{{"token":"{A_FP}"}}}}'], f"message 1 payload.token ({A_FP})"),
        # Not JSON: the message alone is named; then a JSON one after a plain one.
        ([f"AUTH {A_FP}", '{"type":"hello"}', f'{{"items":["x","{B_FP}"]}}'],
         f"message 1 ({A_FP}), message 3 items[1] ({B_FP})"),
        # A fingerprint in a key is in no member: the message is named.
        ([f'{{"{A_FP}":1}}'], f"message 1 ({A_FP})"),
    ],
    ids=["member", "text-then-array", "in-a-key"],
)
def test_restore_messages_names_each_missing_secret(sent: list[str], missing: str) -> None:
    """A fingerprint the store lacks is never sent: each is named by message and JSON path, the default is to raise."""
    with pytest.raises(SecretError) as e:
        restore_messages(tuple(_text(t) for t in sent), dict([TOK]), endpoint=API, request=API_REQUEST)
    assert not isinstance(e.value, SecretRefusedError)
    assert str(e.value) == (f"the local secret store has no value for {missing} (replay on the machine that recorded "
                            "it, or --missing-secrets=drop to leave them out)")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        # The member that held it goes; every other byte stays, and the size is the new one.
        ([f'{{"type":"auth","token":"{A_FP}","v":1}}'], ['{"type":"auth","v":1}']),
        # Items of one array: each missing one goes, whatever the order its paths come in, and only those.
        ([f'{{"tokens":["{A_FP}","{B_FP}"]}}'], ['{"tokens":[]}']),
        ([f'{{"tokens":["{A_FP}","k","{B_FP}"],"token":"{TOK[0]}"}}'], ['{"tokens":["k"],"token":"tok-77"}']),
        ([f'{{"a":["{A_FP}",{{"b":"{B_FP}"}},"{C_FP}"],"token":"{TOK[0]}"}}'], ['{"a":[{}],"token":"tok-77"}']),
        # Not JSON, or in a key: the whole message is left out, the others are sent.
        ([f'{{"token":"{TOK[0]}"}}', f"AUTH {A_FP}", '{"type":"hello"}'], ['{"token":"tok-77"}', '{"type":"hello"}']),
        ([f'{{"{A_FP}":1}}', "ping"], ["ping"]),
    ],
    ids=["member", "array", "array-with-known", "nested-array", "text", "in-a-key"],
)
def test_restore_messages_drops_what_has_no_secret(sent: list[str], kept: list[str]) -> None:
    """With drop_missing, a member whose secret is missing is left out, or the message when it is not in a member."""
    out = restore_messages(tuple(_text(t) for t in sent), dict([TOK]), endpoint=API, request=API_REQUEST,
                           drop_missing=True)
    assert [(m.head.decode(), m.size) for m in out] == [(t, len(t)) for t in kept]


# --- how each place is redacted, exactly ---------------------------------------------------------------------


def _shown(template: str) -> str:
    """*template* with each ``{secret}`` replaced by that secret's fingerprint (``{"`` opens a JSON object)."""
    return re.sub(r'\{(?!")([^{}]*)\}', lambda m: fingerprint(KEY, m.group(1)), template)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Plain subprotocol names stay, separators and spaces too.
        ("chat, superchat", "chat, superchat"),
        ("chat,,superchat", "chat,,superchat"),
        ("graphql-transport-ws, v1.chat.example", "graphql-transport-ws, v1.chat.example"),
        ("chat2024", "chat2024"),  # digits and letters, but short: a name
        ("abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx"),  # long, but letters only: a name
        # The token after a marker, whatever it looks like; the marker itself stays.
        ("access_token, hello-world", "access_token, {hello-world}"),
        ("access_token, access_token", "access_token, {access_token}"),
        ("bearer, tok1, chat", "bearer, {tok1}, chat"),
        (" chat ,  access_token ,  tok-1 ", " chat ,  access_token ,  {tok-1} "),
        # A prefixed token: only the part after the last dot.
        ("chat, bearer.dG9rZW4xMjM", "chat, bearer.{dG9rZW4xMjM}"),
        ("base64url.bearer.authorization.k8s.io.dG9rZW4", "base64url.bearer.authorization.k8s.io.{dG9rZW4}"),
        ("base64url.bearer.authorization.k8s.io.", "{base64url.bearer.authorization.k8s.io.}"),  # no token: whole
        # JWT-shaped: the JWT, wherever it sits in the token.
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "{eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln}"),
        ("v1.eyJhbGciOiJIUzI1NiJ9x", "v1.{eyJhbGciOiJIUzI1NiJ9x}"),
        # Named like a credential, or random-looking (long, with 3 digits or more among letters).
        ("chat, session-abc", "chat, {session-abc}"),
        ("abcdefghijklmnopq1r2s3tu", "{abcdefghijklmnopq1r2s3tu}"),
        ("abcdefghijklmnopq1r2stuv", "abcdefghijklmnopq1r2stuv"),  # two digits: a name
        ("Zx81Qw93Lk27Mn45Pb61Vc09", "{Zx81Qw93Lk27Mn45Pb61Vc09}"),
        # A marker in camelCase; a marker is at most 32 characters (a longer one is a credential of its own).
        ("accessToken, abc", "accessToken, {abc}"),
        ("authorization_accesstoken_bearer, abc", "authorization_accesstoken_bearer, {abc}"),
        ("authorization_accesstoken_apikey_, abc", "{authorization_accesstoken_apikey_}, abc"),
        # Already a fingerprint: kept as it is.
        (_shown("access_token, {tok-1}"), _shown("access_token, {tok-1}")),
    ],
)
def test_subprotocol_tokens(value: str, expected: str) -> None:
    """Sec-WebSocket-Protocol: a credential token (after a marker, prefixed, JWT, random) is fingerprinted, names stay."""
    out, _ = redact_request(Request(headers=(("Sec-WebSocket-Protocol", value),)), KEY, EP)
    assert out.headers == (("Sec-WebSocket-Protocol", _shown(expected)),)


@pytest.mark.parametrize(
    ("cookie", "expected", "places"),
    [
        ("sid=abc; theme=dark", "sid={abc}; theme={dark}", {"abc": {"cookie sid"}, "dark": {"cookie theme"}}),
        # A value holding '=' (base64): the name ends at the first one.
        ("session=YWJjZGVm==", "session={YWJjZGVm==}", {"YWJjZGVm==": {"cookie session"}}),
        # A bare value (no name): bound to "cookie"; spaces and a trailing separator kept.
        ("a=1; lonely", "a={1}; {lonely}", {"1": {"cookie a"}, "lonely": {"cookie"}}),
        (" sid = abc ; ", " sid = {abc} ; ", {"abc": {"cookie sid"}}),
    ],
)
def test_cookie_pairs_are_redacted_one_by_one(cookie: str, expected: str, places: dict[str, set[str]]) -> None:
    """Each cookie value is fingerprinted in place and bound to its cookie's name; restoring gives the header back."""
    request = Request(headers=(("Cookie", cookie),))
    out, found = redact_request(request, KEY, EP)
    assert out.headers == (("Cookie", _shown(expected)),)
    assert {s.value: {b.place for b in s.bindings} for s in found.values()} == places
    assert {b.endpoint for s in found.values() for b in s.bindings} == {"ws://h:80 (no Host)"}  # fails closed
    assert restore_request(out, found, endpoint=EP) == request


def test_dropping_a_cookie_keeps_the_others_and_their_separators() -> None:
    """With drop_missing, a cookie whose secret is missing is left out with its separator; the others stay as sent."""
    out, found = redact_request(Request(headers=(("Cookie", "a=1; b=2; c=3"),)), KEY, EP)
    del found[fingerprint(KEY, "2")]
    assert restore_request(out, found, endpoint=EP, drop_missing=True).headers == (("Cookie", "a=1; c=3"),)
    del found[fingerprint(KEY, "1")], found[fingerprint(KEY, "3")]
    assert restore_request(out, found, endpoint=EP, drop_missing=True).headers == ()


def test_secrets_found_without_an_endpoint_are_bound_to_none() -> None:
    """redact_request without an endpoint binds its secrets to "", which no request's destination ever is."""
    _, found = redact_request(Request(headers=(("X-API-Key", "k-123"),)), KEY)
    assert [(s.value, s.bindings) for s in found.values()] == [("k-123", frozenset({Binding("", "header x-api-key")}))]


def test_redact_json_walks_every_string() -> None:
    """A saved bisect result: each string, in lists and objects at any depth, loses its credentials; the rest stays."""
    doc = {"verdict": "culprit", "reason": "Bearer abcdef123", "rounds": 3, "ok": True, "none": None, "ratio": 0.5,
           "culprit": ["token=abc12345", 7, None, {"fix": "connect with ?access_token=q-987654"}], "keep": ["voice"]}
    assert redact_json(doc, KEY) == {
        "verdict": "culprit", "reason": _shown("Bearer {abcdef123}"), "rounds": 3, "ok": True, "none": None,
        "ratio": 0.5, "culprit": [_shown("token={abc12345}"), 7, None, {"fix": _shown("connect with ?access_token={q-987654}")}],
        "keep": ["voice"]}
    assert redact_json("api_key=k-42", KEY) == _shown("api_key={k-42}")


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        # One secret the end of another, the shorter sorting after it: the longer still goes whole.
        ("use a-zz1234567 then zz1234567", ["zz1234567", "a-zz1234567"], "use {a-zz1234567} then {zz1234567}"),
        ("use a-zz1234567 then zz1234567", ["a-zz1234567", "zz1234567", "zz1234567", ""],
         "use {a-zz1234567} then {zz1234567}"),
        # Then any other credential, by the rules of free text.
        ("set-header=X-Trace:zz1234567 token=abc12345", ["zz1234567"], "set-header=X-Trace:{zz1234567} token={abc12345}"),
        ("nothing here", [], "nothing here"),
    ],
)
def test_redact_shown_replaces_the_longest_secret_first(text: str, secrets: list[str], expected: str) -> None:
    """A variant's name or description: the secrets it carries, longest first, then anything else that looks secret."""
    assert redact_shown(text, KEY, secrets) == _shown(expected)


@pytest.mark.parametrize(
    ("value", "where", "found"),
    [
        # A JSON string for a credential member: the string's content is the secret, as a message would hold it.
        ('"s3cret-abc"', {"member": "token"}, ("s3cret-abc",)),
        ("1234567", {"member": "pin"}, ("1234567",)),  # a number: as typed
        ("not json", {"member": "password"}, ("not json",)),
        ('{"token": "inner-1"}', {"member": "data"}, ("inner-1",)),  # another member: its text's credentials
        ("plain", {"member": "voice"}, ()),
        ("Bearer abcdef123", {"header": "Authorization"}, ("abcdef123",)),
        ("k-123", {"header": "X-Api-Key"}, ("k-123",)),
        ("alloy", {"header": "X-Voice"}, ()),
        ("/ws?access_token=q-1", {}, ("q-1",)),
    ],
)
def test_argument_secrets(value: str, where: dict[str, str], found: tuple[str, ...]) -> None:
    """What the user typed for a header or a JSON member yields the secrets redaction would find there."""
    assert argument_secrets(value, **where) == found


def test_a_secret_swept_elsewhere_is_bound_to_each_exact_place() -> None:
    """A secret found once is replaced wherever it appears, and bound to each place it is a whole value of."""
    t = "T0KEN-abcdef12"
    head = f'{{"note":"copy {t} here","t":"{t}"}}'.encode()
    c = Capture(Endpoint("ws", "h", 80), Request(headers=(("Host", "h"), ("Authorization", f"Bearer {t}"),
                                                          ("X-Trace", t))),
                Response(403, "Forbidden", body=f"invalid {t}".encode()),
                websocket=Session(messages=(Message("client", "text", len(head), head, 0.0),)))
    out, found = redact_capture(c, KEY)
    fp = fingerprint(KEY, t)
    assert out.request.headers == (("Host", "h"), ("Authorization", f"Bearer {fp}"), ("X-Trace", fp))
    assert out.response is not None and out.response.body == f"invalid {fp}".encode()
    assert out.websocket is not None and out.websocket.messages[0].head == f'{{"note":"copy {fp} here","t":"{fp}"}}'.encode()
    # Inside a longer string ("note") is no place a secret is restored to: not bound.
    assert found == {fp: Secret(t, frozenset(Binding("ws://h:80", p) for p in (
        "header authorization", "header x-trace", "response body", "message client 1 t")))}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bearer abc def", "Bearer {abc def}"),  # the scheme is the first word, the rest is the credential
        ("Basic dXNlcjpwYXNz", "Basic {dXNlcjpwYXNz}"),
        ('Digest username="u", response="abc"', 'Digest {username="u", response="abc"}'),
        ("abc123token", "{abc123token}"),  # no scheme: the whole value
        ("b64:abc def", "{b64:abc def}"),  # no scheme a name could be: the whole value
        ("   ", "   "),  # nothing to hide
    ],
)
@pytest.mark.parametrize("name", ["Authorization", "Proxy-Authorization", "proxy-authorization"])
def test_authorization_keeps_its_scheme(name: str, value: str, expected: str) -> None:
    """Authorization and Proxy-Authorization: the scheme (RFC 9110 11.4) stays readable, the rest is fingerprinted."""
    out, _ = redact_request(Request(headers=((name, value),)), KEY, EP)
    assert out.headers == ((name, _shown(expected)),)


def test_the_handshake_nonce_is_never_redacted() -> None:
    """Sec-WebSocket-Key and -Accept (RFC 6455 4.1, 4.2.2) stay, even when free-text rules would see a pair in them."""
    nonce = "xPinAAAAAAAAAAAAAAAAAAAAAA=="  # 'xPin...' = '=' reads as a credential pair to the free-text rules
    headers = (("Sec-WebSocket-Accept", nonce), ("Sec-WebSocket-Key", nonce), ("X-Nonce", nonce))
    out, found = redact_capture(Capture(EP, Request(headers=(("Host", "h"), ("Sec-WebSocket-Key", nonce))),
                                        Response(101, headers=headers)), KEY)
    assert out.request.headers == (("Host", "h"), ("Sec-WebSocket-Key", nonce))
    assert out.response is not None and out.response.headers == headers[:2] + (("X-Nonce", _shown(nonce[:-1] + "{=}")),)
    assert [s.value for s in found.values()] == ["="]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # A value in clear: only the credential inside it.
        ("/ws?next=/cb?token=abc12345", "/ws?next=/cb?token={abc12345}"),
        # A percent-encoded URL or JSON holding a credential: the whole value, which hides it however it is read.
        ("/ws?redirect=https%3A%2F%2Fx.example%2Fcb%3Ftoken%3Dabc12345&v=1",
         "/ws?redirect={https%3A%2F%2Fx.example%2Fcb%3Ftoken%3Dabc12345}&v=1"),
        ("/ws?data=%7B%22token%22%3A%22abc%22%7D", "/ws?data={%7B%22token%22%3A%22abc%22%7D}"),
        # Encoded, but nothing secret in it; empty values; a name without a value.
        ("/ws?q=caf%C3%A9&v=1", "/ws?q=caf%C3%A9&v=1"),
        ("/ws?token=&v=", "/ws?token=&v="),
        ("/ws?flag&token=t1", "/ws?flag&token={t1}"),
    ],
)
def test_query_values(target: str, expected: str) -> None:
    """A query value named like a credential is fingerprinted; any other only for the credentials it holds."""
    out, _ = redact_request(Request(target=target), KEY, EP)
    assert out.target == _shown(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A request head quoted in an error or a body: credential header lines lose their values.
        ("GET /ws HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer abc123\r\nX-Api-Key:k-1\r\nX-Note: token\r\n"
         "Cookie:  \r\n\r\n",
         "GET /ws HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {abc123}\r\nX-Api-Key:{k-1}\r\nX-Note: token\r\n"
         "Cookie:  \r\n\r\n"),
        ("proxy-authorization: Basic dXNlcjpwYXNz", "proxy-authorization: Basic {dXNlcjpwYXNz}"),
        ('  Authorization:   Digest username="u", response="abc"',
         '  Authorization:   Digest {username="u", response="abc"}'),
        # JSON members named like credentials: strings and bare numbers; true, false, null and "" say nothing.
        ('{"pin": 123456, "secret": true, "token": null, "password": false, "apiKey": "", "key": -12.5e3}',
         '{"pin": {123456}, "secret": true, "token": null, "password": false, "apiKey": "", "key": {-12.5e3}}'),
        ('{"voice": 123456, "note": "x"}', '{"voice": 123456, "note": "x"}'),
        # A percent-encoded URL holding a credential, as a Location header or a page carries it: the whole value.
        ("https://login.example/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Faccess_token%3DSEKRIT123&s=x",
         "https://login.example/authorize?redirect_uri={https%3A%2F%2Fapp.example%2Fcb%3Faccess_token%3DSEKRIT123}&s=x"),
        ("next=caf%C3%A9&q=a+b", "next=caf%C3%A9&q=a+b"),  # encoded, nothing secret in it
    ],
)
def test_free_text(text: str, expected: str) -> None:
    """Free text (a body, a message, an error) loses each credential it holds, and nothing else."""
    assert redact_text(text, KEY) == _shown(expected)


def _msg(direction: str, text: str, at: float, *, size: int | None = None, cut: bool | None = None) -> Message:
    data = text.encode()
    return Message(direction, "text", len(data) if size is None else size, data, at, cut)  # type: ignore[arg-type]


def test_messages_are_numbered_per_direction_and_bound_by_json_path() -> None:
    """Each message's secrets are bound to "message <direction> <n> <path>", n counted per direction from 1."""
    sent = [  # direction, what was sent, what redaction shows
        ("server", '{"type":"hello","token":"srv-tok-1"}', '{"type":"hello","token":"{srv-tok-1}"}'),
        ("client", '{"type":"auth","token":"cli-tok-1"}', '{"type":"auth","token":"{cli-tok-1}"}'),
        ("client", '{"type":"ping"}', '{"type":"ping"}'),
        ("client", '{"type":"auth","payload":{"pin":4321}}', '{"type":"auth","payload":{"pin":{4321}}}'),
        ("server", '{"type":"again","session":"srv-tok-2"}', '{"type":"again","session":"{srv-tok-2}"}'),
    ]
    s = Session("closed", 4001, "bad token=abc12345", "server", 1.5,
                tuple(_msg(d, t, 0.25 * k) for k, (d, t, _) in enumerate(sent, 1)), 2)
    out, found = redact_capture(Capture(EP, Request(headers=(("Host", "h"),)), Response(101), websocket=s), KEY)
    assert out.websocket == Session("closed", 4001, _shown("bad token={abc12345}"), "server", 1.5, tuple(
        _msg(d, _shown(shown), 0.25 * k, size=len(t)) for k, (d, t, shown) in enumerate(sent, 1)), 2)
    assert {s.value: {b.place for b in s.bindings} for s in found.values()} == {
        "srv-tok-1": {"message server 1 token"}, "cli-tok-1": {"message client 1 token"},
        "4321": {"message client 3 payload.pin"}, "srv-tok-2": {"message server 2 session"},
        "abc12345": {"close reason"}}
    # What was redacted is marked whole or cut from before; what was not is the message as it was.
    assert [m.cut for m in out.websocket.messages] == [False, False, None, False, False]
    # A bare number goes back as the number, at its own path only.
    back = restore_messages(out.websocket.messages[1:4], found, endpoint=EP, request=Request(headers=(("Host", "h"),)))
    assert [m.head for m in back] == [t.encode() for _, t, _ in sent[1:4]]


def test_a_cut_message_stays_cut_though_its_fingerprint_makes_it_longer() -> None:
    """A message kept in part is still marked cut after redaction, even when its head outgrows its wire size."""
    head = '{"type":"auth","token":"abc","pad":"' + "x" * 220
    m = _msg("client", head, 0.25, size=len(head) + 4, cut=True)
    out, _ = redact_capture(Capture(EP, Request(), Response(101), websocket=Session(messages=(m,))), KEY)
    [r] = out.websocket.messages  # type: ignore[union-attr]
    assert r == _msg("client", _shown('{"type":"auth","token":"{abc}","pad":"') + "x" * 220, 0.25, size=len(head) + 4)
    assert (r.cut, r.truncated, len(r.head) > r.size) == (True, True, True)


def test_a_close_reason_alone_is_redacted() -> None:
    """A close reason holding a token is fingerprinted even when no message holds one."""
    s = Session("closed", 4003, "bad token=abc12345", "server", 0.5, (_msg("client", '{"type":"ping"}', 0.25),))
    out, found = redact_capture(Capture(EP, Request(), Response(101), websocket=s), KEY)
    assert out.websocket == Session("closed", 4003, _shown("bad token={abc12345}"), "server", 0.5, s.messages)
    assert [(v.value, {b.place for b in v.bindings}) for v in found.values()] == [("abc12345", {"close reason"})]


def test_an_encoded_token_in_a_location_header_is_not_shown() -> None:
    """A redirect's Location whose encoded redirect_uri carries a token loses it, though the request never held it."""
    loc = "https://login.example/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Faccess_token%3DSEKRIT123"
    c = Capture(EP, Request(headers=(("Host", "h"),)), Response(302, "Found", headers=(("Location", loc),)))
    out, found = redact_capture(c, KEY)
    assert out.response is not None and "SEKRIT123" not in repr(out)
    assert [s.value for s in found.values()] == [loc.partition("redirect_uri=")[2]]
