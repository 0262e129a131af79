"""What the evaluator reads and what it returns (pure data; no I/O here).

A rule is a pure function ``rule(inputs, thresholds, window) -> Finding``: the same inputs give the
same finding, so a finding can be recomputed and explained.  Missing data is ``unknown``, never
``met``.  Each rule module exports its :class:`RuleEntry`; ``collector.evaluate.rules`` registers
them by the catalogue's ``rule`` name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from collector.events import StoredEvent
from collector.findings import PROVINCE_SITE as PROVINCE_SITE
from collector.findings import STATUSES as STATUSES
from collector.findings import Cause as Cause
from collector.findings import Evidence as Evidence
from collector.findings import Finding as Finding
from collector.findings import Status as Status
from collector.findings import Window as Window
from collector.incidents.model import SiteIncidents
from collector.inventory.model import Site
from collector.inventory.systems import System
from collector.survey import SurveyPoint
from collector.targets import ThresholdValue


@dataclass(frozen=True)
class LiveSite:
    """What Prometheus says about a site now (``collector.live``); ``None`` is unknown."""

    queried_at: float
    up: bool | None = None  # the agent answers Prometheus' scrape
    mains_present: bool | None = None
    on_battery: bool | None = None
    links_up: Mapping[str, bool] = field(default_factory=dict)
    # The TLS certificates the site's checks saw: check id -> when it expires (Unix seconds),
    # the value seen last within a day (an expired one writes none: the last one stands).
    tls_expiry: Mapping[str, float] = field(default_factory=dict)
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
    # OPS-247: the province's central outages by system role (``rules.service_availability``):
    # a loss inside one is not the site's fault.
    central: Mapping[str, Sequence[tuple[float, float]]] = field(default_factory=dict)
    # SEC-LEVEL: the inventory's information systems the site's centre uses
    # (``Inventory.systems_of``).
    systems: Sequence[System] = ()
    # SEC-EARLY: the site's incidents the store keeps and when the incident intake was heard
    # (``rules.incident_times``); None: not read.
    incidents: SiteIncidents | None = None


Thresholds = Mapping[str, ThresholdValue]
Rule = Callable[[SiteInputs, Thresholds, Window], Finding]
View = TypeVar("View")


@dataclass(frozen=True)
class ProvinceResult:
    """What a province-level pass gives once every site is seen."""

    findings: Sequence[Finding] = ()  # one per site: the pass's findings are all given here
    # About the province as a whole (site = PROVINCE_SITE), e.g. one per central system of OPS-247.
    province_findings: Sequence[Finding] = ()
    # For the target's rollup: OPS-247's central outages (``CentralOutage.as_mapping``).
    central_outages: Sequence[Mapping[str, float | int | str]] = ()
    dead_zone_points: Sequence[SurveyPoint] = ()  # INF-DZ: surveyed places tied to no site


@dataclass(frozen=True)
class ProvincePass(Generic[View]):
    """A rule that needs the whole province before it can judge a site.

    The evaluation streams the sites and lets each one go, so ``view`` keeps what the rule needs
    of a site and ``finish`` turns every site's view (with the window's survey points) into the
    findings and the province's lists.  OPS-247 and INF-LINK need it because a loss half the
    province shares is a central outage, not the commune's; INF-DZ because surveyed places tied
    to no site make the province's list to the carriers."""

    view: Callable[[SiteInputs, Thresholds, Window], View]
    finish: Callable[[Sequence[View], Sequence[SurveyPoint], Thresholds, Window], ProvinceResult]


@dataclass(frozen=True)
class RuleEntry:
    """One rule, registered under the catalogue's ``rule`` name (``collector.evaluate.rules``).

    ``thresholds`` names every threshold the rule (and its province pass) reads: each target of
    the rule declares exactly these in its catalogue block, with their values; the code holds no
    value of its own, so a province's override is what the rule reads."""

    evaluate: Rule  # one site alone (``inputs.central`` given): the finding a pass would give
    kinds: tuple[str, ...]  # the event kinds it reads, besides the agent's and the cause's
    thresholds: frozenset[str]
    province_pass: ProvincePass[Any] | None = None  # then the run takes the findings from it


@dataclass(frozen=True)
class TargetRollup:
    """One target across the province."""

    target: str
    met: int
    not_met: int
    unknown: int
    central_outages: Sequence[Mapping[str, float | int | str]] = ()  # OPS-247: see rules


@dataclass(frozen=True)
class EvaluationError:
    """A site's target the rule could not judge (its finding is ``unknown``, this the why)."""

    site: str
    target: str
    error: str  # the exception's type, e.g. TypeError
    message: str  # short, one line, values from the events left out


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of every target for every site."""

    evaluated_at: float
    window: Window
    findings: Sequence[Finding]
    rollups: Sequence[TargetRollup]
    # INF-DZ, for the province's list to the carriers: the window's survey points tied to no
    # site whose coverage is below threshold (``rules.dead_zone.dead_zone_points``).
    dead_zone_points: Sequence[SurveyPoint] = ()
    errors: Sequence[EvaluationError] = ()  # one per unknown finding a failure gave
    # About the province as a whole (site = PROVINCE_SITE): OPS-247 per central system.
    province_findings: Sequence[Finding] = ()
