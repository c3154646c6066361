"""Terminal views of captures, comparisons, replays and bisect results. An edge: it only renders.

``summary_lines`` is plain text; the rest are rich renderables (rich is
imported here, so only commands that print tables pay for it).

Capture text is never markup and never reaches the terminal raw: every
string from a capture or a server goes into a ``Text`` (not parsed for
markup) after :func:`wsdiff.export.printable` has escaped its control
characters, and each value shown is cut at DISPLAY_LIMIT characters with a
note of how much was not shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .difference import GROUPS, Comparison, Difference
from .export import printable
from .model import Capture
from .verdict import BisectReport, VariantRow

if TYPE_CHECKING:  # triage is heavy to import and only its own command needs it
    from .triage import Triage

__all__ = ["summary_lines", "render_comparison", "render_rows", "render_bisect", "format_value", "console",
           "shown", "DISPLAY_LIMIT", "triage_lines"]

DISPLAY_LIMIT = 2000
"""Characters of one value shown in a terminal view; the rest is counted in a note."""
ROW_LIMIT = 200
"""Differences shown per group in the terminal (rich takes about a millisecond a row); --json lists them all."""


def shown(value: object, limit: int = DISPLAY_LIMIT) -> str:
    """Return *value* as terminal-safe text, cut at *limit* characters with a note of what was cut."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters not shown)"
    return printable(text)


def _text(value: object, style: str = "") -> Text:
    return Text(shown(value), style=style)


def format_value(value: Any, *, inline: bool = False) -> Text:
    """Render one side of a difference: absent, a value, or a list (one per line unless *inline*)."""
    if value is None:
        return Text("(absent)", style="dim")
    if isinstance(value, list):
        items = [shown(v) for v in value[:200]]
        if len(value) > 200:
            items.append(f"... ({len(value) - 200} more not shown)")
        return Text((", " if inline else "\n").join(items) or "(empty)")
    if value == "":
        return Text('""', style="dim")
    return _text(value)


def _label(c: Capture, fallback: str) -> str:
    return shown(c.label or fallback, 80)


def render_comparison(comparison: Comparison, *, show_all: bool = False, names: tuple[str, str] = ("A", "B")) -> Group:
    """Return a renderable: headline, one table per group, hints under their group."""
    a, b = comparison.a, comparison.b
    la, lb = _label(a, names[0]), _label(b, names[1])
    parts: list[Any] = []
    for tag, c, label in (("A", a, la), ("B", b, lb)):
        style = "green" if c.accepted else "red"
        parts.append(Text.assemble((f"{tag} {label}: ", "bold"), (shown(c.outcome, 200), style),
                                   f"  {shown(c.endpoint.url + c.request.target)}"))
    visible = comparison.visible(show_all)
    if not comparison.significant:
        parts.append(Text("\nNo differences" + (" (noise aside)" if comparison.noise else "") + ".", style="bold green"))
    for group, heading in GROUPS.items():
        items = [d for d in visible if d.group == group]
        if not items:
            continue
        table = Table(title=heading, title_justify="left", title_style="bold cyan", show_lines=False,
                      expand=False, header_style="dim")
        table.add_column("what")
        table.add_column(Text(f"A {la}"), overflow="fold")
        table.add_column(Text(f"B {lb}"), overflow="fold")
        table.add_column("note", style="dim", overflow="fold")
        for d in items[:ROW_LIMIT]:
            what = _text(d.label, style="dim" if d.noise else "")
            inline = d.kind.endswith("-order")
            table.add_row(what, format_value(d.a, inline=inline), format_value(d.b, inline=inline), _text(d.note))
        parts.append(Text(""))
        parts.append(table)
        if len(items) > ROW_LIMIT:
            parts.append(Text(f"  ... and {len(items) - ROW_LIMIT} more in this group, not shown (--json lists "
                              "them all)", style="dim"))
        seen: list[str] = []
        for d in items:
            seen.extend(h for h in d.hints if h not in seen)
        for h in seen:
            parts.append(Text.assemble(("  hint: ", "yellow bold"), (printable(h), "yellow")))
    hidden = len(comparison.noise) if not show_all else 0
    n = len(comparison.significant)
    tail = f"\n{n} difference{'s' if n != 1 else ''}"
    if hidden:
        tail += f"; {hidden} noisy one{'s' if hidden != 1 else ''} hidden (--all shows them)"
    parts.append(Text(tail + ".", style="bold"))
    return Group(*parts)


def console(**kwargs: Any) -> Console:
    """A console for stdout that keeps colour off when not on a terminal, and reads no markup or emoji codes."""
    return Console(highlight=False, soft_wrap=False, markup=False, emoji=False, **kwargs)




def _verdict(accepted: bool) -> Text:
    return Text("accepted", style="green") if accepted else Text("rejected", style="red")


def render_rows(rows: Sequence[VariantRow], *, title: str) -> Table:
    """A table with one row per variant: what changed, what the server answered, the verdict."""
    table = Table(title=Text(shown(title, 400)), title_justify="left", title_style="bold")
    table.add_column("variant")
    table.add_column("changed", style="dim", overflow="fold")
    table.add_column("server answered", overflow="fold")
    table.add_column("verdict")
    for r in rows:
        table.add_row(_text(r.name), _text(r.description), _text(r.result.outcome), _verdict(r.accepted))
    return table


def _good_bad(title: str, style: str, differences: Sequence[Difference], names: tuple[str, str]) -> Table:
    """A table of differences with GOOD's and BAD's values side by side (the message a close followed)."""
    table = Table(title=title, title_justify="left", title_style=style)
    table.add_column("what")
    table.add_column(Text(f"GOOD {shown(names[0], 80)}"), overflow="fold")
    table.add_column(Text(f"BAD {shown(names[1], 80)}"), overflow="fold")
    for d in differences:
        table.add_row(_text(d.label), format_value(d.a), format_value(d.b))
    return table


def render_bisect(report: BisectReport, *, names: tuple[str, str] = ("GOOD", "BAD")) -> Group:
    """The bisect story: baselines with their counts, every cause with its hints, confirmations, the fix."""
    r = report.result
    # The captures' labels, as compare shows them; the names (file paths) only when a capture has none.
    names = (_label(report.comparison.a, names[0]), _label(report.comparison.b, names[1]))
    parts: list[Any] = []
    counts = report.answers()
    for base, name in (("good", names[0]), ("bad", names[1])):
        sample = report.samples.get(base)
        tally = counts[base]
        seen = f"  [{tally}]" if tally is not None and tally.total else ""
        parts.append(Text.assemble((f"{base.upper()} {shown(name, 200)}: ", "bold"),
                                   shown(sample.outcome, 400) if sample else "not replayed", seen))
    parts.append(Text(f"{len(report.candidates)} difference(s) to search; {r.probes} probes in {r.rounds} rounds.",
                      style="dim"))
    if not report.causes:
        cause = report.after_101
        lead = "No culprit in the handshake" if cause is not None else "No culprit"
        parts.append(Text(f"\n{lead}: {shown(report.reason())}.", style="bold yellow"))
        if cause is not None and cause.differences:
            parts += [Text(""), _good_bad(f"Message {cause.position}, GOOD vs BAD", "bold", cause.differences, names)]
        return Group(*parts)
    causes = report.causes
    if len(causes) == 1:
        title = "Culprit" if len(causes[0]) == 1 else "Culprits (they fail only together)"
    else:
        title = f"{len(causes)} independent causes, each enough for a rejection alone (BAD must change all)"
    if r.verdict != "found":
        title = "Found so far (not the whole story)"
    table = Table(title=title, title_justify="left", title_style="bold red")
    if len(causes) > 1:
        table.add_column("cause")
    table.add_column("what")
    table.add_column(Text(f"GOOD {shown(names[0], 80)}"), overflow="fold")
    table.add_column(Text(f"BAD {shown(names[1], 80)}"), overflow="fold")
    for number, group in enumerate(causes, 1):
        for d in group:
            row = [_text(d.label), format_value(d.a), format_value(d.b)]
            table.add_row(*([Text(str(number))] + row if len(causes) > 1 else row))
    parts += [Text(""), table]
    hints: list[str] = []
    for d in report.culprit:
        hints.extend(h for h in d.hints if h not in hints)
    parts.extend(Text.assemble(("  hint: ", "yellow bold"), (printable(h), "yellow")) for h in hints)
    yes = {True: "yes", False: "NO", None: "not asked"}
    plus, minus = counts["good_plus_culprit"], counts["bad_minus_culprit"]
    parts.append(Text(f"Confirmed: GOOD + culprit is rejected: {yes[r.confirmed_good_plus]}"
                      + (f" ({plus})" if plus and plus.total else "")
                      + f"; BAD - culprit is accepted: {yes[r.confirmed_bad_minus]}"
                      + (f" ({minus})" if minus and minus.total else "") + "."))
    if r.verdict != "found":
        parts.append(Text(f"Not complete: {shown(report.reason())}.", style="bold yellow"))
        return Group(*parts)
    parts.append(Text(shown(report.fix), style="bold green"))
    return Group(*parts)


def summary_lines(capture: Capture, source: str = "") -> list[str]:
    """Return a short human summary of one capture, one fact per line (terminal-safe, long values cut)."""
    def cut(value: object) -> str:
        text = str(value)
        return text if len(text) <= DISPLAY_LIMIT else (
            f"{text[:DISPLAY_LIMIT]}... ({len(text) - DISPLAY_LIMIT} more characters not shown)")

    req = capture.request
    head = f"{source}: " if source else ""
    label = f" [{cut(capture.label)}]" if capture.label else ""
    lines = [f"{head}{cut(capture.outcome)}{label}  {cut(capture.endpoint.url + req.target)}"]
    lines.append(f"  > {cut(req.method)} {cut(req.target)} {cut(req.http_version)}")
    lines.extend(f"  > {cut(name)}: {cut(value)}" for name, value in req.headers)
    if capture.response is not None:
        resp = capture.response
        lines.append(f"  < {cut(resp.http_version)} {resp.status} {cut(resp.reason)}".rstrip())
        lines.extend(f"  < {cut(name)}: {cut(value)}" for name, value in resp.headers)
        if resp.body:
            body = resp.body[:200].decode("utf-8", "replace")
            more = " ..." if resp.body_truncated or len(resp.body) > 200 else ""
            lines.append(f"  < (body) {body!r}{more}")
    if capture.error is not None:
        lines.append(f"  ! {capture.error.kind}: {cut(capture.error.message)}")
    ws = capture.websocket
    if ws is not None:
        if ws.state == "closed":
            code = "no close frame" if ws.close_code is None else f"code {ws.close_code}"
            reason = f" {cut(ws.close_reason)!r}" if ws.close_reason else ""
            after = f" after {ws.duration:.3f} s" if ws.duration is not None else ""
            lines.append(f"  = closed by {ws.closed_by or 'unknown'}, {code}{reason}{after}")
        else:
            lines.append(f"  = still open ({ws.state})")
        for m in ws.messages:
            arrow = "<-" if m.direction == "server" else "->"
            preview = m.head[:80].decode("utf-8", "replace") if m.type == "text" else m.head[:16].hex()
            lines.append(f"  {arrow} {m.type} {m.size} B at {m.at:.3f} s: {preview}")
    return [printable(line) for line in lines]


def triage_lines(result: Triage) -> list[str]:
    """Return the explanation as lines of text: per group, the findings with counts, then the unexplained.

    Every line is made terminal-safe at the end, as :func:`summary_lines` does.
    """
    lines: list[str] = []
    for g in result.groups:
        if lines:
            lines.append("")
        extra = f", {g.unanswered} unanswered" if g.unanswered else ""
        lines.append(f"{g.endpoint}: {g.attempts} attempts, {g.accepted} accepted, {g.rejected} rejected"
                     + extra)
        for n, f in enumerate(g.findings, 1):
            lines.append(f"  {n}. rejected when {f.condition}: {f.counts}"
                         + (f" ({f.explained_alone} by this alone)" if len(g.findings) > 1 else ""))
            for part, alt in f.indistinguishable:
                instead = f" in place of {f.parts[part].text}" if len(f.parts) > 1 else ""
                lines.append(f"     or equally when {alt.text}{instead} (always together in these attempts: "
                             "cannot tell apart)")
            if f.test:
                lines.append(f"     test: {f.test_command}")
        if g.note:
            lines.append(f"  {g.note}.")
        if g.rejected and g.explained:
            lines.append("  Every rejection is explained.")
        elif g.rejected:
            lines.append(f"  Unexplained: {g.unexplained_attempts} rejected attempt(s), for example:")
            for u in g.unexplained[:5]:
                more = f" (and {u.attempts - 1} like it)" if u.attempts > 1 else ""
                lines.append(f"     {u.source}{more}")
                if u.test:
                    lines.append(f"       test: {u.test_command}")
        if g.exception_attempts:
            examples = ", ".join(e.source for e in g.exceptions[:3])
            lines.append(f"  Exceptions: {g.exception_attempts} accepted attempt(s) match a condition, e.g. {examples}")
        if g.untracked:
            lines.append(f"  Left out to bound memory (the least informative): {', '.join(g.untracked[:5])}"
                         + (" ..." if len(g.untracked) > 5 else ""))
    return [printable(line) for line in lines]
