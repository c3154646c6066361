"""Who answered a handshake, read from the evidence in the response: each rule, and which rule wins."""

from __future__ import annotations

import pytest

from wsdiff.model import Failure, Response
from wsdiff.responder import responder

from helpers import capture


@pytest.mark.parametrize(
    ("response", "who"),
    [
        (Response(403, headers=(("CF-Ray", "8a1b2c3d4e5f-LHR"),)), "Cloudflare"),
        (Response(403, headers=(("Server", "Cloudflare"),)), "Cloudflare"),
        (Response(403, headers=(("Server", "cloudflare"), ("X-Amz-Cf-Id", "x"))), "Cloudflare"),
        (Response(403, headers=(("X-Amz-Cf-Id", "abc=="), ("Server", "nginx"))), "Amazon CloudFront"),
        (Response(403, headers=(("Via", "1.1 varnish, 1.1 Fastly"),)), "Fastly"),
        (Response(403, headers=(("X-Served-By", "cache-lhr7321-LHR"),)), "Fastly"),
        (Response(403, headers=(("X-Served-By", "app-7"), ("Server", "gunicorn"))), "gunicorn"),
        (Response(503, headers=(("X-Envoy-Upstream-Service-Time", "3"),)), "Envoy proxy"),
        (Response(403, headers=(("Server", "envoy"),)), "Envoy proxy"),
        (Response(403, headers=(("Server", "envoy-gateway"),)), "envoy-gateway"),
        (Response(502, headers=(("Server", "nginx/1.25.3"),)), "nginx"),
        (Response(502, headers=(("Server", "openresty nginx"),)), "openresty nginx"),
        (Response(403, headers=(("Fly-Request-Id", "01H"),)), "Fly.io proxy"),
        (Response(502, body=b"<html><body>mitmproxy: connection refused</body></html>"),
         "mitmproxy (the recording proxy)"),
        (Response(502, body=b"x" * 2048 + b"mitmproxy"), "unknown"),  # only the start of the body is read
        (Response(403, headers=(("Server", "Uvicorn"),)), "the application (Uvicorn)"),
        (Response(403, headers=(("server", "hypercorn-h11"),)), "the application (hypercorn-h11)"),
        (Response(500, headers=(("Server", "daphne"),)), "the application (daphne)"),
        (Response(403), "the application (a bare 403, as uvicorn answers a refused upgrade)"),
        (Response(403, headers=(("Content-Length", "0"),)),
         "the application (a bare 403, as uvicorn answers a refused upgrade)"),
        (Response(403, headers=(("Content-Length", "9"),)), "unknown"),
        (Response(403, body=b"Forbidden"), "unknown"),
        (Response(404), "unknown"),
        (Response(403, headers=(("Server", "Werkzeug/3.0"),)), "Werkzeug/3.0"),
        (Response(101), "the application (upgraded)"),
        (Response(101, headers=(("Server", "Python/3.12 websockets/17.4"),)), "the application (upgraded)"),
        (Response(400, headers=(("Server", "TornadoServer/6.4"),)), "TornadoServer/6.4"),
    ],
)
def test_responder(response: Response, who: str) -> None:
    """The response headers and body tell who answered: the app, a proxy, a CDN."""
    assert responder(capture(response=response)) == who


def test_no_response() -> None:
    """No answer: nobody when the attempt failed, unknown when the capture says nothing."""
    assert responder(capture(response=None, error=Failure("refused"))) == "nobody (no response)"
    assert responder(capture(response=None)) == "unknown"
