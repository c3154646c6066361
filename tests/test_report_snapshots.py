"""The report, rendered whole, against reviewed snapshots (tests/snapshots/): any change in the output shows here.

A deliberate change to the report is reviewed in the snapshot's diff: regenerate with
``WSDIFF_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_report_snapshots.py`` and commit both.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from wsdiff.diff import compare
from wsdiff.model import Message, Response, Session
from wsdiff.report import Report, render

from helpers import capture

from test_report import BISECT, COMPARISON

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
FINGERPRINT = re.compile(r"redacted:[0-9a-f]{16}")

FLAKY = {"verdict": "flaky", "culprit": [], "causes": [], "probes": 14, "rounds": 4, "candidates": 5,
         "complete": False, "baseline": {"good": [True, False, True], "bad": [False, False]},
         "confirmations": {"good_plus_culprit_rejected": None, "bad_minus_culprit_accepted": None},
         "answers": {"good": {"accepted": 7, "rejected": 3}, "bad": {"accepted": 0, "rejected": 2},
                     "good_plus_culprit": None, "bad_minus_culprit": None},
         "reason": "the server answers identical requests both ways", "fix": "no header is to blame"}
TWO_CAUSES = {**BISECT, "causes": [[{"kind": "header", "name": "Origin"}], [{"kind": "query-param", "name": "fmt"}]],
              "culprit": [{"kind": "query-param", "name": "fmt"}, {"kind": "header", "name": "Origin"}], "complete": True,
              "answers": {"good": {"accepted": 4, "rejected": 0}, "bad": {"accepted": 0, "rejected": 2},
                          "good_plus_culprit": {"accepted": 0, "rejected": 3},
                          "bad_minus_culprit": {"accepted": 3, "rejected": 0}}}

# Every shape of what happened after the 101, on both sides of two reports, with a bisect that was not complete.
_LONG = b'{"type":"audio","data":"' + b"A" * 200 + b'"}'
OBSERVED = capture(label="observed", websocket=Session("observed", duration=2.5, messages=(
    Message("server", "binary", 3000, bytes(range(40)), 0.015), Message("server", "text", 900, _LONG[:256], 0.02),
    Message("client", "text", 2, b"hi", 0.5)), messages_dropped=3))
NO_FRAME = capture(label="no-frame", websocket=Session("closed", None, "", None, None, ()))
OPEN = capture(label="open", websocket=Session("open"))
CLOSED = capture(label="closed", websocket=Session("closed", 4003, "token required", "server", 0.05))
NOT_OBSERVED = capture(label="not-observed")
UNEXPLAINED = {"verdict": "unexplained", "culprit": [], "causes": [], "probes": 7, "rounds": 3, "candidates": 2,
               "complete": False, "baseline": {"good": [True, True], "bad": [False, False]},
               "confirmations": {"good_plus_culprit_rejected": None, "bad_minus_culprit_accepted": None},
               "reason": "GOOD + every difference accepted 2 of 2: the cause is not in the request",
               "fix": "the cause is not in the request"}

# A culprit of each kind that names a header by another name: cookie, subprotocol, extension, case, answer.
from helpers import BASE_HEADERS  # noqa: E402

KINDS_GOOD = capture(label="kinds-good", headers=(*BASE_HEADERS, ("Cookie", "sid=1")),
                     response=Response(101, "Switching Protocols", headers=(("Sec-WebSocket-Protocol", "tts.v1"),)))
KINDS_BAD = capture(label="kinds-bad", headers=(("host", "tts.example"), *BASE_HEADERS[1:5],
                                                ("Sec-WebSocket-Protocol", "tts.v1"), ("Cookie", "sid=2")),
                    response=Response(101, "Switching Protocols", headers=(("X-Reason", "mode"),)))
KINDS_BISECT = {"verdict": "found", "probes": 9, "rounds": 4, "candidates": 4, "complete": True,
                "baseline": {"good": [True, True], "bad": [False, False]},
                "confirmations": {"good_plus_culprit_rejected": True, "bad_minus_culprit_accepted": True},
                "culprit": [{"kind": "cookie", "name": "sid"}, {"kind": "subprotocol", "name": "tts.v1"},
                            {"kind": "extension", "name": "permessage-deflate"}, {"kind": "header-case",
                                                                                   "name": "host"},
                            {"kind": "response-header", "name": "X-Reason"}],
                "fix": "Fix: several."}

CASES = {
    "culprit-kinds": Report(compare(KINDS_GOOD, KINDS_BAD), ("g.json", "b.json"), KINDS_BISECT, ""),
    "sessions": Report(compare(OBSERVED, NO_FRAME), ("a.json", "b.json"), UNEXPLAINED, "wsdiff 0.1.0"),
    "open-and-closed": Report(compare(OPEN, CLOSED)),
    "not-observed": Report(compare(NOT_OBSERVED, CLOSED)),
    "found": Report(COMPARISON, ("good.json", "bad.json"), BISECT, "wsdiff 0.1.0, 2026-11-25 14:02 UTC"),
    "two-causes": Report(COMPARISON, ("good.json", "bad.json"), TWO_CAUSES, "wsdiff 0.1.0"),
    "flaky": Report(COMPARISON, ("good.json", "bad.json"), FLAKY, ""),
    "compare-only": Report(COMPARISON),
}


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_report_matches_its_snapshot(case: str, fmt: str) -> None:
    """The whole report, byte for byte, as reviewed."""
    # Fingerprints made with this run's display key differ from run to run: compared as a placeholder.
    out = FINGERPRINT.sub("redacted:<fingerprint>", render(CASES[case], fmt))
    path = SNAPSHOTS / f"report-{case}.{fmt}"
    if os.environ.get("WSDIFF_UPDATE_SNAPSHOTS"):
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with WSDIFF_UPDATE_SNAPSHOTS=1 and review it"
    assert out == path.read_text(encoding="utf-8")
