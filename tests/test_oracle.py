"""The oracle judges probe results; a probe result summarises and serialises itself (pure)."""

from __future__ import annotations

import pytest

from wsdiff.model import Failure, Message, Session
from wsdiff.oracle import Oracle, ProbeResult


def closed(code: int | None, by: str = "server", reason: str = "", *messages: Message) -> Session:
    return Session("closed", code, reason, by, 0.1, tuple(messages))  # type: ignore[arg-type]


def text(body: bytes, direction: str = "server") -> Message:
    return Message(direction, "text", len(body), body, 0.01)  # type: ignore[arg-type]


OK = ProbeResult(101, "Switching Protocols")


@pytest.mark.parametrize(
    ("result", "default", "status_only"),
    [
        (OK, True, True),
        (ProbeResult(101, session=Session("observed")), True, True),
        (ProbeResult(403, "Forbidden"), False, False),
        (ProbeResult(200, "OK"), False, False),
        (ProbeResult(error=Failure("refused")), False, False),
        (ProbeResult(101, session=closed(4003)), False, True),
        (ProbeResult(101, session=closed(1008)), False, True),
        (ProbeResult(101, session=closed(None)), False, True),  # the server hung up without a close frame
        (ProbeResult(101, session=closed(1000)), True, True),
        (ProbeResult(101, session=closed(1001)), True, True),
        (ProbeResult(101, session=closed(4003, by="client")), True, True),  # the client's own close
        (ProbeResult(101, session=Session("observed", 4003, closed_by="server")), True, True),
    ],
)
def test_close_and_status_oracles(result: ProbeResult, default: bool, status_only: bool) -> None:
    """101 is needed; by default a server close other than 1000/1001 after it is a rejection."""
    assert Oracle().accepts(result) is default
    assert Oracle("status").accepts(result) is status_only


@pytest.mark.parametrize(
    ("messages", "expect", "reject", "accepted"),
    [
        ((text(b'{"type":"ready"}'),), "ready", None, True),
        ((text(b'{"type":"error"}'),), "ready", None, False),
        ((), "ready", None, False),  # nothing came: an expected message is missing
        ((text(b'{"type":"ready"}', "client"),), "ready", None, False),  # the client's message does not count
        ((text(b'{"type":"error"}'),), None, '"type": ?"error"', False),
        ((text(b'{"type": "error"}'),), None, '"type": ?"error"', False),
        ((text(b'{"type":"ready"}'),), None, '"type": ?"error"', True),
        ((), None, "error", True),  # nothing came: nothing to reject
        ((text(b"first: ready"), text(b"second: error")), "ready", "error", False),  # reject reads every message
        ((text(b"first: ok"), text(b"second: ready")), "ready", None, False),  # expect reads the first
        ((text(b"error, then ready"),), "ready", "error", False),
        ((Message("server", "binary", 3, b"\xff\xfeready", 0.0),), "ready", None, True),
    ],
)
def test_message_oracle(messages: tuple[Message, ...], expect: str | None, reject: str | None, accepted: bool) -> None:
    """--expect-message and --reject-message judge the first server message."""
    result = ProbeResult(101, session=Session("closed", 1000, "", "server", 0.1, messages))
    assert Oracle(expect=expect, reject=reject).accepts(result) is accepted


def test_message_oracle_needs_a_101() -> None:
    """A matching message does not make a refused handshake accepted."""
    assert not Oracle(expect="ready").accepts(ProbeResult(403, session=Session(messages=(text(b"ready"),))))


def test_message_oracle_without_session() -> None:
    """No session at all: nothing is expected to match, nothing to reject."""
    assert not Oracle(expect="x").accepts(OK)
    assert Oracle(reject="x").accepts(OK)


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (ProbeResult(403, "Forbidden"), "403 Forbidden"),
        (ProbeResult(403), "403"),
        (ProbeResult(error=Failure("timeout", "no answer in time")), "error: timeout"),
        (ProbeResult(), "no answer"),
        (ProbeResult(101, "Switching Protocols"), "101 Switching Protocols"),
        (ProbeResult(101, "Switching Protocols", session=closed(4003, reason="token required")),
         "101 Switching Protocols, then closed 4003 'token required'"),
        (ProbeResult(101, "Switching Protocols", session=closed(None)),
         "101 Switching Protocols, then closed no close code"),
        (ProbeResult(101, "Switching Protocols", session=Session("observed", messages=(text(b"hello"),))),
         "101 Switching Protocols, then a text message (5 B)"),
        (ProbeResult(101, "Switching Protocols", session=Session("observed")), "101 Switching Protocols, then silence"),
        (ProbeResult(200, "OK", session=Session("observed")), "200 OK"),
        # The client's first messages: how many went, how many could not, and how soon after one the server closed.
        (ProbeResult(101, "Switching Protocols", session=Session("closed", 4001, "", "server", 0.91,
                                                                 (text(b"auth", "client"),))),
         "101 Switching Protocols, sent 1 message, then closed 4001 900 ms after message 1"),
        (ProbeResult(101, "Switching Protocols", messages_unsent=1,
                     session=Session("observed", messages=(text(b"a", "client"), text(b"hello"), text(b"b", "client")))),
         "101 Switching Protocols, sent 2 messages (1 not kept whole: not sent), then a text message (5 B)"),
        (ProbeResult(101, "Switching Protocols", messages_unsent=2, session=Session("observed")),
         "101 Switching Protocols (2 not kept whole: not sent), then silence"),
        (ProbeResult(101, "Switching Protocols", session=Session("closed", 1000, "", "server", 0.5,
                                                                 (text(b"a", "client"),) * 3)),
         "101 Switching Protocols, sent 3 messages, then closed 1000"),
    ],
)
def test_outcome(result: ProbeResult, outcome: str) -> None:
    """The one-line summary says the status and what happened after a 101."""
    assert result.outcome == outcome


def test_to_json() -> None:
    """Every field as JSON values; the body and the first message cut to a short head."""
    session = Session("closed", 4003, "token required", "server", 0.2,
                      (Message("server", "text", 300, b"e" * 256, 0.01), text(b"second")))
    r = ProbeResult(101, "Switching Protocols", (("Upgrade", "websocket"),), b"x" * 300, True, None, 0.004, True,
                    "tts.v1", "permessage-deflate", session)
    assert r.to_json() == {
        "status": 101, "reason": "Switching Protocols", "outcome": "101 Switching Protocols, then closed 4003 "
        "'token required'", "error": None, "unreachable": None, "elapsed": 0.004, "headers": [["Upgrade", "websocket"]],
        "body": "x" * 200, "accept_ok": True, "subprotocol": "tts.v1", "extensions": "permessage-deflate",
        "after_101": {"state": "closed", "close_code": 4003, "close_reason": "token required", "closed_by": "server",
                      "first_message": {"type": "text", "size": 300, "head": "e" * 120}, "messages_sent": 0,
                      "messages_unsent": 0, "closed_after_message": None},
    }
    failed = ProbeResult(error=Failure("tls", "bad certificate"), body=b"\xff", unreachable="tls").to_json()
    assert failed["error"] == {"kind": "tls", "message": "bad certificate"} and failed["after_101"] is None
    assert failed["unreachable"] == "tls"
    assert failed["body"] == "\ufffd" and failed["outcome"] == "error: tls"
    assert ProbeResult(101, session=Session("observed")).to_json()["after_101"]["first_message"] is None
    odd = Session("closed", 1000, "", "server", 0.1, (Message("server", "binary", 3, b"\xff\x00\xfe", 0.0),
                                                     text(b"then text")))
    assert ProbeResult(101, session=odd).to_json()["after_101"]["first_message"] == {
        "type": "binary", "size": 3, "head": "\ufffd\x00\ufffd"}


@pytest.mark.parametrize(
    ("session", "after"),
    [
        # Closed 3.1 ms after the client's second message: that message, in milliseconds to one decimal.
        (Session("closed", 4401, "", "server", 0.0231, (text(b"auth", "client"),
                                                        Message("client", "text", 4, b"ping", 0.02))),
         {"message": 2, "ms": 3.1}),
        (Session("closed", None, "", "server", 0.01247, (text(b"auth", "client"),)), {"message": 1, "ms": 2.5}),
        (Session("closed", 4401, "", "server", 0.52234, (text(b"auth", "client"),)), {"message": 1, "ms": 512.3}),
        # A normal close, a client's close, or a close long after the message: no message to blame.
        (Session("closed", 1000, "", "server", 0.0231, (text(b"auth", "client"),)), None),
        (Session("closed", 4401, "", "client", 0.0231, (text(b"auth", "client"),)), None),
        (Session("closed", 4401, "", "server", 2.5, (text(b"auth", "client"),)), None),
    ],
)
def test_closed_after_message_in_json(session: Session, after: dict[str, float] | None) -> None:
    """A server close right after a client message names that message and how many ms after it."""
    assert ProbeResult(101, "Switching Protocols", session=session).to_json()["after_101"][
        "closed_after_message"] == after


@pytest.mark.parametrize(("session", "sent"), [
    (None, 0),
    (Session("observed"), 0),
    (Session("observed", messages=(text(b"x"),)), 0),
    (Session("observed", messages=(text(b"a", "client"), text(b"x"), text(b"b", "client"))), 2),
])
def test_messages_sent_counts_the_clients_only(session: Session | None, sent: int) -> None:
    """messages_sent counts the client's messages after the 101 (none without a session)."""
    assert ProbeResult(101, "Switching Protocols", session=session).messages_sent == sent
