"""addons/record.py with the thread CPU time of its hooks summed (for bench/record_overhead.py).

At exit it writes "<hook calls> <seconds>" to $WSDIFF_BENCH_HOOK_TIMES. The
two clock reads per hook (about a microsecond) are counted in the figure.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wsdiff.recording.recorder import Recorder  # noqa: E402


class TimedRecorder(Recorder):
    calls = 0
    spent = 0.0

    def response(self, flow):  # type: ignore[no-untyped-def]
        t = time.thread_time()
        super().response(flow)
        self.spent += time.thread_time() - t
        self.calls += 1

    def error(self, flow):  # type: ignore[no-untyped-def]
        t = time.thread_time()
        super().error(flow)
        self.spent += time.thread_time() - t
        self.calls += 1

    def done(self) -> None:
        super().done()
        Path(os.environ["WSDIFF_BENCH_HOOK_TIMES"]).write_text(f"{self.calls} {self.spent}")


addons = [TimedRecorder()]
