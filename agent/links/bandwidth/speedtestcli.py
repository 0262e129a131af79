"""Driving the speedtest-cli 2.1.3 library: its errors turned into reasons, and a throughput test
sized to the link instead of to speedtest.net's defaults.

speedtest-cli's own test (speedtest.net's config) plans 40 downloads of 0.25 to 32 MB and 51
uploads of 0.5 to 7 MB, cut at 10 s per direction: on a 20 Mbit/s link it moves about 25 MB each
way.  Here each direction is two steps, both through speedtest-cli's ``download``/``upload``:

1. a probe of about 0.5 MB (two of the smallest files or chunks) estimates the rate;
2. the measurement moves what the estimate says the link carries in ``TARGET_SECONDS`` (at
   most half of ``duration``; at least ``MIN_MAIN`` bytes, at most what the budget leaves), in
   files of the standard sizes and upload chunks of ``36·m + 9`` bytes, one per connection
   (fewer connection starts), over ``THREADS`` connections, one below 10 Mbit/s (there a
   second connection's start overruns a small shaper's queue: losses, then a retransmission
   timeout that costs a tenth of the test).  It ends when the planned bytes are through (not
   at a time limit), so the rate counts only bytes the far end received; ``duration`` stays
   the hard limit (speedtest-cli's ``length``).

Upload chunks of ``36·m + 9`` bytes: speedtest-cli builds a chunk as ``content1=`` plus a repeated
36-character alphabet, rounded to whole alphabets; at those sizes the body it sends is exactly the
length it declares (65,536 gives 65,529 bytes and a server that waits for the rest).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import logging
import math
import socket
import sys
import threading
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

from agent.config.links import Link
from agent.links.bandwidth import idle_rtt
from agent.links.bandwidth.result import SpeedtestError
from sansang.reasons import Reason, describe, reason_for_os_error


def _import_quietly() -> Any:
    """speedtest-cli wraps file descriptors 1 and 2 in its own files at import (and closes them
    when those are collected): give it stand-ins without a descriptor, so it keeps its hands off
    the process's."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        import speedtest
    finally:
        sys.stdout, sys.stderr = saved
    return speedtest


log = logging.getLogger(__name__)
speedtest = _import_quietly()
_Speedtest: Any = speedtest.Speedtest

SIDES = (350, 500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000)  # random{N}x{N}.jpg
THREADS = 2  # connections at once, each direction, on a link of ONE_CONNECTION or more
ONE_CONNECTION = 1_250_000  # bytes/s (10 Mbit/s): below it, one connection
TARGET_SECONDS = 3.0  # the measurement aims at this long (at most half of `duration`)
MIN_MAIN = 1_000_000  # bytes: below this, connection set-up weighs on the rate
PROBE_UPLOAD = 262_161  # 36·7282 + 9: one upload chunk of the probe
MIN_CHUNK, MAX_CHUNK = 65_565, 4_194_297  # 36·m + 9 near 64 KiB and 4 MiB
MAX_UPLOAD = 64_000_000  # bytes: speedtest-cli builds every chunk in memory first (170 Mbit/s)


def target_seconds(duration: float) -> float:
    return min(TARGET_SECONDS, duration / 2)


def side_bytes(side: int) -> int:
    """What ``random{side}x{side}.jpg`` weighs (2·N², as the endpoint serves it)."""
    return 2 * side * side


def exact_chunk(size: float) -> int:
    """The ``36·m + 9`` size nearest ``size`` within speedtest-cli's chunk range."""
    m = round((min(max(size, MIN_CHUNK), MAX_CHUNK) - 9) / 36)
    return 36 * m + 9


class Shutdown(threading.Event):
    """speedtest-cli calls ``isSet()``, deprecated on :class:`threading.Event`."""

    def isSet(self) -> bool:  # speedtest-cli's name
        return self.is_set()


class Client(_Speedtest):  # type: ignore[misc]  # speedtest-cli has no types
    """speedtest-cli's ``Speedtest``; with ``config`` it never fetches speedtest.net's."""

    def __init__(
        self,
        config: dict[str, Any] | None,
        *,
        source_address: str | None,
        timeout: float,
        shutdown: threading.Event,
    ) -> None:
        self._offline = config
        super().__init__(source_address=source_address, timeout=timeout, shutdown_event=shutdown)

    def get_config(self) -> dict[str, Any]:
        # the first call, from speedtest-cli's constructor, right after it built its opener
        if not isinstance(self._opener.open, _ClosingOpen):
            self._opener.open = _ClosingOpen(self._opener.open)
        if self._offline is None:
            return super().get_config()  # type: ignore[no-any-return]
        self.config.update(self._offline)
        self.lat_lon = (0.0, 0.0)
        return self.config  # type: ignore[no-any-return]

    def fetch(self, url: str) -> bytes:
        """GET ``url`` with this tester's opener (source address, timeout); errors raise."""
        with contextlib.closing(self._opener.open(speedtest.build_request(url))) as reply:
            return reply.read(4096)  # type: ignore[no-any-return]


class _ClosingOpen:
    """An opener's ``open`` that closes the reply an HTTPError holds before raising it:
    speedtest-cli keeps only the error's text (its server-list loop would leak four sockets)."""

    def __init__(self, open_: Callable[..., Any]) -> None:
        self._open = open_

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._open(*args, **kwargs)
        except urllib.error.HTTPError as err:
            err.close()
            raise


def offline_config(source_address: str | None) -> dict[str, Any]:
    """What ``Speedtest.config`` must hold when speedtest.net's is not fetched (sizes, counts,
    threads and length are set again for every step by :func:`measure`)."""
    return {
        "client": {"ip": source_address or "", "lat": "0", "lon": "0", "isp": "", "country": ""},
        "ignore_servers": [],
        "sizes": {"download": [SIDES[0]], "upload": [PROBE_UPLOAD]},
        "counts": {"download": 1, "upload": 1},
        "threads": {"download": THREADS, "upload": THREADS},
        "length": {"download": 10.0, "upload": 10.0},
        "upload_max": 1,
    }


def bind_address(link: Link | None) -> str | None:
    """The local address to send from: the link's ``source_address``, else the first IPv4
    address of its ``interface`` (speedtest-cli binds to an address, not to a device)."""
    if link is None:
        return None
    if link.source_address:
        return link.source_address
    if not link.interface:
        return None
    addresses = psutil.net_if_addrs().get(link.interface)
    if addresses is None:
        raise SpeedtestError("unreachable", f"no interface {link.interface} on this machine")
    for address in addresses:
        if address.family == socket.AF_INET:
            return str(address.address)
    for address in addresses:
        if address.family == socket.AF_INET6 and not address.address.startswith("fe80"):
            return str(address.address)
    raise SpeedtestError("unreachable", f"interface {link.interface} has no IP address")


def classify(err: BaseException, where: str = "") -> SpeedtestError:
    """speedtest-cli's and urllib's errors as a :class:`SpeedtestError` (reason, detail)."""
    prefix = f"{where}: " if where else ""
    reason: Reason
    if isinstance(err, SpeedtestError):
        return err
    if isinstance(err, speedtest.ConfigRetrievalError) and err.args:
        inner = err.args[0]
        if isinstance(inner, BaseException):
            return classify(inner, where)
    if isinstance(err, urllib.error.HTTPError):
        err.close()  # it holds the reply's socket
        return SpeedtestError("http_status", f"{prefix}HTTP {err.code} {err.reason}")
    if isinstance(err, urllib.error.URLError):
        if isinstance(err.reason, BaseException):
            return classify(err.reason, where)
        return SpeedtestError("error", f"{prefix}{err.reason}")
    if isinstance(err, http.client.HTTPException):
        reason, text = "protocol_error", f"not an HTTP answer ({describe(err)})"
    elif isinstance(err, OSError):
        reason, text = reason_for_os_error(err), describe(err)
    elif isinstance(err, speedtest.InvalidSpeedtestMiniServer):
        reason, text = "protocol_error", "not a Speedtest Mini server (no upload extension)"
    else:
        reason, text = "error", f"{type(err).__name__}: {describe(err)}"
    return SpeedtestError(reason, prefix + text)


@dataclass(frozen=True)
class Step:
    """One direction's measurement: bytes moved in ``seconds``."""

    bytes: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.bytes / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Measured:
    download_bps: float
    upload_bps: float
    bytes_used: int


@dataclass(frozen=True)
class Plan:
    size: int  # a file's side (download) or a chunk's bytes (upload)
    count: int
    threads: int


def threads_for(rate: float) -> int:
    """One connection below ``ONE_CONNECTION`` bytes/s (it fills such a link, and a second one
    overruns a small shaper's queue), else ``THREADS`` (as speedtest.net adds upload threads
    with the download rate)."""
    return 1 if rate < ONE_CONNECTION else THREADS


def _download(tester: Client, plan: Plan, length: float) -> Step:
    tester.config["sizes"]["download"] = [plan.size]
    tester.config["counts"]["download"] = plan.count
    tester.config["length"]["download"] = length
    bits = tester.download(threads=min(plan.threads, plan.count))
    received = int(tester.results.bytes_received)
    return Step(received, received * 8 / bits if bits else length)


def _upload(tester: Client, plan: Plan, length: float) -> Step:
    tester.config["sizes"]["upload"] = [plan.size]
    tester.config["counts"]["upload"] = plan.count
    tester.config["upload_max"] = plan.count  # speedtest-cli waits for exactly this many chunks
    tester.config["length"]["upload"] = length
    # pre-allocated: speedtest-cli builds the chunks before its clock starts
    bits = tester.upload(pre_allocate=True, threads=min(plan.threads, plan.count))
    sent = int(tester.results.bytes_sent)
    return Step(sent, sent * 8 / bits if bits else length)


def _whole_rounds(wanted: float, size: int, threads: int, budget: int) -> int:
    """How many transfers of ``size``: the multiple of ``threads`` nearest ``wanted`` (every
    connection ends with the others: no lone transfer at the end), within ``budget``."""
    count = threads * max(1, round(wanted / size / threads))
    return min(count, budget // size)


def plan_download(wanted: float, budget: int, threads: int) -> Plan | None:
    """The largest standard file that still gives every connection one, as many as ``wanted``
    bytes need, within ``budget``; None when not even one fits."""
    side = SIDES[0]
    for candidate in SIDES:
        if side_bytes(candidate) * threads <= wanted:
            side = candidate
    count = _whole_rounds(wanted, side_bytes(side), threads, budget)
    return Plan(side, count, threads) if count >= 1 else None


def plan_upload(wanted: float, budget: int, threads: int) -> Plan | None:
    """One chunk per connection up to ``MAX_CHUNK``, like :func:`plan_download`; at most
    ``MAX_UPLOAD`` bytes (speedtest-cli builds every chunk in memory first)."""
    wanted = min(wanted, MAX_UPLOAD)
    rounds = math.ceil(wanted / (MAX_CHUNK * threads))
    chunk = exact_chunk(wanted / (rounds * threads))
    count = _whole_rounds(wanted, chunk, threads, budget)
    return Plan(chunk, count, threads) if count >= 1 else None


Runner = Callable[[Client, Plan, float], Step]
Planner = Callable[[float, int, int], Plan | None]


def _direction(
    tester: Client, run: Runner, plan: Planner, probe: Plan, duration: float, budget: int
) -> tuple[Step, int]:
    """Probe, then the measurement sized from the probe: (the step the rate comes from, bytes
    both moved)."""
    started = time.monotonic()
    first = run(tester, probe, duration)
    if first.bytes == 0:
        return first, 0
    left = duration - (time.monotonic() - started)
    target = target_seconds(duration)
    wanted = max(first.rate * target, MIN_MAIN)
    sized = plan(wanted, budget - first.bytes, threads_for(first.rate))
    if sized is None or left < target / 2:
        return first, first.bytes  # a slow link: the probe filled the time, it is the result
    main = run(tester, sized, left)
    if main.bytes == 0:
        return main, first.bytes
    return main, first.bytes + main.bytes


def idle_latency(root: str, source: str | None, timeout: float) -> float | None:
    """The idle round trip to the server of ``root`` (:mod:`agent.links.bandwidth.idle_rtt`),
    taken before the transfers; None when no connect got through (the server answered
    speedtest-cli already, through a proxy maybe: the test goes on, its latency unknown)."""
    host, port = idle_rtt.address_of(root)
    try:
        return idle_rtt.measure(host, port, timeout=timeout, source=source)
    except OSError as err:
        log.warning("idle latency to %s:%d not measured: %s", host, port, describe(err))
        return None


def measure(tester: Client, root: str, *, duration: float, max_bytes: int) -> Measured:
    """Download and upload against the server ``tester`` has set as its best (whose files are
    under ``root``); raises :class:`SpeedtestError`.  speedtest-cli's own latency (half the
    mean of three connect + GET latency.txt) only tells whether the server answers: the
    latency a test reports is :func:`idle_latency`, as every backend's."""
    down_probe, up_probe = Plan(SIDES[0], 2, THREADS), Plan(PROBE_UPLOAD, 2, THREADS)
    smallest = 2 * side_bytes(SIDES[0]) + 2 * PROBE_UPLOAD
    if max_bytes < smallest:
        raise SpeedtestError(
            "error", f"data budget left ({max_bytes} bytes) is below the smallest test ({smallest})"
        )
    ping_ms = float(tester.results.ping)
    if ping_ms >= 600_000:  # speedtest-cli counts a failed latency request as 3,600 s
        _diagnose(tester, f"{root}/latency.txt")
        raise SpeedtestError("protocol_error", f"{root}/latency.txt did not answer test=test")
    down, down_bytes = _direction(
        tester, _download, plan_download, down_probe, duration, max_bytes // 2
    )
    if down.bytes == 0:
        _diagnose(tester, f"{root}/random{SIDES[0]}x{SIDES[0]}.jpg")
        raise SpeedtestError("protocol_error", "download: no bytes received")
    up, up_bytes = _direction(
        tester, _upload, plan_upload, up_probe, duration, max_bytes - down_bytes
    )
    if up.bytes == 0:
        _diagnose(tester, root)
        raise SpeedtestError("protocol_error", "upload: no byte accepted", down_bytes)
    return Measured(down.rate, up.rate, down_bytes + up_bytes)


def _diagnose(tester: Client, url: str) -> None:
    """speedtest-cli's transfers swallow their errors: fetch ``url`` once more to learn why;
    raises the error found (returns when the URL answers)."""
    try:
        tester.fetch(url)
    except Exception as err:
        raise classify(err, url) from err
