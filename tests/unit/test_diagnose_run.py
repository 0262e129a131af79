"""Running a plan: the checks of a layer at once, layer after layer; a check that raises is a
failed result, never an exception; a router whose WAN port is down is counted in the WAN layer;
the journal and the push backlog are read without being written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent.config import AgentConfig, load
from agent.diagnose import box, plan, run
from agent.diagnose.model import EXIT_CRITICAL, EXIT_OK, CheckResult, Layer
from agent.diagnose.plan import Plan, Planned
from agent.journal.push import META_KEY
from agent.journal.store import Journal
from agent.probes import PROBES
from agent.probes._router_parse import Interface, RouterFacts
from agent.probes.base import Outcome, ProbeContext, ProbeKind
from agent.probes.router import outcome as router_outcome
from tests.support.example_config import example_with_its_files
from tests.support.fakes import FakeSpec, fake_job


class Recorder:
    """The Progress protocol, remembered in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.shown: dict[str, list[str]] = {}

    def layer_started(self, layer: Layer, total: int) -> None:
        self.seen.append(("start", f"{layer}:{total}"))

    def check_done(self, result: CheckResult) -> None:
        self.seen.append(("done", result.id))

    def layer_done(self, layer: Layer, results: list[CheckResult]) -> None:
        self.seen.append(("end", layer))
        self.shown[layer] = [r.id for r in results]


def planned(layer: Layer, id_: str, probe: object, *, thing: str = "check") -> Planned:
    job = fake_job(id_, probe, timeout=2.0)  # type: ignore[arg-type]
    return Planned(layer, id_, id_, thing, job=job)


async def test_the_checks_of_a_layer_run_at_once() -> None:
    """Each probe waits until all three have started: run one after another, the first would
    wait alone until its timeout and fail."""
    started = 0
    all_in = asyncio.Event()

    async def together(_spec: object, _ctx: ProbeContext) -> Outcome:
        nonlocal started
        started += 1
        if started == 3:
            all_in.set()
        await all_in.wait()
        return Outcome(True)

    checks = tuple(planned("terminals", f"t{i}", together, thing="terminal") for i in range(3))
    progress = Recorder()
    diagnosis = await run.diagnose(Plan("discovered", checks), progress)
    assert [r.status for r in diagnosis.results] == ["ok", "ok", "ok"]
    assert diagnosis.exit_code == EXIT_OK
    assert ("start", "terminals:3") in progress.seen and ("end", "terminals") in progress.seen
    ends = [what for kind, what in progress.seen if kind == "end"]
    assert ends == ["power", "box", "lan", "wan", "dns", "services", "terminals", "conference",
                    "printers"]  # fmt: skip


async def test_a_probe_that_raises_and_a_step_that_raises_are_failures() -> None:
    async def raises(_spec: object, _ctx: ProbeContext) -> Outcome:
        raise RuntimeError("bug in the probe")

    checks = (
        planned("lan", "buggy", raises),
        Planned("box", "push", "push", "link", step="push"),  # no config: the step fails
    )
    diagnosis = await run.diagnose(Plan("discovered", checks))
    by_id = {r.id: r for r in diagnosis.results}
    assert (by_id["buggy"].status, by_id["buggy"].reason) == ("fail", "error")
    assert "RuntimeError: bug in the probe" in by_id["buggy"].en
    assert (by_id["push"].status, by_id["push"].reason) == ("fail", "error")
    assert diagnosis.first_failure is by_id["push"]  # box is below lan
    assert diagnosis.exit_code == EXIT_CRITICAL


async def test_a_router_with_its_wan_down_fails_the_wan_layer_not_the_lan() -> None:
    down = router_outcome(RouterFacts({"wan": Interface("wan", True, False)}), "wan")

    async def router(_spec: object, _ctx: ProbeContext) -> Outcome:
        return down

    kind = ProbeKind("router", FakeSpec, router, lambda _t: FakeSpec(), "recorded router")
    job = fake_job("router", router, role="terminal", kind="router", address="192.0.2.1")
    job = type(job)(**{**job.__dict__, "probe": kind})

    async def dns_fails(_spec: object, _ctx: ProbeContext) -> Outcome:
        return Outcome.down("timeout", "no answer")

    checks = (
        Planned("lan", "router", "Router", "router", job=job, attributes={"kind": "router"}),
        planned("dns", "dns", dns_fails),
    )
    progress = Recorder()
    diagnosis = await run.diagnose(Plan("discovered", checks), progress)
    assert diagnosis.layer_status("lan") == "skip" and diagnosis.layer_status("wan") == "fail"
    first = diagnosis.first_failure
    assert first is not None and (first.layer, first.id, first.reason) == (
        "wan",
        "router",
        "wan_down",
    )
    # counted while the LAN runs, shown with the WAN layer
    assert progress.seen.index(("done", "router")) < progress.seen.index(("end", "lan"))
    assert progress.shown["lan"] == [] and progress.shown["wan"] == ["router"]


# --- the journal and the push backlog, read-only ----------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> AgentConfig:
    """The example with its journal in the test's directory (never /var/lib/sansang)."""
    example = load(example_with_its_files(tmp_path))
    journal = example.journal.model_copy(update={"path": tmp_path / "state" / "journal.db"})
    return example.model_copy(update={"journal": journal})


def test_a_missing_journal_warns_and_is_not_created(config: AgentConfig) -> None:
    p = Planned("box", "journal", "journal", "host", step="journal")
    r = box.journal_check(p, config)
    assert (r.status, r.reason) == ("warn", "journal_missing")
    assert not config.journal.path.exists()
    assert not config.journal.path.parent.exists() or not any(config.journal.path.parent.iterdir())


def test_the_journal_and_the_push_backlog_in_figures(config: AgentConfig) -> None:
    path = config.journal.path
    journal = Journal(path, boot_id="b", wall=lambda: 1_000.0)
    for i in range(5):
        journal.append("check_state", f"c{i}", "up")
    journal.write_meta(META_KEY, "2")
    journal.close()
    before = path.stat().st_mtime_ns, path.stat().st_size
    r = box.journal_check(Planned("box", "journal", "journal", "host", step="journal"), config)
    assert (r.status, r.figures["events"]) == ("ok", 5)
    assert r.vi.startswith("5 sự kiện, ") and r.vi.endswith("/256 MiB")
    push = Planned("box", "push", "push", "link", step="push")
    stale = box.push_check(push, config, now=1_000.0 + 2 * 3600)
    assert (stale.status, stale.reason, stale.figures["unsent"]) == ("warn", "push_backlog", 3)
    assert stale.vi == "chưa gửi 3 sự kiện, cũ nhất từ 2 giờ trước"
    assert stale.advice is not None and stale.advice.playbook == "link_loss"
    fresh = box.push_check(push, config, now=1_000.0 + 30)
    assert fresh.status == "ok"
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before  # read, never written


def test_a_file_that_is_no_journal_fails(config: AgentConfig) -> None:
    config.journal.path.parent.mkdir(parents=True, exist_ok=True)
    config.journal.path.write_bytes(b"not a database, a text file " * 100)
    r = box.journal_check(Planned("box", "journal", "journal", "host", step="journal"), config)
    assert (r.status, r.reason) == ("fail", "journal_unreadable")


def test_the_journal_check_in_a_run_uses_the_config(config: AgentConfig) -> None:
    made = plan.from_config(config, plan.Options(gateway="127.0.0.1"))
    only = tuple(p for p in made.checks if p.id in ("journal", "push"))
    diagnosis = asyncio.run(run.diagnose(Plan("config", only, config=config)))
    assert {r.id: r.reason for r in diagnosis.results} == {
        "journal": "journal_missing",
        "push": "journal_missing",
    }
    assert PROBES  # the registry is loaded by the plan
