"""INF-PWR: mains outages at the commune office (mất điện); over the limits the site is a power
dead zone (điểm lõm điện).

Counted in the window: every ``mains_state restored`` (its value is the outage in seconds; longer
than ``sustained_after_minutes`` is sustained, else momentary: Thông tư 05/2025/TT-BCT, Điều 15),
the outages a ``mains_flapping ended`` summarises, and an outage still in progress at the window's
end (``lost`` with no ``restored``).  Minutes without mains are clipped to the window.

The UPS's hold-up (thời gian lưu điện): a ``ups_depleted`` in the window that falls inside a
mains outage (a ``lost``..``restored`` span, one still open, or a flapping period) ran flat after
its value in seconds on battery.  Under ``min_ups_holdup_minutes`` the site fails on hold-up,
cause power; the finding gives the hold-up seen beside the inventory's rated minutes
(``Ups.rated_minutes`` of the UPS the event names, else of the site's only UPS).  A depletion the
agent retracted (``ups_depletion_retracted``: the UPS answered again on battery) gives no hold-up
figure; nor does one outside any outage (the outage ended before the UPS ran flat: no failure of
hold-up).  ``host_lost_power`` is a lower bound (the agent's box went down with the UPS): the UPS
ran flat no later than the event (journalled when the box came back), so it fails when even that
is under the minimum, holds when the bound reaches it, and is undecided in between.

The parts are judged in this order and the first that fails decides the status and gives the
finding's value, threshold and unit: (1) sustained outages over ``max_sustained_outages``
(``outages``), (2) minutes without mains over ``max_outage_minutes`` (``minutes``), (3) a UPS that
ran flat before ``min_ups_holdup_minutes`` (``minutes``: the shortest hold-up seen).  Each is a
fact more data could not undo, so it stands however much of the window is unknown.  Met gives
the sustained outages against their maximum.  Only the first two make a power dead zone
(điểm lõm điện, :func:`power_dead_zones`): a UPS that runs flat is the commune's equipment, not
the grid.

Unknown when nothing watches the power (no UPS in the inventory and no power event at all), when
the power sources were not answering for more than ``max_unknown_ratio`` of the window (time
without mains is known, even when the agent's host went down with it), or when no part fails and
a hold-up is undecided (a lower bound under the minimum).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from collector.evaluate.clock import started_at
from collector.evaluate.model import Evidence, Finding, RuleEntry, SiteInputs, Thresholds, Window
from collector.evaluate.rules._common import (
    events_evidence,
    finding,
    local_time,
    number,
    plural,
    refs_note,
)
from collector.evaluate.timeline import (
    SiteIndex,
    Span,
    agent_gaps,
    changes_of,
    clip,
    depletions,
    merge,
    site_index,
    sweep,
    tally,
)
from collector.events import StoredEvent
from sansang.i18n import duration

TARGET = "INF-PWR"
POWER_KINDS = (
    "mains_state",
    "mains_flapping",
    "ups_depleted",
    "ups_depletion_retracted",
    "power_source_state",
    "battery_low",
    "ups_bypass",
    "ups_forced_shutdown",
)
KINDS = POWER_KINDS


@dataclass
class Outages:
    sustained: int = 0
    momentary: int = 0
    seconds: float = 0.0
    in_progress_since: float | None = None
    flapping: int = 0
    flapping_now: bool = False
    spans: list[Span] | None = None  # each outage from its loss, unclipped
    flapping_spans: list[Span] | None = None  # flapping periods (no single events inside)


def _value(e: StoredEvent) -> float | None:
    return e.value if isinstance(e.value, int | float) else None


def count_outages(index: SiteIndex, window: Window, sustained_after: float) -> Outages:
    """Outages ended in the window, the one in progress at its end, flapping summaries."""
    result = Outages(spans=[], flapping_spans=[])
    spans = result.spans
    assert spans is not None
    before = index.before("mains_state")
    open_since = before[-1].wall_time if before and before[-1].state == "lost" else None
    for e in index.kind("mains_state"):
        if e.state == "lost":
            open_since = e.wall_time if open_since is None else open_since
            continue
        if e.state != "restored":
            continue
        seconds = _value(e)
        start = started_at(e)  # the agent's monotonic length, ending where the event sits
        if start is None:
            start = open_since if open_since is not None else e.wall_time - (seconds or 0.0)
        if seconds is None:
            seconds = e.wall_time - start
        sustained = seconds > sustained_after
        result.sustained += sustained
        result.momentary += not sustained
        spans.append((start, e.wall_time))
        open_since = None
    if open_since is not None:
        result.in_progress_since = open_since
        spans.append((open_since, window.end))
        if window.end - open_since > sustained_after:
            result.sustained += 1
        else:
            result.momentary += 1
    _flapping(index, result, window)
    result.seconds += sum(b - a for a, b in _clipped(spans, window))
    return result


def _flapping(index: SiteIndex, result: Outages, window: Window) -> None:
    before = index.before("mains_flapping")
    result.flapping_now = bool(before) and before[-1].state == "started"
    since = before[-1].wall_time if result.flapping_now else None
    periods = result.flapping_spans
    assert periods is not None
    for e in index.kind("mains_flapping"):
        result.flapping_now = e.state == "started"
        if e.state == "started":
            since = e.wall_time if since is None else since
            continue
        if e.state != "ended":
            continue
        began = _float(e.details.get("started_wall_time_unix")) or since or e.wall_time
        periods.append((min(began, e.wall_time), e.wall_time))
        since = None
        result.flapping += 1
        d = e.details
        result.sustained += _int(d.get("outages_sustained"))
        result.momentary += _int(d.get("outages_momentary"))
        result.seconds += _float(d.get("sustained_seconds")) + _float(d.get("momentary_seconds"))
    if since is not None:
        periods.append((since, window.end))


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _clipped(spans: Iterable[Span], window: Window) -> list[Span]:
    return [
        (max(a, window.start), min(b, window.end))
        for a, b in merge(spans)
        if min(b, window.end) > max(a, window.start)
    ]


def _watched(inputs: SiteInputs, index: SiteIndex) -> bool:
    """Some power event exists, in the window or before it (a UPS in the inventory that never
    reported is not watched)."""
    return any(index.kind(k) or index.before(k) for k in POWER_KINDS)


def _unknown_seconds(
    inputs: SiteInputs, index: SiteIndex, window: Window, mains_off: Sequence[Span]
) -> float:
    def key(e: StoredEvent) -> tuple[str, str, bool | None]:
        return "power", e.subject, True if e.state == "up" else None  # down: blind, not off

    gaps = agent_gaps(inputs, window)
    changes = changes_of(index.kind("power_source_state"), key, gaps)
    initial = changes_of(index.before("power_source_state"), key)
    if not changes and not initial:  # no source reports its own state: trust the mains events
        initial = [(window.start, "power", "", True)]
        segments = sweep([], initial, gaps, window)
    else:
        segments = sweep(changes, initial, gaps, window)
    unknown = [(a, b) for a, b, state in segments if state is None]
    covered = clip([(a, b, None) for a, b in unknown], merge(mains_off))
    return tally(segments).unknown - sum(b - a for a, b, _ in covered)


@dataclass(frozen=True)
class Holdup:
    """One UPS that ran flat during a mains outage: how long it held, as far as is known."""

    event: StoredEvent  # the ``ups_depleted``
    outage_start: float  # the mains loss (or the flapping period's start)
    seconds: float  # held at least this long (the event's value)
    at_most: float  # and at most this long: the same, unless the value is a lower bound
    rated_minutes: float | None  # the inventory's figure for that UPS

    @property
    def lower_bound(self) -> bool:
        return self.at_most > self.seconds

    def short(self, minimum: float) -> bool:
        """Ran flat before ``minimum`` seconds, for certain."""
        return self.at_most < minimum

    def undecided(self, minimum: float) -> bool:
        return self.seconds < minimum <= self.at_most

    @property
    def shown(self) -> float:
        """The figure a person reads: what it held, or for a lower bound the most it can have."""
        return self.at_most


def _rated_minutes(inputs: SiteInputs, source: str) -> float | None:
    """The inventory's hold-up of the UPS the agent calls ``source``; the agent's source ids need
    not be the inventory's, so a site with one UPS gives that one's."""
    ups = inputs.site.ups
    named = [u for u in ups if u.id == source]
    chosen = named[0] if named else (ups[0] if len(ups) == 1 else None)
    return chosen.rated_minutes if chosen is not None else None


def _lower_bound(e: StoredEvent) -> bool:
    return e.details.get("lower_bound") is True or e.details.get("how") == "host_lost_power"


def holdups(
    inputs: SiteInputs, depleted: Sequence[StoredEvent], outages: Sequence[Span]
) -> tuple[list[Holdup], int]:
    """The depletions that fall inside a mains outage, with their hold-up; and how many fell
    inside none (the outage had ended: not a failure of hold-up)."""
    found: list[Holdup] = []
    outside = 0
    for e in depleted:
        starts = [a for a, b in outages if a <= e.wall_time <= b]
        if not starts:
            outside += 1
            continue
        start = max(starts)  # the latest loss before it: a flapping period holds several
        since_loss = e.wall_time - start
        held = _value(e)
        if held is None or held < 0:
            low, high = (0.0, since_loss) if _lower_bound(e) else (since_loss, since_loss)
        elif _lower_bound(e):
            low, high = held, max(held, since_loss)
        else:
            low = high = held
        found.append(Holdup(e, start, low, high, _rated_minutes(inputs, e.subject)))
    return found, outside


@dataclass(frozen=True)
class _Part:
    """One part of the target that failed: its figure decides the finding."""

    name: str  # "sustained", "minutes", "holdup"
    value: float
    threshold: float
    unit: str


def power_outages(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    sustained_after = number(thresholds, "sustained_after_minutes") * 60
    max_sustained = number(thresholds, "max_sustained_outages")
    max_minutes = number(thresholds, "max_outage_minutes")
    min_holdup = number(thresholds, "min_ups_holdup_minutes") * 60
    max_unknown = number(thresholds, "max_unknown_ratio")
    index = site_index(inputs)
    if not _watched(inputs, index):
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=None,
            threshold=max_sustained,
            unit="outages",
            vi=(
                "Chưa có số liệu nguồn điện: bộ lưu điện đã khai báo nhưng chưa gửi số liệu"
                if inputs.site.ups
                else "Chưa theo dõi nguồn điện: chưa khai báo bộ lưu điện, không có số liệu"
            ),
            en=(
                "No power data: a UPS is registered but never reported"
                if inputs.site.ups
                else "Power is not watched: no UPS registered and no power events"
            ),
        )
    counted = count_outages(index, window, sustained_after)
    mains_off = counted.spans or []
    unknown = _unknown_seconds(inputs, index, window, mains_off)
    days = round(window.seconds / 86400)
    minutes = counted.seconds / 60
    resolved = depletions(index)
    depleted = [e for e in resolved.standing if e.wall_time >= window.start]
    held, outside = holdups(inputs, depleted, [*mains_off, *(counted.flapping_spans or [])])
    short = sorted((h for h in held if h.short(min_holdup)), key=lambda h: h.shown)
    undecided = [h for h in held if h.undecided(min_holdup)]
    shortest = min(held, key=lambda h: (h.shown, h.event.wall_time), default=None)
    shown = short[0] if short else (undecided[0] if undecided else shortest)
    details: dict[str, float | int | str | None] = {
        "sustained": counted.sustained,
        "momentary": counted.momentary,
        "outage_minutes": round(minutes, 1),
        "in_progress_since": counted.in_progress_since,
        "flapping_periods": counted.flapping,
        "flapping_now": int(counted.flapping_now),
        "ups_depleted": len(depleted),
        "ups_depleted_retracted": sum(e.wall_time >= window.start for e in resolved.retracted),
        "ups_depleted_outside_outage": outside,
        "ups_short_holdup": len(short),
        "ups_holdup_undecided": len(undecided),
        "shortest_holdup_minutes": min(
            (round((_value(e) or 0.0) / 60, 1) for e in depleted), default=None
        ),
        "ups_holdup_seen_minutes": _minutes(shown.shown) if shown else None,
        "ups_holdup_lower_bound": int(shown.lower_bound) if shown else None,
        "ups_rated_minutes": shown.rated_minutes if shown else None,
        "unknown_seconds": round(unknown, 3),
    }
    dead = counted.sustained > max_sustained or minutes > max_minutes
    details["dead_zone"] = int(dead)
    failed = _first_failing(counted, minutes, short, max_sustained, max_minutes, min_holdup)
    details["failed_on"] = failed.name if failed else None
    vi, en = _sentences(counted, minutes, days, sustained_after, max_sustained, max_minutes, dead)
    if shown is not None and (short or undecided):
        more_vi, more_en = _holdup_sentence(shown, min_holdup, decided=bool(short))
        vi, en = f"{vi}; {more_vi}", f"{en}; {more_en}"
    evidence = _evidence(index, depleted)
    if shown is not None and (short or undecided):
        evidence.insert(0, _holdup_evidence(index, shown, min_holdup))
    if failed is None and unknown > max_unknown * window.seconds:
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=float(counted.sustained),
            threshold=max_sustained,
            unit="outages",
            vi="Chưa đủ dữ liệu về nguồn điện: bộ lưu điện không trả lời phần lớn thời gian",
            en="Not enough power data: the UPS did not answer most of the time",
            details=details,
        )
    if failed is None and undecided:
        h = undecided[0]
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=h.seconds / 60,
            threshold=min_holdup / 60,
            unit="minutes",
            vi=vi + " — chưa xác định được UPS có giữ đủ thời gian tối thiểu",
            en=en + " — whether the UPS held for the minimum cannot be told",
            evidence=evidence,
            details=details,
        )
    if failed is None:
        return finding(
            TARGET,
            inputs,
            window,
            "met",
            value=float(counted.sustained),
            threshold=max_sustained,
            unit="outages",
            vi=vi,
            en=en,
            evidence=evidence,
            details=details,
        )
    return finding(
        TARGET,
        inputs,
        window,
        "not_met",
        value=failed.value,
        threshold=failed.threshold,
        unit=failed.unit,
        vi=vi,
        en=en,
        evidence=evidence,
        cause="power",
        details=details,
    )


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def _first_failing(
    counted: Outages,
    minutes: float,
    short: Sequence[Holdup],
    max_sustained: float,
    max_minutes: float,
    min_holdup: float,
) -> _Part | None:
    """The first part that fails, in the module's order: sustained outages, minutes without
    mains, the UPS's hold-up; None when none does."""
    if counted.sustained > max_sustained:
        return _Part("sustained", float(counted.sustained), max_sustained, "outages")
    if minutes > max_minutes:
        return _Part("minutes", minutes, max_minutes, "minutes")
    if short:  # unrounded: 14 min 59 s must not read as the 15 required
        return _Part("holdup", short[0].shown / 60, min_holdup / 60, "minutes")
    return None


def _holdup_sentence(h: Holdup, minimum: float, *, decided: bool) -> tuple[str, str]:
    """``UPS cạn sau 3 phút (định mức 25 phút, tối thiểu 15 phút)``."""
    if h.lower_bound and decided:
        vi = f"UPS cạn trong vòng {duration(h.at_most, 'vi')}"
        en = f"the UPS ran flat within {duration(h.at_most, 'en')}"
    elif h.lower_bound:
        vi = (
            f"UPS cạn sau ít nhất {duration(h.seconds, 'vi')}, "
            f"muộn nhất {duration(h.at_most, 'vi')} (máy tác tử mất điện theo)"
        )
        en = (
            f"the UPS ran flat after at least {duration(h.seconds, 'en')}, "
            f"at most {duration(h.at_most, 'en')} (the agent's box went down with it)"
        )
    else:
        vi = f"UPS cạn sau {duration(h.seconds, 'vi')}"
        en = f"the UPS ran flat after {duration(h.seconds, 'en')}"
    rated_vi = rated_en = ""
    if h.rated_minutes is not None:
        rated_vi = f"định mức {duration(h.rated_minutes * 60, 'vi')}, "
        rated_en = f"rated {duration(h.rated_minutes * 60, 'en')}, "
    vi += f" ({rated_vi}tối thiểu {duration(minimum, 'vi')})"
    en += f" ({rated_en}minimum {duration(minimum, 'en')})"
    return vi, en


def _holdup_evidence(index: SiteIndex, h: Holdup, minimum: float) -> Evidence:
    """The outage's loss and the depletion that decided the hold-up."""
    lost = [
        e
        for e in (*index.before("mains_state"), *index.kind("mains_state"))
        if e.state == "lost" and abs(e.wall_time - h.outage_start) < 1.0
    ]
    vi, en = _holdup_sentence(h, minimum, decided=h.short(minimum))
    when = local_time(h.outage_start)
    return events_evidence(
        [*lost, h.event],
        f"Mất điện lúc {when}: {vi} (UPS {h.event.subject})",
        f"Mains lost at {when}: {en} (UPS {h.event.subject})",
    )


def _evidence(index: SiteIndex, depleted: Sequence[StoredEvent]) -> list[Evidence]:
    events = sorted(
        (*index.kind("mains_state"), *index.kind("mains_flapping"), *depleted),
        key=lambda e: e.wall_time,
    )
    if not events:
        return []
    note_vi, note_en = refs_note(len(events))
    return [events_evidence(events, "Sự kiện mất/có điện" + note_vi, "Mains events" + note_en)]


def _sentences(
    c: Outages, minutes: float, days: int, after: float, max_n: float, max_min: float, dead: bool
) -> tuple[str, str]:
    vi = (
        f"Mất điện {c.sustained} lần kéo dài trên {duration(after, 'vi')}, tổng "
        f"{duration(minutes * 60, 'vi')} trong {days} ngày (tối đa {int(max_n)} lần, "
        f"{duration(max_min * 60, 'vi')})"
    )
    en = (
        f"{plural(c.sustained, 'outage')} over {duration(after, 'en')}, "
        f"{duration(minutes * 60, 'en')} without mains in {days} days "
        f"(at most {int(max_n)}, {duration(max_min * 60, 'en')})"
    )
    if c.momentary:
        vi += f"; {c.momentary} lần chập chờn ngắn"
        en += f"; {c.momentary} momentary"
    if c.in_progress_since is not None:
        vi += "; đang mất điện"
        en += "; an outage is in progress"
    if dead:
        vi += " — điểm lõm điện"
        en += " — a power dead zone"
    return vi, en


def power_dead_zones(findings: Iterable[Finding]) -> list[Finding]:
    """The province's power dead zones (danh sách điểm lõm điện), for the power company: INF-PWR
    findings not met on the outages or the minutes without mains (not on a UPS that ran flat: the
    commune's own equipment), the most minutes without mains first."""
    dead = [
        f
        for f in findings
        if f.target == TARGET and f.status == "not_met" and f.details.get("dead_zone") == 1
    ]
    return sorted(dead, key=lambda f: (-float(f.details.get("outage_minutes") or 0), f.site))


RULE = RuleEntry(
    power_outages,
    KINDS,
    frozenset(
        {
            "sustained_after_minutes",
            "max_sustained_outages",
            "max_outage_minutes",
            "min_ups_holdup_minutes",
            "max_unknown_ratio",
        }
    ),
)
