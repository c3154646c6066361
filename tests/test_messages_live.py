"""Causes after the handshake, live: servers that judge the first message, two real clients each, recorded through
a real mitmdump, compared, replayed with their messages and bisected to the JSON member; the token never shown."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import websockets
from click.testing import CliRunner, Result

from apps import FIRST_MESSAGE_TOKEN
from wsdiff.cli import cli
from wsdiff.diff import compare
from wsdiff.recording.procs import Service, free_port

pytestmark = pytest.mark.live

TESTS = Path(__file__).resolve().parent
GRAPHQL_TOKEN = "gql-tok-8b1f0e6d23"
FAST = ["--window", "0.3", "--timeout", "5"]


class Outputs:
    """Every output of wsdiff in a test, to look for the secret in all of them at the end."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def cli(self, *args: str, code: int | None = None) -> Result:
        result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "220"})  # rows unwrapped
        self.texts += [result.stdout, result.stderr]
        if code is not None:
            assert result.exit_code == code, f"{args}: {result.output}"
        return result

    def files(self, folder: Path) -> None:
        self.texts += [p.read_text() for p in sorted(folder.glob("*.json"))]

    def assert_secret_free(self, secret: str) -> None:
        assert self.texts and not [t for t in self.texts if secret in t]


# --- a FastAPI app that closes 4401 unless the first message carries the token ----------------------


async def _auth_first_clients(app_server: str, proxy: str) -> None:
    """websockets sends the token and is answered; aiohttp and websockets send none and are closed 4401."""
    url = f"ws://{app_server}/ws/auth-first"
    async with websockets.connect(url, proxy=proxy, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth", "token": FIRST_MESSAGE_TOKEN}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "ready"}
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://{app_server}/ws/auth-first", proxy=proxy) as ws:
            await ws.send_json({"type": "auth"})
            msg = await asyncio.wait_for(ws.receive(), 5)
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4401
    async with websockets.connect(url, proxy=proxy, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth"}))
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 4401


def test_first_message_auth_is_found_in_the_message(app_server: str, start_recorder) -> None:  # type: ignore[no-untyped-def]
    """Handshakes that match (or differ only harmlessly), first messages that differ in one member: bisect names it."""
    rec = start_recorder(label="auth")
    asyncio.run(_auth_first_clients(app_server, rec.proxy))
    assert rec.stop() == 0
    good, app, script = sorted(rec.directory.glob("*.json"))
    out = Outputs()
    out.files(rec.directory)

    # compare: the same client twice differs only in what it sent after the 101.
    doc = json.loads(out.cli("compare", "--json", str(good), str(script), code=1).stdout)
    applicable = [(d["kind"], d["name"]) for d in doc["differences"] if d["group"] == "messages"
                  and d["kind"] != "closed-after-message"]
    assert applicable == [("message-field", "1:token")]
    assert not [d for d in doc["differences"] if d["group"] not in ("messages", "session")]
    [after] = [d for d in doc["differences"] if d["kind"] == "closed-after-message"]
    assert after["b"].startswith("closed 4401 ") and after["b"].endswith("after client message 1")
    text = out.cli("compare", str(good), str(app), code=1).stdout
    assert "message 1 token" in text and "User-Agent" in text

    # replay: the recorded message goes out after the 101 with its token restored from this machine's store.
    rows = json.loads(out.cli("replay", "--json", *FAST, str(good), "--variant", "drop-message-field=1:token",
                              code=0).stdout)["rows"]
    assert [(r["variant"], r["accepted"]) for r in rows] == [("as recorded", True), ("drop-message-field=1:token", False)]
    assert rows[0]["after_101"]["messages_sent"] == 1 and rows[0]["after_101"]["first_message"]["head"] == '{"type":"ready"}'
    assert rows[1]["after_101"]["close_code"] == 4401 and rows[1]["after_101"]["closed_after_message"]["message"] == 1
    token_fp = json.loads(good.read_text())["websocket"]["messages"][0]["head"].split('"token": "')[1].split('"')[0]
    restored = ["replay", *FAST, str(script), "--variant", f"set-message-field=1:token={token_fp}"]
    rows = json.loads(out.cli(*restored, "--json", code=1).stdout)["rows"]
    assert [r["accepted"] for r in rows] == [False, True]
    assert rows[0]["outcome"].startswith("101 Switching Protocols, sent 1 message, then closed 4401 'unauthorized' ")
    assert rows[0]["outcome"].endswith(" ms after message 1")
    assert "set token in client message 1 to redacted:" in out.cli(*restored, code=1).stdout

    # bisect: the member, among the harmless handshake differences of another client too.
    for bad in (script, app):
        doc = json.loads(out.cli("bisect", "--json", *FAST, str(good), str(bad), code=0).stdout)
        assert [(c["kind"], c["name"]) for c in doc["culprit"]] == [("message-field", "1:token")]
        assert doc["confirmations"] == {"good_plus_culprit_rejected": True, "bad_minus_culprit_accepted": True}
    text = out.cli("bisect", *FAST, str(good), str(app), code=0).stdout
    assert "message 1 token" in text and "token in message 1" in text

    # Without the messages the rejection does not happen: the verdict points at message 1, not at chance.
    text = out.cli("bisect", *FAST, "--no-messages", str(good), str(script), code=1).stdout
    assert "does not reproduce" not in text
    assert "the cause is probably in what the client sent after the 101 (message 1)" in " ".join(text.split()), text
    out.assert_secret_free(FIRST_MESSAGE_TOKEN)


# --- a server that acknowledges the login after 0-50 ms and refuses a message before the ack ----------


async def _ack_later_clients(app_server: str, proxy: str) -> None:
    """websockets logs in, waits for auth_ok and subscribes at once; another logs in without the token (4401)."""
    url = f"ws://{app_server}/ws/ack-later"
    async with websockets.connect(url, proxy=proxy, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth", "token": FIRST_MESSAGE_TOKEN}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "auth_ok"}
        await ws.send(json.dumps({"type": "subscribe", "id": "1"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "data", "id": "1"}
    async with websockets.connect(url, proxy=proxy, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth"}))
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 4401


def test_replay_waits_for_the_servers_reply_before_the_next_message(app_server: str, start_recorder) -> None:  # type: ignore[no-untyped-def]
    """Replay is a conversation: the subscribe goes out after auth_ok, however late it comes, as the client sent it.

    The recorded gap between auth_ok and subscribe is a few ms and the server acks after 0-50 ms (seeded):
    sent on a timer, the working capture's replay was refused 4409 most times.
    """
    rec = start_recorder(label="ack")
    asyncio.run(_ack_later_clients(app_server, rec.proxy))
    assert rec.stop() == 0
    good, bad = sorted(rec.directory.glob("*.json"))
    out = Outputs()
    out.files(rec.directory)
    for _ in range(5):
        [row] = json.loads(out.cli("replay", "--json", *FAST, str(good), code=0).stdout)["rows"]
        assert row["accepted"] and row["after_101"]["messages_sent"] == 2, row
        assert row["after_101"].get("close_code") is None, row
    [row] = json.loads(out.cli("replay", "--json", *FAST, str(bad), code=1).stdout)["rows"]
    assert not row["accepted"] and row["after_101"]["close_code"] == 4401, row
    # Without its login the subscribe is still sent in turn: after a bounded wait for an ack that never comes.
    rows = json.loads(out.cli("replay", "--json", *FAST, str(good), "--variant", "drop-message=1", code=0).stdout)["rows"]
    assert [r["accepted"] for r in rows] == [True, False] and rows[1]["after_101"]["close_code"] == 4401, rows
    out.assert_secret_free(FIRST_MESSAGE_TOKEN)


# --- the reference graphql-ws server (Node), onConnect checks payload.token ---------------------------


@pytest.fixture
def graphql_server(tmp_path: Path) -> Iterator[str]:
    """graphql-ws 6 on Node, installed by scripts/node-deps; yields ``127.0.0.1:PORT``."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the graphql-ws server cannot run")
    if not (TESTS / "node" / "node_modules" / "graphql-ws" / "package.json").exists():
        pytest.skip("tests/node has no node_modules: run scripts/node-deps (npm unavailable, or npm ci failed: "
                    "see /tmp/wsdiff-npm-install.log)")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "GRAPHQL_TOKEN": GRAPHQL_TOKEN}
    with Service([node, str(TESTS / "node" / "graphql_server.mjs")], port, env=env, log=tmp_path / "node.log",
                 ready_timeout=15):
        yield f"127.0.0.1:{port}"


async def _graphql_clients(server: str, proxy: str) -> None:
    """websockets inits with the token and subscribes; aiohttp inits without one and gets 4403."""
    protocol = "graphql-transport-ws"
    async with websockets.connect(f"ws://{server}/graphql", proxy=proxy, subprotocols=[protocol],  # type: ignore[list-item]
                                  open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": GRAPHQL_TOKEN}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["payload"] == {"data": {"hello": "world"}}
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "complete"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://{server}/graphql", proxy=proxy, protocols=(protocol,)) as ws:
            await ws.send_json({"type": "connection_init", "payload": {}})
            msg = await asyncio.wait_for(ws.receive(), 5)
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4403


def test_graphql_ws_connection_init_token(graphql_server: str, start_recorder) -> None:  # type: ignore[no-untyped-def]
    """graphql-ws closes 4403 from onConnect: compare, replay and bisect name payload.token of message 1."""
    rec = start_recorder(label="graphql")
    asyncio.run(_graphql_clients(graphql_server, rec.proxy))
    assert rec.stop() == 0
    good, bad = sorted(rec.directory.glob("*.json"))
    out = Outputs()
    out.files(rec.directory)

    from wsdiff.files import load_capture

    comparison = compare(load_capture(good), load_capture(bad))
    found = {d.label: d for d in comparison.significant if d.group == "messages"}
    assert found["message 1 payload.token"].b is None and found["message 2"].b is None
    assert any("onConnect" in h for h in found["message 1 payload.token"].hints)
    out.cli("compare", str(good), str(bad), code=1)

    rows = json.loads(out.cli("replay", "--json", *FAST, str(good), code=0).stdout)["rows"]
    assert rows[0]["after_101"]["messages_sent"] == 2 and rows[0]["subprotocol"] == "graphql-transport-ws"
    text = out.cli("replay", *FAST, str(bad), code=1).stdout
    assert "closed 4403 'Forbidden'" in text and "after message 1" in text

    doc = json.loads(out.cli("bisect", "--json", *FAST, str(good), str(bad), code=0).stdout)
    assert [(c["kind"], c["name"]) for c in doc["culprit"]] == [("message-field", "1:payload.token")]
    assert any("onConnect" in h for h in doc["culprit"][0]["hints"])
    text = out.cli("bisect", *FAST, str(good), str(bad), code=0).stdout
    assert "message 1 payload.token" in text
    out.assert_secret_free(GRAPHQL_TOKEN)
