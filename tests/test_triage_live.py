"""wsdiff triage on a real recording: a server with three rules, several real clients, a few hundred attempts.

The server (tests/apps.py, /ws/guarded) refuses a foreign Origin, a missing
or wrong X-Api-Key, and a legacy client asking for pcm. websockets and
aiohttp clients (and headless Chromium, when installed) go through the real
recording mitmdump with randomised origins, keys, modes, formats, user
agents, languages and subprotocols (a fixed seed). Triage must find exactly
the three rules, with counts that match what the clients sent, from the
captures folder, from mitmproxy's own HAR (hardump) and from its flow file;
and the command it suggests for each rule must confirm it against the server.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import websockets
from click.testing import CliRunner
from websockets.exceptions import InvalidStatus

from wsdiff.cli import cli
from wsdiff.files import load_capture
from wsdiff.triage import user_agent_product

from helpers import CHROMIUM, start_chromium, stop_group

pytestmark = pytest.mark.live

SEED = 16
SCRIPTED = 260
BROWSER = 10  # Chromium backs off after failed attempts (RFC 6455 7.2.3): the first dozen are quick
ALLOWED = ("https://app.example", "https://admin.app.example")
KEY, WRONG_KEY = "k-123", "k-999"  # tests/apps.py API_KEY


@dataclass(frozen=True)
class Sent:
    """What one scripted attempt sent, as far as the server's rules go."""

    origin: str | None
    key: str | None
    mode: str | None
    fmt: str | None

    @property
    def bad_origin(self) -> bool:
        return self.origin is not None and self.origin not in ALLOWED

    @property
    def bad_key(self) -> bool:
        return self.key != KEY

    @property
    def legacy_pcm(self) -> bool:
        return self.mode == "legacy" and self.fmt == "pcm"


def plan(rnd: random.Random) -> tuple[str, Sent, str, dict[str, str], list[str], bool, str | None]:
    """Draw one scripted attempt: client, rule inputs, query, extra headers, subprotocols, compression, user agent."""
    sent = Sent(
        origin=rnd.choice([None, *ALLOWED, "https://evil.example", "http://localhost:3000", "null"]),
        key=rnd.choices([None, KEY, WRONG_KEY], [2, 7, 1])[0],
        mode=rnd.choices([None, "legacy", "modern"], [3, 4, 3])[0],
        fmt=rnd.choices([None, "pcm", "opus", "mp3"], [2, 4, 2, 2])[0],
    )
    query = f"voice={rnd.choice(['alloy', 'echo', 'fable'])}&t={rnd.getrandbits(40)}"  # t: a cache-buster
    if sent.fmt:
        query += f"&fmt={sent.fmt}"
    headers = {"X-Request-Id": str(uuid.UUID(int=rnd.getrandbits(128)))}
    if sent.key:
        headers["X-Api-Key"] = sent.key
    if sent.mode:
        headers["X-Client-Mode"] = sent.mode
    language = rnd.choice([None, "en-US", "de-DE", "fr-FR"])
    if language:
        headers["Accept-Language"] = language
    agent = rnd.choice([None, f"TTSStudio/2.{rnd.randint(0, 9)}.{rnd.randint(0, 30)}", "okhttp/4.12.0",
                        f"Mozilla/5.0 (X11; Linux x86_64; rv:{rnd.randint(120, 125)}.0) Gecko/20100101 Firefox/"
                        f"{rnd.randint(120, 125)}.0"])
    protocols = rnd.choice([[], ["tts.v1"], ["tts.v1", "tts.v2"]])
    return rnd.choice(["websockets", "aiohttp"]), sent, query, headers, protocols, rnd.random() < 0.5, agent


async def scripted(server: str, proxy: str) -> list[Sent]:
    """Make the scripted attempts through the proxy, eight at a time; return what each sent."""
    rnd = random.Random(SEED)
    plans = [plan(rnd) for _ in range(SCRIPTED)]
    gate = asyncio.Semaphore(8)
    accepted: list[bool] = []
    async with aiohttp.ClientSession() as session:

        async def one(client: str, sent: Sent, query: str, headers: dict[str, str], protocols: list[str],
                      compress: bool, agent: str | None) -> None:
            async with gate:
                if client == "websockets":
                    try:
                        async with websockets.connect(
                                f"ws://{server}/ws/guarded?{query}", proxy=proxy,
                                origin=sent.origin,  # type: ignore[arg-type]
                                additional_headers=headers, subprotocols=protocols or None,  # type: ignore[arg-type]
                                compression="deflate" if compress else None, open_timeout=10,
                                **({"user_agent_header": agent} if agent else {})):
                            accepted.append(True)
                    except InvalidStatus:
                        accepted.append(False)
                else:
                    if agent:
                        headers = {**headers, "User-Agent": agent}
                    try:
                        ws = await session.ws_connect(f"http://{server}/ws/guarded?{query}", proxy=proxy,
                                                      origin=sent.origin, headers=headers, protocols=protocols,
                                                      compress=15 if compress else 0,
                                                      timeout=aiohttp.ClientWSTimeout(ws_close=5))
                        await ws.close()
                        accepted.append(True)
                    except aiohttp.WSServerHandshakeError:
                        accepted.append(False)

        await asyncio.gather(*(one(*p) for p in plans))
    assert sum(accepted) == sum(1 for p in plans if not (p[1].bad_origin or p[1].bad_key or p[1].legacy_pcm))
    return [p[1] for p in plans]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


async def record(app_server: str, start_recorder, tmp_path: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Record a few hundred attempts as captures, as mitmproxy's HAR and as its flow file."""
    har, flows = tmp_path / "session.har", tmp_path / "session.flows"
    rec = start_recorder(label="mixed", options=(f"hardump={har}", f"save_stream_file={flows}"))
    browser = start_chromium(f"http://{app_server}/guarded-page?n={BROWSER}&seed={SEED}", rec.proxy,
                             tmp_path / "profile") if CHROMIUM else None  # it cannot send X-Api-Key
    try:
        sent = await scripted(app_server, rec.proxy)
        expected = SCRIPTED + (BROWSER if browser else 0)
        deadline = time.monotonic() + 30
        while len(list(rec.directory.glob("*.json"))) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        if browser is not None:
            stop_group(browser)
    assert rec.stop() is not None
    files = sorted(rec.directory.glob("*.json"))
    assert len(files) == expected
    clients = Counter(user_agent_product(load_capture(p).request.header("User-Agent") or "")[0] for p in files)
    assert clients["websockets"] and clients["aiohttp"] and clients["HeadlessChrome"] == (BROWSER if browser else 0)
    return {"dir": rec.directory, "har": har, "flows": flows, "sent": sent, "browser": BROWSER if browser else 0}


def expected_findings(sent: list[Sent], browser: int) -> dict[tuple[str, str | None], int]:
    """The rejections each rule accounts for: the browser sends a foreign Origin and no key."""
    return {
        ("header", "Origin"): sum(s.bad_origin for s in sent) + browser,
        ("header", "X-Api-Key"): sum(s.bad_key for s in sent) + browser,
        ("all-of", None): sum(s.legacy_pcm for s in sent),
    }


def exactly_the_three_rules(recorded: dict) -> None:  # type: ignore[type-arg]
    """From the captures, the HAR and the flow file: three findings, exact counts, nothing unexplained."""
    sent, browser = recorded["sent"], recorded["browser"]
    want = expected_findings(sent, browser)
    total = len(sent) + browser
    rejected = sum(s.bad_origin or s.bad_key or s.legacy_pcm for s in sent) + browser
    for source in (recorded["dir"], recorded["har"], recorded["flows"]):
        code, out, err = run("triage", "--json", str(source))
        assert code == 0, (source, out, err)
        doc = json.loads(out)
        [group] = doc["groups"]
        assert (group["attempts"], group["rejected"], group["accepted"]) == (total, rejected, total - rejected)
        got = {(f["kind"], f["name"]): f for f in group["findings"]}
        conditions = [f["condition"] for f in got.values()]
        assert {k: f["rejected_matched"] for k, f in got.items()} == want, (source, conditions)
        assert all(f["accepted_matched"] == 0 for f in got.values())
        assert group["unexplained"] == [] and group["unexplained_attempts"] == 0 and group["explained"]
        origin, key, pair = got[("header", "Origin")], got[("header", "X-Api-Key")], got[("all-of", None)]
        assert origin["negated"] and set(origin["values"]) == {None, *ALLOWED}
        assert key["negated"] and len(key["values"]) == 1 and key["values"][0].startswith("redacted:")
        assert [(p["name"], p["values"], p["negated"]) for p in pair["parts"]] == [
            ("fmt", ["pcm"], False), ("X-Client-Mode", ["legacy"], False)]
        assert KEY not in out and WRONG_KEY not in out  # fingerprints only
        if source != recorded["dir"]:
            assert all("#" in f["test_argv"][2] for f in got.values())  # FILE#N picks the attempt


def each_suggested_command_confirms_its_rule(recorded: dict) -> None:  # type: ignore[type-arg]
    """The replay variant turns the representative rejection into an acceptance; the bisect names the pair."""
    code, out, _ = run("triage", "--json", str(recorded["har"]))
    findings = {(f["kind"], f["name"]): f for f in json.loads(out)["groups"][0]["findings"]}
    for name in ("Origin", "X-Api-Key"):
        argv = findings[("header", name)]["test_argv"]
        assert argv[:2] == ["wsdiff", "replay"], argv
        code, out, err = run(*argv[1:], "--json")
        assert out, err
        rows = json.loads(out)["rows"]
        assert code == 1 and [r["accepted"] for r in rows] == [False, True], (argv, err)
    argv = findings[("all-of", None)]["test_argv"]
    assert argv[:2] == ["wsdiff", "bisect"]
    code, out, err = run(*argv[1:], "--json")
    assert code == 0, err
    assert sorted(d["name"] for d in json.loads(out)["culprit"]) == ["X-Client-Mode", "fmt"]


def text_report_and_a_mix_of_sources(recorded: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    """The text report says each rule with its counts; a folder mixing formats and junk is read as one."""
    sent, browser = recorded["sent"], recorded["browser"]
    want = expected_findings(sent, browser)
    total, rejected = len(sent) + browser, sum(s.bad_origin or s.bad_key or s.legacy_pcm for s in sent) + browser
    code, out, _ = run("triage", str(recorded["dir"]))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].endswith(f"/ws/guarded: {total} attempts, {total - rejected} accepted, {rejected} rejected")
    assert lines[-1] == "  Every rejection is explained."
    counts = f"of {rejected} rejected, 0 of {total - rejected} accepted"
    assert f"  1. rejected when Origin is present and not one of {', '.join(sorted(ALLOWED))}: " \
           f"{want[('header', 'Origin')]} {counts}" in " ".join(lines)
    pair = want[("all-of", None)]
    assert f"rejected when query parameter fmt is pcm and X-Client-Mode is legacy: {pair} {counts}" in out
    # A folder of some captures and junk, plus one attempt picked out of the flow file.
    mix = tmp_path / "mix"
    (mix / "nested").mkdir(parents=True)
    for p in sorted(recorded["dir"].glob("*.json"))[:50]:
        shutil.copy(p, mix / "nested" / p.name)
    shutil.copy(recorded["har"], mix / "session.har")
    (mix / "notes.txt").write_text("not a capture")
    (mix / "package.json").write_text('{"name": "app"}')
    code, out, err = run("triage", "--json", str(mix), f"{recorded['flows']}#3")
    doc = json.loads(out)
    assert code in (0, 1) and doc["sources"]["skipped"] == 2 and doc["sources"]["files"] == 52
    assert doc["sources"]["attempts"] == doc["groups"][0]["attempts"] == 50 + total + 1


def test_triage_of_a_live_recording(app_server: str, start_recorder,  # type: ignore[no-untyped-def]
                                    tmp_path: Path) -> None:
    """One recording (about 10 s), checked three ways; see the module docstring."""
    recorded = asyncio.run(record(app_server, start_recorder, tmp_path))
    exactly_the_three_rules(recorded)
    each_suggested_command_confirms_its_rule(recorded)
    text_report_and_a_mix_of_sources(recorded, tmp_path)
