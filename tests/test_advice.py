"""What wsdiff tells a user who has not recorded what it needs: the exact lines (pure)."""

from __future__ import annotations

import pytest

from wsdiff.advice import CLIENT_TABLE, how_to_record, no_capture_reasons

TABLE = [
    "  websockets 15+  reads HTTP_PROXY/HTTPS_PROXY itself (wsdiff record sets them)",
    '  aiohttp         needs trust_env=True and an http:// URL: ws_connect("http://...") (a ws:// URL is not proxied)',
    "  browsers        --proxy-server=http://127.0.0.1:8080, and for 127.0.0.1 also "
    '--proxy-bypass-list="<-loopback>" (Chromium never proxies loopback otherwise)',
    "  Node            ignores HTTP_PROXY: pass an agent (e.g. https-proxy-agent) to the WebSocket constructor",
    "  wss://          the client must trust ~/.mitmproxy/mitmproxy-ca-cert.pem (wsdiff record sets SSL_CERT_FILE, "
    "REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)",
]


def test_how_to_record_both() -> None:
    """Both missing, into the default folder: both record commands, the proxy way, the table, then why."""
    assert how_to_record("wsdiff", "captures/", working=True, failing=True) == [
        "Record the client that works and the one that fails (your commands after --), to the same server:",
        "  wsdiff record --label working -- python working_client.py",
        "  wsdiff record --label failing -- python failing_client.py",
        '  or through a proxy you run: mitmdump -s "$(wsdiff addon)" --set wsdiff_dir=captures',
        "How clients go through the proxy:", *TABLE,
        "Then run: wsdiff why",
    ]


@pytest.mark.parametrize(
    ("working", "failing", "first", "records"),
    [
        (True, False, "Record the client that works (your command after --), to the same server as the failing one:",
         ["--label working"]),
        (False, True, "Record the client that fails (your command after --):", ["--label failing"]),
    ],
)
def test_how_to_record_one(working: bool, failing: bool, first: str, records: list[str]) -> None:
    """One missing: only its command, in another folder quoted for the shell, with the commands given."""
    lines = how_to_record("/opt/bin/wsdiff", "my captures", working=working, failing=failing, mitmdump="/x/mitmdump")
    assert lines[0] == first
    assert lines[1] == f"  /opt/bin/wsdiff record --dir 'my captures' {records[0]} -- python " + (
        "working_client.py" if working else "failing_client.py")
    assert lines[2] == ("  or through a proxy you run: /x/mitmdump -s \"$(/opt/bin/wsdiff addon)\" "
                        "--set wsdiff_dir='my captures'")
    assert lines[-1] == "Then run: /opt/bin/wsdiff why --dir 'my captures'"
    assert len(lines) == 3 + 1 + len(CLIENT_TABLE) + 1


def test_root_folder_stays_root() -> None:
    """A folder of '/' is not stripped to nothing."""
    assert how_to_record("wsdiff", "/", working=False, failing=True)[-1] == "Then run: wsdiff why --dir /"


def test_no_capture_tls() -> None:
    """A client that refused mitmproxy's certificate: that reason and the wss:// row only."""
    assert no_capture_reasons(["python", "c.py"], saw_requests=True, tls_refused=True) == [
        "no capture: the client used TLS and did not trust mitmproxy's CA, so the handshake never reached the "
        "proxy's recorder.",
        f"  wss://: {dict(CLIENT_TABLE)['wss://']}; some clients read their own bundle (certifi, a browser's store)"]


@pytest.mark.parametrize(
    ("argv", "rows"),
    [
        (["node", "client.js"], ["  Node  ignores HTTP_PROXY: pass an agent (e.g. https-proxy-agent) to the "
                                  "WebSocket constructor"]),
        (["python", "-m", "AIOHTTP_app"], [TABLE[1].replace("aiohttp         ", "aiohttp  ")]),
        (["chromium", "--headless"], ["  browsers  " + dict(CLIENT_TABLE)["browsers"]]),
        (["firefox"], ["  browsers  " + dict(CLIENT_TABLE)["browsers"]]),
        (["node", "chrome-launcher"], ["  Node      " + dict(CLIENT_TABLE)["Node"],
                                       "  browsers  " + dict(CLIENT_TABLE)["browsers"]]),
        (["python", "client.py"], TABLE),
    ],
)
def test_no_capture_names_the_client(argv: list[str], rows: list[str]) -> None:
    """Nothing reached the proxy: the rows of the clients the command names, or every row."""
    lines = no_capture_reasons(argv, saw_requests=False, tls_refused=False)
    assert lines[0] == "no capture: nothing reached the proxy; the client ignored it. How each client goes through it:"
    assert lines[1:] == rows


def test_no_capture_with_traffic() -> None:
    """The proxy saw requests but no upgrade: that is said first."""
    lines = no_capture_reasons(["python", "c.py"], saw_requests=True, tls_refused=False)
    assert lines[0] == ("no capture: the proxy saw requests, but no WebSocket upgrade among them (the handshake went "
                        "around the proxy, or the client failed before sending it).")
    assert lines[1:] == TABLE


def test_client_words_are_matched_within_one_argument() -> None:
    """The words of the command are joined with spaces: 'firefo x' names no browser."""
    assert no_capture_reasons(["firefo", "x"], saw_requests=False, tls_refused=False)[1:] == TABLE


def test_a_folder_keeps_its_own_name() -> None:
    """Only trailing slashes are stripped from the folder."""
    assert how_to_record("wsdiff", "capturesX/", working=False, failing=True)[-1] == "Then run: wsdiff why --dir capturesX"
