"""SEC-EARLY: monitoring, early warning and incident response (tăng cường năng lực giám sát, cảnh
báo sớm, ứng cứu sự cố, 001 §2.2.6.a), judged per site from the incidents the store keeps
(:mod:`collector.incidents`; opened from Alertmanager's alerts or recorded by the police), not
from the journal: the evaluation run hands each site's incidents in ``inputs.incidents``.

As of the window's end, every incident of the site that touches the window (began before its
end and was not both restored and reported before its start) is held to three thresholds:

- detected within ``max_detect_minutes`` of its start (``detected_at - started_at``);
- restored within ``max_restore_hours`` (still open longer than that counts as late already);
- reported by its deadline, the end of the day ``report_within_days`` days after its start
  (QĐ 05/2017/QĐ-TTg, Điều 11); not reported when the deadline passed: "quá hạn báo cáo".

Not met names the incidents that broke a threshold (kind, start, which threshold, by how much);
met when every incident meets all three so far (one still within its limits is met: nothing
late yet, and the sentence says how many are still being handled).

No incident at all is evidence only when sansang was listening: met ("không có sự cố") when the
site's agent sent events in the window AND Alertmanager's webhook was heard before the window
began and within :data:`INTAKE_STALE` of its end; otherwise unknown, saying which is missing (a
silent site or an alert path that was not connected proves nothing).  The province-wide
incidents (a central outage) belong to no site and are not judged here.

Value: the number of incidents judged (unit ``incidents``), no threshold: the three thresholds
are in the sentence and in ``details``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from collector.evaluate.model import (
    Evidence,
    Finding,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import Details, finding, number
from collector.incidents.model import INCIDENT_KINDS, Incident, Intake
from sansang.i18n import duration, local, pick

TARGET = "SEC-EARLY"
# Incidents come from the store; that the site reported shows in the kinds every evaluation
# reads (the agent's heartbeat, link_quality, every round).
KINDS: tuple[str, ...] = ()
INTAKE_STALE = 86400.0  # Alertmanager re-sends what fires every few hours: a day of silence
NAMED = 3  # incidents named in a sentence before "và N sự cố khác"


@dataclass(frozen=True)
class Limits:
    detect: float  # seconds
    restore: float  # seconds
    days: float


@dataclass(frozen=True)
class Broken:
    incident: Incident
    vi: tuple[str, ...]
    en: tuple[str, ...]


def _when(t: float) -> str:
    return local(t).strftime("%H:%M %d/%m/%Y")


def _day(deadline: float) -> str:
    return local(deadline - 1).strftime("%d/%m/%Y")


def _judge(i: Incident, limits: Limits, end: float) -> Broken | None:
    """What ``i`` broke as of ``end``; None: nothing (yet)."""
    vi: list[str] = []
    en: list[str] = []
    if i.time_to_detect > limits.detect:
        vi.append(f"phát hiện sau {duration(i.time_to_detect, 'vi')}")
        en.append(f"detected after {duration(i.time_to_detect, 'en')}")
    restored = i.restored_at if i.restored_at is not None and i.restored_at <= end else None
    if restored is not None and restored - i.started_at > limits.restore:
        vi.append(f"khôi phục sau {duration(restored - i.started_at, 'vi')}")
        en.append(f"restored after {duration(restored - i.started_at, 'en')}")
    elif restored is None and end - i.started_at > limits.restore:
        vi.append(f"chưa khôi phục sau {duration(end - i.started_at, 'vi')}")
        en.append(f"not restored after {duration(end - i.started_at, 'en')}")
    deadline = i.deadline(limits.days)
    reported = i.reported_at if i.reported_at is not None and i.reported_at <= end else None
    if reported is not None and reported >= deadline:
        vi.append(f"báo cáo muộn ({_when(reported)}, hạn {_day(deadline)})")
        en.append(f"reported late ({_when(reported)}, due {_day(deadline)})")
    elif reported is None and end >= deadline:
        vi.append(f"quá hạn báo cáo (hạn {_day(deadline)})")
        en.append(f"report overdue (due {_day(deadline)})")
    return Broken(i, tuple(vi), tuple(en)) if vi else None


def _pending(i: Incident, end: float) -> bool:
    """Not yet restored or not yet reported as of ``end`` (within its limits so far)."""
    restored = i.restored_at is not None and i.restored_at <= end
    reported = i.reported_at is not None and i.reported_at <= end
    return not (restored and reported)


def _touching(incidents: Sequence[Incident], site: str, window: Window) -> list[Incident]:
    """The site's incidents known at the window's end that matter to it."""

    def settled_before(i: Incident) -> bool:
        done = (i.restored_at, i.reported_at)
        return all(t is not None and t < window.start for t in done)

    return sorted(
        (
            i
            for i in incidents
            if i.site == site
            and i.started_at < window.end
            and i.detected_at <= window.end
            and not settled_before(i)
        ),
        key=lambda i: (i.started_at, i.id),
    )


def _name(i: Incident, lang: str) -> str:
    kind = pick(INCIDENT_KINDS, i.kind, "vi" if lang == "vi" else "en")
    if lang == "vi":
        return f"{kind} bắt đầu {_when(i.started_at)} (sự cố #{i.id})"
    return f"{kind} from {_when(i.started_at)} (incident #{i.id})"


def _listening(inputs: SiteInputs, intake: Intake | None, window: Window) -> tuple[str, str] | None:
    """None when "no incident" is evidence; else why not (vi, en)."""
    if intake is None or intake.first_at > window.start:
        since_vi = f" (từ {_when(intake.first_at)})" if intake else ""
        since_en = f" (since {_when(intake.first_at)})" if intake else ""
        return (
            "bộ thu chưa nhận cảnh báo từ Alertmanager suốt kỳ" + since_vi,
            "the collector did not hear from Alertmanager for the whole window" + since_en,
        )
    if intake.last_at < window.end - INTAKE_STALE:
        return (
            f"bộ thu không nhận cảnh báo nào từ Alertmanager từ {_when(intake.last_at)}",
            f"the collector heard nothing from Alertmanager since {_when(intake.last_at)}",
        )
    if not inputs.events:
        return (
            "không nhận được sự kiện nào của điểm trong kỳ",
            "no event of the site arrived in the window",
        )
    return None


def incident_times(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    limits = Limits(
        detect=number(thresholds, "max_detect_minutes") * 60,
        restore=number(thresholds, "max_restore_hours") * 3600,
        days=number(thresholds, "report_within_days"),
    )
    given = inputs.incidents
    details: Details = {
        "max_detect_minutes": limits.detect / 60,
        "max_restore_hours": limits.restore / 3600,
        "report_within_days": limits.days,
    }

    def result(status: Status, vi: str, en: str, found: Sequence[Incident] = ()) -> Finding:
        refs = tuple(f"/incidents/{i.id}" for i in found[:20])
        evidence = (Evidence("incident", f"Sổ sự cố: {vi}", f"Incident log: {en}", refs),)
        return finding(
            TARGET,
            inputs,
            window,
            status,
            value=None if given is None else float(len(found)),
            threshold=None,
            unit="incidents",
            vi=vi,
            en=en,
            evidence=evidence,
            details={**details, "incidents": len(found)},
        )

    if given is None:
        return result(
            "unknown",
            "Không đọc được sổ sự cố: chưa đánh giá được",
            "The incident log was not read: not judged",
        )
    judged = _touching(given.incidents, inputs.site.key, window)
    if not judged:
        why = _listening(inputs, given.intake, window)
        if why is not None:
            return result(
                "unknown",
                f"Không có sự cố nào được ghi nhận, nhưng {why[0]}: chưa đủ bằng chứng",
                f"No incident recorded, but {why[1]}: not enough evidence",
            )
        return result(
            "met",
            "Không có sự cố trong kỳ; điểm gửi số liệu và cảnh báo hoạt động",
            "No incident in the window; the site reported and alerts were flowing",
        )
    broken = [b for i in judged if (b := _judge(i, limits, window.end)) is not None]
    details |= {
        "not_meeting": len(broken),
        "worst_detect_minutes": max(i.time_to_detect for i in judged) / 60,
        "open": sum(1 for i in judged if i.restored_at is None or i.restored_at > window.end),
    }
    if broken:
        named_vi = "; ".join(
            f"{_name(b.incident, 'vi')}: {', '.join(b.vi)}" for b in broken[:NAMED]
        )
        named_en = "; ".join(
            f"{_name(b.incident, 'en')}: {', '.join(b.en)}" for b in broken[:NAMED]
        )
        more = len(broken) - NAMED
        more_vi = f"; và {more} sự cố khác" if more > 0 else ""
        more_en = f"; and {more} more" if more > 0 else ""
        return result(
            "not_met",
            f"{len(broken)}/{len(judged)} sự cố chưa đạt: {named_vi}{more_vi}",
            f"{len(broken)} of {len(judged)} incidents not met: {named_en}{more_en}",
            [b.incident for b in broken]
            + [i for i in judged if all(b.incident != i for b in broken)],
        )
    pending = sum(1 for i in judged if _pending(i, window.end))
    pending_vi = f"; {pending} sự cố đang xử lý, còn trong hạn" if pending else ""
    pending_en = f"; {pending} still being handled, within limits" if pending else ""
    minutes, hours, days = limits.detect / 60, limits.restore / 3600, limits.days
    return result(
        "met",
        f"{len(judged)} sự cố, không sự cố nào vượt ngưỡng (phát hiện trong {minutes:g} phút, "
        f"khôi phục trong {hours:g} giờ, báo cáo trong {days:g} ngày){pending_vi}",
        f"{len(judged)} incidents, none past a limit (detected within {minutes:g} min, "
        f"restored within {hours:g} h, reported within {days:g} days){pending_en}",
        judged,
    )


RULE = RuleEntry(
    incident_times,
    KINDS,
    frozenset({"max_detect_minutes", "max_restore_hours", "report_within_days"}),
)
