"""Headers whose names look like credentials but carry none are kept: a hint needs WWW-Authenticate."""

from __future__ import annotations

import pytest

from wsdiff.model import Capture, Endpoint, Request, Response
from wsdiff.redact import is_credential_header, redact_capture
from helpers import forget_redactions

KEY = b"k" * 32


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    """Each test redacts from scratch: no answer remembered from an earlier test stands in for the rules."""
    forget_redactions()


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("WWW-Authenticate", False), ("www-authenticate", False), ("Proxy-Authenticate", False),
        ("access-control-allow-credentials", False), ("Access-Control-Allow-Credentials", False),
        # Their neighbours still are credentials.
        ("Authorization", True), ("Proxy-Authorization", True), ("Authentication-Info", True),
        ("X-Auth-Token", True), ("X-Credentials", True),
    ],
)
def test_challenges_are_not_credentials(name: str, credential: bool) -> None:
    """A challenge and the CORS credentials flag are not secrets; Authorization and its kin are."""
    assert is_credential_header(name) is credential


def test_refusal_keeps_its_challenge() -> None:
    """The websockets server's 401 (websockets-auth-missing) keeps WWW-Authenticate; Set-Cookie stays hidden."""
    headers = (("Date", "Wed, 25 Nov 2026 16:38:57 GMT"), ("Connection", "close"), ("Content-Length", "14"),
               ("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", 'Bearer realm="ws"'),
               ("access-control-allow-credentials", "true"), ("Set-Cookie", "sid=s3cret; Path=/"),
               ("Server", "Python/3.12 websockets/17.4"))
    c = Capture(Endpoint("ws", "127.0.0.1", 8765), Request(target="/auth"),
                Response(401, "Unauthorized", headers=headers, body=b"Missing token\n"))
    out, secrets = redact_capture(c, KEY)
    assert out.response is not None
    kept = dict(out.response.headers)
    assert kept["WWW-Authenticate"] == 'Bearer realm="ws"'
    assert kept["access-control-allow-credentials"] == "true"
    assert "s3cret" not in kept["Set-Cookie"] and [s.value for s in secrets.values()] == ["s3cret"]
