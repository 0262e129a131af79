"""The ``iperf3`` backend: the iperf3 client (Debian's binary) against a provincial iperf3
server, upload then download (``-R``), read from its JSON output (``-J``).

Each direction runs ``-t`` seconds (:func:`agent.links.bandwidth.speedtestcli.target_seconds` of the
test's ``duration``, as the selfhosted backend aims at).  When what is left of the data budget
is below what that time could carry at ``CAP_RATE``, the direction runs ``-n BYTES`` instead (an
end at that size) and is interrupted at the time limit; iperf3 still writes its JSON then.
A link's ``source_address`` is ``-B``, its ``interface`` ``--bind-dev`` (SO_BINDTODEVICE).
The latency is the upload's smallest TCP round trip (``min_rtt``, measured by the kernel).
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import time
from dataclasses import dataclass
from typing import Any

from agent.config.links import Link
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from agent.links.bandwidth.speedtestcli import target_seconds
from sansang.reasons import Reason

IPERF3 = "iperf3"
CAP_RATE = 12_500_000  # bytes/s (100 Mbit/s): a budget below T × this switches to `-n`
BLOCK = 131_072  # iperf3's TCP write: `-n` stops at the first block end past its count
CONNECT_TIMEOUT = 5.0  # seconds, iperf3's --connect-timeout
SLACK = 5.0  # seconds over -t before the client is interrupted (connect, result exchange)
INTERRUPTED = "interrupt - the client has terminated"
# iperf3's error texts (its "error" field, stderr without -J) → reason
_ERRORS: tuple[tuple[str, Reason], ...] = (
    ("connection refused", "refused"),
    ("no route to host", "unreachable"),
    ("network is unreachable", "unreachable"),
    ("timed out", "timeout"),
    ("connection reset", "protocol_error"),
    ("name or service not known", "name_not_resolved"),
    ("temporary failure in name resolution", "name_not_resolved"),
    ("unable to resolve", "name_not_resolved"),
    ("permission denied", "permission_denied"),
    ("operation not permitted", "permission_denied"),
)


@dataclass(frozen=True)
class Direction:
    rate: float  # bytes per second the receiving end counted
    bytes: int
    min_rtt: float | None  # seconds, the sender's (upload only: the client sends)


def command(
    host: str, port: int, link: Link | None, *, seconds: int, cap: int | None, reverse: bool
) -> list[str]:
    """The iperf3 client's argv (never a shell)."""
    argv = [IPERF3, "-c", host, "-p", str(port), "-J"]
    argv += ["--connect-timeout", str(int(CONNECT_TIMEOUT * 1000))]
    argv += ["-n", str(cap)] if cap is not None else ["-t", str(seconds)]
    if reverse:
        argv.append("-R")
    if link is not None and link.source_address:
        argv += ["-B", link.source_address]
    if link is not None and link.interface:
        argv += ["--bind-dev", link.interface]
    return argv


async def run(
    host: str, port: int, link: Link | None, *, duration: float, max_bytes: int
) -> SpeedResult:
    started = time.monotonic()
    seconds = max(1, math.ceil(target_seconds(duration)))
    server = f"{host}:{port}"
    up = await _direction(host, port, link, seconds, max_bytes // 2, reverse=False)
    try:
        down = await _direction(host, port, link, seconds, max_bytes - up.bytes, reverse=True)
    except SpeedtestError as err:
        raise SpeedtestError(err.reason, err.detail, up.bytes + err.bytes_used) from err
    return SpeedResult(
        kind="iperf3",
        server=server,
        download_bps=down.rate,
        upload_bps=up.rate,
        latency_seconds=up.min_rtt,
        bytes_used=up.bytes + down.bytes,
        duration_seconds=time.monotonic() - started,
    )


async def _direction(
    host: str, port: int, link: Link | None, seconds: int, budget: int, *, reverse: bool
) -> Direction:
    cap = budget - BLOCK if budget < seconds * CAP_RATE else None
    if cap is not None and cap < BLOCK:
        raise SpeedtestError("error", f"data budget left ({budget} bytes) too small for iperf3")
    argv = command(host, port, link, seconds=seconds, cap=cap, reverse=reverse)
    out, err, interrupted = await _execute(argv, seconds + SLACK)
    where = f"iperf3 {'download' if reverse else 'upload'} {host}:{port}"
    return parse(out, err, where, interrupted=interrupted)


async def _execute(argv: list[str], limit: float) -> tuple[bytes, bytes, bool]:
    """(stdout, stderr, whether it had to be interrupted at ``limit`` seconds)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise SpeedtestError("error", "iperf3 is not installed (apt-get install iperf3)") from None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
        return out, err, False
    except TimeoutError:
        proc.send_signal(signal.SIGINT)  # iperf3 then writes its JSON with what it measured
    try:
        out, err = await asyncio.wait_for(proc.communicate(), SLACK)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise SpeedtestError("timeout", f"iperf3 gave no result within {limit:.0f} s") from None
    return out, err, True


def parse(out: bytes, err: bytes, where: str, *, interrupted: bool = False) -> Direction:
    """One direction from iperf3's JSON; its ``error`` (or unreadable output) raises."""
    try:
        report: dict[str, Any] = json.loads(out)
    except ValueError:
        text = err.decode(errors="replace").strip() or out[:200].decode(errors="replace")
        raise error_from_text(text or "no output", where) from None
    message = str(report.get("error", ""))
    if message and not (interrupted and message == INTERRUPTED):
        raise error_from_text(message, where)
    end = report.get("end") or {}
    sent, received = end.get("sum_sent") or {}, end.get("sum_received") or {}
    moved = int(max(sent.get("bytes", 0), received.get("bytes", 0)))
    counted = received if received.get("bytes") else sent
    if not counted.get("seconds"):
        raise SpeedtestError("protocol_error", f"{where}: no result in iperf3's output", moved)
    streams = end.get("streams") or [{}]
    rtt = (streams[0].get("sender") or {}).get("min_rtt")
    return Direction(
        rate=float(counted["bytes"]) / float(counted["seconds"]),
        bytes=moved,
        min_rtt=float(rtt) / 1e6 if rtt else None,
    )


def error_from_text(message: str, where: str) -> SpeedtestError:
    """iperf3's error text as a reason; "the server is busy running a test" is its own."""
    lowered = message.lower()
    if "busy" in lowered:
        return SpeedtestError("error", f"{where}: server busy running another test ({message})")
    for needle, reason in _ERRORS:
        if needle in lowered:
            return SpeedtestError(reason, f"{where}: {message}")
    return SpeedtestError("error", f"{where}: {message}")
