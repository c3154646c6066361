"""Exports of a capture: the exact command or snippet for each format (pure; test_formats_live.py runs them)."""

from __future__ import annotations

import json
import shlex

import pytest

from wsdiff.export import FORMATS, export
from wsdiff.model import Capture, Endpoint, Request, Response

CAPTURE = Capture(
    Endpoint("ws", "127.0.0.1", 8000),
    Request(target="/ws?voice=alloy", headers=(("Host", "127.0.0.1:8000"), ("Upgrade", "websocket"),
                                                ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "a2V5"),
                                                ("Sec-WebSocket-Version", "13"),
                                                ("Sec-WebSocket-Extensions", "permessage-deflate"),
                                                ("X-Empty", ""), ("Origin", "http://localhost:3000"))),
    Response(403, "Forbidden", headers=(("Content-Length", "0"),)),
    label="app",
    started=1764039600.25,
    response_time=0.0042,
)
TLS = CAPTURE.replace(endpoint=Endpoint("wss", "::1", 443, sni="tts.example"))


def test_curl() -> None:
    """curl gets every header but the extensions (said in a comment), blanks its own defaults, and the http URL."""
    lines = export(CAPTURE, "curl").splitlines()
    assert lines[0].startswith("# curl prints the answer's head.") and "(exit status 28) is expected" in lines[0]
    assert lines[1] == ("# Sec-WebSocket-Extensions left out: curl cannot decompress permessage-deflate, so "
                        "compressed frames would reach the terminal.")
    assert shlex.split(lines[2]) == [
        "curl", "--silent", "--show-error", "--include", "--no-buffer", "--http1.1", "--max-time", "3",
        "--header", "Host: 127.0.0.1:8000", "--header", "Upgrade: websocket", "--header", "Connection: Upgrade",
        "--header", "Sec-WebSocket-Key: a2V5", "--header", "Sec-WebSocket-Version: 13", "--header", "X-Empty;",
        "--header", "Origin: http://localhost:3000", "--header", "User-Agent:", "--header", "Accept:",
        "http://127.0.0.1:8000/ws?voice=alloy"]


def test_curl_other_method_tls_and_own_user_agent() -> None:
    """Another method is passed on; wss becomes https; a recorded User-Agent is not blanked."""
    c = TLS.replace(request=Request("POST", "/", headers=(("User-Agent", "app/1"),)))
    lines = export(c, "curl").splitlines()
    assert len(lines) == 2  # no extension left out, no second comment
    assert shlex.split(lines[1]) == ["curl", "--silent", "--show-error", "--include", "--no-buffer", "--http1.1", "--max-time", "3",
                                     "--request", "POST", "--header", "User-Agent: app/1", "--header", "Accept:",
                                     "https://[::1]/"]


def test_websocat() -> None:
    """websocat gets the headers it does not negotiate itself, and the ws URL."""
    assert shlex.split(export(CAPTURE, "websocat")) == [
        "websocat", "-H", "Sec-WebSocket-Extensions: permessage-deflate", "-H", "X-Empty: ",
        "-H", "Origin: http://localhost:3000", "ws://127.0.0.1:8000/ws?voice=alloy"]


def test_python_sends_the_exact_bytes() -> None:
    """The snippet holds the request's exact bytes and connects where the capture did (TLS with its SNI)."""
    snippet = export(CAPTURE, "python")
    namespace: dict[str, object] = {}
    exec(snippet.split("sock =")[0], namespace)  # the imports and REQUEST, without connecting anywhere
    assert namespace["REQUEST"] == (b"GET /ws?voice=alloy HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUpgrade: websocket\r\n"
                                    b"Connection: Upgrade\r\nSec-WebSocket-Key: a2V5\r\nSec-WebSocket-Version: 13\r\n"
                                    b"Sec-WebSocket-Extensions: permessage-deflate\r\nX-Empty: \r\n"
                                    b"Origin: http://localhost:3000\r\n\r\n")
    assert "sock = socket.create_connection(('127.0.0.1', 8000), timeout=10)\n" in snippet
    assert "wrap_socket" not in snippet
    tls = export(TLS, "python")
    assert "sock = socket.create_connection(('::1', 443), timeout=10)\n" in tls
    assert "wrap_socket(sock, server_hostname='tts.example')\n" in tls
    compile(tls, "export.py", "exec")


def test_har() -> None:
    """A one-entry HAR 1.2 document with the request as recorded, the status, and times in milliseconds."""
    doc = json.loads(export(CAPTURE, "har"))
    assert doc["log"]["version"] == "1.2" and doc["log"]["creator"] == {"name": "wsdiff", "version": "0.1"}
    [entry] = doc["log"]["entries"]
    assert entry["startedDateTime"] == "2025-11-25T03:00:00.250000Z"
    assert entry["time"] == 4.2 and entry["timings"] == {"send": 0, "wait": 4.2, "receive": 0}
    assert entry["comment"] == "app"
    assert entry["request"]["method"] == "GET" and entry["request"]["httpVersion"] == "HTTP/1.1"
    assert entry["request"]["url"] == "ws://127.0.0.1:8000/ws?voice=alloy"
    assert entry["request"]["headers"][0] == {"name": "Host", "value": "127.0.0.1:8000"}
    assert len(entry["request"]["headers"]) == len(CAPTURE.request.headers)
    assert (entry["response"]["status"], entry["response"]["statusText"]) == (403, "Forbidden")
    assert entry["response"]["headers"] == [{"name": "Content-Length", "value": "0"}]


def test_har_without_response_or_times() -> None:
    """No answer: status 0 as DevTools writes it, every HAR 1.2 field there; no start time: the epoch."""
    c = CAPTURE.replace(response=None, started=0.0, response_time=None, label="",
                        request=Request(target="/", headers=(("Host", "h"),)))
    assert json.loads(export(c, "har")) == {"log": {
        "version": "1.2", "creator": {"name": "wsdiff", "version": "0.1"},
        "entries": [{
            "startedDateTime": "1970-01-01T00:00:00Z", "time": 0,
            "request": {"method": "GET", "url": "ws://127.0.0.1:8000/", "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "Host", "value": "h"}], "queryString": [], "cookies": [],
                        "headersSize": -1, "bodySize": 0},
            "response": {"status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                         "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                         "bodySize": -1},
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}, "comment": ""}]}}
    answered = json.loads(export(c.replace(response=Response(101, "Switching Protocols", "HTTP/1.0")), "har"))
    assert answered["log"]["entries"][0]["response"] == {
        "status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.0", "headers": [], "cookies": [],
        "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1}
    assert export(c, "har").startswith('{\n  "log": {\n    "version": "1.2",')  # indented, readable


def test_unknown_format() -> None:
    """An unknown format is refused with the known ones named."""
    with pytest.raises(ValueError, match=r"^unknown format 'pdf'; known: curl, websocat, python, har$"):
        export(CAPTURE, "pdf")
    assert FORMATS == ("curl", "websocat", "python", "har")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1b[31mb", "a\\x1b[31mb"),
        ("caf\xe9", "caf\xe9"),
        ("\u0100\u202e", "\u0100\\u202e"),
        ("\U0001f600", "\U0001f600"),
        ("tab\tnew\nline", "tab\\x09new\\x0aline"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    """Only what a terminal could act on becomes an escape, in the narrowest form that holds it."""
    from wsdiff.export import printable

    assert printable(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("line 1\nline 2\n", "line 1\nline 2\n"),  # newlines kept as they are
        ("a\r\nb", "a\\x0d\nb"),  # a carriage return is still escaped
        ("tab\tnew\nline\x1b[2J", "tab\\x09new\nline\\x1b[2J"),
        ("\u2028\x85", "\\u2028\\x85"),  # Unicode line separators are not newlines: escaped
    ],
)
def test_printable_keeping_newlines(text: str, shown: str) -> None:
    """With keep_newlines, only LF is left as it is; every other character a terminal could act on is escaped."""
    from wsdiff.export import printable

    assert printable(text, keep_newlines=True) == shown


def test_escape_forms() -> None:
    """An escape is \\x for one byte, \\u up to U+FFFF and \\U beyond, and JSON's \\u pairs beyond U+FFFF."""
    from wsdiff.export import _escape, _json_escape

    assert [_escape(c) for c in ("\x00", "\xff", "\u0100", "\uffff", "\U00010000")] == [
        "\\x00", "\\xff", "\\u0100", "\\uffff", "\\U00010000"]
    assert [_json_escape(c) for c in ("\x1b", "\uffff", "\U00010000", "\U0010ffff", "\U0001f600")] == [
        "\\u001b", "\\uffff", "\\ud800\\udc00", "\\udbff\\udfff", "\\ud83d\\ude00"]


@pytest.mark.parametrize(("seconds", "ms"), [(0.0, 0), (0.0012345, 1.234), (None, 0), (-1.0, 0), (1e12, 0),
                                             (float("nan"), 0)])
def test_har_times(seconds: float | None, ms: float) -> None:
    """Times go to HAR in milliseconds (three decimals); a missing, negative or absurd one is 0."""
    entry = json.loads(export(CAPTURE.replace(response_time=seconds), "har"))["log"]["entries"][0]
    assert entry["time"] == ms and entry["timings"]["wait"] == ms


def test_har_start_out_of_range() -> None:
    """A start time no clock gives is written as the epoch, in UTC."""
    entry = json.loads(export(CAPTURE.replace(started=1e20), "har"))["log"]["entries"][0]
    assert entry["startedDateTime"] == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("target", "url"),
    [
        ("/ws?voice=alloy", "ws://127.0.0.1:8000/ws?voice=alloy"),
        # An absolute-form target gives its path and query only: the endpoint is where it connected.
        ("http://other.example:9000/v1/ws?x=1", "ws://127.0.0.1:8000/v1/ws?x=1"),
        ("http://other.example", "ws://127.0.0.1:8000/"),
        ("ws://other.example?x=1", "ws://127.0.0.1:8000/?x=1"),
        ("//evil.example/ws", "ws://127.0.0.1:8000//evil.example/ws"),  # a path, not an authority
    ],
)
def test_url_is_the_endpoint_and_the_path(target: str, url: str) -> None:
    """The exported URL is the endpoint's scheme and authority with the target's path and query."""
    c = CAPTURE.replace(request=CAPTURE.request.replace(target=target))
    assert json.loads(export(c, "har"))["log"]["entries"][0]["request"]["url"] == url


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"request": CAPTURE.request.replace(target="*")},
         "the request's path is not a path starting with '/': it has no URL to export"),
        ({"request": CAPTURE.request.replace(target="ws")},
         "the request's path is not a path starting with '/': it has no URL to export"),
        ({"endpoint": Endpoint("ws", "a@b.example", 8000)},
         "the exported URL would name another host than the capture's endpoint"),
        ({"endpoint": Endpoint("ws", "a[b", 8000)},  # not even a URL that parses
         "the exported URL would name another host than the capture's endpoint"),
        ({"endpoint": Endpoint("ws", "evil.example/x", 8000)},
         "the exported URL would name another host than the capture's endpoint"),
    ],
)
def test_no_url_to_export(changes: dict[str, object], message: str) -> None:
    """A target that is not a path, or an endpoint that would make the URL name another host, is refused."""
    from wsdiff.errors import CaptureError

    for fmt in ("curl", "websocat", "har"):
        with pytest.raises(CaptureError) as e:
            export(CAPTURE.replace(**changes), fmt)
        assert str(e.value) == message


def test_python_snippet_whole() -> None:
    """Without TLS the snippet connects, sends the bytes and prints the answer's head, and nothing else."""
    assert export(CAPTURE, "python") == (
        "# Sends the recorded handshake byte for byte and prints the server's answer head.\n"
        "import socket, ssl\n\n"
        "REQUEST = b'GET /ws?voice=alloy HTTP/1.1\\r\\nHost: 127.0.0.1:8000\\r\\nUpgrade: websocket\\r\\n"
        "Connection: Upgrade\\r\\nSec-WebSocket-Key: a2V5\\r\\nSec-WebSocket-Version: 13\\r\\n"
        "Sec-WebSocket-Extensions: permessage-deflate\\r\\nX-Empty: \\r\\nOrigin: http://localhost:3000\\r\\n\\r\\n'\n\n"
        "sock = socket.create_connection(('127.0.0.1', 8000), timeout=10)\n"
        "sock.sendall(REQUEST)\n"
        "answer = b''\n"
        "while b'\\r\\n\\r\\n' not in answer:\n"
        "    chunk = sock.recv(4096)\n"
        "    if not chunk:\n"
        "        break\n"
        "    answer += chunk\n"
        "print(answer.split(b'\\r\\n\\r\\n')[0].decode('latin-1'))\n"
        "sock.close()\n")


def test_python_refuses_a_request_without_bytes() -> None:
    """A character beyond ISO-8859-1 has no byte to send: the error gives its offset in the request head."""
    from wsdiff.errors import CaptureError

    c = CAPTURE.replace(request=CAPTURE.request.replace(headers=CAPTURE.request.headers + (("X-Note", "€"),)))
    with pytest.raises(CaptureError) as e:
        export(c, "python")
    assert str(e.value) == "the request has a character outside ISO-8859-1 at offset 241: it has no bytes to send"


def test_curl_names_every_extensions_field_left_out() -> None:
    """Two extension fields (two spellings) are both named in the note, in order."""
    c = CAPTURE.replace(request=CAPTURE.request.replace(
        headers=CAPTURE.request.headers + (("sec-websocket-extensions", "x"),)))
    assert export(c, "curl").splitlines()[1] == (
        "# Sec-WebSocket-Extensions, sec-websocket-extensions left out: curl cannot decompress permessage-deflate, "
        "so compressed frames would reach the terminal.")


@pytest.mark.parametrize(("started", "shown"), [(5e11, "1970-01-01T00:00:00Z"), (2.6e11, "1970-01-01T00:00:00Z"),
                                                 (2.5e11, "9892-03-08T12:26:40Z")])
def test_har_start_past_year_9999(monkeypatch: pytest.MonkeyPatch, started: float, shown: str) -> None:
    """A start past the year 9999 is written as the epoch, in UTC whatever the local time zone."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        entry = json.loads(export(CAPTURE.replace(started=started), "har"))["log"]["entries"][0]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert entry["startedDateTime"] == shown


@pytest.mark.parametrize(
    ("word", "quoted"),
    [
        ("~user", "'~user'"),  # '~' is printable ASCII: plain shell quoting
        ("a b", "'a b'"),
        ("caf\xe9~", "$'caf\\xe9~'"),
        ("caf\xe9'\\", "$'caf\\xe9\\'\\\\'"),  # in $'...', a quote and a backslash are escaped with a backslash
    ],
)
def test_quote(word: str, quoted: str) -> None:
    """A shell word is quoted plainly when it is printable ASCII, else as $'...' with escapes."""
    from wsdiff.export import _quote

    assert _quote(word) == quoted


def test_printable_json() -> None:
    """JSON for a terminal: non-ASCII text kept as it is, what a terminal could act on as \\u escapes."""
    from wsdiff.export import printable_json

    assert printable_json({"a": "café\x1b[31m\u202e", "n": [1]}) == (
        '{\n  "a": "café\\u001b[31m\\u202e",\n  "n": [\n    1\n  ]\n}')
    assert printable_json({"a": "é"}, indent=None) == '{"a": "é"}'
