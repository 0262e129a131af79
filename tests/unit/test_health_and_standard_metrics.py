"""``/-/healthy``, ``/-/ready`` (``sansang/health.py``) and the standard series
(``sansang/standard_metrics.py``: ``sansang_build_info``, ``process_*``, ``python_info``) on the
agent's and the collector's real apps over loopback, with a real journal and a real SQLite store.

Every /metrics body is read by prometheus_client's text and OpenMetrics parsers whole: no parse
error, no family twice, the build info once with this version."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text

from agent.config import Site
from agent.config.web import WebConfig
from agent.journal.store import Journal
from agent.metrics.exporter import AgentCollector, AgentIdentity
from agent.state import SiteState
from collector.config import CollectorConfig
from collector.context import Collector
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import READINESS, build_app
from collector.web.auth import Auth
from sansang import __version__, health, standard_metrics
from sansang.exposition import OPENMETRICS, TEXT
from tests.support import webdata
from tests.support.agent import make_agent_app

OM_ACCEPT = "application/openmetrics-text; version=1.0.0"
PROBES = ("/-/healthy", "/-/ready")
PROCESS = {"process_cpu_seconds", "process_resident_memory_bytes", "process_start_time_seconds"}


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.db", boot_id="boot-1", retention_seconds=86400.0)
    yield j
    j.close()


def _agent_scrape(journal: Journal) -> Any:
    site = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)
    state = SiteState([], lambda _when: True)
    return AgentCollector(AgentIdentity(site, "boot-1", 1_700_000_000.0), state, journal).families


@pytest.fixture
def readiness() -> health.Readiness:
    return health.Readiness()  # not ready: starting


@pytest.fixture
async def agent(
    journal: Journal, tmp_path: Path, readiness: health.Readiness
) -> AsyncIterator[TestClient[Any, Any]]:
    """The agent's app behind a bearer token (a web config), not ready until a test says so."""
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n", encoding="utf-8")
    cfg = WebConfig.model_validate({"authorization": {"credentials_file": str(token_file)}})
    app = make_agent_app(journal, _agent_scrape(journal), cfg, readiness)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def _check_exposition(body: str, openmetrics: bool) -> dict[str, Any]:
    """The body parsed whole; each family once (by HELP and TYPE lines and by the parser)."""
    for kind in ("HELP", "TYPE"):
        heads = Counter(re.findall(rf"^# {kind} (\S+) ", body, flags=re.MULTILINE))
        assert heads and max(heads.values()) == 1, [n for n, k in heads.items() if k > 1]
    parsed = list(parse_openmetrics(body) if openmetrics else parse_text(body))
    names = Counter(f.name for f in parsed)
    assert max(names.values()) == 1, [n for n, k in names.items() if k > 1]
    fams = {f.name: f for f in parsed}
    build = [s for s in fams["sansang_build" if openmetrics else "sansang_build_info"].samples]
    assert len(build) == 1 and build[0].value == 1
    assert build[0].labels["version"] == __version__
    assert build[0].labels["revision"] and build[0].labels["python_version"]
    have = {n.removesuffix("_total") for n in fams}
    assert have >= PROCESS, sorted(have)
    assert fams["python_info"].samples[0].labels["implementation"]
    return fams


async def test_agent_probes_need_no_credentials_and_answer_get_and_head(
    agent: TestClient[Any, Any],
) -> None:
    healthy = await agent.get("/-/healthy")
    assert (healthy.status, await healthy.text()) == (200, "OK\n")
    for path in PROBES:
        head = await agent.head(path)
        assert head.status in (200, 503), path  # no 401: no credentials asked
        assert await head.read() == b""
    # ...while everything else still asks for them
    assert (await agent.get("/metrics")).status == 401
    assert (await agent.get("/")).status == 401


async def test_agent_ready_is_503_with_the_reason_until_set_then_200(
    agent: TestClient[Any, Any], readiness: health.Readiness
) -> None:
    not_ready = await agent.get("/-/ready")
    assert not_ready.status == 503
    assert not_ready.headers["Cache-Control"] == "no-store"
    assert await not_ready.text() == "Chưa sẵn sàng: đang khởi động / Not ready: starting\n"
    readiness.set_ready()  # as run_agent does once the config is loaded and the journal open
    ready = await agent.get("/-/ready")
    assert (ready.status, await ready.text()) == (200, "OK\n")
    readiness.set_not_ready(health.STOPPING)  # as run_agent does before closing the journal
    assert (await agent.get("/-/ready")).status == 503


async def test_agent_app_without_a_readiness_is_ready(journal: Journal) -> None:
    """An app built around an open journal (tests, the benchmark) is ready."""
    async with TestClient(TestServer(make_agent_app(journal), host="127.0.0.1")) as client:
        resp = await client.get("/-/ready")
        assert (resp.status, await resp.text()) == (200, "OK\n")


async def test_agent_metrics_carry_build_info_process_and_platform_once(
    agent: TestClient[Any, Any],
) -> None:
    auth = {"Authorization": "Bearer s3cret-token"}
    resp = await agent.get("/metrics", headers=auth)
    assert resp.status == 200 and resp.headers["Content-Type"] == TEXT
    fams = _check_exposition(await resp.text(), openmetrics=False)
    assert "sansang_site_info" in fams and "sansang_agent_info" in fams  # the catalogue's too
    resp = await agent.get("/metrics", headers={**auth, "Accept": OM_ACCEPT})
    assert resp.headers["Content-Type"] == OPENMETRICS.format("1.0.0")
    body = await resp.text()
    assert body.endswith("# EOF\n") and body.count("# EOF") == 1
    fams = _check_exposition(body, openmetrics=True)
    assert fams["process_cpu_seconds"].type == "counter"
    assert fams["sansang_build"].type == "info"


def test_the_revision_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def revision() -> str:
        standard_metrics.build_info.cache_clear()
        labels, value = standard_metrics.build_info().rows[0]
        assert value == 1
        return labels["revision"]

    try:
        monkeypatch.delenv(standard_metrics.REVISION_ENV, raising=False)
        assert revision() == "unknown"
        monkeypatch.setenv(standard_metrics.REVISION_ENV, " 3f2a9c1 \n")
        assert revision() == "3f2a9c1"
    finally:
        standard_metrics.build_info.cache_clear()


# --- the collector ---------------------------------------------------------------------------


@pytest.fixture
async def collector(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(2))
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml")
    c = Collector(config, inv, catalogue, effective_thresholds(catalogue, None), store)
    viewer = TokenEntry(name="viewer", role="viewer", sha256=hash_token("token-viewer"))
    app = build_app(c, Auth([viewer]))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client
    store.close()


async def test_collector_probes_need_no_token_and_ready_follows_the_readiness(
    collector: TestClient[Any, Any],
) -> None:
    for path in PROBES:
        resp = await collector.get(path)
        assert (resp.status, await resp.text()) == (200, "OK\n"), path
        assert (await collector.head(path)).status == 200, path
    assert (await collector.get("/healthz")).status == 200  # kept for compose and older checks
    assert (await collector.get("/metrics")).status == 401
    collector.app[READINESS].set_not_ready(health.STOPPING)
    resp = await collector.get("/-/ready")
    assert resp.status == 503
    assert await resp.text() == "Chưa sẵn sàng: đang dừng / Not ready: stopping\n"
    assert (await collector.get("/-/healthy")).status == 200  # alive all the same


async def test_collector_metrics_carry_build_info_process_and_platform_once(
    collector: TestClient[Any, Any],
) -> None:
    auth = {"Authorization": "Bearer token-viewer"}
    resp = await collector.get("/metrics", headers=auth)
    assert resp.status == 200 and resp.headers["Content-Type"] == TEXT
    fams = _check_exposition(await resp.text(), openmetrics=False)
    assert "sansang_collector_info" in fams
    resp = await collector.get("/metrics", headers={**auth, "Accept": OM_ACCEPT})
    body = await resp.text()
    assert body.endswith("# EOF\n") and body.count("# EOF") == 1
    _check_exposition(body, openmetrics=True)
