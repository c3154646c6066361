"""The ``wsdiff`` command line: thin commands over the library.

Exit status, like diff(1): 0 no differences (or success), 1 differences (or
a rejection where one was not expected), 2 trouble (bad input, bad usage).
Heavy modules (mitmproxy, aiohttp, uvicorn, rich) are imported inside the
commands that need them, so ``wsdiff compare`` starts fast.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from .errors import WsdiffError

EXIT_CODES = "Exit status: 0 no differences, 1 differences, 2 trouble (bad input or usage)."


class WsdiffGroup(click.Group):
    """A click group that turns WsdiffError into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WsdiffError as e:
            _fail(str(e))
        except KeyboardInterrupt:
            click.echo("wsdiff: interrupted", err=True)
            sys.exit(130)


def _fail(message: str) -> NoReturn:
    click.echo(f"wsdiff: error: {message}", err=True)
    sys.exit(2)


def _print_json(obj: object) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


@click.group(cls=WsdiffGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wsdiff")
def cli() -> None:
    """Find out why one WebSocket client is accepted and another gets HTTP 403.

    \b
    Record handshakes:  mitmdump -s addons/record.py   (or: wsdiff record -- CMD)
    Compare two:        wsdiff compare working.json failing.json
    Ask the server:     wsdiff replay failing.json --variant drop-origin
    Find the culprit:   wsdiff bisect working.json failing.json
    The whole story:    wsdiff demo

    A CAPTURE is a wsdiff JSON file, a HAR file or a mitmproxy flow file;
    FILE#N picks the Nth WebSocket upgrade attempt in a file that holds several.
    """


@cli.command()
@click.argument("captures", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the parsed capture documents as JSON.")
def show(captures: tuple[str, ...], as_json: bool) -> None:
    """Summarise captures: where, what was sent, what came back.

    Exit status: 0 shown, 2 a file could not be read.
    """
    from .document import build_document
    from .files import load_capture
    from .render import summary_lines

    loaded = [(spec, load_capture(spec)) for spec in captures]
    if as_json:
        _print_json([build_document(c) for _, c in loaded])
        return
    for spec, capture in loaded:
        for line in summary_lines(capture, spec):
            click.echo(line)


def _local_key() -> bytes | None:
    """The local secret store's fingerprint key, if this machine has recorded anything."""
    from .secrets import SecretStore

    store = SecretStore()
    try:
        return store.key_file.read_bytes() or None
    except OSError:
        return None


@cli.command(epilog=EXIT_CODES)
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option("--all", "show_all", is_flag=True, help="Also show noise (Sec-WebSocket-Key, Date, timing, ids).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document with a 'differences' list.")
def compare(a: str, b: str, show_all: bool, as_json: bool) -> None:
    """Show what differs between two handshake attempts A and B, grouped by meaning.

    Credentials are shown only by fingerprint. Hints name known causes of a
    rejection where a difference matches one.
    """
    from .diff import compare as compare_captures
    from .files import load_capture

    comparison = compare_captures(load_capture(a), load_capture(b), key=_local_key())
    if as_json:
        _print_json(comparison.to_json(show_all))
    else:
        from .view import console, render_comparison

        console().print(render_comparison(comparison, show_all=show_all, names=(a, b)))
    sys.exit(1 if comparison.significant else 0)


def main() -> None:
    """Run the CLI (the ``wsdiff`` console script)."""
    cli(prog_name="wsdiff")

