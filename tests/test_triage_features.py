"""Triage's feature views, stated exactly: Origin's site and relation to Host, Host's to the endpoint, the client's
network, extension offers shown redacted, and the order of equal findings (pure)."""

from __future__ import annotations

import pytest

from wsdiff.model import Capture, Endpoint, with_header, without_header
from wsdiff.redact import fingerprint
from wsdiff.triage import Attempts, Condition, Finding, GroupReport, extract_features, triage

from helpers import BASE_HEADERS, capture

RUN_KEY = b"k" * 32
WSS = Endpoint("wss", "tts.example", 443, sni="tts.example")
WS = Endpoint("ws", "tts.example", 80)
WSS_8443 = Endpoint("wss", "tts.example", 8443, sni="tts.example")
WS_8080 = Endpoint("ws", "tts.example", 8080)


def request_to(endpoint: Endpoint, headers: dict[str, str | None], client: str | None = None) -> Capture:
    """A handshake to *endpoint* with these headers set (None: left out)."""
    h = BASE_HEADERS
    for name, value in headers.items():
        h = without_header(h, name) if value is None else with_header(h, name, value)
    return capture(headers=h, endpoint=endpoint, client=client)


def views(c: Capture, lname: str) -> dict[str, str]:
    """The facets of header *lname* other than its value, by facet."""
    return {attr[2]: v for attr, v in extract_features(c) if attr[:2] == ("header", lname) and attr[2] != "value"}


# --- Origin and Host -------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "origin", "host", "expected"), [
    # Same host and port as Host, each port spelled or implied (Host has no scheme: only host and port compare).
    (WSS, "https://tts.example", "tts.example", ("https://tts.example", "https", "same-origin")),
    (WSS, "https://TTS.example", "Tts.Example:443", ("https://tts.example", "https", "same-origin")),
    (WS, "http://tts.example", "tts.example", ("http://tts.example", "http", "same-origin")),
    (WS_8080, "http://tts.example:8080", "tts.example:8080", ("http://tts.example", "http", "same-origin")),
    # Host has no port: the connection's default port (80 for ws, 443 for wss), whatever the Origin's scheme.
    (WS, "https://tts.example", "tts.example", ("https://tts.example", "https", "cross-origin")),
    (WSS, "http://tts.example:443", "tts.example", ("http://tts.example", "http", "same-origin")),
    # Another host on the same port, the same host on another port.
    (WSS, "https://app.example", "tts.example", ("https://app.example", "https", "cross-origin")),
    (WSS, "https://tts.example:8443", "tts.example", ("https://tts.example", "https", "cross-origin")),
    (WSS_8443, "https://tts.example", "tts.example:8443", ("https://tts.example", "https", "cross-origin")),
    (WSS, "https://tts.example", "tts.example:x", ("https://tts.example", "https", "same-origin")),  # no number
    # An IPv6 address keeps its brackets, in Origin and Host alike: the port after them is the port.
    (WSS, "https://[::1]:8443", "[::1]:8443", ("https://[::1]", "https", "same-origin")),
    (WSS, "https://[::1]", "[::1]", ("https://[::1]", "https", "same-origin")),
    (WSS, "https://[::1]:8443", "[::1]:8444", ("https://[::1]", "https", "cross-origin")),
    (WSS, "https://[::1]:8443", "[::2]:8443", ("https://[::1]", "https", "cross-origin")),
    # null (sandboxed iframes, file:// pages) and junk are classes of their own; neither relates to Host.
    (WSS, "null", "tts.example", ("null", "null", "opaque")),
    (WSS, " NULL ", "tts.example", ("null", "null", "opaque")),
    (WSS, "file://", "tts.example", ("opaque", "opaque", "opaque")),
    (WSS, "tts.example", "tts.example", ("opaque", "opaque", "opaque")),
    (WSS, "nullish", None, ("opaque", "opaque", "opaque")),
    # No Host at all: the Origin still has its site, and its relation says so.
    (WSS, "https://tts.example", None, ("https://tts.example", "https", "no Host")),
    (WSS, "null", None, ("null", "null", "opaque")),
])
def test_the_origin_s_site_scheme_and_relation_to_host(endpoint: Endpoint, origin: str, host: str | None,
                                                         expected: tuple[str, str, str]) -> None:
    """Origin's site (scheme://host), scheme and relation to Host (RFC 6454), for same, cross, null and junk origins."""
    c = request_to(endpoint, {"Origin": origin, "Host": host})
    site, scheme, relation = expected
    assert views(c, "origin") == {"site": site, "scheme": scheme, "relation": relation}


@pytest.mark.parametrize(("endpoint", "host", "relation"), [
    (WSS, "tts.example", "the endpoint"),
    (WSS, "tts.example:443", "the endpoint"),
    (WSS, "TTS.Example:443", "the endpoint"),
    (WS, "tts.example:80", "the endpoint"),
    (WS_8080, "tts.example:8080", "the endpoint"),
    (WSS_8443, "tts.example:8443", "the endpoint"),
    # The default port may be left out only when it is the endpoint's port.
    (WSS_8443, "tts.example", "not the endpoint"),
    (WS_8080, "tts.example", "not the endpoint"),
    (WSS, "tts.example:80", "not the endpoint"),
    (WSS, "tts.example:8443", "not the endpoint"),
    (WSS, "internal.tts.example", "not the endpoint"),
    (WSS, "10.0.0.7:443", "not the endpoint"),
    (WSS, "", "not the endpoint"),
    # An IPv6 endpoint is named in brackets (RFC 9110 7.2, RFC 3986 3.2.2), whether the capture brackets it or not.
    (Endpoint("ws", "::1", 8080), "[::1]:8080", "the endpoint"),
    (Endpoint("ws", "::1", 80), "[::1]", "the endpoint"),
    (Endpoint("wss", "2001:db8::1", 443), "[2001:DB8::1]:443", "the endpoint"),
    (Endpoint("ws", "[::1]", 8080), "[::1]:8080", "the endpoint"),
    (Endpoint("ws", "::1", 8080), "::1:8080", "not the endpoint"),
    (Endpoint("ws", "::1", 8080), "[::1]", "not the endpoint"),
    (Endpoint("ws", "::1", 8080), "[::2]:8080", "not the endpoint"),
])
def test_host_names_the_endpoint_or_not(endpoint: Endpoint, host: str, relation: str) -> None:
    """Host's relation: whether it names the host and port the client connected to (a reverse proxy may rewrite it)."""
    assert views(request_to(endpoint, {"Host": host}), "host") == {"relation": relation}


def test_no_host_means_no_host_relation() -> None:
    """Without a Host header there is no Host relation, and no Origin relation without an Origin."""
    assert views(request_to(WSS, {"Host": None}), "host") == {}
    assert views(request_to(WSS, {"Host": None}), "origin") == {}


# --- the client's network -------------------------------------------------------------------


@pytest.mark.parametrize(("client", "network"), [
    ("10.1.2.3:5555", "10.1.2.0/24"),
    ("192.0.2.255:1", "192.0.2.0/24"),
    ("[2001:db8::1]:5555", "2001:db8::/64"),
    ("[2001:db8:0:0:ffff::9]:443", "2001:db8::/64"),
    ("[fe80::1%eth0]:5555", "fe80::/64"),
    # A bare address (a capture written by hand) is an address too.
    ("10.1.2.3", "10.1.2.0/24"),
    ("2001:db8::1", "2001:db8::/64"),
    # Not an address: no network.
    ("localhost:5555", None),
    ("X10.1.2.3:5555", None),
    ("[10.1.2.3X]:5555", None),
    ("10.1.2.3:5555:6666", None),
    ("", None),
])
def test_the_client_s_network(client: str, network: str | None) -> None:
    """The client's /24 (IPv4) or /64 (IPv6) network, from ip:port, [ip]:port or a bare address; junk has none."""
    feats = dict(extract_features(request_to(WSS, {}, client=client)))
    assert feats.get(("client", None, "network")) == network
    assert [a for a in feats if a[0] == "client"] == ([] if network is None else [("client", None, "network")])


# --- extension offers are shown redacted -------------------------------------------------------


def _group(attempts: list[Capture]) -> GroupReport:
    [g] = triage(((f"c{i:02d}.json", c) for i, c in enumerate(attempts)), key=RUN_KEY).groups
    return g


@pytest.mark.parametrize(("bad", "good", "shown"), [
    ('x-auth; token="abc def"', 'x-auth; token="zzz yyy"', f'x-auth; token="{fingerprint(RUN_KEY, "abc def")}"'),
    ("x-auth; token='abc123'", "x-auth; token='zzz999'", "x-auth; token=" + fingerprint(RUN_KEY, "'abc123'")),
    ("x-auth; api_key = abc123def", "x-auth; api_key = zzz999xyz",
     f"x-auth; api_key = {fingerprint(RUN_KEY, 'abc123def')}"),
    ('x-auth; token="abc"tail; v=2', 'x-auth; token="zzz"tail; v=2',
     "x-auth; token=" + fingerprint(RUN_KEY, '"abc"tail') + "; v=2"),
])
def test_an_extension_s_credential_parameter_is_fingerprinted_however_it_is_spelled(bad: str, good: str,
                                                                                   shown: str) -> None:
    """A credential parameter of an extension offer (quoted, single-quoted, spaced) is shown as its fingerprint, to
    the next ';', whether the capture was redacted or only says it was."""
    for redacted in (False, True):
        g = _group([capture(headers=with_header(BASE_HEADERS, "Sec-WebSocket-Extensions", bad), status=403,
                            redacted=redacted) for _ in range(10)]
                   + [capture(headers=with_header(BASE_HEADERS, "Sec-WebSocket-Extensions", good), redacted=redacted)
                      for _ in range(20)])
        assert [(f.condition, f.counts) for f in g.findings] == [
            (f"extension x-auth is {shown}", "10 of 10 rejected, 0 of 20 accepted")]


# --- the order of findings ----------------------------------------------------------------------


def _tenants(order: list[str]) -> list[Capture]:
    """Ten rejected attempts for each tenant in *order*, and ten accepted for each of four others."""
    rejected = [capture(headers=with_header(BASE_HEADERS, "X-Tenant", t), status=403) for t in order for _ in range(10)]
    accepted = [capture(headers=with_header(BASE_HEADERS, "X-Tenant", t)) for t in ("e", "f", "g", "h")
                for _ in range(10)]
    return rejected + accepted


@pytest.mark.parametrize("order", [["a", "b", "c", "d"], ["d", "c", "b", "a"], ["c", "a", "d", "b"]])
def test_findings_that_weigh_the_same_are_listed_by_value_whatever_the_order_attempts_came_in(order: list[str]) -> None:
    """Four values rejected alike (too many to list in one condition): four findings, in the order of their values,
    however the attempts were read."""
    g = _group(_tenants(order))
    assert [(f.condition, f.counts, f.explained_alone) for f in g.findings] == [
        (f"X-Tenant is {t}", "10 of 40 rejected, 0 of 40 accepted", 10) for t in ("a", "b", "c", "d")]
    assert g.explained


# --- JSON without a test command -----------------------------------------------------------------


def test_a_finding_and_attempts_without_a_test_command_in_json() -> None:
    """A finding or an example with no command to run says so with an empty command and argv."""
    part = Condition("header", "X-Mode", "value", ("legacy",))
    finding = Finding((part,), 10, 0, 10, 10, 20)
    assert finding.test_command == ""
    assert finding.to_json() == {
        "kind": "header", "name": "X-Mode", "condition": "X-Mode is legacy", "rejected_matched": 10,
        "accepted_matched": 0, "explained_alone": 10, "parts": [part.to_json()], "indistinguishable": [],
        "test": "", "test_argv": [], "facet": "value", "values": ["legacy"], "negated": False,
    }
    assert Attempts("c00.json", 3).to_json() == {"source": "c00.json", "attempts": 3, "test": "", "test_argv": []}
    with_test = Finding((part,), 10, 0, 10, 10, 20, test=("wsdiff", "bisect", "good 1.json", "c00.json"))
    assert with_test.test_command == "wsdiff bisect 'good 1.json' c00.json"
