"""Runs a :class:`~agent.diagnose.plan.Plan` layer by layer, bottom up, the checks of one layer
at once, and returns the :class:`~agent.diagnose.model.Diagnosis`.

Each probe job runs exactly as ``sansang agent probe`` runs one: ``Runner([job], state,
ignore).run_once(job)`` (the job's timeout, a cancel grace, an exception turned into a failed
outcome).  A check never raises out of here: whatever goes wrong becomes a ``fail`` result with
the reason, so one broken check cannot hide the layers above it.  Every layer runs even after a
failure below: the technician's record lists them all, and ``Diagnosis.first_failure`` names the
lowest.

A result may land in a later layer than its check was planned in (a router that says its WAN
port is down is the link's fault): it is shown and counted with that layer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from agent.diagnose import box, throughput, verdict
from agent.diagnose.discover import host_name
from agent.diagnose.model import LAYERS, CheckResult, Diagnosis, Layer
from agent.diagnose.plan import Plan, Planned
from agent.jobs import Job
from agent.probes.base import Outcome
from agent.runner import Runner
from agent.state import SiteState

# A check of diagnose's own (the journal) is bounded too: a disk that hangs is a failed check.
_OWN_CHECK_TIMEOUT = 10.0


class Progress(Protocol):
    """What the display is told as the run goes (``agent.diagnose.display.Display``)."""

    def layer_started(self, layer: Layer, total: int) -> None: ...

    def check_done(self, result: CheckResult) -> None: ...

    def layer_done(self, layer: Layer, results: list[CheckResult]) -> None: ...


async def diagnose(
    plan: Plan, progress: Progress | None = None, *, wall: Callable[[], float] = time.time
) -> Diagnosis:
    started = wall()
    carried: dict[Layer, list[CheckResult]] = {layer: [] for layer in LAYERS}
    measured: list[throughput.Measured] = []
    everything: list[CheckResult] = []
    for layer in LAYERS:
        planned = plan.layer(layer)
        concurrent = [p for p in planned if p.step not in ("speedtest", "bandwidth")]
        after = [p for p in planned if p.step in ("speedtest", "bandwidth")]
        if progress is not None:
            progress.layer_started(layer, len(planned))

        async def one(p: Planned) -> list[CheckResult]:
            results = await _guarded(p, plan, measured, wall)
            if progress is not None:
                for r in results:
                    progress.check_done(r)
            return results

        batches = await asyncio.gather(*(one(p) for p in concurrent))
        # a throughput test after the layer's rounds (it would load the line they measure)
        for p in after:
            batches.append(await one(p))
        own: list[CheckResult] = list(carried[layer])
        for r in (r for batch in batches for r in batch):
            if r.layer == layer or LAYERS.index(r.layer) < LAYERS.index(layer):
                own.append(r)
            else:
                carried[r.layer].append(r)
        everything += own
        if progress is not None:
            progress.layer_done(layer, own)
    return Diagnosis(
        site=plan.site,
        site_name=plan.site_name,
        commune=plan.commune,
        source=plan.source,
        started_at=started,
        finished_at=wall(),
        results=tuple(everything),
        host=host_name(),
    )


async def _guarded(
    p: Planned, plan: Plan, measured: list[throughput.Measured], wall: Callable[[], float]
) -> list[CheckResult]:
    started = time.perf_counter()
    try:
        results = await _check(p, plan, measured, wall)
    except Exception as err:  # a check never raises: its failure is a result
        results = [verdict.broken(p, err)]
    took = time.perf_counter() - started
    return [r if r.duration_seconds else _timed(r, took) for r in results]


async def _check(
    p: Planned, plan: Plan, measured: list[throughput.Measured], wall: Callable[[], float]
) -> list[CheckResult]:
    config = plan.config
    if p.step == "skip":
        return [verdict.skipped(p)]
    if p.step == "probe":
        assert p.job is not None
        started = time.perf_counter()
        outcome = await run_job(p.job)
        return [verdict.judge(p, outcome, wall(), time.perf_counter() - started)]
    assert config is not None, f"{p.step} needs a config"
    if p.step == "journal":
        check = asyncio.to_thread(box.journal_check, p, config)
        return [await asyncio.wait_for(check, _OWN_CHECK_TIMEOUT)]
    if p.step == "push":
        check = asyncio.to_thread(box.push_check, p, config, wall())
        return [await asyncio.wait_for(check, _OWN_CHECK_TIMEOUT)]
    if p.step == "speedtest":
        results, found = await throughput.speedtests(p, config)
        measured.extend(found)
        return results
    return [throughput.conference_bandwidth(p, measured)]


async def run_job(job: Job) -> Outcome:
    """One run of ``job``, as ``sansang agent probe`` does it (agent/commands.py ``_probe``)."""
    state = SiteState([job], lambda _when: True)

    async def ignore(_changes: object) -> None:
        return None

    return await Runner([job], state, ignore).run_once(job)


def _timed(result: CheckResult, seconds: float) -> CheckResult:
    return replace(result, duration_seconds=seconds)
