"""Start and stop the local processes wsdiff drives: mitmdump, a demo server.

Everything listens on 127.0.0.1 only. Every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import WsdiffError
from . import ADDON

__all__ = ["free_port", "wait_for_port", "Service", "mitmdump_command", "ADDON", "mitmproxy_ca"]



def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:*port*."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise WsdiffError(f"process exited with status {proc.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise WsdiffError(f"nothing listened on 127.0.0.1:{port} within {timeout:g} s")


def _mitmdump() -> str:
    here = Path(sys.executable).parent / "mitmdump"
    if here.exists():
        return str(here)
    found = shutil.which("mitmdump")
    if found is None:
        raise WsdiffError("mitmdump not found (install mitmproxy 12 into this environment)")
    return found


def mitmdump_command(
    port: int,
    *,
    directory: str | os.PathLike[str],
    label: str = "",
    reverse: str | None = None,
    addon: bool = True,
    options: Sequence[str] = (),
) -> list[str]:
    """Return the argv of a recording mitmdump on 127.0.0.1:*port*."""
    cmd = [_mitmdump(), "--listen-host", "127.0.0.1", "--listen-port", str(port)]
    if reverse:
        cmd += ["--mode", f"reverse:{reverse}"]
    if addon:
        cmd += ["-s", str(ADDON), "--set", f"wsdiff_dir={directory}", "--set", f"wsdiff_label={label}"]
    for opt in options:
        cmd += ["--set", opt]
    return cmd


def mitmproxy_ca(confdir: Path | None = None) -> Path:
    """Return mitmproxy's CA certificate (PEM), created at mitmdump's first start."""
    return (confdir or Path.home() / ".mitmproxy") / "mitmproxy-ca-cert.pem"


class Service:
    """A child process that listens on a port, stopped for sure on exit."""

    def __init__(
        self,
        argv: Sequence[str],
        port: int,
        *,
        env: dict[str, str] | None = None,
        log: Path | None = None,
        ready_timeout: float = 20.0,
    ) -> None:
        self.argv = list(argv)
        self.port = port
        self.env = env
        self.log = log
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self.env, start_new_session=True,
            )
        finally:
            if self.log:
                out.close()  # type: ignore[union-attr]
        try:
            wait_for_port(self.port, self.ready_timeout, self.proc)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop gracefully (SIGINT, so mitmdump runs its done hooks), then kill."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return None if proc is None else proc.returncode
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                return proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        return proc.poll()

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
