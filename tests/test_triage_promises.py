"""What docs/triage.md promises, stated exactly: features, findings' words, test commands, JSON, redaction (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from wsdiff.model import Capture, Endpoint, Failure, Session, with_header, without_header
from wsdiff.triage import Condition, GroupReport, Tally, extract_features, observe, triage

from helpers import BASE_HEADERS, capture

RUN_KEY = b"k" * 32
JWT_1 = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnopqrstuv"
JWT_2 = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.abcdefghijklmnopqrstuv"


def attempt(rejected: bool, *, headers: dict[str, str] | None = None, drop: tuple[str, ...] = (),
            target: str = "/ws", **changes: object) -> Capture:
    """A handshake to wss://tts.example with these headers set, these dropped, and this outcome."""
    h = BASE_HEADERS
    for name in drop:
        h = without_header(h, name)
    for name, value in (headers or {}).items():
        h = with_header(h, name, value)
    return capture(target=target, headers=h, status=403 if rejected else 101, **changes)


def run(attempts: list[Capture], **kw: Any) -> Any:
    return triage(((f"c{i:02d}.json", c) for i, c in enumerate(attempts)), key=RUN_KEY, **kw)


def group(attempts: list[Capture], **kw: Any) -> GroupReport:
    [g] = run(attempts, **kw).groups
    return g


def sides(bad: dict[str, Any], good: dict[str, Any], rejected: int = 10, accepted: int = 20) -> list[Capture]:
    """*rejected* attempts that differ from *accepted* ones in one thing only."""
    return [attempt(True, **bad) for _ in range(rejected)] + [attempt(False, **good) for _ in range(accepted)]


def findings(g: GroupReport) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.condition, f.counts, f.test) for f in g.findings]


# --- features ----------------------------------------------------------------------


def test_features_of_a_crowded_request() -> None:
    """Every feature of a request with repeated, odd and noisy fields: values joined, noise left out, classes kept."""
    headers = (
        ("Host", "tts.example"), ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "x"),
        ("Sec-WebSocket-Version", "13"),
        ("Cookie", "sid=redacted:00000000000000c1; flag"), ("cookie", "tok=YWJj=="), ("Cookie", "sid=two; =lonely"),
        ("Sec-WebSocket-Protocol", "tts.v1, , tts.v2,tts.v1"),
        ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits, x-webkit-deflate-frame, "
                                     "permessage-deflate"),
        ("Authorization", "Bearer redacted:00000000000000aa"),
        ("Proxy-Authorization", "Basic\tredacted:00000000000000ab"),  # no space: the whole value is the scheme
        ("X-Mode", "a"), ("x-mode", "b"),
        ("Origin", "HTTP://App.Example:8080"), ("User-Agent", "Mozilla/5.0 Firefox/125.0"),
        ("X-Trace-Id", "t"), ("Date", "d"), ("X-Nonce-Value", "n"),
    )
    c = capture(target="/rooms/42/ws?voice=alloy&flag&voice=echo&empty=&t=5&_dc=1&n=3.5", headers=headers,
                client="[2001:db8::1]:5555")
    assert sorted(extract_features(c), key=repr) == sorted([
        (("endpoint", "scheme", "value"), "wss"),
        (("endpoint", "host", "value"), "tts.example:443"),
        (("method", None, "value"), "GET"),
        (("http-version", None, "value"), "HTTP/1.1"),
        (("path", None, "value"), "/rooms/42/ws"),
        (("path", None, "shape"), "/rooms/{id}/ws"),
        (("query-param", "voice", "value"), "alloy, echo"),
        (("query-param", "voice", "class"), "text"),
        (("query-param", "flag", "value"), ""),
        (("query-param", "flag", "class"), "empty"),
        (("query-param", "empty", "value"), ""),
        (("query-param", "empty", "class"), "empty"),
        (("query-param", "n", "value"), "3.5"),
        (("query-param", "n", "class"), "number"),
        (("header", "host", "value"), "tts.example"),
        (("header", "upgrade", "value"), "websocket"),
        (("header", "connection", "value"), "Upgrade"),
        (("header", "sec-websocket-version", "value"), "13"),
        (("cookie", "sid", "value"), "redacted:00000000000000c1, two"),
        (("cookie", "flag", "value"), ""),
        (("cookie", "tok", "value"), "YWJj=="),
        (("cookie", "", "value"), "lonely"),
        (("subprotocol", "tts.v1", "value"), "offered"),
        (("subprotocol", "tts.v2", "value"), "offered"),
        (("extension", "permessage-deflate", "value"), "permessage-deflate; client_max_window_bits, permessage-deflate"),
        (("extension", "x-webkit-deflate-frame", "value"), "x-webkit-deflate-frame"),
        (("header", "authorization", "value"), "Bearer redacted:00000000000000aa"),
        (("header", "authorization", "scheme"), "Bearer"),
        (("header", "proxy-authorization", "value"), "Basic\tredacted:00000000000000ab"),
        (("header", "proxy-authorization", "scheme"), "Basic\tredacted:00000000000000ab"),
        (("header", "x-mode", "value"), "a, b"),
        (("header", "origin", "value"), "HTTP://App.Example:8080"),
        (("header", "origin", "site"), "http://app.example"),
        (("header", "origin", "scheme"), "http"),
        (("header", "user-agent", "value"), "Mozilla/5.0 Firefox/125.0"),
        (("header", "user-agent", "product-major"), "Firefox/125"),
        (("header", "user-agent", "product"), "Firefox"),
        (("header", "origin", "relation"), "cross-origin"),
        (("header", "host", "relation"), "the endpoint"),
        (("client", None, "network"), "2001:db8::/64"),
    ], key=repr)


def test_features_of_a_minimal_plain_request() -> None:
    """A plain ws:// request on a port of its own, same-origin, from IPv4: in order, nothing more."""
    c = Capture(Endpoint("ws", "127.0.0.1", 8000),
                capture(headers=(("Host", "127.0.0.1:8000"), ("Origin", "http://127.0.0.1:8000"),
                                 ("Authorization", "Negotiate"))).request.replace(target="/"),
                client="10.1.2.3:5555")
    assert extract_features(c) == [
        (("endpoint", "scheme", "value"), "ws"),
        (("endpoint", "host", "value"), "127.0.0.1:8000"),
        (("method", None, "value"), "GET"),
        (("http-version", None, "value"), "HTTP/1.1"),
        (("path", None, "value"), "/"),
        (("path", None, "shape"), "/"),
        (("header", "host", "value"), "127.0.0.1:8000"),
        (("header", "origin", "value"), "http://127.0.0.1:8000"),
        (("header", "origin", "site"), "http://127.0.0.1"),
        (("header", "origin", "scheme"), "http"),
        (("header", "authorization", "value"), "Negotiate"),
        (("header", "authorization", "scheme"), "Negotiate"),
        (("header", "origin", "relation"), "same-origin"),
        (("header", "host", "relation"), "the endpoint"),
        (("client", None, "network"), "10.1.2.0/24"),
    ]


# --- the search: a rule for the rejections ----------------------------------------------


def test_the_rule_names_the_rejected_side_with_its_exceptions() -> None:
    """One rejection and one acceptance against the rule: the finding is the rejecting value, never its opposite.

    The bits of exceptions are symmetric (C(n, k) = C(n, n - k)), so "Origin is the allowed one" once cost
    exactly as little as "Origin is the foreign one"; the rule must match the rejections.
    """
    attempts = []
    for i in range(24):
        evil = i % 3 == 0
        attempts.append(attempt(evil, headers={"Origin": "https://evil.example" if evil else "https://app.example",
                                               "X-Client-Mode": ["a", "b"][i % 2]}))
    attempts.append(attempt(True, headers={"Origin": "https://app.example", "X-Client-Mode": "a"}))
    attempts.append(attempt(False, headers={"Origin": "https://evil.example", "X-Client-Mode": "b"}))
    attempts.append(attempt(True).replace(response=None, error=Failure("refused")))
    assert run(attempts).to_json() == {"by": "endpoint", "explained": False, "groups": [{
        "endpoint": "wss://tts.example/ws", "attempts": 27, "accepted": 17, "rejected": 9, "unanswered": 1,
        "explained": False,
        "findings": [{
            "kind": "header", "name": "Origin", "condition": "Origin is https://evil.example",
            "rejected_matched": 8, "accepted_matched": 1, "explained_alone": 8,
            "parts": [{"kind": "header", "name": "Origin", "facet": "value",
                       "condition": "Origin is https://evil.example", "values": ["https://evil.example"],
                       "negated": False}],
            "indistinguishable": [],
            "test": "wsdiff replay c00.json --variant set-origin=https://app.example",
            "test_argv": ["wsdiff", "replay", "c00.json", "--variant", "set-origin=https://app.example"],
            "facet": "value", "values": ["https://evil.example"], "negated": False,
        }],
        "unexplained": [{"source": "c24.json", "attempts": 1, "test": "wsdiff bisect c02.json c24.json",
                         "test_argv": ["wsdiff", "bisect", "c02.json", "c24.json"]}],
        "unexplained_attempts": 1,
        "exceptions": [{"source": "c25.json", "attempts": 1, "test": "", "test_argv": []}],
        "exception_attempts": 1,
        "note": "", "untracked": [],
    }]}


# --- test commands --------------------------------------------------------------------


@pytest.mark.parametrize(("bad", "good", "by", "condition", "test"), [
    ({"headers": {"Origin": "https://evil.example"}}, {}, "endpoint",
     "Origin is present", ("replay", "c00.json", "--variant", "drop-origin")),
    ({"headers": {"Origin": "https://evil.example"}}, {"headers": {"Origin": "https://app.example"}}, "endpoint",
     "Origin is https://evil.example", ("replay", "c00.json", "--variant", "set-origin=https://app.example")),
    ({}, {"drop": ("User-Agent",)}, "endpoint",
     "User-Agent is present", ("replay", "c00.json", "--variant", "drop-user-agent")),
    ({"headers": {"X-Debug": "1"}}, {}, "endpoint",
     "X-Debug is present", ("replay", "c00.json", "--variant", "drop-header=X-Debug")),
    ({"headers": {"X-Mode": "legacy"}}, {"headers": {"X-Mode": "modern"}}, "endpoint",
     "X-Mode is legacy", ("replay", "c00.json", "--variant", "set-header=X-Mode:modern")),
    ({"headers": {"Host": "internal:8080"}}, {}, "endpoint",
     "Host is internal:8080", ("replay", "c00.json", "--variant", "host=tts.example")),
    ({}, {"headers": {"Host": ""}}, "endpoint",  # no variant sets an empty Host
     "Host is tts.example", ("bisect", "c10.json", "c00.json")),
    ({"target": "/rooms/1"}, {"target": "/rooms/2"}, "host",
     "path is /rooms/1", ("replay", "c00.json", "--variant", "path=/rooms/2")),
    ({"target": "/ws?debug=1"}, {"target": "/ws"}, "endpoint",
     "query parameter debug is present", ("replay", "c00.json", "--variant", "drop-query-param=debug")),
    ({"target": "/ws?fmt=pcm"}, {"target": "/ws?fmt=opus"}, "endpoint",  # no variant sets a parameter's value
     "query parameter fmt is pcm", ("bisect", "c10.json", "c00.json")),
    ({"target": "/ws?cursor=YWJj=="}, {"target": "/ws?cursor=ZGVm=="}, "endpoint",
     "query parameter cursor is YWJj==", ("bisect", "c10.json", "c00.json")),
    ({}, {"headers": {"Sec-WebSocket-Protocol": "tts.v2"}}, "endpoint",
     "subprotocol tts.v2 is not offered", ("bisect", "c10.json", "c00.json")),
    ({"headers": {"Authorization": "Basic redacted:00000000000000aa"}},
     {"headers": {"Authorization": "Bearer redacted:00000000000000aa"}}, "endpoint",
     "Authorization is Basic redacted:00000000000000aa",
     ("replay", "c00.json", "--variant", "set-header=Authorization:Bearer redacted:00000000000000aa")),
])
def test_the_command_that_tests_a_finding(bad: dict[str, Any], good: dict[str, Any], by: str, condition: str,
                                          test: tuple[str, ...]) -> None:
    """A value with a replay variant is tested by replaying a rejected attempt moved to the accepted side; else bisect."""
    assert findings(group(sides(bad, good), by=by)) == [
        (condition, "10 of 10 rejected, 0 of 20 accepted", ("wsdiff", *test))]


def test_a_header_counted_without_spellings_is_named_in_lower_case() -> None:
    """Features counted directly (no spellings given) name the header as counted, in the condition and the variant."""
    tally = Tally(key=RUN_KEY)
    for i in range(30):
        features = [(("header", "x-debug", "value"), "1")] if i < 10 else []
        tally.add_features(f"a{i}", features + [(("method", None, "value"), "GET")], i < 10)
    [g] = tally.result().groups
    assert findings(g) == [("x-debug is present", "10 of 10 rejected, 0 of 20 accepted",
                            ("wsdiff", "replay", "a0", "--variant", "drop-header=x-debug"))]


# --- redaction ---------------------------------------------------------------------------


@pytest.mark.parametrize(("bad", "good", "by", "start"), [
    ({"headers": {"X-Api-Key": "hunter2-old"}}, {"headers": {"X-Api-Key": "hunter2-new"}}, "endpoint",
     "X-Api-Key is the secret redacted:"),
    ({"headers": {"Cookie": "sid=hunter2-old"}}, {"headers": {"Cookie": "sid=hunter2-new"}}, "endpoint",
     "cookie sid is the secret redacted:"),
    ({"target": "/ws?token=hunter2-old"}, {"target": "/ws?token=hunter2-new"}, "endpoint",
     "query parameter token is the secret redacted:"),
    ({"target": f"/ws/{JWT_1}"}, {"target": f"/ws/{JWT_2}"}, "host", "path is /ws/redacted:"),
    ({"headers": {"Authorization": "Bearer hunter2-old"}}, {"headers": {"Authorization": "Bearer hunter2-new"}},
     "endpoint", "Authorization is Bearer redacted:"),
    ({"headers": {"Sec-WebSocket-Protocol": f"tts.v1, {JWT_1}"}}, {"headers": {"Sec-WebSocket-Protocol": "tts.v1"}},
     "endpoint", "subprotocol redacted:"),
])
def test_a_capture_that_lies_about_redaction_shows_what_an_honest_one_shows(
        bad: dict[str, Any], good: dict[str, Any], by: str, start: str) -> None:
    """Secrets in clear in 'redacted' captures are shown by the fingerprints an unredacted capture gets: never in clear."""
    lying = group(sides({**bad, "redacted": True}, {**good, "redacted": True}), by=by)
    honest = group(sides({**bad, "redacted": False}, {**good, "redacted": False}), by=by)
    assert findings(lying) == findings(honest)
    [(condition, counts, test)] = findings(honest)
    assert condition.startswith(start) and counts == "10 of 10 rejected, 0 of 20 accepted"
    shown = condition + " ".join(test)
    assert "hunter2" not in shown and JWT_1 not in shown and JWT_2 not in shown


def test_observe_fingerprints_an_unredacted_request_with_the_given_key() -> None:
    """observe: group, outcome by the oracle asked for, features with the secret as the key's fingerprint, spellings."""
    c = attempt(False, headers={"X-Api-Key": "hunter2"}, redacted=False,
                websocket=Session(state="closed", close_code=4003, closed_by="server"))
    group_, accepted, features, spellings = observe(c, key=RUN_KEY)
    again = observe(c, key=RUN_KEY)
    other = observe(c, key=b"o" * 32)
    assert (group_, accepted) == ("wss://tts.example/ws", False)
    assert observe(c, oracle="status", key=RUN_KEY)[1] is True
    assert observe(c, by="host", key=RUN_KEY)[0] == "wss://tts.example"
    assert observe(c.replace(request=c.request.replace(target="/rooms/7/ws?x=1")), by="path")[0] == "/rooms/{id}/ws"
    key_value = dict(features)[("header", "x-api-key", "value")]
    assert key_value.startswith("redacted:") and key_value == dict(again[2])[("header", "x-api-key", "value")]
    assert key_value != dict(other[2])[("header", "x-api-key", "value")]
    assert spellings == ("Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                         "Sec-WebSocket-Extensions", "User-Agent", "X-Api-Key")
    # A capture that says it is redacted is counted as it is.
    assert dict(observe(c.replace(redacted=True), key=RUN_KEY)[2])[("header", "x-api-key", "value")] == "hunter2"
    assert observe(c.replace(response=None), key=RUN_KEY) == ("wss://tts.example/ws", None, [], ())


# --- the words of a condition ----------------------------------------------------------

SECRET = "redacted:00000000000000aa"


@pytest.mark.parametrize(("condition", "text"), [
    (Condition("header", "X-Mode", "value", ("a" * 80,)), "X-Mode is " + "a" * 80),
    (Condition("header", "X-Mode", "value", ("a" * 81,)), "X-Mode is " + "a" * 77 + "..."),
    (Condition("header", "X-" + "n" * 60, "value", ("",)), "X-" + "n" * 55 + '... is ""'),
    (Condition("header", "X-" + "n" * 58, "value", (None,)), "X-" + "n" * 58 + " is absent"),
    (Condition("header", "X-Mode", "value", (None,), True), "X-Mode is present"),
    (Condition("header", "X-Mode", "value", (None, "a"), True), "X-Mode is present and not a"),
    (Condition("header", "X-Mode", "value", ("a", "b"), True, absent_seen=False), "X-Mode is not one of a, b"),
    (Condition("header", "X-Mode", "value", ("a", "b"), True), "X-Mode is absent or not one of a, b"),
    (Condition("header", "X-Mode", "value", (None, "a", "b")), "X-Mode is one of a, b or absent"),
    (Condition("header", "X-Api-Key", "value", (SECRET,)), f"X-Api-Key is the secret {SECRET}"),
    (Condition("header", "X-Mode", "value", (SECRET,)), f"X-Mode is {SECRET}"),  # not a credential's place
    (Condition("cookie", "sid", "value", (SECRET, "x")), f"cookie sid is one of the secret {SECRET}, x"),
    (Condition("query-param", "token", "value", (SECRET,)), f"query parameter token is the secret {SECRET}"),
    (Condition("query-param", "fmt", "class", ("integer",)), "query parameter fmt's kind of value is integer"),
    (Condition("subprotocol", "tts.v1", "value", ("offered",), True), "subprotocol tts.v1 is not offered"),
    (Condition("subprotocol", "tts.v1", "value", (None,), True), "subprotocol tts.v1 is offered"),
    (Condition("subprotocol", "tts.v1", "value", (None,)), "subprotocol tts.v1 is not offered"),
    (Condition("subprotocol", SECRET, "value", ("offered",)), f"subprotocol {SECRET} is offered"),
    (Condition("extension", "permessage-deflate", "value", (None,)), "extension permessage-deflate is absent"),
    (Condition("path", None, "shape", ("/v1/{id}",)), "path shape is /v1/{id}"),
    (Condition("http-version", None, "value", ("HTTP/1.0",)), "HTTP version is HTTP/1.0"),
    (Condition("method", None, "value", ("POST",)), "method is POST"),
    (Condition("client", None, "network", ("10.0.0.0/24",)), "client address's network is 10.0.0.0/24"),
    (Condition("endpoint", "host", "value", ("a:1",)), "endpoint host is a:1"),
    (Condition("header", "Origin", "relation", ("cross-origin",)), "Origin relative to Host is cross-origin"),
    (Condition("header", "Host", "relation", ("not the endpoint",)), "Host is not the endpoint"),
    (Condition("header", "User-Agent", "product-major", ("Chrome/100",)),
     "User-Agent's product and major version is Chrome/100"),
    (Condition("header", "User-Agent", "product", ("Chrome",)), "User-Agent's product is Chrome"),
    (Condition("header", "Origin", "site", ("null",)), "Origin's scheme and host is null"),
    (Condition("header", "Authorization", "scheme", ("Basic",)), "Authorization's scheme is Basic"),
    (Condition("other", "n", "value", ("v",)), "other n is v"),
    (Condition("other", None, "weird", ("v",)), "other is v"),
])
def test_condition_text(condition: Condition, text: str) -> None:
    """How each kind of condition is said: absent and present, lists, secrets, cut values, facets."""
    assert condition.text == text
    assert condition.to_json() == {"kind": condition.kind, "name": condition.name, "facet": condition.facet,
                                   "condition": text, "values": list(condition.values),
                                   "negated": condition.negated}


def test_a_conjunction_in_json() -> None:
    """A two-part finding: kind all-of, both parts, the part a feature can stand in for, and a bisect of a pair."""
    attempts = []
    for i in range(48):
        legacy, pcm, lang = i % 2 == 0, i % 3 == 0, ["en", "de"][i // 6 % 2]
        attempts.append(attempt(legacy and pcm, headers={"X-Client-Mode": "legacy" if legacy else "modern",
                                                         "X-Codec-Table": "v1" if legacy else "v2",
                                                         "Accept-Language": lang},
                                target=f"/ws?fmt={'pcm' if pcm else 'opus'}"))
    fmt = {"kind": "query-param", "name": "fmt", "facet": "value", "condition": "query parameter fmt is pcm",
           "values": ["pcm"], "negated": False}
    mode = {"kind": "header", "name": "X-Client-Mode", "facet": "value", "condition": "X-Client-Mode is legacy",
            "values": ["legacy"], "negated": False}
    table = {"kind": "header", "name": "X-Codec-Table", "facet": "value", "condition": "X-Codec-Table is v1",
             "values": ["v1"], "negated": False, "part": 1}
    assert run(attempts).to_json() == {"by": "endpoint", "explained": True, "groups": [{
        "endpoint": "wss://tts.example/ws", "attempts": 48, "accepted": 40, "rejected": 8, "unanswered": 0,
        "explained": True,
        "findings": [{
            "kind": "all-of", "name": None, "condition": "query parameter fmt is pcm and X-Client-Mode is legacy",
            "rejected_matched": 8, "accepted_matched": 0, "explained_alone": 8, "parts": [fmt, mode],
            "indistinguishable": [table],
            "test": "wsdiff bisect c01.json c00.json", "test_argv": ["wsdiff", "bisect", "c01.json", "c00.json"],
        }],
        "unexplained": [], "unexplained_attempts": 0, "exceptions": [], "exception_attempts": 0,
        "note": "", "untracked": [],
    }]}


# --- counting in bounded memory ----------------------------------------------------------


def test_profiles_past_the_bound_merge_with_their_counts_and_examples() -> None:
    """Past 7 profiles the least informative attributes go (never a constant one) until 3 are left; counts add up.

    X-B and X-C say nothing about the outcome and go; X-First (one rejected attempt) tells more and stays, since
    dropping the two leaves exactly half the bound (7 // 2). Later attempts are counted without what was dropped.
    """
    tally = Tally(profile_cap=7, key=RUN_KEY)
    for i in range(48):
        bad, b, c = i % 2 == 0, i // 2 % 2, i // 4 % 3
        features = [(("header", "x-b", "value"), str(b)), (("header", "x-c", "value"), str(c)),
                    (("method", None, "value"), "GET")]
        if bad:
            features.append((("header", "x-api-key", "value"), "k"))
        if i == 0:
            features.append((("header", "x-first", "value"), "1"))
        tally.add_observation(("r" if bad else "a") + str(i), "", not bad, features, ("X-B", "X-C", "X-Api-Key"))
    g = tally.groups[""]
    assert sorted((tuple(g.atom_value[x] for x in k), tuple(p)) for k, p in g.profiles.items()) == [
        (("GET",), (0, 24, None, "a1")), (("GET", "k"), (23, 0, "r2", None)), (("GET", "k", "1"), (1, 0, "r0", None))]
    [report] = tally.result().groups
    assert (report.untracked, report.rejected, report.accepted) == (("header X-B", "header X-C"), 24, 24)
    assert findings(report) == [("X-Api-Key is present", "24 of 24 rejected, 0 of 24 accepted",
                                 ("wsdiff", "replay", "r2", "--variant", "drop-header=X-Api-Key"))]


def test_an_untracked_facet_is_labelled_with_its_facet() -> None:
    """The report names a dropped attribute by kind, spelled name and facet (the value facet unsaid)."""
    tally = Tally(profile_cap=7, key=RUN_KEY)
    for i in range(48):
        bad, b, c = i % 2 == 0, i // 2 % 2, i // 4 % 3
        features = [(("query-param", "n", "class"), ["integer", "text"][b]), (("header", "x-c", "value"), str(c))]
        if bad:
            features.append((("header", "x-api-key", "value"), "k"))
        tally.add_observation(f"s{i}", "", not bad, features, ("X-C",))
    [report] = tally.result().groups
    assert report.untracked == ("header X-C", "query-param n (class)")


# --- the description length (docs/triage.md, "The search") ----------------------------------


@pytest.mark.parametrize(("n", "k", "bits"), [
    (0, 0, 0.0), (-1, 0, 0.0), (1, 0, 1.0), (1, 1, 1.0), (3, 0, 2.0), (3, 1, 2.0 + 1.584962500721156),
    (7, 7, 3.0), (15, 2, 4.0 + 6.714245517666122),
])
def test_bits_of_exceptions(n: int, k: int, bits: float) -> None:
    """bits(n, k) = log2(n + 1) + log2 C(n, k): which k of n attempts are exceptions."""
    from wsdiff.triage import _bits

    assert _bits(n, k) == pytest.approx(bits, abs=1e-9)


@pytest.mark.parametrize(("r", "a", "entropy"), [
    (0, 0, 0.0), (0, 5, 0.0), (5, 0, 0.0), (1, 1, 1.0), (1, 3, 0.8112781244591328), (3, 1, 0.8112781244591328),
    (2, 6, 0.8112781244591328), (1, 7, 0.5435644431995964),
])
def test_entropy_of_an_outcome(r: int, a: int, entropy: float) -> None:
    """The entropy of r rejected and a accepted attempts, in bits (the information gain that bounds memory)."""
    from wsdiff.triage import _entropy

    assert _entropy(r, a) == pytest.approx(entropy, abs=1e-12)


@pytest.mark.parametrize(("counts", "id_like"), [
    ([1] * 5, True),  # five attempts, five values
    ([1] * 4, False),  # too few to tell
    ([1] * 9 + [1], True),
    ([1] * 9 + [2], False),  # 9 of 11 attempts have a value of their own: 82 %
    ([1] * 18 + [2], True),  # 18 of 20: exactly 90 %
    ([1] * 17 + [3], False),
    ([2] * 5, False),
    ([1] * 4 + [None], False),  # absence is not a value
])
def test_an_attribute_is_an_id_when_nearly_every_value_occurs_once(counts: list[int | None], id_like: bool) -> None:
    """90 % of at least five attempts with a value of their own: an id, whose presence alone may count."""
    from wsdiff.triage import _OTHER, _mostly_unique

    values = [(None, 3) if n is None else (f"v{i}", n) for i, n in enumerate(counts)]
    assert _mostly_unique(values) is id_like
    assert _mostly_unique(values + [(_OTHER, 50), (None, 50)]) is id_like  # past the cap, or absent: not judged


def _few(rejected: int, accepted: int, noise: bool) -> list[Capture]:
    def extra(i: int) -> dict[str, str]:
        return {"X-Lang": ["en", "de", "fr"][i % 3], "X-Tier": ["a", "b"][i % 2]} if noise else {}
    return ([attempt(True, headers={"Origin": "https://evil.example", **extra(i)}) for i in range(rejected)]
            + [attempt(False, headers={"Origin": "https://app.example", **extra(i)}) for i in range(accepted)])


@pytest.mark.parametrize(("rejected", "accepted", "noise", "reported"), [
    (1, 6, False, False), (1, 7, False, True),
    (2, 2, False, False), (2, 3, False, True),
    (3, 1, False, False), (3, 2, False, True),
    (1, 14, True, False),
    (2, 7, True, False), (2, 8, True, True),
    (3, 4, True, False), (3, 5, True, True),
    (4, 3, True, False), (4, 4, True, True),
])
def test_a_rule_must_pay_for_itself(rejected: int, accepted: int, noise: bool, reported: bool) -> None:
    """A perfect Origin rule is reported only once it saves more bits than naming it among the candidates costs."""
    g = group(_few(rejected, accepted, noise))
    if reported:
        assert findings(g) == [("Origin is https://evil.example",
                                f"{rejected} of {rejected} rejected, 0 of {accepted} accepted",
                                ("wsdiff", "replay", "c00.json", "--variant", "set-origin=https://app.example"))]
        assert g.unexplained == ()
    else:
        assert g.findings == () and g.unexplained_attempts == rejected
        assert g.note == "no condition separates the rejected attempts from the accepted ones"


# --- groups with nothing to compare ------------------------------------------------------


def _empty_group(endpoint: str, attempts: int, accepted: int, rejected: int, unanswered: int,
                 note: str, unexplained: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"endpoint": endpoint, "attempts": attempts, "accepted": accepted, "rejected": rejected,
            "unanswered": unanswered, "explained": not unexplained, "findings": [],
            "unexplained": [{"source": s, "attempts": 1, "test": "", "test_argv": []} for s in unexplained],
            "unexplained_attempts": len(unexplained), "exceptions": [], "exception_attempts": 0, "note": note,
            "untracked": []}


@pytest.mark.parametrize(("attempts", "groups"), [
    ([attempt(False), attempt(False, target="/ws?x=1")],
     [_empty_group("wss://tts.example/ws", 2, 2, 0, 0, "no rejected attempt")]),
    ([attempt(True).replace(response=None)],
     [_empty_group("wss://tts.example/ws", 1, 0, 0, 1, "no answered attempt")]),
    ([attempt(True), attempt(True, target="/ws?x=1"), attempt(False, target="/v2"), attempt(True).replace(response=None)],
     [_empty_group("wss://tts.example/v2", 1, 1, 0, 0, "no rejected attempt"),
      _empty_group("wss://tts.example/ws", 3, 0, 2, 1, "no accepted attempt to compare the rejections with",
                   ("c00.json", "c01.json"))]),
])
def test_groups_without_both_outcomes(attempts: list[Capture], groups: list[dict[str, Any]]) -> None:
    """A group needs rejected and accepted attempts to be explained; otherwise its note says what it lacks."""
    result = run(attempts)
    assert result.to_json() == {"by": "endpoint", "explained": all(g["explained"] for g in groups), "groups": groups}
    assert result.attempts == len(attempts)


def test_grouping_must_be_known() -> None:
    """An unknown grouping is refused with the ones there are."""
    with pytest.raises(ValueError) as caught:
        Tally(by="url")
    assert str(caught.value) == "by must be one of endpoint, host, path, got 'url'"
