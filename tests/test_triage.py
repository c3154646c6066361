"""The triage core: features, the explanation search and its report, on synthetic attempts (pure)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest

from wsdiff.model import Capture, Session, with_header
from wsdiff.triage import Tally, extract_features, judge, path_shape, triage, user_agent_product, value_class
from wsdiff.view import triage_lines

from helpers import BASE_HEADERS, capture

APP = "https://app.example"
KEY = "redacted:00000000000000aa"
FINGERPRINT = "redacted:"


def attempt(rejected: bool, *, headers: dict[str, str | None] | None = None, query: str = "voice=alloy",
            path: str = "/ws", **changes: object) -> Capture:
    """A realistic handshake to wss://tts.example with these headers set (None: left out) and this outcome."""
    h = BASE_HEADERS
    for name, value in (headers or {}).items():
        if value is not None:
            h = with_header(h, name, value)
    return capture(target=f"{path}?{query}" if query else path, headers=h, status=403 if rejected else 101, **changes)


def run(attempts: list[Capture], **kw: object) -> object:
    return triage(((f"a{i:04d}.json", c) for i, c in enumerate(attempts)), **kw)  # type: ignore[arg-type]


def only_group(result: object):  # type: ignore[no-untyped-def]
    [group] = result.groups  # type: ignore[attr-defined]
    return group


def population(n: int, seed: int, rule: Callable[[dict[str, str | None], str], bool],
               flaky: float = 0.0) -> tuple[list[Capture], list[tuple[dict[str, str | None], str, bool]]]:
    """*n* attempts with randomised origin, key, mode, format, user agent and language; *rule* says which fail."""
    rnd = random.Random(seed)
    out, truth = [], []
    for i in range(n):
        headers: dict[str, str | None] = {
            "Origin": rnd.choice([None, APP, "https://admin.app.example", "https://evil.example",
                                "http://localhost:3000", "null"]),
            "X-Api-Key": rnd.choices([None, KEY, "redacted:00000000000000bb"], [2, 7, 1])[0],
            "X-Client-Mode": rnd.choice([None, "legacy", "modern"]),
            "User-Agent": rnd.choice(["Python/3.12 websockets/17.4", "Python/3.12 aiohttp/3.14.5",
                                      f"Mozilla/5.0 (X11; Linux) Gecko/20100101 Firefox/{rnd.randint(120, 125)}.0"]),
            "Accept-Language": rnd.choice(["en", "de", "fr", None]),
            "X-Request-Id": f"{rnd.getrandbits(64):016x}",  # noise: never ranks
            "Sec-WebSocket-Key": f"{rnd.getrandbits(96):024x}==",
        }
        query = f"voice={rnd.choice(['alloy', 'echo', 'fable'])}&t={rnd.getrandbits(40)}"  # t: a cache-buster
        fmt = rnd.choice([None, "pcm", "opus", "mp3"])
        if fmt:
            query += f"&fmt={fmt}"
        rejected = rule(headers, query) or rnd.random() < flaky
        out.append(attempt(rejected, headers=headers, query=query, id=f"{i:06d}"))
        truth.append((headers, query, rejected))
    return out, truth


def bad_origin(h: dict[str, str | None], q: str) -> bool:
    return h["Origin"] is not None and h["Origin"] not in (APP, "https://admin.app.example")


def bad_key(h: dict[str, str | None], q: str) -> bool:
    return h["X-Api-Key"] != KEY


def legacy_pcm(h: dict[str, str | None], q: str) -> bool:
    return h["X-Client-Mode"] == "legacy" and "fmt=pcm" in q


def count(truth: list[tuple[dict[str, str | None], str, bool]], rule: Callable[..., bool], rejected: bool) -> int:
    return sum(1 for h, q, r in truth if r == rejected and rule(h, q))


# --- the explanation search --------------------------------------------------------


def test_single_rule_origin_allow_list() -> None:
    """One Origin allow-list: one finding, worded as an allow-list, with exact counts and a replay to test it."""
    attempts, truth = population(300, 1, bad_origin)
    g = only_group(run(attempts))
    assert g.explained and g.unexplained_attempts == 0 and g.exception_attempts == 0
    [f] = g.findings
    assert (f.parts[0].kind, f.parts[0].name, f.parts[0].negated) == ("header", "Origin", True)
    assert f.parts[0].values == (None, "https://admin.app.example", APP)
    assert f.condition == "Origin is present and not one of https://admin.app.example, https://app.example"
    assert (f.rejected_matched, f.accepted_matched) == (count(truth, bad_origin, True), 0) == (g.rejected, 0)
    assert f.test[:2] == ("wsdiff", "replay") and f.test[-2] == "--variant"
    assert f.test[-1] in ("drop-origin", f"set-origin={APP}", "set-origin=https://admin.app.example")
    source = f.test[2]
    assert bad_origin(*truth[int(source[1:5])][:2]) and truth[int(source[1:5])][2]


def test_disjunction_is_two_conditions() -> None:
    """Two independent rules give two findings, each counted over every rejection it matches."""
    attempts, truth = population(400, 2, lambda h, q: bad_origin(h, q) or bad_key(h, q))
    g = only_group(run(attempts))
    assert g.explained and len(g.findings) == 2
    by_name = {f.parts[0].name: f for f in g.findings}
    origin, key = by_name["Origin"], by_name["X-Api-Key"]
    assert (origin.rejected_matched, origin.accepted_matched) == (count(truth, bad_origin, True), 0)
    assert (key.rejected_matched, key.accepted_matched) == (count(truth, bad_key, True), 0)
    assert key.condition == f"X-Api-Key is absent or not the secret {KEY}"
    both = sum(1 for h, q, r in truth if bad_origin(h, q) and bad_key(h, q))
    assert key.explained_alone == key.rejected_matched - both
    assert key.test[-1] == f"set-header=X-Api-Key:{KEY}"  # replay restores the secret from the store


def test_conjunction_is_one_condition_with_both() -> None:
    """A rule that needs two things at once is one finding with two parts, tested by bisecting a pair."""
    attempts, truth = population(400, 3, legacy_pcm)
    g = only_group(run(attempts))
    [f] = g.findings
    assert [(p.kind, p.name, p.values, p.negated) for p in f.parts] == [
        ("query-param", "fmt", ("pcm",), False), ("header", "X-Client-Mode", ("legacy",), False)]
    assert f.condition == "query parameter fmt is pcm and X-Client-Mode is legacy"
    assert (f.rejected_matched, f.accepted_matched) == (count(truth, legacy_pcm, True), 0)
    assert f.to_json()["kind"] == "all-of" and f.to_json()["name"] is None
    assert f.test[:2] == ("wsdiff", "bisect")
    good, bad = (int(s[1:5]) for s in f.test[2:])
    assert not truth[good][2] and truth[bad][2]


def test_three_rules_at_once() -> None:
    """Two independent rules and a combined one: exactly three findings with the right counts."""
    rules = (bad_origin, bad_key, legacy_pcm)
    attempts, truth = population(500, 4, lambda h, q: any(r(h, q) for r in rules))
    g = only_group(run(attempts))
    assert g.explained and len(g.findings) == 3
    assert sorted(f.rejected_matched for f in g.findings) == sorted(count(truth, r, True) for r in rules)
    assert all(f.accepted_matched == 0 for f in g.findings)


def test_features_that_always_occur_together_are_indistinguishable() -> None:
    """When the data cannot tell two features apart, both are reported, and one replay tries each."""
    rnd = random.Random(5)
    attempts = []
    for i in range(120):
        old = rnd.random() < 0.3
        headers = {"X-Client": "old" if old else "new", "Accept-Language": rnd.choice(["en", "de"])}
        query = "v=1&legacy=1" if old else "v=2"
        attempts.append(attempt(old, headers=headers, query=query))
    g = only_group(run(attempts))
    [f] = g.findings
    named = {(f.parts[0].kind, f.parts[0].name)} | {(c.kind, c.name) for _, c in f.indistinguishable}
    assert named == {("query-param", "v"), ("query-param", "legacy"), ("header", "X-Client")}
    assert f.test[:2] == ("wsdiff", "bisect")  # no variant sets a query parameter's value: bisect tells them apart
    attempts = [c.replace(request=c.request.replace(target=c.request.target.replace("v=1&", "").replace("v=2", "")))
                for c in attempts]
    [f] = only_group(run(attempts)).findings
    assert f.test[:2] == ("wsdiff", "replay") and [x for x in f.test if x.startswith(("drop", "set"))] == [
        "drop-query-param=legacy", "set-header=X-Client:new"]
    assert "cannot tell apart" in "\n".join(triage_lines(run(attempts)))


def test_flaky_server_exceptions_are_counted_not_explained_away() -> None:
    """A flaky server: the rule keeps its exceptions, random rejections stay unexplained, nothing spurious is added."""
    rnd = random.Random(6)
    attempts, truth = population(400, 6, bad_origin)
    # Flip a few outcomes the way a flaky server would: accept some bad origins, reject some good ones.
    flipped = rnd.sample(range(400), 12)
    attempts = [c.replace(response=capture(status=101 if c.response.status == 403 else 403).response)
                if i in flipped else c for i, c in enumerate(attempts)]
    truth = [(h, q, (not r) if i in flipped else r) for i, (h, q, r) in enumerate(truth)]
    g = only_group(run(attempts))
    [f] = g.findings
    assert f.parts[0].name == "Origin"
    assert f.rejected_matched == count(truth, bad_origin, True)
    assert f.accepted_matched == count(truth, bad_origin, False) == g.exception_attempts > 0
    random_rejections = sum(1 for h, q, r in truth if r and not bad_origin(h, q))
    assert g.unexplained_attempts == random_rejections > 0 and not g.explained
    assert sum(u.attempts for u in g.unexplained) == random_rejections
    assert g.unexplained[0].test[:2] == ("wsdiff", "bisect")


def test_noise_never_ranks() -> None:
    """Request ids, key nonces and cache-busters that happen to separate the outcomes are never named."""
    attempts = []
    for i in range(60):
        rejected = i % 3 == 0
        headers = {"User-Agent": "OldApp/1.0" if rejected else "NewApp/2.0",
                   "X-Request-Id": "r-old" if rejected else "r-new",  # would separate perfectly, but is an id
                   "Date": "Mon, 01 Jan 2024" if rejected else "Tue, 02 Jan 2024"}
        attempts.append(attempt(rejected, headers=headers, query=f"t={'1' if rejected else '2'}&_=x{i % 2}"))
    g = only_group(run(attempts))
    [f] = g.findings
    mentioned = [(f.parts[0].kind, f.parts[0].name)] + [(c.kind, c.name) for _, c in f.indistinguishable]
    assert mentioned == [("header", "User-Agent")]
    assert f.parts[0].facet == "value"


def test_an_id_like_header_is_compared_by_presence_only() -> None:
    """A header whose value differs on every attempt cannot explain random rejections."""
    rnd = random.Random(7)
    attempts = [attempt(rnd.random() < 0.3, headers={"X-Instance": f"{rnd.getrandbits(64):x}"}) for _ in range(200)]
    g = only_group(run(attempts))
    assert g.findings == () and not g.explained
    assert g.note == "no condition separates the rejected attempts from the accepted ones"


def test_user_agent_major_version_class() -> None:
    """Builds differ on every attempt; the rule is on product and major version."""
    rnd = random.Random(8)
    attempts = []
    for _ in range(200):
        major = rnd.choice([100, 101, 120, 121, 122])
        build = f"{rnd.randint(1000, 9999)}.{rnd.randint(1, 99)}"
        ua = f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/{major}.0.{build} Safari/537.36"
        attempts.append(attempt(major < 110, headers={"User-Agent": ua}))
    [f] = only_group(run(attempts)).findings
    assert (f.parts[0].name, f.parts[0].facet, f.parts[0].values) == ("User-Agent", "product-major",
                                                                      ("Chrome/100", "Chrome/101"))
    assert f.condition == "User-Agent's product and major version is one of Chrome/100, Chrome/101"
    assert f.test[:2] == ("wsdiff", "bisect")  # a class of values has no single replay variant


def test_origin_site_class_when_ports_vary() -> None:
    """Origins with random ports: the rule is on scheme and host."""
    rnd = random.Random(9)
    attempts = []
    for _ in range(200):
        evil = rnd.random() < 0.4
        origin = f"https://{'evil' if evil else 'app'}.example:{rnd.randint(1024, 65000)}"
        attempts.append(attempt(evil, headers={"Origin": origin}))
    [f] = only_group(run(attempts)).findings
    assert (f.parts[0].facet, f.parts[0].values, f.parts[0].negated) == ("site", ("https://evil.example",), False)
    assert f.condition == "Origin's scheme and host is https://evil.example"


def test_query_value_class() -> None:
    """A parameter that must be an integer: the kind of value separates, not any one value."""
    rnd = random.Random(10)
    attempts = []
    for _ in range(200):
        text = rnd.random() < 0.3
        n = rnd.choice(["abc", "x1", "ten", "nine"]) if text else str(rnd.randint(0, 500))
        attempts.append(attempt(text, query=f"n={n}"))
    [f] = only_group(run(attempts)).findings
    assert (f.parts[0].kind, f.parts[0].name, f.parts[0].facet) == ("query-param", "n", "class")
    assert f.condition == "query parameter n's kind of value is text"


def test_subprotocol_and_cookie_conditions() -> None:
    """A required subprotocol and a session cookie by fingerprint (same or different)."""
    rnd = random.Random(11)
    attempts = []
    for _ in range(200):
        proto = rnd.choice(["tts.v1", "tts.v2", None])
        cookie = rnd.choice(["sid=redacted:00000000000000c1", "sid=redacted:00000000000000c2"])
        headers = {"Sec-WebSocket-Protocol": proto, "Cookie": cookie}
        attempts.append(attempt(proto != "tts.v2" or cookie.endswith("c2"), headers=headers))
    conditions = sorted(f.condition for f in only_group(run(attempts)).findings)
    assert conditions == ["cookie sid is the secret redacted:00000000000000c2", "subprotocol tts.v2 is not offered"]


def test_secrets_never_appear_only_fingerprints() -> None:
    """An unredacted capture's key is fingerprinted with the caller's key before anything is counted."""
    attempts = [attempt(i % 2 == 0, headers={"Authorization": f"Bearer hunter2-{'old' if i % 2 == 0 else 'new'}"},
                        redacted=False) for i in range(40)]
    result = run(attempts, key=b"k" * 32)
    text = json.dumps(result.to_json()) + "\n".join(triage_lines(result))
    assert "hunter2" not in text and "redacted:" in text
    [f] = only_group(result).findings
    assert f.condition.startswith("Authorization is Bearer redacted:") and f.test[-1].startswith(
        "set-header=Authorization:Bearer redacted:")


def test_too_few_attempts_fall_back_to_bisect() -> None:
    """One rejection among a few: no rule can be told from chance; the nearest accepted pair is offered."""
    attempts = [attempt(False, headers={"Origin": APP}), attempt(False, headers={"Origin": APP, "X-A": "1"}),
                attempt(True, headers={"Origin": "https://evil.example"})]
    g = only_group(run(attempts))
    assert g.findings == () and g.unexplained_attempts == 1
    assert g.unexplained[0].test == ("wsdiff", "bisect", "a0000.json", "a0002.json")


def test_a_group_without_accepted_attempts() -> None:
    """Rejections with nothing to compare them with are unexplained, and said so."""
    g = only_group(run([attempt(True), attempt(True, query="x=1")]))
    assert g.note == "no accepted attempt to compare the rejections with"
    assert not g.explained and g.unexplained_attempts == 2 and g.findings == ()


def test_unanswered_attempts_are_counted_apart() -> None:
    """Attempts without a response (refused, reset) are neither accepted nor rejected."""
    from wsdiff.model import Failure

    attempts, _ = population(100, 12, bad_origin)
    attempts.append(attempt(True).replace(response=None, error=Failure("refused")))
    g = only_group(run(attempts))
    assert g.unanswered == 1 and g.attempts == 101 and g.accepted + g.rejected == 100 and g.explained


def test_grouping_by_host_makes_the_path_a_feature() -> None:
    """--by endpoint keeps paths apart; --by host finds the path that is refused (ids grouped together)."""
    attempts = [attempt(p.startswith("/v1"), path=p) for p in ["/v1/rooms/1", "/v1/rooms/2", "/v2/rooms/3"] * 20]
    by_endpoint = run(attempts)
    assert [g.endpoint for g in by_endpoint.groups] == ["wss://tts.example/v1/rooms/{id}",
                                                         "wss://tts.example/v2/rooms/{id}"]
    [f] = only_group(run(attempts, by="host")).findings
    assert (f.parts[0].kind, f.parts[0].facet, f.condition) == ("path", "shape", "path shape is /v1/rooms/{id}")


def test_memory_is_bounded_by_profiles() -> None:
    """With a small profile bound, uninformative attributes are dropped from the profiles, the rule still found."""
    rnd = random.Random(13)
    tally = Tally(profile_cap=64)
    for i in range(2000):
        features = [(("header", f"x-random-{j}", "value"), str(rnd.randint(0, 3))) for j in range(8)]
        bad = rnd.random() < 0.3
        if bad:
            features.append((("header", "x-api-key", "value"), KEY))
        tally.add_features(f"a{i}", features, bad)
    g = only_group(tally.result())
    assert len(tally.groups[""].profiles) <= 64
    assert g.untracked and all(u.startswith("header x-random-") for u in g.untracked)
    [f] = g.findings
    assert f.condition == "x-api-key is present" and f.rejected_matched == g.rejected


# --- features ---------------------------------------------------------------------


@pytest.mark.parametrize(("ua", "expected"), [
    ("Python/3.12 websockets/17.4", ("websockets", "websockets/17")),
    ("Python/3.12 aiohttp/3.14.5", ("aiohttp", "aiohttp/3")),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
     ("HeadlessChrome", "HeadlessChrome/156")),
    ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
     ("Edg", "Edg/120")),
    ("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
     ("Safari", "Safari/17")),
    ("okhttp/4.12.0", ("okhttp", "okhttp/4")),
    # Safari without a Version: its own number.
    ("Mozilla/5.0 AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15", ("Safari", "Safari/605")),
    # After Mozilla or Python, the last product is the client; otherwise the first.
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ("Googlebot", "Googlebot/2")),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
     ("GPTBot", "GPTBot/1")),
    ("Apache-HttpClient/4.5.13 (Java/17.0.1)", ("Apache-HttpClient", "Apache-HttpClient/4")),
    ("Mozilla/5.0", ("Mozilla", "Mozilla/5")),
    ("Python/3.12", ("Python", "Python/3")),
    # No product/version: the first word, 40 characters at most.
    ("curl", ("curl", "curl")),
    ("MyCorporateWebSocketClientWithAVeryLongName (build 7)",
     ("MyCorporateWebSocketClientWithAVeryLongN", "MyCorporateWebSocketClientWithAVeryLongN")),
    ("  ", ("", "")),
    ("", ("", "")),
])
def test_user_agent_product(ua: str, expected: tuple[str, str]) -> None:
    """Product and major version of realistic user agents."""
    assert user_agent_product(ua) == expected


@pytest.mark.parametrize(("value", "kind"), [
    ("", "empty"), ("42", "integer"), ("-1.5", "number"), ("true", "boolean"),
    ("false", "boolean"), ("yes", "boolean"), ("no", "boolean"), ("on", "boolean"), ("off", "boolean"),
    ("FALSE", "boolean"), ("Yes", "boolean"), ("NO", "boolean"), ("On", "boolean"), ("OFF", "boolean"),
    ("y", "text"), ("truthy", "text"), ("0", "integer"),
    ("123e4567-e89b-12d3-a456-426614174000", "uuid"), ("deadbeef01", "hex"),
    ("eyJhbGciOiJIUzI1NiJ9x1", "token"), ("redacted:00000000000000aa", "secret"), ("alloy", "text"),
])
def test_value_class(value: str, kind: str) -> None:
    """Kinds of values, for rules such as 'must be an integer'."""
    assert value_class(value) == kind


def test_path_shape() -> None:
    """Ids in paths count as one shape."""
    assert path_shape("/rooms/123/u/123e4567-e89b-12d3-a456-426614174000/ws") == "/rooms/{id}/u/{id}/ws"
    assert path_shape("/ws/v2") == "/ws/v2"


def test_extract_features_leaves_noise_out() -> None:
    """Keys, dates, ids and cache-busters are not features; Host/Origin relation and client network are."""
    c = attempt(False, headers={"Origin": "https://tts.example", "Date": "x", "X-Request-Id": "1",
                                "Host": "tts.example"},
                query="t=1&_=2&voice=alloy", client="10.1.2.3:5555")
    feats = dict(extract_features(c))
    names = {(k, n) for k, n, _ in feats}
    assert ("header", "sec-websocket-key") not in names and ("header", "date") not in names
    assert ("header", "x-request-id") not in names and ("query-param", "t") not in names
    assert ("query-param", "_") not in names and ("query-param", "voice") in names
    assert feats[("header", "origin", "relation")] == "same-origin"
    assert feats[("header", "host", "relation")] == "the endpoint"
    assert feats[("client", None, "network")] == "10.1.2.0/24"
    assert feats[("extension", "permessage-deflate", "value")] == "permessage-deflate; client_max_window_bits"


def test_judge_follows_the_replay_oracle() -> None:
    """A 101 the server closes with 4003 is a rejection, unless judged by status alone."""
    closed = attempt(False, websocket=Session(state="closed", close_code=4003, closed_by="server"))
    assert judge(closed) is False and judge(closed, "status") is True
    assert judge(attempt(False, websocket=Session(state="closed", close_code=1000, closed_by="server"))) is True
    assert judge(attempt(True)) is False


def test_control_characters_are_escaped_in_text() -> None:
    """A header value with a terminal escape is shown escaped, never raw."""
    attempts = [attempt(i % 2 == 0, headers={"X-Mode": "\x1b[31mred" if i % 2 == 0 else "plain"}) for i in range(40)]
    text = "\n".join(triage_lines(run(attempts)))
    assert "\x1b" not in text and "\\x1b[31mred" in text


def test_a_part_of_a_conjunction_can_be_indistinguishable() -> None:
    """When one part of a two-part rule always comes with another feature, that feature is named for that part."""
    rnd = random.Random(14)
    attempts = []
    for _ in range(300):
        legacy, pcm = rnd.random() < 0.4, rnd.random() < 0.4
        headers = {"X-Client-Mode": "legacy" if legacy else "modern", "X-Codec-Table": "v1" if legacy else "v2",
                   "Accept-Language": rnd.choice(["en", "de"])}
        attempts.append(attempt(legacy and pcm, headers=headers, query=f"fmt={'pcm' if pcm else 'opus'}"))
    [f] = only_group(run(attempts)).findings
    assert f.condition == "query parameter fmt is pcm and X-Client-Mode is legacy"
    assert [(i, c.name, c.values) for i, c in f.indistinguishable] == [(1, "X-Codec-Table", ("v1",))]
    text = "\n".join(triage_lines(run(attempts)))
    assert "or equally when X-Codec-Table is v1 in place of X-Client-Mode is legacy" in text
    assert f.to_json()["indistinguishable"][0]["part"] == 1


def test_a_capture_that_lies_about_redaction_shows_no_secret() -> None:
    """A capture that says it is redacted but holds a key in clear: what is shown is still a fingerprint."""
    attempts = [attempt(i % 3 == 0, headers={"X-Api-Key": "hunter2-wrong" if i % 3 == 0 else "hunter2-right",
                                             "Sec-WebSocket-Protocol": "tts.v1"}) for i in range(60)]
    result = run(attempts, key=b"k" * 32)
    text = json.dumps(result.to_json()) + "\n".join(triage_lines(result))
    assert "hunter2" not in text
    [f] = only_group(result).findings
    assert f.parts[0].name == "X-Api-Key" and FINGERPRINT in f.condition
    assert f.test[-1].startswith("set-header=X-Api-Key:redacted:")
