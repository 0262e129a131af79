"""The reports over real HTTP (the collector's app on loopback, a real SQLite store): a download
with its media type, file name and SHA-256, kept and audited once; a technician's report of its
sites only; the index; the page "Báo cáo tháng"; errors naming the month and the format."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from collector.config import CollectorConfig, ReportsConfig
from collector.context import Collector
from collector.periods import Month
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import build_app
from collector.web.auth import Auth
from tests.support import webdata
from tests.support.report import month_findings

VIEWER = {"Authorization": "Bearer token-viewer"}
TECH = {"Authorization": "Bearer token-tech"}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[tuple[TestClient[Any, Any], Collector]]:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(3))
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    evaluation = webdata.evaluation(inv, catalogue)
    store.save_month(month_findings(evaluation, Month(2026, 11), closed=True))
    config = CollectorConfig(
        inventory=tmp_path / "inventory.yaml", reports=ReportsConfig(dir=tmp_path / "reports")
    )
    c = Collector(config, inv, catalogue, effective_thresholds(catalogue, None), store)
    auth = Auth(
        [
            TokenEntry(name="so-khcn", role="viewer", sha256=hash_token("token-viewer")),
            TokenEntry(
                name="kt", role="technician", sha256=hash_token("token-tech"),
                sites=[inv.sites[0].key],
            ),
        ]
    )  # fmt: skip
    async with TestClient(TestServer(build_app(c, auth), host="127.0.0.1")) as client:
        yield client, c
    store.close()


async def test_a_download_is_kept_audited_once_and_served_again(
    app: tuple[TestClient[Any, Any], Collector],
) -> None:
    client, c = app
    resp = await client.get("/api/v1/reports?month=2026-11&format=json", headers=VIEWER)
    assert resp.status == 200, await resp.text()
    body = await resp.read()
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="chi-tieu-trung-uong-2026-11.json"'
    )
    assert resp.headers["X-Report-SHA256"] == hashlib.sha256(body).hexdigest()
    assert json.loads(body)["province"]["code"] == "51"
    again = await client.get("/api/v1/reports?month=2026-11&format=json", headers=VIEWER)
    assert await again.read() == body
    actions = [e.action for e in c.store.audit_log()]
    assert actions.count("report.export") == 1  # written once, then served as kept
    index = await (await client.get("/api/v1/reports/index", headers=VIEWER)).json()
    assert [(r["month"], r["format"], r["sha256"]) for r in index["reports"]] == [
        ("2026-11", "json", hashlib.sha256(body).hexdigest())
    ]
    assert "written_by" not in index["reports"][0]  # the audit log's readers only


async def test_a_technician_gets_a_report_of_its_sites_only(
    app: tuple[TestClient[Any, Any], Collector],
) -> None:
    client, _ = app
    resp = await client.get("/api/v1/reports?month=2026-11&format=json", headers=TECH)
    assert resp.status == 200
    doc = await resp.json(content_type=None)
    assert max(i["total"] for i in doc["indicators"]) == 1  # one commune, not three
    assert "xa-" in resp.headers["Content-Disposition"]
    index = await (await client.get("/api/v1/reports/index", headers=VIEWER)).json()
    assert index["reports"][0]["scope"].startswith("xa-")


async def test_errors_name_the_month_and_the_format(
    app: tuple[TestClient[Any, Any], Collector],
) -> None:
    client, _ = app
    bad = await client.get("/api/v1/reports?month=11-2026&format=pdf", headers=VIEWER)
    assert bad.status == 400 and "11-2026" in await bad.text()
    fmt = await client.get("/api/v1/reports?month=2026-11&format=odt", headers=VIEWER)
    assert fmt.status == 400 and "odt" in await fmt.text()
    none = await client.get("/api/v1/reports?month=2026-10&format=pdf", headers=VIEWER)
    assert none.status == 404 and "10/2026" in (await none.json())["error"]["vi"]
    anon = await client.get("/api/v1/reports?month=2026-11&format=pdf")
    assert anon.status == 401


async def test_the_page_lists_the_months_with_their_downloads(
    app: tuple[TestClient[Any, Any], Collector],
) -> None:
    client, _ = app
    resp = await client.get("/reports", headers=VIEWER)
    text = await resp.text()
    assert resp.status == 200 and "Báo cáo tháng" in text
    assert "/api/v1/reports?month=2026-11&amp;format=docx" in text
    board = await (await client.get("/", headers=VIEWER)).text()
    assert 'href="/reports"' in board
