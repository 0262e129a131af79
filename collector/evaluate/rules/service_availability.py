"""OPS-247: the one-stop e-system (Một cửa điện tử) and the national portal (Cổng DVCQG) up 24/7:
one finding per system for the province, and each site's reachability of them.

Per system role of ``roles``: the site's ``service_state`` events of that role (every service of
the role up: available).  When at least ``central_outage_share`` of the sites that watch a system
lose it at the same time (and at least two sites), it is a CENTRAL OUTAGE (sự cố phía trung tâm):
the system itself was down, not the commune.

Two findings answer two questions:

- **The system** (:func:`system_findings`, site ``PROVINCE_SITE``, one per role): was it up 24/7?
  Its availability over the window is the time outside central outages over the time the province
  could have seen one.  A moment is known when at least as many sites as a central outage needs
  (``central_outage_share`` of the watchers, at least two) could witness it: they have data for
  the system and, if they lost it, not through their own power or link.  Fewer than two watchers,
  or unknown for more than ``max_unknown_ratio`` of the window: unknown, never met.  Its evidence
  is the outages, each with its start, end (or "not restored" while it lasts) and duration.
- **The site's reachability** (:func:`service_finding`, khả năng truy cập từ xã): could the
  commune reach it when it was up?  A loss inside a central outage has cause ``central`` and does
  not count against the site: up time over known time with the central part left out (the raw
  figure stays in the details), and the sentence names the central time left out, so that
  "100 %" is not read as "the system was up".

Only a loss the site cannot explain itself witnesses a central outage: one whose local cause is
power (mains lost, the UPS ran out) or the site's link down (:func:`timeline.local_cause` at the
loss's start) says nothing about the system, so half the province losing mains at once is many
local power cuts, not a central outage.  Such a site still counts among the watchers.

Two steps, so the province pass keeps only a little per site: :func:`service_view` (per site, from
its events) and :func:`service_finding` (once the central outages are known).  The registered rule
:func:`service_availability` does both with ``inputs.central``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from collector.evaluate.model import (
    PROVINCE_SITE,
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
    plural,
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
from sansang.i18n import CAUSES, SERVICE_ROLES, duration, local, percent

TARGET = "OPS-247"
KINDS = ("service_state",)
# Local causes that explain a site's loss by the site itself: no witness of a central outage.
NOT_WITNESSES: frozenset[Cause] = frozenset({"power", "link"})
# What a site's finding measures: reaching the system from the commune, not the system's uptime.
REACH_VI = "Khả năng truy cập từ xã (không tính sự cố phía trung tâm)"
REACH_EN = "Reachability from the commune (central outages left out)"


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
    ongoing: bool = False  # still down at the window's end: ``end`` is the window's, not its own

    def as_mapping(self) -> dict[str, float | int | str]:
        """For the rollup (the board's banner): ``name`` the system's Vietnamese name,
        ``ongoing`` 1 while it lasts (then ``end`` is only the window's end)."""
        return {
            "role": self.role,
            "name": SERVICE_ROLES.get(self.role, (self.role, self.role))[0],
            "start": self.start,
            "end": self.end,
            "ongoing": int(self.ongoing),
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
            changes_of(events, _key, gaps), changes_of(before.get(role, []), _key), gaps, window
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


def central_outages_of(
    views: Iterable[ServiceView], thresholds: Thresholds, until: float | None = None
) -> list[CentralOutage]:
    """Spans when at least ``central_outage_share`` of the sites watching a system (and at least
    two) had lost it at once; one sweep per role over every site's losses, but for those whose
    local cause is power or the site's link (:data:`NOT_WITNESSES`).  An outage that lasts to
    ``until`` (the window's end) is ``ongoing``."""
    share = number(thresholds, "central_outage_share")
    points: dict[str, list[tuple[float, int]]] = {}
    watchers: dict[str, int] = {}
    for view in views:
        for role, rv in view.roles.items():
            if not _watches(rv):
                continue  # a site that saw nothing of the system is no witness
            watchers[role] = watchers.get(role, 0) + 1
            for loss in rv.losses:
                if loss.cause not in NOT_WITNESSES:
                    points.setdefault(role, []).extend(((loss.start, 1), (loss.end, -1)))
    found: list[CentralOutage] = []
    for role, marks in points.items():
        found += _sweep_role(role, sorted(marks), _need(share, watchers[role]), watchers[role])
    if until is None:
        return found
    return [dataclasses.replace(o, ongoing=o.end >= until) for o in found]


def _watches(rv: RoleView) -> bool:
    return any(state is not None for _a, _b, state in rv.segments)


def _need(share: float, watchers: int) -> int:
    """Sites that must lose a system at once for a central outage."""
    return max(2, math.ceil(share * watchers - 1e-9))


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
    views = (service_view(s, thresholds, window) for s in sites)
    return central_outages_of(views, thresholds, until=window.end)


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
    """OPS-247 for one site: its reachability of each system (khả năng truy cập từ xã), its losses
    inside ``central`` (by role) not counted against it and named in the sentence."""
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
            vi.append(f"điểm này chưa theo dõi {name_vi}")
            en.append(f"{name_en} not watched from this site")
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
            vi.append(f"{name_vi} chưa đủ dữ liệu")
            en.append(f"{name_en} not enough data")
            continue
        ratio = counted.up / known
        details[f"{role}:ratio"] = round(ratio, 6)
        worst = ratio if worst is None else min(worst, ratio)
        statuses.append("met" if ratio >= minimum else "not_met")
        vi.append(f"{name_vi} {percent(ratio, 'vi')} thời gian")
        en.append(f"{name_en} {percent(ratio, 'en')} of the time")
        if central_down > 0:
            left_out = duration(central_down, "vi"), duration(central_down, "en")
            vi[-1] += f" (không tính {left_out[0]} hệ thống ngừng do sự cố phía trung tâm)"
            en[-1] += (
                f" (leaving out {left_out[1]} when the system itself was down: central outage)"
            )
        for loss in rv.losses:
            evidence.append(_loss_evidence(loss, spans, name_vi, name_en, window))
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
        vi=f"{REACH_VI}: " + "; ".join(vi) + f" (tối thiểu {percent(minimum, 'vi')})",
        en=f"{REACH_EN}: " + "; ".join(en) + f" (minimum {percent(minimum, 'en')})",
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


def _loss_evidence(
    loss: Loss, central: Sequence[Span], name_vi: str, name_en: str, window: Window
) -> Evidence:
    is_central = any(a <= loss.start < b for a, b in central)
    cause_vi, cause_en = CAUSES["central" if is_central else loss.cause]
    if is_central:
        cause_vi, cause_en = f"{cause_vi}; không tính cho điểm", f"{cause_en}; not counted"
    length = duration(loss.end - loss.start, "vi"), duration(loss.end - loss.start, "en")
    if loss.end >= window.end:  # not back when the window ends: its end is not known
        length = f"đã {length[0]}, chưa khôi phục", f"{length[1]} so far, not restored"
    return Evidence(
        "events",
        f"{name_vi} mất từ {local_time(loss.start)}, {length[0]} ({cause_vi})",
        f"{name_en} lost from {local_time(loss.start)}, {length[1]} ({cause_en})",
        loss.refs,
    )


def system_findings(
    views: Sequence[ServiceView],
    outages: Sequence[CentralOutage],
    thresholds: Thresholds,
    window: Window,
) -> list[Finding]:
    """OPS-247 for the province: one finding per system of ``roles`` (site ``PROVINCE_SITE``),
    its availability over the window from what every site saw (``outages``: the central
    outages of ``views``)."""
    share = number(thresholds, "central_outage_share")
    return [
        _system_finding(
            role,
            [rv for v in views if (rv := v.roles.get(role)) is not None and _watches(rv)],
            [o for o in outages if o.role == role],
            share,
            thresholds,
            window,
        )
        for role in names(thresholds, "roles")
    ]


def _system_finding(
    role: str,
    watched: Sequence[RoleView],
    outages: Sequence[CentralOutage],
    share: float,
    thresholds: Thresholds,
    window: Window,
) -> Finding:
    minimum = number(thresholds, "min_availability_ratio")
    max_unknown = number(thresholds, "max_unknown_ratio")
    name_vi, name_en = SERVICE_ROLES.get(role, (role, role))
    watchers, need = len(watched), _need(share, len(watched))
    seen = _seen_spans(watched, need)
    known = sum(b - a for a, b in seen)
    down_spans = merge((o.start, o.end) for o in outages)
    down = tally(clip([(a, b, False) for a, b in down_spans], seen)).down
    unknown = window.seconds - known
    details: dict[str, float | int | str | None] = {
        "role": role,
        "system": name_vi,
        "watchers": watchers,
        "min_sites": need,
        "outages": len(outages),
        "down_seconds": round(down, 3),
        "unknown_seconds": round(unknown, 3),
        "ongoing": int(any(o.ongoing for o in outages)),
    }
    evidence = [_outage_evidence(o, watched, name_vi, name_en, window) for o in outages]
    status: Status
    value: float | None = None
    if watchers < 2:
        status = "unknown"
        vi = (
            f"{name_vi}: chỉ {watchers} điểm theo dõi, cần ít nhất 2 điểm để phân biệt hệ thống "
            "ngừng với sự cố tại một điểm"
        )
        en = (
            f"{name_en}: only {plural(watchers, 'site')} watching, at least 2 are needed to tell "
            "the system down from one site's trouble"
        )
    elif known <= 0 or unknown > max_unknown * window.seconds:
        status = "unknown"
        seen_vi, seen_en = (
            percent(known / window.seconds, "vi"),
            percent(known / window.seconds, "en"),
        )
        vi = (
            f"{name_vi}: chưa đủ điểm theo dõi để biết hệ thống có hoạt động không (chỉ {seen_vi} "
            f"thời gian có từ {need} trên {watchers} điểm theo dõi có dữ liệu)"
        )
        en = (
            f"{name_en}: too few sites watching to tell whether it was up (at least {need} of "
            f"{watchers} watching sites had data for only {seen_en} of the window)"
        )
    else:
        value = (known - down) / known
        status = "met" if value >= minimum else "not_met"
        vi, en = _system_sentences(value, down, outages, unknown, watchers, name_vi, name_en)
    return Finding(
        target=TARGET,
        site=PROVINCE_SITE,
        status=status,
        value=value,
        threshold=minimum,
        unit="ratio",
        window=window,
        vi=f"{vi} (tối thiểu {percent(minimum, 'vi')})",
        en=f"{en} (minimum {percent(minimum, 'en')})",
        evidence=tuple(evidence[:MAX_REFS]),
        cause="central" if status == "not_met" else None,
        details=details,
    )


def _system_sentences(
    ratio: float,
    down: float,
    outages: Sequence[CentralOutage],
    unknown: float,
    watchers: int,
    name_vi: str,
    name_en: str,
) -> tuple[str, str]:
    vi = f"{name_vi} hoạt động {percent(ratio, 'vi')} thời gian, theo {watchers} điểm theo dõi"
    en = f"{name_en} up {percent(ratio, 'en')} of the time, as {watchers} watching sites saw it"
    if outages:
        vi += f"; ngừng {duration(down, 'vi')} do sự cố phía trung tâm ({len(outages)} lần)"
        en += f"; down {duration(down, 'en')} in {plural(len(outages), 'central outage')}"
        if any(o.ongoing for o in outages):
            vi += ", vẫn đang ngừng"
            en += ", still down"
    else:
        vi += "; không có sự cố phía trung tâm"
        en += "; no central outage"
    if unknown > 0:
        vi += f"; không tính {duration(unknown, 'vi')} không đủ điểm theo dõi"
        en += f"; leaving out {duration(unknown, 'en')} with too few sites watching"
    return vi, en


def _seen_spans(watched: Sequence[RoleView], need: int) -> list[Span]:
    """When at least ``need`` sites could witness an outage of the system: they have data for
    it, and are either up or lost it through no power or link trouble of their own."""
    marks: list[tuple[float, int]] = []
    for rv in watched:
        own = {(loss.start, loss.end) for loss in rv.losses if loss.cause in NOT_WITNESSES}
        for a, b, state in rv.segments:
            if state is True or (state is False and (a, b) not in own):
                marks += ((a, 1), (b, -1))
    spans: list[Span] = []
    count = 0
    start: float | None = None
    for t, step in sorted(marks):  # ends (-1) sort before starts (+1) at the same instant
        count += step
        if count >= need and start is None:
            start = t
        elif count < need and start is not None:
            if t > start:
                spans.append((start, t))
            start = None
    return merge(spans)


def _outage_evidence(
    outage: CentralOutage, watched: Sequence[RoleView], name_vi: str, name_en: str, window: Window
) -> Evidence:
    """One central outage: start, end (or not restored while it lasts), duration, how many sites
    lost it; its refs the sites' loss events."""
    start_vi = start_en = _when(outage.start)
    if outage.start <= window.start:
        start_vi, start_en = f"trước {start_vi}", f"before {start_en}"
    length_vi, length_en = (
        duration(outage.end - outage.start, "vi"),
        duration(outage.end - outage.start, "en"),
    )
    if outage.ongoing:
        vi = f"{name_vi} ngừng hoạt động từ {start_vi}, chưa khôi phục khi hết kỳ (đã {length_vi})"
        en = f"{name_en} down since {start_en}, not restored by the window's end"
        en += f" ({length_en} so far)"
    else:
        end = _when(outage.end)
        vi = f"{name_vi} ngừng hoạt động từ {start_vi} đến {end} ({length_vi})"
        en = f"{name_en} down from {start_en} to {end} ({length_en})"
    central_vi, central_en = CAUSES["central"]
    refs = [
        loss.refs[0]
        for rv in watched
        for loss in rv.losses
        if loss.refs
        and loss.cause not in NOT_WITNESSES
        and loss.start < outage.end
        and loss.end > outage.start
    ]
    return Evidence(
        "events",
        f"{vi}: {outage.sites}/{outage.watchers} điểm theo dõi cùng mất ({central_vi})",
        f"{en}: {outage.sites} of {outage.watchers} watching sites lost it ({central_en})",
        tuple(refs[:MAX_REFS]),
    )


def _when(t: float) -> str:
    """``09/06/2026 08:00`` in Vietnam's time."""
    return local(t).strftime("%d/%m/%Y %H:%M")


def province(
    views: Sequence[ServiceView],
    survey: Sequence[SurveyPoint],
    thresholds: Thresholds,
    window: Window,
) -> ProvinceResult:
    """Every site's finding once the province's central outages are known, and one finding per
    system for the province; the outages go to OPS-247's rollup (the board's banner)."""
    outages = central_outages_of(views, thresholds, until=window.end)
    central = central_by_role(outages)
    return ProvinceResult(
        [service_finding(v, central, thresholds, window) for v in views],
        province_findings=system_findings(views, outages, thresholds, window),
        central_outages=[o.as_mapping() for o in outages],
    )


RULE = RuleEntry(
    service_availability,
    KINDS,
    frozenset({"min_availability_ratio", "roles", "central_outage_share", "max_unknown_ratio"}),
    ProvincePass(service_view, province),
)
