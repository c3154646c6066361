"""The recorder speaks up: one line as soon as a rejected attempt is recorded next to an accepted one.

``wsdiff: 403 /ws/ws differs from the accepted 101 of 14:02:11 in: path /ws -> /ws/ws, header
kyutai-api-key added, 2 query parameters; run: wsdiff why``

:class:`Notices` runs where captures are written (the writer process by
default, :mod:`wsdiff.recording.writer`), after each write, so mitmproxy's
event loop pays nothing for it. It remembers the accepted attempts of this
run (a bounded number per endpoint), reads the captures folder once
(bounded, :func:`wsdiff.folder.scan_folder`) the first time a rejection
needs a partner, and picks the partner as ``wsdiff why`` does
(:func:`wsdiff.pairing.best_match`), among the accepted attempts to the same
endpoint. It sees captures after redaction and names differences without
their values (the path aside), so no secret reaches the log. The same line
is said once, not at every retry of a failing client.

:func:`notice_line` is the wording, a pure function tested by a table.
Imports: the standard library and wsdiff's core only (it runs in the writer).
"""

from __future__ import annotations

import collections
import shlex
from collections.abc import Sequence

from ..diff import compare
from ..difference import Difference
from ..export import printable
from ..folder import scan_folder
from ..headers import parse_query
from ..model import Capture
from ..redact import is_credential_header, is_credential_param
from ..pairing import Candidate, best_match, clock, is_accepted, is_rejected

__all__ = ["Notices", "notice_line", "summarize", "ACCEPTED_KEPT", "ENDPOINTS_KEPT", "FOLDER_LIMIT"]

ACCEPTED_KEPT = 32
"""Accepted attempts remembered per endpoint (the newest)."""
ENDPOINTS_KEPT = 256
"""Endpoints remembered; the one seen least recently is forgotten first."""
FOLDER_LIMIT = 200
"""Capture files read from the folder, newest first, the first time a rejection needs a partner."""
SAID_KEPT = 1024
"""Lines (and rejected requests) remembered so that each is said once."""
COMPARED = 2
"""Accepted partners equally close in endpoint and path whose differences are counted (a compare each)."""

# Most telling first: where it went and what it asked for, then who it claimed to be.
_ORDER = ("endpoint", "request-line", "credentials", "origin", "host", "query", "websocket", "user-agent", "headers")
# Spelled out one by one; the other groups are counted per kind when they hold several.
_TELLING = frozenset({"endpoint", "request-line", "credentials", "origin", "host"})
_NOUNS = {"header": "header", "query-param": "query parameter", "cookie": "cookie", "subprotocol": "subprotocol",
          "extension": "extension"}
_MOST = 6  # pieces in one line


def _item(d: Difference) -> str:
    if d.kind in ("endpoint", "path", "method", "http-version"):
        return f"{d.name if d.kind == 'endpoint' else d.kind} {d.a} -> {d.b}"
    noun = _NOUNS.get(d.kind, d.kind)
    change = "added" if d.a is None else "removed" if d.b is None else "changed"
    return f"{noun} {d.name} {change}"


def summarize(differences: Sequence[Difference]) -> list[str]:
    """Name the request differences, most telling first, without their values (a path's aside).

    Differences in the telling groups (endpoint, request line, credentials,
    Origin, Host) are named one by one; in the others, a kind with several is
    counted (``2 query parameters``). Order and case are left out.
    """
    shown = sorted((d for d in differences if d.group in _ORDER and not d.noise), key=lambda d: _ORDER.index(d.group))
    pieces: list[str] = []
    counted: dict[str, int] = collections.Counter(d.kind for d in shown if d.group not in _TELLING)
    done: set[str] = set()
    for d in shown:
        if d.group in _TELLING or counted[d.kind] == 1:
            pieces.append(_item(d))
        elif d.kind not in done:
            done.add(d.kind)
            noun = _NOUNS.get(d.kind, d.kind)
            pieces.append(f"{counted[d.kind]} {noun}s")
    if len(pieces) > _MOST:
        pieces = pieces[:_MOST - 1] + [f"{len(pieces) - _MOST + 1} more"]
    return pieces


def _what(c: Capture) -> str:
    """The rejection in a few characters: ``403``, ``101, closed 4003``."""
    assert c.response is not None
    ws = c.websocket
    if c.response.status == 101 and ws is not None:
        return f"101, closed {ws.close_code if ws.close_code is not None else 'without a code'}"
    return str(c.response.status)


def notice_line(bad: Capture, good: Candidate, differences: Sequence[Difference], run: str) -> str:
    """Return the one line said when *bad* is rejected and *good* was accepted by the same endpoint."""
    pieces = summarize(differences)
    if pieces:
        what = ", ".join(pieces)
    elif any(d.group == "order-case" for d in differences):
        what = "header order or case only"
    else:
        what = "nothing in the request (so: timing, the server's state, or where it connects from)"
    # The path and header names come from the capture: escape anything a terminal or a log reader would act on.
    return printable(f"wsdiff: {_what(bad)} {bad.request.path} differs from the accepted "
                     f"{good.capture.response.status} "  # type: ignore[union-attr]
                     f"of {clock(good.when, day_of=bad.started or None)} in: {what}; run: {run}")


def _request_shape(c: Capture) -> tuple[object, ...]:
    """What a retry of the same request keeps: credentials and the nonce aside, values included."""
    headers = tuple((k.lower(), "" if is_credential_header(k) else v) for k, v in c.request.headers
                    if k.lower() != "sec-websocket-key")
    query = tuple((k, "" if is_credential_param(k) else v) for k, v in parse_query(c.request.query))
    return ("request", _endpoint(c), c.request.method, c.request.path, query, headers, _what(c))


def _endpoint(c: Capture) -> tuple[str, str, int]:
    return c.endpoint.scheme, c.endpoint.host.lower(), c.endpoint.port


class Notices:
    """Watch the captures as they are written; say one line when a rejection has an accepted partner."""

    def __init__(self, command: str | None = None) -> None:
        self._command = command  # how the user types wsdiff; found when first needed
        self._accepted: collections.OrderedDict[tuple[str, str, int], dict[tuple[str, float], Candidate]] = \
            collections.OrderedDict()
        self._scanned: set[str] = set()
        self._said: collections.OrderedDict[tuple[object, ...], None] = collections.OrderedDict()

    def see(self, capture: Capture, folder: str) -> str | None:
        """Take note of a capture just written to *folder*; return the line to say, if any. Never raises."""
        try:
            return self._see(capture, folder)
        except Exception:  # a notice is a courtesy: it must never cost a capture
            return None

    def _see(self, capture: Capture, folder: str) -> str | None:
        ident = (capture.id, capture.started)
        if is_accepted(capture):
            self._remember(Candidate(folder, capture, capture.started))
            return None
        # A 101 written at the upgrade may come back closed with an error code: no longer a partner.
        self._accepted.get(_endpoint(capture), {}).pop(ident, None)
        if not is_rejected(capture):
            return None
        # A client that retries sends the same request again (a fresh key, a new token): look once.
        seen = _request_shape(capture)
        if seen in self._said:
            return None
        if folder not in self._scanned:
            self._scanned.add(folder)
            for c in scan_folder(folder, limit=FOLDER_LIMIT).candidates:
                if is_accepted(c.capture):
                    self._remember(c, recent=False)
        pool = list(self._accepted.get(_endpoint(capture), {}).values())
        good = best_match(capture, pool, compared=COMPARED)
        if good is None:
            return None  # cheap without a partner: nothing was compared, so nothing is remembered
        self._remember_said(seen)
        differences = compare(good.capture, capture).significant
        said = (_endpoint(capture), capture.request.path, _what(capture), good.capture.id,
                tuple(d.label for d in differences))
        if said in self._said:
            return None
        self._remember_said(said)
        if self._command is None:
            from ..invocation import command_name

            self._command = command_name()
        run = f"{self._command} why" + ("" if folder.rstrip("/") == "captures" else f" --dir {shlex.quote(folder)}")
        return notice_line(capture, good, differences, run)

    def _remember_said(self, said: tuple[object, ...]) -> None:
        self._said[said] = None
        if len(self._said) > SAID_KEPT:
            self._said.popitem(last=False)

    def _remember(self, c: Candidate, *, recent: bool = True) -> None:
        key = _endpoint(c.capture)
        kept = self._accepted.setdefault(key, {})
        if recent:
            self._accepted.move_to_end(key)
        kept[(c.capture.id, c.capture.started)] = c
        if len(kept) > ACCEPTED_KEPT:
            del kept[min(kept, key=lambda k: kept[k].when)]
        if len(self._accepted) > ENDPOINTS_KEPT:
            self._accepted.popitem(last=False)
