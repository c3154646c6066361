"""Issue 17: how each place of a capture is redacted, bound, swept and remembered, told exactly.

Redaction walks every text of a capture with its place (``header X``,
``cookie sid``, ``extra a b``, ``message client 1``, ...): the place's kind
picks the rule, every secret found is bound to the place it sat in at the
capture's destination, a secret found once is swept wherever else it appears,
and what was learnt is remembered within bounds (an unchanged value, a whole
capture) without ever standing in for the rules.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wsdiff import redact
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session
from wsdiff.redact import fingerprint, redact_capture, redact_request, restore_messages, restore_request

from helpers import forget_redactions, minimal_headers

KEY = b"v" * 32
API = Endpoint("wss", "api.example", 443, sni="api.example")
AT_API = "wss://api.example:443"
HANDSHAKE = Request(target="/ws", headers=minimal_headers("api.example"))


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    """Each test redacts from scratch: no answer remembered from an earlier test stands in for the rules."""
    forget_redactions()


def fp(secret: str) -> str:
    return fingerprint(KEY, secret)


def bound(found: dict[str, redact.Secret]) -> dict[str, set[tuple[str, str]]]:
    """Each secret found, by value, with the (endpoint, place) pairs it is bound to."""
    return {s.value: {(b.endpoint, b.place) for b in s.bindings} for s in found.values()}


# --- extra members: by their own key's name -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "redacted", "places"),
    [
        # A member named like a credential: the whole value, bound to its key.
        ({"auth_token": "tok-7f3a9c11"}, {"auth_token": fp("tok-7f3a9c11")}, {"tok-7f3a9c11": "extra auth_token"}),
        # Nested: each value by its own key, not its parent's ('user' under 'auth' is no credential).
        ({"session": {"token": "s3ss-77aa", "user": "bob"}}, {"session": {"token": fp("s3ss-77aa"), "user": "bob"}},
         {"s3ss-77aa": "extra session token"}),
        ({"auth": {"user": "bob", "expires": "2026-12-31"}}, {"auth": {"user": "bob", "expires": "2026-12-31"}}, {}),
        # Every item of a list under a credential name.
        ({"tokens": ["t-1111aaaa", "t-2222bbbb"]}, {"tokens": [fp("t-1111aaaa"), fp("t-2222bbbb")]},
         {"t-1111aaaa": "extra tokens", "t-2222bbbb": "extra tokens"}),
        # The whole value, even one shaped like a header's scheme and credentials.
        ({"header authorization": "Bearer abcd1234"}, {"header authorization": fp("Bearer abcd1234")},
         {"Bearer abcd1234": "extra header_authorization"}),
        # Pathological: a tab is part of the key's name, which names a credential (a place joins its words by '_').
        ({"token\tcount": "abc12345"}, {"token\tcount": fp("abc12345")}, {"abc12345": "extra token_count"}),
        # Any other member: the free-text rules (a Bearer credential in a note).
        ({"note": "retry with Bearer abcd12345678"}, {"note": f"retry with Bearer {fp('abcd12345678')}"},
         {"abcd12345678": "extra note"}),
        ({"note": "plain words", "count": 3, "ok": True, "none": None},
         {"note": "plain words", "count": 3, "ok": True, "none": None}, {}),
    ],
    ids=["credential", "nested", "under-credential-parent", "list", "scheme-shaped", "tab-in-name", "free-text",
         "nothing"],
)
def test_extra_members_are_redacted_by_their_own_name(extra: dict[str, object], redacted: dict[str, object],
                                                      places: dict[str, str]) -> None:
    """A capture's own extra members: a credential-named key's value wholly, others by the free-text rules."""
    out, found = redact_capture(Capture(API, HANDSHAKE, extra=extra), KEY)
    assert out.extra == redacted
    assert bound(found) == {value: {(AT_API, place)} for value, place in places.items()}


# --- which rule a place gets -----------------------------------------------------------------------------------


def test_a_cookie_named_like_a_handshake_field_is_still_a_cookie() -> None:
    """Only header fields are plumbing: a cookie named 'host' or 'connection' has its value fingerprinted."""
    request = Request(target="/ws?host=h0st-n4me", headers=minimal_headers("api.example") + (
        ("Cookie", "host=S-1234567; connection=c-99887766"),))
    out, found = redact_request(request, KEY, API)
    assert out.headers[-1] == ("Cookie", f"host={fp('S-1234567')}; connection={fp('c-99887766')}")
    assert out.target == "/ws?host=h0st-n4me"  # a query parameter named host holds no credential by its name
    assert bound(found) == {"S-1234567": {(AT_API, "cookie host")}, "c-99887766": {(AT_API, "cookie connection")}}


QUOTED_AND_MORE = '"s3cr3t-1"REST-99'  # a quoted string with more after it: all of it is the value
SINGLE_QUOTED = "'one two'"  # single quotes quote nothing in RFC 9110: all of it is the value


@pytest.mark.parametrize(
    ("name", "value", "redacted"),
    [
        # HTTP plumbing is a header like any other: a credential in it is found by the free-text rules.
        ("Cache-Control", "no-cache, Bearer tok-abcdefgh", f"no-cache, Bearer {fp('tok-abcdefgh')}"),
        ("Pragma", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", fp("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")),
        ("Accept-Language", "en;q=0.9, token=tok-12345678", f"en;q=0.9, token={fp('tok-12345678')}"),
        ("accept-encoding", "gzip, api_key=k-7f3a9c11", f"gzip, api_key={fp('k-7f3a9c11')}"),
        ("Content-Length", "0", "0"),
        # The handshake's own fields are sent as recorded.
        ("Upgrade", "websocket", "websocket"),
        ("Sec-WebSocket-Version", "13", "13"),
        # Extensions: a parameter named like a credential holds one, quoted or not (RFC 6455 9.1); the others,
        # and permessage-deflate's, are kept as sent.
        ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits=15",
         "permessage-deflate; client_max_window_bits=15"),
        ("Sec-WebSocket-Extensions", "x-auth; token=tok-12345678; v=2, permessage-deflate",
         f"x-auth; token={fp('tok-12345678')}; v=2, permessage-deflate"),
        ("Sec-WebSocket-Extensions", 'x-auth;api_key = "k-7f3a\\"9c11"', f'x-auth;api_key = "{fp('k-7f3a\\"9c11')}"'),
        ("Sec-WebSocket-Extensions", 'x-auth; token=""; secret=', 'x-auth; token=""; secret='),
        # The value runs to the next ';' or ',': past a space, a closing quote, or in single quotes, all of it.
        ("Sec-WebSocket-Extensions", "x-auth; authorization=Basic dXNlcjpwYXNz , permessage-deflate",
         f"x-auth; authorization={fp('Basic dXNlcjpwYXNz')} , permessage-deflate"),
        ("Sec-WebSocket-Extensions", f"x-auth; token={QUOTED_AND_MORE}; v=2",
         f"x-auth; token={fp(QUOTED_AND_MORE)}; v=2"),
        ("Sec-WebSocket-Extensions", f"x-auth; token={SINGLE_QUOTED}", f"x-auth; token={fp(SINGLE_QUOTED)}"),
        ("Sec-WebSocket-Extensions", "x-trace; level=3; mode=fast", "x-trace; level=3; mode=fast"),
        ("Sec-WebSocket-Extensions", "x-jwt; v=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
         f"x-jwt; v={fp('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln')}"),
    ],
)
def test_every_request_header_but_the_handshakes_own_gets_the_rules(name: str, value: str, redacted: str) -> None:
    """Cache-Control, Pragma, Accept-*, Extensions hide credentials like any header (they were once passed over)."""
    headers = minimal_headers("api.example") + ((name, value),)
    out, _ = redact_request(Request(target="/ws", headers=headers), KEY, API)
    assert out.headers == minimal_headers("api.example") + ((name, redacted),)


@pytest.mark.parametrize(("sent", "secret"), [
    ('x-auth; token="tok-\\"12345678", permessage-deflate; client_max_window_bits', 'tok-\\"12345678'),
    ("x-auth; authorization=Basic dXNlcjpwYXNz  ; v=1", "Basic dXNlcjpwYXNz"),
    ('x-auth; token="s3cr3t-1"REST-99', '"s3cr3t-1"REST-99'),
])
def test_an_extension_credential_is_bound_and_restored_byte_for_byte(sent: str, secret: str) -> None:
    """A credential in an extension parameter is bound to that header and put back exactly when replayed there."""
    request = Request(target="/ws", headers=minimal_headers("api.example") + (("Sec-WebSocket-Extensions", sent),))
    out, found = redact_capture(Capture(API, request), KEY)
    assert out.request.headers[-1] == ("Sec-WebSocket-Extensions", sent.replace(secret, fp(secret)))
    assert bound(found) == {secret: {(AT_API, "header sec-websocket-extensions")}}
    assert restore_request(out.request, found, endpoint=API) == request


TOKEN_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("head", "secret", "places"),
    [
        # Exactly a member's value: bound to the message and its JSON path.
        ('{"type":"auth","token":"abcd12345678"}', "abcd12345678", {(AT_API, "message client 1 token")}),
        # Inside a longer string: found and fingerprinted, but bound nowhere, so never restored.
        ('{"note":"use Bearer abcd12345678 next time"}', "abcd12345678", set()),
        # Not JSON: bound to the message alone.
        ("AUTH Bearer abcd12345678", "abcd12345678", {(AT_API, "message client 1")}),
        # The token is the whole message, bare or as one JSON string: bound to the message alone.
        (TOKEN_JWT, TOKEN_JWT, {(AT_API, "message client 1")}),
        (f'"{TOKEN_JWT}"', TOKEN_JWT, {(AT_API, "message client 1")}),
    ],
    ids=["member", "inside-a-string", "not-json", "token-alone", "token-alone-quoted"],
)
def test_a_message_secret_is_bound_only_where_it_is_a_whole_value(head: str, secret: str,
                                                                  places: set[tuple[str, str]]) -> None:
    """A fingerprint that is not exactly a JSON value gets no binding: replay could not put it back in place."""
    sent = Message("client", "text", len(head), head.encode(), 0.01)
    out, found = redact_capture(Capture(API, HANDSHAKE, Response(101, "Switching Protocols"),
                                        websocket=Session(messages=(sent,))), KEY)
    assert out.websocket is not None and out.websocket.messages[0].head == head.replace(secret, fp(secret)).encode()
    assert bound(found) == {secret: places}
    if places:  # bound: replayed where it was recorded, byte for byte
        assert restore_messages(out.websocket.messages, found, endpoint=API, request=HANDSHAKE) == (sent,)


@pytest.mark.parametrize(
    ("endpoint", "host", "destination"),
    [
        (API, "api.example", AT_API),
        # The Host routes elsewhere at the same address: the binding says so (a shared front end picks by it).
        (API, "evil.example", f"{AT_API} (Host evil.example)"),
        (Endpoint("wss", "10.0.0.5", 443, sni="api.example"), "api.example",
         "wss://10.0.0.5:443 (SNI api.example) (Host api.example)"),
    ],
    ids=["same", "other-host", "sni-and-host"],
)
def test_a_capture_binds_its_secrets_to_where_its_request_went(endpoint: Endpoint, host: str,
                                                               destination: str) -> None:
    """A capture's secrets are bound to its destination: the endpoint with the SNI and Host it was routed by."""
    headers = minimal_headers(host) + (("Authorization", "Bearer tok-abcdefgh"),)
    _, found = redact_capture(Capture(endpoint, Request(target="/ws", headers=headers)), KEY)
    assert bound(found) == {"tok-abcdefgh": {(destination, "header authorization")}}


# --- the sweep: a secret found once, wherever else it sits ---------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "body", "swept"),
    [
        # A cookie of exactly eight characters, the shortest swept, echoed by the server.
        ((("Cookie", "sid=Ab3dE6g8"),), "welcome Ab3dE6g8", f"welcome {fp('Ab3dE6g8')}"),
        # Seven: too short to sweep (it could be any word).
        ((("Cookie", "sid=Ab3dE6g"),), "welcome Ab3dE6g", "welcome Ab3dE6g"),
        # Two secrets, one the start of the other: the longer is replaced whole, leaving no tail in clear.
        ((("Authorization", "Bearer tok-abcdefgh"), ("Cookie", "rt=tok-abcdefgh-refresh")),
         "echo tok-abcdefgh-refresh and tok-abcdefgh",
         f"echo {fp('tok-abcdefgh-refresh')} and {fp('tok-abcdefgh')}"),
    ],
    ids=["eight", "seven", "prefix"],
)
def test_a_found_secret_is_swept_from_the_answer(headers: tuple[tuple[str, str], ...], body: str,
                                                 swept: str) -> None:
    """A secret of eight characters or more found in the request is replaced in the server's echo too, longest first."""
    raw = Capture(API, Request(target="/ws", headers=minimal_headers("api.example") + headers),
                  Response(403, "Forbidden", body=body.encode()))
    out, found = redact_capture(raw, KEY)
    assert out.response is not None and out.response.body == swept.encode()
    if swept != body:
        assert all((AT_API, "response body") in places for places in bound(found).values())


# --- what is remembered, and what never is ----------------------------------------------------------------------


def test_unchanged_values_are_remembered_but_never_a_handshake_field() -> None:
    """Values redaction gave back unchanged are remembered by place; the handshake's own fields (a fresh key) never."""
    for nonce in ("dGhlIHNhbXBsZSBub25jZQ==", "AQIDBAUGBwgJCgsMDQ4PEA=="):
        headers = tuple((n, nonce if n == "Sec-WebSocket-Key" else v) for n, v in minimal_headers("api.example"))
        redact_request(Request(target="/ws", headers=headers + (("User-Agent", "x"), ("X-Api-Key", "k-7f3a9c11"))),
                       KEY, API)
    assert redact._UNCHANGED == {("path", "/ws"), ("header User-Agent", "x")}


@pytest.mark.parametrize(("size", "remembered"), [(511, True), (512, True), (513, False)])
def test_only_short_values_are_remembered(size: int, remembered: bool) -> None:
    """Values up to 512 characters are remembered; longer ones (bodies, messages) never take the memory."""
    value = "x" * size
    redact_request(Request(target="/ws", headers=(("User-Agent", value),)), KEY, API)
    assert (("header User-Agent", value) in redact._UNCHANGED) is remembered


def test_the_memory_of_unchanged_values_is_emptied_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 4096 values remembered, the next one empties the memory first: it never holds more."""
    full = {("header X-Filler", str(i)) for i in range(redact._UNCHANGED_SIZE - 1)}
    monkeypatch.setattr(redact, "_UNCHANGED", full)
    redact_request(Request(target="/ws", headers=(("X-A", "1"), ("X-B", "2"))), KEY, API)
    # The path filled it to 4096; X-A emptied it before it was added; X-B joined it.
    assert redact._UNCHANGED == {("header X-A", "1"), ("header X-B", "2")}


def _raw() -> Capture:
    return Capture(API, Request(target="/ws/p4th-s3cret-77", headers=minimal_headers("api.example") + (
        ("Authorization", "Bearer tok-abcdefgh"),)), Response(101, "Switching Protocols"))


def test_the_same_capture_is_redacted_once() -> None:
    """Redacting a capture again (compare does, for each pair) gives the very result of the first time, and so does
    redacting that result: it holds no secret any more."""
    raw = _raw()
    out, found = redact_capture(raw, KEY)
    again, found_again = redact_capture(raw, KEY)
    assert again is out and found_again == found and found_again is not found
    assert bound(found) == {"tok-abcdefgh": {(AT_API, "header authorization")}}
    twice, none = redact_capture(out, KEY)
    assert twice is out and none == {}


def test_a_remembered_redaction_never_stands_in_for_another_key_or_known_secrets() -> None:
    """With another key, or with known secrets to sweep, the capture is redacted again; neither answer is kept."""
    raw = _raw()
    plain, _ = redact_capture(raw, KEY)
    other, found = redact_capture(raw, b"o" * 32)
    assert other.request.header("Authorization") == f"Bearer {fingerprint(b'o' * 32, 'tok-abcdefgh')}"
    assert set(found) == {fingerprint(b"o" * 32, "tok-abcdefgh")}
    swept, found = redact_capture(raw, KEY, known=["p4th-s3cret-77"])
    assert swept.request.target == f"/ws/{fp('p4th-s3cret-77')}"
    assert bound(found) == {"tok-abcdefgh": {(AT_API, "header authorization")}, "p4th-s3cret-77": {(AT_API, "path")}}
    again, _ = redact_capture(raw, KEY)
    assert again.request.target == "/ws/p4th-s3cret-77" and again.request == plain.request


def test_a_capture_with_extra_members_is_never_remembered() -> None:
    """Extra members are a mutable dict: a credential added to them after a redaction is found the next time."""
    raw = Capture(API, HANDSHAKE, extra={"note": "plain"})
    first, _ = redact_capture(raw, KEY)
    assert first.extra == {"note": "plain"}
    raw.extra["api_token"] = "tok-7f3a9c11"
    second, found = redact_capture(raw, KEY)
    assert second.extra == {"note": "plain", "api_token": fp("tok-7f3a9c11")}
    assert bound(found) == {"tok-7f3a9c11": {(AT_API, "extra api_token")}}


def test_the_memory_of_whole_captures_is_bounded() -> None:
    """At most 256 redactions are remembered (the oldest go first), however many captures are redacted."""
    kept = [Capture(API, Request(target=f"/ws/{i}", headers=(("Authorization", f"Bearer tok-{i:08d}"),)))
            for i in range(150)]
    for c in kept:
        redact_capture(c, KEY)  # each remembers the capture and its result
    assert len(redact._MEMO) == redact._MEMO_SIZE
    assert redact_capture(kept[-1], KEY)[0] is redact._MEMO[id(kept[-1])][2]


class _Raced(dict):  # type: ignore[type-arg]
    """A memory whose oldest entry another thread (the recorder's writer) removes just before this one would."""

    def __iter__(self) -> Iterator[object]:
        key = next(super().__iter__())
        del self[key]
        yield key


def test_remembering_survives_another_thread_evicting_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """When another thread evicted the oldest memory first, remembering still works: no KeyError."""
    full = _Raced((i, None) for i in range(redact._MEMO_SIZE))
    monkeypatch.setattr(redact, "_MEMO", full)
    raw = _raw()
    out, _ = redact_capture(raw, KEY)
    assert redact_capture(raw, KEY)[0] is out and len(full) <= redact._MEMO_SIZE


# --- names that say credential, and the key fingerprints are made with ------------------------------------


@pytest.mark.parametrize(("name", "says"), [
    ("api_key", True), ("api%5Fkey", True), ("api%255Fkey", True), ("api%25255Fkey", True),
    # Decoding stops after three rounds (a bound on work): a name encoded four times is read as three left it.
    ("api%2525255Fkey", False),
    # Parts that say nothing alone, but do together ('sess' + 'id').
    ("Sess-Id", True), ("p-w-d", True), ("voice-id", False), ("x-request-id", False),
])
def test_a_name_says_credential_decoded_and_joined(name: str, says: bool) -> None:
    """A name is percent-decoded up to three times, then judged by its words and by its words joined."""
    assert redact.is_credential_param(name) is says


def test_extra_members_under_a_member_named_header_are_extra() -> None:
    """An extra member 'header' holding 'authorization' is an extra member, not a header: its value whole."""
    c = Capture(API, HANDSHAKE, extra={"header": {"authorization": "Bearer abcd1234"}})
    out, found = redact_capture(c, KEY)
    assert out.extra == {"header": {"authorization": fp("Bearer abcd1234")}}
    assert bound(found) == {"Bearer abcd1234": {(AT_API, "extra header authorization")}}


def test_the_run_key_is_32_random_bytes() -> None:
    """Without a store, fingerprints use a key of 32 random bytes (HMAC-SHA256's size), new for each process."""
    first, second = redact._uncached_run_key(), redact._uncached_run_key()
    assert len(first) == len(second) == 32 and first != second
