"""Issue 13 end to end: a real token recorded through a real mitmdump never reaches another server.

A client sends a bearer token, a cookie and a query token through
``mitmdump -s addons/record.py`` to the uvicorn app; the capture is then
edited to point at a second local server that logs every byte it receives.
replay, bisect and export must not deliver the token there; with
``--allow-secrets-to`` naming that server, they do. Also here: a live
server's Set-Cookie and tokens are redacted in replay and bisect output
(Low 11), ``wsdiff record`` leaves no log behind (Medium 5), and the writer
child does not import from the working folder (Medium 7).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socketserver
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import websockets
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsdiff.cli import cli
from wsdiff.wire import accept_for

from helpers import handshake

pytestmark = pytest.mark.live


class LoggingServer:
    """A TCP server on 127.0.0.1 that keeps every byte it receives and answers each connection with *answer*."""

    def __init__(self, answer: Callable[[bytes], bytes] = lambda _: (
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")) -> None:
        self.received: list[bytes] = []
        self.busy = 0  # connections being handled: what they got is appended when they end
        self.idle = threading.Condition()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with outer.idle:
                    outer.busy += 1
                self.request.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = self.request.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    self.request.sendall(answer(data))
                    self.request.settimeout(0.3)
                    while chunk := self.request.recv(65536):  # keep whatever else comes
                        data += chunk
                except OSError:
                    pass
                finally:
                    with outer.idle:
                        outer.received.append(data)
                        outer.busy -= 1
                        outer.idle.notify_all()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoggingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def everything(self) -> bytes:
        """Every byte received so far, once the connections in flight have ended (bounded: 5 s)."""
        with self.idle:
            self.idle.wait_for(lambda: self.busy == 0, timeout=5)
            return b"".join(self.received)


def cli_run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def recorded(app_server: str, start_recorder,  # type: ignore[no-untyped-def]
             tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A capture of a real client sending a real token through the recording mitmdump; yields (path, token)."""
    token = "tok" + secrets.token_hex(12)
    rec = start_recorder(label="good")

    async def client() -> None:
        async with websockets.connect(f"ws://{app_server}/ws?access_token=q{token}", proxy=rec.proxy, open_timeout=10,
                                      additional_headers=[("Authorization", f"Bearer {token}"),
                                                          ("Cookie", f"sid=c{token}")]) as ws:
            await asyncio.wait_for(ws.recv(), 5)

    asyncio.run(client())
    assert rec.stop() == 0
    [path] = sorted(rec.directory.glob("*.json"))
    text = path.read_text()
    assert token not in text and "Bearer redacted:" in text
    yield path, token


def edited(path: Path, folder: Path, name: str, **changes: object) -> Path:
    doc = json.loads(path.read_text())
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = doc
        for p in parents:
            target = target[p]
        target[last] = value
    out = folder / f"{name}.json"
    out.write_text(json.dumps(doc))
    return out


def test_recorded_token_never_reaches_another_server(recorded: tuple[Path, str], tmp_path: Path) -> None:
    """High 1 live: replay, bisect and export refuse to deliver the token elsewhere; with the option they do."""
    path, token = recorded
    with LoggingServer() as logger:
        hostport = f"127.0.0.1:{logger.port}"
        elsewhere = edited(path, tmp_path, "elsewhere", endpoint__port=logger.port)

        code, out, err = cli_run("replay", str(elsewhere), "--timeout", "2")
        assert code == 2 and out == "" and "belongs to" in err and f"--allow-secrets-to {hostport}" in err
        code, out, err = cli_run("replay", str(path), "--timeout", "2", "--target", f"ws://{hostport}")
        assert code == 2 and "belongs to" in err
        code, out, err = cli_run("bisect", str(path), str(elsewhere), "--timeout", "2", "--window", "0.2", "--json")
        assert code == 2 and "belongs to" in err and token not in out + err
        code, out, err = cli_run("export", str(elsewhere), "--reveal-secrets", "--format", "python")
        assert code == 2 and out == "" and token not in err
        assert token.encode() not in logger.everything

        # The attacker's other move: same endpoint, the fingerprint moved into a header they log.
        doc = json.loads(path.read_text())
        fp = next(v for k, v in doc["request"]["headers"] if k == "Authorization").split()[1]
        doc["request"]["headers"].append(["X-Debug", fp])
        moved = tmp_path / "moved.json"
        moved.write_text(json.dumps(doc))
        code, _, err = cli_run("replay", str(moved), "--timeout", "2")
        assert code == 2 and "the secret in header X-Debug" in err and "belongs to header authorization" in err

        # Where it was recorded, replay restores it and the server accepts.
        code, out, err = cli_run("replay", str(path), "--timeout", "5", "--window", "0.3", "--json")
        assert code == 0 and json.loads(out)["rows"][0]["status"] == 101 and token not in out

        # Named explicitly, the host gets the secrets.
        code, out, _ = cli_run("replay", str(elsewhere), "--timeout", "2", "--allow-secrets-to", hostport)
        assert code == 1 and token not in out
        assert f"Bearer {token}".encode() in logger.everything and f"sid=c{token}".encode() in logger.everything
        logger.received.clear()
        code, out, err = cli_run("bisect", str(path), str(elsewhere), "--timeout", "2", "--window", "0.2", "--json",
                                 "--allow-secrets-to", hostport)
        assert code in (0, 1) and token not in out + err and f"Bearer {token}".encode() in logger.everything
        code, out, _ = cli_run("export", str(elsewhere), "--reveal-secrets", "--allow-secrets-to", hostport)
        assert code == 0 and f"Bearer {token}" in out


def websocket_answer(set_cookie: str, protocol: str, message: bytes, reason: bytes) -> Callable[[bytes], bytes]:
    """A server that accepts, sets a cookie, echoes a subprotocol, sends one message and closes with a reason.

    It also echoes the bare token of the request's Authorization in X-Echo:
    nothing in its shape says secret, only that the request carried it.
    """
    def answer(request: bytes) -> bytes:
        auth = next((line.split(b" ")[-1] for line in request.split(b"\r\n")
                     if line.lower().startswith(b"authorization:")), b"")
        if b"GET /reject" in request:
            body = json.dumps({"error": "denied", "access_token": protocol}).encode()
            return (b"HTTP/1.1 403 Forbidden\r\nSet-Cookie: " + set_cookie.encode() + b"\r\nX-Echo: " + auth
                    + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                   if line.lower().startswith(b"sec-websocket-key:"))
        head = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept_for(key.decode()).encode()
                + b"\r\nSet-Cookie: " + set_cookie.encode()
                + b"\r\nX-Echo: " + auth + b"\r\nSec-WebSocket-Protocol: " + protocol.encode() + b"\r\n\r\n")
        close = b"\x03\xe8" + reason
        return head + bytes([0x81, len(message)]) + message + bytes([0x88, len(close)]) + close
    return answer


def test_live_answers_are_redacted_in_replay_and_bisect(tmp_path: Path) -> None:
    """Low 11 live: the server's Set-Cookie, echoed token, message and close reason never print in clear."""
    s1, s2, s3, s4 = (secrets.token_hex(10) for _ in range(4))
    plain = "correcthorsebatterystaple"  # no digit, no JWT shape: known only because the request carried it
    answer = websocket_answer(f"session={s1}; Path=/; HttpOnly", f"eyJhbGciOiJIUzI1NiJ9.{s2}.x",
                              json.dumps({"token": s3}).encode(), f"bye access_token={s4}".encode())
    with LoggingServer(answer) as server:
        from wsdiff.files import dump_capture

        auth = ("Authorization", f"Bearer {plain}")
        good = dump_capture(handshake(f"127.0.0.1:{server.port}", "/ws", auth, label="good"), tmp_path / "good.json")
        bad = dump_capture(handshake(f"127.0.0.1:{server.port}", "/reject", auth, label="bad"), tmp_path / "bad.json")
        outputs = []
        for args in (["replay", str(good), "--json"], ["replay", str(good)], ["replay", str(bad), "--json"],
                     ["bisect", str(good), str(bad), "--json"], ["bisect", str(good), str(bad)]):
            code, out, err = cli_run(*args, "--timeout", "2", "--window", "0.3", "--oracle", "status")
            assert code in (0, 1), (args, err)
            outputs.append(out + err)
        joined = "\n".join(outputs)
        assert '"status": 101' in outputs[0] and "session=redacted:" in outputs[0]
        assert f"Bearer {plain}".encode() in server.everything  # the input's own secret went to its own endpoint
        for s in (s1, s2, s3, s4, plain):
            assert s not in joined


def test_record_leaves_no_log_behind(tmp_path: Path) -> None:
    """Medium 5: mitmdump's log lives in a private folder removed at exit; kept (0600 in 0700) only on failure."""
    tmp = tmp_path / "tmp"  # the temporary folder of this run alone, so that nothing else writes there
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    wsdiff = [sys.executable, "-m", "wsdiff", "record", "--dir", str(tmp_path / "caps"), "--"]
    done = subprocess.run([*wsdiff, sys.executable, "-c", "pass"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert list(tmp.iterdir()) == []
    assert stat.S_IMODE((tmp_path / "caps").stat().st_mode) == 0o700

    failed = subprocess.run([sys.executable, "-m", "wsdiff", "record", "--dir", str(tmp_path / "caps"),
                             "--reverse", "::not-a-url::", "--", sys.executable, "-c", "pass"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert failed.returncode == 2
    line = next(x for x in failed.stderr.splitlines() if "its log is kept in" in x)
    log = Path(line.split("its log is kept in ", 1)[1])
    try:
        assert stat.S_IMODE(log.stat().st_mode) == 0o600 and stat.S_IMODE(log.parent.stat().st_mode) == 0o700
        assert log.read_text().strip()
    finally:
        log.unlink()
        log.parent.rmdir()


def test_writer_child_does_not_import_from_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Medium 7: a json.py in mitmdump's working folder does not run inside the writer child."""
    from wsdiff.files import load_capture
    from wsdiff.recording.writer import ProcessWriter

    from test_writer import Reports, snapshot

    marker = tmp_path / "ran"
    work = tmp_path / "work"
    work.mkdir()
    (work / "json.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\nraise SystemExit(3)\n")
    monkeypatch.chdir(work)
    out = tmp_path / "out"
    out.mkdir()
    writer = ProcessWriter(Reports())
    writer.put((snapshot(1), str(out), True, str(tmp_path / "s")))
    assert writer.close() == (1, 0)
    assert not marker.exists()
    [capture] = [load_capture(p) for p in out.glob("*.json")]
    assert capture.request.target == "/ws?i=1"


ANSWER_PLACES = ("set-cookie", "message", "body", "close reason", "jwt echo", "request token echo")


@pytest.fixture(scope="module")
def answering() -> Iterator[tuple[LoggingServer, dict[str, str]]]:
    """One server for the property below; where the secret goes in its answers is set per example."""
    now: dict[str, str] = {}

    def answer(request: bytes) -> bytes:
        s, where = now["secret"], now["where"]
        if b"GET /reject" in request:
            body = (json.dumps({"error": "denied", "refresh_token": s}) if where == "body" else "denied").encode()
            return (b"HTTP/1.1 403 Forbidden\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        return websocket_answer(
            f"sid={s}; Path=/" if where == "set-cookie" else "theme=dark",
            f"eyJhbGciOiJIUzI1NiJ9.{s}" if where == "jwt echo" else "chat",
            json.dumps({"type": "hello", "passcode": s} if where == "message" else {"type": "hello"}).encode(),
            f"expired access_token={s}".encode() if where == "close reason" else b"bye",
        )(request)

    with LoggingServer(answer) as server:
        yield server, now


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=st.text("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=12, max_size=24),
       where=st.sampled_from(ANSWER_PLACES))
def test_live_answers_property(answering: tuple[LoggingServer, dict[str, str]], tmp_path: Path, secret: str,
                               where: str) -> None:
    """Property: a secret anywhere in a live server's answer never shows in replay --json or bisect --json."""
    from wsdiff.files import dump_capture

    server, now = answering
    now.update(secret=secret, where=where)
    extra = ("Authorization", f"Bearer {secret}") if where == "request token echo" else ("X-Plain", "1")
    good = dump_capture(handshake(f"127.0.0.1:{server.port}", "/ws", extra, label="good"), tmp_path / "good.json")
    bad = dump_capture(handshake(f"127.0.0.1:{server.port}", "/reject", extra, label="bad"), tmp_path / "bad.json")
    for args in (["replay", str(good), "--json"], ["replay", str(bad), "--json"], ["replay", str(good)],
                 ["bisect", str(good), str(bad), "--json", "--repeats", "1", "--confirm", "1"]):
        code, out, err = cli_run(*args, "--timeout", "2", "--window", "0.2", "--oracle", "status")
        assert code in (0, 1), (args, err)
        assert secret[:8] not in out + err and secret[-8:] not in out + err, (where, args)
