"""Fake probes and sinks for tests of the runtime (registered as ProbeKind objects, not in
PROBES)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from agent.jobs import Job, Role
from agent.metrics.exporter import AgentCollector, AgentIdentity
from agent.power.reading import PowerReading, parse_status
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec
from agent.state import SiteState
from sansang.events import Change

RunFn = Callable[[Any, ProbeContext], Awaitable[Outcome]]
HOST_FIXTURE = Path(__file__).parents[1] / "unit" / "fixtures" / "host" / "linux-vm-1.json"


class FakeSpec(ProbeSpec):
    probe: Literal["fake"] = "fake"


def fake_job(
    id_: str,
    run: RunFn,
    /,
    *,
    interval: float = 30.0,
    timeout: float = 5.0,
    role: Role = "check",
    **attrs: str,
) -> Job:
    kind = ProbeKind(f"fake_{id_}", FakeSpec, run, lambda _t: FakeSpec(), "a fake probe")
    return Job(id_, role, kind, FakeSpec(), interval, timeout, id_, attrs)


def always_open(_when: datetime) -> bool:
    return True


class Journalled:
    """The change sink: what the runner would journal."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    async def __call__(self, changes: list[Change]) -> None:
        self.changes.extend(changes)


def scrape(state: SiteState, identity: AgentIdentity | None = None) -> list[Any]:
    return list(AgentCollector(identity, state, None).collect())


def sample_values(families: list[Any]) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value for fam in families for s in fam.samples}


def value(families: list[Any], name: str, **labels: str) -> float | None:
    return sample_values(families).get((name, frozenset(labels.items())))


class PowerScript:
    """A power probe whose next answer the test sets."""

    def __init__(self) -> None:
        self.next: Outcome = Outcome.down("timeout", "no answer")

    def say(self, status: str | None, **numbers: Any) -> None:
        if status is None:
            self.next = Outcome.down("driver_not_connected", "ERR DRIVER-NOT-CONNECTED")
        else:
            reading = PowerReading(parse_status(status), model="Santak Blazer", **numbers)
            self.next = Outcome(True, reading=reading)

    async def __call__(self, _spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return self.next
