"""scripts/mutation, the mutation-testing driver: what it runs, what it reports, how it stops.

mutmut itself is not run here (a run takes minutes); a stand-in program takes
its place where a process is needed, and the report is fed recorded results.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "mutation.py"


def _load():
    spec = importlib.util.spec_from_file_location("wsdiff_mutation_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mutation = _load()


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["-j", "0"], "argument -j/--jobs: must be more than 0, got '0'"),
        (["--budget", "-5", "wire"], "argument --budget: must be more than 0, got '-5'"),
        (["--budget", "0", "wire"], "argument --budget: must be more than 0, got '0'"),
        (["--fresh", "--report-only"], "--report-only runs nothing; it goes with neither --fresh, --pending nor "
                                       "--again"),
        (["--again", "--report-only", "wire"], "--report-only runs nothing; it goes with neither --fresh, "
                                               "--pending nor --again"),
        (["--fresh", "--pending"], "--fresh runs every mutant; --pending goes without it"),
        (["--again", "--pending"], "--again runs the mutants of the last run again; it goes with neither --fresh "
                                   "nor --pending"),
        (["nosuchmodule"], "not in [tool.mutmut] only_mutate: wsdiff.nosuchmodule"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], error: str) -> None:
    """Each bad option is refused before anything runs: its error on the last line, exit 2, no traceback."""
    done = run_script(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith(error)


def _survivor_report(monkeypatch: pytest.MonkeyPatch, codes: dict[str, dict[str, int | None]],
                     equivalent: dict[str, str]) -> None:
    monkeypatch.setattr(mutation, "results", lambda module: codes.get(module, {}))
    monkeypatch.setattr(mutation, "listed_equivalents", lambda: equivalent)
    monkeypatch.setattr(mutation, "changed_lines", lambda name, module: f"-old {name}\n+new {name}")


A = "wsdiff.alpha"
B = "wsdiff.beta"


@pytest.mark.parametrize(
    ("codes", "equivalent", "status", "lines"),
    [
        # Every mutant run, the one survivor listed: all done.
        ({A: {f"{A}.x_f__mutmut_1": 1, f"{A}.x_f__mutmut_2": 0}}, {f"{A}.x_f__mutmut_2": "why"}, 0,
         ["wsdiff.alpha               2       1        1      1     0   50.0%",
          "killed 1 of 2 mutants (50.0%); 1 survivor(s) listed as equivalent in docs/mutation.md, 0 not listed; "
          "'other' is no tests, not run or suspicious."]),
        # A survivor not listed: shown with its changed lines.
        ({A: {f"{A}.x_f__mutmut_1": 1, f"{A}.x_f__mutmut_2": 0}}, {}, 1,
         ["Survivors not listed as equivalent (1):", f"# {A}.x_f__mutmut_2", f"-old {A}.x_f__mutmut_2"]),
        # No test calls the function: as good as a survivor until listed or tested.
        ({A: {f"{A}.x_f__mutmut_1": 1, f"{A}.x_g__mutmut_1": 33}}, {}, 1,
         ["Survivors not listed as equivalent (1):", f"# {A}.x_g__mutmut_1  (no test calls this function)"]),
        ({A: {f"{A}.x_f__mutmut_1": 1, f"{A}.x_g__mutmut_1": 33}}, {f"{A}.x_g__mutmut_1": "why"}, 0, []),
        # A run stopped by its budget: never "all done".
        ({A: {f"{A}.x_f__mutmut_1": 1, f"{A}.x_f__mutmut_2": None}}, {}, 1,
         ["1 mutant(s) have no result yet (a run stopped before them, or functions changed since): "
          "scripts/mutation --pending alpha goes on"]),
        # A module never run in its folder, whether mutmut made its mutants (running another module there) or not:
        # named, and left out of the table and the score.
        ({A: {f"{A}.x_f__mutmut_1": 1}}, {}, 1, ["Never run: wsdiff.beta (scripts/mutation beta runs them)",
                                                  "total                      1       1        0      0     0  100.0%"]),
        ({A: {f"{A}.x_f__mutmut_1": 1}, B: {f"{B}.x_g__mutmut_1": None}}, {}, 1,
         ["Never run: wsdiff.beta (scripts/mutation beta runs them)",
          "total                      1       1        0      0     0  100.0%"]),
        # A listed equivalent that a test now kills is stale; one not run says nothing.
        ({A: {f"{A}.x_f__mutmut_1": 1, f"{A}.x_f__mutmut_2": None}},
         {f"{A}.x_f__mutmut_1": "why", f"{A}.x_f__mutmut_2": "why"}, 1,
         [f"Listed as equivalent in docs/mutation.md but killed now (1): {A}.x_f__mutmut_1"]),
        # A listed mutant that no longer exists (its function changed or went): named, so that the line goes.
        ({A: {f"{A}.x_f__mutmut_1": 1}}, {f"{A}.x_f__mutmut_9": "why", f"{B}.x_g__mutmut_1": "why"}, 0,
         [f"Listed as equivalent in docs/mutation.md but no such mutant now (1): {A}.x_f__mutmut_9"]),
    ],
)
def test_report_and_its_exit_status(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                    codes: dict[str, dict[str, int | None]], equivalent: dict[str, str], status: int,
                                    lines: list[str]) -> None:
    """0 only when every mutant has a result and every survivor (or untested mutant) is listed; else 1."""
    _survivor_report(monkeypatch, codes, equivalent)
    modules = [A, B] if any(line.startswith("Never run") for line in lines) else [A]
    assert mutation.report(modules, diffs=False) == status
    out = capsys.readouterr().out.splitlines()
    for line in lines:
        assert line in out


def test_report_only_with_nothing_run_says_so(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """On a fresh clone, --report-only says nothing has run yet and how to run it (exit 2), not an empty table."""
    monkeypatch.setattr(sys, "argv", ["scripts/mutation", "--report-only", "wire", "capture_json"])
    # capture_json's mutants were made (another module ran in its folder) but none has a result: never run too.
    monkeypatch.setattr(mutation, "results", lambda module: {f"{module}.x_f__mutmut_1": None}
                        if module == "wsdiff.capture_json" else {})
    assert mutation.main() == 2
    err = capsys.readouterr().err
    assert err == ("scripts/mutation: nothing has been run yet for wire, capture_json: "
                   "scripts/mutation wire capture_json runs it\n")


@pytest.mark.parametrize(
    ("codes", "names"),
    [
        # Only the named modules' mutants without a result; a module never run: all of its mutants.
        ({A: {f"{A}.x_f__mutmut_1": 1, f"{A}.x_f__mutmut_10": None, f"{A}.x_f__mutmut_2": None}},
         [f"{A}.x_f__mutmut_2", f"{A}.x_f__mutmut_10", f"{B}.*"]),
        ({A: {f"{A}.x_f__mutmut_1": 1}, B: {f"{B}.x_g__mutmut_1": 0}}, None),
    ],
)
def test_pending_runs_only_the_named_modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             codes: dict[str, dict[str, int | None]], names: list[str] | None) -> None:
    """--pending names the modules' mutants without a result: never every module's of the folder."""
    ran: list[list[str]] = []
    monkeypatch.setattr(mutation, "results", lambda module: codes.get(module, {}))
    monkeypatch.setattr(mutation, "keep_results_when_tests_were_added", lambda ws: None)
    monkeypatch.setattr(mutation, "_mutmut", lambda n, jobs, budget, ws: ran.append(n) or 0)
    assert mutation.run_mutmut([A, B], 1, 60.0, tmp_path, pending=True) == 0
    assert ran == ([names] if names else [])


STAND_IN = """\
import sys, time
from pathlib import Path
sys.path.insert(0, {scripts!r})
import importlib.util
spec = importlib.util.spec_from_file_location("m", {script!r})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
ws = Path({ws!r})
m.ROOT = ws
m.MUTMUT = Path({mutmut!r})
m.main = lambda: m._mutmut(["wsdiff.alpha.*"], 1, 60.0, ws)
sys.exit(m._main())
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_script_stops_mutmut(tmp_path: Path, sig: signal.Signals) -> None:
    """TERM (a timeout) or Ctrl-C stops mutmut, which runs in a session of its own, with the script: exit 2."""
    (tmp_path / "mutants").mkdir()
    pidfile = tmp_path / "mutmut.pid"
    mutmut = tmp_path / "mutmut"
    mutmut.write_text(f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 60\n")
    mutmut.chmod(0o755)
    code = STAND_IN.format(scripts=str(SCRIPT.parent), script=str(SCRIPT), ws=str(tmp_path), mutmut=str(mutmut))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pidfile.read_text())
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 2
    assert err.strip().splitlines()[-1] == (f"scripts/mutation: stopped ({sig.name}); mutmut was stopped too, the "
                                            "results so far are kept: --pending goes on")
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_help_says_where_results_go_and_what_each_status_means() -> None:
    """--help names where the results and logs go and the three exit statuses."""
    done = run_script("--help")
    text = " ".join(done.stdout.split())
    assert done.returncode == 0
    assert "Results and each folder's log go to mutants/" in text
    assert ("Exit status: 0 every mutant was run and every survivor is listed as equivalent; 1 some survivor is not "
            "listed, or some mutant has no result yet; 2 trouble.") in text


@pytest.mark.parametrize("changed", [True, False])
def test_again_makes_the_mutants_of_a_changed_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str], changed: bool) -> None:
    """--again with every mutant killed or listed: runs one killed mutant when the source changed (so that mutmut
    makes the changed functions' mutants), and nothing at all, its test statistics kept, when it did not."""
    source = tmp_path / "wsdiff" / "alpha.py"
    copy = tmp_path / "mutants" / "wsdiff" / "alpha.py"
    for path in (source, copy):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    stats = tmp_path / "mutants" / "mutmut-stats.json"
    stats.write_text("{}")
    os.utime(source, (1_000_000 + changed * 10, 1_000_000 + changed * 10))
    os.utime(copy, (1_000_005, 1_000_005))
    ran: list[list[str]] = []
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    monkeypatch.setattr(mutation, "results", lambda module: {f"{A}.x_f__mutmut_1": 0, f"{A}.x_f__mutmut_3": 1,
                                                             f"{A}.x_f__mutmut_2": 1})
    monkeypatch.setattr(mutation, "listed_equivalents", lambda: {f"{A}.x_f__mutmut_1": "why"})
    monkeypatch.setattr(mutation, "keep_results_when_tests_were_added", lambda ws: None)
    monkeypatch.setattr(mutation, "_mutmut", lambda n, jobs, budget, ws: ran.append(n) or 0)
    assert mutation.run_mutmut([A], 1, 60.0, tmp_path, again=True) == 0
    assert ran == ([[f"{A}.x_f__mutmut_2"]] if changed else [])
    assert stats.exists() is not changed  # mapped afresh only when something runs
    assert ("nothing to run again" in capsys.readouterr().out) is not changed
