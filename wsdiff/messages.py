"""The client's first messages after the 101: JSON paths, their differences and edits (pure).

Many services accept the upgrade and judge the first message (graphql-ws's
``connection_init``, Socket.IO's CONNECT packet, a realtime API's session
message). This module gives the rest of wsdiff what it needs to speak of
those messages:

- JSON paths (``payload.token``, ``items[0].id``, ``["a.b"]``) and their
  text form, :func:`format_path` / :func:`parse_path`;
- :func:`spans`: where each value of a JSON text sits, so that an edit (a
  member dropped, set or copied from another message, a secret restored)
  changes those bytes and leaves every other byte as the client sent it;
- :func:`json_differences`: what differs between two JSON values, path by
  path, in both directions;
- the client messages of a capture, by position (1 is the first),
  :func:`closed_after` (the server closed N ms after client message K) and
  :func:`conversation`: what replay waits for before each client message.

Values in, values out: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from json.decoder import scanstring
from typing import Any

from .model import Capture, Message, Session

__all__ = [
    "JsonPath",
    "MISSING",
    "CLOSE_AFTER",
    "Span",
    "format_path",
    "parse_path",
    "parse_position_path",
    "spans",
    "json_start",
    "load_json",
    "json_differences",
    "show_json",
    "paths_holding",
    "set_member",
    "transplant_member",
    "client_messages",
    "with_client_messages",
    "edit_client_message",
    "describe",
    "closed_after",
    "Turn",
    "conversation",
]

JsonPath = tuple[str | int, ...]
"""Keys and array indices from the root of a JSON value; ``()`` is the root."""

CLOSE_AFTER = 1.0
"""Seconds: a server close this soon after a client message is read as the server judging that message."""

MAX_DEPTH = 64
"""Nesting deeper than this is not walked: the text is treated as not JSON."""


class _Missing:
    """The value at a path one side does not have."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_SIMPLE_KEY = re.compile(r"[A-Za-z_$@][A-Za-z0-9_$@-]*")
_KEY = re.compile(r"[^.\[=]+")
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# A Socket.IO packet (socket.io-protocol v5 over engine.io v4): the engine.io type (4, message), the
# Socket.IO type, an optional namespace ending in a comma and an optional ack id, then JSON: 40{"token":..}.
_PACKET = re.compile(r"[0-9]{1,2}(?:/[^,]{0,200},)?[0-9]{0,20}(?=[\[{])")


# --- paths ---------------------------------------------------------------------


def format_path(path: JsonPath) -> str:
    """Write *path* as ``payload.token``, ``items[0]`` or ``["a.b"]`` (a key that is not a plain name)."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _SIMPLE_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def parse_path(text: str) -> tuple[JsonPath, str]:
    """Read a path written by :func:`format_path` from the start of *text*; return it and the rest.

    The path ends at the end of *text* or at the first ``=`` outside a quoted
    key (what follows is a value, for ``set-message-field``).

    Raises:
        ValueError: an empty path, an empty key, or a bad ``[...]`` part.
    """
    parts: list[str | int] = []
    i = 0
    while i < len(text) and text[i] != "=":
        if text[i] == "[":
            close = text.find("]", i)
            if text.startswith('["', i):
                try:
                    key, end = scanstring(text, i + 2)
                except ValueError:
                    raise ValueError(f"bad quoted key in {text!r}") from None
                if not text.startswith("]", end):
                    raise ValueError(f"expected ] after the quoted key in {text!r}")
                parts.append(key)
                i = end + 1
            elif close > i and text[i + 1:close].isdigit():
                parts.append(int(text[i + 1:close]))
                i = close + 1
            else:
                raise ValueError(f"expected [N] or [\"key\"] in {text!r}")
        else:
            if text[i] == "." and parts:
                i += 1
            m = _KEY.match(text, i)
            if m is None:
                raise ValueError(f"empty key in {text!r}")
            parts.append(m.group(0))
            i = m.end()
    if not parts:
        raise ValueError("expected a JSON path such as payload.token")
    return tuple(parts), text[i:]


def parse_position_path(text: str) -> tuple[int, JsonPath, str]:
    """Read ``K:PATH`` (message K, counting from 1, then a JSON path); return K, the path and the rest.

    Raises:
        ValueError: no position, a position below 1, or a bad path.
    """
    position, sep, rest = text.partition(":")
    if not sep or not position.strip().isdigit() or int(position) < 1:
        raise ValueError(f"expected MESSAGE:PATH such as 1:payload.token, got {text!r}")
    path, tail = parse_path(rest)
    return int(position), path, tail


# --- where each value sits ---------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Where one JSON value sits in a text: ``text[start:end]``; a member's key starts at *key_start*."""

    start: int
    end: int
    key_start: int | None = None
    container: str = ""  # "{" or "[" for an object or array, "" for a scalar


def _skip(s: str, i: int) -> int:
    return _WS.match(s, i).end()  # type: ignore[union-attr]


def _walk(s: str, i: int, path: JsonPath, key_start: int | None, out: dict[JsonPath, Span]) -> tuple[Any, int]:
    if len(path) > MAX_DEPTH:
        raise ValueError("nested too deep")
    c = s[i:i + 1]
    if c == "{":
        obj: dict[str, Any] = {}
        j = _skip(s, i + 1)
        if s.startswith("}", j):
            out[path] = Span(i, j + 1, key_start, "{")
            return obj, j + 1
        while True:
            if not s.startswith('"', j):
                raise ValueError(f"expected a member name at {j}")
            key, k = scanstring(s, j + 1)
            k = _skip(s, k)
            if not s.startswith(":", k):
                raise ValueError(f"expected ':' at {k}")
            v = _skip(s, k + 1)
            obj[key], e = _walk(s, v, (*path, key), j, out)
            e = _skip(s, e)
            if s.startswith(",", e):
                j = _skip(s, e + 1)
                continue
            if s.startswith("}", e):
                out[path] = Span(i, e + 1, key_start, "{")
                return obj, e + 1
            raise ValueError(f"expected ',' or '}}' at {e}")
    if c == "[":
        arr: list[Any] = []
        j = _skip(s, i + 1)
        if s.startswith("]", j):
            out[path] = Span(i, j + 1, key_start, "[")
            return arr, j + 1
        while True:
            value, e = _walk(s, j, (*path, len(arr)), None, out)
            arr.append(value)
            e = _skip(s, e)
            if s.startswith(",", e):
                j = _skip(s, e + 1)
                continue
            if s.startswith("]", e):
                out[path] = Span(i, e + 1, key_start, "[")
                return arr, e + 1
            raise ValueError(f"expected ',' or ']' at {e}")
    value, e = _DECODER.raw_decode(s, i)  # a string, number, true, false or null (json's own scanner)
    out[path] = Span(i, e, key_start)
    return value, e


def json_start(text: str) -> int:
    """Return where a message's JSON starts: 0, or after a Socket.IO packet's prefix (``40``, ``42/chat,7``)."""
    if text[:1].isdigit():
        m = _PACKET.match(text)
        if m is not None:
            return m.end()
    return 0


def spans(text: str) -> tuple[Any, dict[JsonPath, Span]]:
    """Parse JSON *text* (or a Socket.IO packet's JSON); return its value and the span of every value, by path.

    Spans are offsets in *text*, prefix included, so an edit keeps the
    prefix. A key repeated in one object keeps its last value and span, as
    json does.

    Raises:
        ValueError: not JSON, or nested deeper than MAX_DEPTH.
    """
    out: dict[JsonPath, Span] = {}
    # MAX_DEPTH bounds the recursion, and json's scanners raise ValueError on anything else.
    value, end = _walk(text, _skip(text, json_start(text)), (), None, out)
    if _skip(text, end) != len(text):
        raise ValueError(f"extra data after the JSON value at {end}")
    return value, out


def load_json(data: bytes | str) -> Any:
    """Return the JSON object or array that *data* holds (after a Socket.IO packet's prefix, if any), or MISSING.

    MISSING also for text that is not UTF-8, not JSON, or a bare scalar.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text[json_start(text):])
    except (UnicodeDecodeError, ValueError, RecursionError):
        return MISSING
    return value if isinstance(value, (dict, list)) else MISSING


# --- differences -----------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    # 1, 1.0 and true are equal in Python and different to a JSON schema.
    return type(a) is type(b) and a == b


def json_differences(a: Any, b: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any, Any]]:
    """Yield ``(path, a's value, b's value)`` where *a* and *b* differ; MISSING where one side has nothing.

    Objects are compared member by member, in A's order then B's; arrays of
    the same length element by element; anything else as a whole at its path,
    so a member one side lacks is one difference, not one per leaf under it.
    """
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            if key not in b:
                yield (*path, key), a[key], MISSING
            elif key not in a:
                yield (*path, key), MISSING, b[key]
            else:
                yield from json_differences(a[key], b[key], (*path, key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from json_differences(x, y, (*path, i))
    elif not _same(a, b):
        yield path, a, b


def show_json(value: Any, limit: int = 120) -> str | int | float | None:
    """Return a JSON value as a difference shows it: a string as it is, a number, else compact JSON; None when MISSING."""
    if value is MISSING:
        return None
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "…"


# --- where a fingerprint sits (for wsdiff.redact) -----------------------------------------


def paths_holding(text: str, pattern: re.Pattern[str], wanted: set[str]) -> list[tuple[JsonPath, str]]:
    """Return (innermost JSON path, match) for each match of *pattern* in *text* that is in *wanted*.

    The path is () when the text is not JSON or the match sits outside any value.
    """
    try:
        _, table = spans(text)
    except ValueError:
        table = {}
    out = []
    for m in pattern.finditer(text):
        if m.group(0) not in wanted:
            continue
        holders = [p for p, s in table.items() if p and s.start <= m.start() and m.end() <= s.end]
        out.append((max(holders, key=len) if holders else (), m.group(0)))
    return out


# --- edits -------------------------------------------------------------------------


def _children(table: dict[JsonPath, Span], parent: JsonPath) -> list[tuple[JsonPath, Span]]:
    n = len(parent)
    kids = [(p, s) for p, s in table.items() if len(p) == n + 1 and p[:n] == parent]
    return sorted(kids, key=lambda item: item[1].key_start if item[1].key_start is not None else item[1].start)


def _first(span: Span) -> int:
    return span.key_start if span.key_start is not None else span.start


def _separator(text: str, kids: list[tuple[JsonPath, Span]], fallback: str) -> str:
    if len(kids) >= 2:
        return text[kids[0][1].end:_first(kids[1][1])]
    return fallback


def _remove(text: str, table: dict[JsonPath, Span], path: JsonPath) -> str:
    kids = _children(table, path[:-1])
    i = [p for p, _ in kids].index(path)
    span = kids[i][1]
    if i > 0:  # take the separator before it with it
        return text[:kids[i - 1][1].end] + text[span.end:]
    if len(kids) > 1:  # the first of several: take the separator after it
        return text[:_first(span)] + text[_first(kids[1][1]):]
    return text[:_first(span)] + text[span.end:]


def _insert(text: str, table: dict[JsonPath, Span], path: JsonPath, member: str, after: list[str | int],
            fallback: str) -> str:
    """Insert *member* (``"key": value`` or an array element) into the container at path[:-1].

    It goes right after the last of *after* (its predecessors in the source)
    that the container has, else first. An array element always has one
    there: it is appended (set_member) or follows its source predecessors
    (transplant_member). The separator is the container's own, or
    *fallback* when it has fewer than two.
    """
    parent = table[path[:-1]]
    kids = _children(table, path[:-1])
    sep = _separator(text, kids, fallback)
    if not kids:
        return text[:parent.start + 1] + member + text[parent.start + 1:]
    present = {p[-1]: s for p, s in kids}
    for key in reversed(after):  # right after the nearest member that precedes it in the source
        if key in present:
            at = present[key].end
            return text[:at] + sep + member + text[at:]
    at = _first(kids[0][1])
    return text[:at] + member + sep + text[at:]


def _member(key: str | int, raw: str, colon: str) -> str:
    return raw if isinstance(key, int) else json.dumps(key, ensure_ascii=False) + colon + raw


def set_member(text: str, path: JsonPath, raw: str | None) -> str:
    """Return JSON *text* with the value at *path* set to *raw* (JSON text), or removed when *raw* is None.

    Every other byte stays as it was. A missing object on the way is
    created; an array index may be one past the end (append).

    Raises:
        ValueError: *text* is not JSON, the path goes through a value that is
            not an object (or array, for an index), or an index is out of range.
    """
    if not path:
        raise ValueError("the path names the whole message")
    _, table = spans(text)
    if path in table:
        if raw is None:
            return _remove(text, table, path)
        span = table[path]
        return text[:span.start] + raw + text[span.end:]
    if raw is None:
        return text  # nothing to remove
    parent = path[:-1]
    if parent not in table:
        text = set_member(text, parent, "[]" if isinstance(path[-1], int) else "{}")
        _, table = spans(text)
    container = table[parent].container
    where = format_path(parent) or "the message"
    if isinstance(path[-1], int):
        if container != "[":
            raise ValueError(f"{where} is not an array")
        if path[-1] != len(_children(table, parent)):
            raise ValueError(f"{format_path(path)}: index out of range")
    elif container != "{":
        raise ValueError(f"{where} is not an object")
    spaced = '": ' in text or '":' not in text  # write a new member as the message writes its others
    colon, sep = (": ", ", ") if spaced else (":", ",")
    last = [p[-1] for p, _ in _children(table, parent)]  # a new member goes last
    return _insert(text, table, path, _member(path[-1], raw, colon), last, sep)


def transplant_member(target: str, source: str, path: JsonPath) -> str:
    """Return *target* with the value at *path* as *source* has it (its bytes), or removed when *source* lacks it.

    A member new to *target* goes right after the nearest member that
    precedes it in *source*, written as *source* writes it.

    Raises:
        ValueError: either text is not JSON, or *target* holds another kind of value (not the object or
            array) on the way to *path*.
    """
    _, src = spans(source)
    if path not in src:
        return set_member(target, path, None)
    raw = source[src[path].start:src[path].end]
    _, table = spans(target)
    parent = table.get(path[:-1])
    if path in table or parent is None or parent.container != src[path[:-1]].container:
        return set_member(target, path, raw)  # set in place, its container made, or refused (another kind of value)
    span = src[path]
    member = source[span.key_start:span.end] if span.key_start is not None else raw
    siblings = [p[-1] for p, _ in _children(src, path[:-1])]
    before = siblings[:siblings.index(path[-1])]
    fallback = _separator(source, _children(src, path[:-1]), ", ")
    return _insert(target, table, path, member, before, fallback)


# --- the client messages of a capture ------------------------------------------------


def client_messages(capture: Capture) -> tuple[Message, ...]:
    """Return the client's messages after the 101, in order (message 1 first)."""
    ws = capture.websocket
    return tuple(m for m in ws.messages if m.direction == "client") if ws is not None else ()


@dataclass(frozen=True)
class Turn:
    """When replay sends one client message: after the server's first *replies* messages, then *gap* seconds.

    Replay is a conversation, not a timetable: a server that acknowledges a
    login after a while and refuses what comes before the acknowledgement
    (graphql-ws closes 4401 on a ``subscribe`` before ``connection_ack``)
    must see the next message after its reply, as the client sent it.
    """

    replies: int
    """Server messages the recording had received before this client message."""
    gap: float
    """Seconds recorded between the last thing before this message (that server message, or the
    previous client message, or the 101) and this message."""
    waited: float
    """Seconds the recording waited for those replies after the previous client message (or the
    101): how long a server may take to answer before replay sends anyway."""


def conversation(messages: Sequence[Message]) -> tuple[Turn, ...]:
    """Return one :class:`Turn` per client message of the session *messages* (both directions, in order).

    A server message counts as received before a client message when it comes
    before it in *messages* (a session keeps them in the order of their times).
    """
    turns: list[Turn] = []
    replies = 0
    last_server = 0.0
    previous = 0.0  # the previous client message, or the 101
    for m in messages:
        if m.direction != "client":
            replies += 1
            last_server = m.at
            continue
        anchor = max(previous, last_server) if replies else previous
        waited = max(0.0, last_server - previous) if replies else 0.0
        turns.append(Turn(replies, round(max(0.0, m.at - anchor), 6), round(waited, 6)))
        previous = m.at
    return tuple(turns)


def with_client_messages(capture: Capture, messages: tuple[Message, ...]) -> Capture:
    """Return *capture* with its client messages replaced by *messages* (server messages kept, merged by time)."""
    ws = capture.websocket or Session(state="observed")
    server = [m for m in ws.messages if m.direction != "client"]
    merged = sorted([*server, *messages], key=lambda m: m.at)  # stable: equal times keep server first
    return capture.replace(websocket=replace(ws, messages=tuple(merged)))


def edit_client_message(capture: Capture, position: int, edit: Callable[[Message], Message | None]) -> Capture:
    """Return *capture* with client message *position* (from 1) replaced by ``edit(message)``, or dropped on None.

    Raises:
        ValueError: the capture has no such client message.
    """
    messages = list(client_messages(capture))
    if not 1 <= position <= len(messages):
        raise ValueError(f"there is no client message {position} (the capture has {len(messages)})")
    new = edit(messages[position - 1])
    if new is None:
        del messages[position - 1]
    else:
        messages[position - 1] = new
    return with_client_messages(capture, tuple(messages))


def with_text(message: Message, text: str) -> Message:
    """Return *message* carrying *text* (UTF-8) as its whole payload."""
    data = text.encode("utf-8")
    return replace(message, head=data, size=len(data), cut=False)


def describe(message: Message | None, limit: int = 60) -> str | None:
    """Return ``text, 42 B: {"type":…`` (a short head; hex for binary), or None for no message."""
    if message is None:
        return None
    if message.type == "text":
        head = message.head[:limit * 4].decode("utf-8", "replace")  # at least *limit* characters, if there are
        more = len(head) > limit or len(message.head) > limit * 4 or message.truncated  # 60 emoji fill 240 bytes
        preview = head[:limit] + ("…" if more else "")
    else:
        preview = message.head[:limit // 2].hex() + ("…" if message.size > limit // 2 else "")
    return f"{message.type}, {message.size} B: {preview}"


def closed_after(capture: Capture | None = None, *, session: Session | None = None) -> tuple[int, float] | None:
    """Return (K, seconds) when the server closed the connection within CLOSE_AFTER of client message K.

    Only a close that a client would call a refusal counts: by the server,
    with a code other than 1000 and 1001 (or with no close frame).
    """
    ws = session if session is not None else (capture.websocket if capture is not None else None)
    if ws is None or ws.state != "closed" or ws.closed_by != "server" or ws.close_code in (1000, 1001):
        return None
    if ws.duration is None:
        return None
    last: tuple[int, float] | None = None
    k = 0
    for m in ws.messages:
        if m.direction == "client":
            k += 1
            if m.at <= ws.duration + 1e-6:
                last = (k, m.at)
    if last is None or ws.duration - last[1] > CLOSE_AFTER:
        return None
    return last[0], max(0.0, ws.duration - last[1])
