"""A report to share: one self-contained HTML or Markdown file for a bug report (pure: values in, a string out).

:func:`render` takes a :class:`Report` (the comparison of GOOD and BAD, and
optionally a bisect result as its JSON document) and returns the file's
text. Everything shown comes from the comparison, whose captures are
redacted as compare redacts them (credentials are keyed fingerprints), and
from :mod:`wsdiff.export` for the reproduction commands; a bisect document
only says which differences are the culprit, and their values are taken
from the comparison, never from the document.

HTML: no script, no external style, font or image, so it opens offline and
requests nothing; two columns side by side from 800 px, one below; a print
style. Everything from a capture is escaped, and control characters are
shown as ``\\xNN``. Markdown: GitHub-flavoured tables, with every character
that Markdown or GitHub would interpret (``| * _ ` [ ] < > & @ #``...) written
as an entity, and the full headers in a collapsed ``<details>`` section in
fenced blocks longer than any run of backticks they hold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .difference import GROUPS, Comparison, Difference
from .errors import WsdiffError
from .export import export
from .model import Capture
from .responder import responder
from .verdict import VERDICTS

__all__ = ["FORMATS", "Report", "ReportError", "render", "check_bisect", "format_for"]

FORMATS = ("html", "md")


class ReportError(WsdiffError):
    """Raised when a bisect result does not fit the report (not bisect's JSON, or for another pair)."""


@dataclass(frozen=True)
class Report:
    """What a report shows: GOOD (a) and BAD (b) as compared, their names, and a bisect result if any."""

    comparison: Comparison
    names: tuple[str, str] = ("GOOD", "BAD")  # shown where a capture has no label
    bisect: Mapping[str, Any] | None = None  # bisect's --json document (why's too)
    made: str = ""  # "wsdiff 0.1.0, 2026-11-25 14:02 UTC": given by the caller, no clock here


def format_for(path: str, fmt: str | None = None) -> str:
    """Return the format to write: *fmt* if given, else from the file name (``.html``, ``.htm``, ``.md``)."""
    if fmt:
        return fmt
    lower = path.lower()
    if lower.endswith((".html", ".htm")):
        return "html"
    if lower.endswith((".md", ".markdown")):
        return "md"
    raise ReportError(f"{path}: cannot tell the format from the name; end it in .html or .md, or pass --format")


def check_bisect(doc: object, source: str = "bisect result") -> dict[str, Any]:
    """Return *doc* if it is bisect's JSON document (``verdict``, ``culprit``); raise ReportError otherwise."""
    if not isinstance(doc, dict):
        raise ReportError(f"{source}: expected bisect's JSON object, got {type(doc).__name__}")
    if not isinstance(doc.get("verdict"), str):
        raise ReportError(f"{source}: no 'verdict': not the output of bisect --json or why --json")
    culprit = doc.get("culprit", [])
    if not isinstance(culprit, list) or not all(isinstance(c, dict) and isinstance(c.get("kind"), str)
                                               for c in culprit):
        raise ReportError(f"{source}: 'culprit' must be a list of objects with a 'kind'")
    return doc


# --- what the pieces mean ------------------------------------------------------------


def _label(c: Capture, fallback: str) -> str:
    return c.label or fallback


def _find(comparison: Comparison, item: Mapping[str, Any]) -> Difference:
    for d in comparison.differences:
        if d.kind == item.get("kind") and d.name == item.get("name"):
            return d
    what = f"{item.get('kind')} {item.get('name')}" if item.get("name") is not None else str(item.get("kind"))
    raise ReportError(f"the bisect result does not match this pair: {what!r} is not among its differences "
                      "(give the GOOD and BAD it was run on)")


def _culprit(r: Report) -> tuple[Difference, ...]:
    if r.bisect is None:
        return ()
    return tuple(_find(r.comparison, item) for item in r.bisect.get("culprit", []))


def _causes(r: Report) -> list[tuple[Difference, ...]]:
    """The causes (bisect's ``causes``: groups of differences that reject together), else the culprit as one."""
    causes = r.bisect.get("causes") if r.bisect else None
    out = []
    for cause in causes if isinstance(causes, list) else []:
        if isinstance(cause, list) and cause and all(isinstance(i, dict) for i in cause):
            out.append(tuple(_find(r.comparison, i) for i in cause))
    culprit = _culprit(r)
    return out or ([culprit] if culprit else [])


def _culprit_title(r: Report, causes: Sequence[tuple[Difference, ...]]) -> str:
    if (r.bisect or {}).get("verdict") != "found":
        return "Found so far (not the whole story)"
    if len(causes) == 1:
        return "Culprit" if len(causes[0]) == 1 else "Culprits (they fail only together)"
    return f"{len(causes)} independent causes, each enough for a rejection alone (BAD must change all)"


def _header_names(d: Difference) -> set[str]:
    """The request or response header lines a difference is about (lower-case names)."""
    if d.kind in ("header", "response-header", "header-case"):
        return {(d.name or "").lower()}
    return {"cookie": {"cookie"}, "subprotocol": {"sec-websocket-protocol"},
            "subprotocol-order": {"sec-websocket-protocol"},
            "extension": {"sec-websocket-extensions"}}.get(d.kind, set())


_REQUEST_LINE_KINDS = frozenset({"path", "query-param", "query-order", "method", "http-version"})
_STATUS_KINDS = frozenset({"status", "reason", "error"})


def _value(v: Any) -> str:
    if v is None:
        return "(absent)"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) or "(empty)"
    if v == "":
        return '""'
    return str(v)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """Show control characters as \\xNN: they mean nothing on screen and some are not allowed in HTML."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _request_text(c: Capture) -> list[str]:
    r = c.request
    return [f"{r.method} {r.target} {r.http_version}", *(f"{k}: {v}" for k, v in r.headers)]


def _response_text(c: Capture) -> list[str]:
    if c.response is None:
        return [f"(no response: {c.error.kind}: {c.error.message})" if c.error else "(no response)"]
    s = c.response
    lines = [f"{s.http_version} {s.status} {s.reason}".rstrip(), *(f"{k}: {v}" for k, v in s.headers)]
    if s.body:
        more = " ..." if s.body_truncated or len(s.body) > 300 else ""
        lines += ["", s.body[:300].decode("utf-8", "replace") + more]
    return lines


def _after_101(c: Capture) -> list[str]:
    ws = c.websocket
    if ws is None:
        return ["not upgraded"] if not c.accepted else ["not observed"]
    if ws.state == "closed":
        code = "no close frame" if ws.close_code is None else f"close code {ws.close_code}"
        reason = f" {ws.close_reason!r}" if ws.close_reason else ""
        after = f" after {ws.duration:.3f} s" if ws.duration is not None else ""
        lines = [f"closed by {ws.closed_by or 'unknown'}, {code}{reason}{after}"]
    elif ws.state == "observed":
        lines = [f"still open when the observation window ended ({ws.duration or 0:.1f} s)"]
    else:
        lines = ["open (written at the 101)"]
    for m in ws.messages:
        arrow = "server ->" if m.direction == "server" else "client ->"
        preview = m.head[:120].decode("utf-8", "replace") if m.type == "text" else m.head[:24].hex()
        more = " ..." if m.truncated or len(m.head) > 120 else ""
        lines.append(f"{arrow} {m.type}, {m.size} B at {m.at:.3f} s: {preview}{more}")
    if ws.messages_dropped:
        lines.append(f"({ws.messages_dropped} more messages not kept)")
    return lines


def _headline(r: Report) -> str:
    a, b = r.comparison.a, r.comparison.b
    la, lb = _label(a, r.names[0]), _label(b, r.names[1])
    return f"WebSocket handshake: {la} gets {a.outcome}, {lb} gets {b.outcome}"


def _verdict_lines(r: Report) -> tuple[str, str]:
    """(why the search ended as it did, the fix line) from the bisect document."""
    doc = r.bisect or {}
    verdict = str(doc.get("verdict", ""))
    reason = doc.get("reason")
    return (str(reason) if isinstance(reason, str) and reason else VERDICTS.get(verdict, verdict)), str(doc.get("fix", ""))


def _tally(t: object) -> str:
    if isinstance(t, dict) and isinstance(t.get("accepted"), int) and isinstance(t.get("rejected"), int):
        return f"accepted {t['accepted']}, rejected {t['rejected']}"
    return ""


def _confirmations(doc: Mapping[str, Any]) -> str:
    c = doc.get("confirmations") or {}
    answers = doc.get("answers") if isinstance(doc.get("answers"), dict) else {}
    yes = {True: "yes", False: "NO", None: "not asked"}
    plus = yes.get(c.get("good_plus_culprit_rejected"), "not asked")
    minus = yes.get(c.get("bad_minus_culprit_accepted"), "not asked")
    plus_n, minus_n = _tally(answers.get("good_plus_culprit")), _tally(answers.get("bad_minus_culprit"))
    return (f"GOOD + culprit is rejected: {plus}" + (f" ({plus_n})" if plus_n else "")
            + f"; BAD - culprit is accepted: {minus}" + (f" ({minus_n})" if minus_n else "") + ".")


def _search_line(doc: Mapping[str, Any]) -> str:
    parts = []
    if isinstance(doc.get("candidates"), int):
        parts.append(f"{doc['candidates']} difference(s) searched")
    if isinstance(doc.get("probes"), int):
        parts.append(f"{doc['probes']} probes" + (f" in {doc['rounds']} rounds" if isinstance(doc.get("rounds"), int)
                                                   else ""))
    answers = doc.get("answers") if isinstance(doc.get("answers"), dict) else {}
    baseline = doc.get("baseline") if isinstance(doc.get("baseline"), dict) else {}
    for side in ("good", "bad"):
        counted = _tally(answers.get(side))
        if counted:
            parts.append(f"{side.upper()} as recorded: {counted}")
        elif isinstance(baseline.get(side), list):
            parts.append(f"{side.upper()} replayed: " + ", ".join("accepted" if a else "rejected"
                                                                  for a in baseline[side]))
    return "; ".join(parts)


def _groups(comparison: Comparison) -> list[tuple[str, list[Difference], list[str]]]:
    """The significant differences by group, in display order, each with its hints."""
    out = []
    for group, heading in GROUPS.items():
        items = [d for d in comparison.significant if d.group == group]
        if items:
            hints: list[str] = []
            for d in items:
                hints.extend(h for h in d.hints if h not in hints)
            out.append((heading, items, hints))
    return out


def _reproductions(r: Report) -> list[tuple[str, str, str]]:
    """(title, language, text): curl and python for BAD, then GOOD."""
    a, b = r.comparison.a, r.comparison.b
    la, lb = _label(a, r.names[0]), _label(b, r.names[1])
    return [(f"curl, BAD ({lb})", "sh", export(b, "curl")), (f"curl, GOOD ({la})", "sh", export(a, "curl")),
            (f"python, BAD ({lb}): the exact bytes", "python", export(b, "python")),
            (f"python, GOOD ({la}): the exact bytes", "python", export(a, "python"))]


def _marks(r: Report, culprit: Sequence[Difference]) -> tuple[set[str], set[str], set[str], set[str], bool, bool]:
    """Header names that differ / are culprits (request), response header names that differ, and flags."""
    sig = r.comparison.significant
    differs = set().union(*(_header_names(d) for d in sig if d.group not in ("response", "session")))
    guilty = set().union(*(_header_names(d) for d in culprit))
    response = set().union(*(_header_names(d) for d in sig if d.kind == "response-header"))
    line_differs = any(d.kind in _REQUEST_LINE_KINDS for d in sig)
    status_differs = any(d.kind in _STATUS_KINDS for d in sig)
    line_guilty = {d.kind for d in culprit} & _REQUEST_LINE_KINDS
    return differs, guilty, response, ({"line"} if line_guilty else set()), line_differs, status_differs


# --- HTML ----------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;
background:#fff;margin:0 auto;padding:16px;max-width:1400px}
h1{font-size:1.45em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:1px solid #d0d7de}
h3{font-size:1em;margin:1em 0 .3em;color:#0550ae}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:13px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top;overflow-wrap:break-word}
td.mono{overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600}
td.mark{width:4.5em;white-space:nowrap;font-size:12px;color:#57606a}
tr.differs td{background:#fff8c5}tr.culprit td{background:#ffebe9;font-weight:600}
tr.culprit td.mark{color:#cf222e}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
.summary{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
.fix{border-left:4px solid #1a7f37;background:#dafbe1;padding:8px 12px;font-weight:600}
.verdict{border-left:4px solid #9a6700;background:#fff8c5;padding:8px 12px}
.hint{color:#6e5400;margin:.2em 0 .2em 1em}.hint::before{content:"hint: ";font-weight:600}
.sides{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;
padding:8px;margin:.3em 0}
.note{color:#57606a}footer{margin-top:2em;color:#57606a;font-size:13px}
@media (max-width:800px){.sides,.summary{grid-template-columns:minmax(0,1fr)}body{padding:10px}
td.mark{width:auto}}
@media (max-width:600px){table.diffs thead{display:none}
table.diffs,table.diffs tbody,table.diffs tr,table.diffs td{display:block;width:100%}
table.diffs tr{border:1px solid #d0d7de;border-radius:6px;margin:0 0 8px}table.diffs td{border:0;padding:2px 8px}
table.diffs td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#57606a;
font-family:system-ui,sans-serif}table.diffs td:empty{display:none}}
@media print{body{max-width:none;padding:0;font-size:11px}code,pre,.mono{font-size:10px}
.sides,.summary{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}h2{break-after:avoid}
table,pre,.card{break-inside:avoid}tr.differs td,tr.culprit td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _e(text: object) -> str:
    return html.escape(_visible(str(text)), quote=True)


def _outcome_html(c: Capture) -> str:
    return f'<span class="{"ok" if c.accepted else "bad"}">{_e(c.outcome)}</span>'


def _diff_table_html(items: Sequence[Difference], la: str, lb: str, culprit: Sequence[Difference],
                     anchor: bool = False, causes: Sequence[tuple[Difference, ...]] = ()) -> str:
    numbered = len(causes) > 1  # independent causes: say which cause each row belongs to
    rows = []
    for d in items:
        cause = next((str(i) for i, group in enumerate(causes, 1) if d in group), "") if numbered else None
        guilty = d in culprit
        # The culprit table's first row is the anchor (#culprit-row): a link target and a test handle.
        cls = ' class="culprit" id="culprit-row"' if anchor and d == culprit[0] else ' class="culprit"' if guilty else ""
        note = f'<td class=note data-label="note">{_e(d.note)}</td>' if d.note else "<td class=note></td>"
        first = f'<td data-label="cause">{cause}</td>' if cause is not None else ""
        rows.append(f"<tr{cls}>{first}<td><b>{_e(d.label)}</b></td>"
                    f'<td class=mono data-label="GOOD {_e(la)}">{_e(_value(d.a))}</td>'
                    f'<td class=mono data-label="BAD {_e(lb)}">{_e(_value(d.b))}</td>{note}</tr>')
    return ('<div class="scroll"><table class="diffs"><thead><tr>' + ("<th>cause</th>" if numbered else "")
            + "<th>what</th>"
            f"<th>GOOD {_e(la)}</th><th>BAD {_e(lb)}</th><th>note</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _side_html(tag: str, c: Capture, label: str, r: Report, culprit: Sequence[Difference]) -> str:
    differs, guilty, response_differs, line_guilty, line_differs, status_differs = _marks(r, culprit)

    def row(text: str, cls: str, mark: str) -> str:
        attr = f' class="{cls}"' if cls else ""
        return f"<tr{attr}><td class=mark>{_e(mark)}</td><td class=mono>{_e(text)}</td></tr>"

    req = c.request
    lines = [row(f"{req.method} {req.target} {req.http_version}",
                 "culprit" if line_guilty else "differs" if line_differs else "",
                 "culprit" if line_guilty else "differs" if line_differs else "")]
    for k, v in req.headers:
        lk = k.lower()
        cls = "culprit" if lk in guilty else "differs" if lk in differs else ""
        lines.append(row(f"{k}: {v}", cls, cls))
    resp = []
    if c.response is None:
        resp.append(row(_response_text(c)[0], "differs" if status_differs else "", ""))
    else:
        s = c.response
        resp.append(row(f"{s.http_version} {s.status} {s.reason}".rstrip(), "differs" if status_differs else "",
                        "differs" if status_differs else ""))
        for k, v in s.headers:
            cls = "differs" if k.lower() in response_differs else ""
            resp.append(row(f"{k}: {v}", cls, cls))
        body = _response_text(c)[len(s.headers) + 2:] if s.body else []
        if body:
            resp.append(row("body: " + "\n".join(body), "", ""))
    after = "".join(f"<li class=mono>{_e(x)}</li>" for x in _after_101(c))
    table = '<div class="scroll"><table><tbody>{}</tbody></table></div>'
    return (f'<div class="side"><h3>{_e(tag)} {_e(label)}: {_outcome_html(c)}</h3>'
            f"<p class=mono>{_e(c.endpoint.url + c.request.target)}</p>"
            f"<h4>Request, in wire order</h4>{table.format(''.join(lines))}"
            f"<h4>Response (answered by {_e(responder(c))})</h4>{table.format(''.join(resp))}"
            f"<h4>After the 101</h4><ul>{after}</ul></div>")


def render_html(r: Report) -> str:
    """Return the report as one self-contained HTML document."""
    a, b = r.comparison.a, r.comparison.b
    la, lb = _label(a, r.names[0]), _label(b, r.names[1])
    culprit = _culprit(r)
    causes = _causes(r)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Belt and braces: even if something slipped in, the page may load nothing from anywhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(_headline(r))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(_headline(r))}</h1>",
        '<div class="summary">',
    ]
    for tag, c, label in (("GOOD", a, la), ("BAD", b, lb)):
        parts.append(f'<div class="card"><b>{tag} {_e(label)}</b>: {_outcome_html(c)}<br>'
                     f"<span class=mono>{_e(c.endpoint.url + c.request.target)}</span><br>"
                     f"<span class=note>answered by {_e(responder(c))}</span></div>")
    parts.append("</div>")
    if r.bisect is not None:
        reason, fix = _verdict_lines(r)
        parts.append("<h2 id=\"bisect\">What the live server says (bisect)</h2>")
        if culprit:
            parts.append(f"<h3>{_e(_culprit_title(r, causes))}</h3>"
                         + _diff_table_html(culprit, la, lb, culprit, anchor=True, causes=causes))
            hints: list[str] = []
            for d in culprit:
                hints.extend(h for h in d.hints if h not in hints)
            parts.extend(f'<p class="hint">{_e(h)}</p>' for h in hints)
            parts.append(f"<p>Confirmed: {_e(_confirmations(r.bisect))}</p>")
            if r.bisect.get("verdict") != "found":
                parts.append(f'<p class="verdict">{_e(reason)}.</p>')
        else:
            parts.append(f'<p class="verdict">No culprit: {_e(reason)}.</p>')
        if fix and culprit:
            parts.append(f'<p class="fix">{_e(fix)}</p>')
        search = _search_line(r.bisect)
        if search:
            parts.append(f"<p class=note>{_e(search)}.</p>")
    n = len(r.comparison.significant)
    parts.append(f'<h2 id="differences">What differs ({n} difference{"s" if n != 1 else ""}, noise aside)</h2>')
    if not n:
        parts.append("<p>No differences, noise aside.</p>")
    for heading, items, hints in _groups(r.comparison):
        parts.append(f"<h3>{_e(heading)}</h3>" + _diff_table_html(items, la, lb, culprit))
        parts.extend(f'<p class="hint">{_e(h)}</p>' for h in hints)
    parts.append('<h2 id="sides">Side by side</h2>'
                 "<p class=note>Rows marked <b>differs</b> differ between the two; <b>culprit</b> is what the "
                 "live server rejects.</p><div class=\"sides\">")
    parts.append(_side_html("GOOD", a, la, r, culprit) + _side_html("BAD", b, lb, r, culprit) + "</div>")
    parts.append('<h2 id="reproduce">Reproduce</h2>'
                 "<p class=note>Credentials are keyed fingerprints (<code>redacted:…</code>): put the real values "
                 "back, or run <code>wsdiff export --reveal-secrets</code> on the machine that recorded them.</p>")
    for title, _, text in _reproductions(r):
        parts.append(f"<h3>{_e(title)}</h3><pre>{_e(text)}</pre>")
    parts.append(f"<footer>Made with {_e(r.made or 'wsdiff')}. Redacted: secrets never leave the machine that "
                 "recorded them.</footer></body></html>")
    return "\n".join(parts) + "\n"


# --- Markdown ----------------------------------------------------------------------------

# Characters Markdown reads as syntax anywhere in a line (ASCII punctuation may be backslash-escaped).
_MD_ESCAPE = re.compile(r"[\\`*_\[\]|#~]")
_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _m(text: object) -> str:
    """Escape prose for Markdown: syntax characters, HTML, and GitHub's @mentions (a word joiner after @)."""
    out = _MD_ESCAPE.sub(lambda m: "\\" + m.group(), _visible(str(text)))
    out = re.sub(r"[<>&]", lambda m: _MD_ENTITIES[m.group()], out).replace("@", "@\u2060")
    return out.replace("\r", "").replace("\n", "<br>")


def _code(value: object) -> str:
    """A value as a code span: GitHub reads no mention, link, emoji or HTML inside one."""
    if value is None:
        return "_(absent)_"
    # A table row is one line (GFM 4.10): a line break in a value is shown as \r or \n, like \xNN.
    text = _visible(_value(value).replace("\r", "\\r").replace("\n", "\\n"))
    if not text.strip():
        return f"`{text!r}`"
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    tick = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    # In a table, a pipe ends the cell even inside a code span unless escaped (GFM 4.10).
    return f"{tick}{pad}{text.replace('|', chr(92) + '|')}{pad}{tick}"


def _fence(text: str, lang: str = "") -> str:
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, run + 1)
    return f"{fence}{lang}\n{_visible(text)}\n{fence}"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _md_diffs(items: Sequence[Difference], la: str, lb: str, culprit: Sequence[Difference],
              causes: Sequence[tuple[Difference, ...]] = ()) -> str:
    numbered = len(causes) > 1
    rows = []
    for d in items:
        what = f"**{_m(d.label)}** (culprit)" if d in culprit else _m(d.label)
        row = [what, _code(d.a), _code(d.b), _m(d.note)]
        if numbered:
            row.insert(0, next((str(i) for i, group in enumerate(causes, 1) if d in group), ""))
        rows.append(row)
    return _md_table((["cause"] if numbered else []) + ["what", f"GOOD {_m(la)}", f"BAD {_m(lb)}", "note"], rows)


def render_markdown(r: Report) -> str:
    """Return the report as GitHub-flavoured Markdown (for an issue or a pull request)."""
    a, b = r.comparison.a, r.comparison.b
    la, lb = _label(a, r.names[0]), _label(b, r.names[1])
    culprit = _culprit(r)
    out = [f"## {_m(_headline(r))}", ""]
    out.append(_md_table(["", f"GOOD {_m(la)}", f"BAD {_m(lb)}"], [
        ["URL", _code(a.endpoint.url + a.request.target), _code(b.endpoint.url + b.request.target)],
        ["answer", _m(a.outcome), _m(b.outcome)],
        ["answered by", _m(responder(a)), _m(responder(b))],
        ["after the 101", _m("; ".join(_after_101(a)[:1])), _m("; ".join(_after_101(b)[:1]))],
    ]))
    if r.bisect is not None:
        reason, fix = _verdict_lines(r)
        causes = _causes(r)
        out += ["", "### What the live server says (bisect)", ""]
        if culprit:
            out += [f"**{_m(_culprit_title(r, causes))}**", "", _md_diffs(culprit, la, lb, culprit, causes)]
            hints: list[str] = []
            for d in culprit:
                hints.extend(h for h in d.hints if h not in hints)
            out += [""] + [f"> hint: {_m(h)}" for h in hints]
            out += ["", f"Confirmed: {_m(_confirmations(r.bisect))}"]
            if r.bisect.get("verdict") != "found":
                out += ["", f"{_m(reason)}."]
            if fix:
                out += ["", f"**{_m(fix)}**"]
        else:
            out.append(f"No culprit: {_m(reason)}.")
        search = _search_line(r.bisect)
        if search:
            out += ["", f"_{_m(search)}._"]
    n = len(r.comparison.significant)
    out += ["", f"### What differs ({n} difference{'s' if n != 1 else ''}, noise aside)"]
    for heading, items, hints in _groups(r.comparison):
        out += ["", f"**{_m(heading)}**", "", _md_diffs(items, la, lb, culprit)]
        out += [""] + [f"> hint: {_m(h)}" for h in hints] if hints else []
    out += ["", "<details><summary>Full request and response headers, in wire order</summary>", ""]
    for tag, c, label in (("GOOD", a, la), ("BAD", b, lb)):
        out += [f"{tag} {_m(label)}:", "", _fence("\n".join(_request_text(c) + [""] + _response_text(c)), "http"),
                "", "After the 101:", "", _fence("\n".join(_after_101(c))), ""]
    out += ["</details>", "", "<details><summary>Reproduce (curl, python)</summary>", "",
            "Credentials are keyed fingerprints (redacted:…): put the real values back, or run "
            "`wsdiff export --reveal-secrets` on the machine that recorded them.", ""]
    for title, lang, text in _reproductions(r):
        out += [_m(title) + ":", "", _fence(text, lang), ""]
    out += ["</details>", "", f"<sub>Made with {_m(r.made or 'wsdiff')}. Redacted: secrets never leave the machine "
            "that recorded them.</sub>", ""]
    return "\n".join(out)


_RENDERERS: dict[str, Callable[[Report], str]] = {"html": render_html, "md": render_markdown}


def render(r: Report, fmt: str) -> str:
    """Return the report in *fmt* (``html`` or ``md``).

    Raises:
        ReportError: an unknown format, or a bisect result that does not match the pair.
    """
    if fmt not in _RENDERERS:
        raise ReportError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}")
    return _RENDERERS[fmt](r)
