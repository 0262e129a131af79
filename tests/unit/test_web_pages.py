"""The HTML routes behind the real auth middleware and a real SQLite store (in-process server).

A browser that is not logged in is sent to the login page; a viewer reads the board, the map
and a site page; the note form writes a note (and its audit entry) for a technician of that
site, and is refused, with the refusal audited, for a viewer or a technician of another site.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from collector.config import CollectorConfig
from collector.context import Collector
from collector.events import EventIn, StoredEvent
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.tokens import TokenEntry, hash_token
from collector.web import auth, ui
from collector.web.auth import AUTH, COLLECTOR, Auth
from tests.support import event_in, webdata

Client = tuple[Any, Collector]  # the aiohttp test client and the collector behind it
TOKENS = {
    "viewer": ("viewer", []),
    "kt-a": ("technician", ["FIRST"]),
    "kt-b": ("technician", ["SECOND"]),
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    catalogue = load_catalogue()
    inv = webdata.inventory(webdata.quang_ngai_codes(3))
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml")
    c = Collector(config, inv, catalogue, effective_thresholds(catalogue, None), store)
    c.evaluation = webdata.evaluation(inv, catalogue)
    keys = {"FIRST": inv.sites[0].key, "SECOND": inv.sites[1].key}
    entries = [
        TokenEntry(name=n, role=r, sha256=hash_token(f"token-{n}"), sites=[keys[s] for s in ss])
        for n, (r, ss) in TOKENS.items()
    ]
    app = web.Application(middlewares=[auth.middleware])
    app[COLLECTOR] = c
    app[AUTH] = Auth(entries)
    auth.add_routes(app)
    ui.add_routes(app, c)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client, c
    store.close()


def _event(
    key: str, seq: int, ago: float, kind: str, subject: str, state: str | None, details: Any
) -> EventIn:
    at = webdata.T_END - ago
    return event_in(StoredEvent(key, "j1", seq, "b", at, seq, kind, subject, state, None, details))


def _as(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{name}"}


async def test_a_browser_without_a_session_goes_to_the_login_page(client: Client) -> None:
    http, _ = client
    resp = await http.get("/sites/21025-main?lang=en", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/login?next=/sites/21025-main")


async def test_a_viewer_reads_the_board_the_map_and_a_site_page(client: Client) -> None:
    http, c = client
    key = c.inventory.sites[0].key
    events = [
        _event(key, 1, 3600, "mains_state", "site", "lost", {"source": "ups-1"}),
        _event(key, 2, 600, "link_quality", "dc", None, {"link": "tslcd", "loss_ratio": 0.25}),
    ]
    c.store.insert_events(key, "j1", events, webdata.T_END)
    for path in ("/", "/map", f"/sites/{key}"):
        resp = await http.get(path, headers=_as("viewer"))
        assert resp.status == 200, path
        assert resp.content_type == "text/html" and resp.charset == "utf-8"
    board = await (await http.get("/?status=not_met&lang=en", headers=_as("viewer"))).text()
    assert "Readiness board" in board and "Sign out" in board
    # The site page reads the store: the event of the last 30 days is on its timeline.
    page = await http.get(f"/sites/{key}", headers=_as("viewer"))
    html = await page.text()
    assert "Mất điện lưới" in html and 'action="/sites/' not in html  # no note form for a viewer
    # Link-quality rounds (one every 5 minutes) are shown only when asked for.
    quality = "Chất lượng đường truyền Mạng truyền số liệu chuyên dùng"  # the link by its kind
    assert quality not in html
    everything = await (await http.get(f"/sites/{key}?events=all", headers=_as("viewer"))).text()
    assert f"{quality}: mất gói 25 %" in everything
    missing = await http.get("/sites/99999-main", headers=_as("viewer"))
    assert missing.status == 404 and "99999-main" in await missing.text()


async def test_a_technician_writes_a_note_for_its_own_site_only(client: Client) -> None:
    http, c = client
    first, second = c.inventory.sites[0].key, c.inventory.sites[1].key
    form = await (await http.get(f"/sites/{first}", headers=_as("kt-a"))).text()
    assert f'action="/sites/{first}/notes"' in form

    resp = await http.post(
        f"/sites/{first}/notes",
        data={"text": "Đã thay cáp quầy 2"},
        headers=_as("kt-a"),
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == f"/sites/{first}#notes"
    assert [n.text for n in c.store.notes(first)] == ["Đã thay cáp quầy 2"]
    page = await (await http.get(f"/sites/{first}", headers=_as("viewer"))).text()
    assert "Đã thay cáp quầy 2" in page and "kt-a" in page

    for who, key in (("kt-a", second), ("viewer", first)):
        refused = await http.post(f"/sites/{key}/notes", data={"text": "x"}, headers=_as(who))
        assert refused.status == 403, who
    empty = await http.post(f"/sites/{first}/notes", data={"text": "  "}, headers=_as("kt-a"))
    assert empty.status == 400
    assert len(c.store.notes(first)) == 1 and c.store.notes(second) == []
    actions = [(a.actor, a.action, a.details["result"]) for a in c.store.audit_log()]
    assert ("kt-a", "note.create", "ok") in actions
    assert ("kt-a", "note.create", "denied") in actions and (
        "viewer",
        "note.create",
        "denied",
    ) in actions
