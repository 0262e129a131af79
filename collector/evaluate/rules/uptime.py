"""INF-LINK: the site's connection to the province data centre and the national portal
(đường truyền thông suốt), as a share of the time the collector has data for, with its outages.

What counts (threshold ``roles``: ``province_datacenter`` and ``national_portal`` in the catalogue):
``service_state`` events whose ``details.role`` is one of them, and ``link_quality`` rounds to
targets of those roles (a target is reachable when a round over *some* link got a reply).  A site
that has neither falls back to ``link_state`` (connected when some link is up), then to
``check_state``.  Connected means every known target is reachable.

Time nobody was looking (agent stopped or dead, rounds silent for more than
``max_silence_minutes``, before any data) is unknown, not up: the ratio is over known time, and
when unknown covers more than ``max_unknown_ratio`` of the window the finding is unknown.

Central outages are left out: the target is the link from the centre to the commune, and a
province data centre or national portal that is itself down (at least ``central_outage_share`` of
the sites that watch it, and at least two, lose it at once with their power and links up: the
test of OPS-247, :func:`service.central_outages_of`, over INF-LINK's targets) is not the commune's
link.  Down time inside such an outage, when no other target was lost locally, counts neither up
nor down (the raw ratio stays in the details, the outage in the evidence with cause ``central``).
Two steps, as OPS-247: :func:`uptime_view` per site and :func:`uptime_finding` once the central
outages are known; :func:`uptime` does both with ``inputs.central``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from collector.evaluate.model import (
    Cause,
    Evidence,
    Finding,
    ProvincePass,
    ProvinceResult,
    RuleEntry,
    SiteInputs,
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
from collector.evaluate.rules.service_availability import (
    Loss,
    RoleView,
    ServiceView,
    central_by_role,
    central_outages_of,
)
from collector.evaluate.timeline import (
    Change,
    Segment,
    SiteIndex,
    Span,
    State,
    agent_gaps,
    changes_of,
    clip,
    down_spans,
    local_cause,
    merge,
    site_index,
    sweep,
    tally,
)
from collector.events import StoredEvent
from collector.survey import SurveyPoint
from sansang.i18n import CAUSES, duration, percent

TARGET = "INF-LINK"
KINDS = ("service_state", "link_quality", "link_state", "check_state")


Picker = Callable[[StoredEvent], tuple[str, str, State] | None]


def _role_key(roles: Collection[str]) -> Picker:
    wanted = frozenset(roles)

    def key(e: StoredEvent) -> tuple[str, str, State] | None:
        details = e.details
        if details.get("role") not in wanted:
            return None
        if e.kind == "link_quality":  # the most frequent: kept short
            received = details.get("received")
            up = received > 0 if isinstance(received, int | float) else e.value is not None
            return "target:" + e.subject, details.get("link") or "default", up
        if e.kind == "service_state":
            return "service:" + e.subject, "", e.state == "up"
        return None

    return key


def _link_key(e: StoredEvent) -> tuple[str, str, State] | None:
    return "links", e.subject, e.state == "up"


def _check_key(e: StoredEvent) -> tuple[str, str, State] | None:
    return f"check:{e.subject}", "", e.state == "up"


@dataclass(frozen=True)
class Followed:
    """The state changes INF-LINK follows, the state at the window's start, and their events
    (``picked[i]`` is the event of ``changes[i]``, ``picked_before[i]`` of ``initial[i]``)."""

    changes: list[Change]
    initial: list[Change]
    picked: list[StoredEvent]
    picked_before: list[StoredEvent]
    by_role: bool  # the changes are of targets with a role (not the link/check fallback)


def connectivity(
    index: SiteIndex, roles: Collection[str], window: Window, gaps: Sequence[Span]
) -> Followed:
    """What INF-LINK follows: targets of ``roles``, else links, else checks."""
    key = _role_key(roles)
    choices: tuple[tuple[tuple[str, ...], Picker], ...] = (
        (("service_state", "link_quality"), key),
        (("link_state",), _link_key),
        (("check_state",), _check_key),
    )
    for kinds, pick in choices:
        present = [k for k in kinds if index.kind(k)]
        events: Sequence[StoredEvent] = (
            index.kind(present[0])
            if len(present) == 1
            else sorted((e for k in present for e in index.kind(k)), key=_wall)
        )
        before = [e for k in kinds for e in index.before(k)]
        picked: list[StoredEvent] = []
        picked_before: list[StoredEvent] = []
        changes = changes_of(events, pick, gaps, picked)
        initial = changes_of(before, pick, (), picked_before)
        if changes or initial:
            return Followed(changes, initial, picked, picked_before, pick is key)
    return Followed([], [], [], [], False)


def _wall(e: StoredEvent) -> float:
    return e.wall_time


@dataclass(frozen=True)
class UptimeView:
    """What INF-LINK keeps of a site until the central outages are known."""

    inputs: SiteInputs  # without its events (the site and its central spans)
    segments: Sequence[Segment]
    outages: Sequence[Outage]  # with their local causes
    targets: ServiceView  # each role's segments and losses: the site as a witness


def uptime_view(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> UptimeView:
    silence = number(thresholds, "max_silence_minutes") * 60
    roles = names(thresholds, "roles")
    index = site_index(inputs)
    gaps = agent_gaps(inputs, window, max_silence=silence)
    followed = connectivity(index, roles, window, gaps)
    segments = sweep(followed.changes, followed.initial, gaps, window)
    outages = _outages(down_spans(segments), index, followed.picked, window)
    targets = _by_role(followed, index, gaps, window) if followed.by_role else {}
    bare = SiteInputs(inputs.site, (), central=inputs.central)
    return UptimeView(bare, segments, outages, ServiceView(inputs.site, targets))


def _by_role(
    followed: Followed, index: SiteIndex, gaps: Sequence[Span], window: Window
) -> dict[str, RoleView]:
    """Each role's reachability from the site (for the central test): its own sweep."""
    changes: dict[str, list[Change]] = {}
    initial: dict[str, list[Change]] = {}
    for change, e in zip(followed.changes, followed.picked, strict=True):
        changes.setdefault(str(e.details.get("role")), []).append(change)
    for change, e in zip(followed.initial, followed.picked_before, strict=True):
        initial.setdefault(str(e.details.get("role")), []).append(change)
    views: dict[str, RoleView] = {}
    for role in sorted({*changes, *initial}):
        segments = sweep(changes.get(role, []), initial.get(role, []), gaps, window)
        losses = [
            Loss(a, b, local_cause(index, max(a, window.start)), ())
            for a, b, state in segments
            if state is False
        ]
        views[role] = RoleView(segments, losses)
    return views


def uptime(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    return uptime_finding(
        uptime_view(inputs, thresholds, window), inputs.central, thresholds, window
    )


def uptime_finding(
    view: UptimeView,
    central: Mapping[str, Sequence[Span]],
    thresholds: Thresholds,
    window: Window,
) -> Finding:
    """INF-LINK for one site, its down time inside ``central`` (by role) left out."""
    minimum = number(thresholds, "min_uptime_ratio")
    max_unknown = number(thresholds, "max_unknown_ratio")
    inputs = view.inputs
    counted = tally(view.segments)
    central_part = _central_part(view, central)
    central_down = sum(b - a for a, b in central_part)
    known = counted.known - central_down
    ratio = counted.up / known if known > 0 else None
    details: dict[str, float | int | str | None] = {
        "up_seconds": round(counted.up, 3),
        "down_seconds": round(counted.down, 3),
        "unknown_seconds": round(counted.unknown, 3),
        "central_seconds": round(central_down, 3),
        "raw_ratio": round(r, 6) if (r := counted.ratio()) is not None else None,
        "ratio_of_window": round(counted.up / window.seconds, 6) if window.seconds else None,
    }
    if ratio is None or counted.unknown > max_unknown * window.seconds:
        share = counted.unknown / window.seconds if window.seconds else 1.0
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=ratio,
            threshold=minimum,
            unit="ratio",
            vi="Chưa đủ dữ liệu về đường truyền: không có số liệu "
            f"{percent(share, 'vi')} thời gian",
            en=f"Not enough link data: nothing known for {percent(share, 'en')} of the window",
            details=details,
        )
    outages = [_as_central(o, central_part) for o in view.outages]
    counted_outages = sum(1 for o in outages if o[2] != "central")
    details["outages"] = counted_outages
    causes: dict[Cause, float] = {}
    for start, end, cause in _local_losses(view, outages, central, central_part):
        causes[cause] = causes.get(cause, 0.0) + end - start
    main: Cause = max(causes, key=causes.__getitem__) if causes else "unknown"
    if causes:
        details["main_cause"] = main
    if outages:
        details["outage_began_before_window"] = int(outages[0][0] <= window.start)
    vi, en = _sentences(ratio, minimum, counted_outages, counted.down - central_down, main)
    if central_down > 0:
        central_vi, central_en = CAUSES["central"]
        vi += f" (không tính {duration(central_down, 'vi')} {central_vi})"
        en += f" (leaving out {duration(central_down, 'en')} of {central_en})"
    return finding(
        TARGET,
        inputs,
        window,
        "met" if ratio >= minimum else "not_met",
        value=ratio,
        threshold=minimum,
        unit="ratio",
        vi=vi,
        en=en,
        evidence=[_evidence(o) for o in outages[:MAX_REFS]],
        cause=main,
        details=details,
    )


def _sentences(
    ratio: float, minimum: float, outages: int, down: float, main: Cause
) -> tuple[str, str]:
    vi = (
        f"Đường truyền thông suốt {percent(ratio, 'vi')} thời gian có dữ liệu (tối thiểu "
        f"{percent(minimum, 'vi')})"
    )
    en = f"Links up {percent(ratio, 'en')} of the known time (minimum {percent(minimum, 'en')})"
    if outages:
        vi += f"; mất kết nối {outages} lần, tổng {duration(down, 'vi')}"
        vi += f", chủ yếu do {CAUSES[main][0]}"
        en += f"; {plural(outages, 'outage')}, {duration(down, 'en')} in all"
        en += f", mostly {CAUSES[main][1]}"
    return vi, en


def _central_part(view: UptimeView, central: Mapping[str, Sequence[Span]]) -> list[Span]:
    """The site's down time explained by central outages: inside the outage of some role the
    site follows, while no role was lost outside its own central outages."""
    if not central or not view.targets.roles:
        return []
    inside = merge(s for role in view.targets.roles for s in central.get(role, ()))
    if not inside:
        return []
    whole_down = down_spans(view.segments)
    local = merge(
        part
        for role, rv in view.targets.roles.items()
        for part in _minus(down_spans(rv.segments), merge(central.get(role, ())))
    )
    return _minus(_intersect(whole_down, inside), local)


def _local_losses(
    view: UptimeView,
    outages: Sequence[Outage],
    central: Mapping[str, Sequence[Span]],
    central_part: Sequence[Span],
) -> list[tuple[float, float, Cause]]:
    """The down time outside central outages with its local cause.  Beside a central outage
    the cause of each target's own loss (a link cut while the data centre is down is the
    link's), else the cause at each outage's start."""
    if not central_part:
        return [(start, end, cause) for start, end, cause, _refs in outages]
    return [
        (a, b, loss.cause)
        for role, rv in view.targets.roles.items()
        for loss in rv.losses
        for a, b in _minus([(loss.start, loss.end)], merge(central.get(role, ())))
    ]


def _intersect(spans: Sequence[Span], other: Sequence[Span]) -> list[Span]:
    return [(a, b) for a, b, _ in clip([(a, b, None) for a, b in spans], other)]


def _minus(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """``spans`` without ``holes`` (both sorted, merged)."""
    out: list[Span] = []
    j = 0
    for a, b in spans:
        now = a
        while j < len(holes) and holes[j][1] <= now:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < b:
            if holes[k][0] > now:
                out.append((now, holes[k][0]))
            now = max(now, holes[k][1])
            k += 1
        if now < b:
            out.append((now, b))
    return out


def _as_central(outage: Outage, central_part: Sequence[Span]) -> Outage:
    """An outage wholly inside the central part has cause ``central``."""
    start, end, _cause, refs = outage
    if central_part and not _minus([(start, end)], central_part):
        return (start, end, "central", refs)
    return outage


Outage = tuple[float, float, Cause, tuple[str, ...]]


def _outages(
    spans: Sequence[Span],
    index: SiteIndex,
    picked: Sequence[StoredEvent],
    window: Window,
) -> list[Outage]:
    times = [e.wall_time for e in picked]
    found: list[Outage] = []
    for start, end in spans:
        at = start if start > window.start else window.start
        cause = local_cause(index, at)
        lo, hi = bisect_left(times, start), bisect_right(times, end)
        refs = tuple(e.ref for e in picked[lo:hi] if e.wall_time in (start, end))
        found.append((start, end, cause, refs[:4]))
    return found


def _evidence(outage: Outage) -> Evidence:
    start, end, cause, refs = outage
    return Evidence(
        "events",
        f"Mất kết nối từ {local_time(start)}, {duration(end - start, 'vi')} ({CAUSES[cause][0]})",
        f"Down from {local_time(start)}, {duration(end - start, 'en')} ({CAUSES[cause][1]})",
        refs,
    )


def province(
    views: Sequence[UptimeView],
    survey: Sequence[SurveyPoint],
    thresholds: Thresholds,
    window: Window,
) -> ProvinceResult:
    """Every site's finding once the central outages of INF-LINK's targets (data centre, portal)
    are known from every site's view.  They are not listed in this target's rollup: the board's
    banner would show a portal outage twice (OPS-247 lists it)."""
    central = central_by_role(central_outages_of((v.targets for v in views), thresholds))
    return ProvinceResult([uptime_finding(v, central, thresholds, window) for v in views])


RULE = RuleEntry(
    uptime,
    KINDS,
    frozenset(
        {
            "min_uptime_ratio",
            "roles",
            "max_unknown_ratio",
            "max_silence_minutes",
            "central_outage_share",
        }
    ),
    ProvincePass(uptime_view, province),
)
