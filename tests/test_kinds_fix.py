"""The registry's groups and fix wordings, kind by kind (GOOD's value is a, BAD's is b)."""

from __future__ import annotations

import pytest

from wsdiff.difference import Difference
from wsdiff.kinds import KINDS, applicable_kinds, group_of, header_group
from wsdiff.model import Endpoint
from wsdiff.variants import transplant

from helpers import capture


def fix(kind: str, name: str | None, a: object, b: object) -> str:
    d = Difference(group_of(kind, name), kind, name, a, b)  # type: ignore[arg-type]
    return KINDS[kind].fix(d)


@pytest.mark.parametrize(
    ("kind", "name", "a", "b", "text"),
    [
        ("header", "Origin", None, "http://localhost:3000",
         "add 'http://localhost:3000' to the server's WebSocket Origin allow-list, or connect from an allowed origin"),
        ("header", "origin", "https://a", None, "the server requires an Origin: send one it allows"),
        ("header", "Host", "tts.example", "tts.example:443",
         "send Host 'tts.example', or make the server (its allowed hosts) accept 'tts.example:443'"),
        ("header", "X-API-Key", "redacted:1", None,
         "send the header X-API-Key the working client sends (browsers: pass it as a query parameter or cookie)"),
        ("header", "Authorization", None, "Bearer redacted:1",
         "do not send header Authorization, or make it one the server accepts"),
        ("header", "X-Auth-Token", "redacted:1", "redacted:2",
         "the header X-Auth-Token differs: send the one the working client sends (it may be expired or for "
         "another service)"),
        ("header", "X-Mode", "modern", None, "send the header X-Mode: modern"),
        ("header", "X-Mode", None, "legacy", "do not send the header X-Mode, or make the server accept it"),
        ("header", "X-Mode", "modern", "legacy", "send X-Mode: modern rather than legacy"),
        ("query-param", "token", "redacted:1", None,
         "send the query-param token the working client sends (browsers: pass it as a query parameter or cookie)"),
        ("query-param", "voice", "alloy", None, "add the query parameter voice=alloy"),
        ("query-param", "fmt", None, "pcm", "drop the query parameter fmt, or make the server accept it"),
        ("query-param", "n", "1", "abc", "send n=1 rather than n=abc; the server validates it"),
        ("cookie", "sid", None, "redacted:1", "do not send cookie sid, or make it one the server accepts"),
        ("path", None, "/ws", "/ws/", "connect to '/ws' as the working client does, or add a WebSocket route for '/ws/'"),
        ("subprotocol", "tts.v1", "offered", None, "offer the subprotocol 'tts.v1' as the working client does"),
        ("subprotocol", "tts.v2", None, "offered", "do not offer the subprotocol 'tts.v2' as the working client does"),
        ("method", None, "GET", "POST", "make method match the working client ('GET' rather than 'POST')"),
        ("extension", "permessage-deflate", "permessage-deflate", None,
         "make extension permessage-deflate match the working client ('permessage-deflate' rather than None)"),
        ("status", None, 101, 403, "status is part of the answer, not of the request: it changes with the cause"),
        ("close-code", None, 1000, 4003,
         "close-code is part of the answer, not of the request: it changes with the cause"),
    ],
)
def test_fix_wording(kind: str, name: str | None, a: object, b: object, text: str) -> None:
    """Each kind words its fix from both sides' values, the way a person would act on it."""
    assert fix(kind, name, a, b) == text


@pytest.mark.parametrize(
    ("name", "group"),
    [("Host", "host"), ("HOST", "host"), ("Origin", "origin"), ("user-agent", "user-agent"),
     ("Sec-WebSocket-Version", "websocket"), ("Authorization", "credentials"), ("X-Api-Key", "credentials"),
     ("Sec-WebSocket-Key", "headers"), ("X-Mode", "headers"), (None, "headers")],
)
def test_header_group(name: str | None, group: str) -> None:
    """A header's group depends on which header it is, without case."""
    assert header_group(name) == group == group_of("header", name)


@pytest.mark.parametrize(("name", "group"), [("token", "credentials"), ("api_key", "credentials"), ("voice", "query"),
                                             (None, "query")])
def test_query_group(name: str | None, group: str) -> None:
    """A query parameter named like a credential is shown with the credentials."""
    assert group_of("query-param", name) == group


def test_applicable_kinds() -> None:
    """The request's kinds can be applied; facts about the answer and orders cannot."""
    assert applicable_kinds() == {"endpoint", "method", "path", "http-version", "query-param", "header", "cookie",
                                  "subprotocol", "extension", "message", "message-field"}


@pytest.mark.parametrize("name", ["scheme", "host", "port", "sni"])
def test_endpoint_is_applied_field_by_field(name: str) -> None:
    """An endpoint difference moves one field of where the client connects, and nothing else."""
    good = capture()
    bad = capture(endpoint=Endpoint("ws", "staging.example", 8080, sni="other.example"))
    d = Difference("endpoint", "endpoint", name, getattr(good.endpoint, name), getattr(bad.endpoint, name))
    moved = transplant(good, bad, [d])
    for field in ("scheme", "host", "port", "sni"):
        source = bad if field == name else good
        assert getattr(moved.endpoint, field) == getattr(source.endpoint, field)
    assert moved.request == good.request


def test_path_keeps_the_query_and_a_query_keeps_the_path() -> None:
    """The path moves without the query, and a parameter without the path; no query stays no query."""
    good, bad = capture(target="/ws?voice=alloy"), capture(target="/v2/ws")
    path = Difference("request-line", "path", None, "/ws", "/v2/ws")
    assert transplant(good, bad, [path]).request.target == "/v2/ws?voice=alloy"
    assert transplant(bad, good, [path]).request.target == "/ws"
    param = Difference("query", "query-param", "voice", "alloy", None)
    assert transplant(good, bad, [param]).request.target == "/ws"
    assert transplant(bad, good, [param]).request.target == "/v2/ws?voice=alloy"
    plain = capture(target="/ws")
    assert transplant(plain, plain, [Difference("query", "query-param", "x", None, None)]) == plain


@pytest.mark.parametrize(
    ("kind", "name", "a", "b", "text"),
    [
        ("message", "2", "text, 5 B: hello", "text, 4 B: PING",
         "send message 2 as the working client does (text, 5 B: hello) rather than (text, 4 B: PING)"),
        ("message", "3-4", "text, 3 B: bye", None,
         "send message 3 (and what follows) as the working client does: text, 3 B: bye"),
        ("message", "3-4", None, "binary, 2 B: 0102",
         "do not send message 3-4 after the 101, or make the server accept it (binary, 2 B: 0102)"),
        ("message-field", "1:payload.token", "redacted:0123456789abcdef", None,
         "send payload.token in message 1 as the working client does (the credential): the server judges it after "
         "the 101"),
        ("message-field", "1:auth.token", "t1", None,  # named like a credential: its value is not shown
         "send auth.token in message 1 as the working client does (the credential): the server judges it after the "
         "101"),
        ("message-field", "1:data.mode", "fast", None,
         "send data.mode in message 1 as the working client does ('fast'): the server judges it after the 101"),
        ("message-field", "12:payload.token", None, "redacted:0123456789abcdef",
         "do not send payload.token in message 12, or make the server accept it"),
        ("message-field", "2:payload.items[0].name", "a", "b",
         "send payload.items[0].name in message 2 = 'a' rather than 'b'"),
        ("message-field", "2:user.api_key", "k1", "k2",
         "user.api_key in message 2 differs: send the one the working client sends (it may be expired, or for "
         "another service)"),
        # A fingerprint in either value makes it a credential, whatever its name.
        ("message-field", "1:data.note", "redacted:0123456789abcdef", "x",
         "data.note in message 1 differs: send the one the working client sends (it may be expired, or for another "
         "service)"),
        ("message-field", "1:data.note", "x", "redacted:0123456789abcdef",
         "data.note in message 1 differs: send the one the working client sends (it may be expired, or for another "
         "service)"),
        # Only the last member's own name says whether it is a credential.
        ("message-field", "1:data.token.mode", "fast", "slow", "send data.token.mode in message 1 = 'fast' rather than 'slow'"),
        ("message-field", '1:data.mode["x-token"]', "fast", "slow",
         "send data.mode[\"x-token\"] in message 1 = 'fast' rather than 'slow'"),
        ("message-field", '3:["urn:token"]', "a", None,
         "send [\"urn:token\"] in message 3 as the working client does ('a'): the server judges it after the 101"),
        # The whole last name is read: 'Xkey' holds no credential word of its own, so its value is shown.
        ("message-field", "1:data.Xkey", "fast", None,
         "send data.Xkey in message 1 as the working client does ('fast'): the server judges it after the 101"),
    ],
)
def test_message_fix_wording(kind: str, name: str, a: object, b: object, text: str) -> None:
    """A message or one of its members: which message, which member, and the value unless it is a credential."""
    assert fix(kind, name, a, b) == text


def _said(*texts: str) -> object:
    """An accepted capture whose client sent *texts* after the 101, 10 ms apart."""
    from wsdiff.model import Message, Session

    messages = tuple(Message("client", "text", len(t), t.encode(), 0.01 * i) for i, t in enumerate(texts, 1))
    return capture(websocket=Session("observed", messages=messages, duration=1.0))


SAID_GOOD = _said("hello", "ping", "bye", "end")
SAID_BAD = _said("hello", "PING")


@pytest.mark.parametrize(
    ("target", "source", "d", "sent"),
    [
        # Message 2 only: the source's later messages are not brought along, the target's are kept.
        (SAID_BAD, SAID_GOOD, Difference("messages", "message", "2"), ["hello", "ping"]),
        (SAID_GOOD, SAID_BAD, Difference("messages", "message", "2"), ["hello", "PING", "bye", "end"]),
        # Messages only one side sent: from that position on.
        (SAID_BAD, SAID_GOOD, Difference("messages", "message", "3-4"), ["hello", "PING", "bye", "end"]),
        (SAID_GOOD, SAID_BAD, Difference("messages", "message", "3-4"), ["hello", "ping"]),
        # One member of a JSON message, in its own message (not the one before it).
        (_said('{"a":1}', '{"b":9}'), _said('{"a":1}', '{"b":2}'), Difference("messages", "message-field", "2:b"),
         ['{"a":1}', '{"b":2}']),
        (_said('{"a":1}', '{"b":9,"c":3}'), _said('{"a":1}', '{"c":3}'),
         Difference("messages", "message-field", "2:b"), ['{"a":1}', '{"c":3}']),
    ],
)
def test_messages_are_applied_by_position(target: object, source: object, d: Difference, sent: list[str]) -> None:
    """A message difference moves exactly the messages it names, and a member difference that member only."""
    from wsdiff.messages import client_messages

    moved = transplant(target, source, [d])  # type: ignore[arg-type]
    assert [m.head.decode() for m in client_messages(moved)] == sent
