"""What the evaluator reads and what it returns (pure data; no I/O here).

A rule is a pure function ``rule(inputs, thresholds, window) -> Finding``: the same inputs give the
same finding, so a finding can be recomputed and explained.  Missing data is ``unknown``, never
``met``.  Rules are registered by the catalogue's ``rule`` name in ``collector.evaluate.rules``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from collector.events import StoredEvent
from collector.inventory.model import Site
from collector.targets import ThresholdValue

Status = Literal["met", "not_met", "unknown"]
STATUSES: tuple[Status, ...] = ("met", "not_met", "unknown")
Cause = Literal["power", "link", "device", "central", "agent", "unknown"]


@dataclass(frozen=True)
class Window:
    """The span a finding covers, Unix seconds, ``start <= t < end``."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SurveyPoint:
    """A coverage measurement from ``sansang survey`` (one JSON line per place)."""

    label: str
    latitude: float
    longitude: float
    wall_time: float
    download_bps: float | None
    upload_bps: float | None
    loss_ratio: float | None
    latency_seconds: float | None
    operator: str | None = None
    technology: str | None = None
    site: str | None = None  # the site it was taken for, when the surveyor said so


@dataclass(frozen=True)
class LiveSite:
    """What Prometheus says about a site now (``collector.live``); ``None`` is unknown."""

    queried_at: float
    up: bool | None = None  # the agent answers Prometheus' scrape
    mains_present: bool | None = None
    on_battery: bool | None = None
    links_up: Mapping[str, bool] = field(default_factory=dict)
    queries: tuple[str, ...] = ()  # the PromQL behind these values, for evidence


@dataclass(frozen=True)
class SiteInputs:
    """Everything a rule may read about one site."""

    site: Site  # from the inventory
    events: Sequence[StoredEvent]  # in the window, by wall time then seq
    # The newest state event per (kind, subject) before the window: the state at its start.
    before: Sequence[StoredEvent] = ()
    survey: Sequence[SurveyPoint] = ()
    live: LiveSite | None = None
    # OPS-247: the province's central outages by system role (``rules.service.central_outages``):
    # a loss inside one is not the site's fault.
    central: Mapping[str, Sequence[tuple[float, float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """What a finding rests on: journal events, a PromQL query, inventory fields, survey points."""

    kind: Literal["events", "query", "inventory", "survey"]
    vi: str  # one sentence, Vietnamese
    en: str
    refs: tuple[str, ...] = ()  # StoredEvent.ref values, PromQL text, inventory paths


@dataclass(frozen=True)
class Finding:
    target: str  # catalogue id, e.g. INF-PWR
    site: str  # site key, e.g. 23527-main
    status: Status
    value: float | None  # the measured figure, in `unit`
    threshold: ThresholdValue | None  # the figure it is held against
    unit: str  # "ratio", "Mbit/s", "outages", "minutes", ...
    window: Window
    vi: str  # the finding in a sentence a person reads: cause, not raw numbers
    en: str
    evidence: tuple[Evidence, ...] = ()
    cause: Cause | None = None  # for not met: the likely cause
    details: Mapping[str, float | int | str | None] = field(default_factory=dict)


Thresholds = Mapping[str, ThresholdValue]
Rule = Callable[[SiteInputs, Thresholds, Window], Finding]


@dataclass(frozen=True)
class TargetRollup:
    """One target across the province."""

    target: str
    met: int
    not_met: int
    unknown: int
    central_outages: Sequence[Mapping[str, float | int | str]] = ()  # OPS-247: see rules


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of every target for every site."""

    evaluated_at: float
    window: Window
    findings: Sequence[Finding]
    rollups: Sequence[TargetRollup]
    # INF-DZ, for the province's list to the carriers: the window's survey points tied to no
    # site whose coverage is below threshold (``rules.dead_zone_points``).
    dead_zone_points: Sequence[SurveyPoint] = ()
