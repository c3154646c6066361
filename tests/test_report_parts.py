"""The report's parts, one promise at a time: the bisect lines, the side-by-side marks, what a bisect file must be."""

from __future__ import annotations

import re
from typing import Any

import pytest

from wsdiff.diff import compare
from wsdiff.model import Capture, Failure, Message, Response, Session
from wsdiff.report import Report, ReportError, check_bisect, render

from helpers import BASE_HEADERS, capture

GOOD = capture(label="script")
BAD = capture(label="app", status=403, headers=(*BASE_HEADERS, ("Origin", "https://app.example")),
              target="/ws?voice=alloy&fmt=pcm")
PAIR = compare(GOOD, BAD)
ORIGIN = {"kind": "header", "name": "Origin"}
FMT = {"kind": "query-param", "name": "fmt"}
FOUND = {"verdict": "found", "culprit": [ORIGIN],
         "confirmations": {"good_plus_culprit_rejected": True, "bad_minus_culprit_accepted": True}}


def md_bisect(report: Report) -> list[str]:
    """The lines of the Markdown report's bisect section, blank lines aside."""
    text = render(report, "md")
    section = text[text.index("### What the live server says (bisect)\n"):text.index("### What differs")]
    return [line for line in section.splitlines()[1:] if line]


def md_line(doc: dict[str, Any], start: str) -> str:
    """The one line of the Markdown report's bisect section, for PAIR and *doc*, that starts with *start*."""
    [line] = [x for x in md_bisect(Report(PAIR, bisect=doc)) if x.startswith(start)]
    return line


@pytest.mark.parametrize(
    ("confirmations", "answers", "line"),
    [
        pytest.param({"good_plus_culprit_rejected": True, "bad_minus_culprit_accepted": True},
                     {"good_plus_culprit": {"accepted": 0, "rejected": 3},
                      "bad_minus_culprit": {"accepted": 3, "rejected": 0}},
                     "GOOD + culprit is rejected: yes (accepted 0, rejected 3); "
                     "BAD - culprit is accepted: yes (accepted 3, rejected 0).", id="both-confirmed-with-counts"),
        pytest.param({"good_plus_culprit_rejected": False, "bad_minus_culprit_accepted": None}, None,
                     "GOOD + culprit is rejected: NO; BAD - culprit is accepted: not asked.", id="no-and-not-asked"),
        pytest.param({"good_plus_culprit_rejected": None, "bad_minus_culprit_accepted": False},
                     {"good_plus_culprit": None, "bad_minus_culprit": {"accepted": 1, "rejected": 2}},
                     "GOOD + culprit is rejected: not asked; BAD - culprit is accepted: NO (accepted 1, rejected 2).",
                     id="not-asked-and-no"),
        pytest.param(None, None, "GOOD + culprit is rejected: not asked; BAD - culprit is accepted: not asked.",
                     id="no-confirmations-at-all"),
        pytest.param({"good_plus_culprit_rejected": "skipped", "bad_minus_culprit_accepted": 2},
                     {"good_plus_culprit": {"accepted": "0", "rejected": 3}, "bad_minus_culprit": [3, 0]},
                     "GOOD + culprit is rejected: not asked; BAD - culprit is accepted: not asked.",
                     id="values-not-of-bisect-read-as-not-asked"),
    ],
)
def test_confirmation_line(confirmations: dict[str, Any] | None, answers: dict[str, Any] | None, line: str) -> None:
    """The confirmation line says yes, NO or not asked for each way, with the counts when the document has them."""
    doc: dict[str, Any] = {"verdict": "found", "culprit": [ORIGIN]}
    if confirmations is not None:
        doc["confirmations"] = confirmations
    if answers is not None:
        doc["answers"] = answers
    assert md_line(doc, "Confirmed: ") == "Confirmed: " + line


@pytest.mark.parametrize(
    ("doc", "title"),
    [
        pytest.param(FOUND, "**Culprit**", id="one-difference"),
        pytest.param({**FOUND, "culprit": [ORIGIN, FMT]}, "**Culprits (they fail only together)**",
                     id="two-that-fail-together"),
        pytest.param({**FOUND, "culprit": [ORIGIN, FMT], "causes": [[ORIGIN], [FMT]]},
                     "**2 independent causes, each enough for a rejection alone (BAD must change all)**",
                     id="two-causes"),
        pytest.param({**FOUND, "verdict": "not-confirmed"}, "**Found so far (not the whole story)**",
                     id="not-confirmed"),
        pytest.param({"culprit": [ORIGIN]}, "**Found so far (not the whole story)**", id="no-verdict"),
    ],
)
def test_culprit_title(doc: dict[str, Any], title: str) -> None:
    """The culprit's heading says whether the search ended, and how many causes it found."""
    assert md_line(doc, "**") == title


HINT_ORIGIN = ("> hint: Browsers always send Origin and scripts usually do not. A server that checks Origin (an "
               "allow-list against cross-site WebSocket hijacking) refuses before the handshake: add this origin to "
               "its allow-list, or connect from an allowed one.")
ROW_ORIGIN = "| **header Origin** (culprit) | _(absent)_ | `https://app.example` | B: cross-origin to Host tts.example |"
TABLE_HEAD = ["| what | GOOD script | BAD app | note |", "|---|---|---|---|"]
NOT_CONFIRMED = ("a cause the search found did not hold when asked again, twice: the server does not answer as the "
                 "search assumes (adding differences never turns a rejection back into acceptance).")


@pytest.mark.parametrize(
    ("doc", "lines"),
    [
        pytest.param({"verdict": "not-confirmed", "culprit": [ORIGIN], "fix": "Fix: drop Origin.", "probes": 12,
                      "rounds": 4, "candidates": 2, "baseline": {"good": [True, False], "bad": [False]}},
                     ["**Found so far (not the whole story)**", *TABLE_HEAD, ROW_ORIGIN, HINT_ORIGIN,
                      "Confirmed: GOOD + culprit is rejected: not asked; BAD - culprit is accepted: not asked.",
                      NOT_CONFIRMED, "**Fix: drop Origin.**",
                      "_2 difference(s) searched; 12 probes in 4 rounds; GOOD replayed: accepted, rejected; "
                      "BAD replayed: rejected._"], id="not-confirmed-with-a-culprit"),
        pytest.param({**FOUND, "reason": "found it", "fix": "", "probes": 3,
                      "answers": {"good": {"accepted": 2, "rejected": 0}, "bad": {"accepted": 0}},
                      "baseline": {"good": [True], "bad": [False, False]}},
                     ["**Culprit**", *TABLE_HEAD, ROW_ORIGIN, HINT_ORIGIN,
                      "Confirmed: GOOD + culprit is rejected: yes; BAD - culprit is accepted: yes.",
                      "_3 probes; GOOD as recorded: accepted 2, rejected 0; BAD replayed: rejected, rejected._"],
                     id="found-counts-before-replays-no-fix"),
        pytest.param({"verdict": "flaky", "culprit": [], "reason": "", "candidates": "5", "probes": 4, "rounds": "2"},
                     ["No culprit: the server answers identical requests both ways (a rate limit, a load balancer "
                      "over different backends, a time-based token): no difference can be blamed.",
                      "_4 probes._"], id="flaky-in-the-table's-words"),
        pytest.param({"verdict": "stopped early", "culprit": [], "reason": 7, "fix": "Fix: nothing."},
                     ["No culprit: stopped early."], id="unknown-verdict-as-it-is"),
        pytest.param({"verdict": "unexplained", "culprit": [], "reason": "GOOD + every difference accepted 2 of 2",
                      "answers": [], "baseline": {"good": "yes", "bad": []}},
                     ["No culprit: GOOD + every difference accepted 2 of 2.", "_BAD replayed: ._"],
                     id="the-document's-own-reason"),
        pytest.param({"culprit": []}, ["No culprit: ."], id="no-verdict-no-words-invented"),
    ],
)
def test_bisect_section_in_markdown(doc: dict[str, Any], lines: list[str]) -> None:
    """The bisect section: the culprit's table, its hints, the confirmation, why the search ended, the fix, the search."""
    assert md_bisect(Report(PAIR, bisect=doc)) == lines


def test_a_culprit_outside_every_cause_gets_an_empty_cause_cell() -> None:
    """With numbered causes, a culprit that belongs to none of them keeps its row as wide, with an empty cause."""
    doc = {**FOUND, "culprit": [ORIGIN, FMT], "causes": [[ORIGIN]]}
    # One cause only: the rows are not numbered.
    assert md_line(doc, "| **header Origin**") == "| **header Origin** (culprit) | _(absent)_ | `https://app.example` | B: cross-origin to Host tts.example |"
    path = {"kind": "path", "name": None}
    bad = BAD.replace(request=BAD.request.replace(target="/v2?voice=alloy&fmt=pcm"))
    doc = {**FOUND, "culprit": [ORIGIN, FMT, path], "causes": [[ORIGIN], [path]]}
    report = Report(compare(GOOD, bad), bisect=doc)
    rows = [x for x in md_bisect(report) if "(culprit)" in x]
    assert rows == ["| 1 | **header Origin** (culprit) | _(absent)_ | `https://app.example` | B: cross-origin to Host tts.example |",
                    "|  | **query-param fmt** (culprit) | _(absent)_ | `pcm` |  |",
                    "| 2 | **path** (culprit) | `/ws` | `/v2` | segment 1 differs: 'ws' vs 'v2' |"]
    page = render(report, "html")
    assert re.findall(r'<tr class="culprit"(?: id="culprit-row")?><td data-label="cause">(\d*)</td><td><b>([^<]*)',
                      page) == [("1", "header Origin"), ("", "query-param fmt"), ("2", "path")]


SIDE = re.compile(r'<div class="side">(.*?)<h4>After the 101</h4>', re.S)
ROW = re.compile(r'<tr(?: class="([^"]*)")?><td class=mark>(.*?)</td><td class=mono>(.*?)</td></tr>', re.S)
Row = tuple[str, str, str]


def side_rows(report: Report) -> list[tuple[list[Row], list[Row]]]:
    """(class, mark, text) of each row of the side-by-side tables: (request, response) for GOOD, then BAD."""
    out = []
    for side in SIDE.findall(render(report, "html")):
        request, response = side.split("<h4>Response")
        out.append((ROW.findall(request), ROW.findall(response)))
    return out


def plain(headers: tuple[tuple[str, str], ...]) -> list[Row]:
    """Rows of request headers that differ in nothing."""
    return [("", "", f"{k}: {v}") for k, v in headers]


LINE = ("", "", "GET /ws?voice=alloy HTTP/1.1")
OK_LINE = [("", "", "HTTP/1.1 101 Switching Protocols")]
CACHE = (*BASE_HEADERS, ("Cache-Control", "no-cache"))
OFFER_12 = (*BASE_HEADERS, ("Sec-WebSocket-Protocol", "tts.v1, tts.v2"))
OFFER_21 = (*BASE_HEADERS, ("Sec-WebSocket-Protocol", "tts.v2, tts.v1"))


@pytest.mark.parametrize(
    ("a", "b", "good", "bad"),
    [
        pytest.param(capture(), capture(status=None, error=Failure("refused", "connection refused")),
                     ([LINE, *plain(BASE_HEADERS)], [("differs", "differs", "HTTP/1.1 101 Switching Protocols")]),
                     ([LINE, *plain(BASE_HEADERS)], [("differs", "", "(no response: refused: connection refused)")]),
                     id="no-answer-against-a-101"),
        pytest.param(capture(status=None, error=Failure("timeout", "no answer in 10 s")),
                     capture(status=None, error=Failure("timeout", "no answer in 10 s"),
                             headers=(*BASE_HEADERS, ("X-Mode", "1"))),
                     ([LINE, *plain(BASE_HEADERS)], [("", "", "(no response: timeout: no answer in 10 s)")]),
                     ([LINE, *plain(BASE_HEADERS), ("differs", "differs", "X-Mode: 1")],
                      [("", "", "(no response: timeout: no answer in 10 s)")]),
                     id="the-same-failure-on-both-sides"),
        pytest.param(capture(status=None), capture(status=None, headers=(*BASE_HEADERS, ("X-Mode", "1"))),
                     ([LINE, *plain(BASE_HEADERS)], [("", "", "(no response)")]),
                     ([LINE, *plain(BASE_HEADERS), ("differs", "differs", "X-Mode: 1")], [("", "", "(no response)")]),
                     id="no-answer-and-no-error"),
        pytest.param(capture(headers=CACHE, response=Response(403, "", headers=(("Server", "nginx"),
                                                                                 ("Cache-Control", "no-store")))),
                     capture(headers=CACHE, response=Response(403, "", headers=(("Server", "nginx"),
                                                                                 ("Cache-Control", "private")))),
                     ([LINE, *plain(CACHE)], [("", "", "HTTP/1.1 403"), ("", "", "Server: nginx"),
                                              ("differs", "differs", "Cache-Control: no-store")]),
                     ([LINE, *plain(CACHE)], [("", "", "HTTP/1.1 403"), ("", "", "Server: nginx"),
                                              ("differs", "differs", "Cache-Control: private")]),
                     id="a-response-header-marks-only-the-response"),
        pytest.param(capture(headers=OFFER_12), capture(headers=OFFER_21, status=403),
                     ([LINE, *plain(BASE_HEADERS), ("differs", "differs", "Sec-WebSocket-Protocol: tts.v1, tts.v2")],
                      [("differs", "differs", "HTTP/1.1 101 Switching Protocols")]),
                     ([LINE, *plain(BASE_HEADERS), ("differs", "differs", "Sec-WebSocket-Protocol: tts.v2, tts.v1")],
                      [("differs", "differs", "HTTP/1.1 403 Forbidden")]),
                     id="the-order-of-subprotocols"),
    ],
)
def test_side_by_side_marks(a: Capture, b: Capture, good: tuple[list[Row], list[Row]],
                            bad: tuple[list[Row], list[Row]]) -> None:
    """Side by side, a row is marked 'differs' exactly where the comparison found a difference on that line."""
    assert side_rows(Report(compare(a, b))) == [good, bad]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        pytest.param("found", "bisect result: expected bisect's JSON object, got str", id="not-an-object"),
        pytest.param({"verdict": None}, "bisect result: no 'verdict': not the output of bisect --json or why --json",
                     id="no-verdict"),
        pytest.param({"verdict": "found", "culprit": {"kind": "header"}},
                     "bisect result: 'culprit' must be a list of objects with a 'kind'", id="culprit-not-a-list"),
        pytest.param({"verdict": "found", "culprit": [{"name": "Origin"}]},
                     "bisect result: 'culprit' must be a list of objects with a 'kind'", id="culprit-without-kind"),
    ],
)
def test_bisect_document_problems_name_the_document(doc: object, message: str) -> None:
    """Without a file name, the problem is about 'bisect result'."""
    with pytest.raises(ReportError) as e:
        check_bisect(doc)
    assert str(e.value) == message


@pytest.mark.parametrize(
    "doc",
    [{"verdict": "flaky"}, {"verdict": "found", "culprit": []}, FOUND, {"verdict": "x", "culprit": [{"kind": "path"}]}],
    ids=["no-culprit-key", "empty-culprit", "found", "kind-only"],
)
def test_bisect_documents_that_fit_are_returned_as_they_are(doc: dict[str, Any]) -> None:
    """A document with a verdict and a culprit list (or none) is bisect's, returned unchanged."""
    assert check_bisect(doc, "b.json") is doc


@pytest.mark.parametrize(
    ("item", "what"),
    [({"kind": "path"}, "'path'"), ({"kind": "path", "name": None}, "'path'"),
     ({"kind": "header", "name": "X-Other"}, "'header X-Other'"), ({"kind": "cookie", "name": ""}, "'cookie '")],
    ids=["kind-without-name", "name-null", "kind-and-name", "empty-name"],
)
def test_a_culprit_of_another_pair_is_named_in_the_refusal(item: dict[str, Any], what: str) -> None:
    """The refusal quotes the culprit it could not find, by kind and, when it has one, name."""
    with pytest.raises(ReportError) as e:
        render(Report(PAIR, bisect={"verdict": "found", "culprit": [item]}), "md")
    assert str(e.value) == (f"the bisect result does not match this pair: {what} is not among its differences "
                            "(give the GOOD and BAD it was run on)")


@pytest.mark.parametrize(
    ("a", "b", "la", "lb", "headline"),
    [
        pytest.param(capture(label=""), capture(label="", status=403), "good.json", "bad.json",
                     "WebSocket handshake: good.json gets 101 Switching Protocols, bad.json gets 403 Forbidden",
                     id="unlabelled-sides-by-file-name"),
        pytest.param(capture(label="script"), capture(label="", status=None, error=Failure("reset")), "script",
                     "bad.json", "WebSocket handshake: script gets 101 Switching Protocols, bad.json gets error: reset",
                     id="one-label"),
        pytest.param(capture(label="", status=403), capture(label="app"), "good.json", "app",
                     "WebSocket handshake: good.json gets 403 Forbidden, app gets 101 Switching Protocols",
                     id="the-other-label"),
    ],
)
def test_sides_are_named_by_label_else_by_file(a: Capture, b: Capture, la: str, lb: str, headline: str) -> None:
    """Each side is called by its capture's label, or else by the name the report was given for it."""
    report = Report(compare(a, b), ("good.json", "bad.json"))
    page = render(report, "html")
    assert f"<title>{headline}</title>" in page and f"<h1>{headline}</h1>" in page
    assert re.findall(r'<div class="card"><b>([^<]*)</b>', page) == [f"GOOD {la}", f"BAD {lb}"]
    assert re.findall(r"<thead><tr><th>what</th><th>([^<]*)</th><th>([^<]*)</th>", page)[0] == (f"GOOD {la}",
                                                                                            f"BAD {lb}")
    assert re.findall(r"<h3>(GOOD|BAD) ([^:<]*):", page) == [("GOOD", la), ("BAD", lb)]
    text = render(report, "md").splitlines()
    assert text[0] == f"## {headline}" and text[2] == f"|  | GOOD {la} | BAD {lb} |"


@pytest.mark.parametrize(
    ("b", "count"),
    [(capture(), "0 differences"), (capture(status=403), "1 difference"),
     (capture(status=403, headers=(*BASE_HEADERS, ("X-Mode", "1"))), "2 differences"),
     (capture(status=403, target="/ws?voice=echo", headers=(*BASE_HEADERS, ("X-Mode", "1"))), "3 differences")],
    ids=["none", "one", "two", "three"],
)
def test_difference_count_in_the_heading(b: Capture, count: str) -> None:
    """The heading counts the differences that matter, in the singular for one; none says so."""
    report = Report(compare(capture(), b))
    page = render(report, "html")
    assert f'<h2 id="differences">What differs ({count}, noise aside)</h2>' in page
    assert ("<p>No differences, noise aside.</p>" in page) == (count == "0 differences")
    assert f"### What differs ({count}, noise aside)" in render(report, "md").splitlines()


def test_bisect_section_in_html() -> None:
    """In HTML, a culprit not confirmed is followed by why the search ended, then the fix and the search."""
    doc = {"verdict": "not-confirmed", "culprit": [ORIGIN], "fix": "Fix: drop Origin.", "probes": 12, "rounds": 4,
           "candidates": 2, "baseline": {"good": [True, False], "bad": [False]}}
    page = render(Report(PAIR, bisect=doc), "html")
    section = page[page.index('<h2 id="bisect">'):page.index('<h2 id="differences">')].splitlines()
    assert section[1].startswith("<h3>Found so far (not the whole story)</h3><div class=\"scroll\">")
    assert section[2:] == [
        f'<p class="hint">{HINT_ORIGIN.removeprefix("> hint: ")}</p>',
        "<p>Confirmed: GOOD + culprit is rejected: not asked; BAD - culprit is accepted: not asked.</p>",
        f'<p class="verdict">{NOT_CONFIRMED}</p>',
        '<p class="fix">Fix: drop Origin.</p>',
        "<p class=note>2 difference(s) searched; 12 probes in 4 rounds; GOOD replayed: accepted, rejected; "
        "BAD replayed: rejected.</p>"]


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        pytest.param("app*v2_beta", "app\\*v2\\_beta", id="emphasis"),
        pytest.param("a|b", "a\\|b", id="pipe"),
        pytest.param("`tick`", "\\`tick\\`", id="backticks"),
        pytest.param("[x](http://evil.example)", "\\[x\\](http://evil.example)", id="link"),
        pytest.param("#12 ~old~", "\\#12 \\~old\\~", id="heading-and-strike"),
        pytest.param("back\\slash", "back\\\\slash", id="backslash"),
        pytest.param("<b>&amp;", "&lt;b&gt;&amp;amp;", id="html"),
        pytest.param("@octocat", "@\u2060octocat", id="mention"),
        pytest.param("two\nlines", "two<br>lines", id="line-break"),
        pytest.param("cr\rbell\x07", "cr\\\\x0dbell\\\\x07", id="controls"),
        pytest.param("plain app 1.0", "plain app 1.0", id="plain"),
    ],
)
def test_markdown_prose_is_escaped(label: str, shown: str) -> None:
    """A label in Markdown prose shows as written: syntax escaped, HTML as entities, no mention, one line."""
    text = render(Report(compare(capture(label=label), capture(label="b", status=403))), "md")
    assert text.splitlines()[0] == f"## WebSocket handshake: {shown} gets 101 Switching Protocols, b gets 403 Forbidden"


DETAILS = re.compile(r"(GOOD|BAD) [^\n]*:\n\n(`{3,})http\n(.*?)\n\2\n\nAfter the 101:\n\n(`{3,})\n(.*?)\n\4\n", re.S)


def md_details(report: Report) -> dict[str, tuple[str, list[str], str, list[str]]]:
    """Each side's (fence, lines) of its full request and response, then of what came after the 101."""
    return {side: (fence, text.split("\n"), after_fence, after.split("\n"))
            for side, fence, text, after_fence, after in DETAILS.findall(render(report, "md"))}


def response_block(b: Capture) -> list[str]:
    """The lines of BAD's response in the Markdown details, against a plain accepted GOOD."""
    _, lines, _, _ = md_details(Report(compare(capture(), b)))["BAD"]
    return lines[lines.index("") + 1:]


@pytest.mark.parametrize(
    ("response", "lines"),
    [
        pytest.param(Response(403, ""), ["HTTP/1.1 403"], id="no-reason"),
        pytest.param(Response(403, "Forbidden", headers=(("Server", "nginx"),), body=b"denied\n"),
                     ["HTTP/1.1 403 Forbidden", "Server: nginx", "", "denied", ""], id="short-body"),
        pytest.param(Response(403, "Forbidden", body=b"x" * 300), ["HTTP/1.1 403 Forbidden", "", "x" * 300],
                     id="300-bytes-whole"),
        pytest.param(Response(403, "Forbidden", body=b"y" * 301), ["HTTP/1.1 403 Forbidden", "", "y" * 300 + " ..."],
                     id="301-bytes-cut-at-300"),
        pytest.param(Response(403, "Forbidden", body=b"z" * 299 + b"\xe2\x82\xac" + b"tail"),
                     ["HTTP/1.1 403 Forbidden", "", "z" * 299 + "\ufffd ..."], id="cut-inside-a-character"),
        pytest.param(Response(403, "Forbidden", body=b"partial", body_truncated=True),
                     ["HTTP/1.1 403 Forbidden", "", "partial ..."], id="recorded-truncated"),
        pytest.param(Response(400, "Bad Request", body=b"caf\xe9 \xff"), ["HTTP/1.1 400 Bad Request", "", "caf\ufffd \ufffd"],
                     id="not-utf-8"),
    ],
)
def test_response_as_shown_in_full(response: Response, lines: list[str]) -> None:
    """The full response: status line without trailing space, headers, then the body's first 300 bytes as text."""
    assert response_block(capture(response=response)) == lines


def server_text(head: bytes, size: int | None = None) -> Session:
    """A connection still open after one text message from the server."""
    return Session("observed", duration=1.25, messages=(Message("server", "text", size or len(head), head, 0.01),))


@pytest.mark.parametrize(
    ("session", "lines"),
    [
        pytest.param(Session("observed"), ["still open when the observation window ended (0.0 s)"],
                     id="observed-without-duration"),
        pytest.param(Session("observed", duration=2.54), ["still open when the observation window ended (2.5 s)"],
                     id="observed-for-a-while"),
        pytest.param(server_text(b"a" * 120), ["still open when the observation window ended (1.2 s)",
                                               "server -> text, 120 B at 0.010 s: " + "a" * 120],
                     id="120-bytes-whole"),
        pytest.param(server_text(b"b" * 121), ["still open when the observation window ended (1.2 s)",
                                               "server -> text, 121 B at 0.010 s: " + "b" * 120 + " ..."],
                     id="121-bytes-cut-at-120"),
        pytest.param(server_text(b"ok", size=5000), ["still open when the observation window ended (1.2 s)",
                                                     "server -> text, 5000 B at 0.010 s: ok ..."],
                     id="kept-only-its-start"),
        pytest.param(server_text(b'{"msg":"caf\xe9"}'), ["still open when the observation window ended (1.2 s)",
                                                        'server -> text, 14 B at 0.010 s: {"msg":"caf\ufffd"}'],
                     id="text-not-utf-8"),
        pytest.param(Session("open", messages_dropped=3), ["open (written at the 101)", "(3 more messages not kept)"],
                     id="messages-not-kept"),
    ],
)
def test_after_the_101_as_shown_in_full(session: Session, lines: list[str]) -> None:
    """After the 101: how the connection ended or stayed, then each message's first 120 bytes of text, cut marked."""
    _, _, _, after = md_details(Report(compare(capture(), capture(websocket=session))))["BAD"]
    assert after == lines


def test_the_summary_shows_only_how_the_connection_ended() -> None:
    """The Markdown summary's after-the-101 row holds the first line only, not the messages."""
    b = capture(label="b", websocket=server_text(b"hello"))
    [row] = [x for x in render(Report(compare(capture(label="a"), b)), "md").splitlines()
             if x.startswith("| after the 101 |")]
    assert row == "| after the 101 | not observed | still open when the observation window ended (1.2 s) |"


def md_row(b: Capture, start: str, a: Capture | None = None) -> str:
    """The one row of the Markdown differences (bisect aside) that starts with *start*."""
    [row] = [x for x in render(Report(compare(a or capture(), b)), "md").splitlines() if x.startswith(start)]
    return row


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("plain", "`plain`", id="plain"),
        pytest.param("`tick`", "`` `tick` ``", id="ticks-at-both-ends"),
        pytest.param("`start", "`` `start ``", id="tick-at-the-start"),
        pytest.param("end`", "`` end` ``", id="tick-at-the-end"),
        pytest.param("mid`dle", "``mid`dle``", id="tick-inside"),
        pytest.param("a ``` b", "````a ``` b````", id="a-run-of-three"),
        pytest.param("a|b", "`a\\|b`", id="pipe"),
        pytest.param("   ", "`'   '`", id="blank"),
    ],
)
def test_values_are_code_spans_that_hold(value: str, code: str) -> None:
    """A value is one code span that no backtick or pipe inside it can end, spaced where it starts or ends with one."""
    row = md_row(capture(headers=(*BASE_HEADERS, ("X-Tick", value)), status=403), "| header X-Tick |")
    assert row == f"| header X-Tick | _(absent)_ | {code} |  |"


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"line one\r\nline two", "`line one\\r\\nline two`"), (b"one\ntwo\rthree", "`one\\ntwo\\rthree`"),
     (b"bell\x07", "`bell\\x07`")],
    ids=["crlf", "lf-and-cr", "control"],
)
def test_line_breaks_in_values_are_written_out(body: bytes, code: str) -> None:
    """A line break inside a value is shown as \\r or \\n (a table row is one line), other controls as \\xNN."""
    a = capture(response=Response(403, "Forbidden"))
    row = md_row(capture(response=Response(403, "Forbidden", body=body)), "| body |", a)
    assert row == f'| body | `""` | {code} |  |'


@pytest.mark.parametrize(
    ("value", "fence"),
    [("plain", "```"), ("one ` tick", "```"), ("two `` ticks", "```"), ("three ``` ticks", "````"),
     ("five ````` ticks", "``````")],
    ids=["none", "one", "two", "three", "five"],
)
def test_fences_outlast_the_longest_run_of_backticks(value: str, fence: str) -> None:
    """A fenced block is at least three backticks, and one longer than the longest run in what it holds."""
    details = md_details(Report(compare(capture(), capture(headers=(*BASE_HEADERS, ("X-Tick", value))))))
    assert details["GOOD"][0] == "```" and details["BAD"][0] == fence


@pytest.mark.parametrize(
    ("b", "start", "row"),
    [
        pytest.param(capture(target="/ws?voice=alloy&voice=echo"), "| query-param voice |",
                     "| query-param voice | `alloy` | `alloy, echo` |  |", id="a-repeated-parameter"),
        pytest.param(capture(headers=(*BASE_HEADERS[:4], BASE_HEADERS[5], BASE_HEADERS[4], *BASE_HEADERS[6:])),
                     "| header-order |",
                     "| header-order | `host, upgrade, connection, sec-websocket-key, sec-websocket-version, "
                     "sec-websocket-extensions, user-agent` | `host, upgrade, connection, sec-websocket-key, "
                     "sec-websocket-extensions, sec-websocket-version, user-agent` | order of the headers both sides "
                     "sent |", id="the-order-of-headers"),
    ],
)
def test_list_values_are_joined(b: Capture, start: str, row: str) -> None:
    """A value of several items (a repeated parameter, an order) is shown as one list, comma-separated."""
    assert md_row(b, start) == row


@pytest.mark.parametrize(
    ("causes", "title"),
    [
        pytest.param([[], [ORIGIN]], "**Culprit**", id="an-empty-cause-is-no-cause"),
        pytest.param([["Origin"], [ORIGIN]], "**Culprit**", id="a-cause-of-names-is-not-read"),
        pytest.param("Origin", "**Culprit**", id="causes-not-a-list"),
        pytest.param([[ORIGIN], [FMT]],
                     "**2 independent causes, each enough for a rejection alone (BAD must change all)**",
                     id="two-causes"),
    ],
)
def test_only_causes_of_objects_count(causes: object, title: str) -> None:
    """bisect's causes count only as non-empty lists of objects; otherwise the culprit is the one cause."""
    assert md_bisect(Report(PAIR, bisect={**FOUND, "culprit": [ORIGIN], "causes": causes}))[0] == title


def test_a_document_without_a_culprit_has_none() -> None:
    """A bisect document with no 'culprit' at all reads as a search that found none."""
    assert md_bisect(Report(PAIR, bisect={"verdict": "flaky"})) == [
        "No culprit: the server answers identical requests both ways (a rate limit, a load balancer over different "
        "backends, a time-based token): no difference can be blamed."]
    assert "culprit-row" not in render(Report(PAIR, bisect={"verdict": "flaky"}), "html")


@pytest.mark.parametrize(
    ("a", "b", "titles"),
    [
        pytest.param(capture(label=""), capture(label="", status=403),
                     ["curl, BAD (bad.json)", "curl, GOOD (good.json)", "python, BAD (bad.json): the exact bytes",
                      "python, GOOD (good.json): the exact bytes"], id="by-file-name"),
        pytest.param(capture(label="script"), capture(label="app", status=403),
                     ["curl, BAD (app)", "curl, GOOD (script)", "python, BAD (app): the exact bytes",
                      "python, GOOD (script): the exact bytes"], id="by-label"),
    ],
)
def test_reproductions_name_their_side(a: Capture, b: Capture, titles: list[str]) -> None:
    """The reproduction commands come BAD first, each titled with its side's name."""
    page = render(Report(compare(a, b), ("good.json", "bad.json")), "html")
    assert re.findall(r"<h3>([^<]*)</h3><pre>", page) == titles
    text = render(Report(compare(a, b), ("good.json", "bad.json")), "md").splitlines()
    assert [x.removesuffix(":") for x in text if x.startswith(("curl, ", "python, "))] == titles


@pytest.mark.parametrize("fmt", ["pdf", "HTML", ""])
def test_an_unknown_format_is_refused_with_the_known_ones(fmt: str) -> None:
    """render names the format it does not know and the ones it does."""
    with pytest.raises(ReportError) as e:
        render(Report(PAIR), fmt)
    assert str(e.value) == f"unknown report format {fmt!r}; known: html, md"
