"""The ``wsdiff`` command line: thin commands over the library.

Exit status, like diff(1): 0 no differences (or success), 1 differences (or
a rejection where one was not expected), 2 trouble (bad input, bad usage, a
server that cannot be reached at all).
Heavy modules (mitmproxy, aiohttp, uvicorn, rich) are imported inside the
commands that need them, so ``wsdiff compare`` starts fast.

Safe to share: every capture a command reads is redacted as it is loaded,
whatever its format and whatever it says of itself, so every output
(tables, ``--json``, exports, error messages) shows fingerprints, never
secrets; a live server's answer is redacted before it is printed, and every
string printed has its control characters escaped. ``--reveal-secrets``
(show, export) puts back only secrets that were in the input or are bound
to its endpoint; replay and bisect restore a secret only where it was
recorded, or at a host named with ``--allow-secrets-to``.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .errors import WsdiffError

if TYPE_CHECKING:
    from .model import Capture
    from .redact import Secret

EXIT_CODES = "Exit status: 0 no differences, 1 differences, 2 trouble (bad input or usage)."
JSON_VALUE_LIMIT = 16384
"""Characters of one difference value in ``compare --json``; the rest is counted under ``cut``."""


class WsdiffGroup(click.Group):
    """A click group that turns any trouble into one line on stderr and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WsdiffError as e:
            _fail(str(e))
        except KeyboardInterrupt:
            click.echo("wsdiff: interrupted", err=True)
            sys.exit(130)
        except click.ClickException as e:
            e.message = _safe_text(e.message)  # a usage error may quote a URL the user typed, token and all
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as e:  # a bug, or input no check foresaw: still one line and exit 2
            if os.environ.get("WSDIFF_DEBUG"):
                raise
            _fail(f"unexpected {type(e).__name__}: {e} (WSDIFF_DEBUG=1 shows the traceback)")


def _safe_text(message: str) -> str:
    """Return an error message with no credential, no control character and no more than 2,000 characters."""
    from .export import printable
    from .redact import redact_text, run_key

    return printable(redact_text(message, run_key()))[:2000]


def _fail(message: str) -> NoReturn:
    # An error may quote a value from a capture or a URL: no secret, no escape sequence, one line.
    click.echo(f"wsdiff: error: {_safe_text(message)}", err=True)
    sys.exit(2)


def _print_json(obj: object) -> None:
    from .export import printable_json

    click.echo(printable_json(obj))


def _fingerprint_key() -> tuple[bytes, bool]:
    """Return the key to fingerprint clear values with, and whether it is made for this run only.

    The local store's key when this machine has one, so that fingerprints
    match those of captures it recorded; otherwise a random key for this
    run (a fixed key would let anyone test guesses of a short secret).
    """
    from .redact import run_key
    from .secrets import SecretStore

    key = SecretStore().existing_key()
    return (key, False) if key is not None else (run_key(), True)


def _known_values() -> tuple[str, ...]:
    """The secret values this machine's store holds: swept from every capture loaded, wherever they sit."""
    from .secrets import SecretStore

    store = SecretStore()
    if store.path not in _KNOWN:
        try:
            _KNOWN[store.path] = tuple(s.value for s in store.load().values() if s.value)
        except (OSError, WsdiffError):
            _KNOWN[store.path] = ()  # a store that cannot be read is reported where it is needed
    return _KNOWN[store.path]


_KNOWN: dict[Path, tuple[str, ...]] = {}


def _redacted(capture: Capture, key: bytes) -> tuple[Capture, dict[str, Secret]]:
    """*capture* redacted by every rule and, beyond them, of every secret the local store knows."""
    from .redact import redact_capture

    return redact_capture(capture, key, known=_known_values())


def _load(spec: str, key: bytes) -> tuple[Capture, dict[str, Secret]]:
    """Load a capture (any format) redacted, with the secrets that were in it, bound to its endpoint."""
    from .files import load_capture

    return _redacted(load_capture(spec), key)


def _named_folder(directory: str | None) -> str | None:
    """Return the folder given with --dir, checked: a missing one is a mistyped name, not an empty folder."""
    if directory is None:
        return None
    if not os.path.exists(directory):
        raise WsdiffError(f"no such folder: {directory}")
    if not os.path.isdir(directory):
        raise WsdiffError(f"not a folder: {directory}")
    return directory


def _stored_secrets(*found: dict[str, Secret]) -> dict[str, Secret]:
    """The local store's secrets joined with those found in the inputs."""
    from .redact import merge_secrets
    from .secrets import SecretStore

    return merge_secrets(SecretStore().load(), *found)


def _allowed_hosts(values: tuple[str, ...]) -> tuple[str, ...]:
    from .redact import parse_allowed_host

    out = []
    for v in values:
        try:
            out.append(parse_allowed_host(v))
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--allow-secrets-to") from None
    return tuple(out)


_ALLOW_HELP = ("Let secrets from this machine's store go to HOST (or HOST:PORT) even where they were not recorded "
               "(repeatable). Without it a secret goes only to the endpoint and place it was recorded at.")


@contextmanager
def _json_trouble(as_json: bool) -> Iterator[None]:
    """Under --json, also print trouble as ``{"error": {"kind", "message", ...}}`` on stdout (exit 2 as ever)."""
    try:
        yield
    except WsdiffError as e:
        if as_json:
            from .errors import CaptureError, SecretError, UnreachableError, VariantError

            if isinstance(e, UnreachableError):
                error: dict[str, str] = e.to_json()
            else:
                kinds = ((CaptureError, "capture"), (SecretError, "secret"), (VariantError, "variant"))
                error = {"kind": next((k for cls, k in kinds if isinstance(e, cls)), "trouble"), "message": str(e)}
            # The message may quote a URL or a value: redacted, like the line on stderr.
            error = {k: _safe_text(v) if k == "message" else v for k, v in error.items()}
            _print_json({"error": error})
        raise


@click.group(cls=WsdiffGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wsdiff")
def cli() -> None:
    """Find out why one WebSocket client is accepted and another gets HTTP 403.

    \b
    Record each client:  wsdiff record --label working -- python working.py
                         wsdiff record --label failing -- python failing.py
                         (or run a proxy: mitmdump -s "$(wsdiff addon)")
    Explain the 403:     wsdiff why      (picks the pair in captures/, asks the server)
    Share it:            wsdiff report -o report.html
    Step by step:        wsdiff compare A B; wsdiff replay B --variant drop-origin;
                         wsdiff bisect A B
    Many attempts:       wsdiff triage captures/   (what the rejected ones share)
    The whole story:     wsdiff demo

    A CAPTURE is a wsdiff JSON file, a HAR file or a mitmproxy flow file;
    FILE#N picks the Nth WebSocket upgrade attempt in a file that holds several.
    """


@cli.command()
@click.argument("captures", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the parsed capture documents as JSON.")
@click.option("--reveal-secrets", is_flag=True,
              help="Show the credentials in clear: those in the file itself, and those in this machine's store "
              "that were recorded at the capture's endpoint, in the same place.")
def show(captures: tuple[str, ...], as_json: bool, reveal_secrets: bool) -> None:
    """Summarise captures: where, what was sent, what came back (credentials as fingerprints).

    Exit status: 0 shown, 2 a file could not be read.
    """
    from .document import build_document
    from .files import load_each

    key, _ = _fingerprint_key()
    loaded = []
    # A file with several attempts and no #N: each of them, named FILE#1 .. FILE#N.
    for spec, whole in (each for named in captures for each in load_each(named)):
        cap, found = _redacted(whole, key)
        if reveal_secrets:
            from .redact import reveal_capture

            cap = reveal_capture(cap, _stored_secrets(found))
        loaded.append((spec, cap))
    if as_json:
        _print_json([build_document(c) for _, c in loaded])
        return
    from .view import summary_lines

    for spec, capture in loaded:
        for line in summary_lines(capture, spec):
            click.echo(line)


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

    key, this_run = _fingerprint_key()
    comparison = compare_captures(_load(a, key)[0], _load(b, key)[0], key=key)
    note = ("no local secret store: the fingerprints of clear values use a key made for this run, so they match "
            "only within this run" if this_run else "")
    if as_json:
        doc = comparison.to_json(show_all)
        doc["fingerprints"] = "this run only" if this_run else "local store key"
        _cap_values(doc["differences"])
        _print_json(doc)
    else:
        from rich.text import Text

        from .redact import FINGERPRINT_RE
        from .view import console, render_comparison

        out = console()
        out.print(render_comparison(comparison, show_all=show_all, names=(a, b)))
        if note and any(FINGERPRINT_RE.search(repr((d.a, d.b))) for d in comparison.visible(show_all)):
            out.print(Text(f"({note}.)", style="dim"))
    sys.exit(1 if comparison.significant else 0)


def _cap_values(differences: list[dict[str, Any]]) -> None:
    """Cut each value of ``compare --json`` at JSON_VALUE_LIMIT characters, counting what was cut under ``cut``."""
    for d in differences:
        cut: dict[str, int] = {}
        for side in ("a", "b"):
            value = d.get(side)
            if isinstance(value, str) and len(value) > JSON_VALUE_LIMIT:
                d[side], cut[side] = value[:JSON_VALUE_LIMIT], len(value) - JSON_VALUE_LIMIT
            elif isinstance(value, list):
                total = 0
                items = []
                for item in value:
                    if isinstance(item, str) and len(item) > JSON_VALUE_LIMIT:
                        total += len(item) - JSON_VALUE_LIMIT
                        item = item[:JSON_VALUE_LIMIT]
                    items.append(item)
                d[side] = items
                if total:
                    cut[side] = total
        if cut:
            d["cut"] = cut


def _probe_options(f: Any) -> Any:
    """Options shared by replay and bisect: where and how probes are sent, and how they are judged."""
    options = [
        click.option("--target", metavar="URL", help="Send to this ws:// or wss:// URL instead of the capture's endpoint "
                     "(the request, Host included, is not rewritten)."),
        click.option("--proxy", metavar="URL", help="Send through this HTTP proxy (CONNECT), e.g. a recording mitmdump."),
        click.option("--insecure", is_flag=True, help="Do not verify the server's TLS certificate."),
        click.option("--ca", type=click.Path(exists=True, dir_okay=False), help="Trust this CA file (PEM) for wss://."),
        click.option("--timeout", type=click.FloatRange(0.1, 120), default=10.0, show_default=True,
                     help="Seconds to connect, and again for the answer."),
        click.option("--window", type=click.FloatRange(0, 30), default=1.0, show_default=True,
                     help="Seconds to watch an accepted connection for a first message or a close."),
        click.option("--keep-key", is_flag=True, help="Send the recorded Sec-WebSocket-Key instead of a fresh one."),
        click.option("--no-messages", is_flag=True, help="After a 101, send none of the client's recorded messages "
                     "(by default they go out in order, each once the server has sent what it had sent before it in the "
                     "recording, at most 2 s, then after its recorded gap, at most 1 s)."),
        click.option("--concurrency", type=click.IntRange(1, 32), default=4, show_default=True,
                     help="Probes in flight at once."),
        click.option("--missing-secrets", type=click.Choice(["stop", "drop"]), default="stop", show_default=True,
                     help="When the local secret store lacks a redacted value: stop, or drop that credential "
                     "and go on (a fingerprint is never sent as the secret)."),
        click.option("--allow-secrets-to", "allow_secrets_to", multiple=True, metavar="HOST[:PORT]", help=_ALLOW_HELP),
        click.option("--oracle", type=click.Choice(["close", "status"]), default="close", show_default=True,
                     help="close: a 101 then a server close with a code other than 1000/1001 is a rejection; "
                     "status: only the status counts."),
        click.option("--expect-message", metavar="REGEX", help="Accepted only if the first server message matches."),
        click.option("--reject-message", metavar="REGEX", help="Rejected if a server message in the window matches "
                     "(any, not only the first: e.g. '^44' for a Socket.IO CONNECT_ERROR)."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _proxy_url(url: str | None) -> str | None:
    """Check a --proxy URL before anything is sent: a bad one is a usage error, not a rejection."""
    if url is None:
        return None
    from urllib.parse import urlsplit

    from .document import valid_host

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError as e:
        raise click.BadParameter(f"not a usable URL: {e}", param_hint="--proxy") from None
    # Userinfo is allowed (and never shown): only host and port of a proxy are ever named.
    if parts.scheme != "http" or not parts.hostname or not valid_host(parts.hostname):
        raise click.BadParameter("expected http://HOST:PORT (an HTTP proxy that tunnels with CONNECT)",
                                 param_hint="--proxy")
    return url


def _target(url: str | None) -> Any:
    if not url:
        return None
    from .document import valid_host
    from .errors import ReplayError
    from .probe import parse_target_url

    try:
        endpoint = parse_target_url(url)
    except ReplayError as e:
        raise click.BadParameter(str(e), param_hint="--target") from None
    if not valid_host(endpoint.host) or "@" in url.partition("://")[2].split("/")[0]:
        raise click.BadParameter("expected ws://HOST[:PORT] or wss://HOST[:PORT], with a host name or an address",
                                 param_hint="--target")
    return endpoint


def _settings(kw: dict[str, Any], secrets: dict[str, Secret]) -> Any:
    import re

    from .oracle import Oracle
    from .runner import Settings

    for name in ("expect_message", "reject_message"):
        if kw.get(name):
            try:
                re.compile(kw[name])
            except re.error as e:
                raise click.BadParameter(f"not a regular expression: {e}", param_hint=f"--{name.replace('_', '-')}")
    return Settings(
        target=_target(kw.get("target")),
        proxy=_proxy_url(kw.get("proxy")),
        insecure=kw["insecure"],
        ca=kw.get("ca"),
        timeout=kw["timeout"],
        window=kw["window"],
        keep_key=kw["keep_key"],
        concurrency=kw["concurrency"],
        secrets=secrets,
        drop_missing_secrets=kw["missing_secrets"] == "drop",
        allow_secrets_to=_allowed_hosts(kw.get("allow_secrets_to") or ()),
        oracle=Oracle(kw["oracle"], kw.get("expect_message"), kw.get("reject_message")),
        messages=not kw["no_messages"],
    )


REPLAY_EXIT = ("Exit status: 0 the handshake as recorded was accepted; 1 it was rejected (an error status, a close "
               "after the 101, or no answer in time); 2 trouble: bad input or usage, a missing secret, or a server "
               "that cannot be reached at all (nothing listens, the name does not resolve, TLS fails before any "
               "HTTP). With --json, trouble also prints {\"error\": {\"kind\", \"message\", ...}} on stdout.")


@cli.command(epilog=REPLAY_EXIT)
@click.argument("capture")
@click.option("--variant", "variants", multiple=True, metavar="NAME[=ARG]",
              help="Also send this variant (repeatable); 'all' tries every argument-free one that applies. "
              "See --list-variants.")
@click.option("--together", is_flag=True,
              help="Apply every --variant to one request and send it as one probe (e.g. --variant path=/v2 "
              "--variant set-header=X-Api-Version:2 --together), instead of one probe per variant.")
@click.option("--from", "other", metavar="OTHER", help="Also send the capture with each of OTHER's differences applied, one at a time.")
@click.option("--list-variants", is_flag=True, is_eager=True, expose_value=False, help="List the variants and exit.",
              callback=lambda ctx, _, v: _list_variants(ctx) if v else None)
@_probe_options
def replay(capture: str, variants: tuple[str, ...], together: bool, other: str | None, **kw: Any) -> None:
    """Send a recorded handshake (and variants of it) to the live endpoint; report what the server answered.

    The request goes out byte for byte as recorded (a fresh Sec-WebSocket-Key
    unless --keep-key), then, after a 101, the client's recorded messages
    (unless --no-messages); redacted credentials are restored from this
    machine's secret store. Each --variant is one probe; with --together they
    are all applied to one request, in the order given, and sent as one probe.
    """
    import asyncio

    from .runner import replay_from, replay_variants
    from .variants import all_variants, combine, parse_variant

    key, _ = _fingerprint_key()
    cap, found = _load(capture, key)
    other_cap, other_found = _load(other, key) if other else (None, {})
    chosen = []
    for spec in variants:
        chosen.extend(all_variants(cap.request) if spec == "all" else [parse_variant(spec)])
    if together:
        chosen = [combine(chosen)]
    chosen = [v.redacted(key) for v in chosen]  # names and descriptions are only printed: their secrets fingerprinted
    settings = _settings(kw, _stored_secrets(found, other_found))
    with _json_trouble(kw["as_json"]):
        rows = asyncio.run(replay_variants(cap, chosen, settings))
        if other_cap is not None:
            rows += asyncio.run(replay_from(cap, other_cap, settings, key=key))[1:]
    known = _known_secrets(settings.secrets, cap, other_cap)
    rows = [_redacted_row(r, key, known) for r in rows]
    if kw["as_json"]:
        _print_json({"capture": capture, "rows": [r.to_json() for r in rows]})
    else:
        from .view import console, render_rows

        console().print(render_rows(rows, title=f"{capture} ({cap.label or 'no label'}, recorded: {cap.outcome})"))
    sys.exit(0 if rows[0].accepted else 1)


def _known_secrets(secrets: dict[str, Secret], *captures: Capture | None) -> list[str]:
    """The secrets that replay restores from the captures (request and client messages): a server may echo them."""
    from .messages import client_messages
    from .redact import FINGERPRINT_RE, fingerprints_in

    fps = {fp for c in captures if c is not None for _, fp in fingerprints_in(c.request)}
    # Secrets restored into the client's messages are sent too, and an echo of them must not be printed.
    fps.update(m.group(0) for c in captures if c is not None for msg in client_messages(c)
               for m in FINGERPRINT_RE.finditer(msg.head.decode("utf-8", "surrogateescape")))
    return [secrets[fp].value for fp in fps if fp in secrets]


def _redacted_row(row: Any, key: bytes, known: list[str]) -> Any:
    """A replay row with the live server's answer, and the variant's text, redacted for printing."""
    from .redact import redact_result, redact_text
    from .verdict import VariantRow

    return VariantRow(redact_text(row.name, key), redact_text(row.description, key),
                      redact_result(row.result, key, known), row.accepted)


def _list_variants(ctx: click.Context) -> None:
    from .variants import CATALOGUE

    for name, (takes_arg, description, _) in CATALOGUE.items():
        arg = {"set-origin": "=URL", "set-header": "=NAME:VALUE", "path": "=PATH", "host": "=HOST",
               "drop-message": "=N", "drop-message-field": "=N:PATH", "set-message-field": "=N:PATH=VALUE"}.get(
            name, "=NAME" if takes_arg else "")
        click.echo(f"{name + arg:32} {description}")
    click.echo(f"{'all':32} every argument-free variant that changes the request")
    ctx.exit(0)


BISECT_EXIT = ("Exit status: 0 every cause was found and both confirmations hold (GOOD plus all of them is "
               "rejected, BAD minus all of them is accepted); 1 the search ended with something unexplained or "
               "unconfirmed (the verdict says what: good-rejected, bad-accepted, flaky, unexplained, not-confirmed, "
               "server-changed, no-differences); 2 trouble: bad input or usage, a missing secret, or a server that "
               "cannot be reached at all. With --json, trouble also prints {\"error\": {\"kind\", \"message\", "
               "...}} on stdout.")


@cli.command(epilog=BISECT_EXIT)
@click.argument("good")
@click.argument("bad")
@click.option("--repeats", type=click.IntRange(1, 10), default=2, show_default=True,
              help="Times each baseline (GOOD and BAD as recorded) is replayed before the search.")
@click.option("--confirm", type=click.IntRange(1, 10), default=3, show_default=True,
              help="Times each confirmation is asked (a cause alone rejected, BAD without the causes accepted). "
              "Each answer halves the odds of a false culprit against a server that answers at random.")
@_probe_options
def bisect(good: str, bad: str, repeats: int, confirm: int, **kw: Any) -> None:
    """Find every difference BAD must change to be accepted: each cause, as a group that fails together.

    Replays GOOD and BAD first; then applies subsets of BAD's differences to
    GOOD (delta debugging), in a number of probes that grows like log n.
    When BAD without the causes found is still rejected it searches again
    among the differences left, so independent causes are all found. Any
    answer that disagrees with the others or with what the search expects
    is asked again until it is clear; a server that answers the same
    request both ways ends the search as flaky, with the counts.
    """
    import asyncio
    import dataclasses

    from .redact import redact_result
    from .runner import bisect as run_bisect
    from .search import Policy

    key, _ = _fingerprint_key()
    (good_cap, good_found), (bad_cap, bad_found) = _load(good, key), _load(bad, key)
    # Each input's secrets are bound to its own endpoint: GOOD's never go to BAD's, unless they are one.
    settings = _settings(kw, _stored_secrets(good_found, bad_found))
    with _json_trouble(kw["as_json"]):
        report = asyncio.run(run_bisect(good_cap, bad_cap, settings, key=key,
                                        policy=Policy(repeats=repeats, confirm=confirm)))
    known = _known_secrets(settings.secrets, good_cap, bad_cap)
    report = dataclasses.replace(report, samples={k: redact_result(v, key, known) for k, v in report.samples.items()})
    if kw["as_json"]:
        _print_json(report.to_json())
    else:
        from .view import console, render_bisect

        console().print(render_bisect(report, names=(good, bad)))
    sys.exit(_bisect_status(report))
    sys.exit(_bisect_status(report))


def _bisect_status(report: Any) -> int:
    """bisect's exit status, which why shares: 0 every cause found and confirmed, 1 not."""
    return 0 if report.complete else 1


@cli.command(epilog="Exit status: as bisect (0 every cause found and confirmed, 1 not; see bisect --help); with "
             "--offline as compare (0 no differences, 1 differences); 2 trouble, or nothing to pair (it says what to "
             "record).")
@click.argument("failing", required=False, metavar="[FAILING]")
@click.option("--good", metavar="FILE", help="Compare with this accepted capture instead of choosing one.")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="The captures folder to choose from  [default: FAILING's folder, else captures]")
@click.option("--offline", is_flag=True, help="Only compare; send nothing to the server.")
@click.option("--repeats", type=click.IntRange(1, 10), default=2, show_default=True,
              help="Times each baseline (GOOD and BAD as recorded) is replayed before the search.")
@click.option("--confirm", type=click.IntRange(1, 10), default=3, show_default=True,
              help="Times each confirmation is asked, as bisect does.")
@_probe_options
def why(failing: str | None, good: str | None, directory: str | None, offline: bool, repeats: int, confirm: int,
        **kw: Any) -> None:
    """Explain the latest rejected attempt: pick the pair, compare it, ask the live server, name the culprit.

    \b
    With no FAILING, it takes the latest rejected attempt in the captures
    folder; with no --good, the accepted attempt that best matches it: the
    same endpoint first, then the closest path, then the fewest differences,
    then the most recent. It says which pair it chose and why, compares the
    two, then bisects them against the live server (as bisect does) and ends
    with the culprit and the fix. --json prints bisect's JSON (compare's with
    --offline) plus "good" and "bad", the files chosen.
    """
    import asyncio

    from .pairing import NoPairError
    from .search import Policy
    from .why import default_folder, explain, find_pair

    folder = _named_folder(directory) or str(default_folder(failing))
    key, _ = _fingerprint_key()
    try:
        pair = find_pair(folder, failing=failing, good=good, key=key, same_file=directory is None)
    except NoPairError as e:
        _no_pair(e, folder)
    pair, found = _redacted_pair(pair, key)
    settings = None if offline else _settings(kw, _stored_secrets(found))
    if not kw["as_json"]:
        click.echo(_safe_text(pair.why_bad))
        click.echo(_safe_text(pair.why_good))
    with _json_trouble(kw["as_json"]):
        result = asyncio.run(explain(pair, settings, policy=Policy(repeats=repeats, confirm=confirm), key=key))
    if result.report is not None and settings is not None:
        result = _redacted_why(result, key, _known_secrets(settings.secrets, pair.good.capture, pair.bad.capture))
    chosen = {"good": pair.good.name, "bad": pair.bad.name, "why": {"good": pair.why_good, "bad": pair.why_bad}}
    if kw["as_json"]:
        doc = result.report.to_json() if result.report is not None else result.comparison.to_json()
        _print_json({**doc, **chosen})
    else:
        from .view import console, render_bisect, render_comparison

        out = console()
        names = (pair.good.name, pair.bad.name)
        out.print(render_comparison(result.comparison, names=names))
        if result.report is not None:
            out.print()
            out.print(render_bisect(result.report, names=names))
        from .invocation import command_name

        args = [good, pair.bad.name] if good else [failing] if failing else []
        args += ["--dir", directory] if directory and not good else []
        args += [] if offline else ["--bisect"]
        click.echo()
        click.echo(_safe_text(f"To share it: {command_name()} report "
                              f"{' '.join(shlex.quote(a) for a in args + ['-o', 'report.html'])}"))
    if result.report is None:
        sys.exit(1 if result.comparison.significant else 0)
    sys.exit(_bisect_status(result.report))


def _redacted_pair(pair: Any, key: bytes) -> tuple[Any, dict[str, Secret]]:
    """The pair with both captures redacted as they would be loaded, and the secrets that were in them."""
    import dataclasses

    from .redact import merge_secrets

    good, found_good = _redacted(pair.good.capture, key)
    bad, found_bad = _redacted(pair.bad.capture, key)
    return (dataclasses.replace(pair, good=dataclasses.replace(pair.good, capture=good),
                                bad=dataclasses.replace(pair.bad, capture=bad)),
            merge_secrets(found_good, found_bad))


def _redacted_why(result: Any, key: bytes, known: list[str]) -> Any:
    """why's answer with the live server's answers (the baselines shown) redacted."""
    import dataclasses

    from .redact import redact_result

    report = dataclasses.replace(result.report, samples={k: redact_result(v, key, known)
                                                         for k, v in result.report.samples.items()})
    return dataclasses.replace(result, report=report)


def _no_pair(e: Any, folder: str) -> NoReturn:
    """Say what is missing and how to record it (the client table), then exit 2."""
    from .advice import how_to_record
    from .invocation import command_name, program

    click.echo(f"wsdiff: error: {_safe_text(str(e))}", err=True)
    if e.need_working or e.need_failing:
        for line in how_to_record(command_name(), folder, working=e.need_working, failing=e.need_failing,
                                  mitmdump=program("mitmdump")):
            click.echo(_safe_text(line), err=True)
    sys.exit(2)


@cli.command(epilog="Exit status: 0 written, 2 trouble.")
@click.argument("captures", nargs=-1, metavar="[GOOD BAD | FAILING]")
@click.option("-o", "--output", default="report.html", show_default=True, type=click.Path(dir_okay=False),
              help="The file to write; .html or .md chooses the format.")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), help="html or md (GitHub Markdown), "
              "when the file name does not say.")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="Where to choose the pair from, as why does  [default: FAILING's folder, else captures]")
@click.option("--bisect", "live", is_flag=True, help="Bisect against the live server first and include the result.")
@click.option("--bisect-json", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Include this result of bisect --json or why --json (no probe is sent).")
@click.option("--repeats", type=click.IntRange(1, 10), default=2, show_default=True,
              help="With --bisect: times each baseline is replayed before the search.")
@click.option("--confirm", type=click.IntRange(1, 10), default=3, show_default=True,
              help="With --bisect: times each confirmation is asked, as bisect does.")
@_probe_options
def report(captures: tuple[str, ...], output: str, fmt: str | None, directory: str | None, live: bool,
           bisect_json: str | None, repeats: int, confirm: int, **kw: Any) -> None:
    """Write one self-contained HTML or Markdown file to attach to a bug report.

    \b
    Both attempts side by side (request line, headers in wire order with the
    differences marked, the response, what happened after the 101), the
    differences grouped with hints, the bisect result (--bisect runs it live;
    --bisect-json takes a saved one) and curl and python commands that
    reproduce both. Credentials stay fingerprints, as in every output.
    With GOOD and BAD it reports on them; with FAILING alone, or nothing,
    it chooses the pair as wsdiff why does (a saved why --json names it too).
    The HTML loads nothing from anywhere and prints; the Markdown renders in
    a GitHub issue.
    """
    import asyncio
    import datetime
    from importlib.metadata import PackageNotFoundError, version

    from .errors import cannot_write
    from .files import write_atomic
    from .pairing import NoPairError
    from .redact import redact_json
    from .report import format_for
    from .search import Policy
    from .why import default_folder, find_pair, load_bisect, pair_of_files, report_text

    if live and bisect_json:
        raise click.UsageError("give --bisect (run it now) or --bisect-json (a saved result), not both")
    if len(captures) > 2:
        raise click.UsageError("give GOOD and BAD, or FAILING, or nothing")
    chosen = format_for(output, fmt)
    key, _ = _fingerprint_key()
    # A saved result is an input like any other: whatever it holds, the shared report shows no secret.
    doc = redact_json(load_bisect(bisect_json), key) if bisect_json else None
    named = captures or tuple(str(doc[k]) for k in ("good", "bad") if doc and isinstance(doc.get(k), str))
    if len(named) == 2:
        pair = pair_of_files(*named)
    else:
        failing = named[0] if named else None
        folder = _named_folder(directory) or str(default_folder(failing))
        try:
            pair = find_pair(folder, failing=failing, key=key, same_file=directory is None)
        except NoPairError as e:
            _no_pair(e, folder)
    try:
        made = f"wsdiff {version('wsdiff')}"
    except PackageNotFoundError:
        made = "wsdiff"
    made += datetime.datetime.now(datetime.UTC).strftime(", %Y-%m-%d %H:%M UTC")
    pair, found = _redacted_pair(pair, key)
    settings = _settings(kw, _stored_secrets(found)) if live else None
    with _json_trouble(kw["as_json"]):
        text, result = asyncio.run(report_text(pair, chosen, settings=settings, bisect_doc=doc, key=key, made=made,
                                               policy=Policy(repeats=repeats, confirm=confirm)))
    try:
        write_atomic(Path(output), text.encode("utf-8"), mode=0o644)  # redacted, and meant to be shared
    except OSError as e:
        raise cannot_write(output, e) from None
    culprit = ", ".join(str(c.get("kind")) + (f" {c.get('name')}" if c.get("name") is not None else "")
                        for c in (result.bisect or {}).get("culprit", []))
    if kw["as_json"]:
        _print_json({"output": output, "format": chosen, "good": pair.good.name, "bad": pair.bad.name,
                     "verdict": (result.bisect or {}).get("verdict")})
    else:
        click.echo(_safe_text(output))
        click.echo(_safe_text(f"wsdiff: wrote a {chosen} report on {pair.good.name} (GOOD) and {pair.bad.name} (BAD)"
                              + (f"; culprit: {culprit}" if culprit else "")), err=True)


@cli.command(epilog="Exit status: 0 every rejection in every group is explained, 1 some rejection is not (or a "
             "group has no accepted attempt to compare with), 2 trouble (a source missing or unreadable, no "
             "attempts at all).")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--by", type=click.Choice(["endpoint", "host", "path"]), default="endpoint", show_default=True,
              help="Group attempts by endpoint (scheme, host, port and path), by host (the path becomes a "
              "feature) or by path (the host becomes one). Id-like path segments count as one.")
@click.option("--oracle", type=click.Choice(["close", "status"]), default="close", show_default=True,
              help="close: a 101 the server then closed with a code other than 1000/1001 counts as rejected; "
              "status: only the status counts.")
@click.option("--json", "as_json", is_flag=True, help="Print {\"groups\": [...], \"sources\": {...}} as JSON.")
@click.option("--jobs", type=click.IntRange(1, 64), default=min(4, os.cpu_count() or 1), show_default="CPUs, at most 4",
              help="Processes that read and parse files (a few hundred files or fewer are read in one).")
def triage(sources: tuple[str, ...], by: str, oracle: str, as_json: bool, jobs: int) -> None:
    """Find what the rejected attempts have in common that the accepted ones lack.

    SOURCE is a folder (walked, files that are not captures skipped), a
    capture, a HAR file or a mitmproxy flow file, in any mix. For each group
    of attempts with both outcomes it prints the fewest conditions that cover
    the rejections, with counts, the attempts no condition explains, and one
    command per condition to test it live (wsdiff replay or wsdiff bisect).
    Noise (keys, dates, request ids, cache-busters) never counts; credentials
    are compared by fingerprint only.
    """
    from .sources import SourceStats, iter_observations
    from .triage import Tally

    stats = SourceStats()
    key, this_run = _fingerprint_key()
    tally = Tally(by=by, oracle=oracle, key=key)
    for source, observation in iter_observations(sources, stats, by=by, oracle=oracle, key=key, jobs=jobs):
        tally.add_observation(source, *observation)
    for line in stats.unreadable[:10]:
        click.echo(f"wsdiff: error: {_safe_text(line)}", err=True)
    if len(stats.unreadable) > 10:
        click.echo(f"wsdiff: error: ... and {len(stats.unreadable) - 10} more unreadable file(s)", err=True)
    if not stats.attempts:
        _fail(f"no WebSocket upgrade attempt in {', '.join(sources)}"
              + (f" ({stats.skipped} file(s) skipped: not captures)" if stats.skipped else ""))
    result = tally.result()
    if as_json:
        _print_json({**result.to_json(), "sources": stats.to_json(),
                     "fingerprints": "this run only" if this_run else "local store key"})
    else:
        from .view import triage_lines

        for line in triage_lines(result):
            click.echo(line)
        if this_run and "redacted:" in "".join(f.condition for g in result.groups for f in g.findings):
            click.echo("(no local secret store: the fingerprints of clear values use a key made for this run, so "
                       "they match only within this run.)")
        if stats.skipped:
            click.echo(_safe_text(f"note: skipped {stats.skipped} file(s) that are not captures, e.g. "
                                  + ", ".join(stats.skipped_examples)), err=True)
    sys.exit(2 if stats.unreadable else 0 if result.explained else 1)


@cli.command(epilog="Exit status: 0 the story ended with a confirmed culprit, 1 it did not, 2 trouble.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Write the captures here (default: a new temporary folder).")
def demo(directory: str | None) -> None:
    """Tell the whole story on 127.0.0.1: a TTS service, a script that connects, an app that gets 403.

    Starts the service and a recording mitmdump, records both clients,
    compares the captures, bisects against the live service and names the
    culprit and the fix. Every process it starts is stopped on exit.
    """
    from pathlib import Path

    from .demo import run_demo

    sys.exit(run_demo(Path(directory) if directory else None))


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
             epilog="Exit status: the command's own, or 2 when recording could not start.")
@click.option("--label", default="", help="Label stored in every capture (e.g. working, failing).")
@click.option("--dir", "directory", default="captures", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the captures.")
@click.option("--reverse", metavar="URL", help="Reverse-proxy mode: mitmdump forwards to URL; point the client at "
              "the address in $WSDIFF_LISTEN instead of using proxy variables.")
@click.option("--no-redact", is_flag=True, help="Keep credentials in clear in the captures (not for sharing).")
@click.option("--json", "as_json", is_flag=True, help="Print the capture paths as JSON.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def record(label: str, directory: str, reverse: str | None, no_redact: bool, as_json: bool,
           command: tuple[str, ...]) -> None:
    """Record every WebSocket handshake of COMMAND without changing its code.

    Runs COMMAND with HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, SSL_CERT_FILE,
    REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS pointing at a recording
    mitmdump on 127.0.0.1. websockets 15+ honours the proxy variables;
    aiohttp only with trust_env=True and an http:// URL; browsers need
    --proxy-server. Example: wsdiff record --label failing -- python app.py
    """
    from .recording.command import record_command

    options = ["wsdiff_redact=false"] if no_redact else []
    # The recorder's notice, as it comes (it names no value; a path may still hold an escape sequence).
    say = None if as_json else lambda line: click.echo(_safe_text(line), err=True)
    result = record_command(list(command), label=label, directory=directory, reverse=reverse, options=options,
                            on_notice=say)
    reasons = result.why_nothing(command)
    if as_json:
        _print_json({"returncode": result.returncode, "captures": [str(p) for p in result.captures],
                     "proxy": result.proxy, "no_capture_reasons": reasons})
    else:
        from .export import printable
        from .invocation import command_name
        from .pairing import is_rejected

        key, _ = _fingerprint_key()
        click.echo(printable(f"wsdiff: {len(result.captures)} capture(s) in {directory}"), err=True)
        captures = [_load(str(p), key)[0] for p in result.captures]
        for p, c in zip(result.captures, captures, strict=True):
            click.echo(printable(f"{c.outcome:28} {p}"))
        for i, line in enumerate(reasons):
            click.echo(printable(f"wsdiff: {line}" if i == 0 else line), err=True)
        if captures:
            where = "" if directory.rstrip("/") == "captures" else f" --dir {shlex.quote(directory)}"
            cmd = command_name()
            if any(is_rejected(c) for c in captures):
                click.echo(printable(f"wsdiff: next: {cmd} why{where}"), err=True)
            else:
                click.echo(printable(f"wsdiff: next: record the failing client the same way ({cmd} record{where} "
                                     f"--label failing -- ...), then: {cmd} why{where}"), err=True)
    sys.exit(result.returncode)


@cli.command(epilog="Exit status: 0 printed.")
def addon() -> None:
    """Print the path of the recording addon, for mitmdump -s.

    \b
    Example:  mitmdump -s "$(wsdiff addon)" --set wsdiff_label=failing
    The file is inside the installed package, so this works from any installation.
    """
    from .recording import ADDON

    click.echo(str(ADDON))


@cli.command(epilog="Exit status: 0 printed, 2 trouble.")
@click.argument("capture")
@click.option("--format", "fmt", type=click.Choice(["curl", "websocat", "python", "har"]), default="curl",
              show_default=True, help="What to print.")
@click.option("--reveal-secrets", is_flag=True,
              help="Put the real credentials in place of fingerprints: those in the file itself, and those in "
              "this machine's store recorded at the capture's endpoint in the same place.")
@click.option("--allow-secrets-to", "allow_secrets_to", multiple=True, metavar="HOST[:PORT]",
              help="With --reveal-secrets: " + _ALLOW_HELP)
@click.option("--missing-secrets", type=click.Choice(["stop", "drop"]), default="stop", show_default=True,
              help="With --reveal-secrets, when a secret is not known here: stop, or leave that credential out.")
def export(capture: str, fmt: str, reveal_secrets: bool, allow_secrets_to: tuple[str, ...],
           missing_secrets: str) -> None:
    """Print a command or snippet that reproduces a capture's handshake.

    curl reproduces the status (it adds and orders some headers itself);
    python sends the exact bytes; har writes a one-entry HAR file.
    Credentials stay fingerprints unless --reveal-secrets.
    """
    from .export import export as export_capture

    key, _ = _fingerprint_key()
    cap, found = _load(capture, key)
    if reveal_secrets:
        from .redact import restore_request, reveal_capture

        secrets = _stored_secrets(found)
        # The exported command connects to the capture's endpoint: restore for there, as replay would.
        request = restore_request(cap.request, secrets, endpoint=cap.endpoint,
                                  allow=_allowed_hosts(allow_secrets_to), drop_missing=missing_secrets == "drop")
        cap = reveal_capture(cap, secrets, request=False).replace(request=request)
    click.echo(export_capture(cap, fmt))


def main() -> None:
    """Run the CLI (the ``wsdiff`` console script)."""
    cli(prog_name="wsdiff")

