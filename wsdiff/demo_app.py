"""The demo's text-to-speech-like service: a FastAPI app with one WebSocket endpoint.

Like many real services it checks an API key and, against cross-site
WebSocket hijacking, an Origin allow-list, both before accept(). It also has
CORSMiddleware configured for the web app's origin, the fix everybody tries
first, which does nothing for WebSockets.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, WebSocket
from fastapi.middleware.cors import CORSMiddleware

API_KEY = "demo-key-7c1e"  # a throwaway key for the local demo; captures hold only its fingerprint
ALLOWED_ORIGINS = {"https://tts.example"}  # the service's own site; the studio app's origin is missing

app = FastAPI(title="demo TTS")
app.add_middleware(CORSMiddleware, allow_origins=["http://localhost:3000", "https://tts.example"],
                   allow_credentials=True, allow_methods=["*"], allow_headers=["*"])


@app.websocket("/ws")
async def synthesize(websocket: WebSocket, voice: str = "alloy") -> None:
    if websocket.headers.get("x-api-key") != API_KEY:
        await websocket.close(code=1008)  # before accept: uvicorn answers 403
        return
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in ALLOWED_ORIGINS:
        await websocket.close(code=1008)  # before accept: uvicorn answers 403
        return
    await websocket.accept()
    await websocket.send_json({"type": "audio_format", "voice": voice, "sample_rate": 24000, "encoding": "pcm_s16le"})
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_bytes(b"\x00\x01" * min(len(text), 512))
            await asyncio.sleep(0)
    except Exception:
        pass
