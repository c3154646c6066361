"""Difference and Comparison values: labels, what can be applied, and their JSON."""

from __future__ import annotations

from wsdiff.diff import compare
from wsdiff.difference import GROUPS, Comparison, Difference

from helpers import capture, set_header


def test_label_and_applicable() -> None:
    """A label is the kind and the name; only request kinds that are not noise can be applied."""
    assert Difference("origin", "header", "Origin").label == "header Origin"
    assert Difference("request-line", "path").label == "path"
    assert Difference("query", "query-param", "").label == "query-param "
    # A message member: its position, then its path, which may hold a ':' of its own (a URN-named member).
    assert Difference("messages", "message-field", "1:payload.token").label == "message 1 payload.token"
    assert Difference("messages", "message-field", "2:urn:auth:token").label == "message 2 urn:auth:token"
    assert Difference("origin", "header", "Origin").applicable
    assert not Difference("headers", "header", "Sec-WebSocket-Key", noise=True).applicable
    assert not Difference("response", "status", None, 101, 403).applicable
    assert not Difference("query", "query-order").applicable


def test_difference_to_json() -> None:
    """Every key is always there: name null, note "" and hints [] when there are none."""
    assert Difference("response", "status", None, 101, 403).to_json() == {
        "group": "response", "kind": "status", "name": None, "a": 101, "b": 403, "noise": False, "note": "",
        "hints": []}
    full = Difference("headers", "header", "X-Trace", None, ["1", "2"], note="repeated header", noise=True,
                      hints=("h1", "h2"))
    assert full.to_json() == {"group": "headers", "kind": "header", "name": "X-Trace", "a": None, "b": ["1", "2"],
                              "noise": True, "note": "repeated header", "hints": ["h1", "h2"]}
    assert list(full.to_json()) == ["group", "kind", "name", "a", "b", "noise", "note", "hints"]


def test_comparison_views_and_json() -> None:
    """Significant and noise split the differences; the JSON counts hidden noise unless everything is shown."""
    a = capture(label="script", client="127.0.0.1:1")
    b = capture(label="app", target="/v2/ws?voice=alloy", status=403, client="127.0.0.1:2",
                headers=set_header("Sec-WebSocket-Key", "b3RoZXI="))
    c = compare(a, b)
    assert [d.label for d in c.significant] == ["path", "status"]
    assert [d.label for d in c.noise] == ["header Sec-WebSocket-Key", "client"]
    assert c.visible() == c.significant and c.visible(show_all=True) == c.differences
    doc = c.to_json()
    from wsdiff.responder import identify

    assert doc["a"] == {"label": "script", "url": "wss://tts.example/ws?voice=alloy", "outcome": "101 Switching Protocols",
                        "responder": str(identify(a)), "responder_detail": identify(a).to_json()}
    assert doc["b"]["url"] == "wss://tts.example/v2/ws?voice=alloy" and doc["b"]["outcome"] == "403 Forbidden"
    assert doc["b"]["label"] == "app" and doc["b"]["responder_detail"] == identify(b).to_json()
    assert doc["equal"] is False and doc["hidden_noise"] == 2
    assert [d["kind"] for d in doc["differences"]] == ["path", "status"]
    everything = c.to_json(show_all=True)
    assert everything["hidden_noise"] == 0 and len(everything["differences"]) == 4
    same = compare(a, a.replace(client="127.0.0.1:3"))
    assert same.to_json()["equal"] is True and same.to_json()["hidden_noise"] == 1


def test_groups_in_display_order() -> None:
    """Groups come in the order a person reasons: where, the request, then the answer, noise last."""
    assert list(GROUPS)[:3] == ["endpoint", "request-line", "query"]
    assert list(GROUPS)[-3:] == ["response", "session", "noise"]
    assert Comparison(capture(), capture()).differences == ()
