"""Mutation testing of wsdiff's pure core with mutmut: run it, then score each module and list what survives.

Run through ``scripts/mutation`` (it sets up .venv first). mutmut's settings
live in pyproject.toml under ``[tool.mutmut]``: the core files it mutates
(``only_mutate``) and the fast unit test files it runs against them. For each
mutant mutmut runs only the tests that call the function it changed; the few
modules that nearly every test calls get their own list of tests
(``OWN_TESTS``) and their own folder under ``.mutation/``.

A survivor is either worth a test or equivalent to the original code; the
equivalent ones are listed in docs/mutation.md, one line each with the reason,
and this report tells them apart from the ones still to look at.

Exit status: 0 every mutant was run and every survivor is listed as equivalent;
1 some survivor is not listed, or some mutant has no result yet (stopped by the
budget, or never run); 2 trouble (bad input, mutmut failed, stopped by a signal).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "docs" / "mutation.md"
MUTMUT = Path(sys.executable).parent / "mutmut"

# mutmut's exit codes for a mutant (mutmut/stats.py); a timeout counts as killed.
KILLED = {1, 3, 24, -24, 36, 152, 255}
SURVIVED = {0}


# The modules nearly every test reaches (each compare redacts, each load parses): with mutmut's own choice,
# each of their mutants would run most of the suite. Their mutants run against the tests that state their
# promises instead, each module in its own folder under .mutation/ (mutmut reads one configuration per folder).
OWN_TESTS: dict[str, list[str]] = {
    "wsdiff.redact": ["tests/test_redact.py", "tests/test_redact_challenges.py", "tests/test_security_redact.py",
                      "tests/test_redact_results.py", "tests/test_security_secrets.py", "tests/test_diff.py",
                      "tests/test_redact_mapping.py", "tests/test_redact_visit.py", "tests/test_redact_again.py"],
    "wsdiff.document": ["tests/test_document.py", "tests/test_document_fields.py", "tests/test_security_loader.py",
                        "tests/test_document_checks.py"],
    "wsdiff.diff": ["tests/test_diff.py", "tests/test_compare_cases.py", "tests/test_query_noise.py",
                    "tests/test_kinds.py", "tests/test_difference.py", "tests/test_transplant.py",
                    "tests/test_hints.py", "tests/test_diff_messages.py"],
    "wsdiff.responder": ["tests/test_responders.py", "tests/test_hints.py", "tests/test_diff.py",
                         "tests/test_responder_rules.py"],
    # Newer modules, with their own unit tests.
    "wsdiff.messages": ["tests/test_messages.py", "tests/test_diff.py", "tests/test_kinds.py",
                        "tests/test_diff_messages.py", "tests/test_messages_json.py", "tests/test_messages_edits.py",
                        "tests/test_messages_session.py"],
    "wsdiff.triage": ["tests/test_triage.py", "tests/test_triage_promises.py", "tests/test_triage_features.py"],
    # Parsed by nearly every module: a survivor would run the whole root list.
    "wsdiff.headers": ["tests/test_headers.py", "tests/test_model.py", "tests/test_security_routing.py",
                       "tests/test_transplant.py", "tests/test_kinds.py", "tests/test_kinds_fix.py",
                       "tests/test_variants.py", "tests/test_document_fields.py", "tests/test_query_noise.py"],
}
WORKSPACES = ROOT / ".mutation"


def workspace(module: str) -> Path:
    """Return the folder mutmut runs in for *module*: the repository, or the module's own under .mutation/."""
    return WORKSPACES / module.rpartition(".")[2] if module in OWN_TESTS else ROOT


def prepare_workspace(module: str) -> None:
    """Make *module*'s folder: links to the package and the tests, and a pyproject.toml naming its tests."""
    ws = workspace(module)
    ws.mkdir(parents=True, exist_ok=True)
    for name in ("wsdiff", "tests"):
        if not (ws / name).exists():
            (ws / name).symlink_to(ROOT / name)
    text = (ROOT / "pyproject.toml").read_text()
    config = tomllib.loads(text)["tool"]["mutmut"]
    start = text.index("[tool.mutmut]")
    after = text.find("\n[", start + 1)
    section = "\n".join([
        "[tool.mutmut]",
        'source_paths = ["wsdiff"]',
        f"only_mutate = {json.dumps([module.replace('.', '/') + '.py'])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(OWN_TESTS[module])}",
        f"pytest_add_cli_args = {json.dumps(config['pytest_add_cli_args'])}",
        "use_git_change_detection = false",
        "",
    ])
    (ws / "pyproject.toml").write_text(text[:start] + section + (text[after + 1:] if after != -1 else ""))


def configured_modules() -> list[str]:
    """Return the modules ``[tool.mutmut] only_mutate`` names, as ``wsdiff.x``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return [p.removesuffix(".py").replace("/", ".") for p in config["only_mutate"]]


def pure_core() -> list[str]:
    """Return the pure core as tests/test_layout.py declares it (its PURE list)."""
    tree = ast.parse((ROOT / "tests" / "test_layout.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PURE" for t in node.targets):
            return [f"wsdiff.{m}" for m in ast.literal_eval(node.value)]
    raise SystemExit("scripts/mutation: tests/test_layout.py has no PURE list")


def listed_equivalents() -> dict[str, str]:
    """Return the mutants docs/mutation.md lists as equivalent, with the reason given."""
    if not EQUIVALENTS.exists():
        return {}
    out = {}
    for line in EQUIVALENTS.read_text().splitlines():
        m = re.match(r"^\s*[-*]\s+`(wsdiff\.[^`]+__mutmut_\d+)`\s*[:\u2014-]?\s*(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def results(module: str) -> dict[str, int | None]:
    """Return mutmut's recorded exit code of every mutant of *module* (None: not run)."""
    meta = workspace(module) / "mutants" / (module.replace(".", "/") + ".py.meta")
    if not meta.exists():
        return {}
    return json.loads(meta.read_text())["exit_code_by_key"]


def sync_unmutated(ws: Path = ROOT) -> None:
    """Refresh mutmut's copies of the package files it does not mutate.

    mutmut copies the package into mutants/ once and regenerates only the
    files it mutates, so an edge module changed since (view, runner, ...)
    would otherwise be tested in its old version against the new core.
    """
    mutants = ws / "mutants"
    if not mutants.exists():
        return
    config = tomllib.loads((ws / "pyproject.toml").read_text())["tool"]["mutmut"]
    mutated = set(config["only_mutate"])
    for folder in config["source_paths"]:
        for src in (ROOT / folder).rglob("*"):
            rel = src.relative_to(ROOT)
            if not src.is_file() or "__pycache__" in rel.parts or str(rel) in mutated:
                continue
            copy = mutants / rel
            if not copy.exists() or copy.read_bytes() != src.read_bytes():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, copy)


def _selection_hash(selection: list[str]) -> str:
    """Return mutmut's fingerprint of a test selection (mutmut/configuration.py ``config_fingerprint``)."""
    return hashlib.sha256(repr(tuple(selection)).encode()).hexdigest()[:12]


def keep_results_when_tests_were_added(ws: Path) -> None:
    """Keep *ws*'s results when test files were only added to its selection since the last run.

    mutmut forgets every result, and spends a whole run again, whenever its
    list of test files changes. Adding a file cannot bring a killed mutant
    back to life, so when the new list holds every file of the last one the
    recorded fingerprint is brought up to date instead (``--again`` then runs
    the mutants not killed, with the new tests). A removed file still resets
    everything: the tests it held may have been the ones that killed.
    """
    selection = tomllib.loads((ws / "pyproject.toml").read_text())["tool"]["mutmut"][
        "pytest_add_cli_args_test_selection"]
    stats = ws / "mutants" / "mutmut-stats.json"
    record = ws / "mutants" / "wsdiff-test-selection.json"
    if stats.exists() and record.exists():
        before = json.loads(record.read_text())
        data = json.loads(stats.read_text())
        fingerprint = data.get("config_fingerprint", {})
        if (before != selection and set(before) <= set(selection)
                and fingerprint.get("test_selection") == _selection_hash(before)):
            fingerprint["test_selection"] = _selection_hash(selection)
            stats.write_text(json.dumps(data, indent=4))
            added = ", ".join(sorted(set(selection) - set(before)))
            print(f"scripts/mutation: test files added since the last run ({added}): results kept")
    record.write_text(json.dumps(selection))


def not_killed(module: str) -> list[str]:
    """Return the mutants of *module* whose last result is not a kill (survived, no tests, not run, other)."""
    return sorted((k for k, v in results(module).items() if v not in KILLED), key=_natural)


def run_mutmut(modules: list[str], jobs: int, budget: float, ws: Path = ROOT, *, pending: bool = False,
               again: bool = False) -> int:
    """Run mutmut in *ws* on the mutants of *modules*.

    Every mutant by default; only those without a result when *pending*;
    when *again*, those not killed last time, then those without a result
    (the mutants of functions changed since: mutmut makes them, with new
    names, only when it starts). Returns mutmut's exit status (124 when over
    budget).
    """
    (ws / "mutants").mkdir(exist_ok=True)
    keep_results_when_tests_were_added(ws)
    deadline = time.monotonic() + budget
    if again:
        # A listed equivalent survives every test by definition: running it again would only run every test.
        equivalent = listed_equivalents()
        names = [n for m in modules for n in not_killed(m) if n not in equivalent]
        if not names:
            # mutmut makes the mutants of a function changed since only when it runs: name one mutant it killed
            # (it is killed again at once) so that it runs and makes them.
            names = [k for m in modules if source_changed(m, ws) for k in killed_mutants(m)[:1]]
        if not names:
            print(f"scripts/mutation: nothing to run again for {', '.join(modules)}: every mutant is killed or "
                  "listed as equivalent, and no source changed since")
            return 0
        # mutmut maps each function to the tests that call it once, and afterwards only for tests added since:
        # a function added or changed since would be tried against too few tests. Map them all again.
        (ws / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        status = _mutmut(names, jobs, budget, ws)
        if status != 0:
            return status
        # Named, so that the other modules' mutants in this folder (never run here) are left alone.
        fresh = [n for m in modules for n, code in results(m).items() if code is None]
        return _mutmut(fresh, jobs, deadline - time.monotonic(), ws) if fresh else 0
    if pending:
        # Named, as above: unnamed, mutmut would run every module's pending mutants in this folder. A module never
        # run here has no mutants yet (mutmut makes them when it starts): its pattern names them all.
        names = [n for m in modules for n in (pending_mutants(m) if results(m) else [f"{m}.*"])]
        if not names:
            print(f"scripts/mutation: nothing pending for {', '.join(modules)}: every mutant has a result")
            return 0
        return _mutmut(names, jobs, budget, ws)
    return _mutmut([f"{m}.*" for m in modules], jobs, budget, ws)


def ran(module: str) -> bool:
    """Tell whether any mutant of *module* has a result (mutmut makes a folder's every mutant when it runs one)."""
    return any(v is not None for v in results(module).values())


def killed_mutants(module: str) -> list[str]:
    """Return the mutants of *module* that a test killed in the last run."""
    return sorted((k for k, v in results(module).items() if v in KILLED), key=_natural)


def source_changed(module: str, ws: Path = ROOT) -> bool:
    """Tell whether *module*'s source changed since mutmut made its mutants (mutmut compares the same times)."""
    rel = Path(module.replace(".", "/") + ".py")
    copy = ws / "mutants" / rel
    return not copy.exists() or (ROOT / rel).stat().st_mtime > copy.stat().st_mtime


def pending_mutants(module: str) -> list[str]:
    """Return the mutants of *module* without a result (a run stopped before them, or functions changed since)."""
    return sorted((k for k, v in results(module).items() if v is None), key=_natural)


def _mutmut(names: list[str], jobs: int, budget: float, ws: Path) -> int:
    """Run ``mutmut run`` in *ws* on *names* within *budget* seconds; return its exit status (124: over budget)."""
    # mutmut runs again every mutant it is named (a pattern names every mutant of a module).
    if budget <= 0:
        return 124
    argv = [str(MUTMUT), "run", "--max-children", str(jobs), *names]
    log = ws / "mutants" / "run.log"
    shown = " ".join(argv[1:]) if len(argv) < 12 else " ".join(argv[1:11]) + f" ... ({len(names)} names in all)"
    print(f"scripts/mutation: {shown}  (log: {log.relative_to(ROOT)})", flush=True)
    with log.open("wb") as out:
        # A session of its own, so that the budget can stop mutmut and the workers it forks, and nothing else.
        proc = subprocess.Popen(argv, cwd=ws, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            _stop(proc)
            print(f"scripts/mutation: stopped by the budget (this folder had {budget / 60:.1f} min of it); the "
                  "results so far are kept, --pending goes on", file=sys.stderr)
            return 124
        except (KeyboardInterrupt, Stopped):
            # mutmut runs in a session of its own: Ctrl-C at the terminal, or a TERM to this script, never reaches
            # it. Left alone it would go on for hours with nobody to read its results.
            _stop(proc)
            raise


class Stopped(Exception):
    """This script was asked to stop (SIGTERM, SIGHUP)."""


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop mutmut and the workers it forked: TERM, then KILL after 10 s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def full_diff(name: str, module: str) -> str:
    """Return mutmut's diff of the function a mutant changes."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    os.chdir(workspace(module))  # mutmut reads mutants/ from the current folder
    # Naming the file spares mutmut a search through every module's results (which a running mutmut rewrites).
    return get_diff_for_mutant(name, path=Path(module.replace(".", "/") + ".py"))


def changed_lines(name: str, module: str) -> str:
    """Return the lines a mutant changes, from mutmut's diff (``-old`` then ``+new``)."""
    lines = [l for l in full_diff(name, module).splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    return "\n".join(lines)


def report(modules: list[str], *, diffs: bool) -> int:
    """Print the score of each module and overall, then the survivors; return the exit status."""
    equivalent = listed_equivalents()
    rows = []
    survivors: list[str] = []
    untested: list[str] = []  # no test calls the function a mutant changes: as good as a survivor
    killed_names: set[str] = set()
    known: set[str] = set()
    never_run: list[str] = []
    not_run = 0
    pending: list[str] = []
    totals: Counter[str] = Counter()
    for module in modules:
        codes = results(module)
        if not ran(module):
            # mutmut makes every module's mutants in a folder when it runs one: made is not run.
            never_run.append(module)
            continue
        c = Counter("killed" if v in KILLED else "survived" if v in SURVIVED else "not run" if v is None
                    else "no tests" if v in (5, 33) else "other" for v in codes.values())
        alive = sorted((k for k, v in codes.items() if v in SURVIVED), key=_natural)
        survivors.extend(alive)
        untested.extend(sorted((k for k, v in codes.items() if v in (5, 33)), key=_natural))
        killed_names.update(k for k, v in codes.items() if v in KILLED)
        known.update(codes)
        not_run += c["not run"]
        if c["not run"]:
            pending.append(module.removeprefix("wsdiff."))
        eq = sum(1 for k in alive if k in equivalent)
        total = len(codes)
        rows.append((module, total, c["killed"], c["survived"], eq, c["no tests"] + c["other"] + c["not run"]))
        totals.update(total=total, killed=c["killed"], survived=c["survived"], equivalent=eq,
                      other=c["no tests"] + c["other"] + c["not run"])

    print()
    print(f"{'module':<20} {'mutants':>7} {'killed':>7} {'survived':>8} {'equiv.':>6} {'other':>5} {'score':>7}")
    for module, total, killed, survived, eq, other in rows:
        score = f"{100 * killed / total:6.1f}%" if total else "     -"
        print(f"{module:<20} {total:>7} {killed:>7} {survived:>8} {eq:>6} {other:>5} {score:>7}")
    t = totals
    score = f"{100 * t['killed'] / t['total']:6.1f}%" if t["total"] else "     -"
    print(f"{'total':<20} {t['total']:>7} {t['killed']:>7} {t['survived']:>8} {t['equivalent']:>6} {t['other']:>5} "
          f"{score:>7}")
    if t["total"]:
        print(f"killed {t['killed']} of {t['total']} mutants ({100 * t['killed'] / t['total']:.1f}%); "
              f"{t['equivalent']} survivor(s) listed as equivalent in docs/mutation.md, "
              f"{t['survived'] - t['equivalent']} not listed; 'other' is no tests, not run or suspicious.")

    unlisted = [s for s in survivors if s not in equivalent]
    unlisted_untested = [s for s in untested if s not in equivalent]
    if unlisted or unlisted_untested:
        print(f"\nSurvivors not listed as equivalent ({len(unlisted) + len(unlisted_untested)}):")
        for name in unlisted + unlisted_untested:
            module = next(m for m in modules if name.startswith(m + "."))
            print(f"\n# {name}" + ("  (no test calls this function)" if name in unlisted_untested else ""))
            print(full_diff(name, module) if diffs else changed_lines(name, module))
    # Only a listed mutant that a test now kills is stale; one not run (yet) says nothing either way.
    stale = sorted(k for k in equivalent if any(k.startswith(m + ".") for m in modules) and k in killed_names)
    if stale:
        print(f"\nListed as equivalent in docs/mutation.md but killed now ({len(stale)}): " + ", ".join(stale))
    # A changed function renumbers its mutants, a removed one takes them along: a line naming none is stale too.
    gone = sorted(k for k in equivalent if any(k.startswith(m + ".") and m not in never_run for m in modules)
                  and k not in known)
    if gone:
        print(f"\nListed as equivalent in docs/mutation.md but no such mutant now ({len(gone)}): " + ", ".join(gone))
    if never_run:
        print(f"\nNever run: {', '.join(never_run)} (scripts/mutation {' '.join(m[7:] for m in never_run)} "
              "runs them)")
    if not_run:
        print(f"\n{not_run} mutant(s) have no result yet (a run stopped before them, or functions changed since): "
              f"scripts/mutation --pending {' '.join(pending)} goes on")
    return 1 if unlisted or unlisted_untested or not_run or never_run else 0


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """Return an argparse type: a number of *kind* above 0."""
    def parse(text: str) -> int | float:
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
        return value
    parse.__name__ = kind.__name__
    return parse


def _last_line(log: Path) -> str:
    """Return the last line of *log* that says something, shortened (a traceback's last line names the error)."""
    try:
        lines = [l.strip() for l in log.read_text(errors="replace").splitlines() if l.strip()]
    except OSError:
        return "no log"
    return (lines[-1][:160] if lines else "no output")


def _natural(name: str) -> tuple[str, int]:
    base, _, n = name.rpartition("__mutmut_")
    return base, int(n) if n.isdigit() else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/mutation",
        description="Mutation-test the pure core with mutmut against the fast unit tests; print the score of each "
                    "module and overall, and the survivors not listed as equivalent in docs/mutation.md.",
        epilog="Results and each folder's log go to mutants/ (and .mutation/<module>/mutants/ for the modules with "
               "tests of their own), ignored by git. Exit status: 0 every mutant was run and every survivor is "
               "listed as equivalent; 1 some survivor is not listed, or some mutant has no result yet; 2 trouble.")
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help="core modules to test (e.g. headers wire); all of [tool.mutmut] only_mutate by default")
    parser.add_argument("-j", "--jobs", type=_positive(int), default=1,
                        help="mutants tested at once (default 1: the machine is shared; 2 on an idle 2-core machine)")
    parser.add_argument("--fresh", action="store_true",
                        help="delete mutants/ first (mutant files and mutmut's test statistics)")
    parser.add_argument("--pending", action="store_true",
                        help="run only the mutants without a result (after a run was stopped), not every one again")
    parser.add_argument("--again", action="store_true",
                        help="run again only the mutants not killed last time and not listed as equivalent, and "
                             "those of functions changed since (after adding tests: a kill stays a kill while "
                             "tests are only added)")
    parser.add_argument("--report-only", action="store_true",
                        help="print the report of the results recorded so far, run nothing")
    parser.add_argument("--diffs", action="store_true",
                        help="print the whole function's diff of each survivor not listed as equivalent")
    parser.add_argument("--budget", type=_positive(float), default=45,
                        help="minutes after which the run is stopped, its results so far kept (default 45; a full "
                             "run with -j 2 takes about 45: give it --budget 90)")
    args = parser.parse_args()

    configured = configured_modules()
    missing = [m for m in pure_core() if m not in configured]
    if missing:
        print(f"scripts/mutation: the pure core (tests/test_layout.py PURE) has {', '.join(missing)}, which "
              "[tool.mutmut] only_mutate in pyproject.toml lacks: add them", file=sys.stderr)
        return 2
    modules = [m if m.startswith("wsdiff.") else f"wsdiff.{m}" for m in args.modules] or configured
    unknown = [m for m in modules if m not in configured]
    if unknown:
        print(f"scripts/mutation: not in [tool.mutmut] only_mutate: {', '.join(unknown)}", file=sys.stderr)
        return 2

    if args.report_only and (args.fresh or args.pending or args.again):
        print("scripts/mutation: --report-only runs nothing; it goes with neither --fresh, --pending nor --again",
              file=sys.stderr)
        return 2
    if args.fresh and args.pending:
        print("scripts/mutation: --fresh runs every mutant; --pending goes without it", file=sys.stderr)
        return 2
    if args.again and (args.fresh or args.pending):
        print("scripts/mutation: --again runs the mutants of the last run again; it goes with neither --fresh nor "
              "--pending", file=sys.stderr)
        return 2
    if args.report_only and not any(ran(m) for m in modules):
        short = [m.removeprefix("wsdiff.") for m in modules]
        command = " ".join(["scripts/mutation", *(short if args.modules else [])])
        print(f"scripts/mutation: nothing has been run yet for {', '.join(short)}: {command} runs it", file=sys.stderr)
        return 2
    if not args.report_only:
        started = time.monotonic()
        groups: dict[Path, list[str]] = {}
        for m in modules:
            if m in OWN_TESTS:
                prepare_workspace(m)
            groups.setdefault(workspace(m), []).append(m)
        for ws, group in groups.items():
            if args.fresh and (ws / "mutants").exists():
                shutil.rmtree(ws / "mutants")
            sync_unmutated(ws)
            left = args.budget * 60 - (time.monotonic() - started)
            status = (run_mutmut(group, args.jobs, max(left, 1), ws, pending=args.pending, again=args.again)
                      if left > 0 else 124)
            print(f"scripts/mutation: {time.monotonic() - started:.0f} s in all so far; mutmut's exit status {status}")
            if status not in (0, 124):
                log = ws / "mutants" / "run.log"
                print(f"scripts/mutation: mutmut failed ({_last_line(log)}); see {log.relative_to(ROOT)}",
                      file=sys.stderr)
                return 2
    os.chdir(ROOT)  # mutmut reads its settings and mutants/ from the current folder
    return report(modules, diffs=args.diffs)


def _main() -> int:
    signal.signal(signal.SIGTERM, _raise_stopped)
    signal.signal(signal.SIGHUP, _raise_stopped)
    try:
        return main()
    except (KeyboardInterrupt, Stopped) as e:
        print(f"scripts/mutation: stopped ({str(e) or 'SIGINT'}); mutmut was stopped too, the results so far are kept: "
              "--pending goes on", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(_main())
