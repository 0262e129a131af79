"""A site whose link is cut for a while loses nothing: after it returns, every event of the
agent's journal is in the collector's store exactly once.

The agent runs in its own network namespace, on a veth link to the default namespace where a
real collector runs (``sansang collector run``, SQLite store).  The agent journals all the time:
four ICMP checks aim at addresses on its namespace's loopback, which a thread of the test adds
and removes in turn, so each check flips up and down.  The test cuts the link (the agent's
interface down) for ``CUT_SECONDS`` while events keep coming, brings it back, stops the
flipping, and waits until the store holds exactly the journal's (site, journal_id, seq) set.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent import clock
from tests.integration.netns import Neighbour, ip, veth_neighbour
from tests.support import wait_until
from tests.support.agent import AgentProcess
from tests.support.collector import inventory_of, running_collector, site
from tests.support.env import have, have_root
from tests.support.metrics import parse_metrics
from tests.support.net import free_port, http_get

pytestmark = [
    pytest.mark.integration,
    pytest.mark.netns,
    pytest.mark.skipif(not have_root() or not have("ip"), reason="needs root and iproute2's ip"),
]

SITE = "23527-main"
TOKEN = "token-gửi-của-xã-sa-thầy-0123456789"
CUT_SECONDS = 25.0
FLIP_EVERY = 0.25  # seconds between two address changes
TARGETS = tuple(f"10.200.99.{k}" for k in range(1, 5))  # on the agent namespace's loopback


def journal_seqs(path: Path) -> set[int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {r[0] for r in db.execute("SELECT seq FROM events")}


def journal_id_of(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return str(db.execute("SELECT value FROM meta WHERE key = 'journal_id'").fetchone()[0])


class Flipper(threading.Thread):
    """Adds and removes the check targets on the agent's loopback, one change every FLIP_EVERY."""

    def __init__(self, netns: str) -> None:
        super().__init__(daemon=True)
        self.netns = netns
        self.halt = threading.Event()
        self.present: set[str] = set()

    def run(self) -> None:
        for address in itertools.cycle(TARGETS):
            if self.halt.wait(FLIP_EVERY):
                return
            action = "del" if address in self.present else "add"
            ip("-n", self.netns, "addr", action, f"{address}/32", "dev", "lo")
            self.present ^= {address}

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)


class StoreReader:
    """The collector's store, read from the test process (SQLite in WAL: readers never block)."""

    def __init__(self, url: str) -> None:
        from collector.store import Store

        self.store = Store.open(url, migrate=False)

    def seqs(self, journal_id: str) -> list[int]:
        events = self.store.iter_events(0.0, clock.wall() + 86400.0, sites=[SITE])
        return [e.seq for e in events if e.journal_id == journal_id]


@pytest.fixture
def neighbour() -> Iterator[Neighbour]:
    with veth_neighbour("push", "10.200.251") as nb:
        yield nb


@pytest.fixture
def collector(neighbour: Neighbour, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real collector (``sansang collector run``) on the default namespace's end of the link;
    yields its base URL and its database URL."""
    workdir = tmp_path / "collector"
    workdir.mkdir()
    listen = f"{neighbour.local}:{free_port(neighbour.local)}"
    database = f"sqlite:///{workdir / 'collector.db'}"
    config = {"listen": listen, "database": database}
    with running_collector(config, inventory_of(site("23527")), workdir, credentials={SITE: TOKEN}):
        yield f"http://{listen}/", database


def agent_config(workdir: Path, nb: Neighbour, url: str, token: Path) -> dict[str, Any]:
    checks = [
        {"id": f"dich-{k}", "check": {"probe": "icmp", "host": address}}
        for k, address in enumerate(TARGETS, 1)
    ]
    return {
        "site": {
            "commune_code": "23527",
            "name": "Xã Sa Thầy",
            "latitude": 14.4,
            "longitude": 107.8,
        },
        "server": {"listen": f"{nb.address}:{free_port()}"},
        "journal": {"path": str(workdir / "journal.db")},
        "probes": {"interval": "200ms", "timeout": "150ms", "start_spread": 0},
        "host": {"enabled": False},
        "checks": checks,
        "push": {
            "url": url,
            "token_file": str(token),
            "interval": "500ms",
            "backoff_min": "200ms",
            "backoff_max": "2s",
            "timeout": "3s",
        },
    }


def test_events_journalled_during_a_link_cut_all_reach_the_collector_exactly_once(
    neighbour: Neighbour, collector: tuple[str, str], tmp_path: Path
) -> None:
    url, database = collector
    workdir = tmp_path / "agent"
    workdir.mkdir()
    token = tmp_path / "push-token"
    token.write_text(TOKEN, encoding="utf-8")
    journal = workdir / "journal.db"
    store = StoreReader(database)
    flipper = Flipper(neighbour.netns)
    agent = AgentProcess(agent_config(workdir, neighbour, url, token), workdir, neighbour.netns)
    agent.start()
    try:
        flipper.start()
        journal_id = journal_id_of(journal)
        wait_until(lambda: len(store.seqs(journal_id)) >= 20, 30, "pushes before the cut")

        ip("-n", neighbour.netns, "link", "set", "eth0", "down")  # the site's link is cut
        cut_at, at_cut = time.monotonic(), len(journal_seqs(journal))
        wait_until(
            lambda: (
                time.monotonic() - cut_at >= CUT_SECONDS
                and len(journal_seqs(journal)) >= at_cut + 50
            ),
            CUT_SECONDS + 30,
            f"{CUT_SECONDS:g} s of cut with events journalled meanwhile",
        )
        missing = journal_seqs(journal) - set(store.seqs(journal_id))
        assert len(missing) >= 50, "events journalled during the cut had not arrived"

        ip("-n", neighbour.netns, "link", "set", "eth0", "up")  # the link is back
        back_at = journal_seqs(journal)
        restored = time.monotonic()
        wait_until(lambda: back_at <= set(store.seqs(journal_id)), 60, "the backlog after the cut")
        drain = time.monotonic() - restored
        flipper.stop()
        # Nothing flips any more: the journal stops growing; wait for its last events too.
        wait_until(
            lambda: journal_seqs(journal) == set(store.seqs(journal_id)), 30, "the last events"
        )
        stored = store.seqs(journal_id)
        assert len(stored) == len(set(stored)), "no event stored twice"
        assert set(stored) == journal_seqs(journal), "every event of the journal, exactly once"
        metrics = parse_metrics(http_get(agent.base_url + "/metrics").decode())
        failures = sum(metrics["sansang_push_failures_total"].values())
        assert failures >= 1, "the cut was seen as failed pushes"
        print(
            f"\nlink cut {CUT_SECONDS:g} s: {len(missing)} events waited; all there {drain:.2f} s "
            f"after the link came back; {failures:g} failed pushes; {len(stored)} events stored"
        )
    finally:
        flipper.stop()
        agent.stop()
        store.store.close()
