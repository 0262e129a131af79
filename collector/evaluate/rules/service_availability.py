"""OPS-247: the one-stop e-system (Một cửa điện tử) and the national portal (Cổng DVCQG) as seen
from every site, 24 hours a day.

Per system role of ``roles``: the site's ``service_state`` events of that role (every service of
the role up: available).  When at least ``central_outage_share`` of the sites that watch a system
lose it at the same time (and at least two sites), it is a CENTRAL OUTAGE (sự cố phía trung tâm):
the system itself was down, not the commune.  A site's loss inside a central outage has cause
``central`` and does not count against the site: availability is up time over known time with the
central part left out; the raw figure stays in the details.

Only a loss the site cannot explain itself witnesses a central outage: one whose local cause is
power (mains lost, the UPS ran out) or the site's link down (:func:`timeline.local_cause` at the
loss's start) says nothing about the system, so half the province losing mains at once is many
local power cuts, not a central outage.  Such a site still counts among the watchers.

Two steps, so the province pass keeps only a little per site: :func:`service_view` (per site, from
its events) and :func:`service_finding` (once the central outages are known).  The registered rule
:func:`service_availability` does both with ``inputs.central``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from collector.evaluate.model import (
    Cause,
    Evidence,
    Finding,
    ProvincePass,
    ProvinceResult,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import (
    MAX_REFS,
    finding,
    local_time,
    names,
    number,
)
from collector.evaluate.timeline import (
    Segment,
    Span,
    agent_gaps,
    changes_of,
    clip,
    local_cause,
    merge,
    site_index,
    sweep,
    tally,
)
from collector.events import StoredEvent
from collector.inventory.model import Site
from collector.survey import SurveyPoint
from sansang.i18n import CAUSES, SERVICE_ROLES, duration, percent

TARGET = "OPS-247"
KINDS = ("service_state",)
# Local causes that explain a site's loss by the site itself: no witness of a central outage.
NOT_WITNESSES: frozenset[Cause] = frozenset({"power", "link"})


@dataclass(frozen=True)
class Loss:
    start: float
    end: float
    cause: Cause  # the local cause (power, link, device, agent); central is decided later
    refs: tuple[str, ...]


@dataclass(frozen=True)
class RoleView:
    """One system as one site saw it."""

    segments: Sequence[Segment]
    losses: Sequence[Loss]


@dataclass(frozen=True)
class ServiceView:
    """What OPS-247 keeps of a site between the province pass and the central outages."""

    site: Site
    roles: Mapping[str, RoleView]  # only the roles the site watches


@dataclass(frozen=True)
class CentralOutage:
    role: str
    start: float
    end: float
    sites: int  # sites that lost it at the worst moment
    watchers: int  # sites that watch the system

    def as_mapping(self) -> dict[str, float | int | str]:
        return {
            "role": self.role,
            "start": self.start,
            "end": self.end,
            "sites": self.sites,
            "watchers": self.watchers,
            "share": round(self.sites / self.watchers, 4) if self.watchers else 0.0,
        }


def service_view(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> ServiceView:
    roles = names(thresholds, "roles")
    index = site_index(inputs)
    by_role: dict[str, list[StoredEvent]] = {}
    for e in index.kind("service_state"):
        role = e.details.get("role")
        if role in roles:
            by_role.setdefault(str(role), []).append(e)
    before: dict[str, list[StoredEvent]] = {}
    for e in index.before("service_state"):
        if e.details.get("role") in roles:
            before.setdefault(str(e.details["role"]), []).append(e)
    gaps = agent_gaps(inputs, window)
    views: dict[str, RoleView] = {}
    for role in roles:
        events = by_role.get(role, [])
        if not events and role not in before:
            continue
        segments = sweep(
            changes_of(events, _key), changes_of(before.get(role, []), _key), gaps, window
        )
        losses = [
            Loss(a, b, local_cause(index, a), _refs(events, a, b))
            for a, b, state in segments
            if state is False
        ]
        views[role] = RoleView(segments, losses)
    return ServiceView(inputs.site, views)


def _key(e: StoredEvent) -> tuple[str, str, bool | None]:
    return e.subject, "", e.state == "up"


def _refs(events: Sequence[StoredEvent], start: float, end: float) -> tuple[str, ...]:
    return tuple(e.ref for e in events if start <= e.wall_time <= end)[:4]


def central_outages_of(views: Iterable[ServiceView], thresholds: Thresholds) -> list[CentralOutage]:
    """Spans when at least ``central_outage_share`` of the sites watching a system (and at least
    two) had lost it at once; one sweep per role over every site's losses, but for those whose
    local cause is power or the site's link (:data:`NOT_WITNESSES`)."""
    share = number(thresholds, "central_outage_share")
    points: dict[str, list[tuple[float, int]]] = {}
    watchers: dict[str, int] = {}
    for view in views:
        for role, rv in view.roles.items():
            if all(state is None for _a, _b, state in rv.segments):
                continue  # a site that saw nothing of the system is no witness
            watchers[role] = watchers.get(role, 0) + 1
            for loss in rv.losses:
                if loss.cause not in NOT_WITNESSES:
                    points.setdefault(role, []).extend(((loss.start, 1), (loss.end, -1)))
    found: list[CentralOutage] = []
    for role, marks in points.items():
        need = max(2, math.ceil(share * watchers[role] - 1e-9))
        found += _sweep_role(role, sorted(marks), need, watchers[role])
    return found


def _sweep_role(
    role: str, marks: Sequence[tuple[float, int]], need: int, watchers: int
) -> list[CentralOutage]:
    found: list[CentralOutage] = []
    down = peak = 0
    start: float | None = None
    for t, step in marks:  # ends (-1) sort before starts (+1) at the same instant
        down += step
        if down >= need and start is None:
            start, peak = t, down
        elif start is not None:
            peak = max(peak, down)
            if down < need:
                if t > start:
                    found.append(CentralOutage(role, start, t, peak, watchers))
                start = None
    return found


def central_outages(
    sites: Iterable[SiteInputs], thresholds: Thresholds, window: Window
) -> list[CentralOutage]:
    """The province's central outages from every site's inputs."""
    return central_outages_of((service_view(s, thresholds, window) for s in sites), thresholds)


def central_by_role(outages: Iterable[CentralOutage]) -> dict[str, list[Span]]:
    spans: dict[str, list[Span]] = {}
    for o in outages:
        spans.setdefault(o.role, []).append((o.start, o.end))
    return {role: merge(s) for role, s in spans.items()}


def service_availability(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    view = service_view(inputs, thresholds, window)
    return service_finding(view, inputs.central, thresholds, window)


def service_finding(
    view: ServiceView,
    central: Mapping[str, Sequence[Span]],
    thresholds: Thresholds,
    window: Window,
) -> Finding:
    """OPS-247 for one site, its losses inside ``central`` (by role) not counted against it."""
    minimum = number(thresholds, "min_availability_ratio")
    max_unknown = number(thresholds, "max_unknown_ratio")
    roles = names(thresholds, "roles")
    inputs = SiteInputs(view.site, ())
    details: dict[str, float | int | str | None] = {}
    statuses: list[Status] = []
    vi: list[str] = []
    en: list[str] = []
    local: dict[Cause, float] = {}
    evidence: list[Evidence] = []
    worst: float | None = None
    for role in roles:
        name_vi, name_en = SERVICE_ROLES.get(role, (role, role))
        rv = view.roles.get(role)
        if rv is None:
            statuses.append("unknown")
            vi.append(f"{name_vi}: điểm này chưa theo dõi")
            en.append(f"{name_en}: not watched from this site")
            continue
        spans = merge(central.get(role, ()))
        counted = tally(rv.segments)
        central_down = sum(b - a for a, b, s in clip(rv.segments, spans) if s is False)
        details[f"{role}:raw_ratio"] = _round(counted.ratio())
        details[f"{role}:central_seconds"] = round(central_down, 3)
        details[f"{role}:unknown_seconds"] = round(counted.unknown, 3)
        known = counted.known - central_down
        if known <= 0 or counted.unknown > max_unknown * window.seconds:
            statuses.append("unknown")
            vi.append(f"{name_vi}: chưa đủ dữ liệu")
            en.append(f"{name_en}: not enough data")
            continue
        ratio = counted.up / known
        details[f"{role}:ratio"] = round(ratio, 6)
        worst = ratio if worst is None else min(worst, ratio)
        statuses.append("met" if ratio >= minimum else "not_met")
        vi.append(f"{name_vi} truy cập được {percent(ratio, 'vi')} thời gian")
        en.append(f"{name_en} reachable {percent(ratio, 'en')} of the time")
        if central_down > 0:
            central_vi, central_en = CAUSES["central"]
            vi[-1] += f" (không tính {duration(central_down, 'vi')} {central_vi})"
            en[-1] += f" (leaving out {duration(central_down, 'en')} of {central_en})"
        for loss in rv.losses:
            evidence.append(_loss_evidence(loss, spans, name_vi, name_en))
            for a, b in _outside(loss, spans):
                local[loss.cause] = local.get(loss.cause, 0.0) + (b - a)
    status: Status = (
        "not_met" if "not_met" in statuses else "unknown" if "unknown" in statuses else "met"
    )
    cause: Cause = max(local, key=local.__getitem__) if local else "unknown"
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=worst,
        threshold=minimum,
        unit="ratio",
        vi="; ".join(vi) + f" (tối thiểu {percent(minimum, 'vi')})",
        en="; ".join(en) + f" (minimum {percent(minimum, 'en')})",
        evidence=evidence[:MAX_REFS],
        cause=cause,
        details=details,
    )


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None


def _outside(loss: Loss, spans: Sequence[Span]) -> list[Span]:
    """The parts of the loss outside the central outages."""
    parts: list[Span] = []
    now = loss.start
    for a, b in spans:
        if b <= now or a >= loss.end:
            continue
        if a > now:
            parts.append((now, a))
        now = max(now, b)
    if now < loss.end:
        parts.append((now, loss.end))
    return parts


def _loss_evidence(loss: Loss, central: Sequence[Span], name_vi: str, name_en: str) -> Evidence:
    is_central = any(a <= loss.start < b for a, b in central)
    cause_vi, cause_en = CAUSES["central" if is_central else loss.cause]
    if is_central:
        cause_vi, cause_en = f"{cause_vi}; không tính cho điểm", f"{cause_en}; not counted"
    length = loss.end - loss.start
    return Evidence(
        "events",
        f"{name_vi} mất từ {local_time(loss.start)}, {duration(length, 'vi')} ({cause_vi})",
        f"{name_en} lost from {local_time(loss.start)}, {duration(length, 'en')} ({cause_en})",
        loss.refs,
    )


def province(
    views: Sequence[ServiceView],
    survey: Sequence[SurveyPoint],
    thresholds: Thresholds,
    window: Window,
) -> ProvinceResult:
    """Every site's finding once the province's central outages are known; the outages go to
    OPS-247's rollup (the board's banner)."""
    outages = central_outages_of(views, thresholds)
    central = central_by_role(outages)
    return ProvinceResult(
        [service_finding(v, central, thresholds, window) for v in views],
        central_outages=[o.as_mapping() for o in outages],
    )


RULE = RuleEntry(
    service_availability,
    KINDS,
    frozenset({"min_availability_ratio", "roles", "central_outage_share", "max_unknown_ratio"}),
    ProvincePass(service_view, province),
)
