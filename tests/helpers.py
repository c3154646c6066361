"""Synthetic captures for table-driven tests of the pure core."""

from __future__ import annotations

from wsdiff.model import Capture, Endpoint, Request, Response, with_header, without_header

BASE_HEADERS = (
    ("Host", "tts.example"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
    ("User-Agent", "Python/3.12 websockets/17.4"),
)


def capture(target: str = "/ws?voice=alloy", headers: tuple[tuple[str, str], ...] = BASE_HEADERS,
            status: int | None = 101, **changes: object) -> Capture:
    """A realistic capture of a handshake to wss://tts.example/ws."""
    c = Capture(
        endpoint=Endpoint("wss", "tts.example", 443, sni="tts.example"),
        request=Request(target=target, headers=headers),
        response=Response(status, "Switching Protocols" if status == 101 else "Forbidden") if status else None,
        label="a",
        redacted=True,
    )
    return c.replace(**changes) if changes else c


def set_header(name: str, value: str | list[str]) -> tuple[tuple[str, str], ...]:
    return with_header(BASE_HEADERS, name, value)


def drop_header(name: str) -> tuple[tuple[str, str], ...]:
    return without_header(BASE_HEADERS, name)
