"""What to tell a user who has not recorded what wsdiff needs (pure: text in, text out).

The client table of the README, as lines: how each kind of client is made
to go through the recording proxy. ``wsdiff why`` prints it when a working or
a failing attempt is missing; ``wsdiff record`` when a command ended with no
capture. The command name is given by the caller (``wsdiff`` on the PATH, or
the full path of the one that runs), so every printed command works as
printed.
"""

from __future__ import annotations

import shlex

__all__ = ["CLIENT_TABLE", "how_to_record", "no_capture_reasons"]

CLIENT_TABLE: tuple[tuple[str, str], ...] = (
    ("websockets 15+", "reads HTTP_PROXY/HTTPS_PROXY itself (wsdiff record sets them)"),
    ("aiohttp", 'needs trust_env=True and an http:// URL: ws_connect("http://...") (a ws:// URL is not proxied)'),
    ("browsers", "--proxy-server=http://127.0.0.1:8080, and for 127.0.0.1 also "
                 '--proxy-bypass-list="<-loopback>" (Chromium never proxies loopback otherwise)'),
    ("Node", "ignores HTTP_PROXY: pass an agent (e.g. https-proxy-agent) to the WebSocket constructor"),
    ("wss://", "the client must trust ~/.mitmproxy/mitmproxy-ca-cert.pem (wsdiff record sets SSL_CERT_FILE, "
               "REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)"),
)
"""(client, how it goes through the proxy), as in the README's table."""

DEFAULT_PROXY = "http://127.0.0.1:8080"  # mitmdump's own default: the table's address for a proxy the user runs


def _table(indent: str = "  ") -> list[str]:
    width = max(len(c) for c, _ in CLIENT_TABLE)
    return [f"{indent}{client:{width}}  {how}" for client, how in CLIENT_TABLE]


def how_to_record(cmd: str, folder: str, *, working: bool, failing: bool, mitmdump: str = "mitmdump") -> list[str]:
    """Return the lines that say how to record the working and/or the failing client into *folder*.

    Args:
        cmd: the wsdiff command as the user can type it (``wsdiff`` or a path); *mitmdump* likewise.
        working, failing: which of the two is missing.
    """
    folder = folder.rstrip("/") or "/"
    where = "" if folder == "captures" else f" --dir {shlex.quote(folder)}"
    lines = ["Record the client that works and the one that fails (your commands after --), to the same server:"
             if working and failing
             else "Record the client that works (your command after --), to the same server as the failing one:"
             if working else "Record the client that fails (your command after --):"]
    if working:
        lines.append(f"  {cmd} record{where} --label working -- python working_client.py")
    if failing:
        lines.append(f"  {cmd} record{where} --label failing -- python failing_client.py")
    lines += [f'  or through a proxy you run: {mitmdump} -s "$({cmd} addon)" --set wsdiff_dir={shlex.quote(folder)}',
              "How clients go through the proxy:", *_table(),
              f"Then run: {cmd} why" + where]
    return lines


def no_capture_reasons(argv: list[str], *, saw_requests: bool, tls_refused: bool,
                       proxy: str = DEFAULT_PROXY) -> list[str]:
    """Return what to say when a recorded command left no capture: the likely reason, then what to do.

    Args:
        argv: the command that ran (its words name the client, when they can: node, chromium, aiohttp).
        saw_requests: the proxy saw some traffic from it (then it was not a WebSocket upgrade).
        tls_refused: the proxy's log shows a client refusing its certificate.
        proxy: the address the proxy listened on (``wsdiff record`` picks a free port): the advice names it.
    """
    table = {c: how.replace(DEFAULT_PROXY, proxy) for c, how in CLIENT_TABLE}
    if tls_refused:
        return ["no capture: the client used TLS and did not trust mitmproxy's CA, so the handshake never "
                "reached the proxy's recorder.",
                f"  wss://: {table['wss://']}; some clients read their own bundle (certifi, a browser's store)"]
    if saw_requests:
        lines = ["no capture: the proxy saw requests, but no WebSocket upgrade among them (the handshake went "
                 "around the proxy, or the client failed before sending it)."]
    else:
        lines = ["no capture: nothing reached the proxy; the client ignored it. How each client goes through it:"]
    words = " ".join(argv).lower()
    named = [client for client, word in (("aiohttp", "aiohttp"), ("Node", "node"), ("browsers", "chrom"),
                                         ("browsers", "firefox")) if word in words]
    rows = list(dict.fromkeys(named)) or [c for c, _ in CLIENT_TABLE]
    width = max(len(c) for c in rows)
    return lines + [f"  {c:{width}}  {table[c]}" for c in rows]
