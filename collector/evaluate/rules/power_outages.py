"""INF-PWR: mains outages at the commune office (mất điện); over the limits the site is a power
dead zone (điểm lõm điện).

Counted in the window: every ``mains_state restored`` (its value is the outage in seconds; longer
than ``sustained_after_minutes`` is sustained, else momentary: Thông tư 05/2025/TT-BCT, Điều 15),
the outages a ``mains_flapping ended`` summarises, and an outage still in progress at the window's
end (``lost`` with no ``restored``).  Minutes without mains are clipped to the window.  A UPS that
ran out (``ups_depleted``) sooner than ``min_ups_holdup_minutes`` is reported; a depletion the
agent retracted (``ups_depletion_retracted``: the UPS answered again on battery) is not: it gives
no hold-up figure.

Unknown when nothing watches the power (no UPS in the inventory and no power event at all), or when
the power sources were not answering for more than ``max_unknown_ratio`` of the window (time
without mains is known, even when the agent's host went down with it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from collector.evaluate.clock import started_at
from collector.evaluate.model import Evidence, Finding, RuleEntry, SiteInputs, Thresholds, Window
from collector.evaluate.rules._common import (
    events_evidence,
    finding,
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
    spans: list[Span] | None = None


def _value(e: StoredEvent) -> float | None:
    return e.value if isinstance(e.value, int | float) else None


def count_outages(index: SiteIndex, window: Window, sustained_after: float) -> Outages:
    """Outages ended in the window, the one in progress at its end, flapping summaries."""
    result = Outages(spans=[])
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
    _flapping(index, result)
    result.seconds += sum(b - a for a, b in _clipped(spans, window))
    return result


def _flapping(index: SiteIndex, result: Outages) -> None:
    before = index.before("mains_flapping")
    result.flapping_now = bool(before) and before[-1].state == "started"
    for e in index.kind("mains_flapping"):
        result.flapping_now = e.state == "started"
        if e.state != "ended":
            continue
        result.flapping += 1
        d = e.details
        result.sustained += _int(d.get("outages_sustained"))
        result.momentary += _int(d.get("outages_momentary"))
        result.seconds += _float(d.get("sustained_seconds")) + _float(d.get("momentary_seconds"))


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

    changes = changes_of(index.kind("power_source_state"), key)
    initial = changes_of(index.before("power_source_state"), key)
    if not changes and not initial:  # no source reports its own state: trust the mains events
        initial = [(window.start, "power", "", True)]
        segments = sweep([], initial, agent_gaps(inputs, window), window)
    else:
        segments = sweep(changes, initial, agent_gaps(inputs, window), window)
    unknown = [(a, b) for a, b, state in segments if state is None]
    covered = clip([(a, b, None) for a, b in unknown], merge(mains_off))
    return tally(segments).unknown - sum(b - a for a, b, _ in covered)


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
    short = [e for e in depleted if (_value(e) or 0.0) < min_holdup]
    details: dict[str, float | int | str | None] = {
        "sustained": counted.sustained,
        "momentary": counted.momentary,
        "outage_minutes": round(minutes, 1),
        "in_progress_since": counted.in_progress_since,
        "flapping_periods": counted.flapping,
        "flapping_now": int(counted.flapping_now),
        "ups_depleted": len(depleted),
        "ups_depleted_retracted": sum(e.wall_time >= window.start for e in resolved.retracted),
        "ups_short_holdup": len(short),
        "shortest_holdup_minutes": min(
            (round((_value(e) or 0.0) / 60, 1) for e in depleted), default=None
        ),
        "unknown_seconds": round(unknown, 3),
    }
    if unknown > max_unknown * window.seconds:
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
    dead = counted.sustained > max_sustained or minutes > max_minutes
    details["dead_zone"] = int(dead)
    vi, en = _sentences(counted, minutes, days, sustained_after, max_sustained, max_minutes, dead)
    if short:
        held = min(_value(e) or 0.0 for e in short)
        vi += (
            f"; bộ lưu điện cạn sau {duration(held, 'vi')} (tối thiểu {duration(min_holdup, 'vi')})"
        )
        en += f"; a UPS ran out after {duration(held, 'en')} (minimum {duration(min_holdup, 'en')})"
    return finding(
        TARGET,
        inputs,
        window,
        "not_met" if dead else "met",
        value=float(counted.sustained),
        threshold=max_sustained,
        unit="outages",
        vi=vi,
        en=en,
        evidence=_evidence(index, depleted),
        cause="power",
        details=details,
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
    """The province's power dead zones (danh sách điểm lõm điện): INF-PWR findings not met,
    the most minutes without mains first."""
    dead = [f for f in findings if f.target == TARGET and f.status == "not_met"]
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
