"""Ask the live server: replay captures and variants, and run the bisect search.

The I/O edge that joins the pure parts (variants, transplant, search) to
:func:`wsdiff.probe.probe`. Probes run concurrently up to a bound; every
probe has bounded time; nothing is sent anywhere but the capture's endpoint,
an explicit target, or an explicit proxy. A server that cannot be reached
at all (see :func:`wsdiff.probe.probe`) stops the run with
:class:`~wsdiff.errors.UnreachableError`: no answer is no verdict.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from .diff import compare
from .document import request_grammar, request_injection
from .errors import ReplayError, UnreachableError
from .messages import Turn, client_messages, conversation
from .model import Capture, Endpoint, Message, Request
from .oracle import Oracle, ProbeResult
from .probe import Connection, probe
from .redact import Secret, merge_secrets, redact_capture, restore_messages, restore_request, run_key
from .search import Policy, Probe, search
from .variants import Variant, transplant
from .verdict import BisectReport, VariantRow

__all__ = ["Settings", "replay_capture", "replay_variants", "replay_from", "bisect"]


@dataclass(frozen=True)
class Settings:
    """How probes are sent: everything but the request itself."""

    target: Endpoint | None = None  # send here instead of the capture's endpoint
    proxy: str | None = None
    insecure: bool = False
    ca: str | None = None
    timeout: float = 10.0
    window: float = 1.0
    keep_key: bool = False
    concurrency: int = 4
    secrets: Mapping[str, Secret] = dataclasses.field(default_factory=dict)
    drop_missing_secrets: bool = False
    allow_secrets_to: tuple[str, ...] = ()  # hosts (or host:port) any secret may go to, as the user named them
    oracle: Oracle = Oracle()
    messages: bool = True  # send the client's recorded messages after the 101 (--no-messages: none)

    def connection(self, endpoint: Endpoint) -> Connection:
        return Connection(self.target or endpoint, self.proxy, self.insecure, self.ca, self.timeout,
                          self.window, self.keep_key)

    def request(self, request: Request, endpoint: Endpoint) -> Request:
        """Return *request* as it will be sent to *endpoint*: secrets restored where they belong there.

        Raises:
            SecretRefusedError: a secret is bound to another endpoint or place.
            SecretError: a secret is missing (unless dropped).
            ReplayError: the request would carry CR, LF or NUL into the request head.
        """
        out = restore_request(request, self.secrets, endpoint=endpoint, allow=self.allow_secrets_to,
                              drop_missing=self.drop_missing_secrets)
        problem = request_injection(out) or request_grammar(out)
        if problem is not None:
            raise ReplayError(f"refusing to send a request whose {problem}")
        return out

    def client_messages(self, capture: Capture, endpoint: Endpoint) -> Outgoing:
        """Return the client messages to send to *endpoint* after a 101, secrets restored, with their turns.

        A message not kept whole is not sent, nor any after it: sending a
        part, or skipping one, would change what the server is asked.
        """
        if not self.messages:
            return Outgoing((), 0, ())
        recorded = client_messages(capture)
        whole = 0
        while whole < len(recorded) and recorded[whole].whole:
            whole += 1
        restored = restore_messages(recorded[:whole], self.secrets, endpoint=endpoint, request=capture.request,
                                    allow=self.allow_secrets_to, drop_missing=self.drop_missing_secrets)
        turns = conversation(capture.websocket.messages if capture.websocket is not None else ())
        return Outgoing(restored, len(recorded) - whole, _aligned(recorded[:whole], turns, restored))


class Outgoing(NamedTuple):
    """The client messages a probe sends after a 101, when each is sent, and how many recorded ones are not sent."""

    messages: tuple[Message, ...]
    unsent: int
    turns: tuple[Turn, ...]


def _aligned(recorded: tuple[Message, ...], turns: tuple[Turn, ...], kept: tuple[Message, ...]) -> tuple[Turn, ...]:
    """Return the turns of the *kept* messages, a subsequence of *recorded* (restoring keeps each one's time)."""
    out: list[Turn] = []
    i = 0
    for m in kept:
        while i < len(recorded) and recorded[i].at != m.at:
            i += 1
        if i >= len(recorded):
            return ()  # not found: the probe falls back to the recorded gaps
        out.append(turns[i])
        i += 1
    return tuple(out)


async def _run(captures: Sequence[Capture], settings: Settings) -> list[ProbeResult]:
    # Restore every request first, for the endpoint it goes to, so that a missing or
    # misplaced secret stops the run before anything of it is sent.
    connections = [settings.connection(c.endpoint) for c in captures]
    prepared = [(settings.request(c.request, conn.endpoint), conn, settings.client_messages(c, conn.endpoint))
                for c, conn in zip(captures, connections, strict=True)]
    gate = asyncio.Semaphore(max(1, settings.concurrency))

    async def one(request: Request, conn: Connection, messages: Outgoing) -> ProbeResult:
        async with gate:
            return await _probe(request, conn, messages)

    results = list(await asyncio.gather(*(one(r, c, m) for r, c, m in prepared)))
    for result, (_, conn, _) in zip(results, prepared):
        if result.unreachable is not None:
            raise UnreachableError(result.unreachable, _address(conn, result.unreachable),
                                   result.error.message if result.error else "cannot reach the server")
    return results


def _address(conn: Connection, how: str) -> str:
    """host:port of what could not be reached: the proxy when it was the proxy that failed."""
    if how == "proxy" and conn.proxy:
        proxy = urlsplit(conn.proxy)
        return f"{proxy.hostname}:{proxy.port or 8080}"  # never the proxy's userinfo
    return f"{conn.endpoint.host}:{conn.endpoint.port}"


async def replay_capture(capture: Capture, settings: Settings) -> ProbeResult:
    """Send one capture's request as recorded; an unreachable server is a result here (``unreachable`` set)."""
    conn = settings.connection(capture.endpoint)
    return await _probe(settings.request(capture.request, conn.endpoint), conn,
                        settings.client_messages(capture, conn.endpoint))


async def _probe(request: Request, conn: Connection, messages: Outgoing) -> ProbeResult:
    """Send *request*, then the client messages to send; note how many recorded ones were not sent."""
    sent, unsent, turns = messages
    result = await probe(request, conn, sent, turns)
    return dataclasses.replace(result, messages_unsent=unsent) if unsent else result


async def replay_variants(capture: Capture, variants: Sequence[Variant], settings: Settings) -> list[VariantRow]:
    """Send the capture as recorded, then each variant of it; the first row is the original.

    Raises:
        UnreachableError: a request could not be sent at all.
    """
    captures = [capture] + [v.on(capture) for v in variants]
    results = await _run(captures, settings)
    names = [("as recorded", "the request exactly as captured")] + [(v.name, v.description) for v in variants]
    return [VariantRow(n, d, r, settings.oracle.accepts(r)) for (n, d), r in zip(names, results, strict=True)]


async def replay_from(capture: Capture, other: Capture, settings: Settings, *, key: bytes | None = None) -> list[VariantRow]:
    """Send the capture with each of *other*'s differences applied, one at a time.

    Raises:
        UnreachableError: a request could not be sent at all.
    """
    capture, other, settings = _redacted(capture, other, settings, key)
    diffs = [d for d in compare(capture, other, key=key).significant if d.applicable]
    captures = [capture] + [transplant(capture, other, [d]) for d in diffs]
    results = await _run(captures, settings)
    names = [("as recorded", "the request exactly as captured")] + [
        (f"from other: {d.label}", f"{_show(d.a)} -> {_show(d.b)}") for d in diffs]
    return [VariantRow(n, desc, r, settings.oracle.accepts(r)) for (n, desc), r in zip(names, results, strict=True)]


def _redacted(a: Capture, b: Capture, settings: Settings, key: bytes | None) -> tuple[Capture, Capture, Settings]:
    """Redact both captures, their secrets bound to each one's endpoint, before differences move between them.

    Transplanting clear values would carry GOOD's credentials to BAD's
    endpoint unchecked; as fingerprints, they are restored only where they
    were recorded (Settings.request).
    """
    a, found_a = redact_capture(a, key or run_key())
    b, found_b = redact_capture(b, key or run_key())
    if found_a or found_b:
        settings = dataclasses.replace(settings, secrets=merge_secrets(settings.secrets, found_a, found_b))
    return a, b, settings


def _show(value: object) -> str:
    if value is None:
        return "(absent)"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


async def bisect(good: Capture, bad: Capture, settings: Settings, *, repeats: int = 2,
                 key: bytes | None = None, policy: Policy | None = None) -> BisectReport:
    """Find every cause (each a smallest set of differences) that turns GOOD's acceptance into BAD's rejection.

    *policy* says how often claims are asked again (see :class:`wsdiff.search.Policy`);
    *repeats* is short for ``Policy(repeats=...)``.

    Raises:
        UnreachableError: a request could not be sent at all (the search stops there).
    """
    good, bad, settings = _redacted(good, bad, settings, key)
    comparison = compare(good, bad, key=key)
    candidates = tuple(d for d in comparison.significant if d.applicable)
    gen = search(len(candidates), policy=policy or Policy(repeats=repeats))
    samples: dict[str, ProbeResult] = {}

    def build(p: Probe) -> Capture:
        chosen = [candidates[i] for i in sorted(p.changed)]
        return transplant(good, bad, chosen) if p.base == "good" else transplant(bad, good, chosen)

    batch = next(gen)
    while True:
        results = await _run([build(p) for p in batch], settings)
        for p, r in zip(batch, results, strict=True):
            if not p.changed:
                samples.setdefault(p.base, r)
        try:
            batch = gen.send([settings.oracle.accepts(r) for r in results])
        except StopIteration as stop:
            return BisectReport(comparison, candidates, stop.value, samples)
