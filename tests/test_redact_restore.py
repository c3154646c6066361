"""Restoring secrets for replay, field by field, and redaction of first messages keeping everything but the secret."""

from __future__ import annotations

import pytest

from wsdiff.errors import SecretError
from wsdiff.model import Capture, Endpoint, Message, Request, Session
from wsdiff.redact import fingerprint, redact_capture, restore_request

KEY = b"k" * 32
A, B, C = (fingerprint(KEY, s) for s in ("sa", "sb", "sc"))
KNOWN = {A: "sa", C: "sc"}  # B's secret is missing


@pytest.mark.parametrize(
    ("request_", "restored"),
    [
        (Request(target=f"/ws?t={B}"), Request(target="/ws")),  # nothing left: no '?'
        (Request(target=f"/ws?a={A}&t={B}&v=1"), Request(target="/ws?a=sa&v=1")),
        (Request(headers=(("Cookie", f"a={A};b={B}"),)), Request(headers=(("Cookie", "a=sa"),))),
        (Request(headers=(("Cookie", f"a={A}; b={B}; c={C}"),)), Request(headers=(("Cookie", "a=sa; c=sc"),))),
        (Request(headers=(("Cookie", f"b={B}"), ("X-After", "1"))), Request(headers=(("X-After", "1"),))),
        (Request(headers=(("X-Token", f"v1; {B}"), ("X-Keep", f"{A}"))), Request(headers=(("X-Keep", "sa"),))),
    ],
)
def test_drop_missing(request_: Request, restored: Request) -> None:
    """With drop_missing, what holds a missing secret is left out (one cookie, one parameter, or the header)."""
    assert restore_request(request_, KNOWN, drop_missing=True) == restored


def test_missing_secret_in_the_target_is_named() -> None:
    """A missing secret is named by where it was: the request target, or the header."""
    with pytest.raises(SecretError) as e:
        restore_request(Request(target=f"/ws?t={B}", headers=(("X-Key", B),)), KNOWN)
    assert str(e.value).startswith(f"the local secret store has no value for request target ({B}), header X-Key ({B})")


def test_message_redaction_keeps_the_rest() -> None:
    """A first message loses only its secret: who sent it, its type, size and time stay."""
    m = Message("client", "text", 40, b'{"type":"auth","api_key":"k-1"}', 0.25)
    c = Capture(Endpoint("ws", "h", 80), Request(), websocket=Session(messages=(m,)))
    out, secrets = redact_capture(c, KEY)
    assert out.websocket is not None
    assert out.websocket.messages == (
        Message("client", "text", 40, f'{{"type":"auth","api_key":"{fingerprint(KEY, "k-1")}"}}'.encode(), 0.25),)
    assert secrets == {fingerprint(KEY, "k-1"): "k-1"}
    binary = Message("server", "binary", 3, b"\xff\xfe\x00", 0.5)
    same = redact_capture(c.replace(websocket=Session(messages=(binary,))), KEY)[0]
    assert same.websocket is not None and same.websocket.messages == (binary,)
