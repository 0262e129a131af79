"""``POST /api/v1/ingest`` and ``GET /api/v1/ingest/cursor`` through a real aiohttp server on
127.0.0.1, the real handler and a real SQLite store: every refusal is a 4xx naming the problem,
and nothing is stored (rows counted)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from collector.config import IngestConfig
from collector.context import Collector
from collector.ingest.credentials import new_credential
from collector.ingest.push import RETRY_AFTER_SECONDS, add_routes
from collector.store import Store
from sansang.events import Event
from tests.support import event_json, wait_until_async
from tests.support.ingest import OTHER_PUSHER, PUSHER, make_collector

T0 = 1_780_000_000.0
RELOAD_DEADLINE = 5.0  # seconds: the credentials file is read again every second


def event(seq: int, site: str = PUSHER, **fields: Any) -> dict[str, Any]:
    """One event as the agent sends it; ``fields`` replace or add keys of its JSON."""
    boot = "7c3f0e7e9a8b4b8c9d0e1f2a3b4c5d6e"
    details = {"previous": "up", "previous_duration_seconds": 3600.0}
    sent = Event(
        seq, boot, T0 + seq, 5_000_000_000 + seq, "link_state", "vnpt", "down", None, details
    )
    return {**event_json(sent, site), **fields}


def batch(events: list[dict[str, Any]], site: str = PUSHER, **fields: Any) -> dict[str, Any]:
    return {"schema": 1, "site": site, "journal_id": "journal-a", "events": events, **fields}


@pytest.fixture
def collector(tmp_path: Path, store: Store) -> tuple[Collector, dict[str, str]]:
    limits = IngestConfig(max_batch_events=100, max_body_bytes=64 * 1024)
    return make_collector(tmp_path, store, ingest=limits)


@pytest.fixture
async def client(
    collector: tuple[Collector, dict[str, str]],
) -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application()
    add_routes(app, collector[0])
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post(
    client: TestClient[Any, Any], token: str | None, body: Any, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    headers = bearer(token) if token else {}
    data = raw if raw is not None else json.dumps(body).encode()
    headers["Content-Type"] = "application/json"
    async with client.post("/api/v1/ingest", data=data, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_a_batch_is_stored_and_its_replay_counts_duplicates(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    c, tokens = collector
    events = [event(s) for s in range(1, 6)]
    assert await post(client, tokens[PUSHER], batch(events)) == (
        200,
        {"accepted": 5, "duplicates": 0, "ahead": 0, "last_seq": 5, "highest_seq": 5},
    )
    replay = await post(client, tokens[PUSHER], batch([*events[2:], event(6)]))
    assert replay == (
        200,
        {"accepted": 1, "duplicates": 3, "ahead": 0, "last_seq": 6, "highest_seq": 6},
    )
    assert store.count_events() == 6
    assert (c.ingest.accepted[PUSHER], c.ingest.duplicates[PUSHER]) == (6, 3)
    assert PUSHER in c.ingest.last_received
    (stored,) = store.iter_events(T0 + 6, T0 + 7)
    assert stored.details == {"previous": "up", "previous_duration_seconds": 3600.0}
    async with client.get(
        "/api/v1/ingest/cursor", params={"journal_id": "journal-a"}, headers=bearer(tokens[PUSHER])
    ) as resp:
        assert (resp.status, await resp.json()) == (
            200,
            {"journal_id": "journal-a", "last_seq": 6, "highest_seq": 6},
        )
    async with client.get(
        "/api/v1/ingest/cursor", params={"journal_id": "other"}, headers=bearer(tokens[PUSHER])
    ) as resp:
        assert (await resp.json())["last_seq"] == 0


async def test_wrong_types_are_400_naming_event_and_field_and_nothing_is_stored(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    c, tokens = collector
    events = [event(1), event(2), event(3, wall_time_unix="noon"), event(4)]
    events[1]["seq"] = "two"
    status, body = await post(client, tokens[PUSHER], batch(events))
    assert status == 400
    assert {(p["event"], p["field"]) for p in body["problems"]} == {
        (1, "seq"),
        (2, "wall_time_unix"),
    }
    assert all(p["message"] for p in body["problems"])
    assert store.count_events() == 0
    assert c.ingest.rejected[(PUSHER, "invalid")] == 1


async def test_a_newer_agents_fields_keys_and_kinds_are_accepted(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    """Schema 1 lets a newer agent add fields, details keys and kinds (docs/events.md,
    "Versioning"): its batch is stored; an unknown field is dropped, a details key kept."""
    tokens = collector[1]
    newer = [
        event(1, colour="red"),  # a top-level field this collector does not know
        event(2, details={"previous": "up", "signal_dbm": -71, "carrier": "Viettel"}),
        event(3, kind="sim_swapped", subject="modem-1", state=None, details={"iccid": "8984"}),
    ]
    status, body = await post(client, tokens[PUSHER], batch(newer, compression="none"))
    assert (status, body) == (
        200,
        {"accepted": 3, "duplicates": 0, "ahead": 0, "last_seq": 3, "highest_seq": 3},
    )
    stored = {e.seq: e for e in store.iter_events(T0, T0 + 10)}
    assert stored[1].details == newer[0]["details"]
    assert stored[2].details == {"previous": "up", "signal_dbm": -71, "carrier": "Viettel"}
    assert (stored[3].kind, stored[3].details) == ("sim_swapped", {"iccid": "8984"})


async def test_another_schema_and_not_json_are_400(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    tokens = collector[1]
    status, body = await post(client, tokens[PUSHER], batch([event(1, schema=2)]))
    assert (status, body["problems"][0]["field"]) == (400, "schema")
    status, body = await post(client, tokens[PUSHER], batch([event(1)], schema=2))
    assert (status, body["problems"][0]) == (
        400,
        {"event": None, "field": "schema", "message": "Input should be less than or equal to 1"},
    )
    status, body = await post(client, tokens[PUSHER], None, raw=b"{not json")
    assert status == 400 and "JSON" in body["error"]
    assert store.count_events() == 0


async def test_a_huge_batch_and_a_body_over_the_limit_are_413(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    tokens = collector[1]
    huge = batch([event(s, details={}) for s in range(1, 102)])  # max_batch_events is 100
    assert len(json.dumps(huge)) < 64 * 1024
    status, body = await post(client, tokens[PUSHER], huge)
    assert status == 413 and "101" in body["error"]
    padded = batch([event(1, details={"pad": "x" * 70_000})])  # max_body_bytes is 64 KiB
    status, body = await post(client, tokens[PUSHER], padded)
    assert status == 413 and "65536" in body["error"]
    assert store.count_events() == 0
    assert collector[0].ingest.rejected[(PUSHER, "too_large")] == 2


async def test_a_body_over_the_limit_without_content_length_is_413(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 16 * 1024  # 160 KiB of whitespace, chunked: no Content-Length

    headers = {**bearer(collector[1][PUSHER]), "Content-Type": "application/json"}
    async with client.post("/api/v1/ingest", data=chunks(), headers=headers) as resp:
        assert resp.status == 413
    assert store.count_events() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer forged-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
)
async def test_no_or_a_forged_token_is_401_and_nothing_is_stored(
    client: TestClient[Any, Any], store: Store, headers: dict[str, str]
) -> None:
    async with client.post("/api/v1/ingest", json=batch([event(1)]), headers=headers) as resp:
        assert resp.status == 401
        assert "token" in (await resp.json())["error"]
    async with client.get(
        "/api/v1/ingest/cursor", params={"journal_id": "journal-a"}, headers=headers
    ) as resp:
        assert resp.status == 401
    assert store.count_events() == 0


async def test_pushing_for_another_site_is_403_and_nothing_is_stored(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    tokens = collector[1]
    # the batch names the other site
    status, body = await post(
        client, tokens[PUSHER], batch([event(1, site=OTHER_PUSHER)], site=OTHER_PUSHER)
    )
    assert status == 403 and OTHER_PUSHER in body["error"]
    # the batch is its own, one event in it is not
    status, body = await post(client, tokens[PUSHER], batch([event(1), event(2, OTHER_PUSHER)]))
    assert status == 403 and "event 1" in body["error"]
    # a credential that no site of the inventory uses
    status, body = await post(client, tokens["unassigned"], batch([event(1)]))
    assert status == 403 and "cred-nobody" in body["error"]
    assert store.count_events() == 0
    assert collector[0].ingest.rejected[(PUSHER, "forbidden")] == 2


async def test_a_credential_made_while_running_works_without_a_restart(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    c = collector[0]
    assert c.config.ingest.credentials_file is not None
    old = collector[1][PUSHER]
    new = new_credential(c.config.ingest.credentials_file, "cred-21548")  # replaced: rotated

    async def new_one_taken() -> bool | None:
        return (await post(client, new, batch([event(1)])))[0] == 200

    taken: bool = await wait_until_async(new_one_taken, RELOAD_DEADLINE, "the new token taken")
    assert taken
    status, _ = await post(client, old, batch([event(2)]))
    assert status == 401
    assert store.count_events() == 1


async def test_the_store_failing_is_503_so_the_agent_retries(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE events")
        conn.exec_driver_sql("DROP TABLE journals")
    headers = {**bearer(collector[1][PUSHER]), "Content-Type": "application/json"}
    async with client.post("/api/v1/ingest", json=batch([event(1)]), headers=headers) as resp:
        assert resp.status == 503 and "retry" in (await resp.json())["error"]
        assert resp.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    params = {"journal_id": "journal-a"}
    async with client.get("/api/v1/ingest/cursor", params=params, headers=headers) as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))


async def test_a_full_disk_is_503_with_retry_after_and_nothing_is_stored(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    """SQLite's "database or disk is full": every new connection may not grow the file."""

    def no_room(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute("PRAGMA max_page_count = 1")  # raised to the pages it has

    sqlalchemy.event.listen(store.engine, "connect", no_room)
    store.engine.dispose()
    events = [event(s, details={"pad": "x" * 600}) for s in range(1, 40)]
    headers = {**bearer(collector[1][PUSHER]), "Content-Type": "application/json"}
    async with client.post("/api/v1/ingest", json=batch(events), headers=headers) as resp:
        assert (resp.status, resp.headers.get("Retry-After")) == (503, str(RETRY_AFTER_SECONDS))
    sqlalchemy.event.remove(store.engine, "connect", no_room)
    store.engine.dispose()
    assert store.count_events() == 0


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"monotonic_ns": 2**63}, "monotonic_ns"),  # was a 500: SQLite's OverflowError
        ({"seq": "2"}, "seq"),
        ({"seq": True}, "seq"),
        ({"wall_time_unix": -1e308}, "wall_time_unix"),
        ({"value": 1e300}, "value"),
        ({"kind": "service_state", "details": {"role": ["one_stop_system"]}}, "details.role"),
        (
            {"kind": "mains_flapping", "details": {"sustained_seconds": 1e308}},
            "details.sustained_seconds",
        ),
        (
            {"kind": "mains_state", "details": {"started_wall_time_unix": -1e308}},
            "details.started_wall_time_unix",
        ),
        ({"details": {f"pad_{i}": "x" * 4000 for i in range(5)}}, "details"),  # over 16 KiB
        ({"details": {"note": {"nested": True}}}, "details.note"),
    ],
)
async def test_a_bad_event_is_400_naming_its_index_and_field_and_nothing_is_stored(
    client: TestClient[Any, Any],
    collector: tuple[Collector, dict[str, str]],
    store: Store,
    fields: dict[str, Any],
    path: str,
) -> None:
    status, body = await post(client, collector[1][PUSHER], batch([event(1), event(2) | fields]))
    assert status == 400, body
    assert [(p["event"], p["field"]) for p in body["problems"]] == [(1, path)]
    assert store.count_events() == 0


async def test_the_same_seq_twice_in_a_batch_is_400_naming_both_events(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    twice = [event(1), event(2), event(3), event(2, subject="other")]
    status, body = await post(client, collector[1][PUSHER], batch(twice))
    assert status == 400
    assert [(p["event"], p["field"]) for p in body["problems"]] == [(3, "seq")]
    assert "events 1 and 3" in body["problems"][0]["message"]
    assert store.count_events() == 0


async def test_a_token_that_is_not_utf8_is_401_not_500(
    client: TestClient[Any, Any], store: Store
) -> None:
    reader, writer = await _open(client)
    body = json.dumps(batch([event(1)])).encode()
    writer.write(
        b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + b"Authorization: Bearer \xff\xfe\xc3\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 401"), status_line
    assert store.count_events() == 0


async def test_the_limit_is_enforced_before_the_whole_body_arrives(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]]
) -> None:
    # Content-Length says 10 MB: refused at once, the client never sends it.
    reader, writer = await _open(client)
    token = collector[1][PUSHER]
    writer.write(
        b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\nContent-Length: 10000000\r\n\r\n{{".encode()
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")


async def _open(client: TestClient[Any, Any]) -> Any:
    import asyncio

    assert client.server.port is not None
    return await asyncio.open_connection("127.0.0.1", client.server.port)


async def test_the_same_seq_with_other_content_is_a_409_naming_it_and_audited(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    c, tokens = collector
    assert (await post(client, tokens[PUSHER], batch([event(1), event(2)])))[0] == 200
    identical = await post(client, tokens[PUSHER], batch([event(2), event(3)]))
    assert identical[0] == 200 and identical[1]["duplicates"] == 1, "the same content: 200"
    status, body = await post(client, tokens[PUSHER], batch([event(2, state="up"), event(4)]))
    assert status == 409
    assert body["seqs"] == [2] and "seq 2" in body["error"] and body["last_seq"] == 3
    assert store.count_events() == 3, "nothing of the refused batch is stored"
    assert c.ingest.rejected[(PUSHER, "conflict")] == 1
    (entry,) = store.audit_log()
    assert (entry.actor, entry.action, entry.target) == (
        f"push:{PUSHER}",
        "ingest.seq_conflict",
        PUSHER,
    )
    assert entry.details["seqs"] == [2] and entry.details["journal_id"] == "journal-a"


async def test_a_seq_far_ahead_is_answered_200_not_stored_and_the_cursor_stays(
    client: TestClient[Any, Any], collector: tuple[Collector, dict[str, str]], store: Store
) -> None:
    tokens = collector[1]
    assert (await post(client, tokens[PUSHER], batch([event(1), event(2)])))[0] == 200
    far = 2 + 100 + 1  # max_batch_events is 100 here
    status, body = await post(client, tokens[PUSHER], batch([event(far)]))
    assert (status, body["ahead"], body["accepted"], body["last_seq"]) == (200, 1, 0, 2)
    assert store.count_events() == 2
    async with client.get(
        "/api/v1/ingest/cursor", params={"journal_id": "journal-a"}, headers=bearer(tokens[PUSHER])
    ) as resp:
        assert (await resp.json())["last_seq"] == 2
