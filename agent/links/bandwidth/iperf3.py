"""The ``iperf3`` backend: the iperf3 client (Debian's binary) against a provincial iperf3
server, upload then download (``-R``), read from its JSON output (``-J``).

A test is three steps, one after the other:

1. the idle round trip (:mod:`agent.links.bandwidth.idle_rtt`: TCP connects to the server's
   port, before any load), the latency every backend reports;
2. the upload, ``-O OMIT_SECONDS`` then ``-t`` seconds
   (:func:`agent.links.bandwidth.speedtestcli.target_seconds` of the test's ``duration``);
3. the download, the same with ``-R``.

iperf3's server closes its listening socket after every test (and after each connection of
step 1) and opens it again a few milliseconds later, and answers "busy" while another client's
test runs: a run the server did not take (nothing moved: refused, busy, or reset before the
test) is started again after a growing delay (:class:`agent.links.bandwidth.backoff.Backoff`),
for at most ``ACCEPT_WAIT`` seconds, never after a fixed sleep.

``-O`` leaves slow start out of the rates: the first seconds of a TCP transfer are its ramp and,
over a link with a short queue, the losses of its overshoot and their recovery (over the lab's
7 Mbit/s tbf link, without it one direction in fifteen read 7–12 % low).  Two seconds, not one:
such a recovery has outlasted the first second (3–8 % low with one).

The bytes a direction moved are not in iperf3's report: its sums leave the omitted seconds out,
its interval reports with ``--omit`` and ``-R`` lose or mislabel one (3.12), the sender's queue
still drains after the receiver stops counting, and retransmitted segments cross the link
again (the lab's interface carried 13 % more than the sums and the omitted seconds at the
measured rate, headers included, at 5 Mbit/s downloading; 37 % more at 2 Mbit/s over a queue of
8 packets).  So a direction counts the larger of the measured rate over the whole time the
client ran (set-up and result exchange, a few round trips, make it an over-count) and what the
sender wrote plus the omitted seconds at that rate; and adds the segments the sender
retransmitted, as iperf3 reports them.  In the lab, whose tbf drops a segment before the
interface counts it, that reads 3–7 % above what the interface carried; on a real link the
drop is further on, and the segment crossed the site's interface twice.

When what is left of the data budget is below what the direction could carry at ``CAP_RATE``,
it runs ``-n BYTES`` instead, without ``-O`` (iperf3 starts the ``-n`` count again after the
omitted seconds, which would leave them unbounded), and is interrupted at the time limit;
iperf3 still writes its JSON then.

A link's ``source_address`` is ``-B``, its ``interface`` ``--bind-dev`` (SO_BINDTODEVICE).
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
from agent.links.bandwidth import idle_rtt
from agent.links.bandwidth.backoff import Backoff
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from agent.links.bandwidth.speedtestcli import target_seconds
from sansang.reasons import Reason, describe, reason_for_os_error

IPERF3 = "iperf3"
CAP_RATE = 12_500_000  # bytes/s (100 Mbit/s): a budget below (O + T) × this switches to `-n`
BLOCK = 131_072  # iperf3's TCP write: `-n` stops at the first block end past its count
CONNECT_TIMEOUT = 5.0  # seconds, iperf3's --connect-timeout and each idle-RTT connect's
OMIT_SECONDS = 2  # iperf3's --omit: slow start and its first losses left out of the rates
ACCEPT_WAIT = 10.0  # seconds a run waits for the server to take it (another test: O + T s)
SLACK = 5.0  # seconds over -O + -t before the client is interrupted (connect, result exchange)
INTERRUPTED = "interrupt - the client has terminated"
SEGMENT = 1448  # bytes of payload per segment (MTU 1500 with timestamps) when iperf3 says none
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
# ... of a run the server did not take: refused while it re-opens, busy with another client,
# or a connection it had queued before closing its socket, reset before the test began
_NOT_TAKEN = (
    "connection refused",
    "busy running a test",
    "connection reset",
    "control socket has closed unexpectedly",
    "unable to receive control message",
    "unable to send control message",
    "unable to send cookie",
)


class NotTaken(SpeedtestError):
    """The server did not take the run (nothing moved): worth starting it again."""


@dataclass(frozen=True)
class Direction:
    rate: float  # bytes per second the receiving end counted
    bytes: int  # payload that crossed the link, counted from above (see the module's doc)


def omit_seconds(duration: float, seconds: int) -> int:
    """``OMIT_SECONDS``, or less when ``-O`` and ``-t`` would not fit in ``duration``."""
    return max(0, min(OMIT_SECONDS, math.floor(duration) - seconds))


def time_bound(duration: float) -> float:
    """The longest a test may take: the idle RTT (a connect that times out, or a refusal to the
    end of ``ACCEPT_WAIT``), then two directions, each waiting for the server at most
    ``ACCEPT_WAIT`` and running at most its limit and the interrupt's slack."""
    seconds = max(1, math.ceil(target_seconds(duration)))
    direction = ACCEPT_WAIT + omit_seconds(duration, seconds) + seconds + 2 * SLACK
    return max(CONNECT_TIMEOUT, ACCEPT_WAIT) + 2 * direction


def command(
    host: str,
    port: int,
    link: Link | None,
    *,
    seconds: int,
    cap: int | None,
    reverse: bool,
    omit: int = 0,
) -> list[str]:
    """The iperf3 client's argv (never a shell)."""
    argv = [IPERF3, "-c", host, "-p", str(port), "-J"]
    argv += ["--connect-timeout", str(int(CONNECT_TIMEOUT * 1000))]
    argv += ["-n", str(cap)] if cap is not None else ["-t", str(seconds)]
    if omit:
        argv += ["-O", str(omit)]
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
    omit = omit_seconds(duration, seconds)
    server = f"{host}:{port}"
    latency = await _idle_rtt(host, port, link)
    up = await _direction(host, port, link, seconds, omit, max_bytes // 2, reverse=False)
    try:
        down = await _direction(host, port, link, seconds, omit, max_bytes - up.bytes, reverse=True)
    except SpeedtestError as err:
        raise SpeedtestError(err.reason, err.detail, up.bytes + err.bytes_used) from err
    return SpeedResult(
        kind="iperf3",
        server=server,
        download_bps=down.rate,
        upload_bps=up.rate,
        latency_seconds=latency,
        bytes_used=up.bytes + down.bytes,
        duration_seconds=time.monotonic() - started,
    )


async def _idle_rtt(host: str, port: int, link: Link | None) -> float:
    """The idle round trip over the link the test takes (its source address or device)."""
    try:
        return await asyncio.to_thread(
            idle_rtt.measure,
            host,
            port,
            timeout=CONNECT_TIMEOUT,
            source=link.source_address if link is not None else None,
            device=link.interface if link is not None else None,
            refused_wait=ACCEPT_WAIT,
        )
    except OSError as err:
        detail = f"iperf3 {host}:{port}: {describe(err)}"
        raise SpeedtestError(reason_for_os_error(err), detail) from err


async def _direction(
    host: str,
    port: int,
    link: Link | None,
    seconds: int,
    omit: int,
    budget: int,
    *,
    reverse: bool,
) -> Direction:
    capped = budget < (omit + seconds) * CAP_RATE
    cap = budget - BLOCK if capped else None
    if cap is not None and cap < BLOCK:
        raise SpeedtestError("error", f"data budget left ({budget} bytes) too small for iperf3")
    omit = 0 if capped else omit
    argv = command(host, port, link, seconds=seconds, cap=cap, reverse=reverse, omit=omit)
    where = f"iperf3 {'download' if reverse else 'upload'} {host}:{port}"
    backoff = Backoff(ACCEPT_WAIT)
    while True:
        started = time.monotonic()
        out, err, interrupted = await _execute(argv, omit + seconds + SLACK)
        ran = time.monotonic() - started
        try:
            return parse(out, err, where, interrupted=interrupted, omitted=omit, ran=ran)
        except NotTaken as refusal:
            delay = backoff.next_delay()
            if delay is None:
                detail = f"{refusal.detail} ({backoff.attempts} attempts in {ACCEPT_WAIT:g} s)"
                raise SpeedtestError(refusal.reason, detail) from None
            await asyncio.sleep(delay)


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


def parse(
    out: bytes,
    err: bytes,
    where: str,
    *,
    interrupted: bool = False,
    omitted: int = 0,
    ran: float = 0.0,
) -> Direction:
    """One direction from iperf3's JSON; its ``error`` (or unreadable output) raises.

    The rate is what the receiving end counted after the ``omitted`` seconds.  The bytes are
    the larger of that rate over the ``ran`` seconds the client ran and what the sender wrote
    plus the omitted seconds at that rate, and the retransmitted segments.  A run that failed
    counts what its intervals moved before it failed."""
    try:
        report: dict[str, Any] = json.loads(out)
    except ValueError:
        text = err.decode(errors="replace").strip() or out[:200].decode(errors="replace")
        raise error_from_text(text or "no output", where) from None
    message = str(report.get("error", ""))
    if message and not (interrupted and message == INTERRUPTED):
        raise error_from_text(message, where, _interval_bytes(report))
    end = report.get("end") or {}
    sent, received = end.get("sum_sent") or {}, end.get("sum_received") or {}
    counted = received if received.get("bytes") else sent
    moved = int(max(sent.get("bytes", 0), received.get("bytes", 0)))
    if not counted.get("seconds"):
        raise SpeedtestError("protocol_error", f"{where}: no result in iperf3's output", moved)
    rate = float(counted["bytes"]) / float(counted["seconds"])
    reported = moved + math.ceil(rate * omitted)
    segment = int((report.get("start") or {}).get("tcp_mss_default") or SEGMENT)
    sent_again = _retransmits(report) * segment
    return Direction(rate=rate, bytes=max(reported, math.ceil(rate * ran)) + sent_again)


def _retransmits(report: dict[str, Any]) -> int:
    """Segments the sender sent again: after the omitted seconds (the end's sum), and in them
    (the client's omitted intervals, when the client sends)."""
    end = report.get("end") or {}
    after = int((end.get("sum_sent") or {}).get("retransmits") or 0)
    intervals = [(i.get("sum") or {}) for i in report.get("intervals") or []]
    return after + sum(int(i.get("retransmits") or 0) for i in intervals if i.get("omitted"))


def _interval_bytes(report: dict[str, Any]) -> int:
    """What the client's interval reports say moved (of a run that ended in an error)."""
    return sum(int((i.get("sum") or {}).get("bytes", 0)) for i in report.get("intervals") or [])


def error_from_text(message: str, where: str, moved: int = 0) -> SpeedtestError:
    """iperf3's error text as a reason; "the server is busy running a test" is its own.  A run
    that moved nothing and was refused or cut before its test is :class:`NotTaken`."""
    lowered = message.lower()
    reason: Reason = next((r for needle, r in _ERRORS if needle in lowered), "error")
    detail = f"{where}: {message}"
    if "busy" in lowered:
        detail = f"{where}: server busy running another test ({message})"
    if moved == 0 and any(needle in lowered for needle in _NOT_TAKEN):
        return NotTaken(reason, detail)
    return SpeedtestError(reason, detail, moved)
