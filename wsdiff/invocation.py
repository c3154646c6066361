"""How to name the ``wsdiff`` command in what wsdiff prints, so that a printed command works as printed (an edge).

After the quick start the command is ``.venv/bin/wsdiff`` and, unless the
virtual environment is activated, not on the PATH. Printing a bare
``wsdiff`` there gives the user "command not found"; printing the path
always works.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["command_name", "program"]


def program(name: str) -> str:
    """Return *name* when the PATH finds this installation's *name* (or none), else the path of that script."""
    script = Path(sys.executable).parent / name  # console scripts sit next to this interpreter
    found = shutil.which(name)
    if found is not None:
        try:
            if not script.exists() or os.path.samefile(found, script):
                return name
        except OSError:
            pass
    if not script.exists():
        return name
    try:
        shown = str(script.relative_to(Path.cwd()))  # .venv/bin/wsdiff, from the clone's folder
    except ValueError:
        shown = str(script)
    return shlex.quote(shown)


def command_name() -> str:
    """Return how to type the ``wsdiff`` command: ``wsdiff`` when the PATH finds this one, else its path."""
    if not (Path(sys.executable).parent / "wsdiff").exists() and shutil.which("wsdiff") is None:
        return f"{shlex.quote(sys.executable)} -m wsdiff"
    return program("wsdiff")
