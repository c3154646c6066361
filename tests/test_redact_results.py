"""Live answers redacted before they are shown, and the hosts a user may allow secrets to (pure)."""

from __future__ import annotations

import pytest

from wsdiff.model import Message, Session
from wsdiff.oracle import ProbeResult
from wsdiff.redact import FINGERPRINT_RE, fingerprint, parse_allowed_host, redact_result

KEY = b"r" * 32


@pytest.mark.parametrize(
    ("spec", "host"),
    [
        ("Api.Example.", "api.example"),
        (" api.example:8443 ", "api.example:8443"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]:8443", "[::1]:8443"),
        ("[::1]", "[::1]"),
        ("api.example:08443", "api.example:8443"),
    ],
)
def test_parse_allowed_host(spec: str, host: str) -> None:
    """A host or host:port is normalised: lower case, no final dot, IPv6 in brackets, the port as a number."""
    assert parse_allowed_host(spec) == host


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "expected HOST or HOST:PORT, got ''"),
        ("[::1]x", "expected HOST or HOST:PORT, got '[::1]x'"),
        ("api.example:0", "bad port in 'api.example:0'"),
        ("api.example:65536", "bad port in 'api.example:65536'"),
        ("api.example:https", "bad port in 'api.example:https'"),
        ("http://api.example", "bad port in 'http://api.example'"),  # 'http' read as the host, '//api.example' as the port
        ("a b", "expected HOST or HOST:PORT, got 'a b'"),
    ],
)
def test_parse_allowed_host_errors(spec: str, message: str) -> None:
    """Anything but a host name or address, with an optional port, is refused with the value quoted."""
    with pytest.raises(ValueError) as e:
        parse_allowed_host(spec)
    assert str(e.value) == message


def test_redact_result_fingerprints_what_the_server_sends() -> None:
    """Set-Cookie, a token in the first message, and a known secret echoed anywhere are fingerprinted."""
    known = "s3cret-token-value"
    result = ProbeResult(
        101, "Switching Protocols",
        headers=(("Set-Cookie", "sid=abc123; Path=/"), ("Sec-WebSocket-Protocol", known), ("Server", "x")),
        body=b"", subprotocol=known, extensions="permessage-deflate",
        session=Session("closed", 1000, "", "server", 0.1,
                        (Message("server", "text", 40, b'{"type":"hello","token":"tok-12345678"}', 0.0),)))
    out = redact_result(result, KEY, known=[known])
    shown = repr(out)
    assert "abc123" not in shown and known not in shown and "tok-12345678" not in shown
    assert dict(out.headers)["Server"] == "x" and out.extensions == "permessage-deflate"
    assert out.subprotocol is not None and FINGERPRINT_RE.fullmatch(out.subprotocol)
    assert (out.status, out.reason, out.session.close_code) == (101, "Switching Protocols", 1000)  # type: ignore[union-attr]


def test_redact_result_of_a_refusal() -> None:
    """A refusal's body that echoes the secret sent loses it; the rest of the body stays."""
    known = "Bearer-abcdef-123456"
    out = redact_result(ProbeResult(403, "Forbidden", body=f"bad token {known} here".encode()), KEY, known=[known])
    assert out.body.startswith(b"bad token redacted:") and out.body.endswith(b" here")
    assert (out.status, out.reason, out.subprotocol, out.session) == (403, "Forbidden", None, None)
    plain = ProbeResult(403, "Forbidden", body=b"nothing secret")
    assert redact_result(plain, KEY) == plain
    assert fingerprint(KEY, known) != fingerprint(b"other" * 8, known)
