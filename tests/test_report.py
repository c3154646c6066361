"""The report renderer: self-contained, escaped, redacted HTML, and Markdown that renders as GitHub does."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from wsdiff.diff import compare
from wsdiff.model import Message, Response, Session
from wsdiff.report import Report, ReportError, check_bisect, format_for, render

from helpers import BASE_HEADERS, capture

SECRET = "sk-live-0123456789abcdef"
HOSTILE = '<script>alert(1)</script> | `tick` @octocat #12 **bold** [x](http://evil.example) \x00\x1b'

GOOD = capture(label="script", websocket=Session("closed", 1000, "", "client", 0.2, (
    Message("server", "text", 30, b'{"type":"ready","token":"redacted:0000000000000001"}', 0.01),)))
BAD = capture(label="app <b>", status=403, target="/ws?voice=alloy&fmt=pcm",
              headers=(*BASE_HEADERS, ("Origin", "https://app.example"), ("X-Evil", HOSTILE),
                       ("Authorization", f"Bearer {SECRET}")),
              ).replace(redacted=False, response=Response(403, "Forbidden", body=HOSTILE.encode()))
COMPARISON = compare(GOOD, BAD)
BISECT = {"verdict": "found", "culprit": [{"kind": "header", "name": "Origin", "a": "ignored", "b": "ignored"}],
          "probes": 9, "rounds": 5, "candidates": 5, "baseline": {"good": [True, True], "bad": [False, False]},
          "confirmations": {"good_plus_culprit_rejected": True, "bad_minus_culprit_accepted": True},
          "fix": "Fix: add 'https://app.example' to the server's WebSocket Origin allow-list."}


class Tags(HTMLParser):
    """Collect every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(text: str) -> list[tuple[str, dict[str, str | None]]]:
    p = Tags()
    p.feed(text)
    return p.tags


def test_html_is_self_contained_and_escaped() -> None:
    """No script, no external resource, every value escaped, controls shown, the secret absent."""
    out = render(Report(COMPARISON, ("good.json", "bad.json"), BISECT, "wsdiff 0.1.0"), "html")
    found = tags(out)
    names = {t for t, _ in found}
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert not [a for _, a in found if any(k in a for k in ("src", "href", "srcset", "action"))]
    assert "url(" not in out and "@import" not in out and "@font-face" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "app &lt;b&gt;" in out
    assert "\\x00\\x1b" in out and "\x00" not in out and "\x1b" not in out
    assert SECRET not in out and "redacted:" in out
    # The culprit row is marked, its values come from the comparison, not from the document.
    [row] = [a for t, a in found if a.get("id") == "culprit-row"]
    assert row["class"] == "culprit" and "ignored" not in out
    assert "Fix: add &#x27;https://app.example&#x27;" in out


def test_html_without_bisect_has_no_bisect_section() -> None:
    """Without a bisect result, there is no culprit, only the differences and the sides."""
    out = render(Report(COMPARISON), "html")
    assert 'id="bisect"' not in out and "culprit-row" not in out and 'id="differences"' in out


def md_html(text: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_markdown_renders_as_tables_with_values_as_code() -> None:
    """Every table keeps its columns, hostile values stay inside code, the headers sit in <details>."""
    text = render(Report(COMPARISON, ("good.json", "bad.json"), BISECT, "wsdiff 0.1.0"), "md")
    assert SECRET not in text and "\x00" not in text
    rendered = md_html(text)
    for table in re.findall(r"<table>.*?</table>", rendered, re.S):
        widths = {len(re.findall(r"<t[hd][ >]", row)) for row in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(widths) == 1, table
    assert "<script>" not in rendered.replace("<code>", "")  # only ever shown as code text
    evil = next(r for r in re.findall(r"<tr>.*?</tr>", rendered, re.S) if "X-Evil" in r)
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt; | `tick` @octocat #12 **bold**" in evil
    assert "<strong>header Origin</strong> (culprit)" in rendered
    assert text.count("<details>") == text.count("</details>") == 2
    assert "\n```http\nGET /ws?voice=alloy&fmt=pcm HTTP/1.1\n" in text
    assert "app \\<b\\>" not in text and "app &lt;b&gt;" in text  # prose is escaped, not code


def test_markdown_fences_outlast_backticks_in_values() -> None:
    """A value full of backticks cannot close the fenced block it is shown in."""
    bad = BAD.replace(request=BAD.request.replace(headers=(*BASE_HEADERS, ("X-Ticks", "a ```` b"))))
    text = render(Report(compare(GOOD, bad)), "md")
    assert "`````http\n" in text
    # Eight blocks (headers and after-101 of each side, curl and python of each): none cut short.
    assert md_html(text).count("<pre><code") == 8


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "x.json: expected bisect's JSON object, got list"),
        ({"culprit": []}, "x.json: no 'verdict': not the output of bisect --json or why --json"),
        ({"verdict": "found", "culprit": ["Origin"]}, "x.json: 'culprit' must be a list of objects with a 'kind'"),
    ],
)
def test_bisect_documents_are_checked(doc: object, message: str) -> None:
    """A file that is not bisect's JSON is one clear line."""
    with pytest.raises(ReportError) as e:
        check_bisect(doc, "x.json")
    assert str(e.value) == message


def test_bisect_of_another_pair_is_refused() -> None:
    """A culprit that is not among this pair's differences: the result belongs to another pair."""
    doc = {**BISECT, "culprit": [{"kind": "header", "name": "X-Other"}]}
    with pytest.raises(ReportError, match="the bisect result does not match this pair: 'header X-Other' is not "
                                          r"among its differences \(give the GOOD and BAD it was run on\)"):
        render(Report(COMPARISON, bisect=doc), "html")


@pytest.mark.parametrize(
    ("path", "fmt", "chosen"),
    [("r.html", None, "html"), ("R.HTM", None, "html"), ("r.md", None, "md"), ("r.markdown", None, "md"),
     ("r.txt", "md", "md")],
)
def test_format_from_the_name(path: str, fmt: str | None, chosen: str) -> None:
    """The file name says the format, unless --format does."""
    assert format_for(path, fmt) == chosen


def test_format_unknown() -> None:
    """A name that says nothing needs --format."""
    with pytest.raises(ReportError, match=r"r.txt: cannot tell the format from the name; end it in .html or .md"):
        format_for("r.txt")


def test_independent_causes_are_numbered() -> None:
    """bisect's causes (groups that each reject alone) get a cause column; the reason and counts are shown."""
    doc = {**BISECT, "culprit": [{"kind": "path", "name": None}, {"kind": "header", "name": "Origin"}],
           "causes": [[{"kind": "path", "name": None}], [{"kind": "header", "name": "Origin"}]],
           "reason": "found every difference BAD must change: 2 independent causes, each enough for a rejection alone",
           "answers": {"good": {"accepted": 2, "rejected": 0}, "bad": {"accepted": 0, "rejected": 2},
                       "good_plus_culprit": {"accepted": 0, "rejected": 3},
                       "bad_minus_culprit": {"accepted": 3, "rejected": 0}}}
    bad = BAD.replace(request=BAD.request.replace(target="/v2?voice=alloy&fmt=pcm"))
    report = Report(compare(GOOD, bad), bisect=doc)
    page = render(report, "html")
    assert "2 independent causes, each enough for a rejection alone (BAD must change all)" in page
    assert '<th>cause</th>' in page and 'data-label="cause">2</td>' in page
    assert "GOOD + culprit is rejected: yes (accepted 0, rejected 3)" in page
    assert "GOOD as recorded: accepted 2, rejected 0" in page
    text = render(report, "md")
    assert "| cause | what |" in text and "| 1 | **path** (culprit) |" in text


def test_no_culprit_says_why() -> None:
    """A search that ended without a culprit says why, in its own words."""
    doc = {"verdict": "flaky", "culprit": [], "causes": [], "reason": "the server answers identical requests both ways"}
    page = render(Report(COMPARISON, bisect=doc), "html")
    assert "No culprit: the server answers identical requests both ways." in page and "culprit-row" not in page


@pytest.mark.parametrize("body", ["unsupported api version\n", "line one\r\nline two", "a | b\n|c|\r\n"])
def test_markdown_cells_hold_line_breaks_and_pipes(body: str) -> None:
    """A body with a line break or a pipe stays in its cell: each row is one line, every row as wide as the head."""
    good = BAD.replace(response=Response(403, "Forbidden", body=b""))
    bad = BAD.replace(response=Response(403, "Forbidden", body=body.encode()))
    text = render(Report(compare(good, bad)), "md")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "body" in line]
    assert rows and all(line.rstrip().endswith("|") for line in rows), rows
    for table in re.findall(r"<table>.*?</table>", md_html(text), re.S):
        widths = {len(re.findall(r"<t[hd][ >]", row)) for row in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(widths) == 1, table
    assert "\\n" in next(line for line in rows)
