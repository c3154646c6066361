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
