"""The metric catalogue keeps Prometheus' naming rules, covers every name a probe emits, and
``docs/metrics.md`` is generated from it.

Naming rules (Prometheus documentation, "Metric and label naming"): prefix ``sansang_``, snake case,
counters end in ``_total``, info families in ``_info``, base units (seconds, bytes, ratio,
celsius) as the suffix of the name, no labels that Prometheus reserves or sets itself.  The site
is one ``sansang_site_info`` series: no other family carries the site's labels.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast

import dns.message
import dns.rrset
import pytest
from aiohttp import web

from agent.jobs import Job
from agent.metrics.catalogue import BY_NAME, CATALOGUE
from agent.metrics.exporter import AgentCollector
from agent.probes import PROBES
from agent.probes.base import Outcome, ProbeContext, Sample
from agent.state import SiteState
from sansang.exposition import render
from sansang.metrics import MetricDef, family_name
from tests.support.env import REPO

SNAKE = re.compile(r"^sansang_[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
LABEL = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# Prometheus base units, and bytes per second for measured throughput (a gauge, not a rate)
BASE_UNITS = ("seconds", "bytes", "ratio", "celsius", "volts", "bytes_per_second")
# Words that mean a unit that is not a base unit (promtool flags most of these too).
NON_BASE = {
    "milliseconds",
    "microseconds",
    "nanoseconds",
    "ms",
    "us",
    "ns",
    "minutes",
    "hours",
    "days",
    "kilobytes",
    "megabytes",
    "gigabytes",
    "kb",
    "mb",
    "gb",
    "kib",
    "mib",
    "gib",
    "bits",
    "percent",
    "pct",
    "celcius",
    "fahrenheit",
}
# Set by Prometheus (target labels) or by the exposition format itself.
RESERVED_LABELS = {"job", "instance", "le", "quantile", "__name__"}
SITE_INFO = BY_NAME["sansang_site_info"]
PROBE_DIR = REPO / "agent" / "probes"


def _stem(m: MetricDef) -> str:
    return family_name(m)


@pytest.mark.parametrize("m", CATALOGUE, ids=lambda m: m.name)
def test_name_follows_prometheus_rules(m: MetricDef) -> None:
    assert SNAKE.match(m.name), f"{m.name}: prefix sansang_ and snake case"
    assert (m.type == "counter") == m.name.endswith("_total"), "counters, and only they, end _total"
    assert (m.type == "info") == m.name.endswith("_info"), "info, and only info, ends _info"
    words = m.name.split("_")
    assert not NON_BASE & set(words), f"{m.name}: use a base unit ({', '.join(BASE_UNITS)})"
    assert not {"count", "sum", "bucket", "gauge", "counter"} & {words[-1]}, (
        f"{m.name}: suffix reserved for histograms/summaries or naming the type"
    )
    assert m.help.strip() and m.help.strip()[-1] in ".)", f"{m.name}: help is a sentence"


@pytest.mark.parametrize("m", CATALOGUE, ids=lambda m: m.name)
def test_unit_is_a_base_unit_and_the_suffix(m: MetricDef) -> None:
    stem = _stem(m)
    if m.type == "info":
        assert m.unit == "", f"{m.name}: an info family has no unit"
        return
    if m.unit:
        assert m.unit in BASE_UNITS, f"{m.name}: unit {m.unit!r} is not a base unit"
        assert stem.endswith("_" + m.unit), f"{m.name}: a {m.unit} value ends _{m.unit}"
    else:
        assert not stem.endswith(tuple("_" + u for u in BASE_UNITS)), (
            f"{m.name}: the name says a unit the catalogue does not"
        )


@pytest.mark.parametrize("m", CATALOGUE, ids=lambda m: m.name)
def test_labels_are_snake_case_and_never_reserved_or_the_site(m: MetricDef) -> None:
    assert len(set(m.labels)) == len(m.labels), f"{m.name}: a label is listed twice"
    for label in m.labels:
        assert LABEL.match(label), f"{m.name}: label {label!r} is not snake case"
        assert label not in RESERVED_LABELS, f"{m.name}: label {label!r} is set by Prometheus"
    if m is SITE_INFO:
        return
    site_labels = {"site", *SITE_INFO.labels}
    assert not site_labels & set(m.labels), f"{m.name}: the site goes in sansang_site_info only"


def test_names_are_unique_including_the_family_stems() -> None:
    names = [m.name for m in CATALOGUE]
    stems = [_stem(m) for m in CATALOGUE]
    assert len(set(names)) == len(names)
    assert len(set(stems)) == len(stems), "two entries expose the same family"


# --- every name a probe emits is catalogued ---------------------------------------------


def _metric_literals(path: Path) -> set[str]:
    """Every string constant in the module that looks like a metric name, wherever it sits
    (``Sample("...")``, a module constant, a dict of names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"sansang_[a-z0-9_]+", node.value)
    }


def _sample_first_arguments(path: Path) -> list[ast.expr]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.args[0] if node.args else node.keywords[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Sample"
        and (node.args or node.keywords)
    ]


def test_probe_modules_name_only_catalogued_metrics() -> None:
    modules = sorted(PROBE_DIR.glob("*.py"))
    assert any(p.name == "tcp.py" for p in modules)
    found: dict[str, set[str]] = {p.name: _metric_literals(p) for p in modules}
    assert found["tcp.py"] >= {"sansang_tcp_connect_duration_seconds"}, "the scan finds nothing"
    missing = {f"{mod}: {n}" for mod, names in found.items() for n in names if n not in BY_NAME}
    assert not missing, f"emitted but not in agent/metrics/catalogue.py: {sorted(missing)}"


def test_sample_names_are_literals_or_checked_at_runtime() -> None:
    """A ``Sample(name, ...)`` whose name is computed escapes the scan above; the runtime test
    below still catches it, but only for what that run emits, so prefer literals."""
    for path in sorted(PROBE_DIR.glob("*.py")):
        for arg in _sample_first_arguments(path):
            if isinstance(arg, ast.Constant):
                assert isinstance(arg.value, str) and arg.value in BY_NAME, (
                    f"{path.name}:{arg.lineno}: Sample({arg.value!r}) is not catalogued"
                )


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


class _DnsAnswers(asyncio.DatagramProtocol):
    """A one-record DNS server: every A query gets 127.0.0.1."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        question = query.question[0]
        reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.1"))
        self.transport.sendto(reply.to_wire(), addr)


@pytest.fixture
async def dns_server() -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(_DnsAnswers, local_addr=("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{transport.get_extra_info('sockname')[1]}"
    finally:
        transport.close()


@pytest.fixture
def tcp_port() -> Iterator[int]:
    with _listener() as sock:
        yield int(sock.getsockname()[1])


@pytest.fixture
async def http_url() -> AsyncIterator[str]:
    async def index(_: web.Request) -> web.Response:
        return web.Response(text="một cửa\n")

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    with _listener() as sock:
        site = web.SockSite(runner, sock)
        await site.start()
        try:
            yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
        finally:
            await runner.cleanup()


async def test_every_registered_probe_emits_only_catalogued_families(
    tcp_port: int, http_url: str, dns_server: str
) -> None:
    """Run each probe kind for real against loopback, then scrape what it returned through the
    exporter: the collector rejects an uncatalogued name, and a label that is not in the
    catalogue would be dropped silently, so the samples are checked as well."""
    targets = {
        "host": "-",
        "tcp": f"127.0.0.1:{tcp_port}",
        "icmp": "127.0.0.1",
        "http": http_url,
        "dns": f"mot-cua.test@{dns_server}",
        "quality": f"tcp://127.0.0.1:{tcp_port}",
        "conference": f"sip://127.0.0.1:{tcp_port}",
    }
    # Power probes return a reading, not samples: the exporter turns it into the power families
    # (tests/unit/test_power_exporter.py covers those).  The security check needs an SSH server
    # and a pinned key: tests/unit/test_security_parse.py holds its samples to the catalogue and
    # tests/integration/test_security_ssh.py runs it against a real sshd.
    # The printer probe needs an SNMP agent: tests/unit/test_printer_mib.py holds its samples to
    # the catalogue and tests/integration/test_printer_snmp.py runs it against snmpsim.
    # The router probe needs an SSH server and a pinned key: tests/unit/test_router_parse.py holds
    # its samples to the catalogue and tests/integration/test_router_ssh.py runs it against sshd.
    skipped = ("power", "security")
    network = {
        name: kind
        for name, kind in PROBES.items()
        if kind.category not in skipped and name not in ("printer", "router")
    }
    unknown = set(network) - set(targets)
    assert not unknown, f"add a loopback target for probe kinds {sorted(unknown)} to this test"
    jobs, outcomes = [], {}
    for name, kind in network.items():
        role = {"host": "host", "quality": "quality"}.get(kind.category, "check")
        attrs = {"target": "gw", "link": "default"} if role == "quality" else {}
        job = Job(name, role, kind, kind.from_target(targets[name]), 30.0, 2.0, "", attrs)
        ctx = ProbeContext(job.id, job.timeout, logging.getLogger(f"test.{name}"))
        outcomes[name] = await asyncio.wait_for(kind.run(job.spec, ctx), 10)
        jobs.append(job)
    for name, outcome in outcomes.items():
        assert outcome.success, f"{name} failed on loopback: {outcome.reason} {outcome.detail}"
        _assert_catalogued(name, outcome)

    state = SiteState(jobs, lambda _: True)
    for job in jobs:
        state.record(job, outcomes[job.id], 0.01, 1.7e9, 1_000_000_000)
    text = render(AgentCollector(None, state, None).families()).decode()
    for name, outcome in outcomes.items():
        for s in outcome.samples:
            assert s.name in text, f"{name}: {s.name} not in the scrape"


def _assert_catalogued(probe: str, outcome: Outcome) -> None:
    for s in outcome.samples:
        assert isinstance(s, Sample)
        m = BY_NAME.get(s.name)
        assert m is not None, f"probe {probe} emitted {s.name}, which is not in the catalogue"
        allowed = set(m.labels) - ({"check"} if probe != "host" else set())
        if m.type == "histogram":
            allowed.add("le")  # a bucket row (sansang.exposition.Family)
        assert set(s.labels) <= allowed, f"{probe}: {s.name} labels {set(s.labels) - allowed}"
        assert "check" not in s.labels, f"{probe}: {s.name}: the runner adds `check`"
        assert not {"target", "link"} & set(s.labels), f"{probe}: the exporter adds target, link"


def test_docs_metrics_md_is_generated_from_the_catalogue() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "agent.metrics.catalogue"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    on_disk = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert on_disk == generated, "docs/metrics.md is stale: run `make docs`"
    for m in CATALOGUE:
        assert f"`{m.name}`" in on_disk
