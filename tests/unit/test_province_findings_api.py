"""The province's own findings (OPS-247 per central system) in the JSON API, over real HTTP
(aiohttp's test server on loopback) in front of the collector's app and a real SQLite store."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from collector.config import CollectorConfig
from collector.context import Collector
from collector.evaluate.model import PROVINCE_SITE
from collector.evaluate.rules.service_availability import RULE
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import build_app
from collector.web.auth import Auth
from tests.support import webdata
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, at, site

VIEWER = {"Authorization": "Bearer token-viewer"}


def _province_findings() -> Any:
    """The rule's own province findings: three sites lose the one-stop system for 10 h."""
    province_pass = RULE.province_pass
    assert province_pass is not None
    views = []
    for i in range(3):
        j = Journal(site=f"23527-p{i}")
        j.service(at(-1), "up", "mot-cua", "one_stop_system")
        j.service(at(-1), "up", "dvcqg", "national_portal")
        j.service(at(4, 8), "down", "mot-cua", "one_stop_system")
        j.service(at(4, 18), "up", "mot-cua", "one_stop_system")
        inputs = j.alive().inputs(site(site_id=f"p{i}"))
        views.append(province_pass.view(inputs, THRESHOLDS["OPS-247"], WINDOW))
    result = province_pass.finish(views, [], THRESHOLDS["OPS-247"], WINDOW)
    return tuple(result.province_findings)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(3))
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml")
    c = Collector(config, inv, catalogue, effective_thresholds(catalogue, None), store)
    c.evaluation = dataclasses.replace(
        webdata.evaluation(inv, catalogue), province_findings=_province_findings()
    )
    auth = Auth([TokenEntry(name="viewer", role="viewer", sha256=hash_token("token-viewer"))])
    async with TestClient(TestServer(build_app(c, auth), host="127.0.0.1")) as test_client:
        yield test_client
    store.close()


async def _get(client: TestClient[Any, Any], path: str) -> Any:
    resp = await client.get(path, headers=VIEWER)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_the_evaluation_lists_the_provinces_findings(client: TestClient[Any, Any]) -> None:
    body = await _get(client, "/api/v1/evaluation")
    found = {f["details"]["role"]: f for f in body["province_findings"]}
    assert set(found) == {"one_stop_system", "national_portal"}
    one_stop = found["one_stop_system"]
    assert (one_stop["site"], one_stop["target"]) == (PROVINCE_SITE, "OPS-247")
    assert (one_stop["status"], one_stop["cause"], one_stop["unit"]) == (
        "not_met",
        "central",
        "ratio",
    )
    assert one_stop["details"]["system"] == "Hệ thống Một cửa điện tử"
    assert "05/06/2026 08:00" in one_stop["evidence"][0]["vi"]
    assert found["national_portal"]["status"] == "met"


async def test_findings_keep_the_province_apart_and_filter_it(client: TestClient[Any, Any]) -> None:
    body = await _get(client, "/api/v1/findings")
    assert body["findings"] and all(f["site"] != PROVINCE_SITE for f in body["findings"])
    assert len(body["province_findings"]) == 2

    only = await _get(client, f"/api/v1/findings?site={PROVINCE_SITE}")
    assert only["findings"] == [] and len(only["province_findings"]) == 2
    key = body["findings"][0]["site"]
    one_site = await _get(client, f"/api/v1/findings?site={key}")
    assert one_site["province_findings"] == [] and one_site["findings"]

    failing = await _get(client, "/api/v1/findings?target=OPS-247&status=not_met")
    assert [f["details"]["role"] for f in failing["province_findings"]] == ["one_stop_system"]
    other = await _get(client, "/api/v1/findings?target=INF-PWR")
    assert other["province_findings"] == []


async def test_findings_download_as_csv_a_spreadsheet_reads(client: TestClient[Any, Any]) -> None:
    import csv
    import io

    resp = await client.get("/api/v1/findings?format=csv&target=OPS-247", headers=VIEWER)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/csv"
    text = (await resp.read()).decode("utf-8")
    assert text.startswith("\ufeff")  # a spreadsheet then reads the Vietnamese as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["target"] for r in rows} == {"OPS-247"}
    sites = {r["site"] for r in rows}
    assert PROVINCE_SITE in sites and len(sites) == 4  # the three communes and the province
    assert any("Hệ thống Một cửa điện tử" in r["vi"] for r in rows)
    bad = await client.get("/api/v1/findings?format=xml", headers=VIEWER)
    assert bad.status == 400
