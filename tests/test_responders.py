"""Who answered, and which hints fire: every refusal in tests/responders/captures against its accepted twin.

The captures are real frameworks recorded through a real mitmdump (and, for
hosted services, hand-made ones labelled "(synthetic)"; see
tests/responders/README.md). Each refusal is compared with the accepted
capture index.json names (``compare_with``), and the test asserts who
:func:`wsdiff.responder.identify` says answered, and exactly which hints fire
on which difference: a framework's story only where that framework answered.
A few rows at the end change one thing in a real capture, to reach the hints
no recording reaches (each says what it changed).
"""

from __future__ import annotations

import dataclasses

import json
import re
from functools import cache
from pathlib import Path

import pytest

from wsdiff.diff import compare
from wsdiff.hints import HINTS_BY_ID, matching, situation
from wsdiff.model import Capture, Response, Session, with_header
from wsdiff.responder import identify

from wsdiff.files import load_capture

CAPTURES = Path(__file__).resolve().parent / "responders" / "captures"
INDEX = {row["file"].removesuffix(".json"): row for row in json.loads((CAPTURES / "index.json").read_text())}


@cache
def load(stem: str) -> Capture:
    return load_capture(CAPTURES / f"{stem}.json")


def fired(a: Capture, b: Capture) -> set[str]:
    """Return ``"<difference>: <hint id>"`` for every hint compare attaches to a significant difference."""
    c = compare(a, b)
    s = situation(c.a, c.b)
    return {f"{d.label}: {hint_id}" for d in c.significant for hint_id, _ in matching(d, c.a, c.b, s)}


def texts(a: Capture, b: Capture) -> list[str]:
    return [h for d in compare(a, b).significant for h in d.hints]


# --- who answered each capture: (who, how sure, the server under it, the proxies in front)

WHO: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    'aiohttp-accepted-aiohttp': ('aiohttp', 'certain', None, ()),
    'aiohttp-accepted': ('aiohttp', 'certain', None, ()),
    'aiohttp-auth-accepted': ('aiohttp', 'certain', None, ()),
    'aiohttp-auth-missing': ('aiohttp', 'certain', None, ()),
    'aiohttp-auth-wrong': ('aiohttp', 'certain', None, ()),
    'aiohttp-close-after-accept': ('aiohttp', 'certain', None, ()),
    'aiohttp-no-route': ('aiohttp', 'certain', None, ()),
    'daphne-accepted': ('daphne', 'certain', None, ()),
    'daphne-close-after-accept': ('daphne', 'certain', None, ()),
    'daphne-hosts-accepted': ('daphne', 'certain', None, ()),
    'daphne-hosts-refused': ('daphne', 'likely', None, ()),
    'daphne-no-route': ('daphne', 'likely', None, ()),
    'daphne-origin-accepted': ('daphne', 'certain', None, ()),
    'daphne-origin-missing': ('daphne', 'likely', None, ()),
    'daphne-origin-refused': ('daphne', 'likely', None, ()),
    'daphne-session-accepted': ('daphne', 'certain', None, ()),
    'daphne-session-refused': ('daphne', 'likely', None, ()),
    'flask-sock-accepted': ('flask-sock', 'likely', None, ()),
    'flask-sock-auth-refused': ('flask-sock', 'likely', None, ()),
    'flask-sock-exception': ('flask-sock', 'likely', None, ()),
    'flask-sock-guarded-accepted': ('flask-sock', 'likely', None, ()),
    'flask-sock-guarded-refused': ('werkzeug', 'certain', None, ()),
    'flask-sock-no-route': ('werkzeug', 'certain', None, ()),
    'graphql-ws-accepted': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-bad-message': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-duplicate-subscriber': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-forbidden': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-init-timeout': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-no-params': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-no-subprotocol': ('graphql-ws', 'likely', None, ()),
    'graphql-ws-raw-accepted': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-subscribe-before-init': ('graphql-ws', 'certain', None, ()),
    'graphql-ws-too-many-init': ('graphql-ws', 'certain', None, ()),
    'hypercorn-accepted': ('hypercorn', 'certain', None, ()),
    'hypercorn-auth-message-refused': ('hypercorn', 'certain', None, ()),
    'hypercorn-exception': ('hypercorn', 'certain', None, ()),
    'hypercorn-missing-header': ('hypercorn', 'certain', None, ()),
    'hypercorn-no-route': ('hypercorn', 'certain', None, ()),
    'hypercorn-origin-refused': ('hypercorn', 'certain', None, ()),
    'mitmproxy-dead-upstream': ('nobody', 'certain', None, ()),
    'mitmproxy-regular-dead-target': ('nobody', 'certain', None, ()),
    'mitmproxy-upstream-502': ('mitmproxy', 'certain', None, ()),
    'nginx-accepted': ('unknown', 'guess', None, ('nginx',)),
    'nginx-dead-upstream': ('nginx', 'certain', None, ()),
    'nginx-denied': ('nginx', 'certain', None, ()),
    'nginx-no-upgrade-config': ('starlette', 'likely', None, ('nginx',)),
    'nginx-upgrade-required': ('nginx', 'guess', None, ()),
    'nginx-upstream-403': ('uvicorn', 'likely', None, ('nginx',)),
    'node-ws-accepted-python': ('node-ws', 'guess', None, ()),
    'node-ws-accepted': ('node-ws', 'guess', None, ()),
    'node-ws-close-after-accept': ('node-ws', 'guess', None, ()),
    'node-ws-manual-accepted': ('node-ws', 'guess', None, ()),
    'node-ws-manual-refused': ('unknown', 'guess', None, ()),
    'node-ws-path-accepted': ('node-ws', 'guess', None, ()),
    'node-ws-path-mismatch': ('node-ws', 'likely', None, ()),
    'node-ws-unknown-path': ('nobody', 'certain', None, ()),
    'node-ws-verify-accepted': ('node-ws', 'guess', None, ()),
    'node-ws-verify-missing': ('node-ws', 'likely', None, ()),
    'node-ws-verify-wrong': ('node-ws', 'likely', None, ()),
    'socketio-accepted': ('engine.io', 'certain', 'uvicorn', ()),
    'socketio-connect-refused': ('engine.io', 'certain', 'uvicorn', ()),
    'socketio-eio3': ('engine.io', 'likely', 'uvicorn', ()),
    'socketio-missing-eio': ('engine.io', 'likely', 'uvicorn', ()),
    'socketio-missing-transport': ('engine.io', 'likely', 'uvicorn', ()),
    'socketio-no-route': ('uvicorn', 'likely', None, ()),
    'socketio-origin-refused': ('engine.io', 'likely', 'uvicorn', ()),
    'socketio-raw-accepted': ('engine.io', 'certain', 'uvicorn', ()),
    'socketio-raw-connect-refused': ('engine.io', 'certain', 'uvicorn', ()),
    'strawberry-accepted': ('graphql-ws', 'certain', 'uvicorn', ()),
    'strawberry-bad-init': ('graphql-ws', 'certain', 'uvicorn', ()),
    'strawberry-forbidden': ('graphql-ws', 'certain', 'uvicorn', ()),
    'strawberry-init-timeout': ('graphql-ws', 'certain', 'uvicorn', ()),
    'strawberry-no-subprotocol': ('graphql-ws', 'likely', 'uvicorn', ()),
    'strawberry-raw-accepted': ('graphql-ws', 'certain', 'uvicorn', ()),
    'strawberry-subscribe-before-init': ('graphql-ws', 'certain', 'uvicorn', ()),
    'tornado-accepted': ('tornado', 'certain', None, ()),
    'tornado-auth-accepted': ('tornado', 'certain', None, ()),
    'tornado-auth-missing': ('tornado', 'certain', None, ()),
    'tornado-close-after-accept': ('tornado', 'certain', None, ()),
    'tornado-cross-origin': ('tornado', 'certain', None, ()),
    'tornado-no-route': ('tornado', 'certain', None, ()),
    'tornado-same-origin': ('tornado', 'certain', None, ()),
    'uvicorn-accepted-aiohttp': ('uvicorn', 'certain', None, ()),
    'uvicorn-accepted': ('uvicorn', 'certain', None, ()),
    'uvicorn-auth-message-accepted': ('uvicorn', 'certain', None, ()),
    'uvicorn-auth-message-refused': ('uvicorn', 'certain', None, ()),
    'uvicorn-bad-query': ('uvicorn', 'likely', None, ()),
    'uvicorn-exception': ('uvicorn', 'likely', None, ()),
    'uvicorn-key-accepted': ('uvicorn', 'certain', None, ()),
    'uvicorn-missing-header': ('uvicorn', 'likely', None, ()),
    'uvicorn-no-route': ('uvicorn', 'likely', None, ()),
    'uvicorn-origin-accepted': ('uvicorn', 'certain', None, ()),
    'uvicorn-origin-refused': ('uvicorn', 'likely', None, ()),
    'uvicorn-trusted-host': ('starlette', 'likely', None, ()),
    'uvicorn-wrong-key': ('uvicorn', 'likely', None, ()),
    'uvicorn-wsproto-accepted': ('uvicorn', 'certain', None, ()),
    'uvicorn-wsproto-exception': ('uvicorn', 'likely', None, ()),
    'uvicorn-wsproto-no-route': ('uvicorn', 'likely', None, ()),
    'uvicorn-wsproto-origin-refused': ('uvicorn', 'likely', None, ()),
    'websockets-accepted': ('websockets', 'certain', None, ()),
    'websockets-auth-accepted': ('websockets', 'certain', None, ()),
    'websockets-auth-missing': ('websockets', 'certain', None, ()),
    'websockets-auth-wrong': ('websockets', 'certain', None, ()),
    'websockets-no-route': ('websockets', 'certain', None, ()),
    'websockets-origin-accepted': ('websockets', 'certain', None, ()),
    'websockets-origin-refused': ('websockets', 'certain', None, ()),
    'websockets-subprotocol-accepted': ('websockets', 'certain', None, ()),
    'websockets-subprotocol-missing': ('websockets', 'certain', None, ()),
    'websockets-subprotocol-wrong': ('websockets', 'certain', None, ()),
    'cloudflare-accepted': ('unknown', 'guess', None, ('cloudflare',)),
    'cloudflare-waf-block': ('cloudflare', 'certain', None, ()),
    'cloudflare-origin-403': ('uvicorn', 'likely', None, ('cloudflare',)),
    'cloudflare-origin-down': ('cloudflare', 'certain', None, ()),
    'aws-alb-waf-403': ('aws-alb', 'certain', None, ()),
    'aws-alb-502': ('aws-alb', 'certain', None, ()),
    'aws-apigw-403': ('aws-apigw', 'certain', None, ()),
    'aws-apigw-401': ('aws-apigw', 'certain', None, ()),
    'aws-cloudfront-403': ('cloudfront', 'certain', None, ()),
    'fly-app-403': ('unknown', 'guess', None, ('fly',)),
    'fly-app-down': ('fly', 'likely', None, ()),
    'envoy-upgrade-disabled': ('envoy', 'likely', None, ()),
    'envoy-rbac': ('envoy', 'certain', None, ()),
    'envoy-no-upstream': ('envoy', 'certain', None, ()),
}


def test_tables_cover_the_index() -> None:
    """Every capture has a row in WHO, every refusal with a twin a row in PAIRS."""
    assert set(WHO) == set(INDEX)
    assert set(PAIRS) == {stem for stem, row in INDEX.items() if row["compare_with"]}


@pytest.mark.parametrize("stem", sorted(WHO))
def test_who_answered(stem: str) -> None:
    """identify() names the party that answered, how sure it is, the server under it and the proxies in front."""
    r = identify(load(stem))
    assert (r.who, r.sure, r.server, r.front) == WHO[stem]
    assert r.evidence, "an identification always says what it read"


# --- which hints fire on which difference, each refusal against its accepted twin

PAIRS: dict[str, set[str]] = {
    'aiohttp-accepted-aiohttp': {'extension permessage-deflate: extension', 'header-order: order-case'},
    'aiohttp-auth-accepted': set(),
    'aiohttp-auth-missing': {'header Authorization: credentials', 'status: aiohttp-status', 'status: status-401'},
    'aiohttp-auth-wrong': {'header Authorization: credentials', 'status: aiohttp-status'},
    'aiohttp-close-after-accept': {'close-code: close-4xxx', 'first-message server: first-message'},
    'aiohttp-no-route': {'path: path-404'},
    'daphne-close-after-accept': {'close-code: close-4xxx', 'first-message server: first-message'},
    'daphne-hosts-accepted': set(),
    'daphne-hosts-refused': {'header Origin: origin-channels', 'status: daphne-403'},
    'daphne-no-route': {'status: daphne-500'},
    'daphne-origin-accepted': set(),
    'daphne-origin-missing': {'header Origin: origin-channels', 'status: daphne-403'},
    'daphne-origin-refused': {'header Origin: origin-channels', 'status: daphne-403'},
    'daphne-session-accepted': set(),
    'daphne-session-refused': {'cookie sessionid: credentials-channels', 'status: daphne-403'},
    'flask-sock-auth-refused': {'close-code: flask-sock-close', 'first-message server: first-message'},
    'flask-sock-exception': {'close-code: flask-sock-1002', 'first-message server: first-message'},
    'flask-sock-guarded-accepted': set(),
    'flask-sock-guarded-refused': {'header X-Token: credentials', 'status: werkzeug-status'},
    'flask-sock-no-route': {'path: path-404', 'status: werkzeug-status'},
    'graphql-ws-bad-message': {
        'close-code: graphql-4400',
        'closed-after-message: graphql-4400',
        'first-message server: first-message',
        'message 1: graphql-4400',
    },
    'graphql-ws-duplicate-subscriber': {
        'close-code: graphql-4409',
        'closed-after-message: graphql-4409',
        'message 3: graphql-4409',
    },
    'graphql-ws-forbidden': {
        'close-code: graphql-4403',
        'closed-after-message: graphql-4403',
        'first-message server: first-message',
        'message 1 payload.token: graphql-4403',
    },
    'graphql-ws-init-timeout': {
        'close-code: graphql-4408',
        'first-message server: first-message',
        'message 1-2: graphql-4408',
    },
    'graphql-ws-no-params': {
        'close-code: graphql-4403',
        'closed-after-message: graphql-4403',
        'first-message server: first-message',
        'message 1 payload: graphql-4403',
    },
    'graphql-ws-no-subprotocol': {
        'close-code: graphql-4406',
        'first-message server: first-message',
        'message 1-2: graphql-4406',
        'subprotocol graphql-transport-ws: subprotocol-graphql',
    },
    'graphql-ws-raw-accepted': set(),
    'graphql-ws-subscribe-before-init': {
        'close-code: graphql-4401',
        'closed-after-message: graphql-4401',
        'first-message server: first-message',
        'message 1 id: graphql-4401',
        'message 1 payload.query: graphql-4401',
        'message 1 payload.token: graphql-4401',
        'message 1 type: graphql-4401',
    },
    'graphql-ws-too-many-init': {
        'close-code: graphql-4429',
        'closed-after-message: graphql-4429',
        'message 2 id: graphql-4429',
        'message 2 payload.query: graphql-4429',
        'message 2 payload.token: graphql-4429',
        'message 2 type: graphql-4429',
    },
    'hypercorn-auth-message-refused': {'close-code: close-4xxx', 'first-message server: first-message'},
    'hypercorn-exception': {'status: asgi-500'},
    'hypercorn-missing-header': {'path: path-403', 'status: hypercorn-403'},
    'hypercorn-no-route': {'path: path-403', 'status: hypercorn-403'},
    'hypercorn-origin-refused': {'header Origin: origin-starlette', 'path: path-403', 'status: hypercorn-403'},
    'nginx-dead-upstream': {'status: nginx-own'},
    'nginx-denied': {'status: nginx-own'},
    'nginx-no-upgrade-config': {'status: upgrade-lost'},
    'nginx-upgrade-required': {'status: status-426-other'},
    'nginx-upstream-403': {'path: path-403', 'status: relayed', 'status: uvicorn-403'},
    'node-ws-accepted-python': {'header-order: order-case'},
    'node-ws-close-after-accept': {'close-code: close-4xxx', 'first-message server: first-message'},
    'node-ws-manual-accepted': set(),
    'node-ws-manual-refused': {'header Authorization: credentials', 'status: status-401'},
    'node-ws-path-accepted': set(),
    'node-ws-path-mismatch': {'status: node-ws-status'},
    'node-ws-unknown-path': set(),
    'node-ws-verify-accepted': set(),
    'node-ws-verify-missing': {'header Authorization: credentials', 'status: node-ws-status', 'status: status-401'},
    'node-ws-verify-wrong': {'header Authorization: credentials', 'status: node-ws-status'},
    'socketio-connect-refused': {'message 1 token: socketio-connect-error'},
    'socketio-eio3': {'query-param EIO: query-engineio', 'status: engineio-403'},
    'socketio-missing-eio': {'query-param EIO: query-engineio', 'status: engineio-403'},
    'socketio-missing-transport': {'first-message server: first-message', 'query-param transport: query-engineio'},
    'socketio-no-route': {'status: asgi-500'},
    'socketio-origin-refused': {'header Origin: origin-engineio', 'status: engineio-403'},
    'socketio-raw-accepted': {'extension permessage-deflate: extension', 'header-order: order-case'},
    'socketio-raw-connect-refused': {'message 1: socketio-connect-error'},
    'strawberry-bad-init': {
        'close-code: graphql-4403',
        'closed-after-message: graphql-4403',
        'first-message server: first-message',
        'message 1 payload.token: graphql-4403',
    },
    'strawberry-forbidden': {
        'close-code: graphql-4403',
        'closed-after-message: graphql-4403',
        'first-message server: first-message',
        'message 1 payload.token: graphql-4403',
    },
    'strawberry-init-timeout': {
        'close-code: graphql-4408',
        'first-message server: first-message',
        'message 1-2: graphql-4408',
    },
    'strawberry-no-subprotocol': {
        'close-code: graphql-4406',
        'closed-after-message: graphql-4406',
        'first-message server: first-message',
        'subprotocol graphql-transport-ws: subprotocol-graphql',
    },
    'strawberry-raw-accepted': {'header-order: order-case'},
    'strawberry-subscribe-before-init': {
        'close-code: graphql-4401',
        'closed-after-message: graphql-4401',
        'first-message server: first-message',
        'message 1 id: graphql-4401',
        'message 1 payload.query: graphql-4401',
        'message 1 payload.token: graphql-4401',
        'message 1 type: graphql-4401',
    },
    'tornado-auth-accepted': set(),
    'tornado-auth-missing': {'header Authorization: credentials', 'status: status-401', 'status: tornado-status'},
    'tornado-close-after-accept': {'close-code: close-4xxx', 'first-message server: first-message'},
    'tornado-cross-origin': {'header Origin: origin-tornado', 'status: tornado-status'},
    'tornado-no-route': {'path: path-404'},
    'tornado-same-origin': set(),
    'uvicorn-accepted-aiohttp': {'extension permessage-deflate: extension', 'header-order: order-case'},
    'uvicorn-auth-message-accepted': {'first-message server: first-message'},
    'uvicorn-auth-message-refused': {'close-code: close-4xxx', 'first-message server: first-message'},
    'uvicorn-bad-query': {'path: path-403', 'query-param n: query-403', 'status: uvicorn-403'},
    'uvicorn-exception': {'status: asgi-500'},
    'uvicorn-key-accepted': set(),
    'uvicorn-missing-header': {'header X-Api-Key: credentials-starlette', 'status: uvicorn-403'},
    'uvicorn-no-route': {'path: path-403', 'status: uvicorn-403'},
    'uvicorn-origin-accepted': set(),
    'uvicorn-origin-refused': {'header Origin: origin-starlette', 'status: uvicorn-403'},
    'uvicorn-trusted-host': {'status: trusted-host'},
    'uvicorn-wrong-key': {'header X-Api-Key: credentials-starlette', 'status: uvicorn-403'},
    'uvicorn-wsproto-exception': {'status: asgi-500'},
    'uvicorn-wsproto-no-route': {'path: path-403', 'status: uvicorn-403'},
    'uvicorn-wsproto-origin-refused': {'header Origin: origin-starlette', 'path: path-403', 'status: uvicorn-403'},
    'websockets-auth-accepted': set(),
    'websockets-auth-missing': {
        'header Authorization: credentials',
        'status: status-401',
        'status: websockets-status',
    },
    'websockets-auth-wrong': {'header Authorization: credentials', 'status: websockets-status'},
    'websockets-no-route': {'path: path-404', 'status: websockets-status'},
    'websockets-origin-accepted': set(),
    'websockets-origin-refused': {'header Origin: origin-websockets', 'status: websockets-status'},
    'websockets-subprotocol-accepted': set(),
    'websockets-subprotocol-missing': {'status: websockets-status', 'subprotocol chat.v1: subprotocol-websockets'},
    'websockets-subprotocol-wrong': {
        'status: websockets-status',
        'subprotocol chat.v1: subprotocol-websockets',
        'subprotocol chat.v2: subprotocol-websockets',
    },
    'cloudflare-waf-block': {'status: cloudflare-edge'},
    'cloudflare-origin-403': {'status: relayed', 'status: uvicorn-403'},
    'cloudflare-origin-down': {'status: cloudflare-origin'},
    'aws-alb-waf-403': {'status: aws-alb'},
    'aws-alb-502': {'status: aws-alb'},
    'aws-apigw-403': {'status: aws-apigw'},
    'aws-apigw-401': {'status: aws-apigw', 'status: status-401'},
    'aws-cloudfront-403': {'status: cloudfront'},
    'fly-app-403': {'status: relayed'},
    'fly-app-down': {'status: fly-proxy'},
    'envoy-upgrade-disabled': {'status: envoy-upgrade'},
    'envoy-rbac': {'status: envoy-rbac'},
    'envoy-no-upstream': {'status: envoy-upstream'},
}


@pytest.mark.parametrize("stem", sorted(PAIRS))
def test_hints_for_each_refusal(stem: str) -> None:
    """Exactly these hints fire, on these differences, whichever side is given first."""
    good, bad = load(INDEX[stem]["compare_with"].removesuffix(".json")), load(stem)
    assert fired(good, bad) == PAIRS[stem]
    assert fired(bad, good) == PAIRS[stem]


_ASGI = {"uvicorn", "hypercorn", "starlette"}
_FOREIGN = re.compile(r"uvicorn|hypercorn|FastAPI|Starlette|CORSMiddleware|ASGI")


@pytest.mark.parametrize("stem", sorted(s for s in PAIRS if not {WHO[s][0], WHO[s][2]} & {*_ASGI, "engine.io"}
                                        and "socketio" not in s and "strawberry" not in s))
def test_no_asgi_story_for_other_servers(stem: str) -> None:
    """tornado, daphne, aiohttp, Node ws, the websockets server, Flask and the proxies never get uvicorn's story."""
    good, bad = load(INDEX[stem]["compare_with"].removesuffix(".json")), load(stem)
    said = " ".join(texts(good, bad))
    assert not _FOREIGN.search(said), said


def test_json_names_the_responder_and_the_proxy() -> None:
    """compare --json keeps the short responder string and adds responder_detail: who, how sure, server, front."""
    doc = compare(load("nginx-accepted"), load("nginx-upstream-403")).to_json()
    assert doc["a"]["responder"] == "the application behind nginx"
    assert doc["b"]["responder"] == "uvicorn behind nginx"
    detail = doc["b"]["responder_detail"]
    assert {k: detail[k] for k in ("who", "name", "sure", "server", "front")} == {
        "who": "uvicorn", "name": "uvicorn", "sure": "likely", "server": None, "front": ["nginx"]}
    assert any("text/plain; charset=utf-8" in e for e in detail["evidence"])


def test_responder_difference_names_both_parties() -> None:
    """nginx's own page against an app's 101 through nginx: the responder difference says who is who."""
    [d] = [d for d in compare(load("nginx-accepted"), load("nginx-denied")).significant if d.kind == "responder"]
    assert (d.a, d.b) == ("the application behind nginx", "nginx (its own answer)")
    assert not [d for d in compare(load("uvicorn-accepted"), load("uvicorn-no-route")).significant
                if d.kind == "responder"], "uvicorn answering twice is one party"


# --- hand-made rows: a real capture with one thing changed, for the hints no recording reaches

def _accepted_like(c: Capture, twin: str = "uvicorn-accepted") -> Capture:
    """*c*'s request answered as *twin* was: a 101 and a clean close."""
    t = load(twin)
    return c.replace(response=t.response, websocket=t.websocket, error=None)


def _headers(c: Capture, name: str, value: str) -> Capture:
    return c.replace(request=c.request.replace(headers=with_header(c.request.headers, name, value)))


def _token_of(c: Capture) -> str:
    [fp] = re.findall(r"redacted:[0-9a-f]{16}", c.request.header("Authorization") or "")
    return fp


def _moved_to_query() -> tuple[Capture, Capture]:
    good = load("websockets-auth-accepted")
    bad = load("websockets-auth-missing")
    return good, bad.replace(request=bad.request.replace(target=f"/auth?token={_token_of(good)}"))


def _moved_to_header() -> tuple[Capture, Capture]:
    good = load("graphql-ws-accepted")
    assert good.websocket is not None
    found = re.search(rb"redacted:[0-9a-f]{16}", good.websocket.messages[0].head)
    assert found is not None
    token = found.group().decode()
    return good, _headers(load("graphql-ws-no-params"), "Authorization", f"Bearer {token}")


TORNADO_426 = Response(426, "Upgrade Required", headers=(
    ("Server", "TornadoServer/6.5.10"), ("Content-Type", "text/html; charset=UTF-8"),
    ("Date", "Wed, 25 Nov 2026 16:39:12 GMT"), ("Sec-WebSocket-Version", "7, 8, 13"), ("Content-Length", "0")))
"""tornado/websocket.py, WebSocketHandler.get_websocket_protocol's refusal of an unknown version."""


def _close(stem: str, code: int) -> Capture:
    c = load(stem)
    return c.replace(websocket=Session("closed", code, "", "server", 0.01, ()))


def _closed(code: int) -> Capture:
    """uvicorn-auth-message-refused closed with another RFC 6455 code (no reason), right after message 1."""
    bad = load("uvicorn-auth-message-refused")
    assert bad.websocket is not None
    return bad.replace(websocket=dataclasses.replace(bad.websocket, close_code=code, close_reason=""))


HAND_MADE: dict[str, tuple[Capture, Capture, set[str]]] = {
    # The RFC 6455 7.4.1 codes a server uses to refuse what it was sent (no recorded framework sent these).
    **{f"close-{code}": (load("uvicorn-auth-message-accepted"), _closed(code),
                         {f"close-code: close-{code}", "first-message server: first-message"})
       for code in (1002, 1003, 1007, 1009)},
    # The token the server reads in Authorization, sent as ?token= instead.
    "moved-to-query": (*_moved_to_query(), {
        "header Authorization: credentials-moved", "query-param token: credentials-moved",
        "status: status-401", "status: websockets-status"}),
    # graphql-ws reads the token in connection_init; this client sends it as a header (and no connection_init).
    "moved-to-header": (*_moved_to_header(), {
        "header Authorization: credentials-moved", "first-message server: first-message",
        "close-code: graphql-4403", "closed-after-message: graphql-4403", "message 1 payload: graphql-4403"}),
    # A client speaking version 12 to tornado.
    "tornado-version": (load("tornado-accepted"), _headers(load("tornado-accepted"), "Sec-WebSocket-Version", "12")
                        .replace(response=TORNADO_426, websocket=None),
                        {"header Sec-WebSocket-Version: websocket-version", "status: status-426"}),
    # A gateway nothing here recognises answers 502.
    "unknown-gateway": (load("uvicorn-accepted"), load("uvicorn-accepted").replace(
        response=Response(502, "Bad Gateway", headers=(("Content-Type", "text/html"),), body=b"<p>Bad Gateway</p>"),
        websocket=None), {"status: status-5xx"}),
    # The same request as mitmproxy-upstream-502, accepted.
    "mitmproxy-upstream": (_accepted_like(load("mitmproxy-upstream-502")), load("mitmproxy-upstream-502"),
                           {"status: mitmproxy-502"}),
    # The TrustedHostMiddleware route, with a Host it allows.
    "trusted-host": (_accepted_like(_headers(load("uvicorn-trusted-host"), "Host", "app.example")),
                     load("uvicorn-trusted-host"), {"header Host: host-starlette", "status: trusted-host"}),
    # Node ws refusals with one more difference each: Host, a subprotocol, an Origin.
    "node-ws-host": (_headers(load("node-ws-verify-accepted"), "Host", "ws.example"), load("node-ws-verify-wrong"),
                     {"header Authorization: credentials", "header Host: host", "status: node-ws-status"}),
    "node-ws-subprotocol": (_headers(load("node-ws-verify-accepted"), "Sec-WebSocket-Protocol", "chat"),
                            load("node-ws-verify-wrong"),
                            {"header Authorization: credentials", "subprotocol chat: subprotocol",
                             "status: node-ws-status"}),
    "node-ws-origin": (load("node-ws-verify-accepted"), _headers(load("node-ws-verify-wrong"), "Origin",
                                                                 "https://evil.example"),
                       {"header Authorization: credentials", "header Origin: origin", "status: node-ws-status"}),
    # Closes after the 101 with the RFC's own codes (Node ws sends whatever code the application gives).
    "close-1008": (load("node-ws-accepted"), _close("node-ws-close-after-accept", 1008),
                   {"close-code: close-1008", "first-message server: first-message"}),
    "close-1011": (load("node-ws-accepted"), _close("node-ws-close-after-accept", 1011),
                   {"close-code: close-1011", "first-message server: first-message"}),
    # Two real captures: aiohttp's client accepted, websockets' client to a path with no route.
    "user-agent": (load("uvicorn-accepted-aiohttp"), load("uvicorn-no-route"), {
        "path: path-403", "header User-Agent: user-agent", "extension permessage-deflate: extension",
        "header-order: order-case", "status: uvicorn-403"}),
    # The same refusal over HTTP/2.
    "http2": (load("uvicorn-accepted"), load("uvicorn-no-route").replace(
        request=load("uvicorn-no-route").request.replace(http_version="HTTP/2.0")),
        {"path: path-403", "http-version: http2", "status: uvicorn-403"}),
}


@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_hand_made_rows(name: str) -> None:
    """One change to a real capture reaches a hint no recording reaches; exactly these fire."""
    good, bad, expected = HAND_MADE[name]
    assert fired(good, bad) == expected


def test_moved_secret_says_where() -> None:
    """The credential hint reads the whole comparison: the same fingerprint, in another place."""
    good, bad = _moved_to_query()
    said = texts(good, bad)
    assert "The same secret is sent as ?token= but the server reads the Authorization header" in said[0]
    assert len(set(said[:2])) == 1
    good, bad = _moved_to_header()
    assert any("sent as the Authorization header but the server reads a message after the 101" in t
               for t in texts(good, bad))


def test_another_secret_in_another_place_is_not_moved() -> None:
    """A different token as ?token= is not 'the same secret': the general credential hint speaks."""
    good = load("websockets-auth-accepted")
    bad = load("websockets-auth-missing")
    bad = bad.replace(request=bad.request.replace(target="/auth?token=redacted:0000000000000000"))
    assert "header Authorization: credentials" in fired(good, bad)
    assert not any(f.endswith("credentials-moved") for f in fired(good, bad))


def test_every_hint_has_a_row() -> None:
    """Every hint in the table fires in some row above, and only the rows' hints exist."""
    seen = {f.rsplit(": ", 1)[1] for rows in (PAIRS.values(), (x[2] for x in HAND_MADE.values())) for r in rows
            for f in r}
    assert seen == set(HINTS_BY_ID)
