"""The recording addon for mitmproxy (loaded by ``mitmdump -s "$(wsdiff addon)"`` or ``-s addons/record.py``).

It writes one JSON capture per WebSocket upgrade attempt: accepted (101),
rejected (any other status) and unanswered (refused, reset, TLS failure).
mitmproxy fires no websocket hook for a rejected upgrade and sets
``flow.websocket`` only for a 101, so recording keys on the request's
``Upgrade: websocket`` header in the ``response`` and ``error`` hooks.

The hooks stay small: they take a snapshot of plain values from the flow (a
few attribute reads) and hand it to a writer (``wsdiff.recording.writer``), by default
a child process that builds the capture, redacts, serialises and writes each
file atomically, so the proxy's event loop never waits on the disk or on the
GIL. ``done`` waits for
the writer to finish, so no capture is lost when mitmdump stops. An accepted
connection is written at the 101 and written again, in place, when it closes
or its observation window (``wsdiff_observe``) ends.

Imports: the standard library, mitmproxy and wsdiff's core only, because
this runs inside whatever Python mitmproxy runs in.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from mitmproxy import ctx, http

from .snapshot import flow_snapshot, is_upgrade, proxy_mode_name
from ..errors import WsdiffError
from ..secrets import SecretStore
from .writer import InlineWriter, ProcessWriter, ThreadWriter, start_writer

__all__ = ["Recorder"]

log = logging.getLogger("wsdiff")


class Recorder:
    """mitmproxy addon that records WebSocket upgrade attempts as captures."""

    def __init__(self) -> None:
        self._writer: ProcessWriter | ThreadWriter | InlineWriter | None = None
        self._stopping = False  # done() has run; flows may still finish
        self._settings: tuple[str, bool, str] = ("captures", True, "")  # folder, redact, secrets
        # Read by the hooks for every flow; an option read costs a deepcopy in mitmproxy, so configure keeps them.
        self._label = ""
        self._keep_host = False
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._open: dict[str, http.HTTPFlow] = {}
        self._finished: set[str] = set()
        self._failed = False  # a flow could not be recorded; logged once
        self._tag = ""  # wsdiff_notice_tag, read by the writer's reports (which may run on another thread)
        self.written = 0
        self.failures = 0

    def _report(self, level: str, message: str) -> None:
        """Log a line of the writer's, after this run's tag so that `wsdiff record` knows it is the writer's."""
        log.log(logging.ERROR if level == "error" else logging.INFO, f"{self._tag} {message}" if self._tag else message)

    # --- mitmproxy hooks ----------------------------------------------------

    def load(self, loader: Any) -> None:
        loader.add_option("wsdiff_dir", str, "captures", "Folder for wsdiff captures (created if missing).")
        loader.add_option("wsdiff_label", str, "", "Label stored in every capture, e.g. working or failing.")
        loader.add_option("wsdiff_redact", bool, True, "Replace credentials by keyed fingerprints.")
        loader.add_option(
            "wsdiff_secrets", str, "", "Secret store folder (default $WSDIFF_SECRETS or ~/.wsdiff/secrets)."
        )
        loader.add_option(
            "wsdiff_observe", str, "10",
            "Seconds to watch an accepted connection before its capture is completed.",
        )
        loader.add_option(
            "wsdiff_lazy", bool, True,
            "Set connection_strategy=lazy so an upgrade to a dead upstream is seen and recorded.",
        )
        loader.add_option(
            "wsdiff_writer", str, "process",
            "Where captures are redacted and written: a child process (cheapest for the proxy) "
            "or a thread of mitmdump's process.",
            choices=["process", "thread"],
        )
        loader.add_option(
            "wsdiff_notice_tag", str, "",
            "Put before every line the writer logs: `wsdiff record` makes one per run and relays only the lines "
            "that carry it, never text an upstream server put in mitmdump's log.",
        )

    def configure(self, updated: set[str]) -> None:
        if "wsdiff_observe" in updated:
            try:
                if float(ctx.options.wsdiff_observe) < 0:
                    raise ValueError
            except ValueError:
                from mitmproxy import exceptions

                raise exceptions.OptionsError(
                    f"wsdiff_observe: expected a number of seconds, got {ctx.options.wsdiff_observe!r}"
                ) from None
        if "wsdiff_lazy" in updated and ctx.options.wsdiff_lazy:
            # With the default eager strategy a dead upstream fails before any
            # request hook runs, so the attempt would leave no trace.
            ctx.options.connection_strategy = "lazy"
        if {"wsdiff_redact", "wsdiff_secrets"} & updated and ctx.options.wsdiff_redact:
            # Create the store and its key now, owner-only, before any writer races for it.
            try:
                SecretStore(ctx.options.wsdiff_secrets or None).key()
            except WsdiffError as e:
                from mitmproxy import exceptions

                raise exceptions.OptionsError(f"wsdiff_secrets: {e}") from None
        if "wsdiff_dir" in updated:
            Path(ctx.options.wsdiff_dir).expanduser().mkdir(mode=0o700, parents=True, exist_ok=True)
        o = ctx.options
        self._tag = o.wsdiff_notice_tag
        self._settings = (str(Path(o.wsdiff_dir).expanduser()), o.wsdiff_redact, o.wsdiff_secrets)
        self._label, self._keep_host = o.wsdiff_label, getattr(o, "keep_host_header", False)  # a core option
        if not self._stopping and (self._writer is None or self._writer.kind != ctx.options.wsdiff_writer):
            self._close_writer()
            self._writer = start_writer(ctx.options.wsdiff_writer, self._report)

    def response(self, flow: http.HTTPFlow) -> None:
        if not is_upgrade(flow.request):
            return
        self._record(flow, "open")
        if flow.websocket is not None:
            self._open[flow.id] = flow
            observe = float(ctx.options.wsdiff_observe)
            loop = asyncio.get_running_loop()
            self._timers[flow.id] = loop.call_later(observe, self._observed, flow)

    def error(self, flow: http.HTTPFlow) -> None:
        # A flow that got a response is recorded there (and at websocket_end).
        if flow.response is None and is_upgrade(flow.request):
            self._record(flow, "open")

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        if flow.id in self._finished:
            return
        timer = self._timers.pop(flow.id, None)
        if timer is not None:
            timer.cancel()
        self._open.pop(flow.id, None)
        self._finished.add(flow.id)
        self._record(flow, "closed")

    def done(self) -> None:
        for flow in list(self._open.values()):
            self._observed(flow)
        self._close_writer()
        self._stopping = True
        if self.failures:
            log.warning(f"wsdiff: {self.failures} capture(s) could not be written")

    # --- internals ----------------------------------------------------------

    def _observed(self, flow: http.HTTPFlow) -> None:
        if flow.id in self._finished:
            return
        import time

        self._timers.pop(flow.id, None)
        self._open.pop(flow.id, None)
        self._finished.add(flow.id)
        self._record(flow, "observed", now=time.time())

    def _record(self, flow: http.HTTPFlow, state: str, now: float | None = None) -> None:
        # Runs on the event loop for every upgrade: a snapshot of plain values, handed to the writer.
        try:
            mode = proxy_mode_name(flow.client_conn.proxy_mode) or ""
            rewritten = mode.startswith("reverse") and not self._keep_host
            snapshot = flow_snapshot(flow, label=self._label, host_rewritten=rewritten,
                                     session_state=state, now=now, mode=mode or None)
            if self._writer is None:  # after done(), or (for safety) before configure
                self._writer = (InlineWriter(self._report) if self._stopping
                                else start_writer(ctx.options.wsdiff_writer, self._report))
            self._writer.put((snapshot, *self._settings))
        except Exception as e:  # never break the proxied traffic
            self._fail(f"cannot record flow {flow.id}: {e!r}")

    def _close_writer(self) -> None:
        if self._writer is not None:
            written, failures = self._writer.close()
            self._writer = None
            self.written += written
            self.failures += failures

    def _fail(self, message: str) -> None:
        self.failures += 1
        if not self._failed:  # the first, not one line per handshake
            log.error(f"wsdiff: {message} (further failures are counted, not logged)")
        self._failed = True
