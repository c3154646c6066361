"""The capture file format: round-trips, and one clear error for each kind of bad input."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsdiff.document import build_document, dumps_document, parse_document
from wsdiff.errors import CaptureError
from wsdiff.files import capture_filename, dump_capture, load_capture, load_captures
from wsdiff.model import Capture, Endpoint, Failure, Message, Request, Response, Session

SAMPLE = Capture(
    endpoint=Endpoint("wss", "tts.example", 443, sni="tts.example"),
    request=Request(
        target="/ws?voice=alloy",
        headers=(("Host", "tts.example"), ("upgrade", "websocket"), ("Connection", "Upgrade"),
                 ("X-Dup", "1"), ("x-dup", "2"), ("X-Latin", "caf\xe9")),
    ),
    response=Response(101, "Switching Protocols", headers=(("Upgrade", "websocket"),)),
    websocket=Session(state="closed", close_code=4003, close_reason="token required", closed_by="server",
                      duration=0.01, messages=(Message("server", "binary", 3, b"\x00\xff\x10", 0.002),)),
    label="working",
    id="0123456789abcdef",
    started=1764039600.25,
    response_time=0.004,
    client="127.0.0.1:5555",
    proxy_mode="regular",
)


def test_document_has_the_public_field_names() -> None:
    """The contract fields exist under their documented names and types."""
    doc = build_document(SAMPLE.replace(response=Response(403, "Forbidden", body=b"nope"), websocket=None))
    assert doc["schema"] == 1
    assert doc["request"]["method"] == "GET"
    assert doc["request"]["path"] == "/ws?voice=alloy"
    assert doc["request"]["headers"][1] == ["upgrade", "websocket"]
    assert doc["response"]["status"] == 403 and isinstance(doc["response"]["headers"], list)
    assert doc["error"] is None
    failed = build_document(SAMPLE.replace(response=None, websocket=None, error=Failure("refused", "boom")))
    assert failed["response"] is None and failed["error"] == {"kind": "refused", "message": "boom"}


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    """dump then load gives back an equal capture: case, duplicates, latin-1 and binary intact."""
    path = dump_capture(SAMPLE, tmp_path)
    assert path.name == capture_filename(SAMPLE)
    assert path.name.startswith("20251125-") and "_working_101_" in path.name
    assert load_capture(path) == SAMPLE
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # one header pair per line keeps the files readable
    assert '["X-Latin", "café"]' in path.read_text(encoding="utf-8")


# ISO-8859-1 without CR, LF and NUL: those would end the request head early, and loading refuses them.
latin1 = st.text(st.characters(min_codepoint=0, max_codepoint=255, blacklist_characters="\r\n\x00"), max_size=20)
headers = st.lists(st.tuples(latin1, latin1), max_size=8).map(tuple)
# A request's header names are RFC 9110 tokens and its target a path without SP or HTAB: loading refuses others.
token = st.text(st.sampled_from("!#$%&'*+-.^_`|~0123456789AZaz"), min_size=1, max_size=20)
request_headers = st.lists(st.tuples(token, latin1), max_size=8).map(tuple)
path = st.text(st.characters(min_codepoint=0, max_codepoint=255, blacklist_characters="\r\n\x00 \t"),
               max_size=20).map(lambda p: "/" + p)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=path,
    hdrs=request_headers,
    body=st.binary(max_size=40),
    status=st.integers(100, 999),
    label=st.text(max_size=10),
)
def test_round_trip_property(target: str, hdrs: tuple[tuple[str, str], ...], body: bytes, status: int, label: str) -> None:
    """Any header bytes, target and body survive build -> JSON -> parse without loss."""
    c = SAMPLE.replace(request=Request(target=target, headers=hdrs), response=Response(status, body=body), label=label)
    assert parse_document(json.loads(dumps_document(build_document(c)))) == c


def _doc(**changes: object) -> dict:
    doc = build_document(SAMPLE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = doc
        for p in parents:
            target = target[p]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "expected an object, got a list"),
        (_doc(schema=KeyError), "schema: missing"),
        (_doc(schema="1"), "schema: expected an integer, got a string"),
        (_doc(schema=99), "schema: unknown schema version 99 (this wsdiff reads version 1)"),
        (_doc(request__path=KeyError), "request.path: missing"),
        (_doc(request__headers={"Host": "x"}), "request.headers: expected a list of [name, value] pairs, got an object"),
        (_doc(request__headers=[["Host"]]), "request.headers[0]: expected a [name, value] pair of strings, got a list"),
        (_doc(request__headers=[["X", "\u20ac"]]), "request.headers[0]: header value has a character outside ISO-8859-1 at offset 0"),
        (_doc(endpoint__scheme="http"), "endpoint.scheme: expected one of ws, wss, got 'http'"),
        (_doc(endpoint__port=0), "endpoint.port: port 0 is out of range"),
        (_doc(endpoint__port=True), "endpoint.port: expected an integer, got a boolean"),
        (_doc(response__status=42), "response.status: status 42 is not a three-digit HTTP status"),
        (_doc(response__body="%%%", response__body_encoding="base64"),
         "response.body: cannot decode: not valid base64"),
        (_doc(error={"kind": "refused", "message": ""}), "error: a capture has either a response or an error, not both"),
        (_doc(error={"kind": "gremlins"}, response=None), "error.kind: expected one of refused, reset, tls, timeout, protocol, other, got 'gremlins'"),
        (_doc(websocket__closed_by="nobody"), "websocket.closed_by: expected client, server or null, got 'nobody'"),
        (_doc(websocket__messages=[{"direction": "up"}]), "websocket.messages[0].direction: expected one of client, server, got 'up'"),
    ],
)
def test_parse_errors(doc: object, message: str) -> None:
    """Each malformed document gives one line naming the place and the problem."""
    with pytest.raises(CaptureError) as e:
        parse_document(doc)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"   \n", "file is empty"),
        (b'{"schema": 1, "endpoint": ', "not valid JSON: line 1 column 27: Expecting value"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a capture: binary data at byte 0"),
        (b"[" * 100_000, "not a capture: JSON nested too deeply"),
        (b'"just a string"', "expected an object, got a string"),
    ],
)
def test_load_errors(tmp_path: Path, content: bytes, message: str) -> None:
    """Bad files give '<file>: <problem>' and never a traceback."""
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CaptureError) as e:
        load_capture(path)
    assert str(e.value) == f"{path}: {message}"


def test_load_errors_for_paths(tmp_path: Path) -> None:
    """A missing file and a directory are named as such."""
    with pytest.raises(CaptureError, match=r"nope\.json: no such file$"):
        load_capture(tmp_path / "nope.json")
    with pytest.raises(CaptureError, match=r": is a directory, not a capture file$"):
        load_capture(tmp_path)


def _load_as_nobody(path: Path) -> str:
    """Load *path* in a forked child that has dropped root for nobody (65534); return what it reported."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            try:
                load_capture(path)
                message = "loaded"
            except CaptureError as e:
                message = str(e)
            os.write(write, message.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(pid, 0)
    return message


def test_unreadable_file(tmp_path: Path) -> None:
    """A file the user may not read is reported, not raised as a traceback.

    Root reads every file, so as root (CI here) the load runs in a child that has become nobody, on a file in
    a folder nobody may enter but not list.
    """
    if os.geteuid() != 0:
        path = dump_capture(SAMPLE, tmp_path)
        path.chmod(0)
        with pytest.raises(CaptureError) as e:
            load_capture(path)
        assert str(e.value) == f"{path}: permission denied"
        return
    folder = Path(tempfile.mkdtemp(prefix="wsdiff-unreadable-"))
    try:
        folder.chmod(0o711)
        readable = dump_capture(SAMPLE, folder / "readable.json")
        readable.chmod(0o644)
        unreadable = dump_capture(SAMPLE, folder / "unreadable.json")
        unreadable.chmod(0o600)
        # Loaded here first, so that every lazy import is done: the child may not read the interpreter's files.
        assert load_capture(readable) == SAMPLE
        assert _load_as_nobody(readable) == "loaded"  # the child reads what it may: only the mode differs
        assert _load_as_nobody(unreadable) == f"{unreadable}: permission denied"
    finally:
        shutil.rmtree(folder)


def test_selector_on_a_single_capture(tmp_path: Path) -> None:
    """FILE#1 picks the only capture of a file; #2 is out of range."""
    path = dump_capture(SAMPLE, tmp_path)
    assert load_capture(f"{path}#1") == SAMPLE
    with pytest.raises(CaptureError, match=r"#2 is out of range: it holds 1 attempt\(s\)"):
        load_capture(f"{path}#2")
    assert len(load_captures(path)) == 1


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
                        ["schema", "request", "response", "endpoint", "headers", "path", "method", "status",
                         "error", "websocket", "log", "entries", "host", "port", "scheme"]), inner, max_size=5),
                    max_leaves=20))
def test_parse_garbage_never_crashes(doc: object) -> None:
    """Any JSON value either parses or raises CaptureError naming a place, nothing else; what parses round-trips."""
    try:
        capture = parse_document(doc)
    except CaptureError as e:
        assert str(e) and ": " in str(e) or str(e).startswith("expected an object")
        return
    assert parse_document(json.loads(dumps_document(build_document(capture)))) == capture
