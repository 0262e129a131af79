"""Throughput accuracy against the physical limit, and the bytes it costs.

One ``link_lab`` link shaped by ``tc tbf`` (burst 32 kbit, latency 50 ms, as the integration
tests) at 5, 7, 20 and 50 Mbit/s.  At each rate, in the same run: sansang's ``selfhosted``
backend (``run_backend`` in the client namespace against ``python -m tools.speedtest_endpoint``
in the server namespace, the config's default ``duration`` of 8 s), iperf3 at its own defaults
(``iperf3 -c -J``, 10 s, upload then ``-R`` download; rate = what the receiver counted), and
sansang's ``iperf3`` backend (``-O 2 -t 3`` each way, against the same ``iperf3 -s``).

Bytes: around each backend's test the client's interface counters (rx + tx bytes of ``wan0``,
Ethernet frames) are read; what the interface carried must not exceed the ``bytes_used`` the
test reported, which the monthly budget counts (TCP payload × ``wire.WIRE_FACTOR``).

The error is ``|measured − shaped| / shaped``.  Both tools measure TCP payload, and tbf counts
every byte of the frame: 1,448 payload bytes travel in a 1,514-byte frame (Ethernet, IP and TCP
headers with timestamps), so even a perfect measurement reads 4.4 % below the shaped rate.

speedtest-cli's default test, for comparison: the sizes and counts speedtest-cli 2.1.3 derives
from speedtest.net's config (read by speedtest-cli itself from a stand-in for speedtest.net
serving that config's values, ``tests/support/speedtestnet.py``): 4 downloads of each of the ten
``random{N}x{N}.jpg`` (2·N² bytes each, 350 to 4000) and 17 uploads of each of 0.5, 1 and 7 MiB,
cut at 10 s per direction.  "Planned" is all of it; "at this rate" is what the 10 s cut leaves:
the bytes a default speedtest-cli run would really move on the link.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.links.bandwidth.wire import WIRE_FACTOR
from bench.report import Goal, Section
from tests.integration.bwlab import IPERF3_PORT, interface_bytes, measure, start_servers
from tests.integration.linklab import LinkLab, link_lab, linklab_missing
from tests.support.speedtestnet import FakeSpeedtestNet, fake_speedtestnet

RATES = (5, 7, 20, 50)  # Mbit/s
DURATION = 8.0  # the config's default `duration`
BUDGET = 1_000_000_000  # not the limit here: the monthly budget is another benchmark's matter
ALLOWANCE = 0.5  # percentage points: iperf3's error plus this is "no further than iperf3"
MB = 1_000_000
NAME = "Throughput accuracy"
# What the iperf3 backend and the byte count were before the idle-RTT latency, iperf3's -O 2,
# its start-again-while-the-server-re-opens and the link-byte count (20 tests back to back at
# 7 Mbit/s, duration 8 s, same lab): kept here so that the doc keeps the comparison.
BEFORE = (
    "Before (iperf3 backend without -O and without waiting for the server, latency its smallest "
    "RTT under load, bytes_used the payload; 20 tests back to back at 7 Mbit/s): 1 of 20 failed "
    "'connection refused' (the download, while the server re-opened); downloads 6.15–6.70 "
    "Mbit/s, 3 of 19 at 6.15–6.17 (12 % under the shaped rate); latency 7.6–11.5 ms on a link "
    "whose idle round trip is under 0.1 ms; the self-hosted backend's bytes_used 7.4–8.1 % "
    "below what the interface carried. After (same 20 tests): none failed, downloads and "
    "uploads 6.69–6.70 Mbit/s, idle RTT 0.02–0.11 ms; figures of this run above."
)


def speedtest_cli_defaults() -> dict[str, Any]:
    """speedtest-cli's own config from speedtest.net's values: its ``get_config`` runs against
    the stand-in on 127.0.0.1 (as its HTTP proxy), nothing else is contacted."""
    from agent.links.bandwidth.speedtestcli import Client, Shutdown

    with fake_speedtestnet(FakeSpeedtestNet()) as fake, _proxy(fake.proxy):
        client = Client(None, source_address=None, timeout=5, shutdown=Shutdown())
    config: dict[str, Any] = client.config
    return config


@contextmanager
def _proxy(url: str) -> Any:
    saved = {k: os.environ.pop(k, None) for k in ("http_proxy", "HTTP_PROXY", "no_proxy")}
    os.environ["http_proxy"] = url
    try:
        yield
    finally:
        os.environ.pop("http_proxy", None)
        for key, old in saved.items():
            if old is not None:
                os.environ[key] = old


def default_bytes(config: dict[str, Any]) -> tuple[int, int]:
    """(download, upload) bytes of speedtest-cli's full default test."""
    down = sum(2 * n * n for n in config["sizes"]["download"]) * config["counts"]["download"]
    uploads = [s for s in config["sizes"]["upload"] for _ in range(config["counts"]["upload"])]
    return down, sum(uploads[: config["upload_max"]])


def _iperf3(lab: LinkLab, reverse: bool) -> tuple[float, int]:
    """(bytes per second the receiver counted, bytes moved) of iperf3 at its defaults."""
    argv = ["iperf3", "-c", lab.links[0].server, "-p", str(IPERF3_PORT), "-J"]
    done = lab.run("client", *argv, *(["-R"] if reverse else []), timeout=60)
    end = json.loads(done.stdout)["end"]
    moved = max(end["sum_sent"]["bytes"], end["sum_received"]["bytes"])
    return end["sum_received"]["bits_per_second"] / 8, int(moved)


def _measured_with_link_bytes(lab: LinkLab, backend: dict[str, Any]) -> dict[str, Any]:
    """``measure``'s result plus ``link_bytes``: what the interface carried during the test."""
    before = interface_bytes(lab)
    got = measure(lab, backend, duration=DURATION, max_bytes=BUDGET)
    return {**got, "link_bytes": interface_bytes(lab) - before}


def _error(rate: float, mbit: int) -> float:
    """Percent off the shaped rate."""
    return abs(rate * 8 / 1e6 - mbit) / mbit * 100


def run(workdir: Path | None = None) -> Section:
    setup = (
        f"one link shaped by tc tbf at {', '.join(map(str, RATES))} Mbit/s; sansang selfhosted "
        f"(duration {DURATION:g} s) against the endpoint, iperf3 at its defaults (10 s) and "
        "sansang's iperf3 backend against iperf3 -s, both directions, in the same run; the "
        "bytes each backend counted against the client interface's counters"
    )
    missing = linklab_missing()
    if missing:
        return Section(NAME, setup, notes=[f"skipped: {missing}"])
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    planned = default_bytes(speedtest_cli_defaults())
    section = Section(NAME, setup)
    with tempfile.TemporaryDirectory(prefix="sansang-bw-") as tmp, link_lab("bb") as lab:
        servers = start_servers(lab, workdir or Path(tmp))
        backend = {"id": "province", "kind": "selfhosted", "url": servers.url(0)}
        iperf3_backend = {
            "id": "iperf", "kind": "iperf3", "host": servers.addresses[0], "port": IPERF3_PORT
        }  # fmt: skip
        for mbit in RATES:
            lab.shape(0, mbit=mbit)
            ours = _measured_with_link_bytes(lab, backend)
            if "reason" in ours:
                section.notes.append(f"{mbit} Mbit/s: sansang failed: {ours}")
                continue
            reference = {"upload": _iperf3(lab, False), "download": _iperf3(lab, True)}
            _add_rate(section, mbit, ours, reference, planned)
            theirs = _measured_with_link_bytes(lab, iperf3_backend)
            if "reason" in theirs:
                section.notes.append(f"{mbit} Mbit/s: sansang's iperf3 backend failed: {theirs}")
                continue
            _add_iperf3_backend(section, mbit, theirs)
            _add_link_bytes(section, mbit, {"selfhosted": ours, "iperf3": theirs})
    section.notes += [
        BEFORE,
        f"Link bytes: each test's bytes_used is TCP payload × {WIRE_FACTOR} (headers, ACKs, "
        f"handshakes); 'interface / counted' is what the client's interface carried during the "
        f"test over that figure, which must stay at or under 1 for the monthly budget to hold.",
        f"Error = |measured − shaped| / shaped. Headers alone put TCP payload 4.4 % under the "
        f"shaped rate (1,448 of 1,514 bytes per frame), for sansang and iperf3 alike. "
        f"'No further than iperf3' compares sansang's error with iperf3's plus {ALLOWANCE} "
        f"percentage point (the floor): two runs of one tool over one shaped link differ by a "
        f"few tenths of a point, so 4.6 % against 4.4 %, or 0.1 % against 0.05 %, is a tie, not "
        f"a miss.",
        f"speedtest-cli default, planned: {planned[0] / MB:.1f} MB download (10 sizes "
        f"350–4000, 2·N² bytes each, 4 of each) + {planned[1] / MB:.1f} MB upload (17 each of "
        f"0.5, 1 and 7 MiB) = {sum(planned) / MB:.1f} MB, as speedtest-cli derives it from "
        f"speedtest.net's config. speedtest.net's real JPEGs weigh slightly less than 2·N² "
        f"(random4000x4000.jpg: 31.6 MB, not 32). Its 10 s cut per direction means a real "
        f"run moves min(planned, rate × 10 s) each way: the 'at this rate' figure.",
    ]
    return section


def _add_rate(
    section: Section,
    mbit: int,
    ours: dict[str, Any],
    reference: dict[str, tuple[float, int]],
    planned: tuple[int, int],
) -> None:
    rate = mbit * 1e6 / 8
    at_rate = sum(min(p, rate * 10) for p in planned)
    for direction in ("download", "upload"):
        measured = float(ours[f"{direction}_bps"])
        ref_rate, ref_bytes = reference[direction]
        err, ref_err = _error(measured, mbit), _error(ref_rate, mbit)
        section.figures[f"{mbit} Mbit/s {direction}"] = (
            f"sansang {measured * 8 / 1e6:.2f} Mbit/s ({err:.1f} % off), iperf3 "
            f"{ref_rate * 8 / 1e6:.2f} Mbit/s ({ref_err:.1f} % off, {ref_bytes / MB:.1f} MB)"
        )
        what = f"{mbit} Mbit/s {direction}"
        section.goals.append(Goal(f"{what}: error", "%", err, 10.0, "limit", digits=2))
        section.goals.append(
            Goal(
                f"{what}: error vs iperf3's",
                "%",
                err,
                ref_err + ALLOWANCE,
                f"iperf3's error + {ALLOWANCE} pt",
                digits=2,
            )
        )
    used = int(ours["bytes_used"])
    section.figures[f"{mbit} Mbit/s bytes"] = (
        f"sansang {used / MB:.1f} MB (both directions, {ours['duration_seconds']:.1f} s), "
        f"iperf3 {sum(b for _, b in reference.values()) / MB:.1f} MB, speedtest-cli default "
        f"{sum(planned) / MB:.0f} MB planned, {at_rate / MB:.1f} MB at this rate"
    )
    section.goals.append(
        Goal(f"{mbit} Mbit/s: bytes", "MB", used / MB, sum(planned) / MB, "speedtest-cli planned")
    )
    section.goals.append(
        Goal(
            f"{mbit} Mbit/s: bytes vs a default run",
            "MB",
            used / MB,
            at_rate / MB,
            "speedtest-cli default at this rate",
        )
    )


def _add_iperf3_backend(section: Section, mbit: int, got: dict[str, Any]) -> None:
    """sansang's iperf3 backend: its rates against the shaped one, and its idle round trip."""
    errors = {d: _error(float(got[f"{d}_bps"]), mbit) for d in ("download", "upload")}
    section.figures[f"{mbit} Mbit/s iperf3 backend"] = (
        f"download {float(got['download_bps']) * 8 / 1e6:.2f} Mbit/s ({errors['download']:.1f} % "
        f"off), upload {float(got['upload_bps']) * 8 / 1e6:.2f} Mbit/s ({errors['upload']:.1f} % "
        f"off), idle RTT {float(got['latency_seconds']) * 1000:.2f} ms, "
        f"{got['duration_seconds']:.1f} s"
    )
    for direction, err in errors.items():
        what = f"{mbit} Mbit/s iperf3 backend {direction}: error"
        section.goals.append(Goal(what, "%", err, 10.0, "limit", digits=2))


def _add_link_bytes(section: Section, mbit: int, tests: dict[str, dict[str, Any]]) -> None:
    """What the interface carried against each test's bytes_used (the budget's count)."""
    parts = []
    for kind, got in tests.items():
        counted, carried = int(got["bytes_used"]), int(got["link_bytes"])
        parts.append(
            f"{kind} {carried / MB:.2f} MB carried, {counted / MB:.2f} MB counted "
            f"({carried / counted:.3f})"
        )
        section.goals.append(
            Goal(
                f"{mbit} Mbit/s {kind}: interface / counted bytes",
                "MB",
                carried / MB,
                counted / MB,
                "bytes_used",
                digits=2,
            )
        )
    section.figures[f"{mbit} Mbit/s link bytes"] = "; ".join(parts)
