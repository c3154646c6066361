"""Replay's Sec-WebSocket-Key against a raw socket server that reads exactly what was sent (127.0.0.1)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable

import pytest

from wsdiff.model import Endpoint, Request, header_value
from wsdiff.probe import Connection, probe
from wsdiff.wire import accept_for

from helpers import KEY, minimal_headers

pytestmark = pytest.mark.live

CLOSE_1000 = b"\x88\x02\x03\xe8"  # an unmasked server close frame, code 1000 (RFC 6455 5.5.1)


@pytest.fixture
async def upgrading_server() -> AsyncIterator[tuple[Callable[[str], str], list[Request]]]:
    """A server that records each request head and answers 101 with an accept for the key chosen by a rule."""
    heads: list[Request] = []
    rule: list[Callable[[str], str]] = [accept_for]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n"))[:-4].decode("latin-1")
        line, _, fields = head.partition("\r\n")
        method, target, version = line.split(" ")
        headers = tuple((k, v.strip()) for k, _, v in (f.partition(":") for f in fields.split("\r\n")))
        request = Request(method, target, version, headers)
        heads.append(request)
        accept = rule[0](header_value(headers, "Sec-WebSocket-Key") or "")
        writer.write(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode("latin-1") + CLOSE_1000)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def use(kind: str) -> str:
        rule[0] = accept_for if kind == "right" else (lambda key: accept_for(KEY))
        return f"127.0.0.1:{port}"

    yield use, heads
    server.close()


def _connection(hostport: str, keep_key: bool) -> Connection:
    host, port = hostport.rsplit(":", 1)
    return Connection(Endpoint("ws", host, int(port)), keep_key=keep_key, timeout=5, window=0.5)


async def test_a_fresh_key_is_sent_unless_asked_to_keep_it(upgrading_server) -> None:  # type: ignore[no-untyped-def]
    """Without --keep-key each replay sends a new 16-byte nonce in place of the recorded one, and the accept matches it."""
    use, heads = upgrading_server
    hostport = use("right")
    recorded = Request(target="/ws", headers=minimal_headers(hostport) + (("X-After", "1"),))
    first = await probe(recorded, _connection(hostport, keep_key=False))
    second = await probe(recorded, _connection(hostport, keep_key=False))
    assert first.status == second.status == 101 and first.accept_ok is True and second.accept_ok is True
    keys = [h.header("Sec-WebSocket-Key") for h in heads]
    assert KEY not in keys and keys[0] != keys[1]
    assert all(len(base64.b64decode(k, validate=True)) == 16 for k in keys if k)
    # Only the key changed, in its place: the rest goes out as recorded.
    for head in heads:
        assert [k for k, _ in head.headers] == [k for k, _ in recorded.headers]
        assert [h for h in head.headers if h[0] != "Sec-WebSocket-Key"] == \
            [h for h in recorded.headers if h[0] != "Sec-WebSocket-Key"]

    kept = await probe(recorded, _connection(hostport, keep_key=True))
    assert heads[-1] == recorded and kept.accept_ok is True


async def test_an_accept_for_another_key_is_noticed(upgrading_server) -> None:  # type: ignore[no-untyped-def]
    """A server that answers the recorded key's accept to a fresh key: accept_ok is False (RFC 6455 4.2.2)."""
    use, heads = upgrading_server
    hostport = use("stale")
    recorded = Request(target="/ws", headers=minimal_headers(hostport))
    fresh = await probe(recorded, _connection(hostport, keep_key=False))
    assert fresh.status == 101 and fresh.accept_ok is False
    kept = await probe(recorded, _connection(hostport, keep_key=True))
    assert kept.status == 101 and kept.accept_ok is True
    assert fresh.session is not None and (fresh.session.close_code, fresh.session.closed_by) == (1000, "server")
