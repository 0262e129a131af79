"""The quality probe (``agent/probes/quality.py``): the figures of a round from recorded RTTs,
the histogram it hands the state, and real rounds against loopback (icmp, tcp, http), read back
through the exporter as Prometheus would (text and OpenMetrics, prometheus_client's parsers)."""

from __future__ import annotations

import asyncio
import logging
import math
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text

from agent.jobs import Job
from agent.metrics.catalogue import BY_NAME
from agent.metrics.exporter import AgentCollector
from agent.probes import PROBES
from agent.probes.base import ProbeContext
from agent.probes.quality import QualitySpec, histogram_increments, round_stats, run
from agent.state import SiteState
from sansang.exposition import Family, render

MS = 0.001
KIND = PROBES["quality"]


# --- the figures of a round ------------------------------------------------------------------


def test_round_stats_on_recorded_rtts() -> None:
    # recorded from a 4G link: two lost, a spike in the middle
    rtts = [41 * MS, 39 * MS, None, 45 * MS, 120 * MS, 44 * MS, None, 40 * MS]
    s = round_stats(rtts)
    assert (s.sent, s.received) == (8, 6)
    assert s.loss_ratio == pytest.approx(0.25)
    assert s.median == pytest.approx(42.5 * MS)  # of 39 40 41 44 45 120
    # consecutive replies in send order, lost ones skipped:
    # |39-41| |45-39| |120-45| |44-120| |40-44|
    assert s.jitter == pytest.approx((2 + 6 + 75 + 76 + 4) / 5 * MS)
    assert (s.minimum, s.maximum) == (pytest.approx(39 * MS), pytest.approx(120 * MS))


def test_round_stats_edges() -> None:
    lost = round_stats([None, None, None])
    assert (lost.loss_ratio, lost.median, lost.jitter, lost.minimum) == (1.0, None, None, None)
    one = round_stats([None, 5 * MS])
    assert (one.loss_ratio, one.median, one.jitter) == (0.5, 5 * MS, None)
    steady = round_stats([10 * MS] * 5)
    assert (steady.loss_ratio, steady.jitter) == (0.0, 0.0)


def test_histogram_increments_are_cumulative_with_inf_then_the_sum() -> None:
    samples = histogram_increments([0.8 * MS, None, 3 * MS, 3 * MS, 7.0])
    buckets = {s.labels["le"]: s.value for s in samples if "le" in s.labels}
    assert list(buckets)[-1] == "+Inf"
    assert buckets["0.001"] == 1 and buckets["0.0025"] == 1 and buckets["0.005"] == 3
    assert buckets["5.0"] == 3 and buckets["+Inf"] == 4  # 7 s only in +Inf; the lost one nowhere
    assert list(buckets) == [
        *(repr(b) for b in BY_NAME["sansang_link_rtt_seconds"].buckets),
        "+Inf",
    ]
    [total] = [s for s in samples if "le" not in s.labels]
    assert total.value == pytest.approx(7.0068)
    assert all(s.increment for s in samples)


def test_histogram_golden_lines() -> None:
    m = BY_NAME["sansang_link_rtt_seconds"]
    rows = [({"target": "gw", "link": "4g", "le": le}, n) for le, n in (("0.01", 1), ("+Inf", 3))]
    fam = Family(m, [*rows, ({"target": "gw", "link": "4g"}, 0.5)])
    head = "# HELP sansang_link_rtt_seconds " + m.help + "\n"
    lines = (
        'sansang_link_rtt_seconds_bucket{target="gw",link="4g",le="0.01"} 1\n'
        'sansang_link_rtt_seconds_bucket{target="gw",link="4g",le="+Inf"} 3\n'
        'sansang_link_rtt_seconds_count{target="gw",link="4g"} 3\n'
        'sansang_link_rtt_seconds_sum{target="gw",link="4g"} 0.5\n'
    )
    assert render([fam]).decode() == head + "# TYPE sansang_link_rtt_seconds histogram\n" + lines
    assert render([fam], openmetrics=True).decode() == (
        head + "# TYPE sansang_link_rtt_seconds histogram\n"
        "# UNIT sansang_link_rtt_seconds seconds\n" + lines + "# EOF\n"
    )


# --- real rounds against loopback ------------------------------------------------------------


@pytest.fixture
def tcp_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


@pytest.fixture
async def http_url() -> AsyncIterator[str]:
    async def index(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", index)  # aiohttp answers HEAD too
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


def _ctx() -> ProbeContext:
    return ProbeContext("quality:t@default", 10.0, logging.getLogger("test.quality"))


def _job(spec: QualitySpec) -> Job:
    attrs = {"target": spec.target, "link": spec.link, "role": "gateway", "method": spec.method}
    return Job(f"quality:{spec.target}@{spec.link}", "quality", KIND, spec, 60.0, 10.0, "", attrs)


@pytest.mark.parametrize("method", ["icmp", "tcp", "http"])
async def test_a_round_on_loopback_counts_every_reply(
    method: str, tcp_port: int, http_url: str
) -> None:
    where = {"icmp": "127.0.0.1", "tcp": f"tcp://127.0.0.1:{tcp_port}", "http": http_url}[method]
    spec = KIND.from_target(where).model_copy(update={"count": 12, "spacing": 0.01})
    outcome = await asyncio.wait_for(run(spec, _ctx()), 10)
    assert outcome.success, outcome.detail
    values = {(s.name, s.labels.get("le")): s.value for s in outcome.samples}
    assert values[("sansang_link_echo_requests_sent_total", None)] == 12
    assert values[("sansang_link_echo_replies_received_total", None)] == 12
    assert values[("sansang_link_rtt_seconds", "+Inf")] == 12
    assert values[("sansang_link_loss_ratio", None)] == 0.0
    assert 0 < values[("sansang_link_rtt_median_seconds", None)] < 0.5
    [m] = outcome.measurements
    assert (m.kind, m.subject, m.details["method"], m.details["received"]) == (
        "link_quality", "cli", method, 12,
    )  # fmt: skip
    assert m.value == values[("sansang_link_rtt_median_seconds", None)]


async def test_rounds_add_up_and_read_back_as_a_histogram(tcp_port: int) -> None:
    spec = QualitySpec(method="tcp", host="127.0.0.1", port=tcp_port, count=5, spacing=0.0)
    spec = spec.model_copy(update={"target": "gw", "link": "fibre"})
    job = _job(spec)
    state = SiteState([job], lambda _: True)
    for n in range(3):
        outcome = await run(spec, _ctx())
        state.record(job, outcome, 0.1, 1.7e9 + n, (n + 1) * 10**9)
    collector = AgentCollector(None, state, None)
    for parse, om in ((parse_text, False), (parse_openmetrics, True)):
        fams = {f.name: f for f in parse(render(collector.families(), openmetrics=om).decode())}
        hist = fams["sansang_link_rtt_seconds"]
        assert hist.type == "histogram"
        by = {(s.name, s.labels.get("le")): s for s in hist.samples}
        assert by[("sansang_link_rtt_seconds_count", None)].value == 15
        assert by[("sansang_link_rtt_seconds_bucket", "+Inf")].value == 15
        assert by[("sansang_link_rtt_seconds_count", None)].labels == {
            "target": "gw",
            "link": "fibre",
        }
        assert 0 < by[("sansang_link_rtt_seconds_sum", None)].value < 15 * 0.5
        assert fams["sansang_link_echo_requests_sent"].samples[0].value == 15
    probe_runs = render(collector.families()).decode()
    assert 'sansang_probe_runs_total{check="quality:gw@fibre",probe="quality"} 3' in probe_runs


async def test_a_silent_port_is_a_lost_round(unused_tcp_port: int) -> None:
    spec = QualitySpec(method="tcp", host="127.0.0.1", port=unused_tcp_port, count=3, spacing=0)
    outcome = await run(spec, _ctx())
    assert not outcome.success and outcome.reason == "refused"
    assert "3 requests" in outcome.detail
    [m] = outcome.measurements
    assert (m.value, m.details["loss_ratio"], m.details["sent"]) == (None, 1.0, 3)


async def test_bound_to_an_interface_or_an_address(tcp_port: int) -> None:
    tcp = QualitySpec(method="tcp", host="127.0.0.1", port=tcp_port, count=3, spacing=0)
    icmp = QualitySpec(method="icmp", host="127.0.0.1", count=3, spacing=0)
    for spec in (tcp, icmp):
        for binding in ({"interface": "lo"}, {"source_address": "127.0.0.1"}):
            outcome = await run(spec.model_copy(update=binding), _ctx())
            assert outcome.success, (spec.method, binding, outcome.detail)
            assert outcome.measurements[0].details["received"] == 3
    absent = QualitySpec(host="127.0.0.1", count=2, spacing=0, interface="nosuchwan9")
    outcome = await run(absent, _ctx())
    assert not outcome.success
    assert "nosuchwan9" in outcome.detail or "No such device" in outcome.detail


def test_cli_targets() -> None:
    assert KIND.from_target("10.0.0.1").method == "icmp"
    tcp = KIND.from_target("tcp://[::1]:443")
    assert (tcp.method, tcp.host, tcp.port) == ("tcp", "::1", 443)
    assert KIND.from_target("https://dichvucong.example/").method == "http"
    with pytest.raises(ValueError, match="needs"):
        QualitySpec(method="tcp", host="x")
    assert math.isclose(KIND.from_target("10.0.0.1").spacing, 0.2)
