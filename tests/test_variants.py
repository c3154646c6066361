"""Variants and transplanting differences: pure functions from request to request."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare
from wsdiff.errors import VariantError
from wsdiff.model import Request
from wsdiff.variants import CATALOGUE, all_variants, combine, parse_variant, transplant

from helpers import BASE_HEADERS, capture, set_header

R = Request(
    target="/ws?voice=alloy&token=t1",
    headers=(*BASE_HEADERS, ("Origin", "https://app.example"), ("Authorization", "Bearer x"),
             ("Cookie", "sid=1; theme=dark"), ("Sec-WebSocket-Protocol", "tts.v1, json"), ("X-API-Key", "k")),
)


def names(r: Request) -> list[str]:
    return [k for k, _ in r.headers]


CREDENTIALS = {"authorization", "cookie", "x-api-key"}
TARGET = "target"


@pytest.mark.parametrize(
    ("spec", "touched", "check"),
    [
        ("drop-auth", CREDENTIALS | {TARGET}, lambda r: r.target == "/ws?voice=alloy"
         and not {n.lower() for n in names(r)} & CREDENTIALS and "Sec-WebSocket-Key" in names(r)),
        ("drop-cookies", {"cookie"}, lambda r: "Cookie" not in names(r)),
        ("drop-origin", {"origin"}, lambda r: "Origin" not in names(r)),
        ("set-origin=https://tts.example", {"origin"}, lambda r: r.header("Origin") == "https://tts.example"
         and names(r).index("Origin") == names(R).index("Origin")),
        ("drop-subprotocols", {"sec-websocket-protocol"}, lambda r: r.header("Sec-WebSocket-Protocol") is None),
        ("drop-extensions", {"sec-websocket-extensions"}, lambda r: r.header("Sec-WebSocket-Extensions") is None),
        ("drop-user-agent", {"user-agent"}, lambda r: r.header("User-Agent") is None),
        ("drop-header=x-api-key", {"x-api-key"}, lambda r: r.header("X-API-Key") is None),
        ("set-header=X-Mode: legacy", {"x-mode"}, lambda r: r.headers[-1] == ("X-Mode", "legacy")),
        ("set-header=x-api-key:k2", {"x-api-key"}, lambda r: r.header("X-API-Key") == "k2"
         and names(r) == names(R)),
        ("path=/v2/ws", {TARGET}, lambda r: r.target == "/v2/ws?voice=alloy&token=t1"),
        ("path=/v2/ws?x=1", {TARGET}, lambda r: r.target == "/v2/ws?x=1"),
        ("drop-query", {TARGET}, lambda r: r.target == "/ws"),
        ("drop-query-param=token", {TARGET}, lambda r: r.target == "/ws?voice=alloy"),
        ("drop-query-param=voice", {TARGET}, lambda r: r.target == "/ws?token=t1"),
        ("host=staging.example", {"host"}, lambda r: r.header("Host") == "staging.example"
         and names(r) == names(R)),
    ],
)
def test_catalogue(spec: str, touched: set[str], check) -> None:  # type: ignore[no-untyped-def]
    """Each variant changes exactly what its name says and keeps the rest in order."""
    out = parse_variant(spec).apply(R)
    assert check(out)
    assert out != R
    rest = [(k, v) for k, v in out.headers if k.lower() not in touched]
    assert rest == [(k, v) for k, v in R.headers if k.lower() not in touched]
    assert (out.method, out.http_version) == (R.method, R.http_version)
    if TARGET not in touched:
        assert out.target == R.target


def test_every_catalogue_entry_is_tested() -> None:
    """The table above covers the whole catalogue (the message variants: tests/test_messages.py)."""
    tested = {"drop-auth", "drop-cookies", "drop-origin", "set-origin", "drop-subprotocols", "drop-extensions",
              "drop-user-agent", "drop-header", "set-header", "path", "drop-query", "drop-query-param", "host",
              "drop-message", "drop-message-field", "set-message-field"}
    assert tested == set(CATALOGUE)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("drop-everything", "unknown variant 'drop-everything'; known: drop-auth, drop-cookies"),
        ("set-origin", "variant set-origin needs an argument: set-origin=..."),
        ("drop-origin=x", "variant drop-origin takes no argument"),
        ("set-header=novalue", "set-header needs NAME:VALUE, got 'novalue'"),
        ("path=relative", "path needs a path starting with '/', got 'relative'"),
        ("drop-header=", "drop-header needs a value"),
        ("path=/v2/stream,set-header=X-Api-Version:2", "'path=/v2/stream,set-header=X-Api-Version:2' looks like "
         "several variants joined by a comma ('set-header' after it); give each its own --variant, and add "
         "--together to send them in one probe"),
        ("path=/v2, drop-origin", "'path=/v2, drop-origin' looks like several variants"),
        ("set-header=X-Mode:a,drop-query,host=x", "'set-header=X-Mode:a,drop-query,host=x' looks like several"),
        ("set-header=Bad Name:x", "set-header: 'Bad Name' is not a header name"),
        ("set-header=X(y):x", "set-header: 'X(y)' is not a header name"),
        ("set-header=X-Mode:a\r\nInjected: 1", "set-header=X-Mode: the value holds a CR, LF or NUL character"),
        ("set-header=X-Mode:a\x00b", "set-header=X-Mode: the value holds a CR, LF or NUL character"),
        ("set-origin=https://a.example\nX: 1", "set-origin: the value holds a CR, LF or NUL character"),
        ("host=a.example\r", "host: the value holds a CR, LF or NUL character"),
    ],
)
def test_bad_variants(spec: str, message: str) -> None:
    """A bad variant gives one clear line."""
    with pytest.raises(VariantError) as e:
        parse_variant(spec)
    assert str(e.value).startswith(message)


@pytest.mark.parametrize(
    ("spec", "target", "header"),
    [
        ("path=/a,b", "/a,b?voice=alloy&token=t1", None),  # a comma inside a path is a path
        ("set-header=Accept:a, b", None, ("Accept", "a, b")),  # and inside a header value, a value
        ("set-header=X-Tags:drop,hosting", None, ("X-Tags", "drop,hosting")),  # not a variant name after it
    ],
)
def test_commas_that_are_part_of_the_argument(spec: str, target: str | None, header: tuple[str, str] | None) -> None:
    """A comma not followed by a variant name stays in the argument."""
    out = parse_variant(spec).apply(R)
    if target is not None:
        assert out.target == target
    if header is not None:
        assert out.headers[-1] == header


def test_combine_applies_every_variant_in_order() -> None:
    """--together: one variant whose request carries every change, named after all of them."""
    v = combine([parse_variant("path=/v2/stream"), parse_variant("set-header=X-Api-Version:2"),
                 parse_variant("drop-origin")])
    out = v.apply(R)
    assert out.target == "/v2/stream?voice=alloy&token=t1"
    assert out.header("X-Api-Version") == "2" and out.header("Origin") is None
    assert v.name == "path=/v2/stream + set-header=X-Api-Version:2 + drop-origin"
    assert v.description.startswith("send to /v2/stream instead")
    assert "set header X-Api-Version:2" in v.description
    assert combine([parse_variant("drop-origin")]).name == "drop-origin"
    with pytest.raises(VariantError, match="--together needs at least one --variant"):
        combine([])


def test_all_variants_only_those_that_apply() -> None:
    """'all' keeps the argument-free variants that change the request."""
    plain = Request(target="/ws", headers=BASE_HEADERS)
    assert [v.name for v in all_variants(plain)] == ["drop-extensions", "drop-user-agent"]


def test_transplant_each_difference_both_ways() -> None:
    """Applying every difference of BAD to GOOD gives BAD's request; removing them from BAD gives GOOD's."""
    good = capture()
    bad = capture(target="/v2/ws?fmt=pcm&voice=alloy", headers=(
        *set_header("Origin", "https://app.example"), ("Cookie", "sid=9"), ("Sec-WebSocket-Protocol", "tts.v1"),
        ("X-API-Key", "redacted:00000000000000aa")), status=403)
    diffs = [d for d in compare(good, bad).significant if d.applicable]
    assert {d.kind for d in diffs} == {"path", "query-param", "header", "cookie", "subprotocol"}
    # Field for field, in order: a transplanted header lands where BAD sends it, not at the end.
    assert transplant(good, bad, diffs).request == bad.request
    assert transplant(bad, good, diffs).request == good.request
    assert not [d for d in compare(transplant(good, bad, diffs), bad).significant if d.applicable]


def test_transplant_one_query_param_keeps_the_others_in_place() -> None:
    """A single parameter moves alone and lands where the source has it."""
    good = capture(target="/ws?a=1&b=2")
    bad = capture(target="/ws?a=1&x=9&b=2")
    [d] = [d for d in compare(good, bad).significant]
    assert transplant(good, bad, [d]).request.target == "/ws?a=1&x=9&b=2"


@pytest.mark.parametrize(
    ("spec", "target", "expected"),
    [
        ("drop-auth", "/ws?token=t1", "/ws"),
        ("drop-query-param=voice", "/ws?voice=alloy", "/ws"),
        ("drop-query-param=voice", "/ws?voice=alloy&voice=echo&x", "/ws?x"),
    ],
)
def test_a_query_left_empty_goes_away(spec: str, target: str, expected: str) -> None:
    """Removing the last parameter leaves no '?' behind."""
    assert parse_variant(spec).apply(R.replace(target=target)).target == expected


@pytest.mark.parametrize(
    ("spec", "description", "header"),
    [
        ("set-origin=https://app.example", "set Origin to https://app.example", ("Origin", "https://app.example")),
        ("set-header=X-Url:http://h:1/x", "set header X-Url:http://h:1/x (in place, or added at the end)",
         ("X-Url", "http://h:1/x")),
        ("drop-origin", "remove the Origin header (as a script sends it)", None),
    ],
)
def test_descriptions_name_the_argument(spec: str, description: str, header: tuple[str, str] | None) -> None:
    """A variant's description says what it sets; a header value may hold ':' (only the first one splits)."""
    v = parse_variant(spec)
    assert (v.name, v.description) == (spec, description)
    if header is not None:
        assert header in v.apply(R).headers


@pytest.mark.parametrize(
    ("spec", "description"),
    [
        ("host=staging.example", "set the Host header to staging.example (where it connects does not change)"),
        ("drop-header=X-Mode", "remove header X-Mode (every occurrence)"),
        ("path=/v2", "send to /v2 instead (the query is kept unless /v2 has one)"),
        ("drop-query-param=t", "remove query parameter t"),
    ],
)
def test_every_placeholder_is_filled(spec: str, description: str) -> None:
    """HOST, NAME and PATH in a description become the argument given."""
    assert parse_variant(spec).description == description


def test_combine() -> None:
    """Variants sent together: one name, one description, applied in order; one alone is itself; none is refused."""
    from wsdiff.variants import combine

    a, b = parse_variant("drop-origin"), parse_variant("set-header=X-Mode:legacy")
    both = combine([a, b])
    assert (both.name, both.description) == ("drop-origin + set-header=X-Mode:legacy",
                                            f"{a.description}; {b.description}")
    assert both.apply(R) == b.apply(a.apply(R))
    assert combine([a]) is a
    with pytest.raises(VariantError, match=r"^--together needs at least one --variant$"):
        combine([])


# --- variants of the client's messages after the 101 --------------------------------------


def _said(*messages: tuple[bytes, str, bool]) -> object:
    """An accepted capture whose client sent *messages* (payload, type, cut) after the 101, 10 ms apart."""
    from wsdiff.model import Message, Session

    kept = tuple(Message("client", kind, len(head) + (10 if cut else 0), head, 0.01 * i, cut=cut)  # type: ignore[arg-type]
                 for i, (head, kind, cut) in enumerate(messages, 1))
    return capture(websocket=Session("observed", messages=kept, duration=1.0))


INIT = b'{"type":"init","payload":{"token":"t","items":[1,2]}}'
REST = [b'"second"', b"\x01\x02", b'{"cut":', b"\xff\xfe"]
"""After a JSON message: a JSON string, a binary message, a text message not kept whole, bytes that are not UTF-8."""
SAID = _said((INIT, "text", False), (REST[0], "text", False), (REST[1], "binary", False), (REST[2], "text", True),
             (REST[3], "text", False))


def _heads(c: object) -> list[bytes]:
    from wsdiff.messages import client_messages

    return [m.head for m in client_messages(c)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "description", "heads"),
    [
        ("drop-message=1", "do not send client message 1", REST),
        ("drop-message=5", "do not send client message 5", [INIT, *REST[:-1]]),
        ("drop-message-field=1:payload.token", "remove payload.token in client message 1",
         [b'{"type":"init","payload":{"items":[1,2]}}', *REST]),
        ("drop-message-field=1:payload.items[0]", "remove payload.items[0] in client message 1",
         [b'{"type":"init","payload":{"token":"t","items":[2]}}', *REST]),
        ("set-message-field=1:type=start", "set type in client message 1 to start",  # not JSON: a string
         [b'{"type":"start","payload":{"token":"t","items":[1,2]}}', *REST]),
        ("set-message-field=1:payload.n=3", "set payload.n in client message 1 to 3",  # JSON: a number
         [b'{"type":"init","payload":{"token":"t","items":[1,2],"n":3}}', *REST]),
        ('set-message-field=1:payload.token="3"', 'set payload.token in client message 1 to "3"',
         [b'{"type":"init","payload":{"token":"3","items":[1,2]}}', *REST]),
        ("set-message-field=1:payload.name=café", "set payload.name in client message 1 to café",
         ['{"type":"init","payload":{"token":"t","items":[1,2],"name":"café"}}'.encode(), *REST]),  # UTF-8, not \u00e9
        ('set-message-field=1:["a.b"]={"x": null}', 'set ["a.b"] in client message 1 to {"x": null}',
         [b'{"type":"init","payload":{"token":"t","items":[1,2]},"a.b":{"x": null}}', *REST]),  # JSON as written
        ("set-message-field=1:payload.items[1]=true", "set payload.items[1] in client message 1 to true",
         [b'{"type":"init","payload":{"token":"t","items":[1,true]}}', *REST]),
    ],
)
def test_message_variants_change_what_they_name(spec: str, description: str, heads: list[bytes]) -> None:
    """Each message variant is described in words and changes only the message or member it names."""
    v = parse_variant(spec)
    assert (v.name, v.description) == (spec, description)
    out = v.on(SAID)  # type: ignore[arg-type]
    assert _heads(out) == heads
    assert out.request == SAID.request and v.apply(R) == R  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("drop-message-field=payload", "drop-message-field: expected MESSAGE:PATH such as 1:payload.token, got "
         "'payload'"),
        ("set-message-field=1:type", "set-message-field needs MESSAGE:PATH=VALUE, got '1:type'"),
        ("set-message-field=1:type~x", "set-message-field needs MESSAGE:PATH=VALUE, got '1:type~x'"),
        ("drop-message-field=1:type=x", "drop-message-field takes MESSAGE:PATH, got '1:type=x'"),
        ("drop-message=0", "drop-message needs a message number from 1, got '0'"),
        ("drop-message=first", "drop-message needs a message number from 1, got 'first'"),
        ("drop-message=-1", "drop-message needs a message number from 1, got '-1'"),
    ],
)
def test_bad_message_variant_arguments(spec: str, message: str) -> None:
    """A message variant's argument is checked when it is parsed, with one line naming the form it needs."""
    with pytest.raises(VariantError) as e:
        parse_variant(spec)
    assert str(e.value) == message


def _fp(secret: str) -> str:
    from wsdiff.redact import fingerprint, run_key

    return fingerprint(run_key(), secret)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("drop-message=9", "drop-message=9: there is no client message 9 (the capture has 5)"),
        ("drop-message-field=9:x", "drop-message-field=9:x: there is no client message 9 (the capture has 5)"),
        ("drop-message-field=3:x", "drop-message-field=3:x: message 3 is binary"),
        ("set-message-field=4:x=1", "set-message-field=4:x=1: message 4 is not kept whole"),
        ("drop-message-field=5:x", "drop-message-field=5:x: 'utf-8' codec can't decode byte 0xff in position 0: "
         "invalid start byte"),
        ("set-message-field=1:type.x=1", "set-message-field=1:type.x=1: type is not an object"),
        # The error names the variant as the CLI would print it: a credential member's value fingerprinted.
        ("set-message-field=9:token=s3cret-value",
         f"set-message-field=9:token={_fp('s3cret-value')}: there is no client message 9 (the capture has 5)"),
        ("set-message-field=9:[0]=s3cret-value",
         "set-message-field=9:[0]=s3cret-value: there is no client message 9 (the capture has 5)"),
    ],
)
def test_message_variants_that_cannot_apply(spec: str, message: str) -> None:
    """A message variant that does not fit the capture says why, naming the variant."""
    with pytest.raises(VariantError) as e:
        parse_variant(spec).on(SAID)  # type: ignore[arg-type]
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("spec", "secrets"),
    [
        ("set-header=X-Api-Key:k:1", ("k:1",)),  # the header is named before the first colon
        ("set-header=X-Mode:legacy", ()),
        ("set-header=Cookie:sid=abc123", ("sid=abc123", "abc123")),  # the whole field, and each cookie's value
        ("set-message-field=1:payload.token=abc", ("abc",)),
        ('set-message-field=1:payload.token="abc"', ("abc",)),
        ("set-message-field=1:payload.mode=abc", ()),
        ("set-message-field=1:[0]=abc", ()),
    ],
)
def test_argument_secrets_by_place(spec: str, secrets: tuple[str, ...]) -> None:
    """A value set in a credential header or member is a secret of the variant, to be fingerprinted when shown."""
    assert parse_variant(spec).secrets == secrets


def test_combine_messages_and_requests() -> None:
    """--together with message variants changes the messages and the request; request variants alone change no message."""
    both = combine([parse_variant("set-message-field=1:n=2"), parse_variant("drop-origin"),
                    parse_variant("drop-message=2")])
    with_origin = SAID.replace(request=R)  # type: ignore[attr-defined]
    out = both.on(with_origin)
    assert _heads(out) == [b'{"type":"init","payload":{"token":"t","items":[1,2]},"n":2}', *REST[1:]]
    assert out.request.header("Origin") is None and both.apply(R).header("Origin") is None
    two = combine([parse_variant("drop-message=1"), parse_variant("drop-message=1")])
    assert _heads(two.on(SAID)) == _heads(SAID)[2:]  # type: ignore[arg-type]
    requests_only = combine([parse_variant("drop-origin"), parse_variant("drop-cookies")])
    assert requests_only.messages is None and both.messages is not None
    assert requests_only.on(with_origin).websocket == with_origin.websocket


def test_a_bad_header_name_says_which_characters_a_name_may_hold() -> None:
    """The whole line: the name quoted, the characters allowed and where the rule is written."""
    with pytest.raises(VariantError) as e:
        parse_variant("set-header=X Mode:legacy")
    assert str(e.value) == ("set-header: 'X Mode' is not a header name (letters, digits and !#$%&'*+-.^_`|~ only, "
                            "RFC 9110 5.6.2)")
