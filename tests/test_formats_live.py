"""HAR and flow files written by mitmdump load like captures; exports reproduce the handshake."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
import websockets
from click.testing import CliRunner
from websockets.exceptions import InvalidStatus

from wsdiff.cli import cli
from wsdiff.diff import compare
from wsdiff.errors import CaptureError
from wsdiff.export import export
from wsdiff.files import load_capture, load_captures

pytestmark = pytest.mark.live


@pytest.fixture
async def recorded(app_server: str, start_recorder, tmp_path: Path) -> dict[str, object]:
    """One accepted and one rejected handshake, recorded as captures, as a HAR and as a flow file."""
    har, flows = tmp_path / "dump.har", tmp_path / "dump.flows"
    rec = start_recorder(options=(f"hardump={har}",))
    # -w is not an option of --set; start a second recorder-less mitmdump for the flow file instead.
    from wsdiff.recording.procs import Service, free_port, mitmdump_command

    port = free_port()
    argv = mitmdump_command(port, directory=tmp_path, addon=False) + ["-w", str(flows)]
    with Service(argv, port, log=tmp_path / "flows.log") as flow_proxy:
        for proxy in (rec.proxy, f"http://127.0.0.1:{flow_proxy.port}"):
            async with websockets.connect(f"ws://{app_server}/ws?voice=alloy", proxy=proxy) as ws:
                await asyncio.wait_for(ws.recv(), 5)
            with pytest.raises(InvalidStatus):
                async with websockets.connect(f"ws://{app_server}/nope", proxy=proxy):
                    pass
    rec.stop()
    return {"captures": rec.captures(), "har": har, "flows": flows, "dir": rec.directory}


async def test_har_from_mitmproxy_loads_like_captures(recorded: dict) -> None:  # type: ignore[type-arg]
    """Both attempts are in the HAR, the rejected one included, and compare equal to the captures."""
    har = recorded["har"]
    attempts = load_captures(har)
    assert [c.response.status for c in attempts] == [101, 403]
    for from_har, from_json in zip(attempts, recorded["captures"], strict=True):
        c = compare(from_har, from_json)
        assert not [d for d in c.significant if d.group not in ("response", "session")], c.significant
    assert load_capture(f"{har}#2").request.target == "/nope"
    with pytest.raises(CaptureError, match=r"holds 2 WebSocket upgrade attempts; pick one with .*#1 \.\. .*#2"):
        load_capture(har)


async def test_flow_file_loads_like_captures(recorded: dict) -> None:  # type: ignore[type-arg]
    """A mitmdump -w file gives both attempts, with the 101's session."""
    attempts = load_captures(recorded["flows"])
    assert [c.response.status for c in attempts] == [101, 403]
    assert attempts[0].websocket is not None and attempts[0].websocket.messages
    result = CliRunner().invoke(cli, ["compare", "--json", f"{recorded['flows']}#1", f"{recorded['har']}#2"])
    assert result.exit_code == 1
    kinds = {(d["kind"], d.get("name")) for d in json.loads(result.stdout)["differences"]}
    assert ("path", None) in kinds and ("status", None) in kinds


async def test_a_file_of_several_attempts_is_shown_whole_and_paired_within(recorded: dict,  # type: ignore[type-arg]
                                                                           tmp_path: Path) -> None:
    """show FILE shows every attempt (FILE#1, FILE#2); why FILE#2 finds its accepted partner #1 in the same file."""
    alone = tmp_path / "alone"
    alone.mkdir()
    flows = alone / "flows.mitm"
    flows.write_bytes(Path(recorded["flows"]).read_bytes())  # a folder with nothing else in it
    shown = CliRunner().invoke(cli, ["show", "--json", str(flows)])
    assert shown.exit_code == 0, shown.output
    assert [d["response"]["status"] for d in json.loads(shown.stdout)] == [101, 403]
    text = CliRunner().invoke(cli, ["show", str(flows)]).stdout
    assert f"{flows}#1" in text and f"{flows}#2" in text
    # why runs its own event loop: off this test's loop.
    why = await asyncio.to_thread(CliRunner().invoke, cli, ["why", "--offline", "--json", f"{flows}#2"])
    assert why.exit_code == 1, why.output
    doc = json.loads(why.stdout)
    assert (doc["good"], doc["bad"]) == (f"{flows}#1", f"{flows}#2")
    # --dir names where to look: the file's other attempts are then not considered.
    elsewhere = await asyncio.to_thread(CliRunner().invoke, cli,
                                        ["why", "--offline", "--dir", str(tmp_path / "alone"), f"{flows}#2"])
    assert elsewhere.exit_code == 2 and "no accepted attempt" in elsewhere.stderr


async def test_curl_export_reproduces_the_status(recorded: dict) -> None:  # type: ignore[type-arg]
    """The curl command, run, gets the status the capture got: 101 and 403."""
    for capture in recorded["captures"]:
        command = export(capture, "curl")
        run = subprocess.run(["bash", "-c", command], capture_output=True, timeout=15)
        out = run.stdout.decode("latin-1")
        assert out.splitlines()[0].split()[1] == str(capture.response.status), (command, out)
        # No progress meter: stderr holds curl's own error at most (the expected timeout after a 101).
        assert b"% Total" not in run.stderr and (capture.response.status == 101 or run.stderr == b""), run.stderr
        # websockets offers permessage-deflate; left out, the server's first message arrives readable.
        assert "permessage-deflate" in (capture.request.header("Sec-WebSocket-Extensions") or "")
        assert "Sec-WebSocket-Extensions" not in command.splitlines()[-1]
        if capture.accepted:
            assert run.returncode == 28 and "audio_format" in out  # the timeout the comment announces
            assert "exit status 28) is expected" in command


async def test_python_export_sends_the_exact_bytes(recorded: dict) -> None:  # type: ignore[type-arg]
    """The python snippet runs and prints the server's answer head."""
    import sys

    capture = recorded["captures"][1]
    out = subprocess.run([sys.executable, "-c", export(capture, "python")], capture_output=True, text=True,
                         timeout=15)
    assert out.returncode == 0 and out.stdout.startswith("HTTP/1.1 403 Forbidden")


async def test_har_export_round_trips(recorded: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    """An exported HAR loads back to the same request."""
    capture = recorded["captures"][1]
    path = tmp_path / "one.har"
    path.write_text(export(capture, "har"))
    [back] = load_captures(path)
    assert back.request == capture.request and back.response.status == 403
