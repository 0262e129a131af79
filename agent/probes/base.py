"""What every probe shares: its config model base, what it returns, and what it is given.

A probe is ``async def run(spec, ctx) -> Outcome``.  A target that is down is data (an Outcome
with ``success=False`` and a reason), not an exception.  The runner owns the success, duration and
last-run series; a probe returns only its own samples.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import Field

from agent.power.reading import PowerReading
from sansang.models import StrictModel
from sansang.reasons import Reason
from sansang.units import Seconds


class ProbeSpec(StrictModel):
    """Fields every check has; each probe module subclasses it with its own ``probe`` literal."""

    probe: str
    interval: Seconds | None = Field(
        default=None, description="how often the check runs; default: `probes.interval`"
    )
    timeout: Seconds | None = Field(
        default=None, description="limit for one run; default: `probes.timeout`"
    )


@dataclass(frozen=True)
class Sample:
    """One value of a catalogued family.  ``labels`` excludes ``check`` (the runner adds it).

    ``increment=True`` marks a counter's increase during this run (ICMP packets sent in this
    run): the agent's state adds it to a running total per check, and that total is what gets
    exposed.  A probe stays stateless; a counter it reports still only goes up.
    """

    name: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)
    increment: bool = False


@dataclass(frozen=True)
class Observation:
    """A state the probe saw of something other than its target (an interface, the clock).

    The runner journals a change of (kind, subject) state.
    """

    kind: str  # event kind, e.g. "interface_state"
    subject: str  # e.g. "eth0"
    state: str  # e.g. "up" / "down"
    details: dict[str, str | float | int | bool | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Measurement:
    """A figure of this run to journal as it is, not as a state change (one round of echo
    requests: its median and jitter).  ``SiteState.record`` turns each into one event of
    ``kind`` (listed in ``sansang/events.py``) with no state: subject, value and details as
    given."""

    kind: str  # event kind, e.g. "link_quality"
    subject: str  # e.g. the quality target id
    value: float | None
    details: dict[str, str | float | int | bool | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    success: bool
    reason: Reason = "ok"  # machine code; the status page translates it into Vietnamese
    detail: str = ""  # short technical detail (never a secret)
    samples: list[Sample] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    reading: PowerReading | None = None  # power probes only: what the source said
    measurements: list[Measurement] = field(default_factory=list)  # journalled every run
    # What the probe saw of its own target that belongs to its state besides up/down (a
    # video-conference endpoint's signalling port: ``agent/probes/conference.py``).  Written into
    # the state event's details; a change of it journals the state again, even when up/down
    # stayed the same.  Codes and ids only, never a measured figure (it would change every run).
    state_details: dict[str, str | int | bool] = field(default_factory=dict)

    @classmethod
    def down(cls, reason: Reason, detail: str = "", samples: list[Sample] | None = None) -> Outcome:
        return cls(False, reason, detail, samples or [])


@dataclass(frozen=True)
class ProbeContext:
    check_id: str
    timeout: float
    logger: logging.Logger


SpecT = TypeVar("SpecT", bound=ProbeSpec)


@dataclass(frozen=True)
class ProbeKind(Generic[SpecT]):
    """A registry entry: the spec model, the run function, and how the CLI turns
    ``sansang agent probe KIND TARGET`` into a spec."""

    name: str
    spec: type[SpecT]
    run: Callable[[SpecT, ProbeContext], Awaitable[Outcome]]
    from_target: Callable[[str], SpecT]
    summary: str
    # "network": a `check:` of checks, services and terminals; "power": a `source:` of
    # `power.sources`; "host": the host section only; "quality": the jobs of `quality.targets`
    # (built by agent/jobs.py, never a `check:`); "terminal": built by agent/config from a
    # terminal's own fields (a video-conference endpoint with `signalling`), never a `check:`;
    # "security": the jobs of `security.hosts` (a machine's security measures over SSH).
    category: Literal["network", "power", "host", "quality", "terminal", "security"] = "network"
