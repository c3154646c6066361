"""Redacting what is already redacted changes nothing, and replay still sends what the client sent.

Every command redacts every capture it loads, the recorder's output too; and
the secrets of the store come back as known values. A fingerprint must
therefore come through a second redaction whole: once it was read as holding a
secret (the word ``redacted`` of a bare ``"pin": redacted:...``, or a stored
secret that is part of one), replay sent fingerprint text in its place.
"""

from __future__ import annotations

import pytest

from helpers import forget_redactions, minimal_headers
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session
from wsdiff.redact import fingerprint, redact_capture, restore_messages, restore_request

KEY = b"k" * 32
API = Endpoint("wss", "api.example", 443, sni="api.example")


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    forget_redactions()


def request(*headers: tuple[str, str], target: str = "/ws") -> Request:
    return Request(target=target, headers=minimal_headers("api.example") + headers)


def client(text: bytes) -> Session:
    return Session(messages=(Message("client", "text", len(text), text, 0.01),))


CASES = {
    # A number redacted bare: written as a bare fingerprint, which is no JSON, then read again.
    "bare-number": Capture(API, request(), Response(101, "Switching Protocols"),
                           websocket=client(b'{"op":"login","pin":123456}')),
    # The literal value 'redacted' is a secret of 8 characters: swept, it must not eat into fingerprints.
    "secret-redacted": Capture(API, request(("Cookie", "pw=redacted"), ("Authorization", "Bearer real-bearer-456"),
                                            target="/ws?access_token=real-token-123")),
    # A secret that is a fingerprint's hex digits.
    "secret-hex": Capture(API, request(("X-Api-Key", "0123456789abcdef"), ("Authorization", "Bearer tok-abcdef99"),
                                       target="/ws?token=zz-12345678")),
    "everywhere": Capture(API, request(("Authorization", "Basic dXNlcjpwYXNz"), ("Cookie", "sid=S-1234567; a=b"),
                                       ("Sec-WebSocket-Extensions", 'x-auth; token="tok-98765432"'),
                                       ("Sec-WebSocket-Protocol", "access_token, tok-55554444"),
                                       target="/ws?token=q-11112222&voice=alloy"),
                          Response(403, "Forbidden", headers=(("X-Echo", "q-11112222"),),
                                   body=b'{"detail":"bad token q-11112222","api_key":"k-33334444"}'),
                          websocket=client(b'{"type":"auth","token":"m-77776666","n":42}')),
}


@pytest.mark.parametrize("name", list(CASES))
def test_redacting_a_redacted_capture_changes_nothing(name: str) -> None:
    """A second redaction, with the first one's secrets known (as the store gives them), gives the same capture."""
    first, found = redact_capture(CASES[name], KEY)
    again, found_again = redact_capture(first, KEY, known=[s.value for s in found.values()])
    assert again == first
    assert again.websocket == first.websocket
    assert "redacted" not in {s.value for s in found_again.values()}


@pytest.mark.parametrize("name", list(CASES))
def test_replay_after_two_redactions_sends_what_the_client_sent(name: str) -> None:
    """Restored from a twice-redacted capture: the request and first messages are the recorded bytes."""
    original = CASES[name]
    first, found = redact_capture(original, KEY)
    again, _ = redact_capture(first, KEY, known=[s.value for s in found.values()])
    assert restore_request(again.request, found, endpoint=API) == original.request
    if original.websocket is not None:
        assert again.websocket is not None
        restored = restore_messages(again.websocket.messages, found, endpoint=API, request=original.request)
        assert restored == original.websocket.messages


def test_a_bare_number_is_fingerprinted_once() -> None:
    """'"pin": 123456' becomes '"pin": <fingerprint>' and stays so: the word 'redacted' is never a secret."""
    first, found = redact_capture(CASES["bare-number"], KEY)
    assert first.websocket is not None
    assert first.websocket.messages[0].head == f'{{"op":"login","pin":{fingerprint(KEY, "123456")}}}'.encode()
    assert {s.value for s in found.values()} == {"123456"}


@pytest.mark.parametrize(("name", "value", "shown"), [
    ("Authorization", "Bearer  tok-12345678", "Bearer  {}"),
    ("Authorization", "Bearer tok-12345678 ", "Bearer {} "),
    ("Proxy-Authorization", " tok-12345678", " {}"),
    ("Accept-Language", "token: tok-12345678 ", "token: {} "),  # a header line inside a value
])
def test_blanks_around_a_credential_are_kept_for_replay(name: str, value: str, shown: str) -> None:
    """Only the credential is fingerprinted: the blanks around it stay, and replay sends the header as recorded."""
    sent = request((name, value))
    out, found = redact_capture(Capture(API, sent), KEY)
    assert out.request.headers[-1] == (name, shown.format(fingerprint(KEY, "tok-12345678")))
    assert restore_request(out.request, found, endpoint=API) == sent
