"""Findings kept per month, as people read them: the API's ``?month=`` and ``/api/v1/months``
over real HTTP (aiohttp's test server on loopback, a real SQLite store), the site page's table
of each target month by month and the board's met counts per month."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from collector.config import CollectorConfig
from collector.context import Collector
from collector.evaluate.model import PROVINCE_SITE, Finding, Status, Window
from collector.periods import Month, MonthFindings
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import board, build_app, sitepage, ui, views
from collector.web.auth import Auth
from tests.support import webdata

VIEWER = {"Authorization": "Bearer token-viewer"}
MONTHS = [Month(2026, m) for m in (6, 7, 8, 9, 10, 11, 12)]  # seven kept: six shown


def _status(month: Month) -> Any:
    """Power improves month by month at the first site; the rest as the webdata pattern."""

    def status_of(i: int, j: int) -> Status:
        if i == 0 and j == 3:  # INF-PWR, 4th evaluated target
            return "met" if month.month >= 10 else "not_met"
        return webdata.pattern(i + month.month, j)

    return status_of


def _kept(inv: Any, catalogue: Any, month: Month, closed: bool = True) -> MonthFindings:
    e = webdata.evaluation(inv, catalogue, _status(month))
    window = month.window()
    findings = tuple(dataclasses.replace(f, window=window) for f in e.findings)
    province = Finding(
        "OPS-247", PROVINCE_SITE, "met", 0.999, 0.995, "ratio", window, "Ổn định", "Steady"
    )
    return MonthFindings(
        month, window.end + 3600, window, findings, (province,), (), "i" * 64, "c" * 64, closed
    )


@pytest.fixture
def collector(tmp_path: Path) -> Collector:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(4))
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml")
    c = Collector(config, inv, catalogue, effective_thresholds(catalogue, None), store)
    c.evaluation = webdata.evaluation(inv, catalogue)
    for m in MONTHS:
        store.save_month(_kept(inv, catalogue, m, closed=m != MONTHS[-1]))
    return c


@pytest.fixture
async def client(collector: Collector) -> AsyncIterator[TestClient[Any, Any]]:
    auth = Auth([TokenEntry(name="viewer", role="viewer", sha256=hash_token("token-viewer"))])
    async with TestClient(TestServer(build_app(collector, auth), host="127.0.0.1")) as test_client:
        yield test_client
    collector.store.close()


async def _get(client: TestClient[Any, Any], path: str, status: int = 200) -> Any:
    resp = await client.get(path, headers=VIEWER)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_the_months_kept_are_listed_newest_first(client: TestClient[Any, Any]) -> None:
    body = await _get(client, "/api/v1/months")
    assert [m["month"] for m in body["months"]] == [str(m) for m in reversed(MONTHS)]
    newest = body["months"][0]
    assert (newest["label"], newest["closed"]) == ("12/2026", False)
    assert body["months"][1]["closed"] is True
    assert newest["inventory_version"] == "i" * 64 and newest["catalogue_version"] == "c" * 64
    assert newest["window"]["start"] == views.iso(Month(2026, 12).start)


async def test_findings_of_a_month_kept_filtered_as_the_newest(
    client: TestClient[Any, Any], collector: Collector
) -> None:
    key = collector.inventory.sites[0].key
    body = await _get(client, f"/api/v1/findings?month=2026-09&site={key}&target=INF-PWR")
    assert (body["month"], body["closed"]) == ("2026-09", True)
    assert [(f["site"], f["status"]) for f in body["findings"]] == [(key, "not_met")]
    assert body["findings"][0]["window"]["start"] == views.iso(Month(2026, 9).start)
    october = await _get(client, f"/api/v1/findings?month=2026-10&site={key}&target=INF-PWR")
    assert [f["status"] for f in october["findings"]] == ["met"]
    every = await _get(client, "/api/v1/findings?month=2026-10")
    kept = collector.store.month(Month(2026, 10))
    assert kept is not None and len(every["findings"]) == len(kept.findings)
    assert [f["site"] for f in every["province_findings"]] == [PROVINCE_SITE]


async def test_the_evaluation_of_a_month_counts_its_findings(
    client: TestClient[Any, Any], collector: Collector
) -> None:
    body = await _get(client, "/api/v1/evaluation?month=2026-11")
    kept = collector.store.month(Month(2026, 11))
    assert kept is not None
    power = next(r for r in body["rollups"] if r["target"] == "INF-PWR")
    wanted = [f.status for f in kept.findings if f.target == "INF-PWR"]
    assert (power["met"], power["not_met"], power["unknown"]) == tuple(
        wanted.count(s) for s in ("met", "not_met", "unknown")
    )
    assert body["findings"] == len(kept.findings) and body["month"] == "2026-11"
    assert body["window"]["end"] == views.iso(Month(2026, 12).start)


async def test_a_month_not_kept_or_malformed_is_said_so(client: TestClient[Any, Any]) -> None:
    missing = await _get(client, "/api/v1/findings?month=2025-01", 404)
    assert missing["error"]["code"] == "no_month"
    assert "01/2025" in missing["error"]["vi"] and "2025-01" in missing["error"]["en"]
    also = await _get(client, "/api/v1/evaluation?month=2025-01", 404)
    assert also["error"]["code"] == "no_month"
    bad = await _get(client, "/api/v1/findings?month=2026-13", 400)
    assert bad["error"]["code"] == "bad_month" and bad["error"]["en"].startswith("month:")
    bad = await _get(client, "/api/v1/evaluation?month=11/2026", 400)
    assert "month" in bad["error"]["vi"]
    resp = await client.get("/api/v1/months")  # no token
    assert resp.status == 401


def test_the_site_trend_is_each_target_month_by_month(collector: Collector) -> None:
    c = collector
    site = c.inventory.sites[0]
    months = list(reversed(c.store.months()[: board.TREND_MONTHS]))
    assert [m.label for m in months] == ["07/2026", "08/2026", "09/2026", "10/2026", "11/2026",
                                         "12/2026"]  # fmt: skip
    rows = sitepage.trend(site, c.catalogue, months, c.store.site_months(site.key, months), "vi")
    assert [r.target for r in rows] == [t.id for t in board.columns(c.catalogue)]
    power = next(r for r in rows if r.target == "INF-PWR")
    statuses = [cell.status if cell else None for cell in power.cells]
    assert statuses == ["not_met"] * 3 + ["met"] * 3
    first = power.cells[0]
    assert first is not None
    assert first.figure == "6 lần mất điện"  # one formatter per unit (collector.figures)
    assert first.title.startswith("07/2026: 6 lần mất điện (tối đa 4) · chưa đạt")
    # A month with no finding for the target shows none.
    gap = sitepage.trend(site, c.catalogue, [Month(2025, 1), *months], {}, "vi")
    assert all(cell is None for row in gap for cell in row.cells)


def test_the_site_page_shows_the_trend_table(collector: Collector) -> None:
    c = collector
    site = c.inventory.sites[0]
    data = ui._fetch_site_data(c, site.key, Month(2026, 12).start + 86400, False)
    assert data.open_months == frozenset({Month(2026, 12)})
    html = ui.render_site(site, c.catalogue, c.evaluation, {}, data, "vi")
    table = html[html.index('<h2 id="trend">') : html.index("<h2>", html.index('id="trend"'))]
    assert "Theo tháng" in table and "07/2026" in table and "12/2026*" in table
    assert "06/2026" not in table  # the last six kept
    assert "6 lần mất điện" in table and "tháng đang diễn ra" in table


def test_the_board_trend_counts_the_met_communes_per_month(collector: Collector) -> None:
    c = collector
    sources = (c.inventory, c.catalogue, c.evaluation)
    trend = board.read_trend(c.store, sources)
    power = trend["INF-PWR"]
    assert [p.label for p in power] == [m.label for m in MONTHS[1:]]
    for p in power:
        kept = c.store.month(p.month)
        assert kept is not None
        wanted = [f for f in kept.findings if f.target == "INF-PWR"]
        assert (p.met, p.total) == (sum(f.status == "met" for f in wanted), len(wanted))
    assert [p.closed for p in power] == [True] * 5 + [False]
    assert power[-1].text.endswith("*")
    # Read once per evaluation: a month saved since shows after the next evaluation.
    c.store.save_month(_kept(c.inventory, c.catalogue, Month(2027, 1)))
    assert board.read_trend(c.store, sources) is trend
    newer = (c.inventory, c.catalogue, dataclasses.replace(c.evaluation))  # type: ignore[type-var]
    assert board.read_trend(c.store, newer)["INF-PWR"][-1].label == "01/2027"
    html = ui.render_board(*newer, "vi", {}, None, board.read_trend(c.store, newer))
    assert "Theo tháng:" in html and "Số xã đạt theo tháng" in html


def test_a_window_is_kept_with_each_finding() -> None:
    month = Month(2026, 11)
    assert month.window() == Window(month.start, month.end)
