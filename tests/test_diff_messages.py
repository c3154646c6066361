"""compare(): the client's messages after the 101, each pair by position, JSON ones member by member (exact rows)."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.model import Capture, Message, Session

from helpers import capture

Row = tuple[str, str | None, object, object, str, bool]


def _msg(body: str | bytes, at: float, cut: bool | None = None) -> Message:
    data = body if isinstance(body, bytes) else body.encode()
    return Message("client", "binary" if isinstance(body, bytes) else "text", len(data), data, at, cut=cut)


def sent(*bodies: str | bytes | Message, session: Session | None = None) -> Capture:
    """An accepted capture whose client sent *bodies* 10 ms apart (a Message is kept as it is)."""
    messages = tuple(b if isinstance(b, Message) else _msg(b, 0.01 * i) for i, b in enumerate(bodies, 1))
    ws = session or Session("observed", duration=1.0)
    return capture(websocket=Session(ws.state, ws.close_code, ws.close_reason, ws.closed_by, ws.duration,
                                     messages + ws.messages))


def rows(a: Capture, b: Capture) -> list[Row]:
    """Every difference of the messages group, noise included, in order."""
    return [(d.kind, d.name, d.a, d.b, d.note, d.noise) for d in compare(a, b).differences if d.group == "messages"]


SAME_JSON = "same JSON, written differently (spacing, member order or escapes)"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(sent('{"type":"hello"}', "ping"), sent('{"type":"hello"}', "ping"), [], id="identical"),
        pytest.param(sent("hello there"), sent("hello world"),
                     [("message", "1", "text, 11 B: hello there", "text, 11 B: hello world",
                       "same size, other bytes", False)], id="text-same-size"),
        pytest.param(sent("hi"), sent("hello"),
                     [("message", "1", "text, 2 B: hi", "text, 5 B: hello", "", False)], id="text-other-size"),
        pytest.param(sent(b"\x00\x01\x02"), sent(b"\x00\x01"),
                     [("message", "1", "binary, 3 B: 000102", "binary, 2 B: 0001", "", False)], id="binary"),
        pytest.param(sent("ab"), sent(b"ab"),
                     [("message", "1", "text, 2 B: ab", "binary, 2 B: 6162", "one is text, the other binary", False)],
                     id="text-vs-binary"),
        pytest.param(sent('{"a":1}'), sent("nope"),
                     [("message", "1", 'text, 7 B: {"a":1}', "text, 4 B: nope", "A is JSON, B is not", False)],
                     id="only-a-is-json"),
        pytest.param(sent("nope"), sent('{"a":1}'),
                     [("message", "1", "text, 4 B: nope", 'text, 7 B: {"a":1}', "B is JSON, A is not", False)],
                     id="only-b-is-json"),
        pytest.param(sent('"just a string"'), sent('{"a":1}'),
                     [("message", "1", 'text, 15 B: "just a string"', 'text, 7 B: {"a":1}', "B is JSON, A is not",
                       False)], id="a-bare-json-scalar-is-not-a-json-message"),
        pytest.param(sent('40{"a":1}'), sent('42{"a":1}'),
                     [("message", "1", 'text, 9 B: 40{"a":1}', 'text, 9 B: 42{"a":1}',
                       "another packet type before the JSON", False)], id="socketio-packet-types"),
        pytest.param(sent("40{bad"), sent("42{bad"),
                     [("message", "1", "text, 6 B: 40{bad", "text, 6 B: 42{bad", "same size, other bytes", False)],
                     id="packet-prefixes-of-text-that-is-not-json"),
        pytest.param(sent('{"a": 1, "b": 2}'), sent('{"b":2,"a":1}'),
                     [("message", "1", 'text, 16 B: {"a": 1, "b": 2}', 'text, 13 B: {"b":2,"a":1}', SAME_JSON, True)],
                     id="same-json-written-otherwise-is-noise"),
        pytest.param(sent('{"s":"\\u0041"}'), sent('{"s":"A"}'),
                     [("message", "1", 'text, 14 B: {"s":"\\u0041"}', 'text, 9 B: {"s":"A"}', SAME_JSON, True)],
                     id="escapes"),
        pytest.param(sent('[1,2,3]'), sent('{"a":1}'),
                     [("message", "1", "text, 7 B: [1,2,3]", 'text, 7 B: {"a":1}', "same size, other bytes", False)],
                     id="json-of-another-shape-is-compared-whole"),
        pytest.param(sent('{"type":"session.update","session":{"voice":"alloy","speed":1}}'),
                     sent('{"type":"session.create","session":{"speed":1.0,"format":"pcm"}}'),
                     [("message-field", "1:type", "session.update", "session.create", "", False),
                      ("message-field", "1:session.voice", "alloy", None, "present in A only", False),
                      ("message-field", "1:session.speed", 1, 1.0, "", False),
                      ("message-field", "1:session.format", None, "pcm", "present in B only", False)],
                     id="json-member-by-member"),
        pytest.param(sent('{"ids":[1,2],"flags":{"a":true}}'), sent('{"ids":[1,2,3],"flags":{"a":false}}'),
                     [("message-field", "1:ids", "[1,2]", "[1,2,3]", "", False),
                      ("message-field", "1:flags.a", "true", "false", "", False)],
                     id="json-arrays-of-other-length-and-booleans"),
        pytest.param(sent('40{"v":2}'), sent('40{"v":3}'),
                     [("message-field", "1:v", 2, 3, "", False)], id="socketio-same-packet-type-by-member"),
        pytest.param(sent('{"a":1}'), sent(b'{"a":2}'),
                     [("message", "1", 'text, 7 B: {"a":1}', "binary, 7 B: 7b2261223a327d",
                       "one is text, the other binary", False)], id="json-text-vs-json-bytes-in-binary"),
        pytest.param(sent(b'{"a":1}'), sent('{"a":2}'),
                     [("message", "1", "binary, 7 B: 7b2261223a317d", 'text, 7 B: {"a":2}',
                       "one is text, the other binary", False)], id="json-bytes-in-binary-vs-json-text"),
        pytest.param(sent(b'{"a":1}'), sent(b'{"a":2}'),
                     [("message", "1", "binary, 7 B: 7b2261223a317d", "binary, 7 B: 7b2261223a327d",
                       "same size, other bytes", False)], id="binary-is-never-read-as-json"),
        pytest.param(sent('{"a":1}', '{"b":1}'), sent('{"a":2}', '{"b":2}'),
                     [("message-field", "1:a", 1, 2, "", False), ("message-field", "2:b", 1, 2, "", False)],
                     id="every-message-member-by-member"),
        pytest.param(sent('{"a": 1}', "x"), sent('{"a":1}', "y"),
                     [("message", "1", 'text, 8 B: {"a": 1}', 'text, 7 B: {"a":1}', SAME_JSON, True),
                      ("message", "2", "text, 1 B: x", "text, 1 B: y", "same size, other bytes", False)],
                     id="the-next-message-after-the-same-json"),
    ],
)
def test_client_messages_compare_by_position(a: Capture, b: Capture, expected: list[Row]) -> None:
    """Each pair of client messages is one row (note says how they differ), or one row per JSON member."""
    assert rows(a, b) == expected


@pytest.mark.parametrize("cut_side", ["a", "b"])
def test_a_message_not_kept_whole_is_not_read_as_json(cut_side: str) -> None:
    """A cut message whose head happens to parse is still compared as bytes: its JSON would be incomplete."""
    cut, whole = _msg('{"a":1}', 0.01, cut=True), _msg('{"a":2}', 0.01)
    a, b = (cut, whole) if cut_side == "a" else (whole, cut)
    assert [(r[0], r[4]) for r in rows(sent(a), sent(b))] == [
        ("message", "not kept whole: compared by size and first bytes")]


def test_a_message_not_kept_whole_is_compared_by_size_and_head() -> None:
    """A cut message is never read as JSON: one message row, noted, even when the other side is JSON."""
    cut = _msg('{"type":"auth","pad":"', 0.01, cut=True)
    whole = _msg('{"type":"auth","pad":"x"}', 0.01)
    assert rows(sent(cut), sent(whole)) == [
        ("message", "1", 'text, 22 B: {"type":"auth","pad":"…', 'text, 25 B: {"type":"auth","pad":"x"}',
         "not kept whole: compared by size and first bytes", False)]
    assert rows(sent(whole), sent(cut))[0][4] == "not kept whole: compared by size and first bytes"
    other = _msg('{"type":"auth","pad":"y', 0.01, cut=True)
    assert rows(sent(cut), sent(other))[0][4] == "not kept whole: compared by size and first bytes"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(sent("one", "two", "three"), sent("one"),
                     [("message", "2-3", "text, 3 B: two (and 1 more)", None, "A sent 2 more", False)],
                     id="a-sent-two-more"),
        pytest.param(sent("one"), sent("one", "two"),
                     [("message", "2", None, "text, 3 B: two", "B sent 1 more", False)], id="b-sent-one-more"),
        pytest.param(sent(), sent("a", "b", "c", "d"),
                     [("message", "1-4", None, "text, 1 B: a (and 3 more)", "B sent 4 more", False)],
                     id="a-sent-none"),
        pytest.param(sent("x", "two"), sent("y"),
                     [("message", "1", "text, 1 B: x", "text, 1 B: y", "same size, other bytes", False),
                      ("message", "2", "text, 3 B: two", None, "A sent 1 more", False)],
                     id="a-pair-then-the-rest"),
    ],
)
def test_messages_one_side_sent_and_the_other_did_not(a: Capture, b: Capture, expected: list[Row]) -> None:
    """The messages past the shorter side's last are one row named K or K-L, with the first and a count."""
    assert rows(a, b) == expected


def test_messages_are_compared_only_when_both_sides_were_upgraded() -> None:
    """A client refused at the handshake never sent anything: no messages row on either side."""
    assert rows(sent("hello"), capture(status=403)) == []
    assert rows(capture(status=403), sent("hello")) == []


def closed(code: int | None, at: float, by: str | None = "server", state: str = "closed") -> Session:
    return Session(state, code, "", by, at)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "story"),
    [
        pytest.param(closed(4403, 0.012), Session("observed", duration=1.0),
                     ("closed 4403 2 ms after client message 1", "still open when observation ended"),
                     id="refused-right-after-vs-observed"),
        pytest.param(closed(None, 0.014), Session("open"),
                     ("closed with no close frame 4 ms after client message 1", "open"), id="no-close-frame-vs-open"),
        pytest.param(closed(4401, 0.5), closed(4401, 5.0),
                     ("closed 4401 490 ms after client message 1",
                      "closed 4401 by the server, not right after a client message"), id="server-later"),
        pytest.param(closed(4401, 0.2), closed(1000, 0.2, by="client"),
                     ("closed 4401 190 ms after client message 1", "closed 1000 by the client"), id="client-closed"),
        pytest.param(closed(4401, 0.2), closed(None, 0.2, by=None),
                     ("closed 4401 190 ms after client message 1", "closed by the someone"), id="nobody-known"),
        pytest.param(closed(4401, 0.91), Session("observed", duration=1.0),
                     ("closed 4401 900 ms after client message 1", "still open when observation ended"),
                     id="milliseconds-rounded"),
        pytest.param(closed(1011, 0.02), closed(None, 2.0),
                     ("closed 1011 10 ms after client message 1", "closed by the server, not right after a client message"),
                     id="server-no-frame-later"),
    ],
)
def test_closed_after_message_says_what_each_side_saw(a: Session, b: Session, story: tuple[str, str]) -> None:
    """Where only one side's server closed right after a client message, both stories are told in words."""
    [row] = [r for r in rows(sent("hello", session=a), sent("hello", session=b)) if r[0] == "closed-after-message"]
    assert row == ("closed-after-message", None, *story, "", False)


def test_closed_after_message_by_position() -> None:
    """Closed right after message 1 on one side and message 2 on the other: the positions differ, so a row."""
    a = sent("a", "b", session=closed(4403, 0.013))
    b = sent("a", "b", session=closed(4403, 0.024))
    assert rows(a, b) == [("closed-after-message", None, "closed 4403 3 ms after client message 1",
                           "closed 4403 4 ms after client message 2", "", False)]


def test_closed_right_after_the_same_message_is_no_difference() -> None:
    """Both servers closed right after message 1, after other delays: the same story, no row."""
    assert rows(sent("hello", session=closed(4403, 0.012)), sent("hello", session=closed(4403, 0.9))) == []
