"""What docs/triage.md promises, stated exactly: features, findings' words, test commands, JSON, redaction (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from wsdiff.model import Capture, Endpoint, Failure, Session, with_header, without_header
from wsdiff.redact import fingerprint
from wsdiff.triage import Attempts, Condition, GroupReport, Tally, extract_features, observe, triage

from helpers import BASE_HEADERS, capture

RUN_KEY = b"k" * 32
JWT_1 = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnopqrstuv"
JWT_2 = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.abcdefghijklmnopqrstuv"
K8S_TOKEN = "base64url.bearer.authorization.k8s.io.ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNklp"


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


def only(result: Any) -> GroupReport:
    [g] = result.groups
    return g


def group(attempts: list[Capture], **kw: Any) -> GroupReport:
    return only(run(attempts, **kw))


def _tallied(attempts: list[Capture]) -> Any:
    """Count attempts one at a time with a Tally that makes its own key."""
    tally = Tally()
    for i, c in enumerate(attempts):
        tally.add(f"c{i:02d}.json", c)
    return tally.result()


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
        ("X-Auth", "x"), ("Authorization", 'Digest username="u", response="redacted:00000000000000ac"'),
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
        (("header", "authorization", "value"),
         'Bearer redacted:00000000000000aa, Digest username="u", response="redacted:00000000000000ac"'),
        (("header", "authorization", "scheme"), "Bearer"),
        (("header", "x-auth", "value"), "x"),
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
    ({"target": "/ws"}, {"target": ""}, "host",  # no variant sets an empty path
     "path is /ws", ("bisect", "c10.json", "c00.json")),
    ({"target": "/ws?debug=1"}, {"target": "/ws"}, "endpoint",
     "query parameter debug is present", ("replay", "c00.json", "--variant", "drop-query-param=debug")),
    ({"target": "/ws?fmt=pcm"}, {"target": "/ws?fmt=opus"}, "endpoint",  # no variant sets a parameter's value
     "query parameter fmt is pcm", ("bisect", "c10.json", "c00.json")),
    ({"target": "/ws?origin=a", "headers": {"Origin": "https://app.example"}},  # named like a header, spelled as sent
     {"target": "/ws?origin=b", "headers": {"Origin": "https://app.example"}}, "endpoint",
     "query parameter origin is a", ("bisect", "c10.json", "c00.json")),
    ({"target": "/ws?cursor=YWJj=="}, {"target": "/ws?cursor=ZGVm=="}, "endpoint",
     "query parameter cursor is YWJj==", ("bisect", "c10.json", "c00.json")),
    ({}, {"headers": {"Sec-WebSocket-Protocol": "tts.v2"}}, "endpoint",
     "subprotocol tts.v2 is not offered", ("bisect", "c10.json", "c00.json")),
    ({"headers": {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits; server_no_context_takeover"}},
     {"headers": {"Sec-WebSocket-Extensions": "permessage-deflate"}}, "endpoint",
     "extension permessage-deflate is permessage-deflate; client_max_window_bits; server_no_context_takeover",
     ("bisect", "c10.json", "c00.json")),
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


def test_an_authorization_scheme_is_said_as_it_is() -> None:
    """Five credentials on each side: only the scheme can be said (it is no secret), and bisect tests it."""
    attempts = ([attempt(True, headers={"Authorization": f"Basic redacted:00000000000000a{i % 5}"}) for i in range(10)]
                + [attempt(False, headers={"Authorization": f"Bearer redacted:00000000000000b{i % 5}"})
                   for i in range(20)])
    assert findings(group(attempts)) == [("Authorization's scheme is Basic", "10 of 10 rejected, 0 of 20 accepted",
                                          ("wsdiff", "bisect", "c10.json", "c00.json"))]


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
    # Kubernetes sends its bearer token as a subprotocol: redacted as the header's value, not as free text.
    ({"headers": {"Sec-WebSocket-Protocol": f"tts.v1, {K8S_TOKEN}"}}, {"headers": {"Sec-WebSocket-Protocol": "tts.v1"}},
     "endpoint", "subprotocol base64url.bearer.authorization.k8s.io.redacted:"),
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
    assert "hunter2" not in shown and JWT_1 not in shown and JWT_2 not in shown and "ZXlK" not in shown


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
    (Condition("query-param", "voice", "value", (SECRET,)), f"query parameter voice is {SECRET}"),  # nor this
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
    """Past 7 profiles the least informative attributes go (a constant one is skipped) until 3 are left; counts add up.

    X-B and X-C say nothing about the outcome and go; X-First (one rejected attempt) tells more and stays, since
    dropping the two leaves exactly half the bound (7 // 2). Later attempts are counted without what was dropped.
    """
    tally = Tally(profile_cap=7, key=RUN_KEY)
    for i in range(48):
        bad, b, c = i % 2 == 0, i // 2 % 2, i // 4 % 3
        features = [(("header", "accept-language", "value"), "en"),  # constant: dropping it would merge nothing
                    (("header", "x-b", "value"), str(b)), (("header", "x-c", "value"), str(c)),
                    (("method", None, "value"), "GET")]
        if bad:
            features.append((("header", "x-api-key", "value"), "k"))
        if i == 0:
            features.append((("header", "x-first", "value"), "1"))
        tally.add_observation(("r" if bad else "a") + str(i), "", not bad, features, ("X-B", "X-C", "X-Api-Key"))
    g = tally.groups[""]
    assert sorted((tuple(g.atom_value[x] for x in k), tuple(p)) for k, p in g.profiles.items()) == [
        (("en", "GET"), (0, 24, None, "a1")), (("en", "GET", "k"), (23, 0, "r2", None)),
        (("en", "GET", "k", "1"), (1, 0, "r0", None))]
    [report] = tally.result().groups
    assert (report.untracked, report.rejected, report.accepted) == (("header X-B", "header X-C"), 24, 24)
    assert findings(report) == [("X-Api-Key is present", "24 of 24 rejected, 0 of 24 accepted",
                                 ("wsdiff", "replay", "r2", "--variant", "drop-header=X-Api-Key"))]


def test_an_untracked_facet_is_labelled_with_its_facet() -> None:
    """The report names a dropped attribute by kind, spelled name and facet (the value facet unsaid)."""
    tally = Tally(profile_cap=7, key=RUN_KEY)
    for i in range(48):
        bad, b, c = i % 2 == 0, i // 2 % 2, i // 4 % 3
        features = [(("query-param", "x-c", "class"), ["integer", "text"][b]), (("header", "x-c", "value"), str(c))]
        if bad:
            features.append((("header", "x-api-key", "value"), "k"))
        tally.add_observation(f"s{i}", "", not bad, features, ("X-C",))
    [report] = tally.result().groups
    assert report.untracked == ("header X-C", "query-param x-c (class)")  # only a header takes a header's spelling


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
        # Origin alone separates them, too few times to be told from chance: the note says so.
        assert g.note == (f"too few attempts to tell: one condition separates the {rejected} rejected from the "
                          f"{accepted} accepted attempt(s), too few times to rule out chance; bisect tests it "
                          "against the live server")


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
    ([attempt(True).replace(response=None), attempt(False).replace(response=None)],
     [_empty_group("wss://tts.example/ws", 2, 0, 0, 2, "no answered attempt")]),
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


# --- outcomes, keys and examples ------------------------------------------------------------


def test_the_default_oracle_counts_a_closed_101_as_rejected() -> None:
    """By default (close) a 101 the server closed with 4003 is a rejection; judged by status it is accepted."""
    closed = Session(state="closed", close_code=4003, closed_by="server")
    attempts = ([attempt(False, headers={"X-Mode": "old"}, websocket=closed) for _ in range(10)]
                + [attempt(False, headers={"X-Mode": "new"}) for _ in range(20)])
    rule = [("X-Mode is old", "10 of 10 rejected, 0 of 20 accepted",
             ("wsdiff", "replay", "c00.json", "--variant", "set-header=X-Mode:new"))]
    tally, by_status = Tally(key=RUN_KEY), Tally(key=RUN_KEY, oracle="status")
    for i, c in enumerate(attempts):
        tally.add(f"c{i:02d}.json", c)
        by_status.add(f"c{i:02d}.json", c)
    for result in (triage(((f"c{i:02d}.json", c) for i, c in enumerate(attempts))), tally.result()):
        [g] = result.groups
        assert (g.rejected, g.accepted, findings(g)) == (10, 20, rule)
    for result in (run(attempts, oracle="status"), by_status.result()):
        [g] = result.groups
        assert (g.rejected, g.accepted, g.findings, g.note) == (0, 30, (), "no rejected attempt")


def test_without_a_key_one_is_made_for_the_run() -> None:
    """No key given: one key for the whole run, so the same secret has the same fingerprint in every attempt."""
    attempts = sides({"headers": {"X-Api-Key": "hunter2-old"}, "redacted": False},
                     {"headers": {"X-Api-Key": "hunter2-new"}, "redacted": False})
    for result in (triage((f"c{i:02d}.json", c) for i, c in enumerate(attempts)), _tallied(attempts)):
        [(condition, counts, test)] = findings(only(result))
        assert condition.startswith("X-Api-Key is the secret redacted:") and "hunter2" not in condition
        assert counts == "10 of 10 rejected, 0 of 20 accepted"
        assert test[:4] == ("wsdiff", "replay", "c00.json", "--variant")
        assert test[4].startswith("set-header=X-Api-Key:redacted:") and "hunter2" not in test[4]


GOOD_KEY, BAD_KEY = "redacted:00000000000000a1", "redacted:00000000000000b2"


def test_each_finding_is_tested_on_the_commonest_attempt_it_alone_matches() -> None:
    """Two rules: each replay starts from the most common rejected profile no other finding matches (ties by name)."""
    def one(rejected: bool, origin: str, key: str, language: str) -> Capture:
        return attempt(rejected, headers={"Origin": origin, "X-Api-Key": key, "Accept-Language": language})
    evil, app = "https://evil.example", "https://app.example"
    attempts = ([one(True, evil, GOOD_KEY, "de") for _ in range(5)]  # c00-c04: Origin alone, most common
                + [one(True, evil, BAD_KEY, "en") for _ in range(20)]  # c05-c24: both rules
                + [one(True, evil, GOOD_KEY, "en") for _ in range(3)]  # c25-c27: Origin alone, less common
                + [one(True, app, BAD_KEY, "de") for _ in range(3)]  # c28-c30: the key alone, tied with c31-c33
                + [one(True, app, BAD_KEY, "en") for _ in range(3)]
                + [one(False, app, GOOD_KEY, ["en", "de"][i % 2]) for i in range(40)]  # c34-c73
                + [one(True, app, GOOD_KEY, "fr") for _ in range(6)]  # c74-c79: a flaky server's rejections
                + [one(False, app, GOOD_KEY, "fr") for _ in range(30)])  # c80-c109
    g = group(attempts)
    assert findings(g) == [
        (f"Origin is {evil}", "28 of 40 rejected, 0 of 70 accepted",
         ("wsdiff", "replay", "c00.json", "--variant", f"set-origin={app}")),
        (f"X-Api-Key is the secret {BAD_KEY}", "26 of 40 rejected, 0 of 70 accepted",
         ("wsdiff", "replay", "c28.json", "--variant", f"set-header=X-Api-Key:{GOOD_KEY}")),
    ]
    assert [f.explained_alone for f in g.findings] == [8, 6]
    assert g.unexplained == (Attempts("c74.json", 6, ("wsdiff", "bisect", "c80.json", "c74.json")),)
    assert (g.unexplained_attempts, g.exceptions, g.exception_attempts) == (6, (), 0)


def test_a_finding_with_exceptions_is_bisected_against_an_attempt_it_does_not_match() -> None:
    """No variant sets a parameter's value: bisect pairs the rule's attempt with an accepted one outside the rule."""
    attempts = ([attempt(False, target="/ws?fmt=opus") for _ in range(20)]
                + [attempt(True, target="/ws?fmt=pcm") for _ in range(10)] + [attempt(False, target="/ws?fmt=pcm")])
    g = group(attempts)
    assert findings(g) == [("query parameter fmt is pcm", "10 of 10 rejected, 1 of 21 accepted",
                            ("wsdiff", "bisect", "c00.json", "c20.json"))]
    assert (g.exceptions, g.exception_attempts, g.unexplained) == ((Attempts("c30.json", 1),), 1, ())


def test_unexplained_rejections_are_listed_commonest_first_twenty_at_most() -> None:
    """Nothing separates: the 20 commonest rejected profiles are listed, the first three with a bisect to try."""
    attempts = ([attempt(False, headers={"X-N": f"a{i:02d}"}) for i in range(30)]
                + [attempt(True, headers={"X-N": f"r{i:02d}"}) for i in range(25)]
                + [attempt(True, headers={"X-N": "r24"}) for _ in range(2)])
    g = group(attempts)
    assert g.findings == () and g.unexplained_attempts == 27 and not g.explained
    assert g.unexplained == (
        Attempts("c54.json", 3, ("wsdiff", "bisect", "c00.json", "c54.json")),
        Attempts("c30.json", 1, ("wsdiff", "bisect", "c00.json", "c30.json")),
        Attempts("c31.json", 1, ("wsdiff", "bisect", "c00.json", "c31.json")),
        *(Attempts(f"c{i}.json", 1) for i in range(32, 49)))


def test_a_rule_on_values_past_the_cap_names_the_kept_ones() -> None:
    """The rejected builds came after the cap: the condition can only say which kept values they are not."""
    tally = Tally(key=RUN_KEY, value_cap=2)
    n = 0
    for _ in range(6):
        for build in ("b1", "b2", "b3", "b4", "b5"):
            tally.add_observation(f"s{n:02d}", "", build in ("b1", "b2"),
                                  [(("header", "x-build", "value"), build)], ("X-Build",))
            n += 1
    assert len(tally.groups[""].profiles) == 3  # b1, b2, and every later build as one "another value"
    g = only(tally.result())
    assert findings(g) == [("X-Build is not one of b1, b2", "18 of 18 rejected, 0 of 12 accepted",
                            ("wsdiff", "replay", "s02", "--variant", "set-header=X-Build:b1"))]


def test_a_rule_against_values_past_the_cap_lists_the_kept_ones() -> None:
    """The accepted builds came after the cap: the condition lists the kept values that are rejected."""
    tally = Tally(key=RUN_KEY, value_cap=2)
    n = 0
    for _ in range(6):
        for build in ("b1", "b2", "b3", "b4", "b5"):
            tally.add_observation(f"s{n:02d}", "", build not in ("b1", "b2"),
                                  [(("header", "x-build", "value"), build)], ("X-Build",))
            n += 1
    # No kept value is accepted, so no variant can set one: bisect.
    assert findings(only(tally.result())) == [("X-Build is one of b1, b2", "12 of 12 rejected, 0 of 18 accepted",
                                               ("wsdiff", "bisect", "s02", "s00"))]


def test_values_past_the_cap_are_never_listed() -> None:
    """With two values kept per attribute, later ones are 'another value': counted, never named in a condition."""
    tally = Tally(key=RUN_KEY, value_cap=2)
    n = 0
    for _ in range(8):
        for build in ("b1", "b2", "b3", "b4"):
            tally.add_observation(f"s{n:02d}", "", build not in ("b1", "b3"),
                                  [(("header", "x-build", "value"), build), (("method", None, "value"), "GET")],
                                  ("X-Build",))
            n += 1
    g = only(tally.result())
    assert findings(g) == [("X-Build is b1", "8 of 16 rejected, 0 of 16 accepted",
                            ("wsdiff", "replay", "s00", "--variant", "set-header=X-Build:b2"))]
    assert (g.unexplained_attempts, g.exception_attempts) == (8, 0)


@pytest.mark.parametrize(("path", "shape"), [
    ("/", "/"), ("", ""), ("/ws", "/ws"), ("/v2", "/v2"), ("//x", "//x"), ("/a/b/", "/a/b/"),
    ("/123/ws", "/{id}/ws"),
    ("/\u0661\u0662\u0663/ws", "/\u0661\u0662\u0663/ws"),  # Arabic-Indic digits are not an ASCII number
    ("/123e4567-e89b-12d3-a456-426614174000", "/{id}"),
    ("/abcdefab-abcd-abcd-abcd-abcdefabcdef", "/{id}"),  # a uuid without a digit is no token, still an id
    ("/abcdefghijklmno1", "/{id}"),  # a 16-character token with a digit
    ("/abc-def_ghi.jk~1", "/{id}"),
    ("/abcdefghijklmn1", "/abcdefghijklmn1"),  # 15 characters
    ("/abcdefghijklmnop", "/abcdefghijklmnop"),  # no digit: a word
    ("/abcdefghijklmno1!", "/abcdefghijklmno1!"),  # not a token
    ("/12ab", "/12ab"),
])
def test_path_shape_edges(path: str, shape: str) -> None:
    """Id-like segments (ASCII numbers, uuids, tokens of 16+ with a digit) become {id}; words and odd ones stay."""
    from wsdiff.triage import path_shape

    path_shape.cache_clear()  # computed here, not remembered from another test
    assert path_shape(path) == shape


def _distribution(counts: dict[str | None, tuple[int, int]]) -> list[tuple[str, str]]:
    """The findings for one header whose values (None: absent) have these (rejected, accepted) counts."""
    tally, n = Tally(key=RUN_KEY), 0
    for value, (rejected, accepted) in counts.items():
        for outcome in [True] * rejected + [False] * accepted:
            features = [(("method", None, "value"), "GET")]
            if value is not None:
                features.append((("header", "x-v", "value"), value))
            tally.add_features(f"s{n:03d}", features, outcome)
            n += 1
    return [(f.condition, f.counts) for f in only(tally.result()).findings]


@pytest.mark.parametrize(("counts", "expected"), [
    ({"a": (10, 0), "b": (0, 10)}, ("x-v is a", "10 of 10 rejected, 0 of 10 accepted")),
    ({"a": (10, 0), None: (0, 10)}, ("x-v is present", "10 of 10 rejected, 0 of 10 accepted")),
    ({"a": (10, 0), "b": (0, 10), "c": (0, 10)}, ("x-v is a", "10 of 10 rejected, 0 of 20 accepted")),
    ({"a": (1, 0), "b": (0, 10), "c": (0, 10)}, ("x-v is a", "1 of 1 rejected, 0 of 20 accepted")),
    # A value seen once is no candidate on its own (nor all but it): one candidate, cheap enough to pay here.
    ({"a": (1, 0), "b": (1, 0), "c": (0, 3)}, ("x-v is not c", "2 of 2 rejected, 0 of 3 accepted")),
    # The shorter list is said; on a tie, the rejecting values.
    ({"a": (6, 0), "b": (6, 0), "c": (6, 0), "d": (0, 18)}, ("x-v is not d", "18 of 18 rejected, 0 of 18 accepted")),
    ({"a": (8, 0), "b": (8, 0), "c": (0, 8), "d": (0, 8)},
     ("x-v is one of a, b", "16 of 16 rejected, 0 of 16 accepted")),
    ({"a": (8, 0), None: (8, 0), "c": (0, 8), "d": (0, 8)},
     ("x-v is a or absent", "16 of 16 rejected, 0 of 16 accepted")),
    ({"a": (0, 6), "b": (6, 0), "c": (6, 0), "d": (6, 0), None: (1, 0)},  # absent once is absent seen
     ("x-v is absent or not a", "19 of 19 rejected, 0 of 6 accepted")),
    ({"": (6, 0), "ABC": (6, 0), "y": (0, 6), "z": (0, 6)},  # the empty value is listed first
     ('x-v is one of "", ABC', "12 of 12 rejected, 0 of 12 accepted")),
    # At most three values are listed; absence is not one of them.
    ({"a": (6, 0), "b": (6, 0), "c": (6, 0), "e": (6, 0), "d": (0, 18)},
     ("x-v is not d", "24 of 24 rejected, 0 of 18 accepted")),
    ({"a": (6, 0), "b": (6, 0), None: (6, 0), "c": (0, 6), "d": (0, 6), "e": (0, 6), "f": (0, 6)},
     ("x-v is one of a, b or absent", "18 of 18 rejected, 0 of 24 accepted")),
    ({"a": (6, 0), "b": (6, 0), "c": (6, 0), "d": (0, 6), "e": (0, 6), "f": (0, 6), "g": (0, 6)},
     ("x-v is one of a, b, c", "18 of 18 rejected, 0 of 24 accepted")),
    ({"a": (6, 0), "b": (6, 0), "c": (6, 0), "d": (6, 0), "e": (0, 6), "f": (0, 6), "g": (0, 6)},
     ("x-v is not one of e, f, g", "24 of 24 rejected, 0 of 18 accepted")),
    ({"a": (6, 0), "b": (6, 0), "c": (6, 0), "d": (6, 0), None: (0, 6), "f": (0, 6), "g": (0, 6)},
     ("x-v is present and not one of f, g", "24 of 24 rejected, 0 of 18 accepted")),
    ({"a": (6, 0), "b": (6, 0), "c": (6, 0), "d": (6, 0), "e": (0, 6), "f": (0, 6), "g": (0, 6), "h": (1, 0)},
     ("x-v is not one of e, f, g", "25 of 25 rejected, 0 of 18 accepted")),
    # Values rejected only some of the time: the split in order of rejection rate.
    ({"a": (9, 1), "b": (5, 5), "c": (1, 9), "d": (0, 10)},
     ("x-v is one of a, b", "14 of 15 rejected, 6 of 25 accepted")),
    ({"a": (12, 0), "b": (3, 3), "c": (0, 12), "d": (0, 12)},
     ("x-v is one of a, b", "15 of 15 rejected, 3 of 27 accepted")),
    ({"a": (2, 0), "b": (6, 6), "c": (0, 20), "d": (0, 20), "e": (0, 20)},
     ("x-v is one of a, b", "8 of 8 rejected, 6 of 66 accepted")),
    ({"a": (6, 1), "b": (6, 1), "c": (6, 1), "d": (6, 1), "e": (0, 12), "f": (0, 12)},
     ("x-v is not one of e, f", "24 of 24 rejected, 4 of 28 accepted")),
    # A split falls between different rates (c rejects 1 in 4), never between equal ones (a and b).
    ({"a": (2, 0), "b": (2, 0), "c": (1, 3), "d": (0, 10)},
     ("x-v is one of a, b", "4 of 5 rejected, 0 of 13 accepted")),
])
def test_how_a_split_of_values_is_worded(counts: dict[str | None, tuple[int, int]],
                                         expected: tuple[str, str]) -> None:
    """The condition on one attribute: its best split of values, said as the shorter list of at most three."""
    assert _distribution(counts) == [expected]


def test_a_secret_in_the_group_name_is_a_fingerprint() -> None:
    """A credential in the path (a matrix parameter, which is no id) is shown fingerprinted in the group's name."""
    g = group([attempt(True, target="/ws;token=hunter2"), attempt(False, target="/ws;token=hunter2")])
    assert g.endpoint == "wss://tts.example/ws;token=redacted:" + g.endpoint.rpartition(":")[2]
    assert "hunter2" not in g.endpoint
    # The same fingerprint as the same secret in a query parameter, with the same key.
    [f] = group(sides({"target": "/ws?token=hunter2"}, {"target": "/ws?token=other"})).findings
    assert f.parts[0].values == ("redacted:" + g.endpoint.rpartition(":")[2],)


def test_a_condition_that_no_longer_pays_is_dropped() -> None:
    """X-A (28 of 30 rejections) is chosen first; X-B and X-C then cover all 30, and X-A is dropped.

    X-B and X-C cost the same: the one first in order is added first, whichever attempts came first.
    """
    regions = [({"x-a": "1", "x-b": "1", "x-c": "1"}, 20, 0), ({"x-a": "1", "x-b": "0", "x-c": "1"}, 4, 0),
               ({"x-a": "1", "x-b": "1", "x-c": "0"}, 4, 0), ({"x-a": "0", "x-b": "0", "x-c": "1"}, 1, 0),
               ({"x-a": "0", "x-b": "1", "x-c": "0"}, 1, 0), ({"x-a": "0", "x-b": "0", "x-c": "0"}, 0, 200)]
    tally, n = Tally(key=RUN_KEY), 0
    for values, rejected, accepted in regions:
        for outcome in [True] * rejected + [False] * accepted:
            tally.add_features(f"s{n:03d}", [(("header", k, "value"), v) for k, v in values.items()], outcome)
            n += 1
    g = only(tally.result())
    assert [(f.condition, f.counts, f.explained_alone) for f in g.findings] == [
        ("x-b is 1", "25 of 30 rejected, 0 of 200 accepted", 5),
        ("x-c is 1", "25 of 30 rejected, 0 of 200 accepted", 5)]
    assert g.explained and g.exception_attempts == 0


def test_at_most_eight_findings_per_group() -> None:
    """Nine separate causes of ten rejections each: eight findings, the ninth's rejections left unexplained."""
    tally, n = Tally(key=RUN_KEY), 0
    for j in range(9):
        for _ in range(10):
            tally.add_features(f"s{n:03d}", [(("header", f"x-{j}", "value"), "1")], True)
            n += 1
    for _ in range(100):
        tally.add_features(f"s{n:03d}", [], False)
        n += 1
    g = only(tally.result())
    assert [(f.condition, f.counts) for f in g.findings] == [
        (f"x-{j} is present", "10 of 90 rejected, 0 of 100 accepted") for j in range(8)]
    assert g.unexplained == (Attempts("s080", 10, ("wsdiff", "bisect", "s090", "s080")),)


def test_a_flaky_profile_shows_its_first_rejection() -> None:
    """The same request accepted, then rejected: the rejected one is the example, bisected against the accepted one."""
    g = group([attempt(False), attempt(True), attempt(True), attempt(False)])
    assert g.findings == () and (g.rejected, g.accepted, g.unexplained_attempts) == (2, 2, 2)
    assert g.unexplained == (Attempts("c01.json", 2, ("wsdiff", "bisect", "c00.json", "c01.json")),)


def test_information_gain_of_each_attribute() -> None:
    """What each attribute tells about the outcome, in bits: the key all of it, an even split or an id nothing."""
    from wsdiff.triage import _information_gains

    tally = Tally(key=RUN_KEY)
    for i in range(12):
        rejected = i % 3 == 0
        features = [(("method", None, "value"), "GET"), (("header", "x-b", "value"), str(i % 2)),
                    (("header", "x-n", "value"), f"n{i}")]  # a value of its own each time: an id
        if rejected:
            features.append((("header", "x-api-key", "value"), "k"))
        if i < 4:  # 2 of these 4 rejected, 2 of the 8 others
            features.append((("header", "x-early", "value"), "e"))
        tally.add_features(f"s{i}", features, rejected)
    gains, constant = _information_gains(tally.groups[""])
    assert gains == {
        ("method", None, "value"): 0.0,
        ("header", "x-b", "value"): 0.0,
        ("header", "x-n", "value"): 0.0,
        ("header", "x-api-key", "value"): pytest.approx(0.9182958340544896, abs=1e-12),  # H(1/3)
        ("header", "x-early", "value"): pytest.approx(0.9182958340544896 - 4 / 12 - 8 / 12 * 0.8112781244591328,
                                                      abs=1e-12),
    }
    assert constant == {("method", None, "value")}


def test_indistinguishable_conditions_are_listed_in_the_order_of_kinds_then_names() -> None:
    """Four features that always come together: the query parameter leads, then headers by name, then the client."""
    tally = Tally(key=RUN_KEY)
    for i in range(30):
        if i < 10:  # counted in an order of their own, which the report does not follow
            features = [(("header", "x-b", "value"), "a"), (("header", "x-a", "value"), "z"),
                        (("query-param", "zeta", "value"), "1"), (("client", None, "network"), "10.0.0.0/24")]
        else:
            features = [(("client", None, "network"), "10.9.0.0/24")]
        tally.add_features(f"s{i:02d}", features, i < 10)
    [f] = only(tally.result()).findings
    assert f.condition == "query parameter zeta is present"
    assert [(i, c.text) for i, c in f.indistinguishable] == [
        (0, "x-a is present"), (0, "x-b is present"), (0, "client address's network is 10.0.0.0/24")]
    assert f.test == ("wsdiff", "bisect", "s10", "s00")  # no variant sets a client's network


def test_the_callers_key_makes_the_fingerprints() -> None:
    """An unredacted secret is shown by the fingerprint the caller's key gives it, as observe gives it."""
    attempts = sides({"headers": {"X-Api-Key": "hunter2-old"}, "redacted": False},
                     {"headers": {"X-Api-Key": "hunter2-new"}, "redacted": False})
    fingerprint = dict(observe(attempts[0], key=RUN_KEY)[2])[("header", "x-api-key", "value")]
    accepted = dict(observe(attempts[-1], key=RUN_KEY)[2])[("header", "x-api-key", "value")]
    by_tally = Tally(key=RUN_KEY)
    for i, c in enumerate(attempts):
        by_tally.add(f"c{i:02d}.json", c)
    for result in (run(attempts), by_tally.result()):
        assert findings(only(result)) == [
            (f"X-Api-Key is the secret {fingerprint}", "10 of 10 rejected, 0 of 20 accepted",
             ("wsdiff", "replay", "c00.json", "--variant", f"set-header=X-Api-Key:{accepted}"))]
    [(condition, _, _)] = findings(only(triage(((f"c{i:02d}.json", c) for i, c in enumerate(attempts)), key=b"o" * 32)))
    assert condition.startswith("X-Api-Key is the secret redacted:") and fingerprint not in condition


def test_a_class_of_a_secret_is_redacted_too() -> None:
    """A credential in a User-Agent, seen through its product: the class is shown fingerprinted, lying or not."""
    def attempts(redacted: bool) -> list[Capture]:
        return ([attempt(True, headers={"User-Agent": f"key=hunter2secret build-{i}"}, redacted=redacted)
                 for i in range(10)]
                + [attempt(False, headers={"User-Agent": f"okhttp/4.{i}"}, redacted=redacted) for i in range(20)])
    lying, honest = findings(group(attempts(True))), findings(group(attempts(False)))
    assert lying == honest
    [(condition, counts, test)] = honest
    assert condition.startswith("User-Agent's product and major version is key=redacted:")
    assert "hunter2" not in condition and counts == "10 of 10 rejected, 0 of 20 accepted"
    assert test == ("wsdiff", "bisect", "c10.json", "c00.json")


def test_an_extension_offer_is_shown_as_compare_shows_it() -> None:
    """An extension parameter named like a credential is fingerprinted, as compare shows it, even when the capture
    says it was redacted and was not; the other parameters are shown as recorded."""
    for redacted in (True, False):
        g = group(sides({"headers": {"Sec-WebSocket-Extensions": "x-auth; v=2; key=abc123def"}, "redacted": redacted},
                        {"headers": {"Sec-WebSocket-Extensions": "x-auth; v=2; key=zzz999xyz"}, "redacted": redacted}))
        assert findings(g) == [(f"extension x-auth is x-auth; v=2; key={fingerprint(RUN_KEY, 'abc123def')}",
                                "10 of 10 rejected, 0 of 20 accepted", ("wsdiff", "bisect", "c10.json", "c00.json"))]


@pytest.mark.parametrize(("rejected", "accepted", "reported"), [
    (1, 4, False), (1, 5, True), (2, 1, False), (2, 2, True), (3, 1, True),
])
def test_a_two_part_rule_must_pay_for_both_parts(rejected: int, accepted: int, reported: bool) -> None:
    """Legacy clients asking for pcm are refused: reported once the attempts in each other cell make it pay."""
    tally, n = Tally(key=RUN_KEY), 0
    for mode in ("legacy", "modern"):
        for fmt in ("pcm", "opus"):
            bad = mode == "legacy" and fmt == "pcm"
            for _ in range(rejected if bad else accepted):
                tally.add_features(f"s{n:03d}", [(("header", "x-mode", "value"), mode),
                                                 (("query-param", "fmt", "value"), fmt)], bad)
                n += 1
    g = only(tally.result())
    expected = [("query parameter fmt is pcm and x-mode is legacy",
                 f"{rejected} of {rejected} rejected, 0 of {3 * accepted} accepted")]
    assert [(f.condition, f.counts) for f in g.findings] == (expected if reported else [])


@pytest.mark.parametrize(("second", "accepted", "found"), [
    (1, 6, ["x-a is present"]), (1, 7, ["x-a is present", "x-b is present"]),
    (2, 2, ["x-a is present", "x-b is present"]),
])
def test_a_second_rule_must_pay_for_itself_too(second: int, accepted: int, found: list[str]) -> None:
    """Next to a rule for 20 rejections, one for a single rejection is named only once enough accepted attempts lack it."""
    tally, n = Tally(key=RUN_KEY), 0
    for features, count, rejected in (([(("header", "x-a", "value"), "1")], 20, True),
                                      ([(("header", "x-b", "value"), "1")], second, True), ([], accepted, False)):
        for _ in range(count):
            tally.add_features(f"s{n:03d}", features, rejected)
            n += 1
    assert [f.condition for f in only(tally.result()).findings] == found


def test_twenty_rejections_are_listed_when_nothing_was_accepted() -> None:
    """22 different rejected attempts and no accepted one: all counted, the first 20 listed as examples."""
    g = group([attempt(True, headers={"X-N": f"r{i:02d}"}) for i in range(22)])
    assert (g.unexplained_attempts, g.note) == (22, "no accepted attempt to compare the rejections with")
    assert g.unexplained == tuple(Attempts(f"c{i:02d}.json", 1) for i in range(20))


def test_the_profile_bound_is_on_passing_it() -> None:
    """Exactly as many profiles as the bound: nothing is dropped."""
    tally = Tally(key=RUN_KEY, profile_cap=4)
    for i in range(8):
        tally.add_features(f"s{i}", [(("header", "x-a", "value"), str(i % 2)),
                                     (("header", "x-b", "value"), str(i // 2 % 2))], i % 2 == 0)
    assert len(tally.groups[""].profiles) == 4 and only(tally.result()).untracked == ()


def test_a_value_or_absence_can_be_indistinguishable_from_a_value() -> None:
    """'x-a is a or absent' matches exactly the attempts 'x-b is 1' matches: both are named."""
    tally, n = Tally(key=RUN_KEY), 0
    for a, b, rejected in (("a", "1", True), (None, "1", True), ("b", "0", False), ("c", "0", False)):
        for _ in range(6):
            features = [(("header", "x-b", "value"), b)] + ([] if a is None else [(("header", "x-a", "value"), a)])
            tally.add_features(f"s{n:02d}", features, rejected)
            n += 1
    [f] = only(tally.result()).findings
    assert (f.condition, f.counts) == ("x-b is 1", "12 of 12 rejected, 0 of 12 accepted")
    assert [(i, c.text) for i, c in f.indistinguishable] == [(0, "x-a is a or absent")]


@pytest.mark.parametrize(("bad", "goods", "variant"), [
    ({"Origin": "https://evil.example"}, [({"Origin": "https://admin.example"}, 5), ({"Origin": "https://app.example"}, 15)],
     "set-origin=https://app.example"),  # the most common accepted value
    ({"Origin": "https://evil.example"}, [({"Origin": "https://app.example"}, 10), ({"Origin": "https://admin.example"}, 10)],
     "set-origin=https://admin.example"),  # equally common: the first by name
    ({"X-Mode": "legacy"}, [({"X-Mode": "Alpha"}, 10), ({}, 10)], "drop-header=X-Mode"),  # absence before any value
])
def test_the_replay_moves_to_the_commonest_accepted_value(bad: dict[str, str], goods: list[tuple[dict[str, str], int]],
                                                          variant: str) -> None:
    """Of the values on the accepted side, replay sets the most common (ties: absent first, then by name)."""
    attempts = [attempt(True, headers=bad) for _ in range(10)]
    for headers, count in goods:
        attempts += [attempt(False, headers=headers) for _ in range(count)]
    [(_, _, test)] = findings(group(attempts))
    assert test == ("wsdiff", "replay", "c00.json", "--variant", variant)


def test_indistinguishable_conditions_are_worded_and_redacted_like_findings() -> None:
    """A twin that is a secret in clear is fingerprinted; a twin that lists the accepted values says 'absent or'."""
    attempts = []
    for i in range(12):
        headers = {"X-Api-Key": "hunter2-old"}  # in clear in a capture that says it is redacted
        if i % 4 != 3:
            headers["X-Mode"] = "xyz"[i % 4]
        attempts.append(attempt(True, headers=headers, target="/ws?fmt=old"))
    for i in range(16):
        attempts.append(attempt(False, headers={"X-Api-Key": "hunter2-new", "X-Mode": "ab"[i % 2]},
                                target="/ws?fmt=new"))
    honest = [c.replace(redacted=False) for c in attempts]
    fingerprint = dict(observe(honest[0], key=RUN_KEY)[2])[("header", "x-api-key", "value")]
    [f] = group(attempts).findings
    assert (f.condition, f.counts) == ("query parameter fmt is old", "12 of 12 rejected, 0 of 16 accepted")
    assert [(i, c.text) for i, c in f.indistinguishable] == [
        (0, f"X-Api-Key is the secret {fingerprint}"), (0, "X-Mode is absent or not one of a, b")]


def test_one_pair_names_how_many_conditions_it_cannot_tell_apart() -> None:
    """One rejected and one accepted attempt differing in two headers: two candidates, too few attempts to pick."""
    g = group([attempt(True, headers={"Origin": "https://evil.example", "X-Client": "studio"}),
               attempt(False, headers={"Origin": "https://app.example"})])
    assert g.findings == () and not g.explained and g.unexplained_attempts == 1
    assert g.note == ("too few attempts to tell: 2 conditions each separate the 1 rejected from the 1 accepted "
                      "attempt(s), too few times to rule out chance; bisect tests them against the live server")


# --- the search, step by step ----------------------------------------------------------------


def _explained(rows: list[tuple[str | dict[str, str], int, int]], value_cap: int = 64) -> GroupReport:
    """Count each row's attempts (its features, then how many were rejected and accepted) and explain them.

    Features are header names (each with the value 1) or a dict of values; ``client`` is the client's network
    and ``?name`` a query parameter. Sources are s000, s001, ... in the order counted, rejected first per row.
    """
    tally, n = Tally(key=RUN_KEY, value_cap=value_cap), 0
    for features, rejected, accepted in rows:
        values = dict.fromkeys(features.split(), "1") if isinstance(features, str) else features
        listed = [(("client", None, "network") if name == "client" else
                   ("query-param", name[1:], "value") if name.startswith("?") else ("header", name, "value"), value)
                  for name, value in values.items()]
        for outcome in [True] * rejected + [False] * accepted:
            tally.add_features(f"s{n:03d}", listed, outcome)
            n += 1
    return only(tally.result())


def test_a_header_with_one_value_is_said_present_whichever_side_absence_is_on() -> None:
    """A conjunction's parts on headers that are 1 or absent are said "present", as a lone finding says them.

    Absence rejects more often than x-b or x-c overall (x-a's rejections lack both), which once made the
    parts "x-b is 1 and x-c is 1": the same attempts, said longer (docs/triage.md: the shortest wording wins).
    """
    g = _explained([("x-a", 16, 4), ("x-b x-c", 3, 0), ("x-c", 0, 2), ("x-b", 0, 5)])
    assert [(f.condition, f.counts, f.explained_alone) for f in g.findings] == [
        ("x-a is present", "16 of 19 rejected, 4 of 11 accepted", 16),
        ("x-b is present and x-c is present", "3 of 19 rejected, 0 of 11 accepted", 3)]
    assert g.findings[1].test == ("wsdiff", "bisect", "s023", "s020")  # x-b and x-c fail only together
    assert (g.unexplained_attempts, g.exception_attempts) == (0, 4)


@pytest.mark.parametrize(("rows", "expected", "unexplained"), [
    # Each step weighs what the steps before left unexplained: after x-d, x-b's 5 rejections with 3 exceptions
    # cost less than the conjunction with x-a that has none; the 3 rejections without any header stay unexplained.
    ([("x-d", 4, 1), ("x-a x-c", 0, 20), ("x-b", 0, 3), ("", 3, 8), ("x-a x-b x-c", 5, 0)],
     [("x-d is present", "4 of 12 rejected, 1 of 32 accepted"),
      ("x-b is present", "5 of 12 rejected, 3 of 32 accepted")], 3),
    # Likewise after x-e: x-b with its 3 exceptions, not x-b with x-d (3 rejections, no exception), which costs more.
    ([("x-b x-d", 3, 0), ("x-e", 3, 0), ("x-d", 0, 12), ("x-b", 1, 3)],
     [("x-e is present", "3 of 7 rejected, 0 of 15 accepted"),
      ("x-b is present", "4 of 7 rejected, 3 of 15 accepted")], 0),
    # A second finding with an exception pays for itself: naming x-f costs less than its 3 rejections left out.
    ([("", 0, 3), ("x-e", 8, 0), ("x-f", 3, 1), ("x-c x-e", 0, 3)],
     [("x-c is absent and x-e is present", "8 of 11 rejected, 0 of 7 accepted"),
      ("x-f is present", "3 of 11 rejected, 1 of 7 accepted")], 0),
    # A conjunction that matches no fewer attempts than one of its parts is no conjunction; the next pair is tried.
    ([("x-a", 7, 0), ("x-c", 0, 1), ("", 0, 5), ("x-a x-e", 1, 2)],
     [("x-e is absent and x-a is present", "7 of 8 rejected, 0 of 8 accepted")], 1),
    # x-c alone rejects exactly as often as the group (1 in 5): it separates nothing, so it is no part of a
    # conjunction, and x-b is said alone with its exceptions.
    ([("x-c", 0, 20), ("x-b", 0, 4), ("", 3, 8), ("x-b x-c", 5, 0)],
     [("x-b is present", "5 of 8 rejected, 4 of 32 accepted")], 3),
    # Two conjunctions match the same attempts at the same cost: the one whose first part comes first is said.
    ([("", 0, 1), ("x-c", 0, 1), ({"?fmt": "3"}, 2, 0), ({"x-a": "1", "x-c": "1", "?fmt": "3"}, 0, 6)],
     [("x-a is absent and query parameter fmt is present", "2 of 2 rejected, 0 of 8 accepted")], 0),
    # Two conditions on one header make no conjunction: that would list four values, where one lists three at most.
    ([({"x-v": v}, 10, 0) for v in "abcd"] + [({"x-v": "h"}, 1, 10)] + [({"x-v": v}, 0, 20) for v in "efg"],
     [("x-v is not one of e, f, g", "41 of 41 rejected, 10 of 70 accepted")], 0),
    # Either header alone is mostly rejected, both together mostly accepted: the pair would match 28 accepted
    # attempts for 15 rejected ones, a rule for the accepted side, which is never said; nothing else separates.
    ([("", 0, 16), ("x-p", 17, 0), ("x-q", 20, 2), ("x-p x-q", 15, 28)], [], 52),
    # Two conditions were found; once the second is there, the first no longer pays and is dropped.
    ([("", 0, 2), ("x-p", 27, 16), ("x-q", 0, 3), ("x-r", 14, 0), ("x-q x-r", 20, 10), ("x-p x-q x-r", 15, 30)],
     [("x-p is absent and x-r is present", "34 of 76 rejected, 10 of 61 accepted")], 42),
    # Two absences together: the rejections are the attempts with neither header.
    ([("", 4, 1), ("x-e", 0, 1), ("x-d", 0, 3)],
     [("x-d is absent and x-e is absent", "4 of 4 rejected, 1 of 5 accepted")], 0),
    # A pair of two conditions on the client's network is skipped, and the pairs after it are still tried.
    ([({"client": "10.0.0.0/24", "x-b": "1", "x-d": "1"}, 1, 0), ({"client": "10.0.1.0/24", "x-c": "1"}, 0, 1),
      ("x-b x-d", 0, 5), ({"client": "10.0.1.0/24"}, 3, 0)],
     [("x-c is absent and client address's network is present", "4 of 4 rejected, 0 of 6 accepted")], 0),
    # Two conjunctions, the second found after the first; a pair that adds mostly accepted attempts is passed
    # over, and the pairs after it are still tried.
    ([("", 1, 0), ("x-b", 0, 10), ({"client": "10.0.1.0/24", "x-d": "1"}, 1, 7), ("x-b x-d", 7, 0),
      ({"client": "10.0.1.0/24"}, 4, 0)],
     [("client address's network is absent and x-d is present", "7 of 13 rejected, 0 of 17 accepted"),
      ("x-b is absent and x-d is absent", "5 of 13 rejected, 0 of 17 accepted")], 1),
    # A value seen in one attempt is no candidate alone: the 2 rejections have only their missing fmt in common.
    ([("", 2, 1), ({"x-b": "u1", "?fmt": "0"}, 0, 1), ({"x-b": "u2", "?fmt": "0"}, 0, 1), ({"?fmt": "0"}, 0, 4)],
     [("query parameter fmt is absent", "2 of 2 rejected, 1 of 7 accepted")], 0),
    # A second conjunction for a single rejection does not pay for its two parts.
    ([({"x-a": "3", "x-b": "0"}, 4, 0), ({"x-a": "3"}, 0, 4), ({"x-b": "0"}, 0, 4), ("", 1, 0)],
     [("x-a is present and x-b is present", "4 of 5 rejected, 0 of 8 accepted")], 1),
    # x-f's absence (31 of 41 rejections) is chosen first; once x-d and x-b are found it no longer pays: dropped.
    ([("x-b", 3, 3), ("x-b x-d", 20, 1), ("", 8, 0), ("x-b x-d x-f", 8, 1), ("x-b x-f", 0, 36), ("x-f", 2, 1)],
     [("x-d is present", "28 of 41 rejected, 2 of 42 accepted"),
      ("x-b is absent", "10 of 41 rejected, 1 of 42 accepted")], 3),
])
def test_the_search_step_by_step(rows: list[tuple[str | dict[str, str], int, int]],
                                 expected: list[tuple[str, str]], unexplained: int) -> None:
    """The greedy description-length search on small groups: the findings it keeps, in order, exactly."""
    g = _explained(rows)
    assert [(f.condition, f.counts) for f in g.findings] == expected
    assert g.unexplained_attempts == unexplained


def test_conditions_that_no_longer_pay_are_dropped_one_after_another() -> None:
    """x-a1 and x-a2 (14 and 13 of 30 rejections) are chosen first; x-b, x-c and x-d then cover all 30: both dropped."""
    g = _explained([("x-b x-a1", 9, 0), ("x-b", 1, 0), ("x-c x-a1", 5, 0), ("x-c x-a2", 4, 0), ("x-c", 1, 0),
                    ("x-d x-a2", 9, 0), ("x-d", 1, 0), ("", 0, 200)])
    assert [(f.condition, f.counts, f.explained_alone) for f in g.findings] == [
        ("x-b is present", "10 of 30 rejected, 0 of 200 accepted", 10),
        ("x-c is present", "10 of 30 rejected, 0 of 200 accepted", 10),
        ("x-d is present", "10 of 30 rejected, 0 of 200 accepted", 10)]


def test_the_values_past_the_cap_are_said_as_not_the_kept_one() -> None:
    """With one value kept (b1), later builds are "another value": "X-Build is not b1" says them, even as a part.

    b1 is rejected with x-y, later builds without it: two conjunctions, every rejection explained.
    """
    g = _explained([({"x-build": "b1"}, 0, 8), ({"x-build": "b1", "x-y": "1"}, 12, 3), ({"x-build": "b2"}, 12, 8),
                    ({"x-build": "b2", "x-y": "1"}, 0, 5), ({"x-build": "b3", "x-y": "1"}, 0, 3)], value_cap=1)
    assert [(f.condition, f.counts) for f in g.findings] == [
        ("x-y is present and x-build is b1", "12 of 24 rejected, 3 of 27 accepted"),
        ("x-y is absent and x-build is not b1", "12 of 24 rejected, 8 of 27 accepted")]
    assert (g.unexplained_attempts, g.exception_attempts) == (0, 11)


def test_absence_is_counted_as_a_value_of_its_own() -> None:
    """Absence rejects 3 of 8, between b (8 of 10) and c (0 of 10): the split keeps a and b; c is the accepted value.

    The replay moves the commonest attempt to c (10 accepted), not to absence (5 accepted).
    """
    g = _explained([({"x-v": "a"}, 10, 0), ({"x-v": "b"}, 8, 2), ("", 3, 5), ({"x-v": "c"}, 0, 10)])
    assert findings(g) == [("x-v is present and not c", "18 of 21 rejected, 2 of 17 accepted",
                            ("wsdiff", "replay", "s000", "--variant", "set-header=x-v:c"))]
    assert g.unexplained_attempts == 3


def test_a_condition_that_costs_exactly_what_it_saves_is_kept() -> None:
    """x-a, chosen first, alone explains one of 12 rejections; dropping it would save exactly what it costs: kept.

    Six candidates (each header present or absent): naming x-a costs 1 + log2 6 = log2 12 bits. With it the
    exceptions take log2 13 + log2 12 bits (12 matched, 11 not, none against the rule); without it, log2 12 for
    the 11 matched and log2 13 + log2 12 for its rejection among the 12 unmatched: log2 12 more.
    """
    g = _explained([("x-a x-b x-c", 4, 0), ("x-a x-c", 1, 0), ("x-a x-b", 2, 0), ("x-c", 2, 0), ("x-b", 2, 0),
                    ("x-a", 1, 0), ("", 0, 11)])
    assert [(f.condition, f.counts, f.explained_alone) for f in g.findings] == [
        ("x-a is present", "8 of 12 rejected, 0 of 11 accepted", 1),
        ("x-b is present", "8 of 12 rejected, 0 of 11 accepted", 2),
        ("x-c is present", "7 of 12 rejected, 0 of 11 accepted", 2)]
    assert g.explained


def test_at_equal_cost_one_condition_is_said_rather_than_two() -> None:
    """x-b alone (8 of 8 rejected, 1 exception) and x-a with x-b (none) cost exactly the same: x-b alone is said.

    Eight candidates (x-a, x-b, x-c, x-d, x-e, x-f, x-g, x-z present), so naming one costs 3 bits: 1 + 3 +
    log2(10 * 9 * 4) for the single one, 1 + 6 + log2(9 * 5) for the pair, both log2(5760).
    """
    g = _explained([("x-a x-b x-c x-d x-e x-f x-g x-z", 8, 0), ("x-a x-g x-z", 0, 1), ("x-a x-c x-e", 0, 1),
                    ("x-b x-e x-f", 0, 1), ("x-d x-f x-g", 0, 1)])
    assert [(f.condition, f.counts) for f in g.findings] == [("x-b is present", "8 of 8 rejected, 1 of 4 accepted")]


def test_an_id_is_judged_by_its_kept_values_and_only_its_presence_counts() -> None:
    """A header with a value of its own on every attempt is an id: a rule says it is present, never which ids.

    The values counted past the cap (here 5) are left out of the judgement, however many attempts carry them.
    """
    tally = Tally(key=RUN_KEY)
    for i in range(16):  # 5 rejected and 1 accepted with an id each, 10 accepted without
        tally.add_features(f"s{i:02d}", [(("header", "x-n", "value"), f"id{i}")] if i < 6 else [], i < 5)
    assert [(f.condition, f.counts) for f in only(tally.result()).findings] == [
        ("x-n is present", "5 of 5 rejected, 1 of 11 accepted")]
    capped = _explained([({"x-n": f"id{i}"}, 1, 0) for i in range(2)]
                        + [({"x-n": f"id{i}"}, 0, 1) for i in range(2, 25)] + [("", 10, 0)], value_cap=5)
    assert [(f.condition, f.counts) for f in capped.findings] == [
        ("x-n is absent", "10 of 12 rejected, 0 of 23 accepted")]
    assert capped.unexplained_attempts == 2
