"""Cache-busting query parameters are noise: shown with --all, never searched by bisect."""

from __future__ import annotations

import pytest

from wsdiff.diff import compare

from helpers import capture


@pytest.mark.parametrize(
    ("a", "b", "noise"),
    [
        ("/socket.io/?EIO=4&transport=websocket&t=PAbc12x", "/socket.io/?EIO=4&transport=websocket&t=PAbd9Qk", True),
        ("/socket.io/?EIO=4&transport=websocket&t=1795624761.4189408",
         "/socket.io/?EIO=4&transport=websocket", True),  # python-socketio's t=time.time(), one side only
        ("/ws?_=1700000000123", "/ws?_=1700000004567", True),  # jQuery's milliseconds
        ("/ws?ts=1700000000", "/ws?ts=1700000009", True),
        ("/ws?nocache=a1b2c3", "/ws", True),
        ("/ws?since=1700000000", "/ws?since=1700000009", True),  # any name: two times since the epoch
        ("/ws?since=1700000000", "/ws", False),  # a time on one side only may be what the server reads
        ("/ws?t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl", "/ws", False),  # a JWT named t
        ("/ws?t=a%20b", "/ws?t=c", False),  # not a token
        ("/ws?voice=alloy", "/ws?voice=echo", False),
        ("/ws?v=1700000000", "/ws?v=2", False),
    ],
)
def test_cache_busters_are_noise(a: str, b: str, noise: bool) -> None:
    """A cache-buster differs between any two attempts: noise; anything the server may read is not."""
    [d] = [d for d in compare(capture(target=a), capture(target=b)).differences if d.kind == "query-param"]
    assert d.noise is noise
    assert d.applicable is not noise


def test_engineio_timestamp_hidden_by_default() -> None:
    """engine.io's t= is hidden; EIO, which the server reads, is shown."""
    c = compare(capture(target="/socket.io/?EIO=4&transport=websocket&t=OaB1"),
                capture(target="/socket.io/?EIO=3&transport=websocket&t=OaB2"))
    assert [d.name for d in c.significant if d.kind == "query-param"] == ["EIO"]
    assert [d.name for d in c.noise if d.kind == "query-param"] == ["t"]
    assert c.to_json()["hidden_noise"] == 1
    assert any(d.get("name") == "t" for d in c.to_json(show_all=True)["differences"])


def test_noise_carries_no_hints() -> None:
    """A cache-buster next to a uvicorn 403 is noise: hidden, and never given the query-parameter stories."""
    from helpers import UVICORN_403

    c = compare(capture(target="/ws?t=abc1"), capture(target="/ws?t=abc2", response=UVICORN_403))
    [t] = [d for d in c.noise if d.kind == "query-param"]
    assert (t.name, t.hints) == ("t", ())
