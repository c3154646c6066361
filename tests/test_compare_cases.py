"""compare(): the cases the table in test_diff.py leaves out, each with its exact differences."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.model import Capture, Failure, Response

from helpers import capture


def sig(a: Capture, b: Capture) -> list[tuple[str, str, str | None, object, object]]:
    return [(d.group, d.kind, d.name, d.a, d.b) for d in compare(a, b).significant]


@pytest.mark.parametrize(
    ("a_target", "b_target", "expected"),
    [
        pytest.param("/ws?a=1&b=2", "/ws?b=2&a=1", [("query", "query-order", None, ["a", "b"], ["b", "a"])],
                     id="same-parameters-another-order"),
        pytest.param("/ws?a=1&b=2&c=3", "/ws?a=1&c=3&b=2&d=4",
                     [("query", "query-param", "d", None, "4"), ("query", "query-order", None, ["a", "b", "c"],
                                                                   ["a", "c", "b"])],
                     id="order-of-the-shared-ones-only"),
        pytest.param("/ws?a=1&b=2", "/ws?a=1&x=0&b=2", [("query", "query-param", "x", None, "0")],
                     id="a-new-parameter-is-no-reordering"),
        pytest.param("/ws?a&b=", "/ws?a=&b", [], id="no-value-and-empty-value-compare-equal"),
    ],
)
def test_query_order(a_target: str, b_target: str, expected: list[object]) -> None:
    """The order of the parameters both sides sent is reported apart from their values."""
    assert sig(capture(target=a_target), capture(target=b_target)) == expected


def test_query_order_carries_its_note() -> None:
    """A query-order difference says that only the order differs."""
    [d] = compare(capture(target="/ws?a=1&b=2"), capture(target="/ws?b=2&a=1")).significant
    assert d.note == "same parameters, another order" and not d.applicable


HANDSHAKE = (("Upgrade", "websocket"), ("Connection", "Upgrade"))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(Response(101, "Switching Protocols", headers=(*HANDSHAKE, ("Sec-WebSocket-Protocol", "tts.v1"))),
                     Response(101, "Switching Protocols", headers=HANDSHAKE),
                     [("response", "response-header", "Sec-WebSocket-Protocol", "tts.v1", None)],
                     id="both-101-the-server-picked-a-subprotocol-once"),
        pytest.param(Response(101, "Switching Protocols",
                              headers=(*HANDSHAKE, ("Sec-WebSocket-Extensions", "permessage-deflate"))),
                     Response(101, "Switching Protocols", headers=HANDSHAKE),
                     [("response", "response-header", "Sec-WebSocket-Extensions", "permessage-deflate", None)],
                     id="both-101-an-extension-accepted-once"),
        pytest.param(Response(101, "Switching Protocols", headers=(*HANDSHAKE, ("Sec-WebSocket-Protocol", "tts.v1"))),
                     Response(403, "Forbidden", headers=(("Content-Type", "text/plain"), ("X-Reason", "origin"))),
                     [("response", "status", None, 101, 403),
                      ("response", "response-header", "X-Reason", None, "origin")],
                     id="status-differs-the-handshake-headers-are-noise"),
        pytest.param(Response(403, "Forbidden"), Response(403, "Access Denied"),
                     [("response", "reason", None, "Forbidden", "Access Denied")], id="reason-with-the-same-status"),
        pytest.param(Response(403, "Forbidden", body=b"no origin"), Response(403, "Forbidden", body=b"no token"),
                     [("response", "body", None, "no origin", "no token")], id="body"),
    ],
)
def test_response_differences(a: Response, b: Response, expected: list[object]) -> None:
    """Response headers of the handshake are noise only when the status differs; otherwise they are reported."""
    assert sig(capture(response=a), capture(response=b)) == expected


def test_handshake_headers_hidden_as_noise_when_the_status_differs() -> None:
    """The 101's own headers are still there with --all, marked as noise."""
    a = capture(response=Response(101, headers=(*HANDSHAKE, ("Sec-WebSocket-Protocol", "tts.v1"))))
    b = capture(response=Response(403))
    noise = {d.label for d in compare(a, b).noise}
    assert noise == {"response-header Upgrade", "response-header Connection", "response-header Sec-WebSocket-Protocol"}


def test_error_on_both_sides() -> None:
    """Two failures of different kinds: one error difference, with both messages in the note."""
    a = capture(response=None, error=Failure("refused", "nothing listens"))
    b = capture(response=None, error=Failure("tls", "bad certificate"))
    [d] = compare(a, b).significant
    assert (d.kind, d.a, d.b, d.note) == ("error", "refused", "tls", "A: nothing listens; B: bad certificate")
