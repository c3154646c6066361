"""Record every WebSocket upgrade attempt: ``mitmdump -s addons/record.py`` (see README.md)."""

import runpy
from pathlib import Path

# The addon lives in the package (wsdiff/recording/addon.py), so an installed wsdiff has it too.
addons = runpy.run_path(str(Path(__file__).resolve().parents[1] / "wsdiff" / "recording" / "addon.py"))["addons"]
