"""Running throughput tests (đo băng thông) one at a time, on the budget, into the journal.

Tests never overlap: one asyncio lock inside a process, and a file lock (``flock``) beside the
journal across processes (the agent's schedule and ``sansang agent speedtest`` in another
process).  Every test is a ``speedtest_result`` event; the metrics (:class:`SpeedtestState`) are
built from those events, so a test run from the CLI shows in the agent's metrics too.

A test runs bounded by what is left of the month's budget, smaller than usual when less is left
than the backend's estimate (``capped``); under ``MIN_TEST_BYTES`` it is skipped.  The first skip
of a month per backend is journalled; every skip counts in ``sansang_speedtest_skipped_total``
(the journalled one through the journal, the others directly), and the status page says until
when tests are suspended.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from agent import clock
from agent.config.links import Link, SpeedtestBackend, SpeedtestConfig
from agent.journal.store import Journal
from agent.links.bandwidth.backends import run_backend
from agent.links.bandwidth.budget import MIN_TEST_BYTES, RESULT_KIND, Budget
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from sansang.events import Event
from sansang.reasons import Reason

log = logging.getLogger(__name__)

DEFAULT_LINK = "default"  # the `link` label of a test over the default route
BACKUP_EVIDENCE_EVERY = 86400.0  # at most one backup_link_working per link and day
BUDGET_EXHAUSTED: Reason = "budget_exhausted"
SKIP_REASONS = (BUDGET_EXHAUSTED,)  # the `reason` label of sansang_speedtest_skipped_total
Trigger = Literal["schedule", "cli"]


class BackendRunner(Protocol):
    """The signature of :func:`agent.links.bandwidth.backends.run_backend` (tests pass a fake)."""

    async def __call__(
        self, backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
    ) -> SpeedResult: ...


def lock_path(journal_path: Path) -> Path:
    """The file whose ``flock`` keeps tests of every process on this journal from overlapping."""
    return journal_path.with_name(f"{journal_path.name}.speedtest.lock")


@contextlib.asynccontextmanager
async def file_lock(
    path: Path, *, poll: float = 0.2, on_wait: Callable[[], None] | None = None
) -> AsyncIterator[None]:
    """Hold an exclusive ``flock`` on ``path``; polls, so waiting never blocks the event loop
    and can be cancelled.  ``on_wait`` is called once when another holder makes us wait."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                await asyncio.sleep(poll)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@dataclass(frozen=True)
class TestOutcome:
    """One test of one backend over one link: a result, or the error (a skip for lack of budget
    is an error with reason ``budget_exhausted`` and ``skipped`` set)."""

    __test__ = False  # not a pytest test class

    backend: SpeedtestBackend
    link: str  # link id, or "default" for the default route
    result: SpeedResult | None
    error: SpeedtestError | None
    skipped: bool = False


class SpeedtestRunner:
    """Runs tests for the agent's schedule and for the CLI."""

    __test__ = False

    def __init__(
        self,
        config: SpeedtestConfig,
        links: list[Link],
        journal: Journal,
        budget: Budget,
        *,
        runner: BackendRunner = run_backend,
        state: SpeedtestState | None = None,
        wall: Callable[[], float] = clock.wall,
        bound: float | None = None,
    ) -> None:
        self.config = config
        # A backend that never returns is stopped after this: both directions, plus setup.
        self.bound = 4 * config.duration + 60.0 if bound is None else bound
        self.links = {link.id: link for link in links}
        self.journal = journal
        self.budget = budget
        self.runner = runner
        self.state = state
        self.lock = asyncio.Lock()  # shared by every trigger inside this process
        self.lock_path = lock_path(journal.path)
        self._wall = wall

    def plan(
        self, backend_id: str | None = None, link_id: str | None = None
    ) -> list[tuple[SpeedtestBackend, Link | None]]:
        """Every backend × each of its links (or the default route), in config order; or only
        ``backend_id``, and only over ``link_id`` (a link of ``links``, or ``default``)."""
        plan: list[tuple[SpeedtestBackend, Link | None]] = []
        for backend in self.config.backends:
            if backend_id is not None and backend.id != backend_id:
                continue
            if link_id is not None:
                plan.append((backend, None if link_id == DEFAULT_LINK else self.links[link_id]))
                continue
            links: list[Link | None] = [self.links[i] for i in backend.links]
            plan.extend((backend, link) for link in links or [None])
        return plan

    async def run(
        self,
        plan: list[tuple[SpeedtestBackend, Link | None]],
        trigger: Trigger,
        *,
        ignore_budget: bool = False,
        on_wait: Callable[[], None] | None = None,
    ) -> list[TestOutcome]:
        """Run the plan's tests one after another, holding both locks for the whole plan."""
        async with self.lock, file_lock(self.lock_path, on_wait=on_wait):
            outcomes = [
                await self._one(backend, link, trigger, ignore_budget) for backend, link in plan
            ]
        if self.state is not None:
            await asyncio.to_thread(self.state.refresh)
        return outcomes

    async def _one(
        self, backend: SpeedtestBackend, link: Link | None, trigger: Trigger, ignore_budget: bool
    ) -> TestOutcome:
        link_id = link.id if link is not None else DEFAULT_LINK
        left = await asyncio.to_thread(self.budget.left)
        if left < MIN_TEST_BYTES and not ignore_budget:
            return await self._skip(backend, link_id, left, trigger)
        max_bytes = self.budget.monthly_bytes if ignore_budget else left
        need = await asyncio.to_thread(self.budget.estimate, backend.id)
        # below the estimate: a smaller test, bounded by what is left, rather than none
        capped: dict[str, Any] = {"capped": True} if left < need and not ignore_budget else {}
        if capped:
            log.info(
                "speed test %s over %s capped at the %d bytes left this month (it uses about %d)",
                backend.id, link_id, left, need,
            )  # fmt: skip
        started = time.monotonic()
        try:
            result = await self._measure(backend, link, max_bytes)
        except SpeedtestError as err:
            log.warning("speed test %s over %s failed: %s", backend.id, link_id, err.detail)
            details = _failed_details(backend, link_id, err, time.monotonic() - started)
            details = {**details, **capped, "trigger": trigger}
            await self._journal("failed", backend.id, None, details)
            return TestOutcome(backend, link_id, None, err)
        log.info(
            "speed test %s over %s: down %s B/s, up %s B/s, %d bytes",
            backend.id, link_id, result.download_bps, result.upload_bps, result.bytes_used,
        )  # fmt: skip
        details = {**_ok_details(result, link_id), **capped, "trigger": trigger}
        await self._journal("ok", backend.id, result.download_bps, details)
        if link is not None and link.role == "backup":
            await asyncio.to_thread(self._backup_evidence, link.id, backend.id)
        return TestOutcome(backend, link_id, result, None)

    async def _measure(
        self, backend: SpeedtestBackend, link: Link | None, max_bytes: int
    ) -> SpeedResult:
        """The backend's result; any way it fails becomes a SpeedtestError (never returning:
        ``timeout`` after :attr:`bound` seconds)."""
        bound = self.bound
        try:
            return await asyncio.wait_for(
                self.runner(backend, link, duration=self.config.duration, max_bytes=max_bytes),
                bound,
            )
        except SpeedtestError:
            raise
        except TimeoutError as err:
            raise SpeedtestError("timeout", f"no result after {bound:g} s") from err
        except Exception as err:  # a bug in a backend must not stop the schedule
            log.exception("speed test backend %s raised", backend.id)
            raise SpeedtestError("error", f"{type(err).__name__}: {err}") from err

    async def _skip(
        self, backend: SpeedtestBackend, link_id: str, left: int, trigger: Trigger
    ) -> TestOutcome:
        detail = (
            f"{left} bytes left of the month's {self.budget.monthly_bytes}; "
            f"the smallest test uses {MIN_TEST_BYTES}"
        )
        err = SpeedtestError(BUDGET_EXHAUSTED, detail)
        if await asyncio.to_thread(self.budget.skip_noted, backend.id):
            log.info("speed test %s over %s skipped: %s", backend.id, link_id, detail)
            if self.state is not None:  # the journalled skip counts when the journal is read
                self.state.count_skip(BUDGET_EXHAUSTED)
        else:
            log.warning("speed test %s skipped until next month: %s", backend.id, detail)
            details = {**_failed_details(backend, link_id, err, 0.0), "trigger": trigger}
            await self._journal("failed", backend.id, None, details)
        return TestOutcome(backend, link_id, None, err, skipped=True)

    async def _journal(
        self, state: str, backend_id: str, value: float | None, details: dict[str, Any]
    ) -> None:
        link = self.links.get(str(details.get("link")))
        # The link's kind (internet, tslcd, mobile): the collector judges each kind apart.
        details = {**details, "link_kind": link.kind if link is not None else None}
        await asyncio.to_thread(self.journal.append, RESULT_KIND, backend_id, state, value, details)

    def _backup_evidence(self, link_id: str, backend_id: str) -> None:
        """Journal that a backup link carried a test: at most once a day per link."""
        since = self._wall() - BACKUP_EVIDENCE_EVERY
        for e in self.journal.of_kinds(["backup_link_working"], since):
            if e.subject == link_id and e.details.get("evidence") == "speedtest":
                return
        self.journal.append(
            "backup_link_working",
            link_id,
            details={"evidence": "speedtest", "backend": backend_id},
        )


def _ok_details(result: SpeedResult, link_id: str) -> dict[str, Any]:
    return {"kind": result.kind, "link": link_id, **result.figures()}


def _failed_details(
    backend: SpeedtestBackend, link_id: str, err: SpeedtestError, duration: float
) -> dict[str, Any]:
    return {
        "kind": backend.kind,
        "link": link_id,
        "server": server_of(backend),
        "reason": err.reason,
        "detail": err.detail,
        "bytes_used": err.bytes_used,
        "duration_seconds": round(duration, 3),
    }


def server_of(backend: SpeedtestBackend) -> str:
    """What the backend tests against, as the config names it."""
    if backend.kind == "selfhosted":
        return backend.url or ""
    if backend.kind == "iperf3":
        return f"{backend.host}:{backend.port}"
    return f"ookla {backend.server_id}" if backend.server_id is not None else "ookla nearest"


@dataclass
class Latest:
    """The latest figures of one (backend, link), and its counters since the agent started."""

    success: bool = False
    download_bps: float | None = None
    upload_bps: float | None = None
    latency_seconds: float | None = None
    last_success_wall: float | None = None
    tests: int = 0
    transferred_bytes: int = 0


Row = tuple[str, float, dict[str, str]]


class SpeedtestState:
    """What the exporter shows: built from the journal's ``speedtest_result`` events written
    since the agent started (by its schedule or by the CLI in another process).  ``refresh``
    reads the journal (call it off the event loop); ``rows`` only reads memory (a scrape)."""

    def __init__(self, journal: Journal, budget: Budget) -> None:
        self.journal = journal
        self.budget = budget
        self.latest: dict[tuple[str, str], Latest] = {}
        self.used_bytes: int | None = None
        self.skipped: dict[str, int] = dict.fromkeys(SKIP_REASONS, 0)
        self.suspended_until: float | None = None  # when tests resume, while the budget is out
        self._after = journal.newest_seq  # counters count from the agent's start

    def refresh(self) -> None:
        while True:
            events = self.journal.of_kind_after(RESULT_KIND, self._after)
            for event in events:
                self.apply(event)
                self._after = event.seq
            if len(events) < 1000:
                break
        self.used_bytes = self.budget.used()
        self.suspended_until = self.budget.suspended_until(self.used_bytes)

    def count_skip(self, reason: str) -> None:
        """One more skip for ``reason``: a journalled skip event, or one the journal does not
        hold (only the first of a month per backend is journalled)."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def apply(self, event: Event) -> None:
        d = event.details
        if d.get("reason") == BUDGET_EXHAUSTED:
            self.count_skip(BUDGET_EXHAUSTED)
            return  # a skip: no test ran
        latest = self.latest.setdefault((event.subject, str(d.get("link", DEFAULT_LINK))), Latest())
        latest.tests += 1
        latest.transferred_bytes += int(d.get("bytes_used") or 0)
        latest.success = event.state == "ok"
        if latest.success:
            latest.download_bps = d.get("download_bps")
            latest.upload_bps = d.get("upload_bps")
            latest.latency_seconds = d.get("latency_seconds")
            latest.last_success_wall = event.wall_time

    def rows(self) -> list[Row]:
        rows: list[Row] = [("sansang_speedtest_budget_bytes", self.budget.monthly_bytes, {})]
        if self.used_bytes is not None:
            rows.append(("sansang_speedtest_budget_used_bytes", self.used_bytes, {}))
        for reason, count in sorted(self.skipped.items()):
            rows.append(("sansang_speedtest_skipped_total", count, {"reason": reason}))
        for (backend, link), r in sorted(self.latest.items()):
            ids = {"backend": backend, "link": link}
            rows.append(("sansang_speedtest_success", float(r.success), ids))
            rows.append(("sansang_speedtest_tests_total", r.tests, ids))
            rows.append(("sansang_speedtest_transferred_bytes_total", r.transferred_bytes, ids))
            for name, value in (
                ("sansang_speedtest_download_bytes_per_second", r.download_bps),
                ("sansang_speedtest_upload_bytes_per_second", r.upload_bps),
                ("sansang_speedtest_latency_seconds", r.latency_seconds),
                ("sansang_speedtest_last_success_timestamp_seconds", r.last_success_wall),
            ):
                if value is not None:  # unknown is absent, never 0
                    rows.append((name, value, ids))
        return rows
