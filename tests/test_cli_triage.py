"""`wsdiff triage` through click's CliRunner: exit codes, parsed JSON, skipped and unreadable files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.export import export
from wsdiff.files import dump_capture

from helpers import capture, set_header


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Forty captures: the foreign-Origin ones rejected, in a folder with a subfolder and a few other files."""
    d = tmp_path / "captures"
    (d / "day2").mkdir(parents=True)
    for i in range(40):
        origin = ["https://app.example", "https://evil.example", None, "https://app.example"][i % 4]
        headers = set_header("Origin", origin) if origin else set_header("Accept-Language", "en")
        dump_capture(capture(headers=headers, status=403 if origin == "https://evil.example" else 101,
                             id=f"{i:08d}", started=1764000000 + i), d / ("day2" if i % 2 else "") )
    (d / "README.md").write_text("# captures of the 25th")
    (d / "settings.json").write_text('{"theme": "dark"}')
    (d / ".20261125-000000.000000_x_101_tmp.json.123.tmp").write_text("{")  # the recorder's temporary file
    return d


def test_every_rejection_explained_exit_0(folder: Path) -> None:
    """Explained: exit 0; the JSON names the finding with its counts and a replay to test it."""
    code, out, err = run("triage", "--json", str(folder))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["explained"] is True and doc["by"] == "endpoint"
    assert doc["sources"] == {"files": 40, "attempts": 40, "skipped": 2, "unreadable": [],
                              "skipped_examples": [str(folder / "README.md"), str(folder / "settings.json")]}
    [group] = doc["groups"]
    assert (group["endpoint"], group["attempts"], group["accepted"], group["rejected"]) == (
        "wss://tts.example/ws", 40, 30, 10)
    [f] = group["findings"]
    assert (f["kind"], f["name"], f["values"], f["negated"]) == ("header", "Origin", ["https://evil.example"], False)
    assert (f["rejected_matched"], f["accepted_matched"], f["condition"]) == (10, 0, "Origin is https://evil.example")
    assert f["test_argv"][:2] == ["wsdiff", "replay"] and Path(f["test_argv"][2]).is_file()
    assert f["test_argv"][3:] == ["--variant", "set-origin=https://app.example"]
    assert group["unexplained"] == []


def test_text_report(folder: Path) -> None:
    """The text report: one line per group, each finding with counts and its test, and the skipped note."""
    code, out, err = run("triage", str(folder))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "wss://tts.example/ws: 40 attempts, 30 accepted, 10 rejected"
    assert lines[1] == "  1. rejected when Origin is https://evil.example: 10 of 10 rejected, 0 of 30 accepted"
    assert lines[2].startswith("     test: wsdiff replay ")
    assert lines[2].endswith(" --variant set-origin=https://app.example")
    assert lines[3] == "  Every rejection is explained."
    assert err == (f"note: skipped 2 file(s) that are not captures, e.g. {folder / 'README.md'}, "
                   f"{folder / 'settings.json'}\n")


def test_unexplained_exit_1(folder: Path) -> None:
    """A rejection no condition explains: exit 1, listed with a bisect against the nearest accepted attempt."""
    odd = capture(headers=set_header("Origin", "https://app.example"), status=403, id="odd")
    dump_capture(odd, folder / "odd.json")
    code, out, _ = run("triage", "--json", str(folder))
    assert code == 1
    [group] = json.loads(out)["groups"]
    assert group["explained"] is False and group["unexplained_attempts"] == 1
    [u] = group["unexplained"]
    assert u["source"] == str(folder / "odd.json") and u["attempts"] == 1
    assert u["test_argv"][:2] == ["wsdiff", "bisect"] and u["test_argv"][3] == str(folder / "odd.json")


def test_only_rejections_exit_1(tmp_path: Path) -> None:
    """A group with no accepted attempt cannot be separated: exit 1, and the report says why."""
    dump_capture(capture(status=403), tmp_path / "a.json")
    code, out, _ = run("triage", str(tmp_path / "a.json"))
    assert code == 1 and "  no accepted attempt to compare the rejections with." in out.splitlines()


def test_unreadable_capture_is_named_and_exit_2(folder: Path) -> None:
    """A broken capture among good ones: one line naming it, the rest still triaged, exit 2 (like diff -r)."""
    (folder / "broken.json").write_text('{"schema": 1, "endpoint": {}')
    code, out, err = run("triage", str(folder))
    assert code == 2
    assert err.splitlines()[0] == (f"wsdiff: error: {folder / 'broken.json'}: not valid JSON: line 1 column 29: "
                                   "Expecting ',' delimiter")
    assert out.startswith("wss://tts.example/ws: 40 attempts")


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: str(d / "nope"), "{d}/nope: no such file or folder"),
    (lambda d: (d / "junk").mkdir() or str(d / "junk"), "no WebSocket upgrade attempt in {d}/junk"),
    (lambda d: (d / "x.txt").write_text("hi") and str(d / "x.txt"), "{d}/x.txt: not valid JSON: line 1 column 1: "
                                                                    "Expecting value"),
])
def test_no_usable_input_exit_2(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    """A missing source, an empty folder, a named file that is not a capture: exit 2, one line, no traceback."""
    code, out, err = run("triage", make(tmp_path))
    assert code == 2 and out == ""
    assert "wsdiff: error: " + message.format(d=tmp_path) in err.splitlines()
    assert "Traceback" not in err


def test_har_attempts_are_named_by_selector(tmp_path: Path) -> None:
    """Attempts from a HAR file are named FILE#N, which replay and bisect take."""
    entries = []
    for i in range(12):
        c = capture(headers=set_header("X-Api-Key", "redacted:00000000000000aa") if i % 3 else set_header(
            "X-Api-Key", []), status=101 if i % 3 else 401)
        entries += json.loads(export(c, "har"))["log"]["entries"]
    har = tmp_path / "browser.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    code, out, _ = run("triage", "--json", str(har))
    assert code == 0
    [f] = json.loads(out)["groups"][0]["findings"]
    assert f["condition"] == "X-Api-Key is absent" and f["test_argv"][2].startswith(f"{har}#")
    assert f["test_argv"][3:] == ["--variant", "set-header=X-Api-Key:redacted:00000000000000aa"]
    code, out, _ = run("triage", "--json", f"{har}#2")
    assert json.loads(out)["groups"][0]["attempts"] == 1


def test_by_and_oracle_options(folder: Path) -> None:
    """--by takes endpoint, host or path; anything else is a usage error (exit 2)."""
    for by in ("host", "path"):
        code, out, _ = run("triage", "--json", "--by", by, "--oracle", "status", str(folder))
        assert code == 0 and json.loads(out)["by"] == by
    code, _, err = run("triage", "--by", "port", str(folder))
    assert code == 2 and "Invalid value for '--by'" in err


def test_help_lists_exit_codes() -> None:
    """triage --help documents the exit codes."""
    code, out, _ = run("triage", "--help")
    assert code == 0 and "Exit status: 0 every rejection in every group is explained" in " ".join(out.split())


def test_worker_processes_give_the_same_answer(tmp_path: Path) -> None:
    """Reading 600 files with worker processes gives exactly what one process gives, order included."""
    for i in range(600):
        headers = set_header("X-Client-Mode", ["legacy", "modern"][i % 2])
        if i % 3:
            headers = headers + (("X-Api-Key", "redacted:00000000000000aa"),)
        dump_capture(capture(headers=headers, status=101 if i % 3 else 403, id=f"{i:08d}", started=1764000000 + i),
                     tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    one = run("triage", "--json", "--jobs", "1", str(tmp_path))
    three = run("triage", "--json", "--jobs", "3", str(tmp_path))
    assert one == three and one[0] == 0
    doc = json.loads(one[1])
    assert doc["sources"]["attempts"] == 600 and doc["sources"]["skipped"] == 1
    assert [f["condition"] for f in doc["groups"][0]["findings"]] == ["X-Api-Key is absent"]
