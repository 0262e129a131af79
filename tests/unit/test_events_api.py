"""``GET /api/v1/events`` over real HTTP (aiohttp's test server on loopback), on a real journal."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent.config.web import WebConfig
from agent.journal.store import Journal
from agent.web.server import MAX_EVENTS_PER_PAGE
from tests.support.agent import make_agent_app
from tests.support.clock import FakeWall

SITE = "23527-main"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
DAY = 86400.0
T0 = FakeWall.T0


@pytest.fixture
def wall() -> FakeWall:
    return FakeWall()


@pytest.fixture
def journal(tmp_path: Path, wall: FakeWall) -> Iterator[Journal]:
    j = Journal(
        tmp_path / "journal.db",
        boot_id="boot-1",
        retention_seconds=30 * DAY,
        wall=wall,
        monotonic_ns=wall.monotonic_ns,
    )
    yield j
    j.close()


@pytest.fixture
async def client(journal: Journal) -> AsyncIterator[TestClient[Any, Any]]:
    app = make_agent_app(journal)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def get_page(client: TestClient[Any, Any], query: str) -> dict[str, Any]:
    resp = await client.get(f"/api/v1/events?{query}")
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/json"
    return dict(await resp.json())


def fill(journal: Journal, count: int) -> None:
    for i in range(count):
        journal.append("terminal_state", f"pc-{i}", "down" if i % 2 else "up", None, {"i": i})


async def test_empty_journal(client: TestClient[Any, Any], journal: Journal) -> None:
    body = await get_page(client, "after=0")
    assert body == {
        "schema": 1,
        "site": SITE,
        "journal_id": journal.journal_id,
        "first_seq": 1,
        "last_seq": 0,
        "next_after": 0,
        "events": [],
    }


async def test_paging_with_after_and_limit_reads_every_event_once(
    client: TestClient[Any, Any], journal: Journal
) -> None:
    fill(journal, 25)
    seen: list[int] = []
    after, pages = 0, 0
    while True:
        body = await get_page(client, f"after={after}&limit=10")
        assert body["last_seq"] == 25
        if not body["events"]:
            assert body["next_after"] == after, "an empty page leaves the reader where it is"
            break
        pages += 1
        seen += [e["seq"] for e in body["events"]]
        assert body["next_after"] == body["events"][-1]["seq"]
        after = body["next_after"]
    assert pages == 3
    assert seen == list(range(1, 26))


async def test_default_parameters_are_after_0_and_limit_1000(
    client: TestClient[Any, Any], journal: Journal
) -> None:
    fill(journal, 1005)
    body = await get_page(client, "")
    assert len(body["events"]) == 1000
    assert body["events"][0]["seq"] == 1
    assert body["next_after"] == 1000


async def test_first_seq_shows_events_pruned_before_a_reader_got_them(
    client: TestClient[Any, Any], journal: Journal, wall: FakeWall
) -> None:
    for day in range(6):
        wall.now = T0 + day * DAY
        journal.append("check_state", f"day-{day}", "up")
    wall.now = T0 + 33.5 * DAY  # keeps days 4 and 5 (seq 5, 6)
    assert journal.prune() == 4
    body = await get_page(client, "after=2&limit=10")
    assert body["first_seq"] == 5
    assert body["first_seq"] > 2 + 1, "the reader at 2 can tell seq 3 and 4 were lost"
    assert [e["seq"] for e in body["events"]] == [5, 6]
    caught_up = await get_page(client, "after=4")
    assert caught_up["first_seq"] == 4 + 1, "no gap for a reader that had read up to 4"


async def test_everything_pruned_still_shows_the_gap(
    client: TestClient[Any, Any], journal: Journal, wall: FakeWall
) -> None:
    fill(journal, 3)
    wall.now = T0 + 31 * DAY
    journal.prune()
    body = await get_page(client, "after=1")
    assert body["events"] == []
    assert (body["first_seq"], body["last_seq"]) == (4, 3)


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=abc",
        "after=1.5",
        "after=",
        f"after={10**30}",
        "limit=0",
        "limit=-5",
        f"limit={MAX_EVENTS_PER_PAGE + 1}",
        "limit=ten",
    ],
)
async def test_bad_parameters_are_400_with_a_reason(
    client: TestClient[Any, Any], query: str
) -> None:
    resp = await client.get(f"/api/v1/events?{query}")
    assert resp.status == 400
    assert re.search(r"after|limit", await resp.text())


async def test_event_json_shape_and_types(client: TestClient[Any, Any], journal: Journal) -> None:
    journal.append(
        "terminal_state",
        "quầy-1",
        "down",
        None,
        {"kind": "counter_pc", "reason": "timeout", "ghi_chú": "Máy quầy Một cửa"},
    )
    resp = await client.get("/api/v1/events?after=0")
    raw = await resp.text()
    assert "Máy quầy Một cửa" in raw, "UTF-8 text, not \\u escapes"
    assert resp.charset == "utf-8"
    (event,) = json.loads(raw)["events"]
    assert set(event) == {
        "schema", "site", "boot_id", "seq", "wall_time", "wall_time_unix", "monotonic_ns",
        "kind", "subject", "state", "value", "details",
    }  # fmt: skip
    assert event["schema"] == 1 and event["site"] == SITE and event["boot_id"] == "boot-1"
    assert isinstance(event["seq"], int) and isinstance(event["monotonic_ns"], int)
    assert event["wall_time_unix"] == T0
    parsed = datetime.fromisoformat(event["wall_time"])
    assert parsed.utcoffset() is not None and parsed.timestamp() == T0
    assert event["value"] is None
    assert event["details"]["kind"] == "counter_pc"


async def test_response_has_the_shape_of_the_documented_example(
    client: TestClient[Any, Any], journal: Journal
) -> None:
    journal.append("agent_started", "agent", None, None, {"version": "0.1.0"})
    body = await get_page(client, "after=0")
    documented = documented_example()
    assert set(body) == set(documented)
    assert set(body["events"][0]) == set(documented["events"][0])
    for key, value in body.items():
        assert type(value) is type(documented[key]), key


def documented_example() -> dict[str, Any]:
    """The example response in docs/events.md (the ```json block after 'Response')."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"Response.*?```json\n(.*?)```", text, flags=re.S)
    assert match, "docs/events.md has an example response in a ```json block"
    return dict(json.loads(match.group(1)))


async def test_events_need_the_bearer_token_when_configured(
    tmp_path: Path, journal: Journal
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token-xyz\n", encoding="utf-8")
    cfg = WebConfig.model_validate({"authorization": {"credentials_file": str(token_file)}})
    app = make_agent_app(journal, web_config=cfg)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        assert (await c.get("/api/v1/events")).status == 401
        wrong = await c.get("/api/v1/events", headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        right = await c.get("/api/v1/events", headers={"Authorization": "Bearer s3cret-token-xyz"})
        assert right.status == 200
        assert (await c.get("/healthz")).status == 200
