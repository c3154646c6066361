"""Live answers redacted before they are shown, and the hosts a user may allow secrets to (pure)."""

from __future__ import annotations

import pytest

from wsdiff.model import Failure, Message, Session
from wsdiff.oracle import ProbeResult
from wsdiff.redact import FINGERPRINT_RE, fingerprint, parse_allowed_host, redact_result
from helpers import forget_redactions

KEY = b"r" * 32


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    """Each test redacts from scratch: no answer remembered from an earlier test stands in for the rules."""
    forget_redactions()


@pytest.mark.parametrize(
    ("spec", "host"),
    [
        ("Api.Example.", "api.example"),
        (" api.example:8443 ", "api.example:8443"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]:8443", "[::1]:8443"),
        ("[::1]", "[::1]"),
        ("api.example:08443", "api.example:8443"),
        ("h.example:1", "h.example:1"),  # the lowest port there is
        ("h.example:65535", "h.example:65535"),
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
        ("[::1]:80]", "bad port in '[::1]:80]'"),  # the address ends at the first ']'
        ("[]:80", "expected HOST or HOST:PORT, got '[]:80'"),
        # Brackets hold an IPv6 address only (RFC 3986 3.2.2): a name or an IPv4 address in them is no host.
        ("[api.example]:443", "expected HOST or HOST:PORT, got '[api.example]:443'"),
        ("[127.0.0.1]", "expected HOST or HOST:PORT, got '[127.0.0.1]'"),
        ("[fe80::1%a b]:80", "expected HOST or HOST:PORT, got '[fe80::1%a b]:80'"),
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


def _fp(secret: str) -> str:
    return fingerprint(KEY, secret)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        # A reason phrase that carries a token (a custom server's 403).
        (ProbeResult(403, "Forbidden token=abc12345"), ProbeResult(403, f"Forbidden token={_fp('abc12345')}")),
        # A connection that failed with the URL in its message: the userinfo and the query token go.
        (ProbeResult(error=Failure("refused", "ws://bob:pa55w0rd@h.example/ws?access_token=T0K3N-1 refused")),
         ProbeResult(error=Failure("refused", f"ws://{_fp('bob:pa55w0rd')}@h.example/ws?access_token={_fp('T0K3N-1')}"
                                              " refused"))),
        # The Kubernetes-style subprotocol the server echoes: the token part, by the subprotocol rules.
        (ProbeResult(101, subprotocol="base64url.bearer.authorization.k8s.io.dG9rZW4"),
         ProbeResult(101, subprotocol=f"base64url.bearer.authorization.k8s.io.{_fp('dG9rZW4')}")),
        # Extensions with a credential parameter.
        (ProbeResult(101, extensions="permessage-deflate; client_max_window_bits=15"),
         ProbeResult(101, extensions="permessage-deflate; client_max_window_bits=15")),
        (ProbeResult(101, extensions="permessage-deflate; token=abcdef"),
         ProbeResult(101, extensions=f"permessage-deflate; token={_fp('abcdef')}")),
        # A quoted parameter value is the credential (RFC 6455 9.1): the free-text rules alone would miss it.
        (ProbeResult(101, extensions='x-auth; token="tok-abcdef12"'),
         ProbeResult(101, extensions=f'x-auth; token="{_fp("tok-abcdef12")}"')),
        # Nothing to hide: every field comes back as it was (status, error kind, flags, elapsed).
        (ProbeResult(101, "Switching Protocols", (("Server", "x"),), b"", True, None, 0.25, True, "chat", "m"),
         ProbeResult(101, "Switching Protocols", (("Server", "x"),), b"", True, None, 0.25, True, "chat", "m")),
        (ProbeResult(error=Failure("timeout", "no answer in 5 s"), unreachable="timeout"),
         ProbeResult(error=Failure("timeout", "no answer in 5 s"), unreachable="timeout")),
    ],
    ids=["reason", "error", "subprotocol", "extension-plain", "extension-token", "extension-quoted", "nothing",
         "unreachable"],
)
def test_redact_result_every_field(result: ProbeResult, expected: ProbeResult) -> None:
    """Each field of a live answer is redacted by its own rules; what holds no credential is kept exactly."""
    assert redact_result(result, KEY) == expected


@pytest.mark.parametrize(
    ("known", "subprotocol", "shown"),
    [
        # A secret of exactly 8 characters (the sweep's minimum) echoed as the chosen subprotocol.
        (["Q7RZ2KX9"], "Q7RZ2KX9", "{Q7RZ2KX9}"),
        # Two secrets echoed side by side: each replaced by its own fingerprint.
        (["Q7RZ2KX9", "ZZ81TT0P"], "Q7RZ2KX9-ZZ81TT0P", "{Q7RZ2KX9}-{ZZ81TT0P}"),
        # One secret the start of another: the longer is replaced whole, not its prefix and a clear tail.
        (["AB12CD34", "AB12CD34EF56"], "AB12CD34EF56", "{AB12CD34EF56}"),
        (["AB12CD34EF56", "AB12CD34"], "AB12CD34EF56 AB12CD34", "{AB12CD34EF56} {AB12CD34}"),
        # Shorter than 8: not swept (too likely to match by chance), and no rule finds it.
        (["Q7RZ2KX"], "Q7RZ2KX", "Q7RZ2KX"),
        # Nothing known: a plain subprotocol is kept.
        ([], "chat.v2", "chat.v2"),
    ],
)
def test_redact_result_sweeps_known_secrets_from_subprotocol_and_extensions(
        known: list[str], subprotocol: str, shown: str) -> None:
    """The secrets the request carried are replaced in the echoed subprotocol and extensions, longest first."""
    expected = shown
    for s in sorted(known, key=len, reverse=True):
        expected = expected.replace("{" + s + "}", _fp(s))
    out = redact_result(ProbeResult(101, subprotocol=subprotocol, extensions=f"x-ext; v={subprotocol}"), KEY, known)
    assert (out.subprotocol, out.extensions) == (expected, f"x-ext; v={expected}")
