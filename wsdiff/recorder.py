"""The recording addon for mitmproxy: ``mitmdump -s addons/record.py``.

It writes one JSON capture per WebSocket upgrade attempt: accepted (101),
rejected (any other status) and unanswered (refused, reset, TLS failure).
mitmproxy fires no websocket hook for a rejected upgrade and sets
``flow.websocket`` only for a 101, so recording keys on the request's
``Upgrade: websocket`` header in the ``response`` and ``error`` hooks.

The hooks stay small: they turn the flow into a Capture (a few attribute
reads) and queue it. One writer thread redacts, serialises and writes each
file atomically, so the proxy's event loop never waits on the disk, and
``done`` drains the queue so no capture is lost when mitmdump stops. An
accepted connection is written at the 101 and written again, in place, when
it closes or its observation window (``wsdiff_observe``) ends.

Imports: the standard library, mitmproxy and wsdiff's core only, because
this runs inside whatever Python mitmproxy runs in.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from pathlib import Path
from typing import Any

from mitmproxy import ctx, http

from .document import build_document, dumps_document
from .files import capture_filename, write_atomic
from .mitm import capture_from_flow, is_upgrade, proxy_mode_name
from .model import Capture
from .redact import redact_capture
from .secrets import SecretStore

__all__ = ["Recorder"]

log = logging.getLogger("wsdiff")

_STOP = object()


class Recorder:
    """mitmproxy addon that records WebSocket upgrade attempts as captures."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._names: dict[str, str] = {}  # flow id -> file name, for the rewrite at close
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._open: dict[str, http.HTTPFlow] = {}
        self._finished: set[str] = set()
        self._failed: str | None = None  # the last write error logged, so it is logged once
        self._store: SecretStore | None = None
        self._key: bytes = b""
        self.written = 0
        self.failures = 0

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
            self._store = SecretStore(ctx.options.wsdiff_secrets or None)
            self._key = self._store.key()
        if "wsdiff_dir" in updated:
            Path(ctx.options.wsdiff_dir).expanduser().mkdir(parents=True, exist_ok=True)
        self._start()

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
        self._stop()
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
        try:
            mode = proxy_mode_name(flow.client_conn.proxy_mode) or ""
            rewritten = mode.startswith("reverse") and not ctx.options.keep_host_header
            capture = capture_from_flow(
                flow, label=ctx.options.wsdiff_label, host_rewritten=rewritten, session_state=state, now=now
            )
        except Exception as e:  # never break the proxied traffic
            self._fail(f"cannot read flow {flow.id}: {e!r}")
            return
        if flow.id not in self._names:
            self._names[flow.id] = capture_filename(capture)
        folder = Path(ctx.options.wsdiff_dir).expanduser()
        self._queue.put((capture, folder / self._names[flow.id], ctx.options.wsdiff_redact))
        if state != "open" or flow.websocket is None:  # no rewrite will follow
            self._names.pop(flow.id, None)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="wsdiff-writer", daemon=True)
            self._thread.start()

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Take whatever else is waiting: one wake-up per burst, not per capture.
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            for item in batch:
                if item is _STOP:
                    continue
                capture, path, redact = item  # type: ignore[misc]
                try:
                    self._write(capture, path, redact)
                except Exception as e:
                    self._fail(f"cannot write {path}: {e}")
            if _STOP in batch:
                return

    def _write(self, capture: Capture, path: Path, redact: bool) -> None:
        if redact:
            capture, secrets = redact_capture(capture, self._key)
            if secrets and self._store is not None:
                self._store.add(secrets)
        write_atomic(path, dumps_document(build_document(capture)))
        self.written += 1
        if self._failed is not None:
            log.info("wsdiff: writing captures again")
            self._failed = None

    def _fail(self, message: str) -> None:
        self.failures += 1
        # Log the first failure of a run of failures, not one line per handshake.
        if self._failed is None:
            log.error(f"wsdiff: {message} (further failures are counted, not logged)")
        self._failed = message
