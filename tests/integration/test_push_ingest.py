"""The agent's push client against the collector's REAL ingest handler and SQLite store.

What docs/ingest.md promises the agent side does: everything arrives once, oldest first, in
bounded batches; a collector that is down is retried with a growing backoff; a 401 re-reads the
token file; a 403 is logged with the collector's message and retried, never dropped; a
``kill -9`` of a real agent mid-stream loses and duplicates nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import ssl
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme

from agent import clock
from agent.config import PushConfig
from agent.journal.push import META_KEY, PushClient
from agent.journal.store import Journal, Page
from sansang.events import SCHEMA_VERSION
from tests.support import wait_until_async
from tests.support.agent import AgentProcess
from tests.support.clock import FakeWall
from tests.support.collector import site
from tests.support.ingest_server import Seen, serving, write_config
from tests.support.net import free_port

pytestmark = pytest.mark.integration

SITE = "23527-main"
OTHER = "21548-main"
TOKENS = {SITE: "đúng-token-sa-thay-0123456789", OTHER: "token-ly-son-9876543210"}


@dataclass
class Ingest:
    collector: Any  # collector.context.Collector
    url: str
    seen: Seen

    def seqs(self, journal_id: str, site_key: str = SITE) -> list[int]:
        """Every stored seq of this journal, duplicates included (there must be none)."""
        events = self.collector.store.iter_events(0.0, clock.wall() + 86400.0, sites=[site_key])
        return [e.seq for e in events if e.journal_id == journal_id]

    def posts(self) -> list[int]:
        """Events in each POST the collector answered 200."""
        return [n for what, status, n in self.seen if what.startswith("POST") and status == 200]


def _config_file(workdir: Path, port: int, **ingest: Any) -> Path:
    sites = [site("23527"), site("21548", latitude=15.38, longitude=109.118)]
    return write_config(workdir, sites, TOKENS, listen=f"127.0.0.1:{port}", ingest=ingest)


@pytest.fixture
async def ingest(tmp_path: Path) -> AsyncIterator[Ingest]:
    port = free_port()
    seen: Seen = []
    (tmp_path / "collector").mkdir()
    config = _config_file(tmp_path / "collector", port)
    async with serving(config, "127.0.0.1", port, seen) as c:
        yield Ingest(c, f"http://127.0.0.1:{port}/", seen)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.db", boot_id="boot-push")
    yield j
    j.close()


def fill(j: Journal, count: int) -> None:
    for i in range(count):
        j.append("terminal_state", f"quay-{i % 7}", "down" if i % 2 else "up", None, {"i": i})


def token_file(tmp_path: Path, token: str) -> Path:
    path = tmp_path / "push-token"
    path.write_text(token + "\n", encoding="utf-8")
    return path


def push_config(url: str, token: Path, **overrides: Any) -> PushConfig:
    values: dict[str, Any] = {
        "url": url,
        "token_file": token,
        "batch": 1000,
        "interval": 0.2,
        "backoff_min": 0.05,
        "backoff_max": 0.4,
        "timeout": 5,
    }
    return PushConfig.model_validate(values | overrides)


@asynccontextmanager
async def pushing(client: PushClient) -> AsyncIterator[asyncio.Task[None]]:
    """The client's task for the ``with`` block, cancelled on the way out."""
    task = asyncio.create_task(client.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- in the test's process: the client as the agent runs it ------------------------------------
async def test_everything_arrives_once_oldest_first_in_bounded_batches(
    ingest: Ingest, journal: Journal, tmp_path: Path
) -> None:
    fill(journal, 2500)
    client = PushClient(push_config(ingest.url, token_file(tmp_path, TOKENS[SITE])), journal, SITE)
    started = time.monotonic()
    async with pushing(client):
        await wait_until_async(
            lambda: client.stats.acknowledged_seq == 2500, 30, "2500 events acknowledged"
        )
        rate = 2500 / (time.monotonic() - started)
        print(f"\n2500 events pushed in batches of 1000: {rate:.0f} events/s")
        assert ingest.posts() == [1000, 1000, 500], "batches of at most `batch`, oldest first"
        fill(journal, 3)  # more while idle: sent within `interval`
        await wait_until_async(lambda: client.stats.acknowledged_seq == 2503, 10, "3 more events")
    stored = ingest.seqs(journal.journal_id)
    assert stored == list(range(1, 2504)), "every event once, none missing"
    assert journal.read_meta(META_KEY) == "2503", "the acknowledged seq is kept in the journal"
    assert client.stats.pending(journal.newest_seq) == 0
    assert client.stats.last_success is not None
    assert sum(client.stats.failures.values()) == 0


async def test_collector_down_backs_off_exponentially_then_everything_arrives(
    tmp_path: Path, journal: Journal
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    fill(journal, 1200)
    config = push_config(url, token_file(tmp_path, TOKENS[SITE]), backoff_min=0.1, backoff_max=0.8)
    # Backoff as the client computes it, the jitter pinned at its top (x1.0).
    probe = PushClient(config, journal, SITE, jitter=lambda: 1.0)
    async with aiohttp.ClientSession() as session:
        delays = [await probe.step(session) for _ in range(6)]
    assert delays == pytest.approx([0.1, 0.2, 0.4, 0.8, 0.8, 0.8])
    assert probe.stats.failures["connect"] == 6
    low = PushClient(config, journal, SITE, jitter=lambda: 0.0)
    async with aiohttp.ClientSession() as session:
        assert await low.step(session) == pytest.approx(0.05), "jitter: down to half the step"

    client = PushClient(config, journal, SITE)
    async with pushing(client):
        await wait_until_async(lambda: client.stats.failures["connect"] >= 3, 10, "refused tries")
        assert client.stats.acknowledged_seq == 0
        assert client.stats.failing_since is not None
        (tmp_path / "collector").mkdir()
        async with serving(_config_file(tmp_path / "collector", port), "127.0.0.1", port) as c:
            up = Ingest(c, url, [])
            await wait_until_async(
                lambda: client.stats.acknowledged_seq == 1200,
                15,
                "everything after the collector is up",
            )
            assert up.seqs(journal.journal_id) == list(range(1, 1201))
    assert client.stats.failing_since is None, "the failure streak ended"


async def test_401_until_the_token_is_rotated_then_everything_arrives(
    ingest: Ingest, journal: Journal, tmp_path: Path
) -> None:
    fill(journal, 300)
    token = token_file(tmp_path, "token-cũ-đã-thu-hồi")
    client = PushClient(push_config(ingest.url, token), journal, SITE)
    async with pushing(client):
        await wait_until_async(
            lambda: client.stats.failures["unauthorized"] >= 2, 10, "401 answers"
        )
        assert ingest.seqs(journal.journal_id) == []
        token.write_text(TOKENS[SITE], encoding="utf-8")  # the province rotated the token
        await wait_until_async(
            lambda: client.stats.acknowledged_seq == 300, 10, "events after rotation"
        )
    assert ingest.seqs(journal.journal_id) == list(range(1, 301))


async def test_403_is_logged_with_the_collectors_message_retried_and_never_dropped(
    ingest: Ingest, journal: Journal, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill(journal, 300)
    token = token_file(tmp_path, TOKENS[OTHER])  # another site's token
    client = PushClient(push_config(ingest.url, token, backoff_max=0.2), journal, SITE)
    caplog.set_level(logging.WARNING, logger="agent.journal.push")
    async with pushing(client):
        await wait_until_async(lambda: client.stats.failures["forbidden"] >= 3, 10, "403, retried")
        refusals = [r.getMessage() for r in caplog.records if "(forbidden)" in r.getMessage()]
        assert len(refusals) >= 3, "each slow retry of a refusal is logged"
        assert "403" in refusals[0] and "không gửi được" in refusals[0]
        assert TOKENS[OTHER] not in caplog.text, "the token never appears in a log"
        assert ingest.seqs(journal.journal_id) == []
        assert journal.keep_after == 0, "pruning is held at the acknowledged seq"
        journal.prune()
        assert journal.first_seq() == 1, "nothing was dropped"
        token.write_text(TOKENS[SITE], encoding="utf-8")  # the technician fixes the token
        await wait_until_async(
            lambda: client.stats.acknowledged_seq == 300, 10, "events after the fix"
        )
    assert ingest.seqs(journal.journal_id) == list(range(1, 301))


async def test_tls_is_verified_against_ca_file_and_refused_without_it(
    tmp_path: Path, journal: Journal
) -> None:
    ca = trustme.CA(organization_name="sansang test CA")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    port = free_port()
    url = f"https://127.0.0.1:{port}/"
    (tmp_path / "collector").mkdir()
    fill(journal, 50)
    token = token_file(tmp_path, TOKENS[SITE])
    async with serving(
        _config_file(tmp_path / "collector", port), "127.0.0.1", port, None, tls
    ) as c:
        untrusting = PushClient(push_config(url, token), journal, SITE)
        async with aiohttp.ClientSession() as session:
            await untrusting.step(session)
        assert untrusting.stats.failures["connect"] == 1
        assert "CERTIFICATE_VERIFY_FAILED" in untrusting.stats.last_error
        client = PushClient(push_config(url, token, ca_file=ca_file), journal, SITE)
        async with pushing(client):
            await wait_until_async(
                lambda: client.stats.acknowledged_seq == 50, 10, "events over TLS"
            )
        assert Ingest(c, url, []).seqs(journal.journal_id) == list(range(1, 51))


async def test_413_halves_the_batch_until_the_collector_takes_it(
    tmp_path: Path, journal: Journal
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    (tmp_path / "collector").mkdir()
    config = _config_file(tmp_path / "collector", port, max_batch_events=300)
    fill(journal, 1000)
    seen: Seen = []
    async with serving(config, "127.0.0.1", port, seen) as c:
        client = PushClient(push_config(url, token_file(tmp_path, TOKENS[SITE])), journal, SITE)
        async with pushing(client):
            await wait_until_async(lambda: client.stats.acknowledged_seq == 1000, 15, "every event")
        got = Ingest(c, url, seen)
        assert got.seqs(journal.journal_id) == list(range(1, 1001))
    refused = [status for what, status, _ in seen if what.startswith("POST") and status != 200]
    assert refused == [413, 413], "1000 then 500 refused; 250 taken"
    assert got.posts() == [250, 250, 250, 250]
    assert client.stats.failures["rejected"] == 2


async def test_a_503_retry_after_is_waited_then_everything_arrives(
    tmp_path: Path, journal: Journal, ingest: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector's disk is full: 503 with Retry-After (1 s here); the agent waits that long
    at least (its own backoff would retry after 0.05 s), and sends everything once there is room."""
    import sqlalchemy

    monkeypatch.setattr("collector.ingest.push.RETRY_AFTER_SECONDS", 1)
    engine = ingest.collector.store.engine

    def no_room(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute("PRAGMA max_page_count = 1")  # raised to the pages it has

    sqlalchemy.event.listen(engine, "connect", no_room)
    engine.dispose()
    fill(journal, 300)
    config = push_config(ingest.url, token_file(tmp_path, TOKENS[SITE]), backoff_max=5)
    client = PushClient(config, journal, SITE)
    refusals: list[float] = []

    def refused(count: int) -> bool:
        got = [s for what, s, _ in ingest.seen if what.startswith("POST") and s == 503]
        if len(got) > len(refusals):
            refusals.append(time.monotonic())
        return len(got) >= count

    async with pushing(client):
        await wait_until_async(lambda: refused(1), 10, "a first 503", interval=0.01)
        await wait_until_async(lambda: refused(2), 10, "a second 503", interval=0.01)
        sqlalchemy.event.remove(engine, "connect", no_room)
        engine.dispose()
        await wait_until_async(lambda: client.stats.acknowledged_seq == 300, 15, "every event")
    assert refusals[1] - refusals[0] >= 0.9, "the 503's Retry-After was not honoured"
    assert ingest.seqs(journal.journal_id) == list(range(1, 301))


async def test_events_pruned_before_they_were_sent_are_logged_once_as_a_gap(
    ingest: Ingest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wall = FakeWall()
    journal = Journal(
        tmp_path / "old.db",
        boot_id="boot-gap",
        retention_seconds=30 * 86400.0,
        wall=wall,
        monotonic_ns=wall.monotonic_ns,
    )
    for i in range(10):
        journal.append("check_state", f"gw-{i}", "up")
    wall.now += 40 * 86400.0  # before push was configured: retention took them all
    assert journal.prune() == 10
    for i in range(5):
        journal.append("check_state", f"gw-new-{i}", "down")
    caplog.set_level(logging.WARNING, logger="agent.journal.push")
    client = PushClient(push_config(ingest.url, token_file(tmp_path, TOKENS[SITE])), journal, SITE)
    async with pushing(client):
        await wait_until_async(lambda: client.stats.acknowledged_seq == 15, 10, "the kept events")
        fill(journal, 2)
        await wait_until_async(lambda: client.stats.acknowledged_seq == 17, 10, "two more")
    journal.close()
    gaps = [r.getMessage() for r in caplog.records if "were pruned" in r.getMessage()]
    assert len(gaps) == 1 and "1..10" in gaps[0], gaps
    assert ingest.seqs(journal.journal_id) == list(range(11, 18))


def fill_large(path: Path, count: int) -> Journal:
    """A journal of ``count`` events of about 400 bytes of JSON each, written in one
    transaction: ``count`` = 5,000 (the largest ``push.batch``) is a body of about 2 MiB."""
    Journal(path, boot_id="boot-large").close()
    note = "mất điện lưới, UPS đã cạn; đường truyền TSLCD mất kết nối " * 3
    now = clock.wall()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO events (schema, boot_id, wall_time, monotonic_ns, kind, subject, state,"
            " value, details) VALUES (?, 'boot-large', ?, ?, 'terminal_state', ?, 'down', NULL, ?)",
            (
                (SCHEMA_VERSION, now - count + i, i, f"quay-{i % 9}",
                 json.dumps({"i": i, "note": note}, ensure_ascii=False))
                for i in range(count)
            ),
        )  # fmt: skip
    return Journal(path, boot_id="boot-large")


async def test_a_batch_of_5000_events_over_1_mib_goes_in_one_request_without_a_warning(
    ingest: Ingest, tmp_path: Path
) -> None:
    journal = fill_large(tmp_path / "large.db", 5000)
    try:
        body = sum(len(json.dumps(e.to_json(SITE))) for e in journal.read(0, 5000))
        assert body > 2 * 1024 * 1024, "over aiohttp's 1 MiB limit for a raw bytes body"
        config = push_config(ingest.url, token_file(tmp_path, TOKENS[SITE]), batch=5000)
        client = PushClient(config, journal, SITE)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # as pytest runs it: a ResourceWarning is an error
            async with pushing(client) as task:
                await wait_until_async(
                    lambda: client.stats.acknowledged_seq == 5000 or task.done(),
                    30,
                    "the 5000 events, or the task's end",
                )
                assert not task.done(), "the push task is still running"
        assert ingest.posts() == [5000], "one request of 5000 events"
        assert ingest.seqs(journal.journal_id) == list(range(1, 5001))
        assert sum(client.stats.failures.values()) == 0
    finally:
        journal.close()


class BrokenJournal(Journal):
    """A journal whose reads fail ``failures`` times (a bug, a disk error): what the push
    client did not expect."""

    failures = 3

    def page(self, after: int, limit: int) -> Page:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("lỗi không lường trước / unexpected")
        return super().page(after, limit)


async def test_an_unexpected_error_is_logged_and_retried_the_task_never_dies(
    ingest: Ingest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = BrokenJournal(tmp_path / "broken.db", boot_id="boot-broken")
    try:
        fill(journal, 20)
        caplog.set_level(logging.WARNING, logger="agent.journal.push")
        client = PushClient(
            push_config(ingest.url, token_file(tmp_path, TOKENS[SITE])), journal, SITE
        )
        async with pushing(client) as task:
            await wait_until_async(lambda: client.stats.failures["internal"] >= 3, 10, "3 failures")
            await wait_until_async(lambda: client.stats.acknowledged_seq == 20, 10, "every event")
            assert not task.done(), "the push task outlived the errors"
        assert ingest.seqs(journal.journal_id) == list(range(1, 21))
        logged = [r for r in caplog.records if "(internal)" in r.getMessage()]
        assert logged, "the unexpected error is logged"
        assert "RuntimeError" in logged[0].getMessage()
        assert logged[0].exc_info is not None, "with its traceback"
        assert client.stats.failing_since is None, "the streak ended"
    finally:
        journal.close()


# --- a real agent process, killed mid-stream ----------------------------------------------------
def prefill(path: Path, count: int) -> str:
    """``count`` events in a new journal file, written in one transaction (the agent's own
    appends commit one by one: far slower); returns the journal id."""
    j = Journal(path, boot_id="boot-before")
    j.close()
    now = clock.wall()
    with contextlib.closing(sqlite3.connect(path)) as db, db:  # closed: the file may be put back
        db.executemany(
            "INSERT INTO events (schema, boot_id, wall_time, monotonic_ns, kind, subject, state,"
            " value, details) VALUES (?, 'boot-before', ?, ?, 'terminal_state', ?, ?, NULL, ?)",
            (
                (SCHEMA_VERSION, now - count + i, i, f"quay-{i % 9}", "up" if i % 2 else "down",
                 f'{{"i": {i}}}')
                for i in range(count)
            ),
        )  # fmt: skip
        journal_id: str = db.execute("SELECT value FROM meta WHERE key = 'journal_id'").fetchone()[
            0
        ]
    return journal_id


def journal_seqs(path: Path) -> list[int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [r[0] for r in db.execute("SELECT seq FROM events ORDER BY seq")]


def agent_config(workdir: Path, url: str, token: Path) -> dict[str, Any]:
    return {
        "site": {
            "commune_code": "23527",
            "name": "Xã Sa Thầy",
            "latitude": 14.4,
            "longitude": 107.8,
        },
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        "push": {
            "url": url,
            "token_file": str(token),
            "batch": 100,
            "interval": "200ms",
            "backoff_min": "50ms",
            "backoff_max": "1s",
        },
    }


async def in_thread(call: Callable[[], Any]) -> Any:
    return await asyncio.to_thread(call)


async def test_kill_9_mid_stream_loses_and_duplicates_nothing(
    ingest: Ingest, tmp_path: Path
) -> None:
    total = 20_000
    workdir = tmp_path / "agent"
    workdir.mkdir()
    journal_id = prefill(workdir / "journal.db", total)
    config = agent_config(workdir, ingest.url, token_file(tmp_path, TOKENS[SITE]))
    agent = AgentProcess(config, workdir)
    await in_thread(agent.start)
    try:
        await wait_until_async(
            lambda: len(ingest.seqs(journal_id)) >= 2000, 30, "the stream started"
        )
        await in_thread(agent.kill9)
        partial = len(ingest.seqs(journal_id))
        assert partial < total, "killed mid-stream"
        restarted = time.monotonic()
        agent = AgentProcess(config, workdir)  # the same journal, the same config
        await in_thread(agent.start)
        expected = await in_thread(lambda: journal_seqs(workdir / "journal.db"))
        await wait_until_async(
            lambda: len(ingest.seqs(journal_id)) >= len(expected) > total, 60, "every event"
        )
        elapsed = time.monotonic() - restarted
    finally:
        await in_thread(agent.stop)
    print(
        f"\nkilled after {partial} of {total} events; the other {len(expected) - partial} "
        f"arrived {elapsed:.2f} s after the restart ({(len(expected) - partial) / elapsed:.0f}/s)"
    )
    stored = ingest.seqs(journal_id)
    assert len(stored) == len(set(stored)), "no event stored twice"
    assert set(stored) >= set(expected), "none missing"
    assert max(ingest.posts()) <= 100, "batches bounded by push.batch"
