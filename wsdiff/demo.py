"""``wsdiff demo``: the whole story on 127.0.0.1, in under a minute.

A text-to-speech-like FastAPI service; a plain websockets script that
connects; a studio application (aiohttp) that gets HTTP 403; both recorded
through mitmdump; compared; bisected against the live service; the culprit
and the fix. Every process it starts is stopped, also on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from .diff import compare
from .errors import WsdiffError
from .files import load_capture
from .invocation import command_name
from .runner import Settings, bisect
from .recording.procs import Service, free_port
from .recording.command import record_command
from .secrets import SecretStore
from .view import render_bisect, render_comparison

__all__ = ["run_demo"]


def run_demo(directory: Path | None = None, console: Console | None = None, window: float = 0.5) -> int:
    """Run the demo; return 0 when the culprit was found and confirmed."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise WsdiffError("wsdiff demo needs fastapi and uvicorn: pip install 'wsdiff[demo]'") from None
    out = console or Console(highlight=False)
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="wsdiff-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    step: Callable[[str], None] = lambda title: out.print(Rule(Text(title, style="bold"), align="left"))  # noqa: E731

    port = free_port()
    url = f"ws://127.0.0.1:{port}/ws"
    server = [sys.executable, "-m", "uvicorn", "wsdiff.demo_app:app", "--host", "127.0.0.1", "--port", str(port),
              "--log-level", "warning"]
    with Service(server, port, log=directory / "service.log"):
        step("1. A TTS service is running")
        out.print(f"   {url}  (FastAPI under uvicorn, CORS configured for http://localhost:3000)", soft_wrap=True)

        step("2. Record both clients with wsdiff record (mitmdump as their proxy)")
        client = [sys.executable, "-m", "wsdiff.demo_clients"]
        runs = {}
        for label in ("script", "app"):
            rec = record_command([*client, label, url], label=label, directory=directory, timeout=30,
                                 on_notice=lambda line: out.print(f"   {line}", soft_wrap=True, markup=False,
                                                                  style="yellow"))
            if len(rec.captures) != 1:
                raise WsdiffError(f"expected one capture of the {label} client, got {len(rec.captures)}")
            runs[label] = rec.captures[0]
            capture = load_capture(rec.captures[0])
            # soft_wrap: a path cut at 80 columns cannot be copied (rich wraps when stdout is not a terminal).
            out.print(f"   {label:6} -> {capture.outcome:28} {rec.captures[0]}", soft_wrap=True)
        good, bad = load_capture(runs["script"]), load_capture(runs["app"])

        step("3. wsdiff compare: what differs")
        key = SecretStore().key()
        out.print(render_comparison(compare(good, bad, key=key), names=("script", "app")))

        step("4. wsdiff bisect: ask the live service which difference matters")
        settings = Settings(window=window, timeout=5, secrets=SecretStore().load())
        report = asyncio.run(bisect(good, bad, settings, key=key))
        out.print(render_bisect(report, names=("script", "app")))

    step("The story")
    found = report.result.verdict == "found" and bool(report.result.confirmed_good_plus)
    if found:
        culprit = ", ".join(d.label for d in report.culprit)
        out.print(
            f"The script connects and the app gets 403. Of {len(report.candidates)} differences in the request, "
            f"only [bold]{culprit}[/bold] matters: the service checks Origin against an allow-list before "
            "accept(), and uvicorn turns that refusal into a bare 403. The CORS settings never ran: "
            "CORSMiddleware does not apply to WebSocket connections."
        )
        out.print(Text(report.fix, style="bold green"))
    else:
        out.print("The search did not end with a confirmed culprit; see above.")
    cmd, where = command_name(), shlex.quote(str(directory))
    out.print(f"\nCaptures: {where}", soft_wrap=True)
    out.print(f"The service has stopped; from the captures alone:\n"
              f"  {cmd} why --offline --dir {where}\n"
              f"  {cmd} report --dir {where} -o report.html\n"
              f"With your own clients: {cmd} record --label working -- CMD, the same for the failing one, "
              f"then {cmd} why", soft_wrap=True, markup=False)
    return 0 if found else 1
