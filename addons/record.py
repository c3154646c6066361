"""Record every WebSocket upgrade attempt: ``mitmdump -s addons/record.py``.

Options (``--set NAME=VALUE``): wsdiff_dir (default captures), wsdiff_label,
wsdiff_redact (default true), wsdiff_secrets, wsdiff_observe (seconds, default
10), wsdiff_lazy (default true), wsdiff_writer (process or thread, default
process). See README.md.
"""

import sys
from pathlib import Path

try:
    from wsdiff.recorder import Recorder
except ImportError:  # mitmdump from another environment: use this checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from wsdiff.recorder import Recorder

addons = [Recorder()]
