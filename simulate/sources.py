"""The simulated sources, injected where the agent meets the world: each job keeps its id, role,
spec, interval and probe name, and only its probe's ``run`` is replaced by one that asks the
scenario.  A quality round still goes through the quality probe's own code from its round-trip
times on (``agent.probes.quality``), and a throughput test through the agent's
``SpeedtestRunner`` (only the backend that moves the bytes is simulated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from agent.config.links import Link, SpeedtestBackend
from agent.jobs import Job
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from agent.probes import quality, security
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec
from agent.probes.conference import ANSWERED, ConferenceSpec
from simulate.scenario import SiteWorld

Clock = Callable[[], float]
SIMULATED = "mô phỏng / simulated"


def simulated_jobs(jobs: list[Job], world: SiteWorld, wall: Clock) -> list[Job]:
    """The agent's jobs with their probes answered by the scenario at the time ``wall`` says."""
    return [replace(job, probe=_kind(job, _answer(job, world, wall))) for job in jobs]


def _kind(job: Job, run: Callable[[Any, ProbeContext], Any]) -> ProbeKind[Any]:
    real = job.probe
    return ProbeKind(
        real.name, real.spec, run, real.from_target, f"{real.summary} ({SIMULATED})", real.category
    )


def _answer(job: Job, world: SiteWorld, wall: Clock) -> Callable[[Any, ProbeContext], Any]:
    if job.role == "power":

        async def power(spec: ProbeSpec, ctx: ProbeContext) -> Outcome:
            return Outcome(True, reading=world.ups_reading(wall()))

        return power
    if job.role == "quality":
        link = world.links_by_id[job.attributes["link"]]

        async def round_(spec: quality.QualitySpec, ctx: ProbeContext) -> Outcome:
            rtts = world.round_rtts(link, spec.role, wall(), spec.count)
            return quality._outcome(spec, ctx, rtts, [])

        return round_
    if job.role == "security":
        return _security(job, world, wall)
    return _reachability(job, world, wall)


def _security(job: Job, world: SiteWorld, wall: Clock) -> Callable[[Any, ProbeContext], Any]:
    """As ``agent.probes.security.run`` once the machine has answered (or not): the outcome and
    its samples from the probe's own code, what the machine says from the scenario."""

    async def run(spec: security.SecuritySpec, ctx: ProbeContext) -> Outcome:
        answer = world.security(job.id, wall())
        where = f"{spec.user}@{spec.host}:{spec.port}"
        if answer.reason is not None:
            reason = cast(security.SecurityReason, answer.reason)
            detail = f"{where}: no answer within {ctx.timeout:g}s ({SIMULATED})"
            return security._failed(spec, reason, detail)
        facts = answer.facts
        if spec.backup_path is None:  # the probe looks for backups only where told
            facts = replace(facts, backup_at=None)
        return Outcome(
            True,
            detail=SIMULATED,
            samples=security._samples(facts),
            state_details={
                "os": spec.os,
                **facts.known(),
                "backup_expected": spec.backup_path is not None,
            },
        )

    return run


def _reachability(job: Job, world: SiteWorld, wall: Clock) -> Callable[[Any, ProbeContext], Any]:
    terminal = next((t for t in world.site.terminals if t.id == job.id), None)

    async def run(spec: ProbeSpec, ctx: ProbeContext) -> Outcome:
        t = wall()
        if job.role == "service":
            up, reason = world.service(job.attributes["role"], t)
            if up:
                return Outcome(True)
            if reason == "http_status":
                return Outcome.down("http_status", f"HTTP 503 Service Unavailable ({SIMULATED})")
            return Outcome.down(reason, f"no answer within {ctx.timeout:g}s ({SIMULATED})")
        # A check is the LAN gateway: up while the site has power.
        up = world.terminal_up(terminal, t) if terminal is not None else world.powered(t)
        outcome = (
            Outcome(True)
            if up
            else Outcome.down("timeout", f"no answer within {ctx.timeout:g}s ({SIMULATED})")
        )
        if terminal is not None and isinstance(spec, ConferenceSpec):
            # As agent.probes.conference: its own check, and what its signalling port did.
            said = world.signalling(terminal, t)
            details: dict[str, str | int | bool] = {
                "signalling": ANSWERED if said == "ok" else said,
                "signalling_protocol": spec.protocol,
                "signalling_port": spec.port,
            }
            return replace(outcome, state_details=details)
        return outcome

    return run


def backend_runner(world: SiteWorld, wall: Clock) -> Any:
    """A throughput backend for ``SpeedtestRunner(runner=...)``: the bytes are simulated."""

    async def run(
        backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
    ) -> SpeedResult:
        plan = world.links_by_id[link.id] if link is not None else world.site.links[0]
        figures = world.throughput(plan, wall())
        if figures is None:
            raise SpeedtestError("unreachable", f"{backend.url}: no route ({SIMULATED})")
        down, up, latency = figures
        used = min(max_bytes, int((down + up) * duration))
        return SpeedResult(
            backend.kind, backend.url or "", down, up, latency, used, duration + 2 * latency + 0.5
        )

    return run
