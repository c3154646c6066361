"""The README's main command (wsdiff demo) and wsdiff record, run for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.files import load_capture

pytestmark = pytest.mark.live


def test_demo_tells_the_story_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """The demo names Origin as the culprit, confirms it, and stops every process it started."""
    proc = subprocess.run([sys.executable, "-m", "wsdiff", "demo", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "only header Origin matters" in out
    assert ("Confirmed: GOOD + culprit is rejected: yes (rejected 4 of 4); "
            "BAD - culprit is accepted: yes (accepted 3 of 3).") in out
    captures = sorted(tmp_path.glob("*.json"))
    assert [load_capture(p).label for p in captures] == ["script", "app"]
    assert "demo-key-7c1e" not in "".join(p.read_text() for p in captures)
    leftover = subprocess.run(["pgrep", "-f", f"wsdiff.demo_app:app|wsdiff_dir={tmp_path}"], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_record_runs_a_command_through_the_proxy(app_server: str, tmp_path: Path) -> None:
    """wsdiff record -- CMD: the child's websockets client goes through the recorder by the environment."""
    code = (
        "import asyncio, websockets\n"
        "async def main():\n"
        f"    async with websockets.connect('ws://{app_server}/ws') as ws:\n"
        "        await ws.recv()\n"
        "asyncio.run(main())\n"
    )
    result = CliRunner().invoke(cli, ["record", "--json", "--label", "child", "--dir", str(tmp_path), "--",
                                      sys.executable, "-c", code])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    [path] = doc["captures"]
    capture = load_capture(path)
    assert capture.label == "child" and capture.accepted


def test_record_passes_the_exit_status_and_reports_bad_commands(tmp_path: Path) -> None:
    """The command's exit status is wsdiff's; a missing command is a one-line error (exit 2)."""
    r = CliRunner().invoke(cli, ["record", "--dir", str(tmp_path), "--", sys.executable, "-c", "raise SystemExit(3)"])
    assert r.exit_code == 3
    r = CliRunner().invoke(cli, ["record", "--dir", str(tmp_path), "--", "no-such-command-xyz"])
    assert r.exit_code == 2 and r.stderr.strip() == "wsdiff: error: command not found: no-such-command-xyz"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    r = CliRunner().invoke(cli, ["record", "--dir", str(blocker / "sub"), "--", "true"])
    assert r.exit_code == 2 and r.stderr.strip() == f"wsdiff: error: cannot write {blocker / 'sub'}: a part of the " \
                                                    "path is not a folder"


def test_record_with_no_capture_says_why(app_server: str, tmp_path: Path) -> None:
    """A client that goes around the proxy, or refuses its certificate: the likely reason, in place."""
    around = ("import asyncio, websockets\n"
              "async def main():\n"
              f"    async with websockets.connect('ws://{app_server}/ws', proxy=None) as ws:\n"
              "        await ws.recv()\n"
              "asyncio.run(main())\n")
    r = CliRunner().invoke(cli, ["record", "--dir", str(tmp_path), "--", sys.executable, "-c", around])
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert lines[1] == ("wsdiff: no capture: nothing reached the proxy; the client ignored it. How each client goes "
                        "through it:")
    assert any(line.split()[:1] == ["aiohttp"] and "trust_env=True" in line for line in lines)
    assert any("--proxy-bypass-list" in line for line in lines)

    untrusting = ("import asyncio, ssl, websockets\n"
                  "async def main():\n"
                  "    try:\n"
                  f"        await websockets.connect('wss://{app_server}/ws', ssl=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))\n"
                  "    except ssl.SSLError:\n"
                  "        pass\n"
                  "asyncio.run(main())\n")
    r = CliRunner().invoke(cli, ["record", "--json", "--dir", str(tmp_path), "--", sys.executable, "-c", untrusting])
    doc = json.loads(r.stdout)
    assert doc["captures"] == [] and doc["no_capture_reasons"][0].startswith(
        "no capture: the client used TLS and did not trust mitmproxy's CA")


def test_no_capture_advice_names_the_proxy_that_ran(tmp_path: Path) -> None:
    """The browsers' --proxy-server in the advice is the proxy wsdiff record started (a free port), not 8080."""
    r = CliRunner().invoke(cli, ["record", "--json", "--dir", str(tmp_path), "--", sys.executable, "-c", "pass"])
    doc = json.loads(r.stdout)
    browsers = next(line for line in doc["no_capture_reasons"] if line.split()[:1] == ["browsers"])
    assert doc["proxy"].startswith("http://127.0.0.1:") and f"--proxy-server={doc['proxy']}," in browsers


def test_record_prints_commands_that_work(app_server: str, tmp_path: Path) -> None:
    """After a recording, the next command is printed in a form the shell runs as printed, paths unbroken."""
    code = (f"import asyncio, websockets\nasyncio.run(websockets.connect('ws://{app_server}/ws/boom').__aenter__())")
    folder = tmp_path / ("a-long-folder-name-" * 4)
    proc = subprocess.run([sys.executable, "-m", "wsdiff", "record", "--dir", str(folder), "--", sys.executable,
                           "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    [line] = proc.stdout.splitlines()
    assert line.startswith("500 Internal Server Error") and line.split()[-1].startswith(str(folder))
    [next_line] = [x for x in proc.stderr.splitlines() if x.startswith("wsdiff: next: ")]
    command = next_line.removeprefix("wsdiff: next: ")
    assert command.endswith(f" why --dir {folder}")
    # The printed command runs: it finds the 500 and says an accepted attempt is missing (exit 2).
    run = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 2 and "no accepted attempt to 127.0.0.1" in run.stderr, run.stderr


def test_record_relays_the_recorders_notice(app_server: str, tmp_path: Path) -> None:
    """Recording the failing client after the working one: the recorder's line reaches the terminal."""
    def client(target: str, origin: str | None) -> list[str]:
        headers = {"Origin": origin} if origin else {}
        code = ("import asyncio, websockets\n"
                "async def main():\n"
                "    try:\n"
                f"        async with websockets.connect('ws://{app_server}{target}', additional_headers={headers!r}):\n"
                "            pass\n"
                "    except websockets.InvalidStatus:\n"
                "        pass\n"
                "asyncio.run(main())\n")
        return [sys.executable, "-c", code]

    first = CliRunner().invoke(cli, ["record", "--dir", str(tmp_path), "--", *client("/ws/origin", None)])
    assert first.exit_code == 0 and "differs" not in first.stderr
    second = CliRunner().invoke(cli, ["record", "--dir", str(tmp_path), "--",
                                      *client("/ws/origin", "https://evil.example")])
    [line] = [x for x in second.stderr.splitlines() if "differs from the accepted" in x]
    assert line.startswith("wsdiff: 403 /ws/origin differs from the accepted 101 of ")
    assert " in: header Origin added; run: " in line and line.endswith(f" why --dir {tmp_path}")
    assert second.stderr.splitlines()[-1].startswith("wsdiff: next: ")
