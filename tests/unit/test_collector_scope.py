"""Tokens scoped to some sites (collector/web/auth.py ``may_read_site``) on EVERY read route of
the collector's app (real HTTP on loopback, a real SQLite store): the routes are taken from the
app's router, so a route added later without the scope fails here.

A commune's police token (security_reviewer, ``communes: [A]``) asks every GET route: its own
site's answers are 200 and name no other site (key, commune code or name), another site's are
403 naming none either, and what carries every site (``/metrics``, the audit log) is 403.  The
real-process test is tests/integration/test_collector_api.py."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from collector.config import CollectorConfig, ReportsConfig
from collector.context import Collector
from collector.evaluate.model import PROVINCE_SITE, Evidence, Finding
from collector.inventory.model import Inventory
from collector.periods import Month
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import build_app
from collector.web.auth import Auth
from tests.support import webdata
from tests.support.report import month_findings

POLICE = {"Authorization": "Bearer token-police"}
PROVINCE = {"Authorization": "Bearer token-reviewer"}
MONTH = Month(2026, 5)
PUBLIC = {"/healthz", "/login", "/api/v1/ingest/cursor"}
# What carries every site of the province: refused to a scoped token.
PROVINCE_ONLY = {"/metrics", "/api/v1/audit"}
QUERIES = {"/api/v1/reports": f"?month={MONTH}&format=xlsx"}

Client = TestClient[Any, Any]


def _province_finding(inv: Inventory) -> Finding:
    """OPS-247 for the province's one-stop system, its evidence every site's events."""
    refs = tuple(f"{s.key}/j1/7" for s in inv.sites)
    return Finding(
        target="OPS-247",
        site=PROVINCE_SITE,
        status="not_met",
        value=0.982,
        threshold=0.995,
        unit="ratio",
        window=webdata.WINDOW,
        vi="Hệ thống Một cửa điện tử: 98,2 %",
        en="One-stop system: 98.2 %",
        evidence=(Evidence("events", "3 điểm mất kết nối", "3 sites lost it", refs),),
        details={"role": "one_stop_system", "outages": 1},
    )


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[tuple[Client, Collector]]:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(3))
    evaluation = webdata.evaluation(inv, catalogue)
    evaluation = dataclasses.replace(evaluation, province_findings=[_province_finding(inv)])
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    store.save_month(month_findings(evaluation, MONTH, closed=True))
    for s in inv.sites:
        store.add_note(s.key, "admin", f"ghi chú của {s.commune.name}", 1.7e9)
    config = CollectorConfig(
        inventory=tmp_path / "inventory.yaml", reports=ReportsConfig(dir=tmp_path / "reports")
    )
    c = Collector(config, inv, catalogue, effective_thresholds(catalogue, None), store)
    c.evaluation = evaluation
    auth = Auth(
        [
            TokenEntry(
                name="ca-xa", role="security_reviewer", sha256=hash_token("token-police"),
                communes=[inv.sites[0].commune_code],
            ),
            TokenEntry(
                name="ca-tinh", role="security_reviewer", sha256=hash_token("token-reviewer")
            ),
        ]
    )  # fmt: skip
    async with TestClient(TestServer(build_app(c, auth), host="127.0.0.1")) as client:
        yield client, c
    store.close()


def _others(c: Collector) -> list[str]:
    """Every way an answer could name the sites other than the first: key, code, name."""
    words = []
    for s in c.inventory.sites[1:]:
        words += [s.key, s.commune_code, s.commune.name, s.name]
    return words


async def _text(resp: Any) -> str:
    body = await resp.read()
    if resp.headers.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            body = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    return html.unescape(body.decode("utf-8", errors="replace"))


def _routes(client: Client) -> list[str]:
    app = client.app
    assert app is not None
    return sorted(
        {
            r.resource.canonical
            for r in app.router.routes()
            if r.method == "GET" and r.resource is not None
        }
        - PUBLIC
    )


async def test_every_read_route_shows_a_scoped_token_its_own_sites_only(
    app: tuple[Client, Collector],
) -> None:
    client, c = app
    own, other = c.inventory.sites[0], c.inventory.sites[1]
    others = _others(c)
    routes = _routes(client)
    assert {"/", "/map", "/police", "/sites/{key}", "/api/v1/findings"} <= set(routes)
    for route in routes:
        path = route.replace("{key}", own.key) + QUERIES.get(route, "")
        if "{" in path:
            continue  # a record's id (``/incidents/{id}``): its own module's tests
        resp = await client.get(path, headers=POLICE)
        text = await _text(resp)
        if route in PROVINCE_ONLY:
            assert resp.status == 403, (route, text)
            assert '"forbidden_scope"' in text
            assert (await client.get(path, headers=PROVINCE)).status == 200, route
            continue
        assert resp.status == 200, (route, text[:300])
        leaked = [w for w in others if w in text]
        assert not leaked, (route, leaked)
        if "{key}" in route:
            assert own.commune.name in text or own.key in text, route
            for key in (other.key, "99999-x"):  # another commune's, and no site at all
                resp = await client.get(route.replace("{key}", key), headers=POLICE)
                refused = await _text(resp)
                assert resp.status == 403, (route, key)
                assert not [w for w in [*others, "99999"] if w in refused], (route, refused)


async def test_the_province_token_sees_every_site_on_the_same_routes(
    app: tuple[Client, Collector],
) -> None:
    """The other side of the test above: the names it looks for are really there."""
    client, c = app
    for path in ("/", "/police", "/api/v1/sites", "/api/v1/findings", "/api/v1/inventory"):
        text = await _text(await client.get(path, headers=PROVINCE))
        for s in c.inventory.sites:
            assert s.key in text or s.commune.name in text, (path, s.key)


async def test_a_province_finding_is_read_with_only_its_own_sites_refs(
    app: tuple[Client, Collector],
) -> None:
    client, c = app
    own = c.inventory.sites[0].key
    body = await (await client.get("/api/v1/findings", headers=POLICE)).json()
    [province] = body["province_findings"]
    assert province["status"] == "not_met" and province["evidence"][0]["refs"] == [f"{own}/j1/7"]
    body = await (await client.get("/api/v1/findings", headers=PROVINCE)).json()
    assert len(body["province_findings"][0]["evidence"][0]["refs"]) == 3


async def test_the_scoped_board_counts_its_own_sites(app: tuple[Client, Collector]) -> None:
    client, _c = app
    board = await _text(await client.get("/", headers=POLICE))
    assert "Mã truy cập này chỉ được xem 1 điểm: Phường Cẩm Thành" in board
    assert "1/1 xã đạt" in board or "0/1 xã đạt" in board
    assert "/3 xã đạt" not in board
    page = await _text(await client.get("/", headers=PROVINCE))
    assert "chỉ được xem" not in page and "/3 xã đạt" in page
    # The trend month by month (the kept month 05/2026): of its one site, not the province's 3.
    trend = re.compile(r'title="Số xã đạt theo tháng: 05/2026: \d/(\d)"')
    assert set(trend.findall(board)) == {"1"}
    assert set(trend.findall(page)) == {"3"}
