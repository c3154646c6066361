"""compare on captures recorded live through mitmdump from two different real clients."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import websockets
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.diff import compare

pytestmark = pytest.mark.live


async def test_same_client_twice_compares_equal(app_server: str, start_recorder) -> None:
    """Two handshakes from the same client and URL: noise only, exit 0."""
    rec = start_recorder()
    for _ in range(2):
        async with websockets.connect(f"ws://{app_server}/ws?voice=alloy", proxy=rec.proxy) as ws:
            await asyncio.wait_for(ws.recv(), 5)
    rec.stop()
    paths = sorted(rec.directory.glob("*.json"))
    result = CliRunner().invoke(cli, ["compare", "--json", *map(str, paths)])
    assert result.exit_code == 0, result.stdout
    doc = json.loads(result.stdout)
    assert doc["differences"] == [] and doc["hidden_noise"] >= 2


async def test_websockets_vs_aiohttp(app_server: str, start_recorder) -> None:
    """Real-world noise between two clients is kept apart from what differs in substance."""
    rec = start_recorder()
    async with websockets.connect(f"ws://{app_server}/ws", proxy=rec.proxy) as ws:
        await asyncio.wait_for(ws.recv(), 5)
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://{app_server}/ws", proxy=rec.proxy) as ws:
            await asyncio.wait_for(ws.receive(), 5)
    rec.stop()
    a, b = rec.captures()
    c = compare(a, b)
    labels = {d.label for d in c.significant}
    assert "header User-Agent" in labels
    assert not any(d.name == "Sec-WebSocket-Key" for d in c.significant)
    assert {d.label for d in c.noise} >= {"header Sec-WebSocket-Key", "client"}
    assert not any(d.group in ("request-line", "query", "origin", "credentials") for d in c.significant)
