"""The recording addon as a mitmproxy script: ``mitmdump -s "$(wsdiff addon)"``.

mitmproxy loads a script by its path, outside any package, so this file
imports with absolute names. Options (``--set NAME=VALUE``): wsdiff_dir
(default captures), wsdiff_label, wsdiff_redact (default true),
wsdiff_secrets, wsdiff_observe (seconds, default 10), wsdiff_lazy (default
true), wsdiff_writer (process or thread, default process). See README.md.
"""

import sys
from pathlib import Path

try:
    from wsdiff.recording.recorder import Recorder
except ImportError:  # mitmdump from another environment: use the wsdiff this file belongs to
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from wsdiff.recording.recorder import Recorder

addons = [Recorder()]
