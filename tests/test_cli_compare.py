"""`wsdiff compare` and `wsdiff show` through click's CliRunner: exit codes and parsed JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.files import dump_capture

from helpers import UVICORN_403, capture, set_header


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, Path]:
    good = dump_capture(capture(label="script"), tmp_path / "good.json")
    same = dump_capture(capture(label="script", headers=set_header("Sec-WebSocket-Key", "b3RoZXIgbm9uY2U=")),
                        tmp_path / "same.json")
    bad = dump_capture(capture(label="app", target="/v2/ws?voice=alloy", response=UVICORN_403,
                               headers=set_header("Origin", "https://app.example")), tmp_path / "bad.json")
    return good, same, bad


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_equal_captures_exit_0(pair: tuple[Path, Path, Path]) -> None:
    """Two captures that differ only in noise compare equal: exit 0."""
    good, same, _ = pair
    code, out, _ = run("compare", str(good), str(same))
    assert code == 0 and "No differences (noise aside)." in out


def test_differences_exit_1_with_json(pair: tuple[Path, Path, Path]) -> None:
    """Differences exit 1; --json lists them with kind, name, a and b."""
    good, _, bad = pair
    code, out, _ = run("compare", "--json", str(good), str(bad))
    assert code == 1
    doc = json.loads(out)
    kinds = [(d["kind"], d.get("name")) for d in doc["differences"]]
    assert ("path", None) in kinds and ("header", "Origin") in kinds and ("status", None) in kinds
    origin = next(d for d in doc["differences"] if d.get("name") == "Origin")
    assert origin["a"] is None and origin["b"] == "https://app.example" and origin["group"] == "origin"
    assert doc["a"]["label"] == "script" and doc["b"]["outcome"] == "403 Forbidden" and doc["equal"] is False


def test_json_differences_always_carry_every_key(pair: tuple[Path, Path, Path]) -> None:
    """Every item of compare --json has the same keys, optional ones included (null, "" or [])."""
    good, _, bad = pair
    _, out, _ = run("compare", "--json", "--all", str(good), str(bad))
    items = json.loads(out)["differences"]
    assert {frozenset(d) for d in items} == {frozenset({"group", "kind", "name", "a", "b", "noise", "note", "hints"})}
    status = next(d for d in items if d["kind"] == "status")
    assert status["name"] is None and status["note"] == "" and isinstance(status["hints"], list)


def test_terminal_view_is_grouped_with_labels(pair: tuple[Path, Path, Path]) -> None:
    """The terminal view heads each group and names the captures by label."""
    good, _, bad = pair
    code, out, _ = run("compare", str(good), str(bad))
    assert code == 1
    assert "A script: 101 Switching Protocols" in out and "B app: 403 Forbidden" in out
    assert out.index("Request line") < out.index("Origin") < out.index("Response")
    assert "hint: " in out and "CORSMiddleware does not apply" in " ".join(out.split())


def test_all_shows_noise(pair: tuple[Path, Path, Path]) -> None:
    """--all shows the nonce; without it the count of hidden noise is given."""
    good, same, _ = pair
    assert "Sec-WebSocket-Key" not in run("compare", str(good), str(same))[1]
    code, out, _ = run("compare", "--all", str(good), str(same))
    assert code == 0 and "Sec-WebSocket-Key" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "file is empty"),
        ("{", "not valid JSON: line 1 column 2: Expecting property name enclosed in double quotes"),
        ('{"schema": 1}', "endpoint: missing"),
    ],
)
def test_bad_input_exit_2_one_line(tmp_path: Path, pair: tuple[Path, Path, Path], content: str, message: str) -> None:
    """Bad input: exit 2 and one line naming the file and the problem, no traceback."""
    bad = tmp_path / "broken.json"
    bad.write_text(content)
    code, out, err = run("compare", str(pair[0]), str(bad))
    assert code == 2 and out == ""
    assert err == f"wsdiff: error: {bad}: {message}\n"


def test_usage_error_exit_2() -> None:
    """A missing argument is a usage error: exit 2."""
    code, _, err = run("compare", "only-one.json")
    assert code == 2 and "Missing argument 'B'" in err


def test_help_lists_exit_codes() -> None:
    """compare --help documents the exit codes."""
    code, out, _ = run("compare", "--help")
    assert code == 0 and "0 no differences, 1 differences, 2 trouble" in out


def test_show(pair: tuple[Path, Path, Path]) -> None:
    """show prints the request line and the outcome; --json the documents."""
    good, _, bad = pair
    code, out, _ = run("show", str(bad))
    assert code == 0 and "403 Forbidden [app]" in out and "> GET /v2/ws?voice=alloy HTTP/1.1" in out
    code, out, _ = run("show", "--json", str(good))
    assert json.loads(out)[0]["response"]["status"] == 101


def test_export_keeps_fingerprints_unless_asked(tmp_path: Path) -> None:
    """export prints fingerprints by default; --reveal-secrets needs the secret in the store."""
    cap = dump_capture(capture(headers=set_header("X-API-Key", "redacted:00000000000000ee")), tmp_path / "k.json")
    code, out, _ = run("export", str(cap), "--format", "websocat")
    assert code == 0 and "X-API-Key: redacted:00000000000000ee" in out and out.startswith("websocat ")
    code, _, err = run("export", str(cap), "--reveal-secrets")
    assert code == 2 and "no value for header X-API-Key" in err
    code, _, err = run("export", str(cap), "--format", "pdf")
    assert code == 2 and "Invalid value for '--format'" in err
