"""Dead-zone survey (khảo sát vùng lõm sóng): one measurement set from a laptop, with its place.

Throughput against the province's self-hosted endpoint (and an iperf3 server when given),
latency and loss from a round of TCP connects to the endpoint, and the cellular signal where a
modem reports it.  The record is one JSON line appended to a file, uploaded to the collector
later.  Nothing but the endpoint needs configuring; a measurement that fails is recorded as such
(in a dead zone, failing is the finding), unless it failed because of the endpoint (a
mistyped URL, a server that refuses: :func:`measurement_failure`): that is an error of the
measurement, kept out of the coverage file so it never becomes a dead zone.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent import clock
from agent.config.links import SpeedtestBackend
from agent.links.bandwidth.backends import run_backend
from agent.links.bandwidth.cellular import read_cellular
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from agent.links.bandwidth.runs import BackendRunner
from sansang import __version__
from sansang.reasons import reason_for_os_error

log = logging.getLogger(__name__)

RECORD_SCHEMA = 1


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float


def place(label: str, latitude: float, longitude: float) -> Place:
    """A checked place; ValueError (Vietnamese / English) names what is wrong."""
    if not label.strip():
        raise ValueError("thiếu tên địa điểm / the label is empty")
    if not -90.0 <= latitude <= 90.0:
        raise ValueError(f"vĩ độ / latitude {latitude} không nằm trong / not in [-90, 90]")
    if not -180.0 <= longitude <= 180.0:
        raise ValueError(f"kinh độ / longitude {longitude} không nằm trong / not in [-180, 180]")
    return Place(label.strip(), latitude, longitude)


def endpoint_address(url: str) -> tuple[str, int]:
    """Host and port of an http(s) endpoint URL; ValueError when it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' không phải địa chỉ http(s) / is not an http(s) URL")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def iperf3_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or "]" in port:  # no port given (or a bare IPv6 address in brackets)
        return text.strip("[]"), 5201
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"'{text}' không phải HOST hoặc HOST:PORT / is not HOST or HOST:PORT")
    return host.strip("[]"), int(port)


async def tcp_round(
    host: str, port: int, *, count: int = 20, spacing: float = 0.2, timeout: float = 2.0
) -> dict[str, Any]:
    """Latency and loss: ``count`` TCP connects, one every ``spacing`` seconds."""
    rtts: list[float] = []
    errors: dict[str, int] = {}
    faults: dict[str, int] = {}
    for i in range(count):
        if i:
            await asyncio.sleep(spacing)
        started = time.perf_counter()
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError) as err:
            name = type(err).__name__
            errors[name] = errors.get(name, 0) + 1
            if (fault := _endpoint_fault(err)) is not None:
                faults[fault] = faults.get(fault, 0) + 1
            continue
        rtts.append(time.perf_counter() - started)
        writer.close()
    return {
        "method": "tcp",
        "host": host,
        "port": port,
        "sent": count,
        "received": len(rtts),
        "loss_ratio": (count - len(rtts)) / count,
        "median_seconds": statistics.median(rtts) if rtts else None,
        "jitter_seconds": _jitter(rtts),
        "min_seconds": min(rtts) if rtts else None,
        "max_seconds": max(rtts) if rtts else None,
        "errors": errors,
        "endpoint_faults": faults,
    }


# Failures that show the endpoint is wrong, not the coverage: something answered (a refusal, an
# HTTP error, a TLS failure, a reply that is not a speed-test endpoint) or the name does not
# exist (a DNS server said so).  A dead zone answers nothing: its connects time out, or there is
# no route at all, and those stay the survey's finding.
ENDPOINT_FAULTS = frozenset(
    {"refused", "http_status", "protocol_error", "tls_error", "certificate_invalid", "no_such_name"}
)


def _endpoint_fault(err: BaseException) -> str | None:
    if isinstance(err, socket.gaierror):
        return "no_such_name" if err.errno == socket.EAI_NONAME else None
    if isinstance(err, OSError) and reason_for_os_error(err) in ENDPOINT_FAULTS:
        return reason_for_os_error(err)
    return None


def measurement_failure(record: dict[str, Any]) -> tuple[str, str] | None:
    """``(reason, detail)`` when the survey measured the endpoint's fault rather than the
    coverage here (a mistyped URL, a server that refuses): not a survey point, in particular
    never a dead zone.  None when the record is the finding, good or bad."""
    tested = record["throughput"]["selfhosted"]
    if tested["ok"]:
        return None
    if tested["reason"] in ENDPOINT_FAULTS:
        return tested["reason"], tested["detail"]
    latency = record["latency"]
    faults = latency.get("endpoint_faults") or {}
    target = f"{latency['host']}:{latency['port']}"
    if latency["received"] == 0 and faults:
        reason = max(faults, key=faults.__getitem__)
        return reason, f"{target}: {faults[reason]}/{latency['sent']} TCP connects: {reason}"
    if (
        tested["reason"] == "timeout"
        and not tested.get("bytes_used")
        and latency["sent"] > 0
        and latency["received"] == latency["sent"]
    ):
        # Every connect answered at once and then not one byte of the test: a server that
        # accepts and stays silent (hung, a wrong service on the port).  Weak coverage drops
        # some connects or lets some bytes through; calling this a dead zone would be a
        # confident wrong verdict, so it is an error to measure again.
        return "endpoint_silent", (
            f"{target}: {latency['received']}/{latency['sent']} TCP connects answered, "
            "no byte of the throughput test (the endpoint accepts and stays silent)"
        )
    return None


def _jitter(rtts: list[float]) -> float | None:
    """Mean difference between consecutive round-trip times."""
    if len(rtts) < 2:
        return None
    return statistics.fmean(abs(b - a) for a, b in itertools.pairwise(rtts))


async def throughput(
    runner: BackendRunner, backend: SpeedtestBackend, *, duration: float, max_bytes: int
) -> dict[str, Any]:
    """One backend's result, or how it failed, as the record holds it."""
    try:
        result = await runner(backend, None, duration=duration, max_bytes=max_bytes)
    except SpeedtestError as err:
        return _failed(err.reason, err.detail, err.bytes_used)
    except Exception as err:  # the survey records what it can, whatever one part does
        log.exception("survey: backend %s raised", backend.kind)
        return _failed("error", f"{type(err).__name__}: {err}", 0)
    return _ok(result)


def _ok(result: SpeedResult) -> dict[str, Any]:
    return {"ok": True, **result.figures()}


def _failed(reason: str, detail: str, bytes_used: int) -> dict[str, Any]:
    return {"ok": False, "reason": reason, "detail": detail, "bytes_used": bytes_used}


@dataclass(frozen=True)
class SurveyOptions:
    endpoint: str
    iperf3: str | None = None
    duration: float = 8.0
    max_bytes: int = 100 * 1024 * 1024
    count: int = 20
    spacing: float = 0.2


async def survey(
    where: Place,
    options: SurveyOptions,
    *,
    runner: BackendRunner = run_backend,
    cellular: Callable[[], dict[str, Any] | None] = read_cellular,
    wall: Callable[[], float] = clock.wall,
) -> dict[str, Any]:
    """One measurement set at ``where``: the record to append."""
    host, port = endpoint_address(options.endpoint)
    now = wall()
    signal = await asyncio.to_thread(cellular)  # before the traffic, as the modem sees it idle
    latency = await tcp_round(host, port, count=options.count, spacing=options.spacing)
    results = {
        "selfhosted": await throughput(
            runner,
            SpeedtestBackend(id="survey", kind="selfhosted", url=options.endpoint),
            duration=options.duration,
            max_bytes=options.max_bytes,
        )
    }
    if options.iperf3:
        ihost, iport = iperf3_address(options.iperf3)
        results["iperf3"] = await throughput(
            runner,
            SpeedtestBackend(id="survey-iperf3", kind="iperf3", host=ihost, port=iport),
            duration=options.duration,
            max_bytes=options.max_bytes,
        )
    return {
        "schema": RECORD_SCHEMA,
        "kind": "dead_zone_survey",
        "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        "wall_time_unix": now,
        "label": where.label,
        "latitude": where.latitude,
        "longitude": where.longitude,
        "endpoint": options.endpoint,
        "throughput": results,
        "latency": latency,
        "cellular": signal,
        "sansang_version": __version__,
    }


def append_record(path: Path, record: dict[str, Any]) -> None:
    """One JSON line, appended and flushed to disk (a laptop's battery may die next)."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line)
        out.flush()
        os.fsync(out.fileno())
