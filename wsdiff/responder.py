"""Who answered a handshake: the application, a proxy or CDN in front of it, or nobody (pure).

Read from the evidence in the response (Server, Via and vendor headers, the
body's shape), because a hint about a framework's behaviour is only worth
giving when that framework is the one that answered.
"""

from __future__ import annotations

from .model import Capture, header_values

__all__ = ["responder"]


def responder(capture: Capture) -> str:
    """Guess who answered: the application server, a proxy or CDN in front, or nobody."""
    resp = capture.response
    if resp is None:
        return "nobody (no response)" if capture.error else "unknown"
    h = resp.headers
    server = (resp.header("Server") or "").lower()
    via = (resp.header("Via") or "").lower()
    if header_values(h, "CF-Ray") or "cloudflare" in server:
        return "Cloudflare"
    if header_values(h, "X-Amz-Cf-Id"):
        return "Amazon CloudFront"
    if "fastly" in via or header_values(h, "X-Served-By") and "cache" in (resp.header("X-Served-By") or "").lower():
        return "Fastly"
    if header_values(h, "X-Envoy-Upstream-Service-Time") or server == "envoy":
        return "Envoy proxy"
    if server.startswith("nginx"):
        return "nginx"
    if header_values(h, "Fly-Request-Id"):
        return "Fly.io proxy"
    if b"mitmproxy" in resp.body[:2048]:
        return "mitmproxy (the recording proxy)"
    if "uvicorn" in server or "hypercorn" in server or "daphne" in server:
        return f"the application ({resp.header('Server')})"
    if (resp.status == 403 and not server and resp.body == b""
            and (resp.header("Content-Length") in ("0", None))):
        return "the application (a bare 403, as uvicorn answers a refused upgrade)"
    if resp.status == 101:
        return "the application (upgraded)"
    return f"{resp.header('Server')}" if server else "unknown"
