"""Issue 13, High 1, Medium 6, Low 12: secrets bound to where they were recorded, the store and its key.

A capture is safe to share: its fingerprints are restored only at the
endpoint (scheme, host, port) and in the place (header, cookie, query
parameter) where their secrets were recorded, or at a host the user names
with --allow-secrets-to. These tests drive the pure restore and the CLI; the
live test (test_security_live.py) checks what reaches a real server.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsdiff.cli import cli
from wsdiff.errors import SecretError, SecretRefusedError, SecretStoreError
from wsdiff.files import dump_capture, load_capture, write_atomic
from wsdiff.model import Capture, Endpoint, Message, Request, Response, Session, with_header
from wsdiff.redact import (Binding, Secret, destination_key, endpoint_key, fingerprint, merge_secrets,
                           redact_capture, redact_request, restore_messages, restore_request, reveal_capture)
from wsdiff.secrets import SecretStore

from helpers import forget_redactions, minimal_headers

KEY = b"s" * 32
API = Endpoint("wss", "api.example", 443, sni="api.example")
EVIL = Endpoint("wss", "evil.example", 443, sni="evil.example")
TOKEN = "tok-REAL-7f3a9c"


@pytest.fixture(autouse=True)
def _nothing_remembered() -> None:
    """Each test redacts from scratch: no answer remembered from an earlier test stands in for the rules."""
    forget_redactions()


def recorded() -> tuple[Capture, dict[str, Secret]]:
    """A capture as the recorder writes it: an Authorization token, a cookie and a query token, redacted."""
    raw = Capture(API, Request(target=f"/ws?access_token=Q-{TOKEN}&v=1", headers=minimal_headers("api.example") + (
        ("Authorization", f"Bearer {TOKEN}"), ("Cookie", "sid=S-123456; theme=dark"))),
        Response(101, "Switching Protocols"))
    return redact_capture(raw, KEY)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_each_secret_is_bound_to_its_endpoint_and_place() -> None:
    """Redaction records, for every secret, the endpoint (scheme://host:port) and the place it sat in."""
    _, found = recorded()
    bound = {s.value: {(b.endpoint, b.place) for b in s.bindings} for s in found.values()}
    ep = "wss://api.example:443"
    assert bound[TOKEN] == {(ep, "header authorization")}
    assert bound["S-123456"] == {(ep, "cookie sid")}
    assert bound[f"Q-{TOKEN}"] == {(ep, "query access_token")}
    assert endpoint_key(Endpoint("WSS", "API.Example.", 443)) == ep


def test_restored_where_recorded() -> None:
    """At its own endpoint and places, every secret comes back byte for byte."""
    cap, found = recorded()
    out = restore_request(cap.request, found, endpoint=API)
    assert out.header("Authorization") == f"Bearer {TOKEN}" and out.target == f"/ws?access_token=Q-{TOKEN}&v=1"


def test_a_shared_capture_pointed_elsewhere_cannot_steal_the_secret() -> None:
    """The attack of High 1: the endpoint changed to the attacker's host is refused, naming place and owner."""
    cap, found = recorded()
    with pytest.raises(SecretRefusedError) as e:
        restore_request(cap.request, found, endpoint=EVIL)
    message = str(e.value)
    assert message.startswith("the secret in query access_token (redacted:")
    assert "belongs to query access_token at wss://api.example:443" in message and message.endswith("; and 3 more")
    assert "refusing to send it to wss://evil.example" in message and "never recorded" in message
    # Review L6: the flag that would complete the attack is not suggested for a host the secret never saw.
    assert "--allow-secrets-to" not in message
    assert TOKEN not in message and "\n" not in message
    assert [r.split(" (")[0] for r in e.value.refusals] == [
        "the secret in query access_token", "the secret in header Authorization", "the secret in cookie sid",
        "the secret in cookie theme"]


@pytest.mark.parametrize("port, scheme", [(8443, "wss"), (443, "ws")])
def test_another_port_or_scheme_is_another_endpoint(port: int, scheme: str) -> None:
    """The binding is scheme, host and port: the same host on another port (or in clear) is refused."""
    cap, found = recorded()
    with pytest.raises(SecretRefusedError) as e:
        restore_request(cap.request, found, endpoint=Endpoint(scheme, "api.example", port))
    assert f"--allow-secrets-to api.example:{port} sends it there" in str(e.value)  # the recorded host: say how


def test_a_fingerprint_moved_to_another_header_is_refused() -> None:
    """The fingerprint copied into X-Debug, same endpoint: refused, it was not recorded there."""
    cap, found = recorded()
    fp = cap.request.header("Authorization").split()[1]  # type: ignore[union-attr]
    moved = cap.request.replace(headers=with_header(cap.request.headers, "X-Debug", fp))
    with pytest.raises(SecretRefusedError) as e:
        restore_request(moved, found, endpoint=API)
    assert str(e.value).startswith(f"the secret in header X-Debug ({fp}) belongs to header authorization")
    # ... and a cookie renamed, or a query parameter renamed, is refused the same way.
    renamed = cap.request.replace(target=cap.request.target.replace("access_token=", "callback="))
    with pytest.raises(SecretRefusedError):
        restore_request(renamed, found, endpoint=API)


@pytest.mark.parametrize("change", ["Host header", "absolute-form target", "SNI"])
def test_same_address_routed_to_another_host_is_refused(change: str) -> None:
    """A shared front end (CDN, PaaS router) picks the tenant by SNI and Host: changing them is another place to go."""
    cap, found = recorded()
    request, endpoint = cap.request, API
    if change == "Host header":
        request = request.replace(headers=with_header(request.headers, "Host", "evil.example"))
    elif change == "absolute-form target":
        request = request.replace(target="http://evil.example" + request.target)
    else:
        endpoint = Endpoint("wss", "api.example", 443, sni="evil.example")
    with pytest.raises(SecretRefusedError) as e:
        restore_request(request, found, endpoint=endpoint)
    assert "(--allow-secrets-to api.example:443 --allow-secrets-to evil.example sends it there)" in str(e.value)
    with pytest.raises(SecretRefusedError):
        restore_request(request, found, endpoint=endpoint, allow=("api.example",))
    restore_request(request, found, endpoint=endpoint, allow=("api.example", "evil.example"))


def test_allow_secrets_to_names_the_host() -> None:
    """--allow-secrets-to HOST (or HOST:PORT) lets the secrets go there; another port is still refused."""
    cap, found = recorded()
    assert restore_request(cap.request, found, endpoint=EVIL, allow=("evil.example",)).header(
        "Authorization") == f"Bearer {TOKEN}"
    assert restore_request(cap.request, found, endpoint=EVIL, allow=("evil.example:443",)).target.startswith(
        "/ws?access_token=Q-")
    with pytest.raises(SecretRefusedError):
        restore_request(cap.request, found, endpoint=EVIL, allow=("evil.example:8443", "api.example"))


def test_a_capture_recorded_elsewhere_names_the_missing_secret_or_drops_it() -> None:
    """Unknown fingerprints (another machine's) are named, or dropped with drop_missing: unchanged behaviour."""
    cap, _ = recorded()
    with pytest.raises(SecretError) as e:
        restore_request(cap.request, {}, endpoint=API)
    assert not isinstance(e.value, SecretRefusedError) and "no value for query access_token" in str(e.value)
    assert "header Authorization (redacted:" in str(e.value)
    out = restore_request(cap.request, {}, endpoint=API, drop_missing=True)
    assert out.header("Authorization") is None and out.header("Cookie") is None and out.target == "/ws?v=1"


def test_old_store_entries_are_bound_to_nothing(tmp_path: Path) -> None:
    """A store line without endpoint and place (older wsdiff) is refused with the reason, allowed by name."""
    cap, found = recorded()
    store = tmp_path / "store"
    store.mkdir(mode=0o700)
    old_lines = [json.dumps({"fingerprint": fp, "secret": s.value}) for fp, s in found.items()]
    (store / "secrets.jsonl").write_text("\n".join(old_lines) + "\n")
    os.chmod(store / "secrets.jsonl", 0o600)
    loaded = SecretStore(store).load()
    assert all(not s.bindings for s in loaded.values())
    with pytest.raises(SecretRefusedError) as e:
        restore_request(cap.request, loaded, endpoint=API)
    assert "was stored by an older wsdiff without the place it was recorded" in str(e.value)
    assert "--allow-secrets-to api.example:443" in str(e.value)
    assert restore_request(cap.request, loaded, endpoint=API, allow=("api.example",)).header(
        "Authorization") == f"Bearer {TOKEN}"


def test_store_keeps_one_line_per_binding(tmp_path: Path) -> None:
    """add() writes a line per (secret, endpoint, place) not yet stored; load() joins them."""
    store = SecretStore(tmp_path / "store")
    _, found = recorded()
    store.add(found)
    store.add(found)
    lines = [json.loads(x) for x in store.secrets_file.read_text().splitlines()]
    assert len(lines) == len(found) and all({"fingerprint", "secret", "endpoint", "place"} <= set(x) for x in lines)
    other = {fp: Secret(s.value, frozenset({Binding("ws://127.0.0.1:9", "header x-token")})) for fp, s in found.items()}
    SecretStore(tmp_path / "store").add(other)
    again = SecretStore(tmp_path / "store").load()
    assert again == merge_secrets(found, other)


def test_reveal_shows_only_what_is_bound_to_the_capture(tmp_path: Path) -> None:
    """show --reveal-secrets: the capture's own secrets in their places; moved or foreign ones stay fingerprints."""
    cap, found = recorded()
    fp = cap.request.header("Authorization").split()[1]  # type: ignore[union-attr]
    moved = cap.replace(request=cap.request.replace(headers=with_header(cap.request.headers, "X-Debug", fp)))
    out = reveal_capture(moved, found)
    assert out.request.header("Authorization") == f"Bearer {TOKEN}" and out.request.header("X-Debug") == fp
    elsewhere = reveal_capture(cap.replace(endpoint=EVIL), found)
    assert elsewhere.request.header("Authorization") == f"Bearer {fp}"


def test_cli_replay_and_export_refuse_a_capture_pointed_elsewhere(tmp_path: Path) -> None:
    """replay and export --reveal-secrets refuse in one line (exit 2) before anything is sent or printed."""
    store = tmp_path / "store"
    cap, found = recorded()
    SecretStore(store).add(found)
    evil = dump_capture(cap.replace(endpoint=Endpoint("ws", "127.0.0.1", 9, None)), tmp_path / "evil.json")
    env = {"WSDIFF_SECRETS": str(store)}
    code, out, err = run("replay", str(evil), "--timeout", "1", env=env)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "belongs to query access_token at wss://api.example:443" in err and TOKEN not in err
    code, out, err = run("export", str(evil), "--reveal-secrets", env=env)
    assert code == 2 and out == "" and "never recorded" in err and "--allow-secrets-to" not in err
    code, out, err = run("export", str(evil), "--reveal-secrets", "--allow-secrets-to", "127.0.0.1:9", env=env)
    assert code == 0 and f"Authorization: Bearer {TOKEN}" in out
    code, _, err = run("export", str(evil), "--reveal-secrets", "--allow-secrets-to", "a b", env=env)
    assert code == 2 and "--allow-secrets-to" in err


# --- Medium 6: no guessable key ------------------------------------------------------------


def _unredacted(tmp_path: Path, name: str, token: str) -> Path:
    c = Capture(Endpoint("ws", "127.0.0.1", 9), Request(target="/ws", headers=minimal_headers("127.0.0.1:9") + (
        ("X-API-Key", token),)), Response(403, "Forbidden"), label=name)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({**json.loads(dump_capture(c, tmp_path / "x.json").read_text()), "redacted": False}))
    return path


def test_without_a_store_fingerprints_use_a_random_key_per_run(tmp_path: Path) -> None:
    """No store: a guessable short secret is not found from compare --json; two runs give two fingerprints."""
    a, b = _unredacted(tmp_path, "a", "apple"), _unredacted(tmp_path, "b", "pear")
    env = dict(os.environ, WSDIFF_SECRETS=str(tmp_path / "none"))

    def fp_of_run() -> tuple[str, dict]:
        out = subprocess.run([sys.executable, "-m", "wsdiff", "compare", "--json", str(a), str(b)],
                             capture_output=True, text=True, env=env, timeout=60)
        doc = json.loads(out.stdout)
        [d] = [d for d in doc["differences"] if d.get("name") == "X-API-Key"]
        return d["a"], doc

    first, doc = fp_of_run()
    second, _ = fp_of_run()
    assert first != second and doc["fingerprints"] == "this run only"
    # The old fixed key, and a five-word list: no guess matches.
    for guess in ("apple", "pear", "secret", "password", "admin"):
        assert fingerprint(b"wsdiff display fingerprint", guess) != first
    code, out, _ = run("compare", str(a), str(b), env={"WSDIFF_SECRETS": str(tmp_path / "none")})
    assert code == 1 and "match only within this run" in out
    assert not (tmp_path / "none").exists()  # comparing creates no store


@pytest.mark.parametrize("size", [0, 8])
def test_an_empty_or_short_key_is_refused(tmp_path: Path, size: int) -> None:
    """A key file with fewer than 16 bytes is an error naming it, never an HMAC with a short key."""
    store = tmp_path / "store"
    store.mkdir(mode=0o700)
    (store / "key").write_bytes(b"x" * size)
    os.chmod(store / "key", 0o600)
    with pytest.raises(SecretStoreError) as e:
        SecretStore(store).key()
    assert f"holds {size} bytes; a fingerprint key needs at least 16" in str(e.value)
    a = _unredacted(tmp_path, "a", "apple")
    code, _, err = run("compare", str(a), str(a), env={"WSDIFF_SECRETS": str(store)})
    assert code == 2 and "a fingerprint key needs at least 16" in err and err.count("\n") == 1


# --- Low 12: permissions ------------------------------------------------------------------------


def test_loose_modes_are_narrowed(tmp_path: Path) -> None:
    """An existing store with 0755/0644 modes is narrowed to 0700/0600 when used; add() leaves 0600."""
    path = tmp_path / "store"
    store = SecretStore(path)
    store.key()
    store.add({"redacted:0000000000000001": "x"})
    os.chmod(path, 0o755)
    os.chmod(store.key_file, 0o644)
    os.chmod(store.secrets_file, 0o644)
    again = SecretStore(path)
    again.key()
    again.add({"redacted:0000000000000002": "y"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.secrets_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ["key", "secrets.jsonl"])
def test_a_symlinked_store_file_is_refused(tmp_path: Path, name: str) -> None:
    """A store file that is a symbolic link is refused with the reason, not followed."""
    path = tmp_path / "store"
    SecretStore(path).key()
    target = tmp_path / "elsewhere"
    target.write_bytes(b"k" * 32)
    (path / name).unlink(missing_ok=True)
    (path / name).symlink_to(target)
    with pytest.raises(SecretStoreError) as e:
        store = SecretStore(path)
        store.key() if name == "key" else store.add({"redacted:0000000000000003": "z"})
    assert "is a symbolic link: refusing to follow it" in str(e.value)
    assert target.read_bytes() == b"k" * 32


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to give a file to another user")
def test_a_store_of_another_user_is_refused(tmp_path: Path) -> None:
    """A store folder owned by someone else is refused: they could read or plant secrets."""
    path = tmp_path / "store"
    SecretStore(path).key()
    os.chown(path, 65534, -1)
    with pytest.raises(SecretStoreError) as e:
        SecretStore(path).load()
    assert "belongs to user id 65534, not to you" in str(e.value)


def test_store_path_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    """WSDIFF_SECRETS pointing at a file: exit 2 with one line, no traceback (replay, compare, export)."""
    a = _unredacted(tmp_path, "a", "apple")
    for args in (["replay", str(a), "--timeout", "0.5"], ["compare", str(a), str(a)], ["show", str(a)]):
        code, _, err = run(*args, env={"WSDIFF_SECRETS": str(a)})
        assert code == 2 and "is not a folder" in err and err.count("\n") == 1, args


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed file", "temporary name"])
def test_atomic_write_does_not_follow_a_planted_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     unnamed: bool) -> None:
    """A link planted at the temporary name redirects nothing.

    With an unnamed file (O_TMPFILE, Linux) there is no temporary name and the
    capture is written; with a temporary name, it is created O_EXCL|O_NOFOLLOW
    and the write fails rather than follow the link.
    """
    import threading

    import wsdiff.files as files

    if unnamed and not files._LINK_TMPFILE:
        pytest.skip("no O_TMPFILE or no /proc/self/fd here")
    monkeypatch.setattr(files, "_LINK_TMPFILE", unnamed)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    path = tmp_path / "capture.json"
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: "feedbeef", raising=False)
    for name in (f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp",
                 f".{path.name}.{os.getpid()}.{threading.get_ident()}.feedbeef.tmp"):
        (tmp_path / name).symlink_to(victim)
    if unnamed:
        write_atomic(path, b"{}")
        assert path.read_bytes() == b"{}" and not path.is_symlink()
    else:
        with pytest.raises(FileExistsError):
            write_atomic(path, b"{}")
        assert not path.exists()
    assert victim.read_text() == "untouched"


async def test_captures_folder_is_created_owner_only(tmp_path: Path) -> None:
    """The recorder creates its captures folder 0700 (captures are 0600; the folder lists their names)."""
    from mitmproxy.test import taddons

    from wsdiff.recording.recorder import Recorder

    rec = Recorder()
    folder = tmp_path / "new" / "captures"
    with taddons.context(rec) as tctx:
        tctx.configure(rec, wsdiff_dir=str(folder), wsdiff_secrets=str(tmp_path / "s"), wsdiff_writer="thread")
        rec.done()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_show_reveals_only_on_request(tmp_path: Path) -> None:
    """show prints fingerprints; --reveal-secrets puts back the input's own secrets (an unredacted HAR or JSON)."""
    from formats_helpers import write

    raw = Capture(API, Request(target="/ws", headers=minimal_headers("api.example") + (
        ("Authorization", f"Bearer {TOKEN}"),)), Response(403, "Forbidden"))
    for fmt in ("json", "har"):
        path = write(raw, fmt, tmp_path, name=f"raw-{fmt}")
        code, out, _ = run("show", str(path))
        assert code == 0 and TOKEN not in out and "Authorization: Bearer redacted:" in out
        code, out, _ = run("show", "--reveal-secrets", str(path))
        assert code == 0 and f"Authorization: Bearer {TOKEN}" in out


def test_known_secrets_are_swept_wherever_they_sit(tmp_path: Path) -> None:
    """A secret the store holds never prints, even where no rule looks: a path segment, an odd header, a body."""
    store = tmp_path / "store"
    _, found = recorded()
    SecretStore(store).add(found)
    odd = Capture(API, Request(target=f"/ws/{TOKEN}?room=1", headers=minimal_headers("api.example") + (
        ("X-Access", TOKEN),)), Response(403, "Forbidden", body=f"invalid api key {TOKEN}".encode()))
    path = dump_capture(odd, tmp_path / "odd.json")
    env = {"WSDIFF_SECRETS": str(store)}
    for args in (("show", str(path)), ("show", "--json", str(path)), ("compare", str(path), str(path)),
                 ("export", str(path)), ("export", str(path), "--format", "har")):
        code, out, err = run(*args, env=env)
        assert code in (0, 1) and TOKEN not in out + err, args
        assert "redacted:" in out or args[0] == "compare", args
    # Without the store, nothing is known: the odd places stay as they are (no rule looks there).
    code, out, _ = run("show", str(path), env={"WSDIFF_SECRETS": str(tmp_path / "empty")})
    assert code == 0 and f"X-Access: {TOKEN}" in out


# --- where a secret may go, told exactly (pure) ----------------------------------------------------------

LOCAL6 = Endpoint("ws", "::1", 8080)


def _bound_to(value: str, *where: tuple[str, str]) -> dict[str, Secret]:
    return {fingerprint(KEY, value): Secret(value, frozenset(Binding(e, p) for e, p in where))}


def _recorded_key(endpoint: Endpoint, host: str) -> tuple[Request, dict[str, Secret]]:
    """An X-API-Key recorded at *endpoint* with Host *host*, redacted: the request and its secret."""
    out, found = redact_request(Request(target="/ws", headers=(("Host", host), ("X-API-Key", "k-7f3a9c11"))), KEY,
                                endpoint)
    return out, found


@pytest.mark.parametrize(
    ("request_", "secrets", "endpoint", "message"),
    [
        # Recorded in three places: the first by endpoint then place is named, with the count of the others.
        (Request(headers=(("Host", "api.example"), ("X-Debug", "FP"))),
         _bound_to(TOKEN, ("wss://api.example:443", "header authorization"), ("wss://api.example:443", "query token"),
                   ("ws://127.0.0.1:9", "header x-token")), API,
         "the secret in header X-Debug (FP) belongs to header x-token at ws://127.0.0.1:9 (and 2 more); refusing to "
         "send it to wss://api.example:443 (--allow-secrets-to api.example:443 sends it there)"),
        # Two places: the first named, "1 more".
        (Request(headers=(("Host", "api.example"), ("X-Debug", "FP"))),
         _bound_to(TOKEN, ("wss://api.example:443", "header authorization"), ("wss://api.example:443", "query token")),
         API,
         "the secret in header X-Debug (FP) belongs to header authorization at wss://api.example:443 (and 1 more); "
         "refusing to send it to wss://api.example:443 (--allow-secrets-to api.example:443 sends it there)"),
        # One place: no count.
        (Request(headers=(("Host", "api.example"), ("X-Debug", "FP"))),
         _bound_to(TOKEN, ("wss://api.example:443", "header authorization")), API,
         "the secret in header X-Debug (FP) belongs to header authorization at wss://api.example:443; refusing to "
         "send it to wss://api.example:443 (--allow-secrets-to api.example:443 sends it there)"),
        # Another port, the recorded Host kept: the recorded host needs no naming, the new port does.
        (Request(headers=(("Host", "api.example:443"), ("Authorization", "Bearer FP"))),
         _bound_to(TOKEN, ("wss://api.example:443", "header authorization")), Endpoint("wss", "api.example", 8443),
         "the secret in header Authorization (FP) belongs to header authorization at wss://api.example:443; refusing "
         "to send it to wss://api.example:8443 (Host api.example:443) (--allow-secrets-to api.example:8443 sends it "
         "there)"),
        # The same for an IPv6 address.
        (Request(headers=(("Host", "[::1]:8080"), ("X-API-Key", "FP"))),
         _bound_to(TOKEN, ("ws://[::1]:8080", "header x-api-key")), Endpoint("ws", "::1", 9090),
         "the secret in header X-API-Key (FP) belongs to header x-api-key at ws://[::1]:8080; refusing to send it to "
         "ws://[::1]:9090 (Host [::1]:8080) (--allow-secrets-to [::1]:9090 sends it there)"),
        # A host the secret never went to: no flag is suggested.
        (Request(headers=(("Host", "evil.example"), ("X-API-Key", "FP"))),
         _bound_to(TOKEN, ("wss://api.example:443", "header x-api-key")), EVIL,
         "the secret in header X-API-Key (FP) belongs to header x-api-key at wss://api.example:443; refusing to send "
         "it to wss://evil.example:443: the capture points somewhere this secret was never recorded"),
    ],
    ids=["three-places", "two-places", "one-place", "other-port", "ipv6-other-port", "never-recorded"],
)
def test_a_refusal_names_where_the_secret_belongs(request_: Request, secrets: dict[str, Secret], endpoint: Endpoint,
                                                  message: str) -> None:
    """A refused secret is named by place and fingerprint, with where it belongs and, for its own host, the flag."""
    fp = fingerprint(KEY, TOKEN)
    request_ = request_.replace(headers=tuple((n, v.replace("FP", fp)) for n, v in request_.headers))
    with pytest.raises(SecretRefusedError) as e:
        restore_request(request_, secrets, endpoint=endpoint)
    assert str(e.value) == message.replace("FP", fp)


@pytest.mark.parametrize(
    ("recorded_at", "recorded_host", "sent_to", "sent_host", "allow", "restored"),
    [
        # An IPv6 endpoint named by its address alone.
        (LOCAL6, "[::1]:8080", Endpoint("ws", "::1", 9090), "[::1]:8080", ("[::1]",), True),
        (LOCAL6, "[::1]:8080", Endpoint("ws", "::1", 9090), "[::1]:8080", ("[::2]",), False),
        # --target: the recorded Host (an IPv6 address) sent to a new address; only the new address is named.
        (LOCAL6, "[::1]:8080", Endpoint("ws", "127.0.0.1", 8080), "[::1]:8080", ("127.0.0.1",), True),
        # A Host with a port that names another host: that host must be named, by its name.
        (API, "api.example", API, "evil.example:443", ("api.example", "evil.example"), True),
        (API, "api.example", API, "evil.example:443", ("api.example",), False),
        # A Host that is no plain host[:port]: a front end may read it either way, and no name allows it.
        (API, "api.example", API, "api.example@evil.example", ("api.example", "evil.example"), False),
    ],
    ids=["ipv6-named", "ipv6-not-named", "target-keeps-recorded-host", "host-with-port-named",
         "host-with-port-not-named", "odd-host"],
)
def test_allow_secrets_to_names_hosts_as_they_route(recorded_at: Endpoint, recorded_host: str, sent_to: Endpoint,
                                                    sent_host: str, allow: tuple[str, ...], restored: bool) -> None:
    """--allow-secrets-to matches the endpoint's host (IPv6 in brackets) and every routing host by its name."""
    out, found = _recorded_key(recorded_at, recorded_host)
    request = out.replace(headers=with_header(out.headers, "Host", sent_host))
    if restored:
        assert restore_request(request, found, endpoint=sent_to, allow=allow).header("X-API-Key") == "k-7f3a9c11"
    else:
        with pytest.raises(SecretRefusedError):
            restore_request(request, found, endpoint=sent_to, allow=allow)


def test_a_missing_secret_in_the_path_is_never_dropped() -> None:
    """A path cannot lose a segment: a fingerprint there without its secret is named, even with drop_missing."""
    fp = fingerprint(KEY, "lost-path-secret")
    for drop in (False, True):
        with pytest.raises(SecretError) as e:
            restore_request(Request(target=f"/ws/{fp}?v=1"), {}, endpoint=API, drop_missing=drop)
        assert str(e.value) == (f"the local secret store has no value for path ({fp}) (replay on the machine that "
                                "recorded it, or --missing-secrets=drop to leave them out)")


def test_reveal_follows_the_routing_host_and_can_spare_the_request() -> None:
    """show --reveal-secrets keeps fingerprints when the Host names another tenant; request=False reveals the answer only."""
    raw = Capture(API, Request(target="/ws", headers=minimal_headers("api.example") + (("X-API-Key", TOKEN),)),
                  Response(101, "Switching Protocols", headers=(("Set-Cookie", "sid=S-123456; Path=/"),)))
    cap, found = redact_capture(raw, KEY)
    key_fp, sid_fp = fingerprint(KEY, TOKEN), fingerprint(KEY, "S-123456")
    assert reveal_capture(cap, found) == raw.replace(redacted=True)
    moved = cap.replace(request=cap.request.replace(headers=with_header(cap.request.headers, "Host", "evil.example")))
    assert reveal_capture(moved, found).request.header("X-API-Key") == key_fp
    spared = reveal_capture(cap, found, request=False)
    assert spared.request.header("X-API-Key") == key_fp
    assert spared.response is not None and spared.response.headers == (("Set-Cookie", "sid=S-123456; Path=/"),)
    assert dict(cap.response.headers)["Set-Cookie"] == f"sid={sid_fp}; Path=/"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("endpoint", "headers", "target", "key"),
    [
        (API, (("Host", "api.example"),), "/ws", "wss://api.example:443"),
        (Endpoint("WSS", "API.Example.", 443, sni="api.example."), (("Host", " API.Example.:443 "),), "/ws",
         "wss://api.example:443"),  # case, a final dot, the default port and spaces do not route elsewhere
        (API, (), "/ws", "wss://api.example:443 (no Host)"),
        (API, (("Host", "api.example:8443"),), "/ws", "wss://api.example:443 (Host api.example:8443)"),
        (API, (("Host", "EVIL.example"),), "/ws", "wss://api.example:443 (Host evil.example)"),
        (API, (("Host", "api.example@evil.example"),), "/ws", "wss://api.example:443 (Host api.example@evil.example)"),
        # Two Host fields: a front end may take either or join them, so both are named, once each.
        (API, (("Host", "api.example"), ("Host", "api.example")), "/ws", "wss://api.example:443 (Host api.example)"),
        (API, (("Host", "api.example"), ("host", "other.example")), "/ws",
         "wss://api.example:443 (Host api.example, other.example)"),
        # An absolute-form target names the authority first (RFC 9112 3.2.2).
        (API, (("Host", "api.example"),), "wss://evil.example/ws", "wss://api.example:443 (Host evil.example)"),
        (API, (("Host", "api.example"),), "wss://api.example:443/ws", "wss://api.example:443"),
        (API, (("Host", "api.example"), ("Host", "other.example")), "wss://evil.example/ws",
         "wss://api.example:443 (Host evil.example, api.example, other.example)"),
        # TLS names another host: the SNI is part of where it goes; in clear there is no SNI.
        (Endpoint("wss", "10.0.0.5", 443, sni="api.example"), (("Host", "api.example"),), "/ws",
         "wss://10.0.0.5:443 (SNI api.example) (Host api.example)"),
        (Endpoint("ws", "10.0.0.5", 80, sni="api.example"), (("Host", "10.0.0.5"),), "/ws", "ws://10.0.0.5:80"),
        (Endpoint("wss", "10.0.0.5", 443), (("Host", "10.0.0.5"),), "/ws", "wss://10.0.0.5:443"),
        # IPv6, with or without brackets.
        (LOCAL6, (("Host", "[::1]:8080"),), "/ws", "ws://[::1]:8080"),
        (Endpoint("ws", "[::1]", 8080), (("Host", "[::1]"),), "/ws", "ws://[::1]:8080"),
        (LOCAL6, (("Host", "[::2]:8080"),), "/ws", "ws://[::1]:8080 (Host [::2]:8080)"),
    ],
)
def test_destination_key(endpoint: Endpoint, headers: tuple[tuple[str, str], ...], target: str, key: str) -> None:
    """Where a request goes, as a binding names it: the endpoint, the SNI and every Host that routes elsewhere."""
    assert destination_key(endpoint, Request(target=target, headers=headers)) == key


def test_destination_key_without_a_request_is_the_endpoint() -> None:
    """With no request there is no Host to weigh: the endpoint (and its SNI)."""
    assert destination_key(Endpoint("wss", "10.0.0.5", 443, sni="API.example")) == "wss://10.0.0.5:443 (SNI api.example)"
    assert destination_key(API) == endpoint_key(API) == "wss://api.example:443"


BEYOND_LATIN_1 = b"wsdiff: a secret beyond ISO-8859-1"
ESCAPED_BYTE = b"wsdiff: a secret holding a byte that is not UTF-8"


@pytest.mark.parametrize(
    ("secret", "data", "domain"),
    [
        ("s3cret", b"s3cret", None),
        ("caf\u00e9", b"caf\xe9", None),  # a header value's ISO-8859-1: its bytes
        ("pa\u20acss", "pa\u20acss".encode(), BEYOND_LATIN_1),  # a JSON member beyond ISO-8859-1: UTF-8, own key
        # A byte that was not UTF-8 in a message (read with surrogateescape): that byte, under a key of its own,
        # so that it never shares a fingerprint with a header's ISO-8859-1 text of the same bytes.
        ("\udcff", b"\xff", ESCAPED_BYTE),
        ("\u00e4\udce4", b"\xc3\xa4\xe4", ESCAPED_BYTE),
        ("\u20ac\udcff", b"\xe2\x82\xac\xff", ESCAPED_BYTE),
    ],
)
def test_fingerprint_is_the_first_64_bits_of_hmac_sha256(secret: str, data: bytes, domain: bytes | None) -> None:
    """A fingerprint is stable across runs and versions (stores keep them): HMAC-SHA256 of the bytes, 16 hex digits."""
    import hashlib
    import hmac

    key = KEY if domain is None else hmac.new(KEY, domain, hashlib.sha256).digest()
    assert fingerprint(KEY, secret) == "redacted:" + hmac.new(key, data, hashlib.sha256).hexdigest()[:16]


def test_a_byte_and_the_character_of_the_same_code_are_two_secrets() -> None:
    """0xE4 in a binary message and 'ä' in a header are different secrets: two fingerprints, each replayed as itself."""
    assert fingerprint(KEY, "tok\udce4-1234") != fingerprint(KEY, "tok\u00e4-1234")


# --- the client's messages: binary ones too (issue 17: restore_messages__mutmut_17) ------------------------------


def _recorded_message(kind: str, head: bytes) -> tuple[Message, dict[str, Secret]]:
    """One client message of *kind* sent after the 101 to api.example, as the recorder keeps it: redacted."""
    sent = Message("client", kind, len(head), head, 0.01)  # type: ignore[arg-type]
    raw = Capture(API, Request(target="/ws", headers=minimal_headers("api.example")),
                  Response(101, "Switching Protocols"), websocket=Session(messages=(sent,)))
    cap, found = redact_capture(raw, KEY)
    assert cap.websocket is not None
    return cap.websocket.messages[0], found


SENT_MESSAGES = [
    # A JSON auth message sent as a binary frame (socket.io-style clients and many SDKs do): valid UTF-8.
    ("binary", b'{"op":"auth","token":"tok-REAL-7f3a9c"}', "message client 1 token", b'{"op":"auth"}'),
    # A binary protocol: a length byte that is not UTF-8, then an auth line; not JSON.
    ("binary", b"\x9c\x01AUTH Bearer tok-REAL-7f3a9c\x00\xff", "message client 1", None),
    # A secret holding a byte that is not UTF-8, in a message that holds another: put back as that byte.
    ("binary", b'{"token":"tok-\xe9REAL-7f3a9c","v":"\xff"}', "message client 1 token", b'{"v":"\xff"}'),
    ("text", b'{"token":"tok-\xe9REAL-7f3a9c","v":"\xff"}', "message client 1 token", b'{"v":"\xff"}'),
    # ... and when the secret holds the message's only such byte (the redacted message is then valid UTF-8).
    ("binary", b'{"op":"auth","token":"tok-\xe9REAL-7f3a9c"}', "message client 1 token", b'{"op":"auth"}'),
    # A text message, for comparison: valid UTF-8, a secret beyond ASCII.
    ("text", '{"token":"tok-\u00e9REAL-7f3a9c"}'.encode(), "message client 1 token", b"{}"),
]
SENT_IDS = ["binary-json", "binary-protocol", "binary-latin-1-secret", "text-latin-1-secret",
            "binary-only-byte-in-secret", "text-utf-8-secret"]
WHERE_RECORDED = {"endpoint": API, "request": Request(headers=(("Host", "api.example"),))}


@pytest.mark.parametrize(("kind", "head", "place", "left"), SENT_MESSAGES, ids=SENT_IDS)
def test_a_message_secret_is_restored_byte_for_byte_binary_or_text(kind: str, head: bytes, place: str,
                                                                    left: bytes | None) -> None:
    """Replay sends a client message, binary or text, with its secret back: the bytes recorded, never a fingerprint."""
    redacted, found = _recorded_message(kind, head)
    [fp] = found
    assert fp.encode() in redacted.head and b"REAL" not in redacted.head
    assert {b.place for b in found[fp].bindings} == {place}
    [back] = restore_messages((redacted,), found, **WHERE_RECORDED)  # type: ignore[arg-type]
    assert back == Message("client", kind, len(head), head, 0.01, False)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "head", "place", "left"), SENT_MESSAGES, ids=SENT_IDS)
def test_a_message_secret_pointed_elsewhere_is_refused_binary_or_text(kind: str, head: bytes, place: str,
                                                                      left: bytes | None) -> None:
    """A capture pointed at another host cannot take a binary message's secret there either: refused by place."""
    redacted, found = _recorded_message(kind, head)
    [fp] = found
    with pytest.raises(SecretRefusedError) as e:
        restore_messages((redacted,), found, endpoint=EVIL, request=Request(headers=(("Host", "evil.example"),)))
    assert str(e.value) == (f"the secret in {place} ({fp}) belongs to {place} at wss://api.example:443; refusing to "
                            "send it to wss://evil.example:443: the capture points somewhere this secret was never "
                            "recorded")


@pytest.mark.parametrize(("kind", "head", "place", "left"), SENT_MESSAGES, ids=SENT_IDS)
def test_a_message_secret_missing_from_the_store_is_named_or_left_out(kind: str, head: bytes, place: str,
                                                                      left: bytes | None) -> None:
    """Without its secret, a binary message's fingerprint is named, or with drop its member (or message) goes."""
    redacted, found = _recorded_message(kind, head)
    [fp] = found
    with pytest.raises(SecretError) as e:
        restore_messages((redacted,), {}, **WHERE_RECORDED)  # type: ignore[arg-type]
    assert str(e.value) == (f"the local secret store has no value for message 1{place.removeprefix('message client 1')}"
                            f" ({fp}) (replay on the machine that recorded it, or --missing-secrets=drop to leave them "
                            "out)")
    kept = restore_messages((redacted,), {}, drop_missing=True, **WHERE_RECORDED)  # type: ignore[arg-type]
    # A JSON member: only it goes, every other byte is sent; not JSON: the whole message is left out.
    assert kept == (() if left is None else (Message("client", kind, len(left), left, 0.01, False),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("head", "value", "sent"),
    [
        # Every message is read as UTF-8, a byte that is not UTF-8 as a lone surrogate (U+DC80-U+DCFF): a
        # secret's characters go out as UTF-8, whatever else the message holds.
        (b"\xffAUTH Bearer FP", "pa\u20acss-77", b"\xffAUTH Bearer pa\xe2\x82\xacss-77"),
        (b"\xffAUTH Bearer FP", "pa\u00e9ss-77", b"\xffAUTH Bearer pa\xc3\xa9ss-77"),
        (b"AUTH Bearer FP \xe2\x82\xac", "pa\u00e9ss-77", b"AUTH Bearer pa\xc3\xa9ss-77 \xe2\x82\xac"),
        # ... and each of its lone surrogates as the byte it stands for.
        (b"AUTH Bearer FP", "pa\udcffss-77", b"AUTH Bearer pa\xffss-77"),
        (b"\xffAUTH Bearer FP", "pa\udcffss-77", b"\xffAUTH Bearer pa\xffss-77"),
        (b"\xffAUTH Bearer FP", "p\u00e9\udcffss-77", b"\xffAUTH Bearer p\xc3\xa9\xffss-77"),
        (b"\xffAUTH Bearer FP", "p\u20ac\udcffss-77", b"\xffAUTH Bearer p\xe2\x82\xac\xffss-77"),
        # A surrogate of another kind (only a hand-edited store holds one): as UTF-8 carries it, never a crash.
        (b"AUTH Bearer FP", "pa\ud83dss-77", b"AUTH Bearer pa\xed\xa0\xbdss-77"),
    ],
    ids=["utf-8-secret-in-binary", "latin-1-char-in-binary", "secret-in-utf-8", "escaped-byte-in-utf-8",
         "escaped-byte-in-binary", "latin-1-char-and-escaped-byte", "utf-8-and-escaped-byte", "other-surrogate"],
)
def test_a_stored_secret_goes_in_the_encoding_its_message_was_read_with(head: bytes, value: str, sent: bytes) -> None:
    """A secret's text is sent as UTF-8, each lone surrogate of redaction's reading as the byte it stands for."""
    secrets = _bound_to(value, ("wss://api.example:443", "message client 1"))
    [fp] = secrets
    m = Message("client", "binary", 99, head.replace(b"FP", fp.encode()), 0.0, False)
    [back] = restore_messages((m,), secrets, **WHERE_RECORDED)  # type: ignore[arg-type]
    assert back == Message("client", "binary", len(sent), sent, 0.0, False)
