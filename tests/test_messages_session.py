"""wsdiff.messages: the client messages of a capture, edits by position, how one is described, closes and turns."""

from __future__ import annotations

import pytest

from wsdiff.messages import (CLOSE_AFTER, Turn, client_messages, closed_after, conversation, describe,
                             edit_client_message, with_client_messages, with_text)
from wsdiff.model import Capture, Message, Session

from helpers import capture


def c(at: float, text: str = "c") -> Message:
    return Message("client", "text", len(text), text.encode(), at)


def s(at: float, text: str = "s") -> Message:
    return Message("server", "text", len(text), text.encode(), at)


def with_session(*messages: Message, **fields: object) -> Capture:
    return capture(websocket=Session(messages=messages, **fields))  # type: ignore[arg-type]


def test_client_messages_in_order_without_the_server_s() -> None:
    """Only the client's messages, in their order; none for a capture that was not upgraded."""
    got = with_session(s(0.001, "hello"), c(0.01, "one"), s(0.02, "ack"), c(0.03, "two"))
    assert client_messages(got) == (c(0.01, "one"), c(0.03, "two"))
    assert client_messages(capture(status=403)) == ()
    assert client_messages(with_session(s(0.1))) == ()


def test_with_client_messages_merges_by_time_keeping_the_server_s() -> None:
    """New client messages are merged with the server's by time; at equal times the server's comes first."""
    got = with_client_messages(with_session(s(0.02, "ack"), c(0.01, "old"), state="closed"),
                               (c(0.03, "b"), c(0.02, "a"), c(0.001, "first")))
    assert got.websocket == Session("closed", messages=(c(0.001, "first"), s(0.02, "ack"), c(0.02, "a"), c(0.03, "b")))


def test_with_client_messages_on_a_capture_without_a_session() -> None:
    """A capture with no session gets an observed one holding the messages."""
    got = with_client_messages(capture(), (c(0.01, "hi"),))
    assert got.websocket == Session("observed", messages=(c(0.01, "hi"),))
    assert got.request == capture().request


@pytest.mark.parametrize(
    ("position", "edit", "texts"),
    [
        (1, lambda m: with_text(m, "ONE"), [b"ONE", b"two", b"three"]),
        (3, lambda m: with_text(m, "3"), [b"one", b"two", b"3"]),
        (2, lambda m: None, [b"one", b"three"]),
        (1, lambda m: None, [b"two", b"three"]),
    ],
)
def test_edit_client_message_by_position(position: int, edit, texts: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    """Message K (from 1) is replaced by the edit's result, or dropped on None; the server's messages stay."""
    base = with_session(c(0.01, "one"), s(0.015, "ack"), c(0.02, "two"), c(0.03, "three"))
    got = edit_client_message(base, position, edit)
    assert [m.head for m in client_messages(got)] == texts
    assert [m for m in got.websocket.messages if m.direction == "server"] == [s(0.015, "ack")]  # type: ignore[union-attr]


@pytest.mark.parametrize(("position", "count"), [(0, 2), (3, 2), (-1, 2), (1, 0)])
def test_edit_client_message_refuses_a_position_the_capture_lacks(position: int, count: int) -> None:
    """A position outside 1..N names it and N."""
    base = with_session(*[c(0.01 * i) for i in range(1, count + 1)])
    with pytest.raises(ValueError) as e:
        edit_client_message(base, position, lambda m: m)
    assert str(e.value) == f"there is no client message {position} (the capture has {count})"


def test_with_text_makes_a_whole_message_of_its_text() -> None:
    """The new text is the whole payload (UTF-8), its size counted, even where the old one was cut."""
    cut = Message("client", "text", 900, b'{"type":"auth","pad":"', 0.5, cut=True)
    got = with_text(cut, '{"type":"é"}')
    assert got == Message("client", "text", 13, '{"type":"é"}'.encode(), 0.5)
    assert got.whole and not got.truncated


def m_text(head: bytes, size: int | None = None, cut: bool | None = None) -> Message:
    return Message("client", "text", len(head) if size is None else size, head, 0.0, cut=cut)


def m_binary(head: bytes, size: int | None = None) -> Message:
    return Message("client", "binary", len(head) if size is None else size, head, 0.0)


@pytest.mark.parametrize(
    ("message", "text"),
    [
        (None, None),
        (m_text(b'{"type":"connection_init"}'), 'text, 26 B: {"type":"connection_init"}'),
        (m_text(b""), "text, 0 B: "),
        (m_text(b"a" * 60), "text, 60 B: " + "a" * 60),
        (m_text(b"a" * 61), "text, 61 B: " + "a" * 60 + "…"),
        (m_text(b"abc", size=900, cut=True), "text, 900 B: abc…"),
        (m_text("é".encode() * 100), "text, 200 B: " + "é" * 60 + "…"),
        (m_text("€".encode() * 80), "text, 240 B: " + "€" * 60 + "…"),
        (m_text("😀".encode() * 60), "text, 240 B: " + "😀" * 60),
        (m_text("😀".encode() * 61), "text, 244 B: " + "😀" * 60 + "…"),
        (m_text(b"\xff\xfeok"), "text, 4 B: \ufffd\ufffdok"),
        (m_binary(b"\x00\x01\xff"), "binary, 3 B: 0001ff"),
        (m_binary(bytes(range(30))), "binary, 30 B: " + bytes(range(30)).hex()),
        (m_binary(bytes(range(31))), "binary, 31 B: " + bytes(range(30)).hex() + "…"),
        (m_binary(b"\x01\x02", size=5000), "binary, 5000 B: 0102…"),
    ],
)
def test_describe(message: Message | None, text: str | None) -> None:
    """Type, size and a head of 60 characters (30 bytes as hex for binary), with an ellipsis when there is more."""
    assert describe(message) == text


def test_describe_limit() -> None:
    """The caller's limit bounds the characters shown (half as many bytes for binary)."""
    assert describe(m_text(b"abcdef"), limit=4) == "text, 6 B: abcd…"
    assert describe(m_text(b"abcd"), limit=4) == "text, 4 B: abcd"
    assert describe(m_binary(b"\x0a\x0b\x0c"), limit=4) == "binary, 3 B: 0a0b…"
    assert describe(m_binary(b"\x0a\x0b"), limit=4) == "binary, 2 B: 0a0b"


# --- closes and turns ------------------------------------------------------------------------------------


def closed(*messages: Message, code: int | None = 4403, by: str | None = "server", duration: float | None = 0.5,
           state: str = "closed") -> Session:
    return Session(state, code, "", by, duration, messages)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("session", "found"),
    [
        pytest.param(closed(c(0.1)), (1, 0.4), id="right-after-message-1"),
        pytest.param(closed(c(0.1), s(0.2), c(0.3), s(0.35)), (2, 0.2), id="the-last-client-message-counts"),
        pytest.param(closed(c(0.1), code=None), (1, 0.4), id="no-close-frame"),
        pytest.param(closed(c(0.1), code=1002), (1, 0.4), id="protocol-error"),
        pytest.param(closed(c(0.1), code=1000), None, id="normal-close"),
        pytest.param(closed(c(0.1), code=1001), None, id="going-away"),
        pytest.param(closed(c(0.1), by="client"), None, id="closed-by-the-client"),
        pytest.param(closed(c(0.1), by=None), None, id="closed-by-nobody-known"),
        pytest.param(closed(c(0.1), state="observed"), None, id="still-open"),
        pytest.param(closed(c(0.1), duration=None), None, id="no-duration"),
        pytest.param(closed(s(0.1)), None, id="no-client-message"),
        pytest.param(closed(c(0.5), duration=1.5), (1, 1.0), id="exactly-close-after"),
        pytest.param(closed(c(0.5), duration=1.5001), None, id="just-past-close-after"),
        pytest.param(closed(c(0.5)), (1, 0.0), id="at-the-close"),
        pytest.param(closed(c(0.1), c(0.5000005)), (2, 0.0), id="within-a-microsecond-after-the-close"),
        pytest.param(closed(c(0.1), c(0.5 + 1e-6)), (2, 0.0), id="a-microsecond-after-the-close"),
        pytest.param(closed(c(0.1), c(0.6)), (1, 0.4), id="a-message-after-the-close-is-not-what-was-judged"),
    ],
)
def test_closed_after(session: Session, found: tuple[int, float] | None) -> None:
    """A server close within CLOSE_AFTER of client message K gives (K, seconds); any other ending gives None."""
    assert CLOSE_AFTER == 1.0
    got = closed_after(capture(websocket=session))
    assert got == (None if found is None else (found[0], pytest.approx(found[1], abs=1e-9)))
    assert closed_after(session=session) == got


def test_closed_after_without_a_session() -> None:
    """A capture that was not upgraded, or no capture and no session, has no close to read."""
    assert closed_after(capture(status=403)) is None
    assert closed_after() is None
    assert closed_after(capture(status=403), session=closed(c(0.1))) == (1, pytest.approx(0.4))


@pytest.mark.parametrize(
    ("recorded", "turns"),
    [
        ([c(0.25)], [Turn(0, 0.25, 0.0)]),
        ([c(0.1), c(0.3)], [Turn(0, 0.1, 0.0), Turn(0, 0.2, 0.0)]),
        ([s(0.5), c(0.2)], [Turn(1, 0.0, 0.5)]),
        ([c(0.0000004), s(0.0000014), c(0.1234567)], [Turn(0, 0.0, 0.0), Turn(1, 0.123455, 0.000001)]),
        ([c(0.1), s(0.3000004), c(0.5)], [Turn(0, 0.1, 0.0), Turn(1, 0.2, 0.2)]),
        ([s(0.1), s(0.05), c(0.3)], [Turn(2, 0.25, 0.05)]),
        # a hand-made capture with times before the 101: the messages are still spaced as recorded
        ([c(-0.2), c(-0.1)], [Turn(0, 0.0, 0.0), Turn(0, 0.1, 0.0)]),
    ],
)
def test_conversation_turns_exactly(recorded: list[Message], turns: list[Turn]) -> None:
    """Gaps and waits are rounded to the microsecond and never negative; the last server message is the anchor."""
    assert list(conversation(recorded)) == turns
