"""The agent's memory of the latest results, and the rules that turn results into events.

``SiteState.record`` is called by the runner after every run of a job.  It keeps what the
exporter and the status page show, accounts terminal availability in service hours, and returns
the state changes to journal.  It is pure bookkeeping: no I/O, times are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agent.config.links import Link
from agent.jobs import STATE_EVENT, Job
from agent.links.state import LinkTracker
from agent.power.site import SitePower
from agent.power.tracker import PowerPolicy
from agent.probes.base import Outcome, Sample
from sansang.events import Change

if TYPE_CHECKING:
    from agent.links.bandwidth.runs import SpeedtestState


@dataclass
class JobRecord:
    job: Job
    outcome: Outcome | None = None
    duration: float = 0.0
    last_run_wall: float = 0.0
    last_run_mono_ns: int = 0
    runs: int = 0
    errors: int = 0
    state: str | None = None  # "up" / "down" ("checked" / "failed": security); None: not run
    since_wall: float = 0.0
    since_mono_ns: int = 0
    state_details: dict[str, Any] = field(default_factory=dict)  # Outcome.state_details journalled
    # terminals: time in service hours (seconds)
    service_up_seconds: float = 0.0
    service_observed_seconds: float = 0.0
    # running totals of the counters the probe reports as increments (Sample.increment)
    counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)


@dataclass
class ObservedState:
    state: str
    since_wall: float
    since_mono_ns: int
    details: dict[str, Any] = field(default_factory=dict)


def _with_counter_totals(
    totals: dict[tuple[str, tuple[tuple[str, str], ...]], float], outcome: Outcome
) -> Outcome:
    """Add this run's counter increments to the check's running totals, and return the outcome
    with the totals in their place; a counter seen once stays exposed on later runs."""
    if not totals and not any(s.increment for s in outcome.samples):
        return outcome
    for s in outcome.samples:
        if s.increment:
            key = (s.name, tuple(sorted(s.labels.items())))
            totals[key] = totals.get(key, 0.0) + s.value
    kept = [s for s in outcome.samples if not s.increment]
    running = [Sample(name, total, dict(labels)) for (name, labels), total in totals.items()]
    return replace(outcome, samples=kept + running)


def _state_of(job: Job, outcome: Outcome) -> str:
    """A job's state: ``up``/``down``; a security check's ``checked`` (the machine answered over
    SSH, whatever it said) or ``failed`` (it could not be asked)."""
    if job.role == "security":
        return "checked" if outcome.success else "failed"
    return "up" if outcome.success else "down"


def _link_tracker(jobs: list[Job], links: Sequence[Link]) -> LinkTracker:
    """The links of the config and of the quality jobs (``default``: the default route), with
    the targets measured over each."""
    targets: dict[str, list[str]] = {link.id: [] for link in links}
    backups = {link.id for link in links if link.role == "backup"}
    for job in jobs:
        if job.role == "quality":
            targets.setdefault(job.attributes["link"], []).append(job.attributes["target"])
            if job.attributes.get("link_role") == "backup":
                backups.add(job.attributes["link"])
    return LinkTracker(targets, backups)


class SiteState:
    def __init__(
        self,
        jobs: list[Job],
        is_open: Callable[[datetime], bool],
        power: SitePower | None = None,
        links: Sequence[Link] = (),
    ) -> None:
        self.records: dict[str, JobRecord] = {job.id: JobRecord(job) for job in jobs}
        self.observed: dict[tuple[str, str], ObservedState] = {}
        self._is_open = is_open
        self.power = power or SitePower(
            [j.id for j in jobs if j.role == "power"], PowerPolicy(), boot_id=""
        )
        self.speedtest: SpeedtestState | None = None  # set when speed tests are configured
        self.link_config: dict[str, Link] = {link.id: link for link in links}
        self.links = _link_tracker(jobs, links)

    def service_hours_open(self, wall: float) -> bool:
        return self._is_open(datetime.fromtimestamp(wall, UTC))

    def record(
        self,
        job: Job,
        outcome: Outcome,
        duration: float,
        wall: float,
        mono_ns: int,
        *,
        errored: bool = False,
    ) -> list[Change]:
        rec = self.records[job.id]
        if job.role == "terminal" and rec.state is not None:
            self._account_service_hours(rec, wall, mono_ns)
        rec.outcome = _with_counter_totals(rec.counters, outcome)
        rec.duration = duration
        rec.last_run_wall = wall
        rec.last_run_mono_ns = mono_ns
        rec.runs += 1
        rec.errors += int(errored)
        changes: list[Change] = []
        if job.role in STATE_EVENT:
            new_state = _state_of(job, outcome)
            if new_state != rec.state:
                changes.append(self._job_change(rec, new_state, wall, mono_ns))
                rec.state, rec.since_wall, rec.since_mono_ns = new_state, wall, mono_ns
            elif outcome.state_details != rec.state_details:
                # Same up/down, but what the state says besides changed (a video-conference
                # endpoint's signalling port stopped answering): journalled again, since kept.
                changes.append(self._job_change(rec, new_state, wall, mono_ns))
            rec.state_details = dict(outcome.state_details)
        if job.role == "power":
            reading = outcome.reading if outcome.success else None
            changes += self.power.update(job.id, reading, wall, mono_ns)
        changes += [
            Change(m.kind, m.subject, None, dict(m.details), m.value) for m in outcome.measurements
        ]
        if job.role == "quality":
            link, target = job.attributes["link"], job.attributes["target"]
            changes += self.links.round(link, target, outcome.success, mono_ns)
        for obs in outcome.observations:
            key = (obs.kind, obs.subject)
            old = self.observed.get(key)
            if old is None or old.state != obs.state:
                details: dict[str, Any] = dict(obs.details)
                if old is not None:
                    details["previous"] = old.state
                    details["previous_duration_seconds"] = (mono_ns - old.since_mono_ns) / 1e9
                changes.append(Change(obs.kind, obs.subject, obs.state, details))
                self.observed[key] = ObservedState(obs.state, wall, mono_ns, dict(obs.details))
        return changes

    def _job_change(self, rec: JobRecord, new_state: str, wall: float, mono_ns: int) -> Change:
        job = rec.job
        assert rec.outcome is not None
        details: dict[str, Any] = {
            "probe": job.probe.name,
            "reason": rec.outcome.reason,
            "detail": rec.outcome.detail,
            **job.attributes,
            **rec.outcome.state_details,
        }
        if rec.state is not None:
            details["previous"] = rec.state
            # By the monotonic clock: a wall-clock step cannot corrupt it.
            details["previous_duration_seconds"] = round((mono_ns - rec.since_mono_ns) / 1e9, 3)
        return Change(STATE_EVENT[job.role], job.id, new_state, details)

    def _account_service_hours(self, rec: JobRecord, wall: float, mono_ns: int) -> None:
        """Credit the time since the previous run to the previous state, when the centre was
        open at the start of that span (spans are one check interval long)."""
        span = (mono_ns - rec.last_run_mono_ns) / 1e9
        if span <= 0 or not self.service_hours_open(rec.last_run_wall):
            return
        rec.service_observed_seconds += span
        if rec.state == "up":
            rec.service_up_seconds += span

    # --- views -----------------------------------------------------------------------------------
    def jobs_of(self, role: str) -> list[JobRecord]:
        return [r for r in self.records.values() if r.job.role == role]

    def down(self) -> list[JobRecord]:
        return [r for r in self.records.values() if r.state == "down"]
