"""Hints in the words of who answered: each branch of a server's story, the quoted challenge and body, which
client message a close code is about, and which close codes are a Flask-Sock view's refusal."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import pytest

from wsdiff.diff import compare
from wsdiff.difference import Difference
from wsdiff.files import load_capture
from wsdiff.hints import HINTS_BY_ID, matching, refusal_rank, situation
from wsdiff.model import Capture, Failure, Response, Session

from helpers import BASE_HEADERS, capture

CAPTURES = Path(__file__).resolve().parent / "responders" / "captures"


@cache
def load(stem: str) -> Capture:
    """A recorded capture of tests/responders/captures."""
    return load_capture(CAPTURES / f"{stem}.json")


def status_hints(response: Response) -> dict[str, str]:
    """The hints, by id, on the status difference between an accepted capture and one answered *response*."""
    d = Difference("response", "status", None, 101, response.status)
    return dict(matching(d, capture(), capture(response=response)))


AIOHTTP = (("Content-Type", "text/plain; charset=utf-8"), ("Server", "Python/3.12 aiohttp/3.14.5"))
TORNADO = (("Server", "TornadoServer/6.5.10"), ("Content-Type", "text/html; charset=UTF-8"))
NGINX = (("Server", "nginx/1.22.1"), ("Content-Type", "text/html"))
NGINX_PAGE = (b"<html>\r\n<head><title>Error</title></head>\r\n<body>\r\n<center><h1>Error</h1></center>\r\n"
              b"<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n")
ALB = (("Server", "awselb/2.0"), ("Content-Type", "text/html"))
NGINX_UPSTREAM = ("nginx could not reach its upstream ({} page from nginx itself): the application behind proxy_pass "
                  "is down or on another port. This is not the recording proxy.")
NGINX_LIMIT = "nginx refused itself (its own page): limit_req or limit_conn, or no upstream; the app never saw it."


@pytest.mark.parametrize(
    ("response", "hint", "text"),
    [
        pytest.param(Response(400, "Bad Request", headers=AIOHTTP, body=b"400: Bad Request"), "aiohttp-status",
                     "aiohttp's handshake check refused the request (web_ws.py _handshake: Upgrade and Connection "
                     "headers, Sec-WebSocket-Version, the key).", id="aiohttp-400"),
        pytest.param(Response(401, "Unauthorized", headers=AIOHTTP, body=b"401: Unauthorized"), "aiohttp-status",
                     "aiohttp has no Origin or auth check of its own: this 401 is the application's handler raising "
                     "HTTPUnauthorized/HTTPForbidden before ws.prepare(); look at what it reads (Authorization, a "
                     "cookie, a query parameter).", id="aiohttp-401"),
        pytest.param(Response(400, "Bad Request", headers=TORNADO, body=b"<html>400: Bad Request</html>"),
                     "tornado-status",
                     "tornado refuses an upgrade without Upgrade: websocket and Connection: Upgrade (400).",
                     id="tornado-400"),
        pytest.param(Response(403, "Forbidden", headers=TORNADO, body=b"Cross origin websockets not allowed"),
                     "tornado-status",
                     "tornado's check_origin refused the Origin (403 'Cross origin websockets not allowed'): by "
                     "default only an Origin whose host is the request's Host passes.", id="tornado-cross-origin"),
        pytest.param(Response(401, "Unauthorized", headers=TORNADO, body=b"<html>401</html>"), "tornado-status",
                     "tornado answered 401 before the upgrade: the handler's prepare() or get() raised HTTPError(401), "
                     "the application's own check.", id="tornado-401"),
        pytest.param(Response(502, "Bad Gateway", headers=NGINX, body=NGINX_PAGE), "nginx-own",
                     NGINX_UPSTREAM.format(502), id="nginx-502"),
        pytest.param(Response(504, "Gateway Time-out", headers=NGINX, body=NGINX_PAGE), "nginx-own",
                     NGINX_UPSTREAM.format(504), id="nginx-504"),
        pytest.param(Response(429, "Too Many Requests", headers=NGINX, body=NGINX_PAGE), "nginx-own", NGINX_LIMIT,
                     id="nginx-429"),
        pytest.param(Response(503, "Service Temporarily Unavailable", headers=NGINX, body=NGINX_PAGE), "nginx-own",
                     NGINX_LIMIT, id="nginx-503"),
        pytest.param(Response(403, "Forbidden", headers=NGINX, body=NGINX_PAGE), "nginx-own",
                     "nginx refused itself (its own 403 page): a deny/allow rule, auth_request or a return in the "
                     "location; the application never saw the request.", id="nginx-403"),
        pytest.param(Response(502, "Bad Gateway", headers=ALB, body=b"<html>502</html>"), "aws-alb",
                     "The AWS load balancer's own 502: its target closed the connection or sent an invalid answer.",
                     id="alb-502"),
        pytest.param(Response(503, "Service Temporarily Unavailable", headers=ALB, body=b"<html>503</html>"),
                     "aws-alb", "The AWS load balancer's own 503: no healthy target is registered for this listener "
                     "rule.", id="alb-503"),
        pytest.param(Response(504, "Gateway Time-out", headers=ALB, body=b"<html>504</html>"), "aws-alb",
                     "The AWS load balancer's own 504: its target did not answer in time.", id="alb-504"),
        pytest.param(Response(403, "Forbidden", headers=ALB, body=b"<html>403</html>"), "aws-alb",
                     "The AWS load balancer refused itself (403, Server: awselb): AWS WAF on it, or a listener rule "
                     "with a fixed response; the application never saw the request.", id="alb-403"),
        pytest.param(Response(403, "Forbidden", headers=(("x-amzn-ErrorType", "AccessDeniedException"),),
                              body=b'{"message":"Forbidden"}'), "aws-apigw",
                     HINTS_BY_ID["aws-apigw"].text + " Here: x-amzn-ErrorType: AccessDeniedException.",
                     id="apigw-names-the-error"),
        pytest.param(Response(403, "Forbidden", headers=(("x-amzn-ErrorType", ""),), body=b'{"message":"Forbidden"}'),
                     "aws-apigw", HINTS_BY_ID["aws-apigw"].text, id="apigw-empty-error-type"),
        pytest.param(Response(403, "Forbidden", headers=(("Server", "nginx"), ("CF-RAY", "8e1f2a3b4c5d6e7f-LHR"),
                                                         ("Content-Type", "text/plain")), body=b"denied"), "relayed",
                     "The proxy in front (Cloudflare and nginx) only relayed this answer (its headers, the "
                     "application's answer): the application behind it refused.", id="relayed-by-two-proxies"),
    ],
)
def test_status_words_by_who_answered(response: Response, hint: str, text: str) -> None:
    """Each server's or proxy's refusal is told in its own words for that status."""
    assert status_hints(response)[hint] == text


WEBSOCKETS = (("Content-Type", "text/plain; charset=utf-8"), ("Server", "Python/3.12 websockets/17.4"))
OWN_CHECK = "That is its own handshake check (ServerProtocol.accept: origins=, subprotocols=, the Upgrade and key headers)."
PROCESS_REQUEST = ("The websockets server answered before the handshake from the application's process_request (its "
                   "own check, not the library's): its body says why.")
FAILED = "Failed to open a WebSocket connection: "


@pytest.mark.parametrize(
    ("body", "text"),
    [
        pytest.param(b"Failed to open a WebSocket connection: invalid Origin header: https://evil.example.\n",
                     "The websockets server says why: 'Failed to open a WebSocket connection: invalid Origin header: "
                     "https://evil.example.'. " + OWN_CHECK, id="its-own-words"),
        pytest.param((FAILED + "x" * (120 - len(FAILED))).encode() + b"\nsecond line",
                     f"The websockets server says why: '{FAILED + 'x' * (120 - len(FAILED))}'. " + OWN_CHECK,
                     id="a-first-line-of-120-whole"),
        pytest.param((FAILED + "y" * (121 - len(FAILED))).encode(),
                     f"The websockets server says why: '{FAILED + 'y' * (120 - len(FAILED))}...'. " + OWN_CHECK,
                     id="a-first-line-of-121-cut-at-120"),
        pytest.param(b"  \n" + FAILED.encode() + b"caf\xe9\n", f"The websockets server says why: '{FAILED}caf\ufffd'. "
                     + OWN_CHECK, id="blank-lines-skipped-bytes-replaced"),
        pytest.param(b"Missing token\n", PROCESS_REQUEST, id="the-application's-words"),
        pytest.param(b" \r\n", PROCESS_REQUEST, id="a-blank-body"),
    ],
)
def test_websockets_quotes_its_own_refusal_only(body: bytes, text: str) -> None:
    """The websockets server's own refusal is quoted (its first line, at most 120 characters); an application's is not."""
    assert status_hints(Response(403, "Forbidden", headers=WEBSOCKETS, body=body))["websockets-status"] == text


@pytest.mark.parametrize(
    ("challenges", "said"),
    [
        pytest.param(('Bearer realm="api"',), ' It asks for: WWW-Authenticate: Bearer realm="api".', id="one"),
        pytest.param(('Bearer realm="api"', 'Basic realm="api", charset="UTF-8"'),
                     ' It asks for: WWW-Authenticate: Bearer realm="api".', id="the-first-of-two"),
        pytest.param(("redacted:0123456789abcdef", 'Basic realm="api"'), ' It asks for: WWW-Authenticate: Basic '
                     'realm="api".', id="a-fingerprinted-one-skipped"),
        pytest.param(("redacted:0123456789abcdef",), "", id="only-a-fingerprint"),
        pytest.param((), "", id="no-challenge"),
    ],
)
def test_401_quotes_the_challenge(challenges: tuple[str, ...], said: str) -> None:
    """A 401's hint quotes the first challenge the answer kept in clear, and nothing when there is none."""
    response = Response(401, "Unauthorized", headers=tuple(("WWW-Authenticate", c) for c in challenges))
    assert status_hints(response)["status-401"] == HINTS_BY_ID["status-401"].text + said


def _graphql_pair(code: int = 4429) -> tuple[Capture, Capture]:
    """graphql-ws closing with *code* right after the client's second message (a second connection_init)."""
    bad = load("graphql-ws-too-many-init")
    assert bad.websocket is not None
    return load("graphql-ws-raw-accepted"), bad.replace(websocket=dataclasses.replace(bad.websocket, close_code=code))


@pytest.mark.parametrize(
    ("kind", "name", "code", "fired"),
    [
        pytest.param("message-field", "2:type", 4429, True, id="a-member-of-the-judged-message"),
        pytest.param("message-field", "1:payload.token", 4429, False, id="a-member-of-an-earlier-message"),
        pytest.param("message-field", "3:id", 4429, False, id="a-member-of-a-later-message"),
        pytest.param("message", "2", 4429, True, id="the-judged-message"),
        pytest.param("message", "1", 4429, False, id="an-earlier-message"),
        pytest.param("message", "1-2", 4429, True, id="a-range-holding-it"),
        pytest.param("message", "2-3", 4429, True, id="a-range-starting-at-it"),
        pytest.param("message", "3-4", 4429, False, id="a-range-after-it"),
        pytest.param("message", "first", 4429, False, id="not-a-position"),
        pytest.param("close-code", None, 4429, True, id="the-close-code-itself"),
        pytest.param("message-field", "2:type", 4400, False, id="another-close-code"),
    ],
)
def test_graphql_close_code_speaks_of_the_message_it_judged(kind: str, name: str | None, code: int,
                                                            fired: bool) -> None:
    """A graphql-ws close code explains the client message the server closed after, not the others."""
    a, b = _graphql_pair(code)
    d = Difference("messages" if kind != "close-code" else "session", kind, name, "x", "y")
    assert ("graphql-4429" in dict(matching(d, a, b))) is fired


@pytest.mark.parametrize("websocket", [None, Session("closed", 1000, "", "client", 0.5)], ids=["not-upgraded", "1000"])
def test_graphql_close_code_on_either_side(websocket: Session | None) -> None:
    """The close code fires on whichever side was closed with it, whatever the other side has."""
    a, b = _graphql_pair()
    d = Difference("session", "close-code", None, 1000, 4429)
    assert [i for i, _ in matching(d, a.replace(websocket=websocket), b)] == ["graphql-4429"]
    assert [i for i, _ in matching(d, b, a.replace(websocket=websocket))] == ["graphql-4429"]


FLASK_SOCK_CLOSE = HINTS_BY_ID["flask-sock-close"].text


@pytest.mark.parametrize(
    ("code", "closed_by", "hints"),
    [
        pytest.param(1008, "server", ["flask-sock-close"], id="1008-policy"),
        pytest.param(4003, "server", ["flask-sock-close"], id="4003-application"),
        pytest.param(1007, "server", ["close-1007", "flask-sock-close"], id="1007-invalid-data"),
        pytest.param(1011, "server", ["close-1011", "flask-sock-close"], id="1011-server-error"),
        pytest.param(1000, "server", [], id="1000-normal-is-no-refusal"),
        pytest.param(1001, "server", [], id="1001-going-away-is-no-refusal"),
        pytest.param(1006, "server", [], id="1006-abnormal-was-not-sent"),
        pytest.param(1002, "server", ["flask-sock-1002"], id="1002-its-own-story"),
        pytest.param(1008, "client", ["close-1008"], id="closed-by-the-client"),
    ],
)
def test_flask_sock_close_is_a_views_refusal(code: int, closed_by: str, hints: list[str]) -> None:
    """Flask-Sock's close hint speaks of a close the server chose: not 1000, 1001, 1002 or 1006, not the client's."""
    a = load("flask-sock-accepted")
    b = load("flask-sock-auth-refused")
    assert b.websocket is not None
    b = b.replace(websocket=dataclasses.replace(b.websocket, close_code=code, closed_by=closed_by))
    d = Difference("session", "close-code", None, 1000, code)
    assert [i for i, _ in matching(d, a, b)] == hints


REFUSED_403 = Response(403, "Forbidden")


@pytest.mark.parametrize(
    ("c", "rank"),
    [
        pytest.param(capture(status=None, error=Failure("refused", "connection refused")), 3, id="no-answer"),
        pytest.param(capture(status=None), 0, id="nothing-recorded"),
        pytest.param(capture(status=403), 2, id="refused-before-the-101"),
        pytest.param(capture(status=426), 2, id="426"),
        pytest.param(capture(), 0, id="101-not-observed"),
        pytest.param(capture(websocket=Session("closed", 1000, "", "client", 0.5)), 0, id="closed-1000"),
        pytest.param(capture(websocket=Session("closed", 1001, "", "server", 0.5)), 0, id="closed-1001"),
        pytest.param(capture(websocket=Session("closed", None, "", "server", 0.5)), 0, id="closed-without-code"),
        pytest.param(capture(websocket=Session("open")), 0, id="open"),
        pytest.param(capture(websocket=Session("closed", 1002, "", "server", 0.5)), 1, id="closed-1002"),
        pytest.param(capture(websocket=Session("closed", 1006, "", None, 0.5)), 1, id="closed-1006"),
        pytest.param(capture(websocket=Session("closed", 4003, "token", "server", 0.5)), 1, id="closed-4003"),
    ],
)
def test_refusal_rank(c: Capture, rank: int) -> None:
    """No answer is the clearest refusal, then a status before the 101, then an error close after it."""
    assert refusal_rank(c) == rank


CLOSED_4003 = capture(websocket=Session("closed", 4003, "token", "server", 0.5))
NO_ANSWER = capture(status=None, error=Failure("timeout", "no answer in 10 s"))


@pytest.mark.parametrize(
    ("a", "b", "side"),
    [
        pytest.param(capture(), capture(), None, id="neither"),
        pytest.param(capture(), capture(status=403), "b", id="b-refused"),
        pytest.param(capture(status=403), capture(), "a", id="a-refused"),
        pytest.param(capture(status=403), capture(status=401), "b", id="both-alike-b"),
        pytest.param(CLOSED_4003, CLOSED_4003, "b", id="both-closed-alike-b"),
        pytest.param(NO_ANSWER, capture(status=403), "a", id="no-answer-beats-a-status"),
        pytest.param(CLOSED_4003, capture(status=403), "b", id="a-status-beats-a-close"),
        pytest.param(CLOSED_4003, capture(), "a", id="a-close-beats-acceptance"),
    ],
)
def test_situation_names_the_refused_side(a: Capture, b: Capture, side: str | None) -> None:
    """The refused side is the more clearly refused one, B when both are alike, none when neither was."""
    s = situation(a, b)
    assert s.refused_side == side
    assert (s.refused, s.kept) == ((a, b) if side == "a" else (b, a))


def test_both_refused_alike_the_words_are_bs() -> None:
    """When both sides were refused alike, the hint tells B's refusal: its responder and its status."""
    a = capture(response=Response(503, "Service Temporarily Unavailable", headers=ALB))
    b = capture(response=Response(403, "Forbidden", headers=ALB))
    d = Difference("response", "status", None, 503, 403)
    assert dict(matching(d, a, b))["aws-alb"] == status_hints(b.response)["aws-alb"]
    assert dict(matching(d, b, a))["aws-alb"] == status_hints(a.response)["aws-alb"]


UPGRADE_LOST = ("The application answered as to a plain HTTP request: {}. The client sent Upgrade: websocket, so "
                "something between them did not pass the upgrade on.")


@pytest.mark.parametrize(
    ("b", "said"),
    [
        pytest.param(capture(response=Response(426, "Upgrade Required", body=b"Upgrade Required")),
                     UPGRADE_LOST.format("a 426 Upgrade Required"), id="426-upgrade-required"),
        pytest.param(capture(response=Response(404, "Not Found", body=b'{"detail":"Not Found"}')),
                     UPGRADE_LOST.format("FastAPI's 404 {\"detail\":\"Not Found\"} is what it gives a plain HTTP "
                                         "request; to an upgrade it has no route for it answers 403"),
                     id="fastapi-404"),
        pytest.param(capture(headers=tuple(h for h in BASE_HEADERS if h[0] != "Upgrade"),
                             response=Response(426, "Upgrade Required", body=b"Upgrade Required")), None,
                     id="the-client-sent-no-upgrade"),
        pytest.param(capture(response=Response(101, "Switching Protocols", body=b"Upgrade Required"),
                             websocket=Session("closed", 4003, "", "server", 0.1)), None, id="an-accepted-upgrade"),
        pytest.param(capture(status=None, error=Failure("reset")), None, id="no-answer"),
    ],
)
def test_upgrade_lost_only_on_an_answer_to_plain_http(b: Capture, said: str | None) -> None:
    """A refusal in the words an application gives plain HTTP means the upgrade was lost, unless it was accepted."""
    d = Difference("response", "status", None, 101, b.response.status if b.response else None)
    assert dict(matching(d, capture(), b)).get("upgrade-lost") == said


FP1, FP2 = "redacted:0000000000000001", "redacted:0000000000000002"


@pytest.mark.parametrize(
    ("kept", "refused", "label", "hints"),
    [
        pytest.param(("Cookie", f"sid={FP1}"), ("Cookie", f"sid={FP1}; sid={FP2}"), "cookie sid", ["credentials"],
                     id="a-cookie-sent-twice-has-not-moved"),
        pytest.param(("Cookie", f"sid={FP1}"), ("Cookie", f"session={FP1}"), "cookie session", ["credentials-moved"],
                     id="a-cookie-renamed-has-moved"),
        pytest.param(("Authorization", f"Bearer {FP1}"), ("Cookie", f"token={FP1}"), "cookie token",
                     ["credentials-moved"], id="from-a-header-into-a-cookie"),
    ],
)
def test_a_secret_moves_between_places_not_within_one(kept: tuple[str, str], refused: tuple[str, str], label: str,
                                                      hints: list[str]) -> None:
    """The same fingerprint in another place is a moved secret; the Cookie header is not a place of its own."""
    a = capture(headers=(*BASE_HEADERS, kept))
    b = capture(headers=(*BASE_HEADERS, refused), status=403)
    c = compare(a, b)
    [d] = [d for d in c.significant if d.label == label]
    assert [i for i, _ in matching(d, c.a, c.b)] == hints


def moved_words(sent: str, read: str) -> str:
    """credentials-moved's words for a secret sent in one place and read in another."""
    return (f"The same secret is sent as {sent} but the server reads {read} (the working client sends it there, and "
            f"the server refused without it): send it in {read}, or make the server accept {sent}.")


@pytest.mark.parametrize("refused_first", [False, True], ids=["refused-is-b", "refused-is-a"])
@pytest.mark.parametrize(
    ("kept", "refused", "target", "label", "words"),
    [
        pytest.param(("Cookie", f"sid={FP1}"), ("Cookie", f"session={FP1}"), "/ws", "cookie session",
                     moved_words("the cookie session", "the cookie sid"), id="cookie-renamed-at-the-new-name"),
        pytest.param(("Cookie", f"sid={FP1}"), ("Cookie", f"session={FP1}"), "/ws", "cookie sid",
                     moved_words("the cookie session", "the cookie sid"), id="cookie-renamed-at-the-old-name"),
        pytest.param(("Authorization", f"Bearer {FP1}"), ("X-Other", "1"), f"/ws?token={FP1}", "query-param token",
                     moved_words("?token=", "the Authorization header"), id="header-to-query-at-the-query"),
        pytest.param(("Authorization", f"Bearer {FP1}"), ("X-Other", "1"), f"/ws?token={FP1}",
                     "header Authorization", moved_words("?token=", "the Authorization header"),
                     id="header-to-query-at-the-header"),
    ],
)
def test_a_moved_secret_says_where_it_is_read(kept: tuple[str, str], refused: tuple[str, str], target: str,
                                              label: str, words: str, refused_first: bool) -> None:
    """Both differences of a moved secret tell the same story, whichever side of the comparison was refused."""
    good = capture(headers=(*BASE_HEADERS, kept))
    bad = capture(headers=(*BASE_HEADERS, refused), target=target, status=403)
    c = compare(bad, good) if refused_first else compare(good, bad)
    [d] = [d for d in c.significant if d.label == label]
    assert dict(matching(d, c.a, c.b))["credentials-moved"] == words


@pytest.mark.parametrize(
    "kept_answer",
    [{"websocket": Session("closed", 4003, "", "server", 0.1)}, {"status": 401}],
    ids=["closed-after-the-101", "refused-otherwise"],
)
def test_no_move_between_two_refusals(kept_answer: dict[str, object]) -> None:
    """When both sides were refused, neither says where the server reads: the secret has not 'moved'."""
    a = capture(headers=(*BASE_HEADERS, ("Authorization", f"Bearer {FP1}")), **kept_answer)
    b = capture(target=f"/ws?token={FP1}", status=403)
    c = compare(a, b)
    [d] = [d for d in c.significant if d.label == "header Authorization"]
    assert "credentials-moved" not in dict(matching(d, c.a, c.b))
    assert "credentials" in dict(matching(d, c.a, c.b))
