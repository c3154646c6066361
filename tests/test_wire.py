"""HTTP/1.1 and WebSocket bytes without I/O: exact bytes in, exact values out (RFC 6455 worked examples)."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from wsdiff.model import Request
from wsdiff.wire import (GUID, OP_CLOSE, OP_PING, OP_PONG, accept_for, build_close_frame, build_connect,
                         build_control_frame, build_frame, build_request, extended_length_size, inflate_head, mask,
                         parse_close_payload, parse_extended_length, parse_frame_start, parse_response_head,
                         with_fresh_key)

from helpers import KEY

MASK = bytes.fromhex("37fa213d")  # RFC 6455 5.7


def test_accept_for_rfc_example() -> None:
    """The accept value matches RFC 6455 1.3's worked example, and uses its GUID."""
    assert accept_for(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert GUID == b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    assert accept_for("x3JJHMbDL1EzLkh9GBhXDw==") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk="


def test_build_request_is_exact() -> None:
    """Request line and fields go out in order and case, duplicates kept, ISO-8859-1 bytes intact."""
    r = Request("GET", "/ws?a=1", "HTTP/1.1", (("host", "x"), ("X-Dup", "1"), ("X-Dup", "2"), ("X-Latin", "caf\xe9"),
                                               ("Empty", "")))
    assert build_request(r) == (b"GET /ws?a=1 HTTP/1.1\r\nhost: x\r\nX-Dup: 1\r\nX-Dup: 2\r\nX-Latin: caf\xe9\r\n"
                                b"Empty: \r\n\r\n")
    assert build_request(Request("BREW", "*", "HTTP/9")) == b"BREW * HTTP/9\r\n\r\n"


@pytest.mark.parametrize(
    ("host", "port", "authority"),
    [("127.0.0.1", 8000, b"127.0.0.1:8000"), ("tts.example", 443, b"tts.example:443"), ("::1", 8443, b"[::1]:8443")],
)
def test_build_connect(host: str, port: int, authority: bytes) -> None:
    """CONNECT names the authority in the request line and in Host (RFC 9110 9.3.6), IPv6 in brackets."""
    assert build_connect(host, port) == b"CONNECT " + authority + b" HTTP/1.1\r\nHost: " + authority + b"\r\n\r\n"


@pytest.mark.parametrize(
    ("head", "parsed"),
    [
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3p=",
         ("HTTP/1.1", 101, "Switching Protocols", (("Upgrade", "websocket"), ("Sec-WebSocket-Accept", "s3p=")))),
        (b"HTTP/1.1 403", ("HTTP/1.1", 403, "", ())),
        (b"HTTP/1.0 403 Access Denied Here\r\n\r\nX-A:\t spaced \t", ("HTTP/1.0", 403, "Access Denied Here",
                                                                   (("X-A", "spaced"),))),
        (b"HTTP/2 200 OK\r\nLocation: http://h:1/x", ("HTTP/2", 200, "OK", (("Location", "http://h:1/x"),))),
        (b"HTTP/1.1 403 Forbidden\r\nX-Latin: caf\xe9\r\nx-dup: 1\r\nX-Dup: 2",
         ("HTTP/1.1", 403, "Forbidden", (("X-Latin", "caf\xe9"), ("x-dup", "1"), ("X-Dup", "2")))),
        # Only spaces and tabs are trimmed (RFC 9110 5.5): other bytes, even ISO-8859-1's no-break space, stay.
        (b"HTTP/1.1 403 Forbidden\r\nX-A: XX1\xa0\r\nX-B:\x0b2", ("HTTP/1.1", 403, "Forbidden",
                                                                (("X-A", "XX1\xa0"), ("X-B", "\x0b2")))),
    ],
)
def test_parse_response_head(head: bytes, parsed: tuple[object, ...]) -> None:
    """Version, status, reason and fields in order and case; values trimmed of spaces and tabs."""
    assert parse_response_head(head) == parsed


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"SSH-2.0-OpenSSH_9.6", "not an HTTP status line: 'SSH-2.0-OpenSSH_9.6'"),
        (b"HTTP/1.1 99 Odd", "not an HTTP status line: 'HTTP/1.1 99 Odd'"),
        (b"HTTP/1.1 403 Forbidden\r\nno colon here", "malformed header line: 'no colon here'"),
        (b"x" * 100, f"not an HTTP status line: {'x' * 80!r}"),
        (b"HTTP/1.1 403 Forbidden\r\n" + b"y" * 100, f"malformed header line: {'y' * 80!r}"),
    ],
)
def test_parse_response_head_errors(head: bytes, message: str) -> None:
    """A head that is not HTTP is refused with the line quoted (cut to 80 characters)."""
    with pytest.raises(ValueError) as e:
        parse_response_head(head)
    assert str(e.value) == message


def test_with_fresh_key_replaces_in_place() -> None:
    """The key becomes base64 of the nonce, in the recorded field's place and spelling; nothing else moves."""
    r = Request(headers=(("Host", "h"), ("sec-websocket-key", KEY), ("X-After", "1")))
    fresh = with_fresh_key(r, b"\x01" * 16)
    assert fresh.headers == (("Host", "h"), ("sec-websocket-key", base64.b64encode(b"\x01" * 16).decode()),
                             ("X-After", "1"))
    assert fresh.replace(headers=r.headers) == r
    no_key = Request(headers=(("Host", "h"),))
    assert with_fresh_key(no_key, b"\x01" * 16) is no_key  # replay sends what was recorded


@pytest.mark.parametrize(
    ("first", "parsed"),
    [
        (b"\x81\x05", (0x1, False, False, 5)),  # a final text frame, 5 bytes, unmasked (a server's)
        (b"\xc1\xfe", (0x1, True, True, 126)),  # RSV1 (permessage-deflate), masked, 16-bit length follows
        (b"\x82\x7f", (0x2, False, False, 127)),
        (b"\x88\x00", (OP_CLOSE, False, False, 0)),
        (b"\x09\x80", (OP_PING, False, True, 0)),  # not final: the FIN bit is not the opcode
        (b"\xba\x8a", (OP_PONG, False, True, 10)),  # RSV2 and RSV3 are not RSV1
    ],
)
def test_parse_frame_start(first: bytes, parsed: tuple[int, bool, bool, int]) -> None:
    """The first two bytes give opcode, RSV1, mask bit and the 7-bit length (RFC 6455 5.2)."""
    assert parse_frame_start(first) == parsed


@pytest.mark.parametrize(("code", "size"), [(0, 0), (125, 0), (126, 2), (127, 8)])
def test_extended_length_size(code: int, size: int) -> None:
    """126 announces a 16-bit length, 127 a 64-bit one, anything less is the length itself."""
    assert extended_length_size(code) == size


@pytest.mark.parametrize(
    ("code", "data", "length"),
    [(5, b"", 5), (125, b"", 125), (126, b"\x01\x00", 256), (126, b"\xff\xff", 65535),
     (127, struct.pack("!Q", 2**40 + 3), 2**40 + 3), (127, b"\x80" + b"\x00" * 7, 2**63)],
)
def test_parse_extended_length(code: int, data: bytes, length: int) -> None:
    """The extended length is read in network byte order."""
    assert parse_extended_length(code, data) == length


def test_mask_rfc_example() -> None:
    """RFC 6455 5.7: 'Hello' masked with 37 fa 21 3d; masking twice gives the payload back."""
    assert mask(b"Hello", MASK) == bytes.fromhex("7f9f4d5158")
    assert mask(mask(b"a longer payload than the key", MASK), MASK) == b"a longer payload than the key"
    assert mask(b"", MASK) == b""


def test_control_frames() -> None:
    """Client control frames are final, masked, and at most 125 bytes of payload (RFC 6455 5.5)."""
    assert build_control_frame(OP_PONG, b"Hello", MASK) == b"\x8a\x85" + MASK + bytes.fromhex("7f9f4d5158")
    long = build_control_frame(OP_PING, b"x" * 200, MASK)
    assert long[:2] == b"\x89\xfd" and len(long) == 2 + 4 + 125 and mask(long[6:], MASK) == b"x" * 125
    assert build_close_frame(1000, MASK) == b"\x88\x82" + MASK + mask(b"\x03\xe8", MASK)
    assert build_close_frame(4003, MASK)[6:] == mask(struct.pack("!H", 4003), MASK)


@pytest.mark.parametrize(
    ("payload", "parsed"),
    [
        (b"", (None, "")),
        (b"\x03", (None, "")),
        (b"\x03\xe8", (1000, "")),
        (b"\x0f\xa3token required", (4003, "token required")),
        (b"\x03\xf0caf\xc3\xa9", (1008, "caf\xe9")),
        (b"\x03\xf0\xff", (1008, "\ufffd")),
        (b"\xff\xff", (65535, "")),  # whatever code the server sent, unsigned
    ],
)
def test_parse_close_payload(payload: bytes, parsed: tuple[int | None, str]) -> None:
    """A close payload gives its code (None when absent) and its UTF-8 reason (RFC 6455 5.5.1)."""
    assert parse_close_payload(payload) == parsed


def test_inflate_head() -> None:
    """A permessage-deflate payload (RFC 7692 7.2.1: the final 00 00 ff ff removed) inflates, up to a limit."""
    text = b'{"type":"audio_format","rate":24000}' * 20
    c = zlib.compressobj(wbits=-15)
    payload = c.compress(text) + c.flush(zlib.Z_SYNC_FLUSH)
    assert payload.endswith(b"\x00\x00\xff\xff")
    payload = payload[:-4]
    assert inflate_head(payload, 10_000) == text
    assert inflate_head(payload, 40) == text[:40]
    assert inflate_head(b"plain, not deflate \xff\xfe", 100) == b"plain, not deflate \xff\xfe"


def _masked(data: bytes, key: bytes) -> bytes:
    """RFC 6455 5.3 as written: octet i XOR octet i MOD 4 of the key."""
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


@pytest.mark.parametrize("n", [1, 5, 63, 64, 65, 66, 67, 100, 127, 1000, 4099, 65536])
def test_mask_every_length(n: int) -> None:
    """Masking gives RFC 6455 5.3's bytes at every length, short or long, whatever n is modulo 4."""
    data = bytes((i * 7 + 3) % 256 for i in range(n))
    assert mask(data, MASK) == _masked(data, MASK)


@pytest.mark.parametrize(
    ("opcode", "n", "head"),
    [
        (0x1, 0, b"\x81\x80"),
        (0x1, 125, b"\x81\xfd"),  # the largest 7-bit length
        (0x2, 126, b"\x82\xfe\x00\x7e"),  # the smallest 16-bit length
        (0x1, 127, b"\x81\xfe\x00\x7f"),
        (0x2, 40000, b"\x82\xfe\x9c\x40"),  # beyond a signed 16-bit number
        (0x1, 65535, b"\x81\xfe\xff\xff"),  # the largest 16-bit length
        (0x2, 65536, b"\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00"),  # the smallest 64-bit length
        (0x1, 70000, b"\x81\xff\x00\x00\x00\x00\x00\x01\x11\x70"),
        (0x2, 131072, b"\x82\xff\x00\x00\x00\x00\x00\x02\x00\x00"),
    ],
)
def test_build_frame_lengths(opcode: int, n: int, head: bytes) -> None:
    """A client frame: FIN and the opcode, the mask bit with the 7-, 16- or 64-bit length, the key, the masked payload."""
    payload = bytes(i % 251 for i in range(n))
    assert build_frame(opcode, payload, MASK) == head + MASK + _masked(payload, MASK)
