"""The client's first messages: JSON paths and edits, capture and format, redaction, compare, variants, frames,
hints and verdicts (pure, with simulated servers for the search)."""

from __future__ import annotations

import json
import struct

import pytest

from wsdiff import wire
from wsdiff.diff import compare
from wsdiff.document import build_document, parse_document
from wsdiff.errors import SecretError, VariantError
from wsdiff.messages import (MISSING, Turn, client_messages, closed_after, conversation, format_path, json_differences, parse_path,
                             parse_position_path, set_member, spans, transplant_member)
from wsdiff.model import CLIENT_MESSAGE_LIMIT, MESSAGE_HEAD, Message, Session
from wsdiff.oracle import ProbeResult
from wsdiff.redact import fingerprint, redact_capture, restore_messages
from wsdiff.search import run, search
from wsdiff.variants import parse_variant, transplant
from wsdiff.verdict import BisectReport, suggest_fix

from helpers import capture, set_header

KEY = b"k" * 32
GRAPHQL = set_header("Sec-WebSocket-Protocol", "graphql-transport-ws")


def said(*texts: str | bytes, close: tuple[int, float] | None = None, headers=None, server=()):  # type: ignore[no-untyped-def]
    """An accepted capture whose client sent *texts* 10 ms apart; *close*: the server closed (code, at)."""
    messages = [Message("client", "binary" if isinstance(t, bytes) else "text", len(t),
                        t if isinstance(t, bytes) else t.encode(), 0.01 * i) for i, t in enumerate(texts, 1)]
    messages += [Message("server", "text", len(t), t.encode(), at) for t, at in server]
    messages.sort(key=lambda m: m.at)
    if close is None:
        session = Session("observed", messages=tuple(messages), duration=1.0)
    else:
        session = Session("closed", close[0], "", "server", close[1], tuple(messages))
    return capture(headers=headers if headers is not None else capture().request.headers, websocket=session)


# --- paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text"),
    [(("payload", "token"), "payload.token"), (("items", 0, "id"), "items[0].id"), ((0,), "[0]"),
     (("a.b", "c d", "x"), '["a.b"]["c d"].x'), (("with=equals",), '["with=equals"]'), (("é",), '["é"]')],
)
def test_paths_round_trip(path: tuple[str | int, ...], text: str) -> None:
    """A path is written readably and read back the same; keys that are not plain names are quoted."""
    assert format_path(path) == text
    assert parse_path(text) == (path, "")


def test_position_path_and_the_value_after_it() -> None:
    """K:PATH=VALUE splits at the first '=' outside a quoted key."""
    assert parse_position_path("1:type=connection_init") == (1, ("type",), "=connection_init")
    assert parse_position_path('2:["a=b"]=x') == (2, ("a=b",), "=x")
    for bad in ("payload.token", "0:x", "1:", "1:a..b", "1:[x]"):
        with pytest.raises(ValueError):
            parse_position_path(bad)


# --- spans and edits ------------------------------------------------------------------

T = '{"type": "connection_init", "payload": {"token": "abc", "x": [1, 2]}}'


def test_spans_locate_every_value() -> None:
    """Each value's span is exactly its text; a member's key start is known."""
    value, table = spans(T)
    assert value == json.loads(T)
    assert T[table[("payload", "token")].start:table[("payload", "token")].end] == '"abc"'
    assert T[table[("payload",)].key_start:table[("payload",)].start].startswith('"payload"')
    for bad in ('{"a": 1', '{"a": 1} x', "[" * 100 + "]" * 100, "nope"):
        with pytest.raises(ValueError):
            spans(bad)


@pytest.mark.parametrize(
    ("text", "path", "raw", "out"),
    [
        (T, ("payload", "token"), None, '{"type": "connection_init", "payload": {"x": [1, 2]}}'),
        (T, ("type",), None, '{"payload": {"token": "abc", "x": [1, 2]}}'),
        (T, ("type",), '"start"', '{"type": "start", "payload": {"token": "abc", "x": [1, 2]}}'),
        (T, ("payload", "n"), "3", '{"type": "connection_init", "payload": {"token": "abc", "x": [1, 2], "n": 3}}'),
        ('{"a":1}', ("b", "c"), '"x"', '{"a":1,"b":{"c":"x"}}'),
        ("{}", ("a",), "1", '{"a": 1}'),
        ('{"only": 1}', ("only",), None, "{}"),
        ("[1,2]", (2,), "3", "[1,2,3]"),
        ('{"a": 1}', ("zz",), None, '{"a": 1}'),
    ],
)
def test_set_member_changes_only_that_value(text: str, path: tuple[str | int, ...], raw: str | None, out: str) -> None:
    """Setting or removing one member leaves every other byte as the client wrote it."""
    assert set_member(text, path, raw) == out


def test_set_member_refuses_what_cannot_be() -> None:
    """A scalar on the way or an index out of range is one clear error."""
    with pytest.raises(ValueError, match="type is not an object"):
        set_member(T, ("type", "x"), "1")
    with pytest.raises(ValueError, match="index out of range"):
        set_member("[1]", (5,), "1")


@pytest.mark.parametrize(
    ("target", "source", "path", "out"),
    [
        ('{"type":"auth","ts":1}', '{"type":"auth","token":"t","ts":1}', ("token",), '{"type":"auth","token":"t","ts":1}'),
        ('{"ts": 1}', '{"type": "auth", "token": "t", "ts": 1}', ("token",), '{"token": "t", "ts": 1}'),
        ('{"type":"auth"}', '{"type":"auth","token":"t"}', ("token",), '{"type":"auth","token":"t"}'),
        ('{"token":"x","type":"auth"}', '{"type":"auth"}', ("token",), '{"type":"auth"}'),
        ('{"p":{}}', '{"p":{"k":"\\u0041"}}', ("p", "k"), '{"p":{"k":"\\u0041"}}'),
    ],
)
def test_transplant_member_copies_the_source_bytes(target: str, source: str, path: tuple[str, ...], out: str) -> None:
    """A member moves as its source wrote it (escapes included), after the member that precedes it there."""
    assert transplant_member(target, source, path) == out


def test_json_differences_both_ways() -> None:
    """A member one side lacks is one difference; scalars compare with their types; arrays of unequal length whole."""
    a = {"type": "connection_init", "payload": {"token": "x", "deep": {"k": 1}}, "n": 1, "list": [1, 2]}
    b = {"type": "start", "payload": {}, "n": True, "list": [1, 2, 3], "extra": None}
    found = {format_path(p): (x, y) for p, x, y in json_differences(a, b)}
    assert found == {"type": ("connection_init", "start"), "payload.token": ("x", MISSING),
                     "payload.deep": ({"k": 1}, MISSING), "n": (1, True), "list": ([1, 2], [1, 2, 3]),
                     "extra": (MISSING, None)}


# --- capture: the recorder's snapshot, the format ----------------------------------------


def test_snapshot_keeps_each_direction_and_the_client_whole() -> None:
    """The first 8 messages of each direction; a client's up to 64 KiB, a server's 256 B; the rest counted."""
    from mitmproxy.websocket import WebSocketMessage

    from wsdiff.recording.snapshot import _first_messages, _session

    flood = [WebSocketMessage(1, False, b"s" * 1000, 100.0 + i / 100) for i in range(12)]
    client = [WebSocketMessage(1, True, b'{"n": %d}' % i + b" " * 70000 * (i == 0), 100.5 + i / 100)
              for i in range(10)]
    raw = _first_messages(flood + client)
    session = _session((raw, 22, None, "", None, None), 100.0, "observed", 101.0)
    kept = session.messages
    assert [m.direction for m in kept].count("server") == 8 and [m.direction for m in kept].count("client") == 8
    assert session.messages_dropped == 6
    server, first = kept[0], next(m for m in kept if m.direction == "client")
    assert len(server.head) == MESSAGE_HEAD and server.truncated
    assert len(first.head) == CLIENT_MESSAGE_LIMIT and first.truncated and first.size == 70000 + 8
    assert all(m.whole for m in kept if m.direction == "client" and m is not first)
    assert first.at == 0.5


def test_snapshot_keeps_at_most_256_kib_of_client_messages() -> None:
    """Past the per-connection budget, a client message keeps a head like a server's (and will not be replayed)."""
    from mitmproxy.websocket import WebSocketMessage

    from wsdiff.model import CLIENT_BYTES_LIMIT
    from wsdiff.recording.snapshot import _first_messages

    raw = _first_messages([WebSocketMessage(2, True, bytes(50_000), 1.0 + i) for i in range(8)])
    assert [len(head) for _, _, head, _, _ in raw] == [50_000] * 5 + [CLIENT_BYTES_LIMIT - 250_000, 256, 256]


def test_format_records_whether_a_message_was_cut_and_reads_old_captures() -> None:
    """'truncated' is written; a capture without it (before this field) is judged by size."""
    c = said('{"type":"auth","token":"redacted:0123456789abcdef"}')
    c = c.replace(websocket=Session("observed", messages=(Message("client", "text", 9, b"x" * 30, 0.1, cut=False),)))
    doc = build_document(c)
    assert doc["websocket"]["messages"][0]["truncated"] is False
    assert parse_document(json.loads(json.dumps(doc))).websocket.messages[0].whole  # type: ignore[union-attr]
    del doc["websocket"]["messages"][0]["truncated"]
    doc["websocket"]["messages"][0]["size"] = 300
    assert parse_document(doc).websocket.messages[0].truncated  # type: ignore[union-attr]


# --- redaction and restoring ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secrets", "kept"),
    [
        ('{"type":"connection_init","payload":{"token":"tok-1"}}', ["tok-1"], ['"type":"connection_init"']),
        ('{"headers": {"Authorization": "Bearer b-77"}}', ["Bearer b-77"], ['"Authorization": "redacted:']),
        ('{"q": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"}', ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"], []),
        ('{"token": "a\\"b"}', ['a\\"b'], []),
        ('40{"token":"sio-9"}', ["sio-9"], ["40{"]),
        ('say Bearer plain-5 now', ["plain-5"], ["say Bearer redacted:"]),
        ('{"session": {"voice": "alloy", "password": "pw"}}', ["pw"], ['"voice": "alloy"']),
    ],
)
def test_message_credentials_are_redacted_and_restored_byte_for_byte(text: str, secrets: list[str],
                                                                     kept: list[str]) -> None:
    """Credential members, JWTs and bearer tokens become fingerprints; restoring gives the exact bytes back."""
    m = Message("client", "text", len(text.encode()), text.encode(), 0.01)
    out, found = redact_capture(said().replace(websocket=Session(messages=(m,))), KEY)
    [r] = client_messages(out)
    shown = r.head.decode()
    for s in secrets:
        assert s not in shown and fingerprint(KEY, s) in shown
    assert all(k in shown for k in kept)
    assert r.whole and r.size == m.size
    [back] = restore_messages((r,), found, endpoint=out.endpoint, request=out.request)
    assert back.head == m.head


def test_a_number_under_a_credential_name_is_redacted_and_restored_exactly() -> None:
    """A numeric credential is not left in clear, and replay sends the number back as it was."""
    m = Message("client", "text", 36, b'{"type": "auth", "api_key": 1234567}', 0.01)
    out, found = redact_capture(said().replace(websocket=Session(messages=(m,))), KEY)
    [r] = client_messages(out)
    assert b"1234567" not in r.head
    assert restore_messages((r,), found, endpoint=out.endpoint, request=out.request)[0].head == m.head


def test_a_cut_server_head_does_not_leak_the_start_of_a_secret() -> None:
    """A token cut by the 256-byte limit is still replaced, though its closing quote is gone."""
    head = ('{"type":"error","detail":"' + "x" * 200 + '","access_token":"partial-secret-1').encode()
    m = Message("server", "text", 900, head[:MESSAGE_HEAD], 0.01, cut=True)
    out, _ = redact_capture(said().replace(websocket=Session(messages=(m,))), KEY)
    assert b"partial-secret" not in out.websocket.messages[0].head  # type: ignore[union-attr]


def test_restore_names_a_missing_secret_or_drops_its_member() -> None:
    """A fingerprint is never sent as the secret: named with its message and path, or its member left out."""
    fp = fingerprint(KEY, "lost")
    m = Message("client", "text", 10, f'{{"type":"auth","payload":{{"token":"{fp}"}}}}'.encode(), 0.0)
    where = {"endpoint": said().endpoint, "request": said().request}
    with pytest.raises(SecretError, match=r"message 1 payload\.token \(redacted:"):
        restore_messages((m,), {}, **where)
    [dropped] = restore_messages((m,), {}, drop_missing=True, **where)
    assert dropped.head == b'{"type":"auth","payload":{}}'
    plain = Message("client", "text", 10, f"hello {fp}".encode(), 0.0)
    assert restore_messages((plain, m), {}, drop_missing=True, **where)[0].head == b'{"type":"auth","payload":{}}'


# --- compare --------------------------------------------------------------------------------


def test_compare_names_json_members_by_message_and_path() -> None:
    """message 1 payload.token: present vs absent; type: one value vs another; in the messages group."""
    a = said('{"type":"connection_init","payload":{"token":"t"}}', '{"type":"subscribe","id":"1"}')
    b = said('{"type":"start","payload":{}}', close=(4403, 0.012))
    found = {d.label: d for d in compare(a, b).significant if d.group == "messages"}
    assert set(found) == {"message 1 type", "message 1 payload.token", "message 2", "closed-after-message"}
    assert (found["message 1 type"].a, found["message 1 type"].b) == ("connection_init", "start")
    assert found["message 1 payload.token"].b is None and found["message 1 payload.token"].name == "1:payload.token"
    assert found["message 2"].b is None and found["message 2"].applicable
    assert found["closed-after-message"].b == "closed 4403 2 ms after client message 1"
    assert not found["closed-after-message"].applicable


def test_compare_other_messages_by_size_and_head() -> None:
    """Text that is not JSON and binary are shown with size and a short head; same JSON spelled otherwise is noise."""
    c = compare(said("hello there", b"\x00\x01\x02", '{"a": 1, "b": 2}'), said("hello world", b"\x00\x01", '{"b":2,"a":1}'))
    found = {d.label: d for d in c.differences if d.group == "messages"}
    assert found["message 1"].a == "text, 11 B: hello there" and found["message 1"].note == "same size, other bytes"
    assert found["message 2"].b == "binary, 2 B: 0001"
    assert found["message 3"].noise
    assert compare(said('{"a":1}'), said('{"a":1}')).significant == ()


def test_messages_are_not_compared_when_one_side_was_refused() -> None:
    """A client refused at the handshake never got to send anything: no message differences."""
    assert not [d for d in compare(said('{"a":1}'), capture(status=403)).differences if d.group == "messages"]


def test_closed_after_reads_a_close_right_after_a_message_only() -> None:
    """Within a second of the message, by the server, not a normal close."""
    assert closed_after(said("x", close=(4401, 0.015))) == (1, pytest.approx(0.005))
    assert closed_after(said("x", close=(1000, 0.015))) is None
    assert closed_after(said("x", close=(4401, 3.0))) is None
    assert closed_after(said(close=(4401, 0.015))) is None


def _m(direction: str, at: float) -> Message:
    return Message(direction, "text", 1, b"x", at)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("recorded", "turns"),
    [
        ([], []),
        ([("server", 0.01)], []),
        # graphql-ws: connection_init, then subscribe 5 ms after connection_ack (acked 20 ms after init)
        ([("client", 0.001), ("server", 0.021), ("client", 0.026), ("server", 0.03)],
         [Turn(0, 0.001, 0.0), Turn(1, 0.005, 0.02)]),
        # a server that speaks first (a hello), then the client after 100 ms
        ([("server", 0.002), ("client", 0.102)], [Turn(1, 0.1, 0.002)]),
        # two client messages with no reply between: the second waits for nothing new, only its gap
        ([("client", 0.0), ("server", 0.01), ("client", 0.02), ("client", 0.5)],
         [Turn(0, 0.0, 0.0), Turn(1, 0.01, 0.01), Turn(1, 0.48, 0.0)]),
        # several replies before the next message: wait for all of them, the gap counts from the last
        ([("client", 0.0), ("server", 0.1), ("server", 0.3), ("client", 0.31)],
         [Turn(0, 0.0, 0.0), Turn(2, 0.01, 0.3)]),
    ],
)
def test_conversation_says_what_each_client_message_waits_for(recorded: list[tuple[str, float]],
                                                              turns: list[Turn]) -> None:
    """One turn per client message: the server messages received before it, the gap after the last thing before it."""
    got = conversation([_m(d, at) for d, at in recorded])
    assert [(t.replies, pytest.approx(t.gap), pytest.approx(t.waited)) for t in got] == \
        [(t.replies, t.gap, t.waited) for t in turns]


# --- variants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "heads"),
    [
        ("drop-message=1", [b'"second"']),
        ("drop-message-field=1:payload.token", [b'{"type":"connection_init","payload":{}}', b'"second"']),
        ("set-message-field=1:type=start", [b'{"type":"start","payload":{"token":"t"}}', b'"second"']),
        ("set-message-field=1:payload.n=3", [b'{"type":"connection_init","payload":{"token":"t","n":3}}', b'"second"']),
        ('set-message-field=1:payload.token="3"', [b'{"type":"connection_init","payload":{"token":"3"}}', b'"second"']),
    ],
)
def test_message_variants(spec: str, heads: list[bytes]) -> None:
    """Each message variant changes exactly the message or member it names."""
    c = said('{"type":"connection_init","payload":{"token":"t"}}', '"second"')
    v = parse_variant(spec)
    assert [m.head for m in client_messages(v.on(c))] == heads
    assert v.on(c).request == c.request


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("drop-message=0", "drop-message needs a message number from 1, got '0'"),
        ("drop-message-field=payload", "drop-message-field: expected MESSAGE:PATH such as 1:payload.token"),
        ("set-message-field=1:type", "set-message-field needs MESSAGE:PATH=VALUE, got '1:type'"),
        ("drop-message-field=3:x", "drop-message-field=3:x: there is no client message 3 (the capture has 2)"),
        ("set-message-field=1:type.x=1", "set-message-field=1:type.x=1: type is not an object"),
        ("drop-message-field=2:x", "drop-message-field=2:x: Expecting value"),
    ],
)
def test_bad_message_variants(spec: str, message: str) -> None:
    """A variant that cannot apply gives one clear line."""
    c = said('{"type":"connection_init"}', "not json")
    with pytest.raises(VariantError) as e:
        parse_variant(spec).on(c)
    assert str(e.value).startswith(message)


# --- frames ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 125, 126, 65535, 65536, CLIENT_MESSAGE_LIMIT + 5])
def test_client_frames_are_masked_with_the_right_length(n: int) -> None:
    """One FIN frame, mask bit set, 7/16/64-bit length as RFC 6455 5.2 says, payload masked with the key."""
    payload = bytes(range(256)) * (n // 256) + bytes(range(n % 256))
    key = b"\x01\x02\x03\x04"
    frame = wire.build_frame(wire.OP_TEXT, payload, key)
    opcode, rsv1, masked, code = wire.parse_frame_start(frame[:2])
    assert (frame[0] & 0x80, opcode, rsv1, masked) == (0x80, wire.OP_TEXT, False, True)
    extra = wire.extended_length_size(code)
    assert wire.parse_extended_length(code, frame[2:2 + extra]) == n
    assert frame[2 + extra:6 + extra] == key
    assert wire.mask(frame[6 + extra:], key) == payload
    assert code == (n if n < 126 else 126 if n < 65536 else 127)


def test_close_frames_still_carry_their_code() -> None:
    """The control frame builder now shares build_frame; a close still carries its code."""
    frame = wire.build_close_frame(1000, b"\x00\x00\x00\x00")
    assert frame[:2] == b"\x88\x82" and struct.unpack("!H", frame[6:8])[0] == 1000


# --- hints ------------------------------------------------------------------------------


def _hints(a, b, label):  # type: ignore[no-untyped-def]
    return [h for d in compare(a, b).significant if d.label == label for h in d.hints]


def test_graphql_ws_hints_need_graphql_ws_to_have_answered() -> None:
    """4403 from a server that chose graphql-transport-ws names onConnect; the same code elsewhere gets the generic row."""
    from wsdiff.model import Response

    chose = Response(101, "Switching Protocols", headers=(("Sec-WebSocket-Protocol", "graphql-transport-ws"),))
    good = said('{"type":"connection_init","payload":{"token":"t"}}', headers=GRAPHQL).replace(response=chose)
    bad = said('{"type":"connection_init","payload":{}}', close=(4403, 0.012), headers=GRAPHQL).replace(response=chose)
    assert any("onConnect" in h for h in _hints(good, bad, "message 1 payload.token"))
    assert any("onConnect" in h for h in _hints(good, bad, "close-code"))
    assert not any("4000-4999" in h for h in _hints(good, bad, "close-code"))
    plain_good, plain_bad = said('{"a":1}'), said('{"a":2}', close=(4403, 0.012))
    assert not any("graphql" in h for h in _hints(plain_good, plain_bad, "close-code"))
    assert any("4000-4999" in h for h in _hints(plain_good, plain_bad, "close-code"))


@pytest.mark.parametrize("code", [1002, 1003, 1007, 1008, 1009, 1011])
def test_rfc6455_close_codes_have_hints(code: int) -> None:
    """Each RFC 6455 code a server uses to refuse what it was sent has its row."""
    hints = _hints(said("x"), said("x", close=(code, 0.012)), "close-code")
    assert any(str(code) in h for h in hints)


def test_socketio_connect_error_hint() -> None:
    """A CONNECT_ERROR packet (44...) on a Socket.IO endpoint names the auth middleware."""
    path = "/socket.io/?EIO=4&transport=websocket"
    good = said('40{"token":"t"}', server=[("0{}", 0.001), ('40{"sid":"x"}', 0.02)]).replace(
        request=capture(target=path).request)
    bad = said("40{}", server=[("0{}", 0.001), ('44{"message":"not authorized"}', 0.02)]).replace(
        request=capture(target=path).request)
    assert any("CONNECT_ERROR" in h for h in _hints(good, bad, "message 1 token"))
    elsewhere = bad.replace(request=capture(target="/ws").request)
    assert not any("CONNECT_ERROR" in h for h in _hints(good.replace(request=elsewhere.request), elsewhere,
                                                         "message 1 token"))


# --- the search over messages, against simulated servers ------------------------------------


def test_bisect_names_the_message_member_the_server_judges() -> None:
    """Handshakes that differ in several headers, messages in one member: the member is the culprit."""
    good = said('{"type":"connection_init","payload":{"token":"t","client":"web"}}', '{"type":"subscribe"}',
                headers=(*GRAPHQL, ("User-Agent", "a/1")))
    bad = said('{"type":"connection_init","payload":{"client":"app"}}', close=(4403, 0.012),
               headers=(*set_header("Sec-WebSocket-Protocol", "graphql-transport-ws"), ("X-Mode", "legacy")))
    comparison = compare(good, bad)
    candidates = [d for d in comparison.significant if d.applicable]
    assert {d.kind for d in candidates} >= {"header", "message", "message-field"}

    def accepts(probe) -> bool:  # type: ignore[no-untyped-def]
        chosen = [candidates[i] for i in sorted(probe.changed)]
        built = transplant(good, bad, chosen) if probe.base == "good" else transplant(bad, good, chosen)
        init = json.loads(client_messages(built)[0].head)
        return "token" in init.get("payload", {})

    result = run(search(len(candidates)), accepts)
    assert result.verdict == "found" and result.confirmed_good_plus and result.confirmed_bad_minus
    [culprit] = [candidates[i] for i in result.culprit]
    assert (culprit.kind, culprit.name) == ("message-field", "1:payload.token")
    report = BisectReport(comparison, tuple(candidates), result, {})
    assert report.to_json()["culprit"][0]["name"] == "1:payload.token"
    assert "payload.token in message 1" in report.fix


@pytest.mark.parametrize("verdict", ["bad-accepted", "unexplained", "no-differences"])
def test_a_close_right_after_a_message_is_never_does_not_reproduce(verdict: str) -> None:
    """The verdict points at what the client sent after the 101, with that message's differences."""
    good = said('{"type":"auth","token":"t"}')
    bad = said('{"type":"auth"}', close=(4401, 0.013))
    comparison = compare(good, bad)
    text = suggest_fix(verdict, (), comparison)
    assert "does not reproduce" not in text
    assert "what the client sent after the 101 (message 1)" in text and "message 1 token" in text
    assert "closed with 4401 3 ms after" in text
    from wsdiff.search import SearchResult

    report = BisectReport(comparison, (), SearchResult(verdict), {})
    assert report.to_json()["after_101"]["differences"][0]["name"] == "1:token"
    # Without a close right after a message, the old words stay.
    assert "does not reproduce" in suggest_fix("bad-accepted", (), compare(said("x"), said("y", close=(4401, 5.0))))


def test_probe_result_tells_what_was_sent_and_what_followed() -> None:
    """The outcome names the messages sent and the close right after one; JSON gives the numbers."""
    s = Session("closed", 4403, "Forbidden", "server", 0.0131,
                (Message("client", "text", 50, b"", 0.01, cut=True), Message("server", "text", 2, b"hi", 0.011)))
    r = ProbeResult(101, "Switching Protocols", session=s, messages_unsent=1)
    assert r.outcome == ("101 Switching Protocols, sent 1 message (1 not kept whole: not sent), then closed 4403 "
                         "'Forbidden' 3 ms after message 1")
    after = r.to_json()["after_101"]
    assert after["first_message"]["head"] == "hi" and after["messages_sent"] == 1
    assert after["closed_after_message"] == {"message": 1, "ms": 3.1}


async def test_recorder_writes_client_messages_whole_and_redacted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through the addon's hooks and its writer: the client's message whole, its token a fingerprint, kept in the store."""
    from mitmproxy.test import taddons, tflow
    from mitmproxy.websocket import WebSocketMessage

    from wsdiff.files import load_capture
    from wsdiff.recording.recorder import Recorder

    flow = tflow.tflow(resp=True, ws=True)
    flow.request.headers["Upgrade"] = "websocket"
    t0 = flow.response.timestamp_end
    text = b'{"type": "auth", "token": "tok-rec-1", "pad": "' + b"p" * 3000 + b'"}'
    flow.websocket.messages = [WebSocketMessage(1, True, text, t0 + 0.02),
                               WebSocketMessage(1, False, b'{"type": "ready"}', t0 + 0.03)]
    rec = Recorder()
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(tmp_path), wsdiff_secrets=str(tmp_path / "s"), wsdiff_writer="thread")
        rec.response(flow)
        rec.websocket_end(flow)
        rec.done()
    [path] = sorted(tmp_path.glob("*.json"))
    [m] = client_messages(load_capture(path))
    assert m.whole and m.size == len(text) and m.at == pytest.approx(0.02, abs=1e-3)
    assert b"tok-rec-1" not in path.read_bytes() and b'"pad": "ppp' in m.head
    assert "tok-rec-1" in (tmp_path / "s" / "secrets.jsonl").read_text()


def test_socketio_packets_are_json_after_their_prefix() -> None:
    """A Socket.IO CONNECT (40{...}) is compared, redacted and edited by JSON path; its prefix stays."""
    good, bad = said('40{"token":"sio-1","v":2}'), said('40{"v":2}')
    [d] = [d for d in compare(good, bad).significant if d.group == "messages"]
    assert (d.kind, d.name) == ("message-field", "1:token")
    assert client_messages(transplant(bad, good, [d]))[0].head == b'40{"token":"sio-1","v":2}'
    assert client_messages(parse_variant("drop-message-field=1:v").on(bad))[0].head == b"40{}"
    out, found = redact_capture(said('42/chat,7["auth",{"password":"pw-2"}]'), KEY)
    assert client_messages(out)[0].head == f'42/chat,7["auth",{{"password":"{fingerprint(KEY, "pw-2")}"}}]'.encode()
    other = compare(said('40{"a":1}'), said('42{"a":1}'))
    assert [d.note for d in other.significant if d.group == "messages"] == ["another packet type before the JSON"]


def test_reject_message_looks_at_every_server_message() -> None:
    """Socket.IO's refusal is its second message (after engine.io's OPEN): --reject-message still sees it."""
    from wsdiff.oracle import Oracle

    s = Session("observed", messages=(Message("server", "text", 3, b"0{}", 0.001),
                                      Message("server", "text", 30, b'44{"message":"unauthorized"}', 0.02)))
    r = ProbeResult(101, "Switching Protocols", session=s)
    assert not Oracle(reject="^44").accepts(r) and Oracle(expect="^0").accepts(r) and Oracle().accepts(r)


# --- real refusals recorded from the frameworks (tests/responders/captures, docs/responders.md) -------------

RECORDED = __import__("pathlib").Path(__file__).resolve().parent / "responders" / "captures"
INDEX = json.loads((RECORDED / "index.json").read_text())


@pytest.mark.parametrize("row", [r for r in INDEX if r.get("compare_with") and r.get("close_code")
                                 and r["file"].startswith(("graphql-ws", "strawberry")) and r["close_code"] >= 4000],
                         ids=lambda r: r["file"])
def test_graphql_ws_refusals_recorded_from_graphql_ws_and_strawberry_get_their_code_s_hint(row: dict) -> None:  # type: ignore[type-arg]
    """Each graphql-transport-ws close code, as the real servers sent it, gets its own row, not the generic 4xxx one."""
    from wsdiff.files import load_capture

    c = compare(load_capture(RECORDED / row["compare_with"]), load_capture(RECORDED / row["file"]))
    [code] = [d for d in c.significant if d.kind == "close-code"]
    assert code.b == row["close_code"]
    assert any(h.startswith(f"graphql-ws closes {row['close_code']} ") for h in code.hints), code.hints
    assert not any("4000-4999" in h for h in code.hints)


@pytest.mark.parametrize(("good", "bad", "label"), [
    ("graphql-ws-accepted", "graphql-ws-forbidden", "message 1 payload.token"),
    ("strawberry-accepted", "strawberry-forbidden", "message 1 payload.token"),
    ("uvicorn-auth-message-accepted", "uvicorn-auth-message-refused", "message 1 token"),
    ("socketio-accepted", "socketio-connect-refused", "message 1 token"),
])
def test_recorded_first_message_refusals_name_the_member(good: str, bad: str, label: str) -> None:
    """Real recordings: the member the server judged is a message-field difference (tokens as fingerprints)."""
    from wsdiff.files import load_capture

    c = compare(load_capture(RECORDED / f"{good}.json"), load_capture(RECORDED / f"{bad}.json"))
    [d] = [d for d in c.significant if d.label == label]
    assert d.kind == "message-field" and d.applicable and str(d.a).startswith("redacted:")
    if bad.startswith("socketio"):  # the refusal is a CONNECT_ERROR packet; the client closed, normally
        assert any("CONNECT_ERROR" in h for h in d.hints)
    else:
        [after] = [x for x in c.significant if x.kind == "closed-after-message"]
        assert str(after.b).endswith("after client message 1")


def test_a_message_secret_goes_back_only_where_it_was_recorded() -> None:
    """A token recorded in message 1 for one endpoint is refused on the way to another (issue 13's binding)."""
    from wsdiff.errors import SecretRefusedError
    from wsdiff.model import Endpoint

    m = Message("client", "text", 31, b'{"type":"auth","token":"tok-77"}', 0.01)
    out, found = redact_capture(said().replace(websocket=Session(messages=(m,))), KEY)
    [r] = client_messages(out)
    assert restore_messages((r,), found, endpoint=out.endpoint, request=out.request)[0].head == m.head
    elsewhere = Endpoint("wss", "evil.example", 443, sni="evil.example")
    with pytest.raises(SecretRefusedError, match=r"the secret in message client 1 token "):
        restore_messages((r,), found, endpoint=elsewhere, request=out.request)
    allowed = restore_messages((r,), found, endpoint=elsewhere, request=out.request, allow=("evil.example",))
    assert allowed[0].head == m.head


@pytest.mark.parametrize("moved", [
    '{"type": "auth", "note": "see \\"token\\": \\"FP\\""}',  # inside another member's string
    '{"type": "auth", "data": {"token": "FP"}}',  # the same last name under another path
    '{"type": "auth", "token": "FP-and-more"}',  # not the whole value
    '{"type": "auth", "tokenFP": 1}',  # in a key
])
def test_a_message_secret_is_bound_to_its_message_and_full_json_path(moved: str) -> None:
    """Review M2: a fingerprint moved to another JSON position (same endpoint, same last name) is refused."""
    from wsdiff.errors import SecretRefusedError

    m = Message("client", "text", 31, b'{"type":"auth","token":"tok-77"}', 0.01)
    out, found = redact_capture(said().replace(websocket=Session(messages=(m,))), KEY)
    [r] = client_messages(out)
    fp = fingerprint(KEY, "tok-77")
    hostile = moved.replace("FP", fp).encode()
    with pytest.raises(SecretRefusedError):
        restore_messages((Message("client", "text", len(hostile), hostile, 0.01),), found, endpoint=out.endpoint,
                         request=out.request)
    # ... and the recorded message moved to position 2 is refused too.
    with pytest.raises(SecretRefusedError):
        restore_messages((Message("client", "text", 2, b"{}", 0.0), r), found, endpoint=out.endpoint,
                         request=out.request)
