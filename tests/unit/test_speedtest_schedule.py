"""The speed-test schedule: random spread around the mean, the window, service hours, and runs
that never overlap (in one process and across processes)."""

from __future__ import annotations

import asyncio
import random
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent.config.links import Link, SpeedtestBackend, SpeedtestConfig
from agent.journal.store import Journal
from agent.links.bandwidth.budget import Budget
from agent.links.bandwidth.result import SpeedResult
from agent.links.bandwidth.runs import SpeedtestRunner, lock_path
from agent.links.bandwidth.scheduler import Schedule, run_schedule
from sansang.service_hours import ServiceHours
from tests.support import wait_until_async
from tests.support.clock import FakeWall

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HOUR = 3600.0
MEAN = 6 * HOUR


def vn(day: int, hour: int, minute: int = 0) -> float:
    """Unix time of 2026-11-{day} HH:MM in Vietnam (2026-11-23 is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=VN).timestamp()


def local(wall: float) -> str:
    return datetime.fromtimestamp(wall, VN).strftime("%a %H:%M")


def schedule(rng_seed: int = 1, *, is_open: Any = None, **config: Any) -> Schedule:
    cfg = SpeedtestConfig.model_validate({"mean_interval": MEAN, **config})
    return Schedule(cfg, "Asia/Ho_Chi_Minh", is_open or (lambda _w: False), random.Random(rng_seed))


def test_sites_that_start_together_spread_over_the_first_mean_interval() -> None:
    now = vn(23, 12)
    firsts = sorted(schedule(seed).first(now) or 0.0 for seed in range(400))
    assert all(now <= t < now + MEAN for t in firsts)
    # Spread, not clustered: every hour of the six holds some first runs.
    per_hour = [
        sum(1 for t in firsts if now + h * HOUR <= t < now + (h + 1) * HOUR) for h in range(6)
    ]
    assert min(per_hour) > 40, per_hour


def test_each_next_start_is_half_to_one_and_a_half_mean_intervals_later() -> None:
    s = schedule(7)
    prev = vn(23, 12)
    gaps = []
    for _ in range(2000):
        nxt = s.after(prev)
        assert nxt is not None
        gaps.append(nxt - prev)
        prev = nxt
    assert min(gaps) >= 0.5 * MEAN and max(gaps) <= 1.5 * MEAN
    assert min(gaps) < 0.55 * MEAN and max(gaps) > 1.45 * MEAN  # the whole range is used
    assert statistics.fmean(gaps) == pytest.approx(MEAN, rel=0.03)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (vn(23, 12), "Mon 22:00"),  # midday: moved to the window's opening
        (vn(23, 23, 30), "Mon 23:30"),  # inside, before midnight
        (vn(24, 4, 59), "Tue 04:59"),  # inside, after midnight
        (vn(24, 5, 0), "Tue 22:00"),  # the end is exclusive
        (vn(23, 21, 59), "Mon 22:00"),
    ],
)
def test_a_window_over_midnight(start: float, expected: str) -> None:
    s = schedule(window={"start": "22:00", "end": "05:00"})
    moved = s.next_allowed(start)
    assert moved is not None and local(moved) == expected
    assert s.allowed(moved)


def test_outside_service_hours_waits_for_the_centre_to_close() -> None:
    hours = ServiceHours()  # 07:30–11:30 and 13:30–17:00 on weekdays, Saturday morning

    def is_open(wall: float) -> bool:
        return hours.is_open(datetime.fromtimestamp(wall, UTC))

    s = schedule(is_open=is_open, outside_service_hours=True)
    assert local(s.next_allowed(vn(23, 9, 10)) or 0) == "Mon 11:30"  # the lunch break
    assert local(s.next_allowed(vn(23, 14)) or 0) == "Mon 17:00"
    assert local(s.next_allowed(vn(23, 6)) or 0) == "Mon 06:00"  # closed: no move
    # Window and service hours together: evenings only.
    both = schedule(
        is_open=is_open, outside_service_hours=True, window={"start": "19:00", "end": "06:00"}
    )
    assert local(both.next_allowed(vn(23, 9, 10)) or 0) == "Mon 19:00"


def test_no_allowed_moment_is_none_not_a_hang() -> None:
    s = schedule(
        is_open=lambda _w: True,
        outside_service_hours=True,
        window={"start": "08:00", "end": "09:00"},
    )
    assert s.next_allowed(vn(23, 12)) is None


# --- running ------------------------------------------------------------------------------------


class Recorder:
    """A fake backend: records each call and how many ran at once; ``gate`` holds them."""

    def __init__(self, wall: FakeWall | None = None) -> None:
        self.calls: list[tuple[str, str | None, float]] = []
        self.active = 0
        self.most_active = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.wall = wall

    async def __call__(
        self, backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
    ) -> SpeedResult:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        self.calls.append((backend.id, link.id if link else None, self.wall() if self.wall else 0))
        try:
            await self.gate.wait()
            await asyncio.sleep(0)
        finally:
            self.active -= 1
        return SpeedResult(backend.kind, "srv", 1e6, 5e5, 0.01, 1000, 1.0)


def make_tester(
    tmp_path: Path, runner: Recorder, wall: FakeWall | None = None, **config: Any
) -> SpeedtestRunner:
    journal = Journal(tmp_path / "journal.db", boot_id="b", **({"wall": wall} if wall else {}))
    cfg = SpeedtestConfig.model_validate(
        {
            "backends": [
                {
                    "id": "province",
                    "kind": "selfhosted",
                    "url": "http://10.200.0.1/",
                    "links": ["fibre", "4g"],
                },
                {"id": "iperf", "kind": "iperf3", "host": "10.200.0.1"},
            ],
            **config,
        }
    )
    links = [Link(id="fibre", kind="internet"), Link(id="4g", kind="mobile", role="backup")]
    budget = Budget(journal, 1 << 40, "Asia/Ho_Chi_Minh", **({"wall": wall} if wall else {}))
    return SpeedtestRunner(
        cfg, links, journal, budget, runner=runner, **({"wall": wall} if wall else {})
    )


async def test_a_run_is_every_backend_over_each_of_its_links_one_after_another(
    tmp_path: Path,
) -> None:
    runner = Recorder()
    t = make_tester(tmp_path, runner)
    outcomes = await t.run(t.plan(), "schedule")
    assert [(b, link) for b, link, _ in runner.calls] == [
        ("province", "fibre"), ("province", "4g"), ("iperf", None)
    ]  # fmt: skip
    assert [o.link for o in outcomes] == ["fibre", "4g", "default"]
    assert runner.most_active == 1


async def test_schedule_and_cli_runs_in_one_process_never_overlap(tmp_path: Path) -> None:
    runner = Recorder()
    runner.gate.clear()
    t = make_tester(tmp_path, runner)
    first = asyncio.create_task(t.run(t.plan(), "schedule"))
    second = asyncio.create_task(t.run(t.plan("iperf"), "cli"))
    await asyncio.sleep(0.05)
    assert runner.active == 1 and len(runner.calls) == 1  # the second waits for the lock
    runner.gate.set()
    await asyncio.wait_for(asyncio.gather(first, second), 10)
    assert runner.most_active == 1
    assert len(runner.calls) == 4


async def test_a_test_in_another_process_holds_the_next_one_back(tmp_path: Path) -> None:
    """The file lock beside the journal, held by a real second process."""
    runner = Recorder()
    t = make_tester(tmp_path, runner)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
         "print('held', flush=True); sys.stdin.read()", str(lock_path(t.journal.path))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        waited = asyncio.Event()
        task = asyncio.create_task(t.run(t.plan("iperf"), "schedule", on_wait=waited.set))
        await asyncio.wait_for(waited.wait(), 5)
        await asyncio.sleep(0.3)  # a poll period and more: still waiting
        assert runner.calls == [] and not task.done()
        assert holder.stdin is not None
        holder.stdin.close()  # the other process ends, its lock goes with it
        await asyncio.wait_for(task, 5)
        assert len(runner.calls) == 1
    finally:
        holder.kill()
        holder.wait()
        for pipe in (holder.stdin, holder.stdout):
            if pipe is not None:
                pipe.close()


async def test_run_schedule_starts_at_the_drawn_moments_inside_the_window(tmp_path: Path) -> None:
    wall = FakeWall(vn(23, 12))
    runner = Recorder(wall)
    t = make_tester(tmp_path, runner, wall, window={"start": "22:00", "end": "05:00"})
    s = Schedule(t.config, "Asia/Ho_Chi_Minh", lambda _w: False, random.Random(3))
    expected = Schedule(t.config, "Asia/Ho_Chi_Minh", lambda _w: False, random.Random(3))

    async def sleep(seconds: float) -> None:
        assert seconds <= 60.0  # sleeps in steps, re-reading the journal between them
        wall.now += seconds

    task = asyncio.create_task(run_schedule(t, s, wall=wall, sleep=sleep))
    try:
        three_runs = "three runs of three tests"
        await wait_until_async(lambda: len(runner.calls) >= 9, 20, three_runs, interval=0)
    finally:
        task.cancel()
    runs = sorted({at for _b, _l, at in runner.calls[::3]})
    first = expected.first(vn(23, 12))
    assert first is not None and runs[0] == pytest.approx(first, abs=1e-6)
    for at in runs:
        assert expected.allowed(at), local(at)
    second = expected.after(runs[0])
    assert second is not None and runs[1] == pytest.approx(second, abs=1e-6)
