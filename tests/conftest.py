"""Shared fixtures: real servers and a real recording mitmdump, all on 127.0.0.1."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from helpers import forget_redactions
from wsdiff.files import load_capture
from wsdiff.model import Capture
from wsdiff.recording.procs import Service, free_port, mitmdump_command

TESTS = Path(__file__).resolve().parent

# scripts/mutation runs the unit tests with --hypothesis-profile=mutation: the same
# examples against every mutant, and no example database carried from one to the next.
settings.register_profile("mutation", derandomize=True, database=None)


@pytest.fixture(autouse=True)
def _cold_caches_under_mutation() -> None:
    """Under mutation testing, start each test with the core's caches empty.

    mutmut forks each mutant's test run from a process that already ran the
    clean tests, so a cache (``functools.cache``, redact's memory of unchanged
    values) would answer with what the unmutated code computed, and the
    mutant would seem to survive.
    """
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    redact = sys.modules.get("wsdiff.redact")
    # run_key is this process's random fingerprint key, not a memo: tables of expected fingerprints made at
    # collection rely on it staying the same.
    state = {id(getattr(redact, "run_key", None))}
    for name, module in list(sys.modules.items()):
        if name == "wsdiff" or name.startswith("wsdiff."):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and id(value) not in state:
                    clear()
    if redact is not None:
        forget_redactions()


@pytest.fixture(scope="session", autouse=True)
def _isolated_secret_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep every secret the tests record out of the user's real store."""
    path = tmp_path_factory.mktemp("secrets") / "store"
    old = os.environ.get("WSDIFF_SECRETS")
    os.environ["WSDIFF_SECRETS"] = str(path)
    yield path
    if old is None:
        os.environ.pop("WSDIFF_SECRETS", None)
    else:
        os.environ["WSDIFF_SECRETS"] = old


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn + FastAPI server (tests/apps.py); yields ``127.0.0.1:PORT``."""
    port = free_port()
    log = tmp_path_factory.mktemp("uvicorn") / "uvicorn.log"
    argv = [sys.executable, "-m", "uvicorn", "apps:app", "--app-dir", str(TESTS),
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with Service(argv, port, log=log):
        yield f"127.0.0.1:{port}"


@dataclass
class Recording:
    """A running ``mitmdump -s addons/record.py`` and the folder it writes to."""

    service: Service
    directory: Path

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.service.port}"

    def stop(self) -> int | None:
        return self.service.stop()

    def captures(self) -> list[Capture]:
        """Load every capture written so far, in file-name (time) order."""
        return [load_capture(p) for p in sorted(self.directory.glob("*.json"))]


@pytest.fixture
def start_recorder(tmp_path: Path) -> Iterator[object]:
    """Start a recording mitmdump; call with label=..., options=[...], reverse=URL."""
    started: list[Service] = []

    def start(label: str = "test", options: tuple[str, ...] = (), reverse: str | None = None,
              directory: Path | None = None) -> Recording:
        port = free_port()
        folder = directory or tmp_path / f"captures-{len(started)}"
        folder.mkdir(parents=True, exist_ok=True)
        # mitmproxy drops a script's options silently when one is --set twice.
        if not any(o.startswith("wsdiff_observe=") for o in options):
            options = ("wsdiff_observe=1", *options)
        argv = mitmdump_command(port, directory=folder, label=label, reverse=reverse, options=options)
        service = Service(argv, port, log=tmp_path / f"mitmdump-{len(started)}.log")
        service.start()
        started.append(service)
        return Recording(service, folder)

    yield start
    for service in started:
        service.stop()
