"""Recording: the mitmproxy addon, its writer, and the helpers that start mitmdump.

- ``recorder``: the :class:`~wsdiff.recording.recorder.Recorder` addon (hooks on mitmproxy's event loop).
- ``addon``: the script file mitmdump loads (``mitmdump -s "$(wsdiff addon)"``); :data:`ADDON` is its path.
- ``snapshot``: plain values taken from a flow, and flows (live or from a flow file) turned into captures.
- ``writer``: where captures are built, redacted and written, off the event loop (a child process).
- ``procs``: starting and stopping mitmdump and other local services.
- ``command``: ``wsdiff record -- CMD``.

Importing this package imports neither mitmproxy nor the addon.
"""

from pathlib import Path

__all__ = ["ADDON"]

ADDON = Path(__file__).resolve().parent / "addon.py"
"""The addon script for ``mitmdump -s``, inside the installed package."""
