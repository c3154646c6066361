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


def _text(value: str) -> str:
    from wsdiff.redact import redact_text

    return redact_text(value, KEY)


@pytest.mark.parametrize(("text", "shown"), [
    # A Bearer credential after 'name=': the token is the secret, the scheme stays.
    ('{"error":"authorization=Bearer sk-live-51Habcdef0123"}',
     '{"error":"authorization=Bearer «sk-live-51Habcdef0123»"}'),
    ("auth=basic dXNlcjpwYXNzd29yZA==", "auth=basic «dXNlcjpwYXNzd29yZA==»"),
    # A quote may close the credential (the end of a JSON string), padding and all ...
    ('{"note":"use Basic dXNlcjpwYXNz=="}', '{"note":"use Basic «dXNlcjpwYXNz==»"}'),
    # ... but a challenge's quoted parameter is no credential.
    ('Bearer realm="example", error="invalid_token"', 'Bearer realm="example", error="invalid_token"'),
    # A credential line other than Authorization has no scheme: all of its value is the secret.
    ("passcode:correct horse battery staple", "passcode:«correct horse battery staple»"),
    ("password: hunter2 hunter3 ", "password: «hunter2 hunter3» "),
    ("Authorization: Bearer  tok-12345678", "Authorization: Bearer  «tok-12345678»"),
])
def test_free_text_credentials_are_fingerprinted_whole(text: str, shown: str) -> None:
    """Free text (a body, an error, a message): every part of a credential is hidden, no word of it left in clear."""
    import re

    assert _text(text) == re.sub("«([^»]*)»", lambda m: fingerprint(KEY, m.group(1)), shown)


NESTED = {
    # One rule fingerprints part of a value that a later rule takes whole: the secret never holds fingerprint text.
    "jwt-then-line": b"token: eyJhbGciOiJIUzI1NiJ9 extra-part",
    "userinfo-then-pair": b"connect token=https://alice:pw-123456@proxy.example/",
    "member-then-line": b'auth: {"password":"hunter22"}',
    # A stored secret that ends where a fingerprint begins must not reach into it.
    "secret-before-fingerprint": b"token=abcdef",
}


@pytest.mark.parametrize("name", list(NESTED))
def test_no_secret_holds_a_fingerprint_and_replay_sends_the_bytes_recorded(name: str) -> None:
    """Redacted once, then again with its secrets known (and an odd stored value): replay sends what was sent."""
    head = NESTED[name]
    c = Capture(API, request(("Cookie", "sid==redacted")), Response(101, "Switching Protocols"),
                websocket=client(head))
    first, found = redact_capture(c, KEY)
    again, found_again = redact_capture(first, KEY, known=[s.value for s in found.values()] + ["=redacted"])
    assert again == first and again.websocket == first.websocket
    assert not any("redacted:" in s.value for s in {**found, **found_again}.values())
    assert c.websocket is not None and again.websocket is not None
    restored = restore_messages(again.websocket.messages, found, endpoint=API, request=c.request)
    assert restored == c.websocket.messages


@pytest.mark.parametrize("port", ["²", "8443x", ""])
def test_a_host_port_that_is_not_ascii_digits_is_no_port(port: str) -> None:
    """Host '[::1]:²' (a Latin-1 superscript is 'a digit' to Python): compare notes it, never a crash."""
    from wsdiff.diff import compare
    from wsdiff.model import with_header

    def side(host: str) -> Capture:
        headers = with_header(with_header(minimal_headers("api.example"), "Host", host), "Origin", "https://[::1]")
        return Capture(API, Request(target="/ws", headers=headers))

    relation = [d.note for d in compare(side(f"[::1]:{port}"), side("[::1]")).significant if d.label == "header Host"]
    assert relation and "Host" in relation[0]


def test_a_fake_fingerprint_hides_nothing() -> None:
    """A value that starts with something shaped like a fingerprint still has the rest of it fingerprinted."""
    fake = "redacted:0123456789abcdef"
    assert _text(f"token={fake}SECRETVALUE-1") == f"token={fake}{fingerprint(KEY, 'SECRETVALUE-1')}"
    assert _text(f"token={fake} {fake}") == f"token={fake} {fake}"  # fingerprints and blanks only: as it is


def test_a_known_secret_is_swept_after_a_fingerprint_in_the_same_text() -> None:
    """A capture partly redacted already: a known secret after a fingerprint in the same message is replaced too."""
    fp = fingerprint(KEY, "tok-secret-1234")
    head = f'{{"token":"{fp}","note":"echo tok-secret-1234"}}'.encode()
    out, _ = redact_capture(Capture(API, request(), Response(101, "Switching Protocols"), websocket=client(head)),
                            KEY, known=["tok-secret-1234"])
    assert out.websocket is not None
    assert out.websocket.messages[0].head == f'{{"token":"{fp}","note":"echo {fp}"}}'.encode()
