"""Plain-text views of captures (the rich diff view lives in wsdiff.view)."""

from __future__ import annotations

from .model import Capture

__all__ = ["summary_lines"]


def summary_lines(capture: Capture, source: str = "") -> list[str]:
    """Return a short human summary of one capture, one fact per line."""
    req = capture.request
    head = f"{source}: " if source else ""
    label = f" [{capture.label}]" if capture.label else ""
    lines = [f"{head}{capture.outcome}{label}  {capture.endpoint.url}{req.target}"]
    lines.append(f"  > {req.method} {req.target} {req.http_version}")
    lines.extend(f"  > {name}: {value}" for name, value in req.headers)
    if capture.response is not None:
        resp = capture.response
        lines.append(f"  < {resp.http_version} {resp.status} {resp.reason}".rstrip())
        lines.extend(f"  < {name}: {value}" for name, value in resp.headers)
        if resp.body:
            body = resp.body[:200].decode("utf-8", "replace")
            more = " ..." if resp.body_truncated or len(resp.body) > 200 else ""
            lines.append(f"  < (body) {body!r}{more}")
    if capture.error is not None:
        lines.append(f"  ! {capture.error.kind}: {capture.error.message}")
    ws = capture.websocket
    if ws is not None:
        if ws.state == "closed":
            code = "no close frame" if ws.close_code is None else f"code {ws.close_code}"
            reason = f" {ws.close_reason!r}" if ws.close_reason else ""
            after = f" after {ws.duration:.3f} s" if ws.duration is not None else ""
            lines.append(f"  = closed by {ws.closed_by or 'unknown'}, {code}{reason}{after}")
        else:
            lines.append(f"  = still open ({ws.state})")
        for m in ws.messages:
            arrow = "<-" if m.direction == "server" else "->"
            preview = m.head[:80].decode("utf-8", "replace") if m.type == "text" else m.head[:16].hex()
            lines.append(f"  {arrow} {m.type} {m.size} B at {m.at:.3f} s: {preview}")
    return lines
