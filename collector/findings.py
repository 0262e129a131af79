"""What a finding is (plain data): a target's verdict for a site (or the province) over a window,
with the evidence it rests on.

Beside :mod:`collector.events` and :mod:`collector.survey`, below both the store and the
evaluation: the store keeps a month's findings (:mod:`collector.periods`) and the evaluation
makes them, and neither imports the other's package for it.  :mod:`collector.evaluate.model`
re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from collector.targets import ThresholdValue

# The ``site`` of a finding about the province as a whole (a central system seen by every site,
# OPS-247): such findings are in ``province_findings``, never among the sites' ``findings``.
PROVINCE_SITE = "province"

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
class Evidence:
    """What a finding rests on: journal events, a PromQL query, inventory fields, survey points,
    a report kept (RPT-MONTHLY, RPT-CENTRAL), incidents kept (SEC-EARLY: refs are their pages,
    ``/incidents/12``); or, for a finding the rule could not give, the error
    (``collector.evaluate.failure``)."""

    kind: Literal["events", "query", "inventory", "survey", "report", "incident", "error"]
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
