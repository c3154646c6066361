"""Terminal views (rich) of comparisons, replays and bisect results. An edge: it only renders."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .diff import GROUPS, Comparison

__all__ = ["render_comparison", "format_value"]


def format_value(value: Any) -> Text:
    """Render one side of a difference: absent, a value, or a repeated header's values."""
    if value is None:
        return Text("(absent)", style="dim")
    if isinstance(value, list):
        return Text("\n".join(str(v) for v in value) or "(empty)")
    if value == "":
        return Text('""', style="dim")
    return Text(str(value))


def _label(c: Any, fallback: str) -> str:
    return c.label or fallback


def render_comparison(comparison: Comparison, *, show_all: bool = False, names: tuple[str, str] = ("A", "B")) -> Group:
    """Return a renderable: headline, one table per group, hints under their group."""
    a, b = comparison.a, comparison.b
    la, lb = _label(a, names[0]), _label(b, names[1])
    parts: list[Any] = []
    for tag, c, label in (("A", a, la), ("B", b, lb)):
        style = "green" if c.accepted else "red"
        parts.append(Text.assemble((f"{tag} {label}: ", "bold"), (c.outcome, style),
                                   f"  {c.endpoint.url}{c.request.target}"))
    shown = comparison.visible(show_all)
    if not comparison.significant:
        parts.append(Text("\nNo differences" + (" (noise aside)" if comparison.noise else "") + ".", style="bold green"))
    for group, heading in GROUPS.items():
        items = [d for d in shown if d.group == group]
        if not items:
            continue
        table = Table(title=heading, title_justify="left", title_style="bold cyan", show_lines=False,
                      expand=False, header_style="dim")
        table.add_column("what")
        table.add_column(f"A {la}", overflow="fold")
        table.add_column(f"B {lb}", overflow="fold")
        table.add_column("note", style="dim", overflow="fold")
        for d in items:
            what = Text(d.label, style="dim" if d.noise else "")
            table.add_row(what, format_value(d.a), format_value(d.b), d.note)
        parts.append(Text(""))
        parts.append(table)
        seen: list[str] = []
        for d in items:
            seen.extend(h for h in d.hints if h not in seen)
        for h in seen:
            parts.append(Text.assemble(("  hint: ", "yellow bold"), (h, "yellow")))
    hidden = len(comparison.noise) if not show_all else 0
    n = len(comparison.significant)
    tail = f"\n{n} difference{'s' if n != 1 else ''}"
    if hidden:
        tail += f"; {hidden} noisy one{'s' if hidden != 1 else ''} hidden (--all shows them)"
    parts.append(Text(tail + ".", style="bold"))
    return Group(*parts)


def console(**kwargs: Any) -> Console:
    """A console for stdout that keeps colour off when not on a terminal."""
    return Console(highlight=False, soft_wrap=False, **kwargs)


