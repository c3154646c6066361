"""HTTP/1.1 and WebSocket bytes, without I/O (in the spirit of h11 and websockets' sans-I/O core).

Shared by replay (:mod:`wsdiff.probe`, which owns the sockets) and export:
the request bytes exactly as recorded, the response head parser, the frame
header grammar of RFC 6455 5.2, masking, control frames and the accept key.
Randomness (masking keys, fresh Sec-WebSocket-Key values) is passed in.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import zlib

from .model import Headers, Request, header_value, with_header

__all__ = [
    "GUID",
    "accept_for",
    "build_request",
    "build_connect",
    "parse_response_head",
    "with_fresh_key",
    "parse_frame_start",
    "extended_length_size",
    "parse_extended_length",
    "mask",
    "build_frame",
    "build_control_frame",
    "build_close_frame",
    "parse_close_payload",
    "inflate_head",
]

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 1.3

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

_STATUS_LINE = re.compile(r"^(HTTP/\d(?:\.\d)?) (\d{3})(?: (.*))?$")


def accept_for(key: str) -> str:
    """Return the Sec-WebSocket-Accept a server must answer to *key* (RFC 6455 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode("latin-1") + GUID).digest()).decode("ascii")


def build_request(request: Request) -> bytes:
    """Return the request head exactly as recorded: request line and fields in order and case."""
    lines = [f"{request.method} {request.target} {request.http_version}"]
    lines.extend(f"{k}: {v}" for k, v in request.headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def build_connect(host: str, port: int) -> bytes:
    """Return a CONNECT request that asks an HTTP proxy for a tunnel to *host*:*port* (RFC 9110 9.3.6)."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode("latin-1")


def parse_response_head(head: bytes) -> tuple[str, int, str, Headers]:
    """Parse a response head (without the final CRLF CRLF) into version, status, reason and fields.

    Raises:
        ValueError: not a status line, or a field line without a colon.
    """
    lines = head.decode("latin-1").split("\r\n")
    m = _STATUS_LINE.match(lines[0])
    if m is None:
        raise ValueError(f"not an HTTP status line: {lines[0][:80]!r}")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line: {line[:80]!r}")
        headers.append((name, value.strip(" \t")))
    return m.group(1), int(m.group(2)), m.group(3) or "", tuple(headers)


def with_fresh_key(request: Request, nonce: bytes) -> Request:
    """Return *request* with its Sec-WebSocket-Key replaced by base64(*nonce*), in place (RFC 6455 4.1).

    A request without the header is returned as it is: replay sends what was recorded.
    """
    if header_value(request.headers, "Sec-WebSocket-Key") is None:
        return request
    return request.replace(headers=with_header(request.headers, "Sec-WebSocket-Key",
                                               base64.b64encode(nonce).decode("ascii")))


def parse_frame_start(first: bytes) -> tuple[int, bool, bool, int]:
    """Parse a frame's first two bytes: (opcode, rsv1, masked, 7-bit length code) (RFC 6455 5.2)."""
    b0, b1 = first[0], first[1]
    return b0 & 0x0F, bool(b0 & 0x40), bool(b1 & 0x80), b1 & 0x7F


def extended_length_size(code: int) -> int:
    """Return how many bytes of extended payload length follow a 7-bit length *code*: 0, 2 or 8."""
    return 2 if code == 126 else 8 if code == 127 else 0


def parse_extended_length(code: int, data: bytes) -> int:
    """Return the payload length from the 7-bit *code* and the extended length bytes *data*."""
    if code == 126:
        return int(struct.unpack("!H", data)[0])
    if code == 127:
        return int(struct.unpack("!Q", data)[0])
    return code


def mask(data: bytes, key: bytes) -> bytes:
    """Apply (or remove) a 4-byte masking key (RFC 6455 5.3)."""
    n = len(data)
    if n < 64:
        return bytes(c ^ key[i % 4] for i, c in enumerate(data))
    # One XOR of two big integers: a 64 KiB message in microseconds rather than milliseconds.
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def build_frame(opcode: int, payload: bytes, key: bytes) -> bytes:
    """Build one masked client frame, FIN set, carrying a whole message (RFC 6455 5.2, 5.3).

    The payload goes uncompressed (RSV1 clear), which RFC 7692 6 allows even
    when permessage-deflate was negotiated.
    """
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 1 << 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", n)
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack("!Q", n)
    return head + key + mask(payload, key)


def build_control_frame(opcode: int, payload: bytes, key: bytes) -> bytes:
    """Build a masked client control frame (payload at most 125 bytes, RFC 6455 5.5) with masking *key*."""
    return build_frame(opcode, payload[:125], key)


def build_close_frame(code: int, key: bytes) -> bytes:
    """Build a masked client close frame carrying *code* (RFC 6455 5.5.1)."""
    return build_control_frame(OP_CLOSE, struct.pack("!H", code), key)


def parse_close_payload(payload: bytes) -> tuple[int | None, str]:
    """Return the close code (None when the payload has none) and reason (RFC 6455 5.5.1)."""
    code = int(struct.unpack("!H", payload[:2])[0]) if len(payload) >= 2 else None
    return code, payload[2:].decode("utf-8", "replace")


def inflate_head(payload: bytes, limit: int) -> bytes:
    """Return up to *limit* bytes of a permessage-deflate payload (RFC 7692 7.2.2), or it as is when not deflate."""
    try:
        return zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff", limit)
    except zlib.error:
        return payload
