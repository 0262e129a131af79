"""The collector pulls a REAL agent's journal (``sansang agent run`` in a subprocess, its bearer
token required) into a real store: every event exactly once, across agent restarts and a
replaced journal file."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from agent.journal.store import Journal
from collector.config import PullConfig
from collector.context import Collector
from collector.ingest import pull
from collector.store import Store
from tests.support import wait_until_async
from tests.support.agent import make_agent_app, running_agent
from tests.support.clock import FakeWall
from tests.support.ingest import PULLED, make_collector
from tests.support.net import free_port

pytestmark = pytest.mark.integration
TOKEN = "pull-token-for-the-test-0123456789abcdef"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'collector.db'}")
    yield s
    s.close()


def agent_config(workdir: Path, port: int) -> dict[str, Any]:
    token = workdir / "pull-token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    web = workdir / "web-config.yaml"
    web.write_text(f"authorization:\n  credentials_file: {token}\n", encoding="utf-8")
    return {
        "site": {
            "commune_code": "23527",
            "name": "Bộ phận Một cửa xã Sa Thầy (thử nghiệm)",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"127.0.0.1:{port}", "web_config_file": str(web)},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
    }


def collector_for(tmp_path: Path, store: Store, port: int, **pull_options: Any) -> Collector:
    token_file = tmp_path / "collector-token"
    token_file.write_text(TOKEN, encoding="utf-8")
    c, _ = make_collector(
        tmp_path,
        store,
        pull_url=f"http://127.0.0.1:{port}/",
        token_file=token_file,
        pull=PullConfig(**pull_options),
    )
    return c


def stored(store: Store) -> list[tuple[str, int, str]]:
    return [(e.journal_id, e.seq, e.kind) for e in store.iter_events(0, 2e10)]


async def test_every_event_once_across_restarts_and_a_replaced_journal(
    tmp_path: Path, store: Store
) -> None:
    workdir = tmp_path / "agent"
    workdir.mkdir()
    port = free_port()
    config = agent_config(workdir, port)
    c = collector_for(tmp_path, store, port, page_size=2)  # several pages per pull
    site = c.site(PULLED)
    assert site is not None

    with running_agent(config, workdir) as agent:
        first = await asyncio.to_thread(_agent_events, agent.base_url)
        assert [e["kind"] for e in first][-1] == "agent_started"
        assert await pull.pull_once(c, site) == len(first)
        assert await pull.pull_once(c, site) == 0  # nothing new: nothing stored twice
    journal_1 = store.latest_cursor(PULLED)
    assert journal_1 is not None
    assert stored(store) == [(journal_1.journal_id, e["seq"], e["kind"]) for e in first]

    with running_agent(config, workdir) as agent:  # a restart: agent_stopped, agent_started
        again = await asyncio.to_thread(_agent_events, agent.base_url)
        assert len(again) > len(first)
        assert await pull.pull_once(c, site) == len(again) - len(first)
    kinds = [k for _, _, k in stored(store)]
    assert kinds.count("agent_started") == 2 and "agent_stopped" in kinds
    assert [s for _, s, _ in stored(store)] == [e["seq"] for e in again]

    for name in ("journal.db", "journal.db-wal", "journal.db-shm"):
        if (workdir / name).exists():
            shutil.move(workdir / name, tmp_path / f"old-{name}")
    with running_agent(config, workdir) as agent:  # a new journal: seq starts again at 1
        fresh = await asyncio.to_thread(_agent_events, agent.base_url)
        assert fresh[0]["seq"] == 1
        assert await pull.pull_once(c, site) == len(fresh)
    journal_2 = store.latest_cursor(PULLED)
    assert journal_2 is not None and journal_2.journal_id != journal_1.journal_id
    assert journal_2.last_seq == fresh[-1]["seq"]
    assert store.count_events() == len(again) + len(fresh)
    assert len(set(stored(store))) == store.count_events()
    assert c.ingest.gap_events[PULLED] == 0
    assert c.ingest.accepted[PULLED] == store.count_events()


def _agent_events(base_url: str) -> list[dict[str, Any]]:
    import json

    from tests.support.net import http_get

    body = http_get(
        f"{base_url}/api/v1/events?after=0&limit=5000",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    return json.loads(body)["events"]  # type: ignore[no-any-return]


async def test_run_forever_keeps_pulling_and_counts_errors_of_a_site_that_is_down(
    tmp_path: Path, store: Store
) -> None:
    workdir = tmp_path / "agent"
    workdir.mkdir()
    port = free_port()
    c = collector_for(tmp_path, store, port, interval=0.2)
    task = asyncio.create_task(pull.run_forever(c))
    try:
        # no agent yet: connection refused, counted, retried with backoff
        await wait_until_async(
            lambda: c.ingest.pull_errors[(PULLED, "connect")] >= 1, 10, "an error"
        )
        with running_agent(agent_config(workdir, port), workdir) as agent:
            events = await asyncio.to_thread(_agent_events, agent.base_url)
            await wait_until_async(
                lambda: store.count_events() >= len(events), 15, "the journal pulled"
            )
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert store.count_events() == len(events)


async def test_a_wrong_token_is_an_error_and_stores_nothing(tmp_path: Path, store: Store) -> None:
    workdir = tmp_path / "agent"
    workdir.mkdir()
    port = free_port()
    c = collector_for(tmp_path, store, port)
    site = c.site(PULLED)
    assert site is not None and site.pull is not None and site.pull.token_file is not None
    site.pull.token_file.write_text("not-the-token", encoding="utf-8")
    with (
        running_agent(agent_config(workdir, port), workdir),
        pytest.raises(pull.PullError) as caught,
    ):
        await pull.pull_once(c, site)
    assert caught.value.reason == "http_401"
    assert store.count_events() == 0


async def test_events_pruned_on_the_site_before_the_pull_are_counted_as_a_gap(
    tmp_path: Path, store: Store
) -> None:
    wall = FakeWall()
    journal = Journal(
        tmp_path / "journal.db",
        boot_id="b" * 32,
        retention_seconds=3600,
        wall=wall,
        monotonic_ns=wall.monotonic_ns,
    )
    try:
        for i in range(5):
            journal.append("check_state", "portal", "down" if i % 2 else "up", None, {})
        wall.now += 7200  # the five are now past retention
        for _ in range(3):
            journal.append("check_state", "portal", "up", None, {})
        assert journal.prune() == 5
        async with TestServer(make_agent_app(journal), host="127.0.0.1") as server:
            c = collector_for(tmp_path, store, server.port or 0)
            site = c.site(PULLED)
            assert site is not None
            assert await pull.pull_once(c, site) == 3
    finally:
        journal.close()
    assert c.ingest.gap_events[PULLED] == 5
    assert [e.seq for e in store.iter_events(0, 2e10)] == [6, 7, 8]
