"""``GET /api/v1/sites/KEY/events`` through the collector's whole web app (middlewares, auth)
with a real SQLite store: any query a client sends is answered, a 4xx when it is wrong, never a
5xx; the database unavailable is a 503 with ``Retry-After``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.context import Collector
from collector.store import Store
from collector.tokens import TokenEntry, hash_token
from collector.web import RETRY_AFTER_SECONDS, build_app
from collector.web.auth import Auth
from tests.support.ingest import PUSHER, make_collector

TOKEN = "lecteur-de-test"
PATH = f"/api/v1/sites/{PUSHER}/events"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def collector(tmp_path: Path, store: Store) -> Collector:
    return make_collector(tmp_path, store)[0]


@pytest.fixture
async def client(collector: Collector) -> AsyncIterator[TestClient[Any, Any]]:
    viewer = TokenEntry(name="viewer", role="viewer", sha256=hash_token(TOKEN))
    app = build_app(collector, Auth([viewer]))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def get(client: TestClient[Any, Any], query: str) -> tuple[int, dict[str, Any]]:
    async with client.get(f"{PATH}?{query}", headers=HEADERS) as resp:
        return resp.status, await resp.json()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("until=1e12", "bad_time"),  # was a 500: the year 33658 cannot be shown
        ("since=-1e308", "bad_time"),  # was a 500
        ("since=-1", "bad_time"),
        ("until=inf", "bad_time"),
        ("since=0001-01-01T00:00:00%2B14:00", "bad_time"),
        ("until=9999-12-31T23:59:59-12:00", "bad_time"),
        ("since=2026-05-01T08:00:00", "bad_time"),  # no offset
        ("kind=mains_state,%00", "bad_kind"),
        ("kind=" + ",".join(f"k{i}" for i in range(65)), "bad_kind"),
        ("kind=Mains State", "bad_kind"),
        ("limit=99999999999999999999999", "bad_parameter"),
    ],
)
async def test_a_bad_query_is_a_400_naming_the_parameter(
    client: TestClient[Any, Any], query: str, code: str
) -> None:
    status, body = await get(client, query)
    assert (status, body["error"]["code"]) == (400, code)
    assert body["error"]["vi"] and body["error"]["en"]


async def test_times_at_the_edges_and_many_known_kinds_are_answered(
    client: TestClient[Any, Any],
) -> None:
    kinds = "kind=" + ",".join(["mains_state"] * 200)  # repeated: one kind
    for query in ("since=0&until=4102444800", "until=0", kinds, "since=1780000000.5"):
        status, body = await get(client, query)
        assert status == 200, (query, body)
        assert body["events"] == []


async def test_the_database_unavailable_is_503_with_retry_after(
    client: TestClient[Any, Any], store: Store
) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE events")
    async with client.get(PATH, headers=HEADERS) as resp:
        assert resp.status == 503
        assert resp.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert (await resp.json())["error"]["code"] == "store_unavailable"


NAMES = st.sampled_from(["since", "until", "kind", "limit", "other"])
VALUES = st.one_of(
    st.text(max_size=40),
    st.floats().map(repr),
    st.integers().map(str),
    st.datetimes().map(lambda d: d.isoformat() + "+07:00"),
    st.sampled_from(["1e12", "-1e308", "nan", "-inf", "1e400", "0x10", "１２", "\x00"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=st.lists(st.tuples(NAMES, VALUES), max_size=4))
async def test_no_query_gets_a_5xx(
    client: TestClient[Any, Any], params: list[tuple[str, str]]
) -> None:
    async with client.get(PATH, params=params, headers=HEADERS) as resp:
        assert resp.status in (200, 400), (params, await resp.text())
