"""INF-EQUIP: the essential terminals (thiết bị đầu cuối) are registered and available in service
hours.

Every terminal of the inventory (and any other the journal reports) is followed through its
``terminal_state`` events; its availability is up time over known time inside the site's service
hours (the province's calendar with the site's changes, public holidays closed:
:mod:`collector.evaluate.hours`).  Not met when a kind of ``required_kinds`` is missing from the
inventory or a terminal is below ``min_availability_in_service``; unknown when a terminal has no
data for more than ``max_unknown_ratio`` of the service hours.  The sentence names the worst
terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from collector.evaluate.hours import service_spans
from collector.evaluate.model import (
    Cause,
    Evidence,
    Finding,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import (
    events_evidence,
    finding,
    names,
    number,
    refs_note,
)
from collector.evaluate.timeline import (
    SiteIndex,
    Tally,
    agent_gaps,
    changes_of,
    clip,
    local_cause,
    site_index,
    sweep,
    tally,
)
from collector.events import StoredEvent
from sansang.i18n import TERMINAL_KINDS, percent, printer_errors

TARGET = "INF-EQUIP"
KINDS = ("terminal_state",)


@dataclass(frozen=True)
class TerminalHours:
    """One terminal in service hours."""

    id: str
    kind: str
    name: str
    counted: Tally
    cause: Cause | None  # of its longest loss in service hours
    events: tuple[StoredEvent, ...]
    # What the terminal said of itself when its longest loss began (a printer's
    # ``printer_errors``: ``no_paper,jammed``), empty when nothing
    why: str = ""

    @property
    def availability(self) -> float | None:
        return self.counted.ratio()

    def label(self) -> tuple[str, str]:
        vi, en = TERMINAL_KINDS.get(self.kind, (self.kind, self.kind))
        shown = f" “{self.name}”" if self.name else ""
        return f"{vi}{shown} ({self.id})", f"{en}{shown} ({self.id})"


def terminal_hours(inputs: SiteInputs, window: Window) -> dict[str, TerminalHours]:
    """Every terminal's availability in service hours (computed once per site)."""
    index = site_index(inputs)
    found = index.memo.get("terminal_hours")
    if isinstance(found, dict):
        return found
    listed = {t.id: (t.kind, t.name) for t in inputs.site.terminals}
    by_id: dict[str, list[StoredEvent]] = {}
    for e in index.kind("terminal_state"):
        by_id.setdefault(e.subject, []).append(e)
    before = {e.subject: e for e in index.before("terminal_state")}
    gaps = agent_gaps(inputs, window)
    spans = service_spans(inputs.site, window)
    result: dict[str, TerminalHours] = {}
    for tid in dict.fromkeys([*listed, *by_id]):
        events = by_id.get(tid, [])
        kind, name = listed.get(tid, (_kind_of(events, before.get(tid)), ""))
        changes = changes_of(events, _key, gaps)
        initial = changes_of([before[tid]] if tid in before else [], _key)
        inside = clip(sweep(changes, initial, gaps, window), spans)
        result[tid] = TerminalHours(
            tid,
            kind,
            name,
            tally(inside),
            _worst_cause(index, inside),
            tuple(events),
            _why(events, before.get(tid), inside),
        )
    index.memo["terminal_hours"] = result
    return result


def _key(e: StoredEvent) -> tuple[str, str, bool | None]:
    return "t", "", e.state == "up"


def _kind_of(events: list[StoredEvent], before: StoredEvent | None) -> str:
    for e in [*events, *([before] if before else [])]:
        kind = e.details.get("kind")
        if isinstance(kind, str):
            return kind
    return "other"


def _worst_cause(index: SiteIndex, inside: list[tuple[float, float, bool | None]]) -> Cause | None:
    downs = [(b - a, a) for a, b, state in inside if state is False]
    if not downs:
        return None
    _length, start = max(downs)
    return local_cause(index, start)


def _why(
    events: list[StoredEvent],
    before: StoredEvent | None,
    inside: list[tuple[float, float, bool | None]],
) -> str:
    """The ``printer_errors`` of the down event that began the longest loss (the last down event
    at or before its start), so the sentence can say "máy in hết giấy"."""
    downs = [(b - a, a) for a, b, state in inside if state is False]
    if not downs:
        return ""
    _length, start = max(downs)
    said = ""
    for e in [*([before] if before else []), *events]:
        if e.wall_time > start:
            break
        if e.state == "down":
            errors = e.details.get("printer_errors")
            said = errors if isinstance(errors, str) else ""
    return said


def terminal_availability(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    minimum = number(thresholds, "min_availability_in_service")
    max_unknown = number(thresholds, "max_unknown_ratio")
    required = names(thresholds, "required_kinds")
    have = {t.kind for t in inputs.site.terminals}
    missing = [k for k in required if k not in have]
    hours = terminal_hours(inputs, window)
    known = [t for t in hours.values() if t.availability is not None]
    worst = min(known, key=lambda t: t.availability or 0.0, default=None)
    blind = [t for t in hours.values() if t.counted.unknown > max_unknown * t.counted.total]
    details: dict[str, float | int | str | None] = {
        "terminals": len(hours),
        "missing_kinds": ",".join(missing) or None,
        "terminals_without_data": len(blind),
        "worst_terminal": worst.id if worst else None,
    }
    for t in hours.values():
        ratio = t.availability
        details[f"availability:{t.id}"] = round(ratio, 4) if ratio is not None else None
    value = worst.availability if worst else None
    low = worst is not None and (worst.availability or 0.0) < minimum
    vi: list[str] = []
    en: list[str] = []
    if missing:
        kinds = [TERMINAL_KINDS.get(k, (k, k)) for k in missing]
        vi.append("Thiếu thiết bị: " + ", ".join(k[0].lower() for k in kinds))
        en.append("Missing: " + ", ".join(k[1].lower() for k in kinds))
    if worst is not None:
        name_vi, name_en = worst.label()
        verb = "chỉ hoạt động" if low else "hoạt động"
        shown, floor = percent(value or 0.0, "vi"), percent(minimum, "vi")
        vi.append(f"{name_vi} {verb} {shown} giờ phục vụ (tối thiểu {floor})")
        shown, floor = percent(value or 0.0, "en"), percent(minimum, "en")
        en.append(f"{name_en} up {shown} of service hours (minimum {floor})")
        if low and worst.why:
            vi[-1] += f", lâu nhất vì máy in {printer_errors(worst.why, 'vi')}"
            en[-1] += f", longest loss: printer {printer_errors(worst.why, 'en')}"
    if blind:
        vi.append(f"{len(blind)} thiết bị chưa có đủ số liệu")
        en.append(f"{len(blind)} terminals without enough data")
    status: Status
    if missing or low:
        status = "not_met"
        cause: Cause | None = "device" if missing or worst is None else worst.cause or "device"
    elif blind or worst is None:
        status, cause = "unknown", None
    else:
        status, cause = "met", None
    events = sorted((e for t in hours.values() for e in t.events), key=lambda e: e.wall_time)
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=value,
        threshold=minimum,
        unit="ratio",
        vi="; ".join(vi) or "Chưa khai báo thiết bị đầu cuối",
        en="; ".join(en) or "No terminal registered",
        evidence=[_evidence(events)] if events else [],
        cause=cause,
        details=details,
    )


def _evidence(events: list[StoredEvent]) -> Evidence:
    note_vi, note_en = refs_note(len(events))
    return events_evidence(events, f"Trạng thái thiết bị{note_vi}", f"Terminal states{note_en}")


RULE = RuleEntry(
    terminal_availability,
    KINDS,
    frozenset({"min_availability_in_service", "required_kinds", "max_unknown_ratio"}),
)
