"""Issue 13, High 2 and Medium 3, Low 11: every output of every command is redacted, whatever the input format.

A table names each gap the review found (one row each), then a property
(hypothesis): a generated secret placed anywhere a credential can sit, in a
capture given as wsdiff JSON, HAR or a mitmproxy flow file, never appears in
any output: show, show --json, compare, compare --json, export in every
format, and an error message. "Appears" is strict: no 8 characters of it in a
row, so a prefix left by a value cut at the kept-bytes limit counts too.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsdiff.cli import cli
from wsdiff.model import MESSAGE_HEAD, Capture, Endpoint, Message, Request, Response, Session
from wsdiff.redact import is_credential_header, is_credential_param, redact_capture

from formats_helpers import FORMATS, write, write_json
from helpers import forget_redactions, minimal_headers

KEY = b"r" * 32
EP = Endpoint("ws", "127.0.0.1", 9)
JWT_HEAD = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    """Each test redacts from scratch: no answer remembered from an earlier test stands in for the rules."""
    forget_redactions()


def base(*extra: tuple[str, str], target: str = "/ws", response: Response | None = None,
         messages: tuple[Message, ...] = (), label: str = "in") -> Capture:
    return Capture(EP, Request(target=target, headers=minimal_headers("127.0.0.1:9") + extra),
                   response or Response(101, "Switching Protocols"),
                   websocket=Session(state="closed", messages=messages), label=label, started=1_700_000_000.0)


def msg(text: str, direction: str = "server") -> Message:
    data = text.encode()
    return Message(direction, "text", len(data), data[:MESSAGE_HEAD], 0.1)  # type: ignore[arg-type]


def cut_message(secret: str, keep: int) -> Message:
    """A message whose kept head ends *keep* characters into the secret (Medium 3: a cut value's prefix)."""
    tail = f'","token":"{secret}"}}'
    pad = MESSAGE_HEAD - len('{"pad":"') - len('","token":"') - keep
    return msg('{"pad":"' + "p" * pad + tail)


def placements(s: str) -> dict[str, Capture]:
    """Every place a credential can sit, holding *s*."""
    jwt = f"{JWT_HEAD}.{s}.{s[::-1]}"
    return {
        "authorization bearer": base(("Authorization", f"Bearer {s}")),
        "authorization basic": base(("Authorization", f"Basic {s}")),
        "proxy-authorization": base(("Proxy-Authorization", f"Bearer {s}")),
        "cookie": base(("Cookie", f"theme=dark; sid={s}")),
        "x-api-key": base(("X-API-Key", s)),
        "X-AccessToken camelCase": base(("X-AccessToken", s)),
        "x-refresh-token": base(("X-Refresh-Token", s)),
        "query accessToken": base(target=f"/ws?accessToken={s}&v=1"),
        "query refreshToken": base(target=f"/ws?v=1&refreshToken={s}"),
        "query idToken": base(target=f"/ws?idToken={s}"),
        "query percent-encoded name": base(target=f"/ws?access%5Ftoken={s}"),
        "query jwt": base(target=f"/ws?jwt={s}"),
        "query passcode": base(target=f"/ws?passcode={s}"),
        "JWT under any header name": base(("X-Context", jwt)),
        "JWT in any query parameter": base(target=f"/ws?q={jwt}"),
        "subprotocol after a marker": base(("Sec-WebSocket-Protocol", f"access_token, {s}")),
        "subprotocol bearer prefix": base(("Sec-WebSocket-Protocol", f"chat, bearer.{s}")),
        "subprotocol k8s": base(("Sec-WebSocket-Protocol", f"base64url.bearer.authorization.k8s.io.{s}")),
        "subprotocol echoed by the server": base(
            ("Sec-WebSocket-Protocol", f"access_token, {s}"),
            response=Response(101, "Switching Protocols", headers=(("Sec-WebSocket-Protocol", s),))),
        "referer query": base(("Referer", f"https://app.example/page?token={s}&x=1")),
        "referer userinfo": base(("Referer", f"https://user:{s}@app.example/")),
        "location query": base(response=Response(302, "Found", headers=(
            ("Location", f"https://login.example/cb?access_token={s}"),))),
        "set-cookie": base(response=Response(101, "Switching Protocols",
                                             headers=(("Set-Cookie", f"sid={s}; Path=/"),))),
        "response body json": base(response=Response(403, "Forbidden", body=json.dumps({"error": "x", "jwt": s}).encode())),
        "response body form": base(response=Response(403, "Forbidden", body=f"error=1&access_token={s}".encode())),
        "message key": base(messages=(msg(json.dumps({"type": "hello", "key": s})),)),
        "message passcode": base(messages=(msg(json.dumps({"passcode": s}), "client"),)),
        "message accessToken": base(messages=(msg(json.dumps({"accessToken": s}), "client"),)),
        "message escaped json": base(messages=(msg(json.dumps({"data": json.dumps({"token": s})})),)),
        "message cut at the limit": base(messages=(cut_message(s, 9),)),
        "message bearer text": base(messages=(msg(f"AUTH Bearer {s}", "client"),)),
    }


def leaks(secret: str, text: str, run: int = 8) -> list[str]:
    """The pieces of *secret* (*run* characters or more) that appear in *text*."""
    return [secret[i:i + run] for i in range(len(secret) - run + 1) if secret[i:i + run] in text]


SAMPLE = "Q7RZ2KX9MWP4"


@pytest.mark.parametrize("where", list(placements(SAMPLE)))
def test_redaction_finds_every_place(where: str) -> None:
    """Each place a credential sits in (one row per gap of Medium 3) is fingerprinted, and its secret found."""
    capture = placements(SAMPLE)[where]
    out, found = redact_capture(capture, KEY)
    assert not leaks(SAMPLE, repr(out)), where
    assert any(SAMPLE in s.value for s in found.values()) or where == "message cut at the limit"


@pytest.mark.parametrize("name", ["X-AccessToken", "accessToken", "refreshToken", "idToken", "access%5Ftoken",
                                  "access%255Ftoken", "X-Refresh-Token", "client_secret", "PHPSESSID", "jsessionid",
                                  "passcode", "jwt", "key", "X-Amz-Security-Token", "apiKey"])
def test_credential_names_in_any_spelling(name: str) -> None:
    """camelCase, other separators and percent-encoded names say credential too."""
    assert is_credential_param(name)


@pytest.mark.parametrize("name", ["voice", "format", "monkey", "keyboard", "Sec-WebSocket-Key", "WWW-Authenticate"])
def test_names_that_are_not_credentials(name: str) -> None:
    """Words that merely contain a credential word, and the handshake's own nonce, are kept."""
    assert not (is_credential_param(name) and is_credential_header(name))


def test_a_capture_that_says_redacted_is_not_trusted(tmp_path: Path) -> None:
    """Low 11: "redacted": true with clear values in it: show, compare and export still print fingerprints."""
    capture = placements(SAMPLE)["authorization bearer"].replace(redacted=True)
    path = write_json(capture, tmp_path / "liar.json")
    other = write_json(base(label="other"), tmp_path / "other.json")
    assert json.loads(path.read_text())["redacted"] is True
    for args in (["show", str(path)], ["show", "--json", str(path)], ["compare", str(path), str(other)],
                 ["compare", "--json", str(path), str(other)], ["export", str(path)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 1) and not leaks(SAMPLE, result.output), args


def test_errors_do_not_echo_credentials(tmp_path: Path) -> None:
    """Low 11: an error quoting a URL shows no ?access_token=..., nor the start of an Authorization value."""
    path = write_json(base(), tmp_path / "c.json")
    result = CliRunner().invoke(cli, ["replay", str(path), "--target", f"ws://h.example:99999/?access_token={SAMPLE}"])
    assert result.exit_code == 2 and "bad port" in result.stderr and not leaks(SAMPLE, result.stderr)
    doc = json.loads(path.read_text())
    doc["request"]["headers"].append(["Authorization", f"Bearer {SAMPLE}\u20ac"])
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(cli, ["show", str(path)])
    assert result.exit_code == 2 and "outside ISO-8859-1" in result.stderr and not leaks(SAMPLE, result.stderr, 4)


# --- the property -----------------------------------------------------------------------------------

secrets_ = st.text(string.ascii_uppercase + string.digits, min_size=12, max_size=32).filter(
    lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s))
OUTPUTS = (["show"], ["show", "--json"], ["compare", "{}", "{other}"], ["compare", "--json", "{}", "{other}"],
           ["export", "--format", "curl"], ["export", "--format", "websocat"], ["export", "--format", "python"],
           ["export", "--format", "har"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(secret=secrets_, where=st.sampled_from(sorted(placements(SAMPLE))), fmt=st.sampled_from(FORMATS))
def test_no_output_ever_shows_a_secret(tmp_path: Path, secret: str, where: str, fmt: str) -> None:
    """Whatever the input format and the place, no output of any command shows the secret."""
    import tempfile

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = write(placements(secret)[where], fmt, folder)
    other = write_json(base(label="other"), folder / "other.json")
    runner = CliRunner()
    for args in OUTPUTS:
        argv = [a.replace("{other}", str(other)) for a in args]
        argv = [str(path) if a == "{}" else a for a in argv] if "{}" in argv else [*argv, str(path)]
        result = runner.invoke(cli, argv)
        assert result.exit_code in (0, 1), (argv, result.output)
        assert not leaks(secret, result.stdout + result.stderr), (where, fmt, argv)
    bad_target = runner.invoke(cli, ["replay", str(path), "--target", f"ws://h:99999/x?access_token={secret}"])
    assert bad_target.exit_code == 2 and not leaks(secret, bad_target.stderr)


def test_shared_report_redacts_a_saved_result_and_the_captures(tmp_path: Path) -> None:
    """report (a file meant to be shared) shows no secret: not from the captures, not from a saved bisect result."""
    good = write_json(placements(SAMPLE)["authorization bearer"].replace(label="good"), tmp_path / "good.json")
    bad = write_json(base(("Authorization", f"Bearer {SAMPLE}"), label="bad",
                          response=Response(403, "Forbidden", body=f"token={SAMPLE}".encode())), tmp_path / "bad.json")
    other = "Z9Y8X7W6V5U4"
    saved = tmp_path / "bisect.json"
    saved.write_text(json.dumps({"verdict": "unexplained", "culprit": [], "reason": f"Bearer {other}",
                                 "fix": f"connect with ?access_token={other}"}))
    for fmt in ("md", "html"):
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(cli, ["report", str(good), str(bad), "--bisect-json", str(saved), "-o", str(out)])
        assert result.exit_code == 0, result.output
        text = out.read_text()
        assert not leaks(SAMPLE, text) and not leaks(other, text) and "redacted:" in text


# --- what the user types: a variant's name and description -----------------------------------------

VARIANT_PLACES = ('set-message-field=1:token="{s}"', "set-message-field=1:payload.token={s}",
                  "set-message-field=1:payload.accessToken={s}", "set-header=X-Api-Key:{s}",
                  "set-header=Authorization:Bearer {s}", "set-header=Cookie:sid={s}", "path=/ws?access_token={s}",
                  'set-message-field=1:data={{"token": "{s}"}}')


@settings(max_examples=40, deadline=None)
@given(secret=secrets_, spec=st.sampled_from(VARIANT_PLACES), joined=st.booleans())
def test_no_variant_name_or_description_shows_a_secret(secret: str, spec: str, joined: bool) -> None:
    """Every variant, alone or joined (--together), prints its credential as a fingerprint, by place or look."""
    from wsdiff.variants import combine, parse_variant

    variant = parse_variant(spec.format(s=secret))
    if joined:
        variant = combine([parse_variant("drop-origin"), variant])
    shown = variant.redacted(KEY)
    assert not leaks(secret, shown.name + shown.description), (spec, shown)
    assert "redacted:" in shown.name and "redacted:" in shown.description
