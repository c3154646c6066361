"""replay and bisect against real local servers: uvicorn apps, a TLS server, raw sockets."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import websockets
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.files import dump_capture, load_capture
from wsdiff.runner import Settings, bisect, replay_capture, replay_variants
from wsdiff.model import Capture, Endpoint, Request
from wsdiff.oracle import Oracle
from wsdiff.probe import Connection, probe
from wsdiff.wire import accept_for
from wsdiff.variants import parse_variant

from helpers import KEY, handshake

pytestmark = pytest.mark.live

FAST = Settings(timeout=5, window=0.5)


def test_accept_for_rfc_example() -> None:
    """The accept value matches RFC 6455 1.3's worked example."""
    assert accept_for(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


async def test_replay_accepted_sends_bytes_as_recorded(app_server: str) -> None:
    """A 101 with a valid accept for the fresh key, the subprotocol-less answer and the first message."""
    r = await replay_capture(handshake(app_server, "/ws", ("X-Odd-Case", "1")), FAST)
    assert r.status == 101 and r.accept_ok is True
    assert r.session is not None and r.session.messages[0].head.startswith(b'{"type":"audio_format"')
    assert Oracle().accepts(r)


async def test_replay_rejections_are_results(app_server: str) -> None:
    """403 for no route, 500 for an app error, refused for a dead port: values, not exceptions."""
    from wsdiff.recording.procs import free_port

    no_route = await replay_capture(handshake(app_server, "/nope"), FAST)
    boom = await replay_capture(handshake(app_server, "/ws/boom"), FAST)
    dead = await replay_capture(handshake(f"127.0.0.1:{free_port()}", "/ws"), FAST)
    assert (no_route.status, no_route.body) == (403, b"")
    assert boom.status == 500 and boom.body == b"Internal Server Error"
    assert dead.status is None and dead.error is not None and dead.error.kind == "refused"


async def test_close_after_101_is_a_rejection(app_server: str) -> None:
    """101 then close 4003 counts as rejected by default and as accepted with the status oracle."""
    r = await replay_capture(handshake(app_server, "/ws/late"), FAST)
    assert r.status == 101 and r.session is not None
    assert (r.session.close_code, r.session.close_reason) == (4003, "token required")
    assert not Oracle().accepts(r) and Oracle("status").accepts(r)
    assert r.outcome == "101 Switching Protocols, then closed 4003 'token required'"


async def test_message_oracle(app_server: str) -> None:
    """An error message before a normal close is caught by --reject-message."""
    r = await replay_capture(handshake(app_server, "/ws/error-message"), FAST)
    assert Oracle().accepts(r)  # closed 1000: fine by the default oracle
    assert not Oracle(reject='"type": ?"error"').accepts(r)
    assert not Oracle(expect="audio_format").accepts(r)


async def test_silent_server_is_observed(app_server: str) -> None:
    """A server that accepts and says nothing: silence within the window, accepted."""
    r = await replay_capture(handshake(app_server, "/ws/silent"), FAST)
    assert r.session is not None and r.session.state == "observed" and not r.session.messages
    assert r.outcome.endswith("then silence")


async def test_variants_table(app_server: str) -> None:
    """Each variant is sent and judged; dropping the foreign Origin is what makes it work."""
    cap = handshake(app_server, "/ws/origin", ("Origin", "https://evil.example"), ("User-Agent", "app/1"))
    rows = await replay_variants(cap, [parse_variant("drop-user-agent"), parse_variant("drop-origin"),
                                       parse_variant("set-origin=https://app.example")], FAST)
    assert [(r.name, r.accepted) for r in rows] == [
        ("as recorded", False), ("drop-user-agent", False), ("drop-origin", True),
        ("set-origin=https://app.example", True)]


async def test_replay_through_recording_proxy(app_server: str, start_recorder) -> None:
    """--proxy sends through mitmdump (CONNECT), which records the replayed handshake byte for byte."""
    rec = start_recorder(label="replayed")
    cap = handshake(app_server, "/ws?v=1", ("x-lower-case", "kept"))
    r = await replay_capture(cap, Settings(proxy=rec.proxy, timeout=5, window=0.3, keep_key=True))
    assert r.status == 101
    rec.stop()
    [recorded] = rec.captures()
    assert recorded.request.headers == cap.request.headers and recorded.request.target == "/ws?v=1"


# --- a TLS server and raw sockets ---------------------------------------------------


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """A websockets server over TLS with a trustme certificate; yields (host:port, CA file)."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def handler(ws: websockets.ServerConnection) -> None:
        await ws.send("hello over tls")
        await ws.wait_closed()

    async with websockets.serve(handler, "127.0.0.1", 0, ssl=ctx) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"127.0.0.1:{port}", str(ca_file)


async def test_wss_with_ca_and_insecure(tls_server: tuple[str, str]) -> None:
    """wss:// works with --ca or --insecure, and fails as a TLS error without either."""
    hostport, ca = tls_server
    cap = handshake(hostport, "/", scheme="wss")
    ok = await replay_capture(cap, Settings(ca=ca, timeout=5, window=0.3))
    assert ok.status == 101 and ok.session is not None and ok.session.messages[0].head == b"hello over tls"
    assert (await replay_capture(cap, Settings(insecure=True, timeout=5, window=0.3))).status == 101
    untrusted = await replay_capture(cap, Settings(timeout=5, window=0.3))
    assert untrusted.error is not None and untrusted.error.kind == "tls"


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[bytes | None, float], object]]:
    """A raw socket server: answers with given bytes (None: never answers), dribbling them out."""
    servers = []

    async def start(answer: bytes | None, dribble: float = 0.0) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await reader.readuntil(b"\r\n\r\n")
                if answer is None:
                    await asyncio.sleep(30)
                elif dribble:
                    for i in range(len(answer)):
                        writer.write(answer[i:i + 1])
                        await writer.drain()
                        await asyncio.sleep(dribble)
                else:
                    writer.write(answer)
                    await writer.drain()
            except (asyncio.CancelledError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return f"127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for s in servers:
        s.close()


async def test_silent_tcp_server_times_out(raw_server) -> None:  # type: ignore[no-untyped-def]
    """A server that accepts TCP and never answers: a timeout outcome in bounded time."""
    hostport = await raw_server(None)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    r = await replay_capture(handshake(hostport, "/"), Settings(timeout=0.5))
    assert r.error is not None and r.error.kind == "timeout" and loop.time() - t0 < 3


async def test_dribbling_server_is_bounded(raw_server) -> None:  # type: ignore[no-untyped-def]
    """A server that dribbles its answer byte by byte is cut off by the timeout."""
    hostport = await raw_server(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", 0.2)
    r = await replay_capture(handshake(hostport, "/"), Settings(timeout=1.0))
    assert r.error is not None and r.error.kind == "timeout"


async def test_malformed_answer(raw_server) -> None:  # type: ignore[no-untyped-def]
    """Garbage instead of a status line is a protocol outcome."""
    hostport = await raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    r = await replay_capture(handshake(hostport, "/"), FAST)
    assert r.error is not None and r.error.kind == "protocol" and "not an HTTP status line" in r.error.message


async def test_megabyte_body_is_cut(raw_server) -> None:  # type: ignore[no-untyped-def]
    """A 1 MB error body is read only up to the limit and marked as cut."""
    body = b"x" * 1_000_000
    hostport = await raw_server(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 1000000\r\n\r\n" + body)
    r = await replay_capture(handshake(hostport, "/"), FAST)
    assert r.status == 403 and len(r.body) == 4096 and r.body_truncated


async def test_probe_sends_exact_bytes(raw_server) -> None:  # type: ignore[no-untyped-def]
    """The request goes out exactly as built: order, case, duplicates, odd spacing."""
    got: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    req = Request(target="/ws?a=1", headers=(("host", "x"), ("X-Dup", "1"), ("X-Dup", "2"), ("Sec-WebSocket-Key", KEY)))
    await probe(req, Connection(Endpoint("ws", "127.0.0.1", port), keep_key=True, timeout=5))
    server.close()
    assert got == [b"GET /ws?a=1 HTTP/1.1\r\nhost: x\r\nX-Dup: 1\r\nX-Dup: 2\r\nSec-WebSocket-Key: " + KEY.encode() + b"\r\n\r\n"]


# --- bisect -------------------------------------------------------------------------


HARMLESS = (("User-Agent", "app/2.1"), ("X-Request-Source", "app"), ("Accept-Language", "en"),
            ("Sec-WebSocket-Protocol", "tts.v1"), ("Pragma", "no-cache"), ("X-Build", "1234"))


async def test_bisect_finds_one_culprit_among_many(app_server: str) -> None:
    """One real cause (a foreign Origin) hidden among harmless differences is named exactly."""
    good = handshake(app_server, "/ws/origin?voice=alloy")
    bad = handshake(app_server, "/ws/origin?voice=alloy&client=app&v=2", *HARMLESS, ("Origin", "https://evil.example"))
    report = await bisect(good, bad, FAST)
    r = report.result
    assert r.verdict == "found" and [d.label for d in report.culprit] == ["header Origin"]
    assert r.confirmed_good_plus and r.confirmed_bad_minus
    # 14 fixed baselines and confirmations (see tests/test_search.py), one binary search over 9.
    assert len(report.candidates) == 9 and r.probes <= 14 + 4 + 1
    assert "Origin allow-list" in report.fix


async def test_bisect_finds_a_pair_that_fails_only_together(app_server: str) -> None:
    """X-Client-Mode: legacy and fmt=pcm are harmless alone and rejected together."""
    good = handshake(app_server, "/ws/pair?voice=alloy")
    bad = handshake(app_server, "/ws/pair?voice=alloy&fmt=pcm", *HARMLESS[:3], ("X-Client-Mode", "legacy"))
    report = await bisect(good, bad, FAST)
    assert report.result.verdict == "found"
    assert sorted(d.label for d in report.culprit) == ["header X-Client-Mode", "query-param fmt"]
    assert "fail only together" in report.fix


async def test_bisect_path_culprit(app_server: str) -> None:
    """A path with no route (a bare 403) is found as the culprit."""
    good = handshake(app_server, "/ws")
    bad = handshake(app_server, "/ws/v2", *HARMLESS[:2])
    report = await bisect(good, bad, FAST)
    assert [d.label for d in report.culprit] == ["path"]


async def test_bisect_stops_when_baselines_do_not_reproduce(app_server: str) -> None:
    """Both accepted: a verdict, not a blamed header."""
    good = handshake(app_server, "/ws")
    also_good = handshake(app_server, "/ws", ("User-Agent", "other"))
    report = await bisect(good, also_good, FAST)
    assert report.result.verdict == "bad-accepted" and report.culprit == ()
    report = await bisect(handshake(app_server, "/nope"), handshake(app_server, "/nope2"), FAST)
    assert report.result.verdict == "good-rejected"


async def test_bisect_close_after_accept(app_server: str, start_recorder) -> None:
    """Recorded live: 101 then close 4003 without X-Token; bisect names the missing header."""
    rec = start_recorder()
    async with websockets.connect(f"ws://{app_server}/ws/late", proxy=rec.proxy,
                                  additional_headers=[("X-Token", "t-1")]) as ws:
        await asyncio.wait_for(ws.recv(), 5)
    async with websockets.connect(f"ws://{app_server}/ws/late", proxy=rec.proxy) as ws:
        await asyncio.wait_for(ws.wait_closed(), 5)
    rec.stop()
    good, bad = rec.captures()
    assert bad.websocket is not None and bad.websocket.close_code == 4003
    from wsdiff.secrets import SecretStore  # the recorder kept the token; replay restores it

    report = await bisect(good, bad, Settings(timeout=5, window=0.5, secrets=SecretStore().load()))
    assert [d.label for d in report.culprit] == ["header X-Token"]
    assert report.culprit[0].group == "credentials"


def test_cli_bisect_json(app_server: str, tmp_path: Path) -> None:
    """bisect --json: culprit items with kind and name, probes, exit 0."""
    good = dump_capture(handshake(app_server, "/ws/origin", label="script"), tmp_path / "good.json")
    bad = dump_capture(handshake(app_server, "/ws/origin", ("Origin", "https://evil.example"), *HARMLESS[:3],
                                 label="app"), tmp_path / "bad.json")
    result = CliRunner().invoke(cli, ["bisect", "--json", "--window", "0.3", str(good), str(bad)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(c["kind"], c["name"]) for c in doc["culprit"]] == [("header", "Origin")]
    assert isinstance(doc["probes"], int) and doc["verdict"] == "found"
    text = CliRunner().invoke(cli, ["bisect", "--window", "0.3", str(good), str(bad)])
    assert text.exit_code == 0, text.output
    # The tables name the captures by label, as compare does, not by file name.
    assert "GOOD script: 101" in text.stdout and "BAD app: 403" in text.stdout and "GOOD script" in text.stdout
    assert str(tmp_path) not in text.stdout


def test_cli_replay_variants(app_server: str, tmp_path: Path) -> None:
    """replay --variant ... --json: one row per variant; exit 1 because the recording is rejected."""
    bad = dump_capture(handshake(app_server, "/ws/origin", ("Origin", "https://evil.example")), tmp_path / "bad.json")
    result = CliRunner().invoke(cli, ["replay", "--json", "--window", "0.3", str(bad), "--variant", "drop-origin",
                                      "--variant", "all"])
    assert result.exit_code == 1, result.output
    rows = json.loads(result.stdout)["rows"]
    assert [(r["variant"], r["accepted"]) for r in rows][:2] == [("as recorded", False), ("drop-origin", True)]
    assert rows[0]["status"] == 403


def test_cli_replay_together_sends_one_probe(app_server: str, tmp_path: Path) -> None:
    """--together: two changes that fail only together are one rejected probe; apart, each is accepted."""
    cap = dump_capture(handshake(app_server, "/ws/pair"), tmp_path / "c.json")
    changes = ["--variant", "set-header=X-Client-Mode:legacy", "--variant", "path=/ws/pair?fmt=pcm"]
    apart = CliRunner().invoke(cli, ["replay", "--json", "--window", "0.3", str(cap), *changes])
    assert apart.exit_code == 0, apart.output
    assert [r["accepted"] for r in json.loads(apart.stdout)["rows"]] == [True, True, True]
    joined = CliRunner().invoke(cli, ["replay", "--json", "--window", "0.3", str(cap), *changes, "--together"])
    rows = json.loads(joined.stdout)["rows"]
    assert [(r["variant"], r["accepted"]) for r in rows] == [
        ("as recorded", True), ("set-header=X-Client-Mode:legacy + path=/ws/pair?fmt=pcm", False)]
    assert rows[1]["status"] == 403


def test_cli_replay_missing_secret(app_server: str, tmp_path: Path) -> None:
    """A fingerprint with no secret stops replay with one line naming it (exit 2)."""
    bad = dump_capture(handshake(app_server, "/ws/key", ("X-API-Key", "redacted:00000000000000ff")), tmp_path / "b.json")
    result = CliRunner().invoke(cli, ["replay", str(bad)])
    assert result.exit_code == 2
    assert "no value for header X-API-Key (redacted:00000000000000ff)" in result.stderr
    dropped = CliRunner().invoke(cli, ["replay", "--json", "--missing-secrets", "drop", str(bad)])
    assert dropped.exit_code == 1 and json.loads(dropped.stdout)["rows"][0]["status"] == 403


def test_cli_replay_bad_variant_and_target(tmp_path: Path) -> None:
    """A bad variant or target is a one-line error, exit 2."""
    cap = dump_capture(handshake("127.0.0.1:9", "/"), tmp_path / "c.json")
    r = CliRunner().invoke(cli, ["replay", str(cap), "--variant", "nope"])
    assert r.exit_code == 2 and r.stderr.startswith("wsdiff: error: unknown variant 'nope'")
    r = CliRunner().invoke(cli, ["replay", str(cap), "--variant", "set-header=Bad Name:x"])
    assert r.exit_code == 2 and r.stderr.startswith("wsdiff: error: set-header: 'Bad Name' is not a header name")
    assert len(r.stderr.splitlines()) == 1
    r = CliRunner().invoke(cli, ["replay", str(cap), "--target", "ftp://x"])
    assert r.exit_code == 2 and "expected a ws://, wss://, http:// or https:// URL, got 'ftp://x'" in r.stderr
    assert load_capture(cap).request.target == "/"


def test_cli_replay_never_prints_a_variant_secret(app_server: str, tmp_path: Path) -> None:
    """A credential typed in a variant (a message member, a key header) is a fingerprint in the table and --json."""
    from wsdiff.model import Message, Session

    secret = "sk_live_51Hc8Q7RZ2KX9MWP4"
    text = b'{"type":"hello","payload":{"token":"x"}}'
    cap = handshake(app_server, "/ws").replace(
        websocket=Session(state="closed", messages=(Message("client", "text", len(text), text, 0.1),)))
    path = dump_capture(cap, tmp_path / "c.json")
    args = [str(path), "--window", "0.3", "--variant", f'set-message-field=1:token="{secret}"',
            "--variant", f"set-message-field=1:payload.token={secret}", "--variant", f"set-header=X-Api-Key:{secret}"]
    for fmt in ([], ["--json"]):
        result = CliRunner().invoke(cli, ["replay", *fmt, *args], env={"COLUMNS": "400"})  # no cell wrapped
        assert result.exit_code in (0, 1), result.output
        assert "client message 1" in result.stdout and "redacted:" in result.stdout
        assert "Q7RZ2KX9" not in result.stdout + result.stderr, (fmt, result.stdout)
