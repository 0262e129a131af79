"""Incidents over real HTTP (the collector's app on loopback, a real SQLite store): Alertmanager's
webhook with its own token only, strict input (nothing stored from a bad body), a replay that
changes nothing; people's writes by role, each audited; reads scoped by site; the pages."""

from __future__ import annotations

import io
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from collector.config import CollectorConfig
from collector.context import Collector
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import build_app
from collector.web.auth import Auth
from collector.web.incidents import MAX_WEBHOOK_BYTES
from tests.support import webdata
from tests.support.incidents import am_alert, notification

Client = TestClient[Any, Any]
TOKENS = {
    "alertmanager": ("alertmanager", {}),
    "viewer": ("viewer", {}),
    "police": ("security_reviewer", {}),
    "admin": ("admin", {}),
    "tech": ("technician", {"sites": [0]}),
    "commune-police": ("security_reviewer", {"communes": [1]}),
}


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{name}"}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[tuple[Client, Collector]]:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(3))
    keys = [s.key for s in inv.sites]
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    c = Collector(
        CollectorConfig(inventory=tmp_path / "inventory.yaml"),
        inv,
        catalogue,
        effective_thresholds(catalogue, None),
        store,
    )
    entries = []
    for name, (role, scope) in TOKENS.items():
        extra: dict[str, Any] = {}
        if "sites" in scope:
            extra["sites"] = [keys[i] for i in scope["sites"]]
        if "communes" in scope:
            extra["communes"] = [keys[i][:5] for i in scope["communes"]]
        entries.append(
            TokenEntry(name=name, role=role, sha256=hash_token(f"token-{name}"), **extra)
        )
    async with TestClient(TestServer(build_app(c, Auth(entries)), host="127.0.0.1")) as client:
        yield client, c
    store.close()


def sites(c: Collector) -> list[str]:
    return [s.key for s in c.inventory.sites]


async def post(client: Client, path: str, body: Any, as_: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **(bearer(as_) if as_ else {})}
    resp = await client.post(path, data=json.dumps(body), headers=headers)
    text = await resp.text()
    return resp.status, json.loads(text) if text.startswith(("{", "[")) else text


async def get(client: Client, path: str, as_: str = "viewer") -> tuple[int, Any]:
    resp = await client.get(path, headers=bearer(as_))
    text = await resp.text()
    return resp.status, json.loads(text) if resp.content_type == "application/json" else text


def audit(c: Collector, action: str) -> list[Any]:
    return [a for a in c.store.audit_log(1000) if a.action == action]


async def open_one(client: Client, c: Collector, site: int = 0, fp: str = "aa01") -> int:
    now = time.time()
    alert = am_alert("SansangPowerLost", sites(c)[site], starts_at=now - 90, fingerprint=fp)
    status, body = await post(
        client, "/api/v1/alertmanager/webhook", notification([alert]), "alertmanager"
    )
    assert status == 200, body
    [opened] = body["opened"]
    return int(opened)


# --- the webhook ---------------------------------------------------------------------------------


async def test_the_webhook_opens_repeats_nothing_and_restores(
    app: tuple[Client, Collector],
) -> None:
    client, c = app
    site, now = sites(c)[0], time.time()
    firing = am_alert("SansangPowerLost", site, starts_at=now - 90)
    skipped = am_alert("SansangTargetNotMet", site, starts_at=now - 90, fingerprint="bb")
    status, body = await post(
        client, "/api/v1/alertmanager/webhook", notification([firing, skipped]), "alertmanager"
    )
    assert status == 200, body
    [opened] = body["opened"]
    assert body["skipped"] == [
        {"index": 1, "alertname": "SansangTargetNotMet", "reason": body["skipped"][0]["reason"]}
    ]
    for _ in range(3):  # Alertmanager's repeats, or someone replaying the body
        status, again = await post(
            client, "/api/v1/alertmanager/webhook", notification([firing]), "alertmanager"
        )
        assert (status, again["opened"], again["unchanged"]) == (200, [], 1)
    resolved = am_alert("SansangPowerLost", site, starts_at=now - 90, ends_at=now - 5)
    status, done = await post(
        client, "/api/v1/alertmanager/webhook", notification([resolved]), "alertmanager"
    )
    assert done["restored"] == [opened]
    status, incident = await get(client, f"/api/v1/incidents/{opened}")
    assert status == 200
    assert incident["kind"] == "power_loss" and incident["site"] == site
    assert incident["restored_by"] == "alertmanager" and incident["open"] is False
    assert incident["time_to_restore_seconds"] == pytest.approx(85, abs=0.01)
    assert len(c.store.incidents()) == 1
    entries = audit(c, "incident.alerts")  # what changed: the opening and the restore
    assert [e.details["opened"] or e.details["restored"] for e in reversed(entries)] == [
        [opened],
        [opened],
    ]
    assert all(e.actor == "alertmanager" for e in entries)


async def test_the_webhook_needs_the_alertmanager_token(app: tuple[Client, Collector]) -> None:
    client, c = app
    body = notification([am_alert("SansangPowerLost", sites(c)[0], starts_at=time.time() - 60)])
    assert (await post(client, "/api/v1/alertmanager/webhook", body, None))[0] == 401
    bad = {"Authorization": "Bearer nope", "Content-Type": "application/json"}
    resp = await client.post("/api/v1/alertmanager/webhook", data=json.dumps(body), headers=bad)
    assert resp.status == 401
    status, err = await post(client, "/api/v1/alertmanager/webhook", body, "viewer")
    assert status == 403 and err["error"]["code"] == "forbidden"
    assert audit(c, "incident.alerts")[0].details["result"] == "denied"
    assert c.store.incidents() == []
    assert c.store.incident_intake() is None


async def test_the_alertmanager_token_reaches_nothing_else(app: tuple[Client, Collector]) -> None:
    client, c = app
    for path in ("/api/v1/sites", "/api/v1/incidents", "/", "/incidents", "/api/v1/whoami"):
        resp = await client.get(path, headers=bearer("alertmanager"))
        assert resp.status == 403, path
    opened = await open_one(client, c)
    status, _ = await post(client, f"/api/v1/incidents/{opened}/ack", {}, "alertmanager")
    assert status == 403


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad_json"),
        (
            b'{"version": "4", "alerts": [{"status": "firing"}]}',
            "application/json",
            400,
            "bad_notification",
        ),
        (b'{"version": "4", "alerts": []}', "text/plain", 415, "json_only"),
        (b'{"alerts": "' + b"x" * MAX_WEBHOOK_BYTES + b'"}', "application/json", 413, "too_large"),
    ],
    ids=["not-json", "wrong-types", "not-json-type", "huge"],
)
async def test_a_bad_body_stores_nothing(
    app: tuple[Client, Collector], raw: bytes, content_type: str, status: int, code: str
) -> None:
    client, c = app
    headers = {"Content-Type": content_type, **bearer("alertmanager")}
    resp = await client.post("/api/v1/alertmanager/webhook", data=io.BytesIO(raw), headers=headers)
    assert resp.status == status
    assert json.loads(await resp.text())["error"]["code"] == code
    assert c.store.incidents() == []
    assert c.store.incident_intake() is None


async def test_times_out_of_reason_open_nothing(app: tuple[Client, Collector]) -> None:
    client, c = app
    now = time.time()
    future = am_alert("SansangPowerLost", sites(c)[0], starts_at=now + 3600)
    ancient = am_alert("SansangLinkDown", sites(c)[0], starts_at=0.0, fingerprint="cc")
    status, body = await post(
        client, "/api/v1/alertmanager/webhook", notification([future, ancient]), "alertmanager"
    )
    assert status == 200 and body["opened"] == []
    assert [s["reason"] for s in body["skipped"]] == ["startsAt in the future", "startsAt too old"]
    assert c.store.incidents() == []
    assert c.store.incident_intake() is not None  # heard: the path works


# --- people's writes -----------------------------------------------------------------------------


async def test_acknowledge_restore_report_and_notes_by_role_each_audited(
    app: tuple[Client, Collector],
) -> None:
    client, c = app
    opened = await open_one(client, c)
    base = f"/api/v1/incidents/{opened}"
    for role in ("viewer", "tech"):
        status, _ = await post(client, f"{base}/ack", {}, role)
        assert status == 403, role
    status, body = await post(client, f"{base}/ack", {}, "police")
    assert status == 200 and body["changed"] is True and body["acknowledged_by"] == "police"
    status, body = await post(client, f"{base}/ack", {}, "admin")
    assert status == 200 and body["changed"] is False and body["acknowledged_by"] == "police"
    status, note = await post(client, f"{base}/notes", {"text": "Đã gọi điện lực huyện"}, "tech")
    assert status == 201 and note["notes"][0]["author"] == "tech"
    status, _ = await post(client, f"{base}/restore", {"at": time.time() + 3600}, "police")
    assert status == 400  # not in the future
    status, body = await post(client, f"{base}/restore", {}, "police")
    assert status == 200 and body["open"] is False and body["restored_by"] == "police"
    status, body = await post(client, f"{base}/report", {"ref": "  123/BC-CAT  "}, "police")
    assert status == 200 and body["report_ref"] == "123/BC-CAT" and body["state"] == "reported"
    status, body = await post(client, f"{base}/report", {"ref": "999/BC"}, "admin")
    assert status == 409
    status, body = await post(client, f"{base}/report", {"ref": "1", "extra": 1}, "police")
    assert status == 400
    actions = [(a.action, a.actor, a.details["result"]) for a in reversed(c.store.audit_log(100))]
    assert ("incident.acknowledge", "viewer", "denied") in actions
    assert ("incident.acknowledge", "tech", "denied") in actions
    assert ("incident.acknowledge", "police", "ok") in actions
    assert ("incident.note", "tech", "ok") in actions
    assert ("incident.restore", "police", "ok") in actions
    assert ("incident.report", "police", "ok") in actions
    assert all(
        a.target == f"incident/{opened}"
        for a in c.store.audit_log(100)
        if a.action != "incident.alerts"
    )


async def test_a_technician_notes_only_its_own_sites_incidents(
    app: tuple[Client, Collector],
) -> None:
    client, c = app
    other = await open_one(client, c, site=2, fp="ee")
    status, err = await post(client, f"/api/v1/incidents/{other}/notes", {"text": "x"}, "tech")
    assert status == 403 and err["error"]["code"] == "forbidden_site"


async def test_a_commune_token_reads_and_writes_its_communes_incidents_only(
    app: tuple[Client, Collector],
) -> None:
    client, c = app
    mine = await open_one(client, c, site=1, fp="a1")
    theirs = await open_one(client, c, site=0, fp="b1")
    status, body = await get(client, "/api/v1/incidents", as_="commune-police")
    assert status == 200 and [i["id"] for i in body["incidents"]] == [mine]
    assert (await get(client, f"/api/v1/incidents/{theirs}", as_="commune-police"))[0] == 404
    status, _ = await post(client, f"/api/v1/incidents/{theirs}/ack", {}, "commune-police")
    assert status == 404
    status, _ = await post(client, f"/api/v1/incidents/{mine}/ack", {}, "commune-police")
    assert status == 200
    status, all_ = await get(client, "/api/v1/incidents", as_="viewer")
    assert sorted(i["id"] for i in all_["incidents"]) == sorted([mine, theirs])
    status, _ = await get(client, f"/api/v1/incidents?site={sites(c)[0]}", as_="commune-police")
    assert status == 403


async def test_filters_open_site_since(app: tuple[Client, Collector]) -> None:
    client, c = app
    a = await open_one(client, c, site=0, fp="f1")
    b = await open_one(client, c, site=1, fp="f2")
    await post(client, f"/api/v1/incidents/{a}/restore", {}, "police")
    _, body = await get(client, "/api/v1/incidents?open=1")
    assert [i["id"] for i in body["incidents"]] == [b]
    _, body = await get(client, f"/api/v1/incidents?site={sites(c)[0]}")
    assert [i["id"] for i in body["incidents"]] == [a]
    _, body = await get(client, f"/api/v1/incidents?since={time.time() + 60:.0f}")
    assert [i["id"] for i in body["incidents"]] == [b]  # still open
    assert (await get(client, "/api/v1/incidents?open=maybe"))[0] == 400
    assert (await get(client, "/api/v1/incidents?site=00000-x"))[0] == 400
    assert (await get(client, "/api/v1/incidents/abc"))[0] == 404
    assert (await get(client, "/api/v1/incidents/99999"))[0] == 404


async def test_a_cyberattack_recorded_by_hand(app: tuple[Client, Collector]) -> None:
    client, c = app
    site = sites(c)[0]
    body = {"site": site, "kind": "cyberattack", "summary": "Máy quầy 2 bị mã hoá tệp"}
    assert (await post(client, "/api/v1/incidents", body, "viewer"))[0] == 403
    status, found = await post(client, "/api/v1/incidents", body, "police")
    assert status == 201 and found["kind"] == "cyberattack" and found["opened_by"] == "police"
    assert found["open"] and found["alertname"] is None
    for bad in ({**body, "kind": "meteor"}, {**body, "kind": ["x"]}, {**body, "site": 5}):
        assert (await post(client, "/api/v1/incidents", bad, "police"))[0] == 400, bad
    # The same record sent twice (a form submitted twice) is one incident.
    twice = {**body, "started_at": time.time() - 600}
    status, first = await post(client, "/api/v1/incidents", twice, "police")
    status, again = await post(client, "/api/v1/incidents", twice, "police")
    assert status == 201 and again["id"] == first["id"] != found["id"]
    assert len(c.store.incidents()) == 2
    recorded = [a.target for a in audit(c, "incident.record") if a.details["result"] == "ok"]
    assert sorted(recorded) == sorted(f"incident/{i}" for i in (found["id"], *[first["id"]] * 2))


# --- pages ---------------------------------------------------------------------------------------


async def test_the_pages_in_vietnamese_with_the_overdue_in_red(
    app: tuple[Client, Collector],
) -> None:
    client, c = app
    site = sites(c)[0]
    old = am_alert("SansangLinkDown", site, starts_at=time.time() - 8 * 86400, fingerprint="c1")
    await post(client, "/api/v1/alertmanager/webhook", notification([old]), "alertmanager")
    [incident] = c.store.incidents()
    status, page = await get(client, "/incidents", as_="police")
    assert status == 200
    assert "Hạn báo cáo" in page and "Phát hiện sau" in page and "Mất đường truyền" in page
    assert 'class="late"' in page and "quá hạn" in page
    status, page = await get(client, f"/incidents/{incident.id}", as_="police")
    assert status == 200 and "Xác nhận đã tiếp nhận" in page and "Đã báo cáo" in page
    status, page = await get(client, f"/incidents/{incident.id}", as_="viewer")
    assert status == 200 and "Xác nhận đã tiếp nhận" not in page  # a viewer reads only
