"""wsdiff.messages: edits of a JSON message that keep every other byte, and where a fingerprint sits."""

from __future__ import annotations

import re

import pytest

from wsdiff.messages import JsonPath, paths_holding, set_member, transplant_member


@pytest.mark.parametrize(
    ("text", "path", "out"),
    [
        ('{"a": 1, "b": 2, "c": 3}', ("b",), '{"a": 1, "c": 3}'),
        ('{"a": 1, "b": 2, "c": 3}', ("a",), '{"b": 2, "c": 3}'),
        ('{"a": 1, "b": 2, "c": 3}', ("c",), '{"a": 1, "b": 2}'),
        ('{ "only" : 1 }', ("only",), "{  }"),
        ("[1, 2, 3]", (1,), "[1, 3]"),
        ("[1, 2, 3]", (0,), "[2, 3]"),
        ("[1, 2, 3]", (2,), "[1, 2]"),
        ("[7]", (0,), "[]"),
        ('{"p": {"k": [1, {"x": 0}]}}', ("p", "k", 1, "x"), '{"p": {"k": [1, {}]}}'),
        ('40{"token":"t","v":2}', ("token",), '40{"v":2}'),
        ('{"a": 1}', ("zz",), '{"a": 1}'),
        ('{"a": 1}', ("zz", "y"), '{"a": 1}'),
        ("[1]", (3,), "[1]"),
    ],
)
def test_set_member_removes_a_member_and_one_separator(text: str, path: JsonPath, out: str) -> None:
    """Removing takes the separator before it (after it, for the first); a missing member leaves the text as it is."""
    assert set_member(text, path, None) == out


@pytest.mark.parametrize(
    ("text", "path", "raw", "out"),
    [
        ('{"a" :  1, "b": 2}', ("a",), "[true]", '{"a" :  [true], "b": 2}'),
        ("[1, 2]", (1,), '"two"', '[1, "two"]'),
        ('{"a": 1}', ("b",), "2", '{"a": 1, "b": 2}'),
        ('{"a":1}', ("b",), "2", '{"a":1,"b":2}'),
        ("{}", ("b",), "2", '{"b": 2}'),
        ('{"a":1 ,  "b":2}', ("c",), "3", '{"a":1 ,  "b":2 ,  "c":3}'),
        ("[1, 2]", (2,), "3", "[1, 2, 3]"),
        ("[1,2]", (2,), "3", "[1,2,3]"),
        ("[]", (0,), '"x"', '["x"]'),
        ('{"a":1}', ("l", 0), "5", '{"a":1,"l":[5]}'),
        ("{}", ("a", "b", "c"), "1", '{"a": {"b": {"c": 1}}}'),
        ('{"a":1}', ("é",), "2", '{"a":1,"é":2}'),
        ('{"a":1}', ('q"',), "2", '{"a":1,"q\\"":2}'),
        ('42/chat,7["auth",{"a":1}]', (1, "b"), "2", '42/chat,7["auth",{"a":1,"b":2}]'),
    ],
)
def test_set_member_sets_or_adds_a_value_as_the_message_writes_its_others(text: str, path: JsonPath, raw: str,
                                                                          out: str) -> None:
    """A value is replaced in place; a new member goes last, spaced and separated as the message's own members."""
    assert set_member(text, path, raw) == out


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        ('{"a": 1}', (), "the path names the whole message"),
        ('{"a": 1}', (0,), "the message is not an array"),
        ("[1]", ("a",), "the message is not an object"),
        ('{"a": [1]}', ("a", "k"), "a is not an object"),
        ('{"a": {"b": 1}}', ("a", 0), "a is not an array"),
        ('{"a": "s"}', ("a", "b", "c"), "a is not an object"),
        ("[1]", (2,), "[2]: index out of range"),
        ('{"l": []}', ("l", 1), "l[1]: index out of range"),
        ("not json", ("a",), "Expecting value: line 1 column 1 (char 0)"),
    ],
)
def test_set_member_refuses_what_cannot_be(text: str, path: JsonPath, message: str) -> None:
    """A path through a scalar, an index past the end or a text that is not JSON is one error naming the place."""
    with pytest.raises(ValueError) as e:
        set_member(text, path, "1")
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("target", "source", "path", "out"),
    [
        pytest.param('{"a": 1}', '{"a":[1, 2]}', ("a",), '{"a": [1, 2]}', id="replaced-with-the-source-bytes"),
        pytest.param('{"a": 1, "b": 2}', '{"b": 2}', ("a",), '{"b": 2}', id="removed-when-the-source-lacks-it"),
        pytest.param('{"x":1}', '{"p":{"k":1}}', ("p", "k"), '{"x":1,"p":{"k":1}}', id="its-object-created"),
        pytest.param('{"c":3,"a":1}', '{"a":1,"b":2,"c":3}', ("b",), '{"c":3,"a":1,"b":2}',
                     id="after-the-member-before-it-in-the-source"),
        pytest.param('{"b":2}', '{"a": 1, "b": 2}', ("a",), '{"a": 1, "b":2}',
                     id="first-with-the-source-separator"),
        pytest.param('{"b":2}', '{"a": 1}', ("a",), '{"a": 1, "b":2}', id="first-with-the-default-separator"),
        pytest.param('{"b": 2,"c": 3}', '{"a":1,"b":2}', ("a",), '{"a":1,"b": 2,"c": 3}',
                     id="first-with-the-target-separator"),
        pytest.param('{"p": {"m": 2}}', '{"p": {"k": 1,"m": 2}, "q": 0}', ("p", "k"), '{"p": {"k": 1,"m": 2}}',
                     id="nested-with-its-container-separator"),
        pytest.param("[1]", "[1,2]", (1,), "[1,2]", id="an-element-past-the-end"),
        pytest.param("[1, 2]", "[1, 2,\n 3]", (2,), "[1, 2, 3]", id="an-element-with-the-target-separator"),
        pytest.param("{}", '{"s" : "\\u0041"}', ("s",), '{"s" : "\\u0041"}', id="into-an-empty-object"),
        pytest.param('40{"v":2}', '40{"token":"t","v":2}', ("token",), '40{"token":"t","v":2}', id="socketio"),
    ],
)
def test_transplant_member(target: str, source: str, path: JsonPath, out: str) -> None:
    """A member moves as the source wrote it, to where the source has it; the target's other bytes stay."""
    assert transplant_member(target, source, path) == out


@pytest.mark.parametrize(
    ("target", "source", "path", "message"),
    [
        ('{"a":1}', "[5]", (0,), "the message is not an array"),
        ("[1]", '{"a":1}', ("a",), "the message is not an object"),
        ('{"p":1}', '{"p":{"k":1}}', ("p", "k"), "p is not an object"),
        ('{"p":[]}', '{"p":{"k":1}}', ("p", "k"), "p is not an object"),
        ('{"p":{"x":1}}', '{"p":[0,7]}', ("p", 1), "p is not an array"),
    ],
)
def test_transplant_member_refuses_another_kind_of_container(target: str, source: str, path: JsonPath,
                                                             message: str) -> None:
    """Where the target holds a scalar, or an object for an array, the member is refused, never written into it."""
    with pytest.raises(ValueError) as e:
        transplant_member(target, source, path)
    assert str(e.value) == message


def test_transplant_member_needs_json_on_both_sides() -> None:
    """Either side not JSON is the parser's error."""
    for target, source in (("nope", '{"a":1}'), ('{"a":1}', "nope")):
        with pytest.raises(ValueError, match="^Expecting value"):
            transplant_member(target, source, ("a",))


TOKEN = re.compile(r"[a-z0-9]+")


@pytest.mark.parametrize(
    ("text", "wanted", "found"),
    [
        pytest.param('{"a":"x","b":"fp1"}', {"fp1"}, [(("b",), "fp1")], id="matches-not-wanted-are-skipped"),
        pytest.param('{"a":"fp1","b":{"c":"zz"}}', {"fp1"}, [(("a",), "fp1")], id="only-the-values-around-it"),
        pytest.param('{"p":{"q":["x fp1 y"]}}', {"fp1"}, [(("p", "q", 0), "fp1")], id="the-innermost"),
        pytest.param('{"k":1234567}', {"1234567"}, [(("k",), "1234567")], id="exactly-a-whole-number"),
        pytest.param('{"k":"fp1","m":"fp1"}', {"fp1"}, [(("k",), "fp1"), (("m",), "fp1")], id="each-match"),
        pytest.param('{"fp1":1}', {"fp1"}, [((), "fp1")], id="in-a-key"),
        pytest.param("bearer fp1", {"fp1"}, [((), "fp1")], id="not-json"),
        pytest.param('40{"token":"fp1"}', {"fp1"}, [(("token",), "fp1")], id="socketio"),
        pytest.param('{"a":"x"}', {"fp1"}, [], id="none-wanted"),
    ],
)
def test_paths_holding(text: str, wanted: set[str], found: list[tuple[JsonPath, str]]) -> None:
    """Each wanted match with the innermost JSON value around it; () when no value holds it."""
    assert paths_holding(text, TOKEN, wanted) == found
