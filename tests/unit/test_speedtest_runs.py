"""One test run: the journal event, the metrics, the budget skip, and backup-link evidence."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.config import Site as SiteConfig
from agent.config.links import Link, SpeedtestBackend, SpeedtestConfig
from agent.journal.store import Journal
from agent.links.bandwidth.budget import MIB, Budget
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from agent.links.bandwidth.runs import SpeedtestRunner, SpeedtestState
from agent.metrics.exporter import AgentCollector
from agent.state import SiteState
from agent.web.status import StatusPage
from sansang.exposition import render
from tests.support.clock import FakeWall
from tests.support.metrics import parse_metrics, value

RESULT = SpeedResult("selfhosted", "http://10.200.0.1:8080/", 2.5e6, 1.25e6, 0.012, 5 * MIB, 9.5)


class FakeRunner:
    """Answers with ``answer`` (a result, or an exception to raise) and records the calls; a
    result's bytes are bounded by ``max_bytes``, as a real backend's."""

    def __init__(self, answer: SpeedResult | Exception = RESULT) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    async def __call__(
        self, backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
    ) -> SpeedResult:
        self.calls.append({"backend": backend.id, "link": link, "max_bytes": max_bytes})
        if isinstance(self.answer, Exception):
            raise self.answer
        return replace(self.answer, bytes_used=min(self.answer.bytes_used, max_bytes))


LINKS = [Link(id="fibre", kind="internet"), Link(id="4g", kind="mobile", role="backup")]
SITE = SiteConfig(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)


class Site:
    def __init__(self, tmp_path: Path, runner: FakeRunner, budget_mib: int = 2048) -> None:
        self.wall = FakeWall(datetime(2026, 11, 10, 3, tzinfo=UTC).timestamp())
        self.journal = Journal(tmp_path / "journal.db", boot_id="b", wall=self.wall)
        self.config = SpeedtestConfig.model_validate(
            {
                "monthly_budget_mib": budget_mib,
                "backends": [
                    {"id": "province", "kind": "selfhosted", "url": "http://10.200.0.1:8080/",
                     "links": ["fibre", "4g"]},
                ],
            }
        )  # fmt: skip
        self.budget = Budget(self.journal, budget_mib * MIB, "Asia/Ho_Chi_Minh", wall=self.wall)
        self.state = SpeedtestState(self.journal, self.budget)
        self.runner = runner
        self.tester = SpeedtestRunner(
            self.config, LINKS, self.journal, self.budget,
            runner=runner, state=self.state, wall=self.wall,
        )  # fmt: skip

    def events(self, kind: str) -> list[Any]:
        return [e for e in self.journal.read() if e.kind == kind]

    def metrics(self) -> Any:
        site_state = SiteState([], lambda _when: False)
        site_state.speedtest = self.state
        return parse_metrics(render(AgentCollector(None, site_state, None).families()).decode())


@pytest.fixture
def site(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Site]:
    s = Site(tmp_path, FakeRunner(getattr(request, "param", RESULT)))
    yield s
    s.journal.close()


async def test_a_result_is_journalled_in_bytes_with_the_documented_details(site: Site) -> None:
    outcomes = await site.tester.run(site.tester.plan(link_id="fibre"), "cli")
    assert outcomes[0].result == RESULT
    (event,) = site.events("speedtest_result")
    assert (event.subject, event.state, event.value) == ("province", "ok", 2.5e6)
    assert event.details == {
        "kind": "selfhosted", "link": "fibre", "link_kind": "internet", "server": "http://10.200.0.1:8080/",
        "download_bps": 2.5e6, "upload_bps": 1.25e6, "latency_seconds": 0.012,
        "bytes_used": 5 * MIB, "duration_seconds": 9.5, "trigger": "cli",
    }  # fmt: skip
    assert site.runner.calls[0]["max_bytes"] == 2048 * MIB  # what is left of the month


async def test_metrics_show_the_latest_result_and_the_budget(site: Site) -> None:
    await site.tester.run(site.tester.plan(), "schedule")
    m = site.metrics()
    ids = {"backend": "province", "link": "fibre"}
    assert value(m, "sansang_speedtest_download_bytes_per_second", **ids) == 2.5e6
    assert value(m, "sansang_speedtest_upload_bytes_per_second", **ids) == 1.25e6
    assert value(m, "sansang_speedtest_latency_seconds", **ids) == 0.012
    assert value(m, "sansang_speedtest_success", **ids) == 1.0
    assert value(m, "sansang_speedtest_tests_total", **ids) == 1.0
    assert value(m, "sansang_speedtest_transferred_bytes_total", **ids) == 5 * MIB
    assert value(m, "sansang_speedtest_last_success_timestamp_seconds", **ids) == site.wall.now
    assert value(m, "sansang_speedtest_budget_bytes") == 2048 * MIB
    assert value(m, "sansang_speedtest_budget_used_bytes") == 10 * MIB  # two links
    # A failure keeps the last good figures and says so.
    site.runner.answer = SpeedtestError("timeout", "no reply", bytes_used=MIB)
    await site.tester.run(site.tester.plan(link_id="fibre"), "schedule")
    m = site.metrics()
    assert value(m, "sansang_speedtest_success", **ids) == 0.0
    assert value(m, "sansang_speedtest_download_bytes_per_second", **ids) == 2.5e6
    assert value(m, "sansang_speedtest_tests_total", **ids) == 2.0
    assert value(m, "sansang_speedtest_transferred_bytes_total", **ids) == 6 * MIB
    assert value(m, "sansang_speedtest_budget_used_bytes") == 11 * MIB


@pytest.mark.parametrize(
    ("site", "reason", "detail"),
    [
        (SpeedtestError("refused", "connection refused", 123), "refused", "connection refused"),
        (NotImplementedError("stub"), "error", "NotImplementedError: stub"),
    ],
    indirect=["site"],
)
async def test_a_failure_is_a_failed_event_never_a_crash(
    site: Site, reason: str, detail: str
) -> None:
    outcomes = await site.tester.run(site.tester.plan(link_id="fibre"), "schedule")
    assert outcomes[0].error is not None and outcomes[0].error.reason == reason
    (event,) = site.events("speedtest_result")
    assert (event.state, event.value) == ("failed", None)
    assert event.details["reason"] == reason and event.details["detail"] == detail
    assert event.details["server"] == "http://10.200.0.1:8080/"
    assert event.details["trigger"] == "schedule"
    m = site.metrics()
    assert value(m, "sansang_speedtest_success", backend="province", link="fibre") == 0.0
    assert (
        value(m, "sansang_speedtest_download_bytes_per_second", backend="province", link="fibre")
        is None
    )


async def test_a_backend_that_never_returns_is_stopped(tmp_path: Path) -> None:
    class Hang(FakeRunner):
        async def __call__(self, *args: Any, **kwargs: Any) -> SpeedResult:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    s = Site(tmp_path, Hang())
    assert s.tester.bound == 4 * 8.0 + 60.0  # the default: both directions plus setup
    s.tester.bound = 0.05
    try:
        (outcome,) = await s.tester.run(s.tester.plan(link_id="fibre"), "schedule")
        assert outcome.error is not None and outcome.error.reason == "timeout"
        assert s.events("speedtest_result")[0].details["reason"] == "timeout"
    finally:
        s.journal.close()


async def test_a_budget_below_the_estimate_runs_a_capped_test(tmp_path: Path) -> None:
    """10 MiB a month, below the 24 MiB a test is expected to use before it has run once."""
    s = Site(tmp_path, FakeRunner(replace(RESULT, bytes_used=30 * MIB)), budget_mib=10)
    try:
        (outcome,) = await s.tester.run(s.tester.plan(link_id="fibre"), "schedule")
        assert outcome.result is not None and not outcome.skipped
        assert s.runner.calls[0]["max_bytes"] == 10 * MIB  # bounded by what is left
        (event,) = s.events("speedtest_result")
        assert event.state == "ok" and event.details["capped"] is True
        assert event.details["bytes_used"] == 10 * MIB
        assert value(s.metrics(), "sansang_speedtest_skipped_total", reason="budget_exhausted") == 0
    finally:
        s.journal.close()


async def test_an_exhausted_budget_skips_counts_and_says_when_tests_resume(
    tmp_path: Path,
) -> None:
    # Each test uses 12 MiB, or what is left when that is less.
    s = Site(tmp_path, FakeRunner(replace(RESULT, bytes_used=12 * MIB)), budget_mib=30)
    try:
        await s.tester.run(s.tester.plan(), "schedule")  # 2 × 12 MiB: 6 MiB left, 12 needed
        assert len(s.runner.calls) == 2 and s.state.suspended_until is None
        assert "capped" not in s.events("speedtest_result")[-1].details
        fibre, backup = await s.tester.run(s.tester.plan(), "schedule")
        assert fibre.result is not None and s.runner.calls[-1]["max_bytes"] == 6 * MIB
        assert s.events("speedtest_result")[-2].details["capped"] is True
        assert backup.skipped and backup.error and backup.error.reason == "budget_exhausted"
        for _ in range(2):  # two more scheduled runs, then one from the CLI: all skipped
            outcomes = await s.tester.run(s.tester.plan(), "schedule")
            assert all(o.skipped for o in outcomes)
        await s.tester.run(s.tester.plan(), "cli")
        assert len(s.runner.calls) == 3  # nothing more ran
        skips = [
            e for e in s.events("speedtest_result") if e.details.get("reason") == "budget_exhausted"
        ]
        assert len(skips) == 1  # journalled once a month
        assert skips[0].details["bytes_used"] == 0 and skips[0].state == "failed"
        assert "0 bytes left" in skips[0].details["detail"]
        m = s.metrics()  # a skip is not a test, but every skip counts: 1 + 2 + 2 + 2
        assert value(m, "sansang_speedtest_tests_total", backend="province", link="4g") == 1.0
        assert value(m, "sansang_speedtest_skipped_total", reason="budget_exhausted") == 7
        # The status page says so, and when tests resume: 1 December in Vietnam.
        december = datetime(2026, 11, 30, 17, 0, tzinfo=UTC).timestamp()
        assert s.state.suspended_until == december
        site_state = SiteState([], lambda _when: False)
        site_state.speedtest = s.state
        page = StatusPage(SITE, site_state)
        vi = page.render("vi", s.wall.now, [])
        assert "Tạm dừng đo băng thông" in vi and "sẽ đo lại từ ngày 01/12/2026" in vi
        en = page.render("en", s.wall.now, [])
        assert "Throughput tests suspended" in en and "they resume on 01/12/2026" in en
        # --ignore-budget runs anyway, bounded by the whole month's allowance.
        await s.tester.run(s.tester.plan(link_id="fibre"), "cli", ignore_budget=True)
        assert s.runner.calls[-1]["max_bytes"] == 30 * MIB
        # Next month (1 December in Vietnam): tests run again, the line is gone.
        s.wall.now = december
        await s.tester.run(s.tester.plan(link_id="fibre"), "schedule")
        assert len(s.runner.calls) == 5 and s.state.suspended_until is None
        assert "Tạm dừng đo băng thông" not in page.render("vi", s.wall.now, [])
    finally:
        s.journal.close()


async def test_a_backup_link_that_carried_a_test_is_evidence_once_a_day(site: Site) -> None:
    await site.tester.run(site.tester.plan(), "schedule")
    await site.tester.run(site.tester.plan(), "schedule")
    (evidence,) = site.events("backup_link_working")
    assert evidence.subject == "4g"  # the primary fibre link is no evidence of a fallback
    assert evidence.details == {"evidence": "speedtest", "backend": "province"}
    site.wall.now += 86400 + 1
    await site.tester.run(site.tester.plan(link_id="4g"), "schedule")
    assert len(site.events("backup_link_working")) == 2


@pytest.mark.parametrize("site", [SpeedtestError("timeout", "x")], indirect=True)
async def test_a_failed_test_over_a_backup_link_is_no_evidence(site: Site) -> None:
    await site.tester.run(site.tester.plan(link_id="4g"), "schedule")
    assert site.events("backup_link_working") == []


async def test_results_journalled_by_another_process_reach_the_metrics(site: Site) -> None:
    """`sansang agent speedtest` runs in its own process and writes the same journal file."""
    cli = Journal(site.journal.path, boot_id="b")
    cli.append(
        "speedtest_result", "province", "ok", 3e6,
        {"kind": "selfhosted", "link": "4g", "download_bps": 3e6, "upload_bps": 1e6,
         "latency_seconds": 0.02, "bytes_used": 7 * MIB, "trigger": "cli"},
    )  # fmt: skip
    cli.close()
    site.state.refresh()
    m = site.metrics()
    assert (
        value(m, "sansang_speedtest_download_bytes_per_second", backend="province", link="4g")
        == 3e6
    )
    assert value(m, "sansang_speedtest_budget_used_bytes") == 7 * MIB


async def test_metrics_count_from_the_agent_start(tmp_path: Path) -> None:
    """Counters start at the agent's start; the month's use comes from the whole journal."""
    first = Site(tmp_path, FakeRunner())
    await first.tester.run(first.tester.plan(link_id="fibre"), "schedule")
    first.journal.close()
    again = Site(tmp_path, FakeRunner())
    again.state.refresh()
    m = again.metrics()
    assert value(m, "sansang_speedtest_tests_total", backend="province", link="fibre") is None
    assert value(m, "sansang_speedtest_budget_used_bytes") == 5 * MIB
    again.journal.close()


async def test_the_agent_starts_the_schedule_only_with_backends(tmp_path: Path) -> None:
    from agent.config import AgentConfig
    from agent.links.bandwidth.scheduler import start_speedtests, stop_speedtests

    site = {"commune_code": "23527", "name": "Xã Sa Thầy", "latitude": 14.4, "longitude": 107.8}
    journal = Journal(tmp_path / "journal.db", boot_id="b")
    try:
        bare = AgentConfig.model_validate({"site": site})
        state = SiteState([], lambda _when: False)
        assert start_speedtests(bare, journal, state) is None and state.speedtest is None
        configured = AgentConfig.model_validate(
            {"site": site, "speedtest": {"backends": [{"id": "p", "kind": "iperf3", "host": "h"}]}}
        )
        task = start_speedtests(configured, journal, state)
        assert task is not None and not task.done()
        assert state.speedtest is not None
        assert ("sansang_speedtest_budget_used_bytes", 0, {}) in state.speedtest.rows()
        await stop_speedtests(task)
        assert task.cancelled()
    finally:
        journal.close()
