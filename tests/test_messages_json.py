"""wsdiff.messages: JSON paths, where each value sits, Socket.IO prefixes, and JSON values compared and shown."""

from __future__ import annotations

import pytest

from wsdiff.messages import (MISSING, MAX_DEPTH, JsonPath, Span, format_path, json_differences, json_start, load_json,
                             parse_path, parse_position_path, show_json, spans)


@pytest.mark.parametrize(
    ("text", "path", "rest"),
    [
        ("payload.token", ("payload", "token"), ""),
        ("type=connection_init", ("type",), "=connection_init"),
        ("a.b=c.d", ("a", "b"), "=c.d"),
        ("items[12].id", ("items", 12, "id"), ""),
        ("[0][1]", (0, 1), ""),
        ("a[0]b", ("a", 0, "b"), ""),
        ('["a.b"]', ("a.b",), ""),
        ('["x=y"]=z', ("x=y",), "=z"),
        ('p["q"].r', ("p", "q", "r"), ""),
        ('["say \\"hi\\""]', ('say "hi"',), ""),
        ('["\\u00e9"]', ("é",), ""),
        ("héllo wörld", ("héllo wörld",), ""),
        ("$ref.@id", ("$ref", "@id"), ""),
    ],
)
def test_parse_path_reads_keys_indices_and_quoted_keys(text: str, path: JsonPath, rest: str) -> None:
    """A path ends at its end or at the first '=' outside a quoted key; what follows is returned as it is."""
    assert parse_path(text) == (path, rest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a JSON path such as payload.token"),
        ("=1", "expected a JSON path such as payload.token"),
        (".a", "empty key in '.a'"),
        ("a..b", "empty key in 'a..b'"),
        ("a.", "empty key in 'a.'"),
        ("a.=1", "empty key in 'a.=1'"),
        ("[x]", "expected [N] or [\"key\"] in '[x]'"),
        ("[]", "expected [N] or [\"key\"] in '[]'"),
        ("[-1]", "expected [N] or [\"key\"] in '[-1]'"),
        ("a[", "expected [N] or [\"key\"] in 'a['"),
        ("a[1", "expected [N] or [\"key\"] in 'a[1'"),
        ('["a', "bad quoted key in '[\"a'"),
        ('["a"', "expected ] after the quoted key in '[\"a\"'"),
        ('["a"].b["c"x', "expected ] after the quoted key in '[\"a\"].b[\"c\"x'"),
    ],
)
def test_parse_path_names_what_is_wrong(text: str, message: str) -> None:
    """Each malformed path gets one message that quotes it."""
    with pytest.raises(ValueError) as e:
        parse_path(text)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("payload", "token"), "payload.token"),
        (("items", 0, "id"), "items[0].id"),
        ((0, "a"), "[0].a"),
        (("_x", "$y", "@z", "a-b", "A9"), "_x.$y.@z.a-b.A9"),
        (("9a",), '["9a"]'),
        (("-a",), '["-a"]'),
        (("",), '[""]'),
        (("a b",), '["a b"]'),
        (("é",), '["é"]'),
        (('q"',), '["q\\""]'),
        (("a", "b.c", 3), 'a["b.c"][3]'),
    ],
)
def test_format_path_writes_plain_names_bare_and_the_rest_quoted(path: JsonPath, text: str) -> None:
    """Names that are identifiers are joined with dots; any other key is a JSON string in brackets, kept readable."""
    assert format_path(path) == text
    if path:
        assert parse_path(text) == (path, "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1:type=connection_init", (1, ("type",), "=connection_init")),
        ("12:payload.token", (12, ("payload", "token"), "")),
        (" 2 :a", (2, ("a",), "")),
        ('3:["a=b"]=x', (3, ("a=b",), "=x")),
        ("1:a:b", (1, ("a:b",), "")),
    ],
)
def test_parse_position_path(text: str, expected: tuple[int, JsonPath, str]) -> None:
    """K:PATH gives the message number from 1, the path, and what follows the path."""
    assert parse_position_path(text) == expected


@pytest.mark.parametrize("text", ["payload.token", "0:x", "-1:x", "x:a", ":a", "1.5:a", ""])
def test_parse_position_path_needs_a_message_number_from_1(text: str) -> None:
    """Without K, or with K below 1, the message says what is expected and quotes the text."""
    with pytest.raises(ValueError) as e:
        parse_position_path(text)
    assert str(e.value) == f"expected MESSAGE:PATH such as 1:payload.token, got {text!r}"


def test_parse_position_path_with_no_path() -> None:
    """A number with an empty path is the path's own error."""
    with pytest.raises(ValueError, match="^expected a JSON path such as payload.token$"):
        parse_position_path("1:")


# --- spans ---------------------------------------------------------------------------------------------

NESTED = ' {"a" : [1, {"b": null}] ,\n "c":"x\\"y", "d": {}, "e": [ ]}\t'


def _table(text: str) -> dict[JsonPath, tuple[str, str | None, str]]:
    """Each path's value text, its key text (from the key to the value) or None, and its container mark."""
    _, table = spans(text)
    return {p: (text[s.start:s.end], None if s.key_start is None else text[s.key_start:s.start], s.container)
            for p, s in table.items()}


def test_spans_give_every_value_its_exact_text_and_key() -> None:
    """Every value, nested or not, is located exactly, with the text from its key to it; containers are marked."""
    assert _table(NESTED) == {
        (): (NESTED.strip(), None, "{"),
        ("a",): ('[1, {"b": null}]', '"a" : ', "["),
        ("a", 0): ("1", None, ""),
        ("a", 1): ('{"b": null}', None, "{"),
        ("a", 1, "b"): ("null", '"b": ', ""),
        ("c",): ('"x\\"y"', '"c":', ""),
        ("d",): ("{}", '"d": ', "{"),
        ("e",): ("[ ]", '"e": ', "["),
    }


@pytest.mark.parametrize(
    ("text", "value", "root"),
    [
        ("{}", {}, Span(0, 2, None, "{")),
        ("[]", [], Span(0, 2, None, "[")),
        ("{ }", {}, Span(0, 3, None, "{")),
        ("\n[\t]\r\n", [], Span(1, 4, None, "[")),
        ('"s"', "s", Span(0, 3, None, "")),
        (" 12.5e1 ", 125.0, Span(1, 7, None, "")),
        ('40{"a":1}', {"a": 1}, Span(2, 9, None, "{")),
        ('42/chat,7["ev",{}]', ["ev", {}], Span(9, 18, None, "[")),
    ],
)
def test_spans_of_the_root(text: str, value: object, root: Span) -> None:
    """The root's span leaves surrounding whitespace and a Socket.IO prefix out; offsets are in the whole text."""
    got, table = spans(text)
    assert got == value and table[()] == root


def test_spans_keep_the_last_of_a_repeated_key() -> None:
    """A key repeated in one object has the last value and the last span, as json.loads does."""
    value, table = spans('{"k": 1, "k": 22}')
    assert value == {"k": 22} and table[("k",)] == Span(14, 16, 9, "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a" 1}', "expected ':' at 5"),
        ("{a: 1}", "expected a member name at 1"),
        ('{"a": 1,}', "expected a member name at 8"),
        ('{"a": 1 "b": 2}', "expected ',' or '}' at 8"),
        ('{"a": 1', "expected ',' or '}' at 7"),
        ("[1 2]", "expected ',' or ']' at 3"),
        ("[1,", "Expecting value: line 1 column 4 (char 3)"),
        ('{"a": 1} x', "extra data after the JSON value at 8"),
        ("[] []", "extra data after the JSON value at 2"),
        ("nope", "Expecting value: line 1 column 1 (char 0)"),
        ("", "Expecting value: line 1 column 1 (char 0)"),
    ],
)
def test_spans_refuse_what_is_not_json(text: str, message: str) -> None:
    """Text that is not one JSON value is one ValueError that says where."""
    with pytest.raises(ValueError) as e:
        spans(text)
    assert str(e.value) == message


def test_spans_walk_up_to_max_depth_and_no_deeper() -> None:
    """Arrays nested MAX_DEPTH+1 deep are walked (the innermost at depth MAX_DEPTH); one more is refused."""
    assert MAX_DEPTH == 64
    deepest = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    _, table = spans(deepest)
    assert max(len(p) for p in table) == MAX_DEPTH
    for text in ("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2), '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)):
        with pytest.raises(ValueError, match="^nested too deep$"):
            spans(text)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ('{"a":1}', 0),
        ("[1]", 0),
        ('40{"token":"t"}', 2),
        ("0{}", 1),
        ('42["chat",{}]', 2),
        ('42/chat,7["auth",{}]', 9),
        ('43/admin,["ok"]', 9),
        ('421["ev"]', 3),
        ("40", 0),
        ("123", 0),
        ("4 {}", 0),
        ("", 0),
        ("x40{}", 0),
    ],
)
def test_json_start_skips_a_socketio_packet_prefix(text: str, start: int) -> None:
    """Digits (engine.io and Socket.IO types, an ack id), an optional /namespace, then JSON: its offset; else 0."""
    assert json_start(text) == start


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b'{"type": "auth"}', {"type": "auth"}),
        ('{"type": "auth"}', {"type": "auth"}),
        (b"[1, 2]", [1, 2]),
        ('40{"token":"t"}', {"token": "t"}),
        ('42/chat,["ev"]', ["ev"]),
        ('"a string"', MISSING),
        (b"12", MISSING),
        (b"null", MISSING),
        (b"not json", MISSING),
        (b"\xff\xfe{}", MISSING),
        (b"", MISSING),
        ("[" * 100_000, MISSING),
    ],
)
def test_load_json_gives_objects_and_arrays_only(data: bytes | str, value: object) -> None:
    """A JSON object or array (after a packet prefix) comes back; bare scalars, junk, non-UTF-8 and runaway nesting are MISSING."""
    got = load_json(data)
    assert got is MISSING if value is MISSING else got == value


# --- differences ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "found"),
    [
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": 1.0}, [(("a",), 1, 1.0)]),
        ({"a": 1}, {"a": True}, [(("a",), 1, True)]),
        ({"a": 0}, {"a": False}, [(("a",), 0, False)]),
        ({"a": None}, {}, [(("a",), None, MISSING)]),
        ({}, {"a": {"deep": [1]}}, [(("a",), MISSING, {"deep": [1]})]),
        ({"x": 1, "y": 2}, {"z": 3, "y": 3, "x": 1}, [(("y",), 2, 3), (("z",), MISSING, 3)]),
        ({"l": [1, {"k": "v"}]}, {"l": [2, {"k": "w"}]}, [(("l", 0), 1, 2), (("l", 1, "k"), "v", "w")]),
        ({"l": [1, 2]}, {"l": [1]}, [(("l",), [1, 2], [1])]),
        ([1, 2], [1, 3], [((1,), 2, 3)]),
        ({"a": [1]}, {"a": {"0": 1}}, [(("a",), [1], {"0": 1})]),
        ("s", "s", []),
        (MISSING, MISSING, []),
    ],
)
def test_json_differences(a: object, b: object, found: list[tuple[JsonPath, object, object]]) -> None:
    """Members in A's order then B's new ones; equal-length arrays element by element; types count (1, 1.0, true)."""
    assert list(json_differences(a, b)) == found


def test_json_differences_under_a_path() -> None:
    """Differences below a given path carry it as their prefix."""
    assert list(json_differences({"k": 1}, {"k": 2}, ("p", 0))) == [(("p", 0, "k"), 1, 2)]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (MISSING, None),
        ("alloy", "alloy"),
        ("", ""),
        ("x" * 120, "x" * 120),
        ("x" * 121, "x" * 120 + "…"),
        (3, 3),
        (-1.5, -1.5),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        ({"a": [1, "é"], "b": None}, '{"a":[1,"é"],"b":null}'),
        ([], "[]"),
        (["y" * 60, "z" * 60], '["' + "y" * 60 + '","' + "z" * 55 + "…"),
        (["y" * 57, "z" * 56], '["' + "y" * 57 + '","' + "z" * 56 + '"]'),  # exactly 120
    ],
)
def test_show_json(value: object, shown: object) -> None:
    """Strings as they are, numbers as numbers, the rest compact JSON; past 120 characters cut with an ellipsis."""
    assert show_json(value) == shown


def test_show_json_limit() -> None:
    """The limit is the caller's: a string or a JSON text longer than it is cut to it."""
    assert show_json("abcdef", limit=3) == "abc…"
    assert show_json("abc", limit=3) == "abc"
    assert show_json({"k": 1}, limit=4) == '{"k"…'
    assert show_json([1], limit=3) == "[1]"


def test_missing_reads_as_missing() -> None:
    """The placeholder for a side that has no value shows as MISSING in a difference's repr, not as an object address."""
    assert repr(MISSING) == "MISSING"
    assert repr(list(json_differences({"a": 1}, {}))) == "[(('a',), 1, MISSING)]"
