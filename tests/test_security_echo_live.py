"""Review M1: a secret restored into a client message and echoed back by the server is not printed.

Against a real FastAPI server (tests/apps.py ``/ws/greet``) that greets the
first message's token by value, under a member name that says nothing of
credentials: only knowing what was sent can hide the echo.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.files import dump_capture
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session

from helpers import minimal_headers

SECRET = "echo-tok-8c1f2a9d77"


def unredacted(tmp_path: Path, app_server: str) -> Path:
    host, port = app_server.split(":")
    payload = json.dumps({"type": "auth", "token": SECRET}).encode()
    cap = Capture(Endpoint("ws", host, int(port)), Request(target="/ws/greet", headers=minimal_headers(app_server)),
                  Response(101, "Switching Protocols"), label="greet", started=1_700_000_000.0,
                  websocket=Session(state="closed", messages=(Message("client", "text", len(payload), payload, 0.0),)))
    path = tmp_path / "greet.json"
    doc = json.loads(dump_capture(cap, tmp_path / "x.json").read_text())
    path.write_text(json.dumps({**doc, "redacted": False}))
    return path


def test_replay_does_not_print_a_message_secret_the_server_echoes(tmp_path: Path, app_server: str) -> None:
    """The greeting holds the token the replay sent in message 1: it is shown as a fingerprint."""
    path = unredacted(tmp_path, app_server)
    result = CliRunner().invoke(cli, ["replay", str(path), "--timeout", "5", "--json"],
                                env={"COLUMNS": "5000", "WSDIFF_SECRETS": str(tmp_path / "store")})
    assert result.exit_code in (0, 1), result.stderr
    assert "hello redacted:" in result.stdout  # the server did echo it, and the echo was redacted
    assert SECRET not in result.stdout and SECRET not in result.stderr
