"""The shape of the house: no import cycles, a pure core that imports no I/O library, a light CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wsdiff"

PURE = ["model", "headers", "document", "capture_json", "formats", "messages", "redact", "kinds", "difference",
        "responder", "hints", "diff", "variants", "search", "oracle", "verdict", "wire", "export", "pairing", "advice",
        "report", "triage"]
"""Values in, values out: these modules do no I/O of their own."""

IO_LIBRARIES = {"asyncio", "socket", "ssl", "subprocess", "threading", "selectors", "mitmproxy", "rich", "click",
                "aiohttp", "websockets", "uvicorn", "fastapi", "shutil", "tempfile", "signal"}


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth (lazy ones too), except under ``if TYPE_CHECKING``."""
    out: list[ast.Import | ast.ImportFrom] = []
    for child in ast.iter_child_nodes(tree):
        if _is_type_checking(child):
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            out.append(child)
        out.extend(_import_nodes(child))
    return out


def imports(path: Path) -> tuple[set[str], set[str]]:
    """Return (wsdiff modules, other top-level packages) that the module at *path* imports."""
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    ours: set[str] = set()
    others: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("wsdiff"):
                    ours.add(alias.name)
                else:
                    others.add(alias.name.split(".")[0])
        elif node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            ours.update({f"{target}.{a.name}" for a in node.names} if node.module is None else {target})
        elif node.module and node.module.startswith("wsdiff"):
            ours.add(node.module)
        elif node.module:
            others.add(node.module.split(".")[0])
    return ours, others


def _graph() -> dict[str, set[str]]:
    modules = {_name(p): p for p in PACKAGE.rglob("*.py")}
    return {m: {i for i in imports(p)[0] if i in modules and i != m} for m, p in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle as a path of module names, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        state[m] = 2
        stack.pop()
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    """The cycle check can fail: a made-up graph with a cycle is caught."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    """No module of the package imports, directly or not, a module that imports it (lazy imports included)."""
    assert _cycle(_graph()) is None


@pytest.mark.parametrize("module", PURE)
def test_pure_core_imports_no_io_library(module: str) -> None:
    """The pure core imports no asyncio, socket, ssl, subprocess, mitmproxy, rich or click."""
    ours, others = imports(PACKAGE / f"{module}.py")
    assert not others & IO_LIBRARIES, f"wsdiff.{module} imports {sorted(others & IO_LIBRARIES)}"
    # ... nor reaches the edges through the package.
    edges = {"wsdiff.cli", "wsdiff.probe", "wsdiff.runner", "wsdiff.view", "wsdiff.files", "wsdiff.secrets",
             "wsdiff.demo"}
    assert not {o for o in ours if o in edges or o.startswith("wsdiff.recording")}, (
        f"wsdiff.{module} imports an edge: {sorted(ours)}")


def decorated_functions(source: str) -> list[str]:
    """Name each function of *source* with a decorator but staticmethod or classmethod, with its decorator."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
            decorators = [ast.unparse(d) for d in node.decorator_list]
            if decorators not in (["staticmethod"], ["classmethod"]):
                found.append(f"{node.name} (@{', @'.join(decorators)})")
    return sorted(found)


def test_decorated_functions_are_found() -> None:
    """The check below sees properties and caches, and lets static and class methods be."""
    source = ("import functools\nclass C:\n    @property\n    def p(self): return 1\n"
              "    @staticmethod\n    def s(): return 1\n    @classmethod\n    def c(cls): return 1\n"
              "@functools.lru_cache(maxsize=8)\ndef f(x): return x\nasync def g(): pass\n")
    assert decorated_functions(source) == ["f (@functools.lru_cache(maxsize=8))", "p (@property)"]


@pytest.mark.parametrize("module", PURE)
def test_pure_core_has_no_decorated_function(module: str) -> None:
    """mutmut never mutates a decorated function: a property or cache wraps a plain one (docs/mutation.md)."""
    assert decorated_functions((PACKAGE / f"{module}.py").read_text()) == []


def test_compare_starts_without_heavy_imports(tmp_path: Path) -> None:
    """`wsdiff compare` loads none of mitmproxy, aiohttp, uvicorn, deepdiff or asyncio's socket code."""
    code = ("import sys, wsdiff.cli, wsdiff.diff, wsdiff.files, wsdiff.view; "
            "print(','.join(m for m in ('mitmproxy', 'aiohttp', 'uvicorn', 'deepdiff', 'websockets') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""
