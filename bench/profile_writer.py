"""Where the recorder's writer spends its time per capture: step by step, cProfile, and the real child.

Jobs are snapshots as the hook takes them from a live flow: the 403 that
bench/record_overhead.py loads (``--kind bench``), or that mixed half and
half with a browser handshake full of credentials, accepted and closed after
some messages (``--kind mixed``), written with redaction on.

1. ``child``: the real writer child (ProcessWriter) fed --n jobs through its
   pipe; its CPU per capture read from /proc.
2. ``profile``: cProfile of the writer's per-job function (top entries).
3. ``stages``: each step timed in this process over --n jobs (CPU per
   capture, system time included).

Every step writes into a fresh folder under --dir (default: the project's
captures/), removed at the end unless --keep. On an ext4 without a journal,
a new file costs several times more for minutes after many deletions nearby
(see README, Figures): leave a few minutes between runs, or pass another --dir.

    .venv/bin/python bench/profile_writer.py [--n 5000] [--kind bench|mixed] [--steps child,profile,stages] [--keep]
"""

from __future__ import annotations

import argparse
import cProfile
import marshal
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import tree_cpu_seconds  # noqa: E402

from wsdiff.capture_json import dumps_capture  # noqa: E402
from wsdiff.document import build_document, dumps_document  # noqa: E402
from wsdiff.files import capture_filename, open_folder, write_atomic_at  # noqa: E402
from wsdiff.recording import writer as writer_mod  # noqa: E402
from wsdiff.recording.notice import Notices  # noqa: E402
from wsdiff.recording.snapshot import capture_from_snapshot  # noqa: E402
from wsdiff.redact import redact_capture  # noqa: E402
from wsdiff.secrets import SecretStore  # noqa: E402

T0 = 1795623630.1866658


def bench_snapshot(i: int) -> tuple:
    """The 403 that bench/record_overhead.py sends, as uvicorn answers it through reverse mode."""
    return (
        False, "127.0.0.1", 56105, None, "GET", b"/nope", "HTTP/1.1",
        ((b"Host", b"127.0.0.1:56105"), (b"Upgrade", b"websocket"), (b"Connection", b"Upgrade"),
         (b"Sec-WebSocket-Key", b"oWeL0EnzgnVY+Hp9p+o2Dw=="), (b"Sec-WebSocket-Version", b"13"),
         (b"User-Agent", b"wsdiff-bench"), (b"X-API-Key", b"bench-secret")),
        T0 + i * 0.001,
        (403, "Forbidden", "HTTP/1.1", ((b"Date", b"Wed, 25 Nov 2026 16:20:30 GMT"), (b"Connection", b"close"),
                                        (b"Content-Length", b"0"), (b"Content-Type", b"text/plain; charset=utf-8")),
         b"", 0, T0 + i * 0.001 + 0.007, T0 + i * 0.001 + 0.0074),
        None, None, ("127.0.0.1", 55032 + i % 1000), "reverse:http://127.0.0.1:56106",
        f"1cd4ae97-4076-4e31-af5f-{i:012d}", "bench", True, "open", None,
    )


def browser_snapshot(i: int) -> tuple:
    """A Chromium handshake with cookies, a bearer token and a query key, accepted, then closed after messages."""
    t = T0 + i * 0.001
    messages = (
        (True, True, b'{"type":"auth","token":"tok-' + str(i).encode() + b'"}', 36, t + 0.02),
        (False, True, b'{"type":"audio_format","sample_rate":24000,"encoding":"pcm_s16le"}', 66, t + 0.03),
        (False, False, bytes(range(200)), 4000, t + 0.04),
    )
    return (
        True, "tts.example", 443, "tts.example", "GET", f"/v1/stream?voice=alloy&api_key=k{i}&format=pcm".encode(),
        "HTTP/1.1",
        ((b"Host", b"tts.example"), (b"Connection", b"Upgrade"), (b"Pragma", b"no-cache"),
         (b"Cache-Control", b"no-cache"),
         (b"User-Agent", b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                         b"HeadlessChrome/156.0.0.0 Safari/537.36"),
         (b"Upgrade", b"websocket"), (b"Origin", b"http://localhost:3000"), (b"Sec-WebSocket-Version", b"13"),
         (b"Accept-Encoding", b"gzip, deflate, br, zstd"), (b"Accept-Language", b"en-US,en;q=0.9"),
         (b"Cookie", b"sid=s" + str(i).encode() + b"; theme=dark; _ga=GA1.1.123"),
         (b"Authorization", b"Bearer eyJhbGciOiJIUzI1NiJ9.e30.x" + str(i).encode()),
         (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
         (b"Sec-WebSocket-Extensions", b"permessage-deflate; client_max_window_bits"),
         (b"Sec-WebSocket-Protocol", b"tts.v1, tts.v2")),
        t,
        (101, "Switching Protocols", "HTTP/1.1",
         ((b"Upgrade", b"websocket"), (b"Connection", b"Upgrade"),
          (b"Sec-WebSocket-Accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), (b"Sec-WebSocket-Protocol", b"tts.v1"),
          (b"Set-Cookie", b"sid=new" + str(i).encode() + b"; Path=/; HttpOnly"), (b"server", b"uvicorn")),
         b"", 0, t + 0.01, t + 0.011),
        None, (messages, 12, 1000, "bye", False, t + 1.5), ("::1", 40000 + i % 1000), "regular",
        f"9f0e5a1c-1111-4e31-af5f-{i:012d}", "app", False, "closed", None,
    )


def jobs(n: int, kind: str, folder: Path, secrets: Path) -> list[tuple]:
    def make(i: int) -> tuple:
        return bench_snapshot(i) if kind == "bench" or i % 2 else browser_snapshot(i)

    return [(make(i), str(folder), True, str(secrets)) for i in range(n)]


def us(seconds: float, n: int) -> str:
    return f"{seconds / n * 1e6:7.1f} µs"


def stages(js: list[tuple]) -> None:
    """Time each step of writing a capture separately (CPU of this process, system time included)."""
    n = len(js)
    store = SecretStore(js[0][3])
    key = store.key()
    folder = Path(js[0][1])
    frames = [marshal.dumps(j) for j in js]
    clock = time.process_time
    steps: list[tuple[str, float]] = []

    def step(label: str, fn: object, items: list) -> list:
        t = clock()
        out = [fn(x) for x in items]  # type: ignore[operator]
        steps.append((label, clock() - t))
        return out

    loaded = step("marshal.loads", marshal.loads, frames)
    captures = step("capture_from_snapshot", capture_from_snapshot, [j[0] for j in loaded])
    names = step("capture_filename", capture_filename, captures)
    redacted = step("redact_capture", lambda c: redact_capture(c, key), captures)
    step("SecretStore.add", lambda r: store.add(r[1]) if r[1] else None, redacted)
    data = step("dumps_capture", dumps_capture, [c for c, _ in redacted])
    notices = Notices("wsdiff")
    step("Notices.see", lambda c: notices.see(c, str(folder)), [c for c, _ in redacted])
    fd = open_folder(folder)
    step("write_atomic_at (new file)", lambda nd: write_atomic_at(fd, nd[0], nd[1]), list(zip(names, data)))
    total = sum(v for _, v in steps)
    t = clock()
    for c, _ in redacted:
        dumps_document(build_document(c))
    general = clock() - t
    print(f"stages over {n} captures (CPU of this process per capture; {sum(map(len, data)) / n:.0f} bytes each):")
    for label, v in steps:
        print(f"  {label:26} {us(v, n)}  {v / total * 100:5.1f}%")
    print(f"  {'total':26} {us(total, n)}")
    print(f"  {'(build + dumps_document)':26} {us(general, n)}  what dumps_capture stands for")
    # Last, because replacing a file frees an inode, and on an ext4 without a journal every new inode then
    # costs more for minutes: the same files written again, as the completion of an accepted connection does.
    t = clock()
    for name, d in zip(names, data, strict=True):
        write_atomic_at(fd, name, d)
    print(f"  {'write_atomic_at (replacing)':26} {us(clock() - t, n)}")
    os.close(fd)


def profile(js: list[tuple], top: int) -> None:
    worker = writer_mod.Worker(lambda level, message: None)
    prof = cProfile.Profile()
    prof.enable()
    for j in js:
        worker.do(j)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def child(js: list[tuple]) -> None:
    """CPU of the real writer child per capture, for the jobs sent through its pipe."""
    w = writer_mod.ProcessWriter(lambda level, message: print(level, message))
    pid = w._proc.pid
    c0 = tree_cpu_seconds(pid)
    t0 = time.perf_counter()
    for j in js:
        w.put(j)
    # Wait for the files rather than closing, so that the child's exit is not counted.
    folder = Path(js[0][1])
    while sum(not name.startswith(".") for name in os.listdir(folder)) < len(js):
        time.sleep(0.05)
    c1 = tree_cpu_seconds(pid)
    wall = time.perf_counter() - t0
    w.close()
    print(f"writer child: {us(c1 - c0, len(js))} CPU per capture over {len(js)} ({wall:.2f} s wall; /proc counts "
          f"in 10 ms ticks)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--kind", choices=["bench", "mixed"], default="bench")
    ap.add_argument("--steps", default="child,profile,stages", help="which steps to run (default: all three)")
    ap.add_argument("--top", type=int, default=25, help="cProfile entries shown")
    ap.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent.parent / "captures",
                    help="where to make the temporary folder (default: the project's captures/)")
    ap.add_argument("--keep", action="store_true", help="keep the folder (its deletion makes new files nearby dearer "
                                                        "for minutes on ext4 without a journal)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wsdiff-prof-", dir=args.dir))
    try:
        # stages runs last: replacing files frees inodes, which makes the next new files dearer (see above).
        for step, fn in (("child", child), ("profile", profile), ("stages", stages)):
            if step not in args.steps.split(","):
                continue
            folder = work / step
            folder.mkdir()
            fn(jobs(args.n, args.kind, folder, work / "secrets"), *((args.top,) if step == "profile" else ()))
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
