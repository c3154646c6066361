"""The addon as a user reaches it: addons/record.py in a checkout, and `wsdiff addon` from an installed wheel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import websockets

from wsdiff.files import load_capture
from wsdiff.recording.procs import Service, free_port, mitmdump_command

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent


async def _one_upgrade(app_server: str, proxy: str) -> None:
    async with websockets.connect(f"ws://{app_server}/ws?voice=alloy", proxy=proxy, open_timeout=10) as ws:
        await ws.recv()


def _recording(addon: Path, folder: Path, log: Path, env: dict[str, str] | None = None) -> Service:
    port = free_port()
    argv = mitmdump_command(port, directory=folder, addon=False) + [
        "-s", str(addon), "--set", f"wsdiff_dir={folder}", "--set", "wsdiff_observe=0.2"]
    return Service(argv, port, log=log, env=env)


async def test_checkout_addon_records(app_server: str, tmp_path: Path) -> None:
    """`mitmdump -s addons/record.py`, the path the README names, records an upgrade."""
    folder = tmp_path / "captures"
    with _recording(ROOT / "addons" / "record.py", folder, tmp_path / "mitmdump.log") as svc:
        await _one_upgrade(app_server, f"http://127.0.0.1:{svc.port}")
    [path] = folder.glob("*.json")
    assert load_capture(path).accepted


async def test_wheel_carries_the_addon(app_server: str, tmp_path: Path) -> None:
    """A wheel built from the repository and installed elsewhere records through `mitmdump -s "$(wsdiff addon)"`."""
    dist, site = tmp_path / "dist", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)],
                   check=True, timeout=120, cwd=tmp_path)
    [wheel] = dist.glob("wsdiff-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=120)
    # The wheel's copy comes first on the path; the dependencies come from this environment.
    env = {"PYTHONPATH": str(site), "PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())}
    out = subprocess.run([sys.executable, "-m", "wsdiff", "addon"], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=30, check=True)
    addon = Path(out.stdout.strip())
    assert addon.is_file() and addon.is_relative_to(site), out.stdout
    folder = tmp_path / "captures"
    with _recording(addon, folder, tmp_path / "mitmdump.log", env=env) as svc:
        await _one_upgrade(app_server, f"http://127.0.0.1:{svc.port}")
    [path] = folder.glob("*.json")
    capture = load_capture(path)
    assert capture.accepted and capture.request.target == "/ws?voice=alloy"
