"""wsdiff: record, compare and replay WebSocket opening handshakes.

The library under the ``wsdiff`` command. The core (model, document, diff,
variants, bisect search) takes values and returns values; files, sockets and
mitmproxy live at the edges (files, recorder, replay, cli).
"""

from .document import build_document, parse_document
from .errors import CaptureError, ReplayError, SecretError, VariantError, WsdiffError
from .files import dump_capture, load_capture, load_captures
from .model import Capture, Endpoint, Failure, Message, Request, Response, Session, check_request
from .redact import fingerprint, redact_capture, restore_request

__all__ = [
    "Capture",
    "CaptureError",
    "Endpoint",
    "Failure",
    "Message",
    "ReplayError",
    "Request",
    "Response",
    "SecretError",
    "Session",
    "VariantError",
    "WsdiffError",
    "build_document",
    "check_request",
    "dump_capture",
    "fingerprint",
    "load_capture",
    "load_captures",
    "parse_document",
    "redact_capture",
    "restore_request",
]
