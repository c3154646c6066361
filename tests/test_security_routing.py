"""Review H1, H2: the Host part of a secret's binding cannot be bypassed, nor the exported URL taken over.

A capture whose request a front end could route differently from what
wsdiff reads (a header name that is not a token, a Host with ``@``, a comma
or a tab, two Host fields, an absolute URL with a fragment) is refused when
loading; and the binding check itself fails closed on any such request.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.errors import CaptureError, ReplayError, SecretRefusedError
from wsdiff.files import dump_capture, load_capture
from wsdiff.headers import is_token, parse_authority, target_problem
from wsdiff.model import Capture, Endpoint, Request, Response, with_header, without_header
from wsdiff.redact import destination_key, redact_capture, restore_request
from wsdiff.runner import Settings
from wsdiff.secrets import SecretStore

from formats_helpers import FORMATS, write
from helpers import minimal_headers

KEY = b"r" * 32
EP = Endpoint("ws", "127.0.0.1", 8765)
TOKEN = "tok-ROUTE-93ab1f"


def recorded() -> tuple[Capture, dict]:
    raw = Capture(EP, Request(target=f"/ws?token={TOKEN}", headers=minimal_headers("127.0.0.1:8765")),
                  Response(101, "Switching Protocols"), label="a", started=1_700_000_000.0)
    return redact_capture(raw, KEY)


def hostile_request(how: str) -> Request:
    r = recorded()[0].request
    h = r.headers
    return {
        "header name with a colon": r.replace(headers=without_header(h, "Host") + (("Host: evil.example", ""),)),
        "userinfo in Host": r.replace(headers=with_header(h, "Host", "127.0.0.1:8765@evil.example")),
        "comma in Host": r.replace(headers=with_header(h, "Host", "127.0.0.1:8765, evil.example")),
        "tab in Host": r.replace(headers=with_header(h, "Host", "127.0.0.1:8765\tevil")),
        "two Host fields": r.replace(headers=h + (("Host", "evil.example"),)),
        "no Host": r.replace(headers=without_header(h, "Host")),
        "fragment in target": r.replace(target="http://evil.example#@127.0.0.1:8765" + r.target),
        "backslash in target": r.replace(target="http://evil.example\\@127.0.0.1:8765" + r.target),
    }[how]


ROUTES = ["header name with a colon", "userinfo in Host", "comma in Host", "tab in Host", "two Host fields",
          "no Host", "fragment in target", "backslash in target"]


@pytest.mark.parametrize("how", ROUTES)
def test_the_binding_check_fails_closed(how: str) -> None:
    """Whatever the loader let through, a Host wsdiff cannot read exactly is another destination."""
    cap, found = recorded()
    request = hostile_request(how)
    assert destination_key(EP, request) != destination_key(EP, cap.request)
    with pytest.raises(SecretRefusedError):
        restore_request(request, found, endpoint=EP)
    # Naming the endpoint's own host does not reach a tenant that cannot be named.
    if how not in ("no Host", "header name with a colon"):
        with pytest.raises(SecretRefusedError):
            restore_request(request, found, endpoint=EP, allow=("127.0.0.1:8765",))


def test_the_recorded_host_still_matches() -> None:
    """The sound spellings of the same authority are the same destination."""
    cap, _ = recorded()
    base = destination_key(EP, cap.request)
    for host in ("127.0.0.1:8765", "127.0.0.1:8765 ", "127.0.0.1"):
        r = cap.request.replace(headers=with_header(cap.request.headers, "Host", host))
        assert destination_key(Endpoint("ws", "127.0.0.1", 8765), r) == base or host == "127.0.0.1"
    assert destination_key(EP, cap.request.replace(target="ws://127.0.0.1:8765/ws")) == base


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["header name with a colon", "fragment in target", "backslash in target",
                                 "method", "userinfo target", "dotted target", "space in target"])
def test_loaders_refuse_what_a_server_reads_differently(tmp_path: Path, fmt: str, how: str) -> None:
    """From JSON, HAR and flow files: a non-token header name or method, or an unsound target, is refused."""
    cap, _ = recorded()
    r = cap.request
    if how == "method":
        r = r.replace(method="GET http://evil.example/")
    elif how == "userinfo target":
        r = r.replace(target="@127.0.0.1:9999/ws")
    elif how == "dotted target":
        r = r.replace(target=".evil.example/ws")
    elif how == "space in target":
        r = r.replace(target="/ws HTTP/1.1")
    else:
        r = hostile_request(how)
    if fmt == "har" and how in ("userinfo target", "dotted target", "fragment in target", "backslash in target"):
        pytest.skip("a HAR file holds a URL, not a target: the endpoint and the target come from one parse")
    path = write(cap.replace(request=r), fmt, tmp_path)
    with pytest.raises(CaptureError) as e:
        load_capture(path)
    assert "refusing a capture a server could read differently" in str(e.value) or fmt != "json"


def test_settings_refuse_a_header_name_that_is_not_a_token() -> None:
    """At the last step before the socket: a variant or a library caller cannot send `Host: evil` as a name."""
    cap, found = recorded()
    r = cap.request.replace(headers=cap.request.headers + (("X-A: b", "c"),))
    with pytest.raises(ReplayError, match="not an RFC 9110 token"):
        Settings(secrets=found).request(r, EP)


@pytest.mark.parametrize("target", ["@127.0.0.1:9999/ws?token=x", ".evil.example/ws", ":9999/ws"])
@pytest.mark.parametrize("fmt", ["curl", "websocat", "har"])
def test_export_builds_the_url_from_the_endpoint(tmp_path: Path, target: str, fmt: str) -> None:
    """export --reveal-secrets never lets the target name the URL's host (the loader refuses it first)."""
    from wsdiff.export import export
    cap, found = recorded()
    store = tmp_path / "store"
    SecretStore(store).add(found)
    path = dump_capture(cap, tmp_path / "a.json")
    text = path.read_text().replace('"/ws?token=', '"' + target.split("?")[0] + "?token=")
    path.write_text(text)
    result = CliRunner().invoke(cli, ["export", str(path), "--format", fmt, "--reveal-secrets"],
                                env={"WSDIFF_SECRETS": str(store)})
    assert result.exit_code == 2 and TOKEN not in result.stdout
    with pytest.raises(CaptureError, match="not a path"):
        export(cap.replace(request=cap.request.replace(target=target)), fmt)
    wss = Capture(Endpoint("wss", "api.example", 443), cap.request.replace(target=".evil.example/ws"))
    with pytest.raises(CaptureError):
        export(wss, fmt)
    assert "//127.0.0.1:8765/ws?token=" in export(cap, fmt)


@pytest.mark.parametrize("text, ok", [("Host", True), ("X-Api_Key.1", True), ("Host: evil", False), ("", False),
                                      ("a b", False), ("é", False)])
def test_is_token(text: str, ok: bool) -> None:
    """RFC 9110 5.6.2: a token is one or more tchar."""
    assert is_token(text) is ok


@pytest.mark.parametrize("authority, parsed", [
    ("127.0.0.1:8765", ("127.0.0.1", 8765)), ("API.example.", ("api.example", None)), ("[::1]:80", ("::1", 80)),
    ("127.0.0.1:8765@evil.example", None), ("a:b", None), ("a:", None), ("a b", None), ("a,b", None), ("", None)])
def test_parse_authority(authority: str, parsed: object) -> None:
    """host[:port] only: anything a front end may read otherwise is None."""
    assert parse_authority(authority) == parsed


@pytest.mark.parametrize("target, ok", [("/ws?a=1", True), ("*", True), ("http://h:1/ws", True), ("wss://h/", True),
                                        ("http://u@h/", False), ("http://h#x", False), ("ftp://h/", False),
                                        ("ws", False), ("/a\tb", False), ("http://h:x/", False)])
def test_target_problem(target: str, ok: bool) -> None:
    """RFC 9112 3.2: origin-form, a plain absolute URL or *."""
    assert (target_problem(target) is None) is ok
