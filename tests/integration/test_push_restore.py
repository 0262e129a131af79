"""Restores against the push: a real agent process (``sansang agent run``) and the collector's
real ingest and SQLite store on loopback (docs/ingest.md, "The cursor").

- the collector's store restored from an older copy while the agent runs: the agent learns from
  the next answer that the collector is behind, rewinds, and everything arrives again, without
  a restart;
- the agent's journal restored from an older copy: its new events reuse seqs the collector holds
  with other content; the 409 makes the agent go on under a new journal_id, and both histories
  are on the collector, nothing dropped as a duplicate;
- a forged event far ahead, sent with the site's own token: not stored, the cursor does not move,
  and the agent acknowledges only what it sent and the collector holds without a hole.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from agent import clock
from agent.journal import push as push_module
from agent.journal.push import PushClient
from agent.journal.store import Journal
from collector.events import StoredEvent
from sansang.events import SCHEMA_VERSION, Event
from tests.integration.test_push_ingest import (
    SITE,
    TOKENS,
    _config_file,
    agent_config,
    prefill,
    push_config,
    pushing,
    token_file,
)
from tests.support import event_json, wait_until_async
from tests.support.agent import AgentProcess
from tests.support.ingest_server import serving
from tests.support.net import free_port

pytestmark = pytest.mark.integration

DEADLINE = 60.0  # seconds for a stream of a few thousand events to arrive


@dataclass
class Province:
    """The collector on a fixed loopback port, stopped and started again by the test."""

    workdir: Path
    port: int
    collector: Any = None  # collector.context.Collector while serving
    _serving: AbstractAsyncContextManager[Any] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def database(self) -> Path:
        return self.workdir / "collector.db"

    async def start(self) -> None:
        self._serving = serving(_config_file(self.workdir, self.port), "127.0.0.1", self.port)
        self.collector = await self._serving.__aenter__()

    async def stop(self) -> None:
        if self._serving is not None:
            await self._serving.__aexit__(None, None, None)
        self._serving, self.collector = None, None

    def events(self, journal_id: str | None = None) -> list[StoredEvent]:
        if self.collector is None:
            return []
        stored = self.collector.store.iter_events(0.0, clock.wall() + 86400.0, sites=[SITE])
        return [e for e in stored if journal_id is None or e.journal_id == journal_id]

    def seqs(self, journal_id: str) -> list[int]:
        return sorted(e.seq for e in self.events(journal_id))

    def contiguous(self, journal_id: str) -> int:
        return int(self.collector.store.cursor(SITE, journal_id).last_seq)


@pytest.fixture
async def province(tmp_path: Path) -> AsyncIterator[Province]:
    workdir = tmp_path / "collector"
    workdir.mkdir()
    p = Province(workdir, free_port())
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


async def in_thread(call: Callable[[], Any]) -> Any:
    return await asyncio.to_thread(call)


def append_outside(path: Path, subjects: list[str]) -> list[int]:
    """Events written into a journal file by another connection (the agent may be running: WAL
    lets it); returns their seqs."""
    now = clock.wall()
    seqs: list[int] = []
    with closing(sqlite3.connect(path, timeout=10)) as db, db:
        for i, subject in enumerate(subjects):
            cursor = db.execute(
                "INSERT INTO events (schema, boot_id, wall_time, monotonic_ns, kind, subject,"
                " state, value, details) VALUES (?, 'boot-test', ?, ?, 'terminal_state', ?, 'up',"
                " NULL, '{}')",
                (SCHEMA_VERSION, now + i / 1000, i, subject),
            )
            assert cursor.lastrowid is not None
            seqs.append(cursor.lastrowid)
    return seqs


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the backup API), as a backup tool makes."""
    with (
        closing(sqlite3.connect(source, timeout=10)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def journal_seqs(path: Path) -> list[int]:
    """The seqs a journal file holds (its connection closed at once: a file put back under an
    open connection would fail it with a disk I/O error)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return [r[0] for r in db.execute("SELECT seq FROM events ORDER BY seq")]


def put_back(copy: Path, path: Path) -> None:
    """Replace a database file by an older copy: the WAL and shared memory of the newer go."""
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, path)


def start_agent(tmp_path: Path, url: str, **push: Any) -> tuple[AgentProcess, Path]:
    workdir = tmp_path / "agent"
    workdir.mkdir(exist_ok=True)
    config = agent_config(workdir, url, token_file(tmp_path, TOKENS[SITE]))
    config["push"].update(push)
    return AgentProcess(config, workdir), workdir / "journal.db"


async def all_arrived(
    province: Province, journal_id: str, journal: Path, what: str, first_seq: int = 1
) -> None:
    """Wait until the collector holds every seq of the journal file from ``first_seq`` on."""

    async def missing() -> set[int]:
        expected = await in_thread(lambda: journal_seqs(journal))
        return {s for s in expected if s >= first_seq} - set(province.seqs(journal_id))

    deadline = asyncio.get_running_loop().time() + DEADLINE
    while lost := await missing():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: {len(lost)} seqs missing, e.g. {sorted(lost)[:5]}")
        await asyncio.sleep(0.05)


async def test_a_collector_restored_from_a_backup_gets_everything_again_without_a_restart(
    province: Province, tmp_path: Path
) -> None:
    agent, journal = start_agent(tmp_path, province.url)
    journal.parent.mkdir(exist_ok=True)
    journal_id = prefill(journal, 3000)
    backup = tmp_path / "collector-backup.db"
    await in_thread(agent.start)
    try:
        await wait_until_async(lambda: len(province.seqs(journal_id)) >= 500, 30, "500 stored")
        await in_thread(lambda: copy_sqlite(province.database, backup))
        await all_arrived(province, journal_id, journal, "before the restore")
        await province.stop()
        await in_thread(lambda: put_back(backup, province.database))
        await province.start()
        held = province.seqs(journal_id)
        assert len(held) < 3000, "the restored store lost events the agent had acknowledged"
        # The agent learns it from its next answer: one new event on the site.
        await in_thread(lambda: append_outside(journal, ["after-restore"]))
        await all_arrived(province, journal_id, journal, "after the restore")
    finally:
        await in_thread(agent.stop)
    stored = province.seqs(journal_id)
    assert len(stored) == len(set(stored)), "no event stored twice"
    assert province.contiguous(journal_id) == max(stored), "no hole left"
    assert "sending again from there" in agent.log()


async def test_an_agent_journal_restored_from_an_older_copy_goes_on_under_a_new_epoch(
    province: Province, tmp_path: Path
) -> None:
    agent, journal = start_agent(tmp_path, province.url)
    journal.parent.mkdir(exist_ok=True)
    first_id = prefill(journal, 200)
    old_copy = tmp_path / "journal-old.db"
    await in_thread(agent.start)
    try:
        await all_arrived(province, first_id, journal, "the first 200")
    finally:
        await in_thread(agent.stop)
    await in_thread(lambda: copy_sqlite(journal, old_copy))
    # The journal goes on: 100 more events, all at the collector.
    await in_thread(lambda: append_outside(journal, [f"lost-{i}" for i in range(100)]))
    await in_thread(agent.start)
    try:
        await all_arrived(province, first_id, journal, "the next 100")
    finally:
        await in_thread(agent.stop)
    originals = {e.seq: e.subject for e in province.events(first_id)}
    # The SD card is swapped for the older copy; new events reuse the seqs of the lost ones.
    await in_thread(lambda: put_back(old_copy, journal))
    reused = await in_thread(lambda: append_outside(journal, [f"new-{i}" for i in range(30)]))
    assert set(reused) <= set(originals), "the restored journal reuses seqs the collector holds"
    await in_thread(agent.start)
    try:

        def new_epoch() -> list[StoredEvent]:
            resets = [e for e in province.events() if e.kind == "journal_reset"]
            return [e for e in resets if e.details.get("reason") == "seq_conflict"]

        await wait_until_async(lambda: bool(new_epoch()), DEADLINE, "a journal_reset")
        (reset,) = new_epoch()
        second_id = reset.journal_id
        assert second_id != first_id and reset.details["previous_journal_id"] == first_id
        epoch_start = int(reset.details["first_seq"])
        assert epoch_start <= min(reused), "every reused seq goes under the new journal_id"
        await all_arrived(province, second_id, journal, "the new epoch", epoch_start)
    finally:
        await in_thread(agent.stop)
    under_second = {e.seq: e.subject for e in province.events(second_id)}
    assert {under_second[s] for s in reused} == {f"new-{i}" for i in range(30)}
    assert {e.seq: e.subject for e in province.events(first_id)} == originals, "both histories"
    audit = province.collector.store.audit_log()
    assert [a.action for a in audit] == ["ingest.seq_conflict"]
    assert audit[0].details["journal_id"] == first_id and reused[0] in audit[0].details["seqs"]
    assert "new journal_id" in agent.log()


async def test_a_forged_far_ahead_seq_moves_nothing_and_the_agent_keeps_its_events(
    province: Province, tmp_path: Path
) -> None:
    agent, journal = start_agent(tmp_path, province.url)
    journal.parent.mkdir(exist_ok=True)
    journal_id = prefill(journal, 300)
    await in_thread(agent.start)
    try:
        await all_arrived(province, journal_id, journal, "the first 300")
        before = province.contiguous(journal_id)
        forged = Event(
            before + 1_000_000, "boot-x", clock.wall(), 1, "terminal_state", "forged", "up"
        )
        body = {
            "schema": 1,
            "site": SITE,
            "journal_id": journal_id,
            "events": [event_json(forged, SITE)],
        }
        headers = {"Authorization": f"Bearer {TOKENS[SITE]}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{province.url}api/v1/ingest", json=body, headers=headers) as resp,
        ):
            answer = (resp.status, await resp.json())
        assert answer[0] == 200 and answer[1]["ahead"] == 1 and answer[1]["last_seq"] == before
        assert province.contiguous(journal_id) == before, "the cursor did not move"
        assert "forged" not in {e.subject for e in province.events(journal_id)}
        # The collector goes away; the site keeps journalling: nothing of it is acknowledged.
        await province.stop()
        pending = await in_thread(lambda: append_outside(journal, [f"kept-{i}" for i in range(20)]))
        await wait_until_async(
            lambda: (agent.sample("sansang_push_failures_total", reason="connect") or 0) >= 2,
            DEADLINE,
            "the agent tried to send them",
        )
        acknowledged = await in_thread(lambda: agent.sample("sansang_push_acknowledged_seq"))
        assert acknowledged is not None and acknowledged <= before < pending[0]
        assert set(pending) <= set(await in_thread(lambda: journal_seqs(journal))), "kept"
        await province.start()
        await all_arrived(province, journal_id, journal, "the kept events")
        await wait_until_async(
            lambda: agent.sample("sansang_push_acknowledged_seq") == pending[-1],
            DEADLINE,
            "the agent acknowledges what the collector holds",
        )
    finally:
        await in_thread(agent.stop)
    assert province.contiguous(journal_id) == max(province.seqs(journal_id)) < before + 1_000_000


async def test_an_idle_client_asks_the_cursor_again_and_fills_a_restored_collector(
    province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing new to send, so no answer says the collector is behind: the idle client asks the
    cursor again (every 5 min; at once here)."""
    monkeypatch.setattr(push_module, "RESYNC_IDLE_NS", 0)
    journal = Journal(tmp_path / "journal.db", boot_id="boot-idle")
    try:
        for i in range(50):
            journal.append("terminal_state", f"quay-{i}", "up")
        config = push_config(province.url, token_file(tmp_path, TOKENS[SITE]))
        client = PushClient(config, journal, SITE)
        backup = tmp_path / "collector-empty.db"
        await in_thread(lambda: copy_sqlite(province.database, backup))
        async with pushing(client):
            await wait_until_async(lambda: client.stats.acknowledged_seq == 50, 30, "50 acked")
            await province.stop()
            await in_thread(lambda: put_back(backup, province.database))
            await province.start()
            assert province.seqs(journal.journal_id) == []
            await wait_until_async(
                lambda: province.seqs(journal.journal_id) == list(range(1, 51)),
                DEADLINE,
                "the 50 events again, with nothing new on the site",
            )
    finally:
        journal.close()
