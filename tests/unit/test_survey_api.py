"""``POST /api/v1/survey`` through the collector's real app (``build_app``: auth middleware, roles,
audit log) over HTTP on loopback, with a real SQLite store: records as ``sansang survey`` writes
them; a technician for its own sites only, an admin also for places tied to no site; every write
audited, a refusal too; a bad record named by index and field with nothing stored; 413 for too
much."""

from __future__ import annotations

import io
import json
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from collector.config import CollectorConfig
from collector.context import Collector
from collector.evaluate.model import Window
from collector.evaluate.run import evaluate_all
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import board, build_app
from collector.web.auth import Auth
from tests.support import webdata
from tests.support.net import listener
from tests.support.survey import T_SURVEY, survey_record, viettel_lte

TOKENS = {"viewer": ("viewer", 0), "admin": ("admin", 0), "kt-a": ("technician", 1)}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[TestClient[Any, Any], Collector]]:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(2))
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml")
    c = Collector(config, inv, catalogue, effective_thresholds(catalogue, None), store)
    entries = [
        TokenEntry(name=n, role=r, sha256=hash_token(f"token-{n}"), sites=[inv.sites[0].key] * k)
        for n, (r, k) in TOKENS.items()
    ]
    async with TestClient(TestServer(build_app(c, Auth(entries)))) as http:
        yield http, c
    store.close()


@pytest.fixture
async def records() -> list[dict[str, Any]]:
    async with listener() as port:
        return [
            await survey_record(port, "Đèo Lò Xo", 14.62, 108.31, download_bps=1e5),
            await survey_record(port, "Khe Nước", 14.70, 108.40, download_bps=None),
        ]


def _as(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{name}"}


def _points(c: Collector) -> list[Any]:
    return c.store.survey_points(0, math.inf)


def _audit(c: Collector) -> list[tuple[str, str, str, str]]:
    return [(a.actor, a.action, a.target, a.details["result"]) for a in c.store.audit_log()]


async def test_an_admin_adds_points_once_and_the_write_is_audited(
    client: tuple[TestClient[Any, Any], Collector], records: list[dict[str, Any]]
) -> None:
    http, c = client
    resp = await http.post("/api/v1/survey", json=records, headers=_as("admin"))
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"records": 2, "stored": 2, "duplicates": 0}
    again = await http.post("/api/v1/survey", json=records, headers=_as("admin"))
    assert await again.json() == {"records": 2, "stored": 0, "duplicates": 2}
    assert [(p.label, p.site) for p in _points(c)] == [("Đèo Lò Xo", None), ("Khe Nước", None)]
    assert _audit(c)[:2] == [("admin", "survey.import", "province", "ok")] * 2
    entry = c.store.audit_log(1)[0]
    assert entry.details["records"] == 2 and entry.details["stored"] == 0


async def test_a_technician_adds_points_for_its_own_site_only(
    client: tuple[TestClient[Any, Any], Collector], records: list[dict[str, Any]]
) -> None:
    http, c = client
    own, other = c.inventory.sites[0].key, c.inventory.sites[1].key
    ok = await http.post(f"/api/v1/survey?site={own}", json=records[:1], headers=_as("kt-a"))
    assert ok.status == 200, await ok.text()
    assert [p.site for p in _points(c)] == [own]
    assert _audit(c)[0] == ("kt-a", "survey.import", own, "ok")
    own_field = [{**records[1], "site": own}]
    assert (await http.post("/api/v1/survey", json=own_field, headers=_as("kt-a"))).status == 200

    refusals = [
        (f"/api/v1/survey?site={other}", records, other),  # another site's
        ("/api/v1/survey", records[:1], "province"),  # tied to no site
        ("/api/v1/survey", [{**records[0], "site": other}], other),  # a record naming another
    ]
    for path, body, target in refusals:
        resp = await http.post(path, json=body, headers=_as("kt-a"))
        assert resp.status == 403, path
        assert (await resp.json())["error"]["code"] in ("forbidden_site", "forbidden")
        assert _audit(c)[0] == ("kt-a", "survey.import", target, "denied")
    viewer = await http.post("/api/v1/survey", json=records, headers=_as("viewer"))
    assert viewer.status == 403
    assert _audit(c)[0] == ("viewer", "survey.import", "province", "denied")
    assert len(_points(c)) == 2


async def test_a_bad_record_is_named_by_index_and_field_and_nothing_is_stored(
    client: tuple[TestClient[Any, Any], Collector], records: list[dict[str, Any]]
) -> None:
    http, c = client
    bad = [records[0], {**records[1], "latitude": "14,7"}, {**records[1], "kind": "x"}]
    resp = await http.post("/api/v1/survey", json=bad, headers=_as("admin"))
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "bad_survey_record"
    assert "2 bad records, nothing stored" in error["en"]
    assert "[1] latitude: " in error["en"] and "[2] kind: " in error["en"]
    assert "bản ghi [1] latitude" in error["vi"]
    for body, code in (({"records": records}, "bad_survey"), ("[1,", "bad_json")):
        raw = body if isinstance(body, str) else json.dumps(body)
        headers = {**_as("admin"), "Content-Type": "application/json"}
        resp = await http.post("/api/v1/survey", data=raw, headers=headers)
        assert resp.status == 400 and (await resp.json())["error"]["code"] == code
    unknown = await http.post("/api/v1/survey?site=99999-x", json=records, headers=_as("admin"))
    assert unknown.status == 400 and (await unknown.json())["error"]["code"] == "no_site"
    assert _points(c) == []


async def test_too_many_records_or_bytes_is_413(
    client: tuple[TestClient[Any, Any], Collector], records: list[dict[str, Any]]
) -> None:
    http, c = client
    many = [{**records[0], "wall_time_unix": T_SURVEY + i} for i in range(1001)]
    resp = await http.post("/api/v1/survey", json=many, headers=_as("admin"))
    assert resp.status == 413 and (await resp.json())["error"]["code"] == "too_many_records"
    huge = json.dumps([{**records[0], "endpoint": "x" * (3 * 1024 * 1024)}]).encode()
    headers = {**_as("admin"), "Content-Type": "application/json"}
    resp = await http.post("/api/v1/survey", data=io.BytesIO(huge), headers=headers)
    assert resp.status == 413 and (await resp.json())["error"]["code"] == "too_large"
    text = await http.post(
        "/api/v1/survey", data="[]", headers={**_as("admin"), "Content-Type": "text/plain"}
    )
    assert text.status == 415
    assert _points(c) == []


# --- reading: the points with their signal, the villages below threshold -----------------------


@pytest.fixture
async def villages() -> list[dict[str, Any]]:
    """Two villages: one weak with the modem's LTE signal, one good without a modem."""
    async with listener() as port:
        return [
            await survey_record(
                port, "Thôn Làng Rê", 14.62, 108.31, download_bps=1e5, cellular=viettel_lte()
            ),
            await survey_record(port, "Bản Gò", 14.80, 108.50, download_bps=6e6, at=T_SURVEY + 60),
        ]


SPAN = f"since={T_SURVEY - 3600:.0f}&until={T_SURVEY + 3600:.0f}"


async def test_rsrp_and_rsrq_are_kept_from_the_record_to_the_api(
    client: tuple[TestClient[Any, Any], Collector], villages: list[dict[str, Any]]
) -> None:
    http, c = client
    own = c.inventory.sites[0].key
    resp = await http.post("/api/v1/survey", json=villages, headers=_as("admin"))
    assert resp.status == 200, await resp.text()
    mine = [{**villages[0], "site": own, "label": "Sân UBND"}]
    assert (await http.post("/api/v1/survey", json=mine, headers=_as("kt-a"))).status == 200
    got = await http.get(f"/api/v1/survey?{SPAN}", headers=_as("viewer"))
    assert got.status == 200, await got.text()
    points = (await got.json())["points"]
    assert [p["label"] for p in points] == ["Thôn Làng Rê", "Sân UBND", "Bản Gò"]  # time, id
    weak = points[0]
    assert (weak["rsrp_dbm"], weak["rsrq_db"]) == (-109.0, -13.0)
    assert (weak["operator"], weak["technology"], weak["site"]) == ("Viettel", "lte", None)
    assert weak["download_mbps"] == 0.8 and weak["time"] == "2026-05-28T20:26:40+00:00"
    assert (points[2]["rsrp_dbm"], points[2]["rsrq_db"]) == (None, None)  # no modem
    villages_only = await http.get(f"/api/v1/survey?{SPAN}&site=none", headers=_as("viewer"))
    assert [p["label"] for p in (await villages_only.json())["points"]] == [
        "Thôn Làng Rê",
        "Bản Gò",
    ]
    of_site = await http.get(f"/api/v1/survey?{SPAN}&site={own}&limit=5", headers=_as("viewer"))
    assert [p["site"] for p in (await of_site.json())["points"]] == [own]
    later = await http.get(
        "/api/v1/survey?since=2026-06-01T00:00:00%2B07:00", headers=_as("viewer")
    )
    assert later.status == 200 and (await later.json())["points"] == []
    backwards = await http.get(f"/api/v1/survey?since={T_SURVEY}&until=0", headers=_as("viewer"))
    assert backwards.status == 400
    assert (await http.get(f"/api/v1/survey?{SPAN}")).status == 401


async def test_the_villages_below_threshold_are_in_the_api_as_on_the_board(
    client: tuple[TestClient[Any, Any], Collector], villages: list[dict[str, Any]]
) -> None:
    http, c = client
    empty = await http.get("/api/v1/dead-zone-points", headers=_as("viewer"))
    assert await empty.json() == {"evaluated_at": None, "points": []}
    assert (await http.post("/api/v1/survey", json=villages, headers=_as("admin"))).status == 200
    window = Window(T_SURVEY - 86400, T_SURVEY + 86400)
    c.evaluation = evaluate_all(c.store, c.inventory, c.catalogue, c.thresholds, window)
    resp = await http.get("/api/v1/dead-zone-points", headers=_as("viewer"))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["evaluated_at"] is not None
    assert [p["label"] for p in body["points"]] == ["Thôn Làng Rê"]  # Bản Gò: 48 Mbit/s
    (village,) = body["points"]
    assert (village["latitude"], village["longitude"]) == (14.62, 108.31)
    assert (village["download_bps"], village["loss_ratio"]) == (1e5, 0.0)
    assert (village["rsrp_dbm"], village["rsrq_db"]) == (-109.0, -13.0)
    shown = [d.label for d in board.dead_zone_points(c.evaluation, "vi")]
    assert shown == [p["label"] for p in body["points"]]  # the board's list, the same places
