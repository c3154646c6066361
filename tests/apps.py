"""Real FastAPI applications the tests record, compare, replay and bisect.

Each route rejects for one rule, the way real services do. Run with
``uvicorn apps:app --app-dir tests --host 127.0.0.1 --port P``.
"""

from __future__ import annotations

import asyncio
import json
import random

from fastapi import FastAPI, Header, Query, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse

app = FastAPI()
# CORSMiddleware passes websocket scopes straight through: it is here to show
# that it neither causes nor cures a WebSocket 403.
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_headers=["*"])

ALLOWED_ORIGINS = {"http://127.0.0.1", "https://app.example"}
API_KEY = "k-123"
FIRST_MESSAGE_TOKEN = "fm-tok-5d2e91c4a7"
"""What /ws/auth-first wants in its first message; the tests check that no output of wsdiff shows it."""
ACK_DELAYS = random.Random(139)
"""Seeded: how long /ws/ack-later takes to acknowledge a login (0 to 50 ms), the same run after run. The
first is fast (0.1 ms: the recorded client answers within a few ms), the next five slow (27 to 47 ms)."""


@app.websocket("/ws")
async def ws(websocket: WebSocket) -> None:
    """Accept anyone and say which audio format comes next."""
    await websocket.accept()
    await websocket.send_json({"type": "audio_format", "sample_rate": 24000, "encoding": "pcm_s16le"})
    try:
        while True:
            await websocket.receive_text()
    except Exception:
        pass


@app.websocket("/ws/key")
async def ws_key(websocket: WebSocket, x_api_key: str = Header()) -> None:
    """A missing key fails FastAPI's header validation (403); a wrong one is closed before accept (403)."""
    if x_api_key != API_KEY:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await websocket.close()


@app.websocket("/ws/typed")
async def ws_typed(websocket: WebSocket, n: int = Query()) -> None:
    """A query parameter that is not an integer fails validation: 403."""
    await websocket.accept()
    await websocket.send_json({"n": n})
    await websocket.close()


@app.websocket("/ws/boom")
async def ws_boom(websocket: WebSocket) -> None:
    """An application error before accept: 500."""
    raise RuntimeError("boom")


@app.websocket("/ws/origin")
async def ws_origin(websocket: WebSocket) -> None:
    """An Origin allow-list checked before accept: a foreign Origin gets 403."""
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in ALLOWED_ORIGINS:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await websocket.close()


@app.websocket("/ws/pair")
async def ws_pair(websocket: WebSocket) -> None:
    """Rejects only when two harmless-looking things come together."""
    legacy = websocket.headers.get("x-client-mode") == "legacy"
    pcm = websocket.query_params.get("fmt") == "pcm"
    if legacy and pcm:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await websocket.close()


@app.websocket("/ws/late")
async def ws_late(websocket: WebSocket) -> None:
    """Accept, then close with 4003 when the token header is missing."""
    await websocket.accept()
    if websocket.headers.get("x-token") is None:
        await websocket.close(code=4003, reason="token required")
        return
    await websocket.send_json({"type": "ready"})
    try:
        while True:
            await websocket.receive_text()
    except Exception:
        pass


async def _logged_in(websocket: WebSocket) -> bool:
    """Accept, then close 4401 unless the first message is {"type": "auth", "token": ...} with the token."""
    await websocket.accept()
    try:
        first = json.loads(await asyncio.wait_for(websocket.receive_text(), 5))
    except (asyncio.TimeoutError, ValueError, KeyError):
        first = None
    except Exception:  # the client went away
        return False
    if not (isinstance(first, dict) and first.get("type") == "auth" and first.get("token") == FIRST_MESSAGE_TOKEN):
        await websocket.close(code=4401, reason="unauthorized")
        return False
    return True


@app.websocket("/ws/auth-first")
async def ws_auth_first(websocket: WebSocket) -> None:
    """Accept anyone, then close 4401 unless the first message is {"type": "auth", "token": ...} with the token.

    Like realtime APIs that authenticate in a first message: the handshake says nothing, the message decides.
    """
    if not await _logged_in(websocket):
        return
    await websocket.send_json({"type": "ready"})
    try:
        while True:
            await websocket.receive_text()
    except Exception:
        pass


@app.websocket("/ws/ack-later")
async def ws_ack_later(websocket: WebSocket) -> None:
    """Acknowledge a login with the token after 0-50 ms; close 4409 on a message that comes before the ack.

    Like graphql-ws (4401 on a ``subscribe`` before ``connection_ack``): a client that does not wait for the
    reply is refused, so a replay that sends on a timer instead of answering the server is refused too.
    """
    if not await _logged_in(websocket):
        return
    # Read on while the ack is pending, without cancelling a receive (a message then is an early one).
    early = asyncio.ensure_future(websocket.receive_text())
    done, _ = await asyncio.wait({early}, timeout=ACK_DELAYS.uniform(0.0, 0.05))
    if done:
        if early.exception() is None:
            await websocket.close(code=4409, reason="subscribe before auth_ok")
        return
    await websocket.send_json({"type": "auth_ok"})
    try:
        second = json.loads(await asyncio.wait_for(early, 5))
        await websocket.send_json({"type": "data", "id": second.get("id")})
        while True:
            await websocket.receive_text()
    except Exception:
        early.cancel()


@app.websocket("/ws/greet")
async def ws_greet(websocket: WebSocket) -> None:
    """Accept, and greet the first message's token by value, under a name that says nothing of credentials.

    Like a debugging server that echoes what it was sent: the tests check that the echo is not printed.
    """
    await websocket.accept()
    try:
        first = json.loads(await asyncio.wait_for(websocket.receive_text(), 5))
    except Exception:
        return
    await websocket.send_json({"greeting": f"hello {first.get('token') if isinstance(first, dict) else ''}"})
    await websocket.close(code=1000)


@app.websocket("/ws/error-message")
async def ws_error_message(websocket: WebSocket) -> None:
    """Accept, send an error message, and close normally."""
    await websocket.accept()
    await websocket.send_json({"type": "error", "message": "voice not found"})
    await websocket.close(code=1000)


@app.websocket("/ws/silent")
async def ws_silent(websocket: WebSocket) -> None:
    """Accept and never say anything."""
    await websocket.accept()
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        pass


GUARDED_ORIGINS = {"https://app.example", "https://admin.app.example"}


@app.websocket("/ws/guarded")
async def ws_guarded(websocket: WebSocket) -> None:
    """Two independent rules and a combined one, each refused before accept (403).

    An Origin allow-list (no Origin is fine: scripts send none), a required
    X-Api-Key, and legacy clients may not ask for pcm.
    """
    origin = websocket.headers.get("origin")
    legacy_pcm = websocket.headers.get("x-client-mode") == "legacy" and websocket.query_params.get("fmt") == "pcm"
    if (origin is not None and origin not in GUARDED_ORIGINS) or websocket.headers.get("x-api-key") != API_KEY \
            or legacy_pcm:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    try:
        while True:
            await websocket.receive_text()
    except Exception:
        pass


GUARDED_PAGE = """<!doctype html><title>pending</title>
<script>
// mulberry32: a seeded generator, so the browser's attempts are the same on every run.
let s = SEED;
function rnd() { s = (s + 0x6D2B79F5) | 0; let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }
function pick(a) { return a[Math.floor(rnd() * a.length)]; }
let left = COUNT;
function next() {
  if (left-- <= 0) { document.title = "done"; return; }
  const fmt = pick(["", "pcm", "opus"]);
  const query = `voice=${pick(["alloy", "echo", "fable"])}&t=${Date.now()}` + (fmt ? `&fmt=${fmt}` : "");
  const ws = new WebSocket(`ws://${location.host}/ws/guarded?${query}`, pick([[], ["tts.v1"], ["tts.v1", "tts.v2"]]));
  ws.onopen = () => ws.close();
  ws.onclose = () => next();
}
next();
</script>"""


@app.get("/guarded-page", response_class=HTMLResponse)
async def guarded_page(n: int = 20, seed: int = 1) -> str:
    """A page whose script makes *n* WebSocket attempts to /ws/guarded, one after another."""
    return GUARDED_PAGE.replace("SEED", str(seed)).replace("COUNT", str(n))


PAGE = """<!doctype html><title>pending</title>
<script>
const ws = new WebSocket(`ws://${location.host}/ws?voice=alloy`);
ws.onmessage = (e) => { document.title = "got " + JSON.parse(e.data).type; ws.close(); };
ws.onerror = () => { document.title = "error"; };
</script>"""


@app.get("/page", response_class=HTMLResponse)
async def page() -> str:
    """A page whose script opens a WebSocket to this server, for the browser test."""
    return PAGE


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
