"""The demo's two clients, run as programs under ``wsdiff record`` (proxy from the environment).

``python -m wsdiff.demo_clients script URL``: a plain websockets script.
``python -m wsdiff.demo_clients app URL``: the "studio" application, an aiohttp
client that talks like the web front-end it backs (Origin, its user agent,
a few extra parameters and headers).
"""

from __future__ import annotations

import asyncio
import sys

from .demo_app import API_KEY


async def script(url: str) -> int:
    import websockets

    # websockets 15+ reads HTTP(S)_PROXY from the environment by itself.
    async with websockets.connect(f"{url}?voice=alloy", additional_headers={"X-API-Key": API_KEY},
                                  open_timeout=10) as ws:
        print(f"script: connected, server said {await asyncio.wait_for(ws.recv(), 5)}")
    return 0


async def app(url: str) -> int:
    import aiohttp

    # aiohttp honours the proxy variables only with trust_env=True and an http:// URL.
    http_url = url.replace("ws://", "http://", 1)
    headers = {"Origin": "http://localhost:3000", "User-Agent": "tts-studio/2.3 (aiohttp)",
               "X-API-Key": API_KEY, "X-Client-Version": "2.3.0", "Accept-Language": "en-GB"}
    async with aiohttp.ClientSession(trust_env=True) as session:
        try:
            async with session.ws_connect(f"{http_url}?voice=alloy&client=studio&format=pcm", headers=headers,
                                          protocols=("tts.v1",), timeout=aiohttp.ClientWSTimeout(ws_close=5)) as ws:
                print(f"app: connected, server said {(await ws.receive(timeout=5)).data}")
                return 0
        except aiohttp.WSServerHandshakeError as e:
            print(f"app: handshake rejected: HTTP {e.status}")
            return 1


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("script", "app"):
        print("usage: python -m wsdiff.demo_clients script|app ws://HOST:PORT/ws", file=sys.stderr)
        return 2
    return asyncio.run(script(sys.argv[2]) if sys.argv[1] == "script" else app(sys.argv[2]))


if __name__ == "__main__":
    sys.exit(main())
