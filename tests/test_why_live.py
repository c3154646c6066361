"""wsdiff why: from a folder of captures to the culprit with no file name typed, against a real server."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.files import dump_capture
from wsdiff.folder import FILE_LIMIT, scan_folder

from wsdiff.model import Capture, Response

from helpers import handshake as request_to


def handshake(hostport: str, target: str, *extra: tuple[str, str], label: str = "") -> Capture:
    """A recorded attempt: the request, and the answer the live app gives it (403 for a foreign Origin)."""
    rejected = any(name == "Origin" for name, _ in extra)
    answer = Response(403, "Forbidden") if rejected else Response(101, "Switching Protocols")
    return request_to(hostport, target, *extra, label=label).replace(response=answer)

pytestmark = pytest.mark.live

HARMLESS = (("User-Agent", "app/2.1"), ("X-Request-Source", "app"), ("Sec-WebSocket-Protocol", "tts.v1"))


def folder_with_a_story(app_server: str, folder: Path) -> dict[str, Path]:
    """Two accepted attempts (one to another path), one rejected for its Origin, and files that are not captures."""
    now = time.time()
    files = {
        "other": dump_capture(handshake(app_server, "/ws?voice=alloy", label="other").replace(started=now - 30),
                              folder / "a-other.json"),
        "script": dump_capture(handshake(app_server, "/ws/origin", label="script").replace(started=now - 20),
                               folder / "b-script.json"),
        "app": dump_capture(handshake(app_server, "/ws/origin", ("Origin", "https://evil.example"), *HARMLESS,
                                      label="app").replace(started=now - 10), folder / "c-app.json"),
    }
    (folder / "notes.txt").write_text("not a capture")
    (folder / "settings.json").write_text('{"theme": "dark"}')
    (folder / "dump.json").write_text('{"log": {"entries": []}}')
    (folder / ".c-app.json.123.tmp").write_text("{half")
    return files


def test_why_with_no_argument_names_the_culprit(app_server: str, tmp_path: Path) -> None:
    """wsdiff why: picks the latest rejection and the closest accepted attempt, bisects, names Origin."""
    files = folder_with_a_story(app_server, tmp_path)
    r = CliRunner().invoke(cli, ["why", "--json", "--window", "0.3", "--dir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (doc["good"], doc["bad"]) == (str(files["script"]), str(files["app"]))
    assert [(x["kind"], x["name"]) for x in doc["culprit"]] == [("header", "Origin")]
    assert doc["verdict"] == "found" and doc["fix"].startswith("Fix: add 'https://evil.example'")
    assert "same endpoint" in doc["why"]["good"] and "same path /ws/origin" in doc["why"]["good"]

    text = CliRunner().invoke(cli, ["why", "--window", "0.3", "--dir", str(tmp_path)])
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"bad:  {files['app']}  (app, 403 Forbidden at ")
    assert lines[0].endswith(f": the latest of 1 rejected attempt in {tmp_path}/")
    assert lines[1].startswith(f"good: {files['script']}  (script, 101 Switching Protocols at ")
    assert "the best of 2 accepted attempts to this host" in lines[1]
    out = " ".join(text.stdout.split())
    assert "GOOD script: 101" in out and "Fix: add 'https://evil.example'" in out


def test_why_offline_and_named(app_server: str, tmp_path: Path) -> None:
    """--offline only compares (compare's exit status); FAILING and --good are taken as named."""
    files = folder_with_a_story(app_server, tmp_path)
    r = CliRunner().invoke(cli, ["why", "--offline", "--json", str(files["app"]), "--good", str(files["other"])])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    assert doc["good"] == str(files["other"]) and doc["bad"] == str(files["app"])
    assert "culprit" not in doc and {d["kind"] for d in doc["differences"]} >= {"path", "header"}
    # FAILING alone: the good one comes from FAILING's own folder.
    r = CliRunner().invoke(cli, ["why", "--offline", "--json", str(files["app"])])
    assert r.exit_code == 1 and json.loads(r.stdout)["good"] == str(files["script"])


def test_why_says_what_to_record(app_server: str, tmp_path: Path) -> None:
    """Nothing accepted to the same host, or nothing at all: exit 2, and how to record it (the client table)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    r = CliRunner().invoke(cli, ["why", "--dir", str(empty)])
    assert r.exit_code == 2
    assert r.stderr.splitlines()[0] == f"wsdiff: error: no rejected attempt in {empty}/ (0 captures read)"
    assert "--label working -- " in r.stderr and "--label failing -- " in r.stderr
    assert "aiohttp" in r.stderr and "trust_env=True" in r.stderr and "<-loopback>" in r.stderr
    assert f"why --dir {empty}" in r.stderr

    dump_capture(handshake(app_server, "/ws/origin", ("Origin", "https://evil.example"), label="app"),
                 tmp_path / "bad.json")
    r = CliRunner().invoke(cli, ["why", "--dir", str(tmp_path)])
    assert r.exit_code == 2
    assert r.stderr.startswith(f"wsdiff: error: no accepted attempt to 127.0.0.1 in {tmp_path}/ to compare ")
    assert "--label working" in r.stderr and "--label failing" not in r.stderr
    r = CliRunner().invoke(cli, ["why", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and r.stderr.strip() == f"wsdiff: error: {tmp_path / 'nope.json'}: no such file"


def test_scan_is_bounded_and_skips_what_is_not_a_capture(app_server: str, tmp_path: Path) -> None:
    """Only wsdiff captures are read, newest first, at most the limit; the rest is counted as skipped."""
    folder_with_a_story(app_server, tmp_path)
    (tmp_path / "huge.json").write_bytes(b" " * (FILE_LIMIT + 1))
    scan = scan_folder(tmp_path)
    assert sorted(Path(c.name).name for c in scan.candidates) == ["a-other.json", "b-script.json", "c-app.json"]
    assert scan.skipped == 3  # settings.json, dump.json (a HAR with no entry), huge.json
    for age, name in enumerate(["c-app.json", "b-script.json", "a-other.json", "settings.json", "dump.json"]):
        os.utime(tmp_path / name, (time.time() - 100 * (age + 1),) * 2)
    limited = scan_folder(tmp_path, limit=2)
    assert [Path(c.name).name for c in limited.candidates] == ["c-app.json", "b-script.json"]
    assert limited.skipped == 4  # huge.json, and the three older files beyond the limit


def test_report_from_a_saved_why(app_server: str, tmp_path: Path) -> None:
    """why --json saved to a file names the pair and the culprit: report turns it into Markdown, no probe sent."""
    files = folder_with_a_story(app_server, tmp_path)
    r = CliRunner().invoke(cli, ["why", "--json", "--window", "0.3", "--dir", str(tmp_path)])
    saved = tmp_path / "why.out"
    saved.write_text(r.stdout)
    out = tmp_path / "report.md"
    r = CliRunner().invoke(cli, ["report", "--bisect-json", str(saved), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == str(out)
    assert r.stderr.strip().endswith(f"(GOOD) and {files['app']} (BAD); culprit: header Origin")
    text = out.read_text()
    assert "**header Origin** (culprit)" in text and "Fix: add" in text and "curl --silent --show-error --include" in text
    assert oct(out.stat().st_mode & 0o777) == "0o644"
    # Given GOOD and BAD, and the saved result of another pair: refused.
    other = CliRunner().invoke(cli, ["report", str(files["other"]), str(files["script"]), "--bisect-json", str(saved),
                                     "-o", str(out)])
    assert other.exit_code == 2 and "the bisect result does not match this pair" in other.stderr


def test_report_usage_errors(tmp_path: Path) -> None:
    """A name with no format, or both --bisect and --bisect-json: one line, exit 2."""
    good = dump_capture(handshake("127.0.0.1:9", "/ws", label="good"), tmp_path / "g.json")
    bad = dump_capture(handshake("127.0.0.1:9", "/ws", ("Origin", "https://evil.example"), label="bad"),
                       tmp_path / "b.json")
    missing = tmp_path / "nonexistent"
    for args in (["why", "--offline", "--dir", str(missing)], ["report", "--dir", str(missing), "-o", "r.md"]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 2 and r.stderr.strip() == f"wsdiff: error: no such folder: {missing}", args
    target = tmp_path / "nonexistent" / "x.html"
    r = CliRunner().invoke(cli, ["report", str(good), str(bad), "-o", str(target)])
    assert r.exit_code == 2 and r.stderr.strip() == f"wsdiff: error: cannot write {target}: no such folder"
    assert not list(tmp_path.glob("**/*.tmp"))
    r = CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "r.txt")])
    assert r.exit_code == 2 and r.stderr.strip().endswith("cannot tell the format from the name; end it in .html or "
                                                          ".md, or pass --format")
    junk = tmp_path / "j.json"
    junk.write_text("{}")
    r = CliRunner().invoke(cli, ["report", "--bisect", "--bisect-json", str(junk)])
    assert r.exit_code == 2 and "give --bisect (run it now) or --bisect-json (a saved result), not both" in r.stderr
    r = CliRunner().invoke(cli, ["report", "--bisect-json", str(junk)])
    assert r.exit_code == 2 and r.stderr.strip() == f"wsdiff: error: {junk}: no 'verdict': not the output of bisect " \
                                                    "--json or why --json"
