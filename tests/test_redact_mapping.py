"""Every field of a capture is walked by redaction: what it becomes, and the place each secret is bound to."""

from __future__ import annotations

import re
from operator import attrgetter

import pytest

from helpers import capture, forget_redactions
from wsdiff.errors import SecretRefusedError
from wsdiff.model import Endpoint, Failure, Message, Request, Response, Session
from wsdiff.redact import Binding, Secret, fingerprint, fingerprints_in, redact_capture, restore_request, reveal_capture

KEY = b"k" * 32
AT = "wss://tts.example:443"  # where helpers.capture() records
TTS = Endpoint("wss", "tts.example", 443, sni="tts.example")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    """Each test redacts from scratch: no answer remembered from an earlier test stands in for the rules."""
    forget_redactions()


def fp(secret: str) -> str:
    return fingerprint(KEY, secret)


def filled(template: str) -> str:
    """*template* with each «secret» written as its fingerprint."""
    return re.sub("«([^»]*)»", lambda m: fp(m.group(1)), template)


def bound(places: dict[str, str]) -> dict[str, Secret]:
    """The secrets redact_capture returns for *places* (secret -> the one place it was recorded at)."""
    return {fp(value): Secret(value, frozenset({Binding(AT, place)})) for value, place in places.items()}


@pytest.mark.parametrize(
    ("changes", "field", "expected", "places"),
    [
        # mitmproxy's mode as written on its command line: an upstream proxy's credentials in its URL.
        ({"proxy_mode": "upstream:http://alice:s3cret-pass@proxy.corp:3128"}, "proxy_mode",
         "upstream:http://«alice:s3cret-pass»@proxy.corp:3128", {"alice:s3cret-pass": "proxy mode"}),
        ({"label": "app token=abcdef123456"}, "label", "app token=«abcdef123456»", {"abcdef123456": "label"}),
        ({"error": Failure("reset", "connection reset: Authorization: Bearer abcdefgh12345")}, "error",
         Failure("reset", "connection reset: Authorization: Bearer «abcdefgh12345»"), {"abcdefgh12345": "error"}),
        ({"response": Response(403, "Forbidden: token=abcd1234 expired")}, "response.reason",
         "Forbidden: token=«abcd1234» expired", {"abcd1234": "response reason"}),
        # A response header's name is bound in lower case, as a request header's is (RFC 9110 5.1).
        ({"response": Response(403, "Forbidden", headers=(("X-Auth-Token", "tok-123456"),))}, "response.headers",
         (("X-Auth-Token", "«tok-123456»"),), {"tok-123456": "response header x-auth-token"}),
        ({"response": Response(403, "Forbidden", headers=(("Set-Cookie", "sid=abcdef12; Path=/; HttpOnly"),))},
         "response.headers", (("Set-Cookie", "sid=«abcdef12»; Path=/; HttpOnly"),), {"abcdef12": "set-cookie sid"}),
        # A JSON member's name refines the place of a secret in a body.
        ({"response": Response(403, "Forbidden", body=b'{"error":"denied","access_token":"at-12345678"}')},
         "response.body", '{"error":"denied","access_token":"«at-12345678»"}'.encode("latin-1"),
         {"at-12345678": "response body access_token"}),
        # A body that is not UTF-8 is read byte for character (ISO-8859-1): every other byte comes back as it was.
        ({"response": Response(403, "Forbidden", body=b"\x89\xff token=s3cr3t-value \xfe")}, "response.body",
         "\x89\xff token=«s3cr3t-value» \xfe".encode("latin-1"), {"s3cr3t-value": "response body"}),
        ({"websocket": Session(messages=(Message("server", "binary", 20, b"\xff\x00password=pw-12345678 \xfe", 0.5),))},
         "websocket.messages",
         (Message("server", "binary", 20, "\xff\x00password=«pw-12345678» \xfe".encode("latin-1"), 0.5),),
         {"pw-12345678": "message server 1"}),
        # Members the capture file has beyond schema 1: strings at any depth, each at the path of names leading
        # to it (list items take their list's place); numbers, booleans and null as they are.
        ({"extra": {"note": "token=zzzzzzzz99", "auth": {"token": "t0k3n-value", "n": 3, "ok": True, "none": None,
                                                         "list": ["password=hunter2hunter2", 4, "plain"]},
                    "api_key": "k-1234567890", "version": 2}},
         "extra", {"note": "token=«zzzzzzzz99»", "auth": {"token": "«t0k3n-value»", "n": 3, "ok": True, "none": None,
                                                           "list": ["password=«hunter2hunter2»", 4, "plain"]},
                   "api_key": "«k-1234567890»", "version": 2},
         {"zzzzzzzz99": "extra note", "t0k3n-value": "extra auth token", "hunter2hunter2": "extra auth list",
          "k-1234567890": "extra api_key"}),
        # A token as the whole query (no name): bound to the bare query place.
        ({"target": f"/ws?{JWT}"}, "request.target", f"/ws?«{JWT}»", {JWT: "query"}),
        ({"target": f"/ws?{JWT}&voice=alloy"}, "request.target", f"/ws?«{JWT}»&voice=alloy", {JWT: "query"}),
        # A token in the path, with and without a query after it.
        ({"target": f"/ws/{JWT}"}, "request.target", f"/ws/«{JWT}»", {JWT: "path"}),
        ({"target": f"/ws/{JWT}?voice=alloy"}, "request.target", f"/ws/«{JWT}»?voice=alloy", {JWT: "path"}),
    ],
)
def test_each_field_is_redacted_and_bound_to_its_place(changes: dict[str, object], field: str, expected: object,
                                                       places: dict[str, str]) -> None:
    """Each field gets exactly its credentials fingerprinted, each secret bound to the place it was recorded at."""
    out, found = redact_capture(capture(**changes), KEY)
    assert attrgetter(field)(out) == _fill(expected)
    assert found == bound(places)


@pytest.mark.parametrize(
    ("extra", "expected", "places"),
    [
        # A member's name is judged whole, whitespace and all: its value is the credential.
        ({"token ": "v-0123456789"}, {"token ": "«v-0123456789»"}, {"v-0123456789": "extra token"}),
        ({" api key": "v-0123456789"}, {" api key": "«v-0123456789»"}, {"v-0123456789": "extra api_key"}),
        ({"token x": "v-0123456789"}, {"token x": "«v-0123456789»"}, {"v-0123456789": "extra token_x"}),
        ({"meta": {"access\ttoken": "v-0123456789"}}, {"meta": {"access\ttoken": "«v-0123456789»"}},
         {"v-0123456789": "extra meta access_token"}),
        # A name of whitespace only, or none, names nothing: its value is read as free text.
        ({" ": "v-0123456789", "": "token=zz-0123456789"}, {" ": "v-0123456789", "": "token=«zz-0123456789»"},
         {"zz-0123456789": "extra _"}),
        # Whitespace in a name that says nothing of credentials leaves the value as it is.
        ({"voice name": "alloy"}, {"voice name": "alloy"}, {}),
    ],
)
def test_an_extra_member_name_holding_whitespace_is_judged_whole(extra: dict[str, object], expected: object,
                                                                  places: dict[str, str]) -> None:
    """A member named 'token ' or 'api key' holds a credential: whitespace in its name never hides it."""
    out, found = redact_capture(capture(extra=extra), KEY)
    assert out.extra == _fill(expected)
    assert found == bound(places)


def _fill(value: object) -> object:
    """*value* with every «secret» in its strings (and bytes, read as ISO-8859-1) written as its fingerprint."""
    if isinstance(value, str):
        return filled(value)
    if isinstance(value, bytes):
        return filled(value.decode("latin-1")).encode("latin-1")
    if isinstance(value, dict):
        return {k: _fill(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v) for v in value)
    if isinstance(value, Failure):
        return Failure(value.kind, filled(value.message))
    if isinstance(value, Message):
        return Message(value.direction, value.type, value.size, _fill(value.head), value.at)
    return value


def test_fields_without_credentials_come_back_as_they_were() -> None:
    """Mode, label, extra members and a cut body hold nothing secret: each comes back equal, and no secret is found."""
    extra = {"note": "recorded on CI", "nested": {"n": 1, "list": ["a", 2, None], "flag": False}, "count": 3}
    c = capture(proxy_mode="regular", label="script", extra=extra,
                response=Response(403, "Forbidden", body=b'{"error":"origin not allowed"}', body_truncated=True))
    out, found = redact_capture(c, KEY)
    assert (out.proxy_mode, out.label, out.response) == ("regular", "script", c.response)
    assert out.extra == extra  # Capture equality leaves extra out: compared on its own
    assert out == c.replace(redacted=True)
    assert found == {}


def test_a_body_cut_at_the_kept_bytes_limit_stays_cut_once_redacted() -> None:
    """Fingerprinting a secret in a cut body keeps the body marked cut (and the other fields of the answer)."""
    c = capture(response=Response(403, "Forbidden", "HTTP/1.0", (("Server", "nginx"),),
                                  b'{"error":"denied","access_token":"at-12345678', True))
    out, found = redact_capture(c, KEY)
    assert out.response == Response(403, "Forbidden", "HTTP/1.0", (("Server", "nginx"),),
                                    filled('{"error":"denied","access_token":"«at-12345678»').encode(), True)
    assert found == bound({"at-12345678": "response body access_token"})


@pytest.mark.parametrize(
    "target",
    [
        "/ws?",  # a client that always appends '?'
        "/ws?voice=alloy&",  # a trailing '&'
        "/ws?&voice=alloy",
        "/ws?debug&&voice=alloy",  # an empty parameter between two
        "/ws?voice=alloy&debug&",
        "/ws?voice=alloy&format=mp3",
        "/ws?debug",
        "/ws",
    ],
)
def test_a_target_without_credentials_is_kept_byte_for_byte(target: str) -> None:
    """Nothing to redact in a target: it comes back as sent, empty parameters and a bare '?' included."""
    out, found = redact_capture(capture(target=target), KEY)
    assert out.request.target == target
    assert found == {}
    assert restore_request(out.request, {}, endpoint=TTS) == out.request


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/ws?token=tok-12345678", "/ws"),  # no parameter left: no '?' either
        ("/ws?token=tok-12345678&voice=alloy", "/ws?voice=alloy"),
        ("/ws?voice=alloy&token=tok-12345678", "/ws?voice=alloy"),
        (f"/ws?{JWT}", "/ws"),
    ],
)
def test_dropping_a_missing_query_secret_leaves_the_rest_of_the_target(target: str, kept: str) -> None:
    """With drop_missing, a parameter whose secret is missing is left out, with its '?' when it was the only one."""
    redacted, _ = redact_capture(capture(target=target), KEY)
    assert restore_request(redacted.request, {}, endpoint=TTS, drop_missing=True).target == kept


def test_a_bare_query_secret_is_restored_only_at_the_bare_query_place() -> None:
    """A token that is the whole query parameter is restored there, and refused in a named parameter."""
    redacted, found = redact_capture(capture(target=f"/ws?{JWT}"), KEY)
    assert restore_request(redacted.request, found, endpoint=TTS).target == f"/ws?{JWT}"
    moved = Request(target=f"/ws?token={fp(JWT)}", headers=redacted.request.headers)
    with pytest.raises(SecretRefusedError) as e:
        restore_request(moved, found, endpoint=TTS)
    assert str(e.value) == (f"the secret in query token ({fp(JWT)}) belongs to query at {AT}; refusing to send it "
                            f"to {AT} (--allow-secrets-to tts.example:443 sends it there)")


# The look-back that finds a JSON member's name before a fingerprint reaches 80 characters: from the opening
# quote of the name to the fingerprint. '{"token":' + n spaces + '"': the name's quote is at 1, the fingerprint at
# n + 10, so n = 71 is just within reach and n = 72 just beyond it.
FAR = fp("far-away")


@pytest.mark.parametrize(
    ("value", "place"),
    [
        (fp("k-1"), "header X-Data"),
        (f'{{"token": "{fp("k-1")}"}}', "header X-Data token"),
        (f'{{"user":"u","session":{{"id":"{fp("k-1")}"}}}}', "header X-Data id"),  # the nearest name
        (f'"token":"{fp("k-1")}"', "header X-Data token"),  # the name's quote is the value's first character
        (f'{{"token" :  "{fp("k-1")}"}}', "header X-Data token"),
        (f'{{"token":{fp("k-1")}}}', "header X-Data"),  # not a string value: no member name
        (f'{{"token": "x {fp("k-1")}"}}', "header X-Data"),  # inside a longer string
        ('{"token":' + " " * 71 + f'"{FAR}"}}', "header X-Data token"),
        ('{"token":' + " " * 72 + f'"{FAR}"}}', "header X-Data"),
    ],
)
def test_a_json_member_name_refines_the_place_of_a_fingerprint(value: str, place: str) -> None:
    """The place of a fingerprint in a JSON value names the member right before it, within 80 characters."""
    found = fingerprints_in(Request(headers=(("X-Data", value),)))
    assert found == [(place, re.search(r"redacted:[0-9a-f]{16}", value).group(0))]  # type: ignore[union-attr]


def test_only_the_known_values_held_by_the_capture_are_its_secrets() -> None:
    """A known secret found in the capture is returned bound where it sat; one the capture lacks is not returned."""
    out, found = redact_capture(capture(target="/ws/kn0wn-secret-1"), KEY, known=["kn0wn-secret-1", "elsewhere-99"])
    assert out.request.target == f"/ws/{fp('kn0wn-secret-1')}"
    assert found == bound({"kn0wn-secret-1": "path"})


def test_reveal_puts_back_each_field_bound_to_its_place() -> None:
    """show --reveal-secrets gives back every field redaction changed, from the secrets it found."""
    c = capture(proxy_mode="upstream:http://alice:s3cret-pass@proxy.corp:3128", label="app token=abcdef123456",
                target=f"/ws/{JWT}?{JWT}",
                error=Failure("reset", "Authorization: Bearer abcdefgh12345"),
                response=Response(403, "Forbidden: token=abcd1234", headers=(("X-Auth-Token", "tok-123456"),),
                                  body=b"\xff token=s3cr3t-value"),
                extra={"auth": {"token": "t0k3n-value"}})
    out, found = redact_capture(c, KEY)
    back = reveal_capture(out, found)
    assert back == c.replace(redacted=True)
    assert back.extra == c.extra


def test_reveal_keeps_a_fingerprint_moved_to_another_field() -> None:
    """A fingerprint copied from where it was recorded into the label stays a fingerprint when revealed."""
    out, found = redact_capture(capture(label="app token=abcdef123456"), KEY)
    moved = out.replace(proxy_mode=f"upstream:http://{fp('abcdef123456')}@proxy.corp:3128")
    back = reveal_capture(moved, found)
    assert (back.label, back.proxy_mode) == ("app token=abcdef123456",
                                             f"upstream:http://{fp('abcdef123456')}@proxy.corp:3128")


@pytest.mark.parametrize(
    ("target", "redacted"),
    [
        ("/ws?token=tok-12345678&&voice=alloy", "/ws?token=«tok-12345678»&&voice=alloy"),
        ("/ws?token=tok-12345678&", "/ws?token=«tok-12345678»&"),
        ("/ws?&token=tok-12345678", "/ws?&token=«tok-12345678»"),
        (f"/ws?voice=alloy&{JWT}&&", f"/ws?voice=alloy&«{JWT}»&&"),
        (f"/ws/{JWT}?", f"/ws/«{JWT}»?"),  # a token in the path, and a '?' with nothing after it
    ],
)
def test_a_query_with_empty_parameters_is_replayed_as_recorded(target: str, redacted: str) -> None:
    """Fingerprinting a query keeps its empty parameters and bare '?', so restoring gives back the bytes sent."""
    out, found = redact_capture(capture(target=target), KEY)
    assert out.request.target == filled(redacted)
    assert restore_request(out.request, found, endpoint=TTS).target == target


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/ws?token=tok-12345678&&voice=alloy", "/ws?&voice=alloy"),  # the dropped parameter takes one '&'
        ("/ws?voice=alloy&&token=tok-12345678", "/ws?voice=alloy&"),
        ("/ws?token=tok-12345678&", "/ws"),  # nothing but empty parameters left: no query
        ("/ws?&token=tok-12345678&&", "/ws"),
    ],
)
def test_dropping_a_missing_secret_keeps_the_empty_parameters_around_it(target: str, kept: str) -> None:
    """With drop_missing, only the parameter without its secret goes; a query left with nothing in it goes too."""
    redacted, _ = redact_capture(capture(target=target), KEY)
    assert restore_request(redacted.request, {}, endpoint=TTS, drop_missing=True).target == kept


NAME_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNlY3JldA"


@pytest.mark.parametrize(("target", "shown", "places"), [
    # A query parameter's name is read as a bare parameter is: a token as the name, or a name that encodes a
    # credential ('password=...' percent-encoded), is fingerprinted whole and bound to the bare query place.
    (f"/ws?{NAME_JWT}=1", f"/ws?«{NAME_JWT}»=1", {NAME_JWT: "query"}),
    ("/ws?password%3Dhunter2hunter2=", "/ws?«password%3Dhunter2hunter2»=", {"password%3Dhunter2hunter2": "query"}),
    ("/ws?%7B%22token%22%3A%22t0k3n-v4lue%22%7D", "/ws?«%7B%22token%22%3A%22t0k3n-v4lue%22%7D»",
     {"%7B%22token%22%3A%22t0k3n-v4lue%22%7D": "query"}),
    # Its value then goes by the name as redacted: a credential value under a fingerprinted name.
    (f"/ws?{NAME_JWT}=abc&token=zz-12345678", f"/ws?«{NAME_JWT}»=abc&token=«zz-12345678»",
     {NAME_JWT: "query", "zz-12345678": "query token"}),
    # A credential value under a fingerprinted name: bound under that name as redacted, restored all the same.
    (f"/ws?{NAME_JWT}={JWT}", f"/ws?«{NAME_JWT}»=«{JWT}»",
     {NAME_JWT: "query", JWT: f"query {fingerprint(KEY, NAME_JWT)}"}),
    # Ordinary names stay as they are.
    ("/ws?voice=alloy&lang=en", "/ws?voice=alloy&lang=en", {}),
])
def test_a_query_parameter_s_name_is_redacted_too(target: str, shown: str, places: dict[str, str]) -> None:
    """A credential in a parameter's name is fingerprinted, bound, and put back byte for byte on replay."""
    c = capture(target=target)
    out, found = redact_capture(c, KEY)
    assert out.request.target == filled(shown)
    assert found == bound(places)
    assert restore_request(out.request, found, endpoint=TTS) == c.request


def test_a_parameter_whose_name_has_no_secret_is_left_out_with_drop() -> None:
    """--missing-secrets drop: a parameter whose fingerprinted name is not in the store goes, its value with it."""
    out, _ = redact_capture(capture(target=f"/ws?voice=alloy&{NAME_JWT}=1"), KEY)
    assert restore_request(out.request, {}, endpoint=TTS, drop_missing=True).target == "/ws?voice=alloy"
