"""Issue 13, Medium 4 and Low 8, 9, 10, 13: hostile captures get one line and exit 2, and print inertly.

- CR, LF or NUL in the request line or a header, in any input format, and an
  endpoint host that is no name or address, are refused when loading.
- Every traceback the review found is one line and exit 2.
- Escape sequences and rich markup in a capture reach the terminal as text.
- compare stays near-linear in the size of the captures, and cuts what it shows.
- A bad --proxy URL is a usage error.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsdiff.cli import cli
from wsdiff.document import valid_host
from wsdiff.errors import CaptureError
from wsdiff.files import load_capture
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session

from formats_helpers import FORMATS, har_document, write, write_json
from helpers import minimal_headers

EP = Endpoint("ws", "127.0.0.1", 9)


def base(*extra: tuple[str, str], **changes: object) -> Capture:
    c = Capture(EP, Request(target="/ws", headers=minimal_headers("127.0.0.1:9") + extra),
                Response(403, "Forbidden"), label="x", started=1_700_000_000.0)
    return c.replace(**changes) if changes else c


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "5000"})
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, err: str) -> bool:
    return code == 2 and err.startswith("wsdiff: error: ") and err.count("\n") == 1 and "Traceback" not in err


# --- Medium 4: header injection -----------------------------------------------------------------------

INJECTIONS = {
    "header value": lambda bad: base(("X-A", f"1{bad}GET /admin HTTP/1.1")),
    "header name": lambda bad: base((f"X-A{bad}Evil", "1")),
    "method": lambda bad: base().replace(request=base().request.replace(method=f"GET{bad}")),
    "path": lambda bad: base().replace(request=base().request.replace(target=f"/ws{bad}Host: evil")),
    "http version": lambda bad: base().replace(request=base().request.replace(http_version=f"HTTP/1.1{bad}X: y")),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("where", list(INJECTIONS))
@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", "\x00"])
def test_injection_is_refused_when_loading(tmp_path: Path, fmt: str, where: str, bad: str) -> None:
    """CR, LF or NUL anywhere in the request head, from JSON, HAR or a flow file: one line, exit 2."""
    if fmt == "har" and where == "http version":
        pytest.skip("HAR's httpVersion is normalised, not sent as read")
    path = write(INJECTIONS[where](bad), fmt, tmp_path)
    with pytest.raises(CaptureError) as e:
        load_capture(path)
    assert "CR, LF or NUL" in str(e.value)
    code, out, err = run("replay", str(path), "--timeout", "0.5")
    assert one_line_error(code, err) and out == "" and "CR, LF or NUL" in err


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(min_codepoint=1, max_codepoint=255), max_size=20),
       at=st.integers(0, 20), bad=st.sampled_from("\r\n\x00"), where=st.sampled_from(sorted(INJECTIONS)))
def test_injection_property(text: str, at: int, bad: str, where: str) -> None:
    """Any text with a CR, LF or NUL put anywhere in it, in any part of the request head, is refused."""
    from wsdiff.document import parse_document, build_document

    hostile = text[:at] + bad + text[at:]
    capture = INJECTIONS[where]("")
    if where == "header value":
        capture = base(("X-A", hostile))
    elif where == "header name":
        capture = base((hostile, "1"))
    elif where == "method":
        capture = capture.replace(request=capture.request.replace(method=hostile))
    elif where == "path":
        capture = capture.replace(request=capture.request.replace(target="/" + hostile))
    else:
        capture = capture.replace(request=capture.request.replace(http_version=hostile))
    with pytest.raises(CaptureError):
        parse_document(json.loads(json.dumps(build_document(capture))))
    if where == "header name" and hostile.startswith(":"):
        return  # HAR's HTTP/2 pseudo-headers are left out of an HTTP/1.1 request: never sent, nothing to refuse
    with pytest.raises(CaptureError):
        load_har(capture)


def load_har(capture: Capture) -> list[Capture]:
    from wsdiff.formats import captures_from_har

    return captures_from_har(json.loads(json.dumps(har_document(capture))))


@pytest.mark.parametrize("host", ["user@evil.example", "a b", "evil.example\t", "-bad", "a..b", "", "x" * 300,
                                  "evil.example/x", "evil\x00.example", "[::1",
                                  "[api.example]", "[127.0.0.1]", "[]",
                                  # An IPv6 zone is RFC 6874 unreserved characters: CR LF would reach a CONNECT line.
                                  "fe80::1%\r\nX-Smuggled: 1", "[fe80::1%a b]", "fe80::1%x@evil.example", "fe80::1%"])
def test_endpoint_host_must_be_a_name_or_an_address(tmp_path: Path, host: str) -> None:
    """An endpoint host with @, whitespace or junk is refused (JSON); valid names and addresses load."""
    doc = json.loads(write_json(base(), tmp_path / "c.json").read_text())
    doc["endpoint"]["host"] = host
    (tmp_path / "c.json").write_text(json.dumps(doc))
    code, _, err = run("show", str(tmp_path / "c.json"))
    assert one_line_error(code, err) and "endpoint.host" in err


@pytest.mark.parametrize("host", ["api.example", "127.0.0.1", "::1", "fe80::1%eth0", "under_score.internal",
                                  "xn--bcher-kva.example", "localhost.", "[::1]"])
def test_valid_hosts_load(tmp_path: Path, host: str) -> None:
    path = write_json(base(endpoint=Endpoint("ws", host, 80)), tmp_path / "c.json")
    assert load_capture(path).endpoint.host == host


NAME_253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])


@pytest.mark.parametrize(("host", "valid"), [
    # A DNS name: labels of 1 to 63 letters, digits, '_' or '-' (not at an end), 253 characters in all.
    ("api.example", True), ("localhost.", True), (NAME_253, True), (NAME_253 + "d", False), (NAME_253 + ".", True),
    ("ab..", False), ("a..b", False), (".", False), ("", False), ("a" * 64, False), ("-a", False), ("a-", False),
    # IP addresses; brackets only around IPv6, a zone of RFC 6874 unreserved characters only.
    ("127.0.0.1", True), ("::1", True), ("[::1]", True), ("[::ffff:1.2.3.4]", True), ("[127.0.0.1]", False),
    ("[api.example]", False), ("fe80::1%eth0", True), ("[fe80::1%en0.1_a~b-c]", True), ("fe80::1%", False),
    ("fe80::1%a b", False), ("fe80::1%x]", False), ("fe80::1%x@evil.example", False), ("fe80::1%\r\nX: y", False),
    ("[::1", False), ("::1]", False),
])
def test_valid_host(host: str, valid: bool) -> None:
    """What an endpoint host (and --allow-secrets-to) may be: a DNS name or an IP address, nothing else."""
    assert valid_host(host) is valid


def test_har_url_with_userinfo_or_spaces(tmp_path: Path) -> None:
    """A HAR URL whose host is junk is refused at its place; userinfo never becomes the host."""
    doc = har_document(base())
    for url in ("ws://exa mple/ws", "ws://[::1/ws", "ws://%00/ws"):
        doc["log"]["entries"][0]["request"]["url"] = url
        (tmp_path / "h.har").write_text(json.dumps(doc))
        code, _, err = run("show", str(tmp_path / "h.har"))
        assert one_line_error(code, err) and "log.entries[0]" in err, url


# --- Low 8: one line and exit 2, never a traceback --------------------------------------------------------


def test_bad_base64_in_a_har_message(tmp_path: Path) -> None:
    doc = har_document(base().replace(response=Response(101, "Switching Protocols"),
                                      websocket=Session(messages=(Message("client", "binary", 2, b"\x00\x01", 0),))))
    doc["log"]["entries"][0]["_webSocketMessages"][0]["data"] = "!!!not base64"
    (tmp_path / "h.har").write_text(json.dumps(doc))
    code, _, err = run("show", str(tmp_path / "h.har"))
    assert one_line_error(code, err) and "log.entries[0]._webSocketMessages[0].data" in err


@pytest.mark.parametrize("target", ["ws://[::1", "ws://a b:80", "ftp://x", "ws://h:99999", "ws://user@127.0.0.1:9"])
def test_unparsable_target(tmp_path: Path, target: str) -> None:
    path = write_json(base(), tmp_path / "c.json")
    code, _, err = run("replay", str(path), "--target", target)
    assert code == 2 and "--target" in err and "Traceback" not in err


@pytest.mark.parametrize("started", [float("nan"), 1e308, 253402300800.0, -5.0])
def test_export_har_with_an_impossible_start_time(tmp_path: Path, started: float) -> None:
    """NaN, 1e308 and the year 10000 are refused at load (one line); export itself never fails on them."""
    from wsdiff.export import export

    path = write_json(base(), tmp_path / "c.json")
    path.write_text(path.read_text().replace('"started": 1700000000.0', f'"started": {json.dumps(started)}'))
    code, _, err = run("export", "--format", "har", str(path))
    assert one_line_error(code, err) and "timing.started" in err
    json.loads(export(base(started=started, response_time=float("inf")), "har"))  # valid JSON, no NaN


def test_export_python_with_a_non_latin_1_header(tmp_path: Path) -> None:
    """A HAR header outside ISO-8859-1 is refused at load (there are no wire bytes for it), naming the header."""
    doc = har_document(base())
    doc["log"]["entries"][0]["request"]["headers"].append({"name": "X-Name", "value": "\u65e5\u672c"})
    (tmp_path / "h.har").write_text(json.dumps(doc))
    code, _, err = run("export", "--format", "python", str(tmp_path / "h.har"))
    assert one_line_error(code, err) and "X-Name" in err and "ISO-8859-1" in err


def test_show_dev_zero_is_capped_by_bytes_read() -> None:
    """A device reports size 0 and never ends: the cap counts bytes read (MemoryError before)."""
    started = time.monotonic()
    code, _, err = run("show", "/dev/zero")
    assert one_line_error(code, err) and "too large" in err and time.monotonic() - started < 30


def test_markup_in_a_label_is_text(tmp_path: Path) -> None:
    """A label like [/x] is shown as written in compare, replay and bisect titles, not parsed (MarkupError before)."""
    a = write_json(base(label="[/x]"), tmp_path / "a.json")
    b = write_json(base(label="[bold]b[/bold]", response=Response(101, "Switching Protocols")), tmp_path / "b.json")
    code, out, _ = run("compare", str(a), str(b))
    assert code == 1 and "A [/x]:" in out and "B [bold]b[/bold]:" in out


# --- Low 9: terminal and markup injection ------------------------------------------------------------------

ESCAPES = ["\x1b[2J", "\x1b]8;;http://evil.example\x1b\\", "\x9b31m", "\u202e", "\x07"]


def hostile(tmp_path: Path) -> tuple[Path, Path]:
    sneaky = "".join(ESCAPES)
    c = base(("X-Note", f"a{sneaky}b".replace("\u202e", "")),
             label=f"lab{sneaky}", response=Response(403, f"Forbidden{sneaky}", body=f"body{sneaky}".encode()),
             error=None)
    c = c.replace(request=c.request.replace(target="/ws?x=%1b"))
    doc = json.loads(write_json(c, tmp_path / "h.json").read_text())
    doc["request"]["headers"].append(["X-Latin", "\x9b6n\x1b"])  # ISO-8859-1 octets, control ones included
    path = tmp_path / "h.json"
    path.write_text(json.dumps(doc))
    return path, write_json(base(label="plain"), tmp_path / "p.json")


@pytest.mark.parametrize("args", [["show"], ["show", "--json"], ["compare", "{other}"],
                                  ["compare", "--json", "{other}"],
                                  ["export", "--format", "curl"], ["export", "--format", "websocat"],
                                  ["export", "--format", "python"], ["export", "--format", "har"]])
def test_control_characters_never_reach_the_terminal(tmp_path: Path, args: list[str]) -> None:
    """ESC, CSI (8-bit too), OSC 8 links, BEL and bidi overrides from a capture are printed escaped."""
    path, other = hostile(tmp_path)
    argv = [args[0], str(path), *[str(other) if a == "{other}" else a for a in args[1:]]]
    code, out, err = run(*argv)
    assert code in (0, 1), err
    for ch in ("\x1b", "\x9b", "\u202e", "\x07"):
        assert ch not in out + err, (argv, ch)
    if args[0] == "export" and args[-1] in ("curl", "websocat"):
        assert "$'X-Latin: \\x9b6n\\x1b'" in out  # still the exact octets, as a shell reads $'...'


def test_rich_markup_in_a_replay_title_is_not_a_link() -> None:
    """Replay's table title carries the label; [link=...] there stays text (it became a clickable link)."""
    from wsdiff.oracle import ProbeResult
    from wsdiff.verdict import VariantRow
    from wsdiff.view import console, render_bisect, render_rows

    buf = io.StringIO()
    out = console(file=buf, force_terminal=True, width=200)
    rows = [VariantRow("as recorded", "[link=http://evil.example]x[/link]", ProbeResult(403, "Forbidden"), False)]
    out.print(render_rows(rows, title="c.json ([link=http://evil.example]click[/link], recorded: 403)"))
    text = buf.getvalue()
    assert "\x1b]8;" not in text and "[link=http://evil.example]click[/link]" in text
    del render_bisect


# --- Low 10: near-linear compare, with a display cap ------------------------------------------------------


def timed(*args: str) -> tuple[float, int, str]:
    started = time.monotonic()
    code, out, _ = run(*args)
    return time.monotonic() - started, code, out


def test_compare_a_4_mb_header_quickly_and_cut(tmp_path: Path) -> None:
    """A 4 MB header compares in well under the 20 s it took, and the terminal view says what it cut."""
    a = write_json(base(), tmp_path / "a.json")
    b = write_json(base(("X-Big", "a" * 4_000_000)), tmp_path / "b.json")
    seconds, code, out = timed("compare", str(a), str(b))
    assert code == 1 and seconds < 8 and "(3998000 more characters not shown)" in out
    seconds, code, out = timed("compare", "--json", str(a), str(b))
    [big] = [d for d in json.loads(out)["differences"] if d.get("name") == "X-Big"]
    assert seconds < 8 and len(big["b"]) == 16384 and big["cut"] == {"b": 4_000_000 - 16384}


def test_compare_8000_headers_quickly(tmp_path: Path) -> None:
    """8,000 headers compare in well under the 15 s (text) and 5 s (--json) they took; the view shows 200 rows."""
    a = write_json(base(), tmp_path / "a.json")
    b = write_json(base(*[(f"X-H{i}", str(i)) for i in range(8000)]), tmp_path / "b.json")
    seconds, code, out = timed("compare", "--json", str(a), str(b))
    assert code == 1 and seconds < 5 and len(json.loads(out)["differences"]) >= 8000
    seconds, code, out = timed("compare", str(a), str(b))
    assert code == 1 and seconds < 5 and "... and 7800 more in this group, not shown (--json lists them all)" in out


# --- Low 13: a bad --proxy is a usage error ---------------------------------------------------------------


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:notaport", "socks5://127.0.0.1:1080", "127.0.0.1:8080",
                                   "http://", "http://a b:8080", "http://user:pw@a b:8080", "http://[::1:80"])
def test_bad_proxy_is_a_usage_error(tmp_path: Path, proxy: str) -> None:
    """Exit 2 naming --proxy, before anything is sent (it was a "protocol" rejection, exit 1)."""
    path = write_json(base(), tmp_path / "c.json")
    code, out, err = run("replay", str(path), "--proxy", proxy)
    assert code == 2 and out == "" and "--proxy" in err and "pw" not in err
