"""HAR files as captures (DevTools and mitmproxy exports), read without I/O; flow files recognised by their start."""

from __future__ import annotations

import base64

import pytest

from wsdiff.errors import CaptureError
from wsdiff.formats import captures_from_har, looks_like_flows
from wsdiff.model import BODY_LIMIT, MESSAGE_HEAD, MESSAGE_LIMIT, Endpoint, Message, Response

UPGRADE = [{"name": "Host", "value": "tts.example"}, {"name": "Upgrade", "value": "WebSocket"},
           {"name": "Connection", "value": "Upgrade"}]


def entry(**changes: object) -> dict[str, object]:
    e: dict[str, object] = {
        "startedDateTime": "2025-11-25T03:00:00.000Z",
        "request": {"method": "GET", "url": "wss://tts.example/ws?voice=alloy", "httpVersion": "HTTP/1.1",
                    "headers": UPGRADE},
        "response": {"status": 403, "statusText": "Forbidden", "httpVersion": "http/1.1",
                     "headers": [{"name": "Content-Length", "value": "0"}], "content": {"size": 0}},
        "timings": {"wait": 12.5},
    }
    e.update(changes)
    return e


def har(*entries: object) -> dict[str, object]:
    return {"log": {"version": "1.2", "entries": list(entries)}}


def test_a_rejected_upgrade() -> None:
    """A rejected upgrade is a plain HTTP entry: picked by its Upgrade header (any case), read field by field."""
    [c] = captures_from_har(har(entry(comment="app", _id="abc")))
    assert c.endpoint == Endpoint("wss", "tts.example", 443, sni="tts.example")
    assert (c.request.method, c.request.target, c.request.http_version) == ("GET", "/ws?voice=alloy", "HTTP/1.1")
    assert c.request.headers == tuple((h["name"], h["value"]) for h in UPGRADE)
    assert c.response == Response(403, "Forbidden", "HTTP/1.1", (("Content-Length", "0"),), b"", False)
    assert (c.label, c.id, c.response_time, c.websocket) == ("app", "abc", 0.0125, None)
    assert c.started == 1764039600.0


def test_entries_that_are_not_upgrades_are_skipped() -> None:
    """Plain requests are left out; an entry DevTools marks as a websocket is kept without the header."""
    plain = entry(request={"method": "GET", "url": "https://tts.example/", "headers": [{"name": "Host", "value": "x"}]})
    marked = entry(_resourceType="websocket", request={"method": "GET", "url": "ws://tts.example:8000/ws",
                                                       "headers": [{"name": ":authority", "value": "x"}]})
    captures = captures_from_har(har(plain, marked, entry()))
    assert [c.endpoint.port for c in captures] == [8000, 443]
    assert captures[0].request.headers == ()  # HTTP/2 pseudo-headers are not part of an HTTP/1.1 upgrade


def test_no_answer_and_odd_versions() -> None:
    """Status 0 is DevTools' 'no answer'; an unknown or empty HTTP version reads as HTTP/1.1; pageref is an id."""
    [c] = captures_from_har(har(entry(response={"status": 0, "headers": []}, pageref="page_1", timings={"wait": -1},
                                      request={"method": "GET", "url": "ws://h/ws", "httpVersion": "unknown",
                                               "headers": UPGRADE})))
    assert c.response is None and c.id == "page_1" and c.response_time is None
    assert c.request.http_version == "HTTP/1.1"
    [c] = captures_from_har(har(entry(request={"method": "GET", "url": "ws://h/ws", "httpVersion": "",
                                               "headers": UPGRADE}, response=None)))
    assert c.request.http_version == "HTTP/1.1" and c.response is None and c.started == 1764039600.0


@pytest.mark.parametrize(("version", "read"), [("http/2.0", "HTTP/2.0"), ("HTTP/1.0", "HTTP/1.0"), (None, "HTTP/1.1")])
def test_request_http_version(version: str | None, read: str) -> None:
    """The request's HTTP version is read in upper case; a missing one is HTTP/1.1."""
    request: dict[str, object] = {"method": "GET", "url": "ws://h/ws", "headers": UPGRADE}
    if version is not None:
        request["httpVersion"] = version
    [c] = captures_from_har(har(entry(request=request)))
    assert c.request.http_version == read


@pytest.mark.parametrize(
    ("content", "body", "truncated"),
    [
        ({"text": "no entry", "size": 8}, b"no entry", False),
        ({"text": base64.b64encode(b"\xff\x00").decode(), "encoding": "base64"}, b"\xff\x00", False),
        ({"text": "%%%", "encoding": "base64"}, b"", False),  # undecodable: dropped, not an error
        ({"text": "x" * (BODY_LIMIT + 1)}, b"x" * BODY_LIMIT, True),
        ({"text": ""}, b"", False),
    ],
)
def test_response_bodies(content: dict[str, object], body: bytes, truncated: bool) -> None:
    """The body comes as text or base64, cut to the capture's limit."""
    [c] = captures_from_har(har(entry(response={"status": 403, "headers": [], "content": content})))
    assert c.response is not None and (c.response.body, c.response.body_truncated) == (body, truncated)
    assert c.response.http_version == "HTTP/1.1" and c.response.reason == ""


def test_accepted_with_messages() -> None:
    """DevTools' _webSocketMessages become the first messages: who sent each, text or binary, when."""
    messages = [{"type": "send", "time": 1764039600.5, "opcode": 1, "data": '{"auth":"x"}'},
                {"type": "receive", "time": 1764039600.75, "opcode": 2, "data": base64.b64encode(b"\x00" * 300).decode()},
                {"type": "receive", "opcode": 1, "data": "late"}]
    [c] = captures_from_har(har(entry(response={"status": 101, "statusText": "Switching Protocols", "headers": []},
                                      _webSocketMessages=messages)))
    assert c.websocket is not None and c.websocket.state == "observed" and c.websocket.messages_dropped == 0
    assert c.websocket.messages == (
        Message("client", "text", 12, b'{"auth":"x"}', 0.5),
        Message("server", "binary", 300, b"\x00" * MESSAGE_HEAD, 0.75),
        Message("server", "text", 4, b"late", 0.0),
    )


def test_many_messages_are_counted_not_kept() -> None:
    """Only the first messages are kept; the rest are counted."""
    messages = [{"type": "receive", "opcode": 1, "data": str(i)} for i in range(MESSAGE_LIMIT + 3)]
    [c] = captures_from_har(har(entry(response={"status": 101, "headers": []}, _webSocketMessages=messages)))
    assert c.websocket is not None and len(c.websocket.messages) == MESSAGE_LIMIT and c.websocket.messages_dropped == 3
    [rejected] = captures_from_har(har(entry(_webSocketMessages=messages)))
    assert rejected.websocket is None  # messages count only after a 101


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"log": {"entries": [entry(request={"method": "GET", "url": "ftp://x", "headers": UPGRADE})]}},
         "log.entries[0].request.url: expected a ws://, wss://, http:// or https:// URL, got 'ftp://x'"),
        ({"log": {}}, "log.entries: missing"),
        ({"log": {"entries": [entry(response={"status": "403"})]}},
         "log.entries[0].response.status: expected an integer, got a string"),
        ({"log": {"entries": [entry(request={"method": "GET", "url": "ws://h/", "headers": [{"name": "A"}]})]}},
         "log.entries[0].request.headers[0].value: missing"),
    ],
)
def test_har_errors(doc: object, message: str) -> None:
    """A malformed HAR names the place of the problem."""
    with pytest.raises(CaptureError) as e:
        captures_from_har(doc)
    assert str(e.value) == message


@pytest.mark.parametrize(("data", "flows"), [(b"1234:abc", True), (b"0:", True), (b'{"log": 1}', False),
                                             (b"1234567890:x", False), (b":12", False), (b"", False)])
def test_looks_like_flows(data: bytes, flows: bool) -> None:
    """A mitmproxy flow file starts with a tnetstring length and a colon."""
    assert looks_like_flows(data) is flows


def test_missing_optional_parts() -> None:
    """No headers, no response, no content, reason, version, start time, comment or id: each has its default."""
    bare = {"request": {"method": "GET", "url": "ws://h/ws", "headers": [{"name": ":method", "value": "GET"},
                                                                        {"name": "Upgrade", "value": "websocket"}]},
            "response": {"status": 403}}
    [c] = captures_from_har(har(bare))
    assert c.request.headers == (("Upgrade", "websocket"),)  # a pseudo-header is skipped, not the end of the list
    assert c.response == Response(403, "", "HTTP/1.1", (), b"", False)
    assert (c.label, c.id, c.started, c.response_time) == ("", "", 0.0, None)
    [c] = captures_from_har(har({**bare, "_resourceType": "websocket",
                                 "request": {"method": "GET", "url": "ws://h/ws"}}))
    assert c.request.headers == () and c.response is not None
    [c] = captures_from_har(har({"request": bare["request"]}))
    assert c.response is None


@pytest.mark.parametrize(("version", "read"), [(None, "HTTP/1.1"), ("", "HTTP/1.1"), ("http/2", "HTTP/2")])
def test_response_http_version(version: str | None, read: str) -> None:
    """The answer's HTTP version is read in upper case, HTTP/1.1 when missing or empty."""
    response: dict[str, object] = {"status": 403, "headers": []}
    if version is not None:
        response["httpVersion"] = version
    [c] = captures_from_har(har(entry(response=response)))
    assert c.response is not None and c.response.http_version == read


def test_body_at_the_limit_is_whole() -> None:
    """A body of exactly the limit is kept whole, not marked as cut."""
    [c] = captures_from_har(har(entry(response={"status": 403, "content": {"text": "x" * BODY_LIMIT}})))
    assert c.response is not None and len(c.response.body) == BODY_LIMIT and not c.response.body_truncated


@pytest.mark.parametrize(("wait", "seconds"), [(0, 0.0), (999_999_999_999.0, 999_999_999.999), (1e12, None),
                                               (-0.5, None), ("12", None)])
def test_wait_time(wait: object, seconds: float | None) -> None:
    """The wait time in milliseconds becomes seconds; negative, absurd or non-numbers are no time at all."""
    [c] = captures_from_har(har(entry(timings={"wait": wait})))
    assert c.response_time == seconds


@pytest.mark.parametrize(("text", "started"), [("2025-11-25T03:00:00.500Z", 1764039600.5),
                                               ("2025-11-25T03:00:00.500z", 0.0),
                                               ("1960-01-01T00:00:00Z", 0.0), ("yesterday", 0.0)])
def test_started(text: str, started: float) -> None:
    """The start time is read as ISO 8601 with a Z (as HAR writes it); before 1970 or unreadable, it is 0."""
    [c] = captures_from_har(har(entry(startedDateTime=text)))
    assert c.started == started


def test_message_details() -> None:
    """Times are rounded to the microsecond; text that is not valid UTF-8 is kept with replacements; no data is ''."""
    messages = [{"type": "receive", "time": 1764039600.1234567, "opcode": 1, "data": "\ud800x"},
                {"type": "receive", "opcode": 1}]
    [c] = captures_from_har(har(entry(response={"status": 101, "headers": []}, _webSocketMessages=messages)))
    assert c.websocket is not None
    assert [(m.head, m.at) for m in c.websocket.messages] == [(b"?x", 0.123457), (b"", 0.0)]
    with pytest.raises(CaptureError) as e:
        captures_from_har(har(entry(response={"status": 101, "headers": []},
                                    _webSocketMessages=[{"type": "receive", "opcode": 2, "data": "%%%"}])))
    assert str(e.value) == "log.entries[0]._webSocketMessages[0].data: a binary message whose data is not valid base64"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "expected an object, got a list"),
        ({"log": {"entries": "all of them"}}, "log.entries: expected a list, got a string"),
        ({"log": {"entries": [entry(request={"method": "GET", "url": "ws://h/", "headers": "Upgrade"})]}},
         "log.entries[0].request.headers: expected a list, got a string"),
        ({"log": {"entries": [entry(request={"method": "GET", "url": "ws://h/\r\nX: 1", "headers": UPGRADE})]}},
         "log.entries[0].request.url: the URL holds CR, LF or NUL (or a tab): refusing a capture that would "
         "inject into the request"),
    ],
)
def test_more_har_errors(doc: object, message: str) -> None:
    """The document, the entries and the headers must have their types; a URL must not inject."""
    with pytest.raises(CaptureError) as e:
        captures_from_har(doc)
    assert str(e.value) == message


@pytest.mark.parametrize("kind", ["send", "receive"])
def test_many_messages_each_way(kind: str) -> None:
    """The first MESSAGE_LIMIT messages of each direction are kept, the rest counted; no start time reads as 0."""
    messages = [{"type": kind, "opcode": 1, "data": str(i)} for i in range(MESSAGE_LIMIT + 3)]
    e = entry(response={"status": 101, "headers": []}, _webSocketMessages=messages)
    del e["startedDateTime"]
    [c] = captures_from_har(har(e))
    assert c.websocket is not None and c.started == 0.0
    assert [m.head for m in c.websocket.messages] == [str(i).encode() for i in range(MESSAGE_LIMIT)]
    assert {m.direction for m in c.websocket.messages} == {"client" if kind == "send" else "server"}
    assert c.websocket.messages_dropped == 3


def test_a_full_direction_does_not_stop_the_other() -> None:
    """Client messages past the limit are counted; the server's after them are still kept."""
    messages = ([{"type": "send", "opcode": 1, "data": f"c{i}"} for i in range(MESSAGE_LIMIT + 1)]
                + [{"type": "receive", "opcode": 1, "data": f"s{i}"} for i in range(2)])
    [c] = captures_from_har(har(entry(response={"status": 101, "headers": []}, _webSocketMessages=messages)))
    assert c.websocket is not None
    assert [m.head for m in c.websocket.messages][-3:] == [f"c{MESSAGE_LIMIT - 1}".encode(), b"s0", b"s1"]
    assert c.websocket.messages_dropped == 1


def test_message_heads_and_cuts() -> None:
    """A client's message is kept whole, a server's cut to MESSAGE_HEAD bytes; exactly MESSAGE_HEAD is whole."""
    messages = [{"type": "send", "opcode": 1, "data": "x" * (MESSAGE_HEAD + 5)},
                {"type": "receive", "opcode": 1, "data": "y" * (MESSAGE_HEAD + 5)},
                {"type": "receive", "opcode": 1, "data": "z" * MESSAGE_HEAD}]
    [c] = captures_from_har(har(entry(response={"status": 101, "headers": []}, _webSocketMessages=messages)))
    assert c.websocket is not None
    assert [(m.direction, m.size, len(m.head), m.cut) for m in c.websocket.messages] == [
        ("client", MESSAGE_HEAD + 5, MESSAGE_HEAD + 5, False), ("server", MESSAGE_HEAD + 5, MESSAGE_HEAD, True),
        ("server", MESSAGE_HEAD, MESSAGE_HEAD, False)]


@pytest.mark.parametrize(
    ("doc", "place", "message"),
    [
        (har(entry(response={"status": 101, "headers": []}, _webSocketMessages=[{"type": "send", "data": 5}])),
         "log.entries[0]._webSocketMessages[0].data", "expected a string, got an integer"),
        ({"log": {"entries": 3}}, "log.entries", "expected a list, got an integer"),
        ([1], "", "expected an object, got a list"),  # the file itself: no place to name
    ],
)
def test_har_errors_name_the_place(doc: object, place: str, message: str) -> None:
    """An error in a message, or in the log itself, names its place from the top of the file."""
    with pytest.raises(CaptureError) as e:
        captures_from_har(doc)
    assert (e.value.place, str(e.value)) == (place, f"{place}: {message}" if place else message)


@pytest.mark.parametrize(("status", "answered"), [(0, False), (1, True), (101, True)])
def test_only_status_0_means_no_answer(status: int, answered: bool) -> None:
    """DevTools writes status 0 when nothing came back; any other status, however odd, is an answer."""
    [c] = captures_from_har(har(entry(response={"status": status, "headers": []})))
    assert (c.response is not None, c.response.status if c.response else None) == (answered,
                                                                                   status if answered else None)
