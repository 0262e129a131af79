"""INF-DZ: mobile coverage dead zones (điểm lõm sóng), at sites and at surveyed places.

A site is in a dead zone when its mobile link (``link_kind: mobile``) measures a median download
below ``min_download_mbps`` or a mean loss above ``max_loss_ratio`` (quality rounds over it), or
when a survey point taken for it or near it (``inputs.survey``) does.  A survey measurement that
failed counts as no throughput: in a dead zone, failing is the finding.  No mobile link data and no
survey point: unknown.  :func:`dead_zone_points` lists the survey points below threshold that are
tied to no site, for the province's list to the carriers.

A mobile link without power measures the power, not the coverage: rounds taken while the site had
no power (mains lost and no UPS holding: :func:`timeline.unpowered_spans`), and rounds that lost
every request when the likely cause is power (:func:`timeline.local_cause`: mains out, a UPS that
ran out, the link down because the power went), are left out of the loss figure; the details
count them (``rounds_left_out_no_power``, ``rounds_left_out_power_cause``) and the sentences say
so.  A round that lost only some requests had a working modem: it is a coverage figure and stays.

The plans set a date by which the dead zones are cleared (``deadline``, ISO in the catalogue, the
last day it allows).  A dead zone's sentence gives it as people read a date (``30/11/2025``); once
the evaluation (the window's end, in Vietnam's time) is past that day, the dead zone is overdue:
"quá hạn từ 30/11/2025", with ``overdue: 1`` and ``days_overdue`` in the details.

Each survey point's evidence names the place (the village: thôn, bản, tổ dân phố, as the
surveyor labelled it) and its figures: download, loss, and the modem's RSRP and RSRQ and operator
when it had one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from collector.evaluate.model import (
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
    events_evidence,
    finding,
    mbit,
    number,
    refs_note,
    text,
)
from collector.evaluate.rules._plans import day_vi, end_day
from collector.evaluate.rules.bandwidth_median import throughput
from collector.evaluate.timeline import SiteIndex, Span, local_cause, site_index, unpowered_spans
from collector.events import StoredEvent
from collector.survey import SurveyPoint
from sansang import i18n

TARGET = "INF-DZ"
KINDS = ("speedtest_result", "link_quality")


def point_is_dead(point: SurveyPoint, min_download_mbps: float, max_loss: float) -> bool:
    download = mbit(point.download_bps) if point.download_bps is not None else 0.0
    loss = point.loss_ratio if point.loss_ratio is not None else 0.0
    return download < min_download_mbps or loss > max_loss


def dead_zone_points(points: Iterable[SurveyPoint], thresholds: Thresholds) -> list[SurveyPoint]:
    """Survey points tied to no site whose coverage is below threshold (a province-level list)."""
    low = number(thresholds, "min_download_mbps")
    loss = number(thresholds, "max_loss_ratio")
    return [p for p in points if p.site is None and point_is_dead(p, low, loss)]


def dead_zone(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    low = number(thresholds, "min_download_mbps")
    max_loss = number(thresholds, "max_loss_ratio")
    deadline = text(thresholds, "deadline")
    due = _deadline(deadline)
    index = site_index(inputs)
    mobile = throughput(index).get("mobile")
    rounds = [e for e in index.kind("link_quality") if e.details.get("link_kind") == "mobile"]
    powered = _powered_rounds(index, window, rounds, has_ups=bool(inputs.site.ups))
    losses = [
        float(x) for e in powered.kept if isinstance(x := e.details.get("loss_ratio"), int | float)
    ]
    loss = sum(losses) / len(losses) if losses else None
    download = mobile.download_mbps if mobile else None
    dead_points = [p for p in inputs.survey if point_is_dead(p, low, max_loss)]
    details: dict[str, float | int | str | None] = {
        "mobile_download_mbps": round(download, 2) if download is not None else None,
        "mobile_tests": len(mobile.tests) if mobile else 0,
        "mobile_loss_ratio": round(loss, 4) if loss is not None else None,
        "quality_rounds": len(losses),
        "rounds_left_out_no_power": len(powered.no_power),
        "rounds_left_out_power_cause": len(powered.power_cause),
        "survey_points": len(inputs.survey),
        "survey_points_dead": len(dead_points),
        "deadline": deadline,
    }
    if download is None and loss is None and not inputs.survey:
        vi, en = powered.say(
            "Chưa có số đo sóng di động tại điểm này (không có đường di động, chưa khảo sát)",
            "No mobile coverage figures here (no mobile link, no survey)",
        )
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=None,
            threshold=low,
            unit="Mbit/s",
            vi=vi,
            en=en,
            evidence=powered.evidence(),
            details=details,
        )
    slow = download is not None and download < low
    lossy = loss is not None and loss > max_loss
    dead = slow or lossy or bool(dead_points)
    reasons_vi: list[str] = []
    reasons_en: list[str] = []
    if slow:
        shown, floor = i18n.number(download or 0.0, 1, "vi"), i18n.number(low, 1, "vi")
        reasons_vi.append(f"tải xuống qua di động {shown} Mbit/s (tối thiểu {floor})")
        shown, floor = i18n.number(download or 0.0, 1, "en"), i18n.number(low, 1, "en")
        reasons_en.append(f"mobile download {shown} Mbit/s (minimum {floor})")
    if lossy:
        shown, most = i18n.percent(loss or 0.0, "vi"), i18n.percent(max_loss, "vi")
        reasons_vi.append(f"mất gói {shown} (tối đa {most})")
        shown, most = i18n.percent(loss or 0.0, "en"), i18n.percent(max_loss, "en")
        reasons_en.append(f"loss {shown} (at most {most})")
    if dead_points:
        reasons_vi.append(f"{len(dead_points)} điểm khảo sát dưới ngưỡng")
        reasons_en.append(f"{len(dead_points)} survey points below threshold")
    if dead:
        late = _days_overdue(due, window)
        details["overdue"] = int(late > 0)
        details["days_overdue"] = late
        shown = day_vi(due)
        if late > 0:
            vi_due, en_due = f" — quá hạn từ {shown}", f" (overdue since {shown})"
        else:
            vi_due, en_due = f" — cần xoá trước {shown}", f" (deadline {shown})"
        vi = "Điểm lõm sóng: " + "; ".join(reasons_vi) + vi_due
        en = "Coverage dead zone: " + "; ".join(reasons_en) + en_due
    else:
        vi = "Sóng di động đạt ngưỡng"
        en = "Mobile coverage meets the threshold"
    vi, en = powered.say(vi, en)
    evidence: list[Evidence] = []
    tests = list(mobile.tests) if mobile else []
    if tests:
        note_vi, note_en = refs_note(len(tests))
        vi_text, en_text = f"Đo tốc độ qua di động{note_vi}", f"Mobile speed tests{note_en}"
        evidence.append(events_evidence(tests, vi_text, en_text))
    for p in (dead_points or list(inputs.survey))[:20]:
        evidence.append(_survey_evidence(p))
    evidence += powered.evidence()
    return finding(
        TARGET,
        inputs,
        window,
        "not_met" if dead else "met",
        value=round(download, 2) if download is not None else None,
        threshold=low,
        unit="Mbit/s",
        vi=vi,
        en=en,
        evidence=evidence,
        cause="link",
        details=details,
    )


@dataclass(frozen=True)
class _Rounds:
    kept: list[StoredEvent]
    no_power: list[StoredEvent]  # taken while the site had no power
    power_cause: list[StoredEvent]  # lost every request, and the likely cause is power

    @property
    def left_out(self) -> list[StoredEvent]:
        return sorted([*self.no_power, *self.power_cause], key=lambda e: (e.wall_time, e.seq))

    def say(self, vi: str, en: str) -> tuple[str, str]:
        """The sentences, with how many rounds were left out when some were."""
        n = len(self.no_power) + len(self.power_cause)
        if not n:
            return vi, en
        return (
            f"{vi} (bỏ qua {n} lần đo khi mất điện)",
            f"{en} ({n} {'round' if n == 1 else 'rounds'} during power cuts left out)",
        )

    def evidence(self) -> list[Evidence]:
        left_out = self.left_out
        if not left_out:
            return []
        note_vi, note_en = refs_note(len(left_out))
        return [
            events_evidence(
                left_out,
                f"Lần đo qua di động bỏ qua vì trạm mất điện{note_vi}",
                f"Mobile rounds left out: the site had no power{note_en}",
            )
        ]


def _powered_rounds(
    index: SiteIndex, window: Window, rounds: Sequence[StoredEvent], *, has_ups: bool
) -> _Rounds:
    """The mobile rounds split into those that measure coverage and those that measure power."""
    unpowered = unpowered_spans(index, window, has_ups=has_ups)
    result = _Rounds([], [], [])
    for e in rounds:
        if _within(unpowered, e.wall_time):
            result.no_power.append(e)
        elif _lost_all(e) and local_cause(index, e.wall_time) == "power":
            result.power_cause.append(e)
        else:
            result.kept.append(e)
    return result


def _within(spans: Sequence[Span], t: float) -> bool:
    i = bisect_right(spans, t, key=lambda span: span[0])  # spans sorted and merged
    return i > 0 and t < spans[i - 1][1]


def _lost_all(e: StoredEvent) -> bool:
    loss = e.details.get("loss_ratio")
    return (isinstance(loss, int | float) and loss >= 1.0) or e.details.get("received") == 0


def _deadline(value: str) -> date:
    """The catalogue's ``deadline`` (``2025-11-30``), the last day it allows."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"threshold 'deadline' is {value!r}, not a date (YYYY-MM-DD)") from None


def _days_overdue(due: date, window: Window) -> int:
    """Days from the deadline to the day the evaluation ends (0 on the day itself and before)."""
    return max(0, (end_day(window) - due).days)


def _survey_evidence(p: SurveyPoint) -> Evidence:
    """The place (a village as the surveyor named it), when, and every figure it gave."""
    where = f"{p.latitude:.5f},{p.longitude:.5f}"
    day = i18n.local(p.wall_time).strftime("%d/%m/%Y")
    vi, en = _survey_figures(p, "vi"), _survey_figures(p, "en")
    return Evidence(
        "survey",
        f"Khảo sát tại {p.label} ({where}) ngày {day}: {vi}",
        f"Survey at {p.label} ({where}) on {day}: {en}",
        (f"survey:{p.label}@{p.wall_time:.0f}",),
    )


def _survey_figures(p: SurveyPoint, lang: i18n.Lang) -> str:
    vi = lang == "vi"
    if p.download_bps is None:
        parts = ["tải xuống không đo được" if vi else "download failed"]
    else:
        shown = i18n.number(mbit(p.download_bps), 1, lang)
        parts = [f"{'tải xuống' if vi else 'download'} {shown} Mbit/s"]
    if p.loss_ratio is not None:
        parts.append(f"{'mất gói' if vi else 'loss'} {i18n.percent(p.loss_ratio, lang)}")
    if p.rsrp_dbm is not None:
        parts.append(f"RSRP {i18n.number(p.rsrp_dbm, 0, lang)} dBm")
    if p.rsrq_db is not None:
        parts.append(f"RSRQ {i18n.number(p.rsrq_db, 1, lang)} dB")
    text = ", ".join(parts)
    carrier = ", ".join(x for x in (p.operator, p.technology) if x)
    return f"{text} ({carrier})" if carrier else text


def province(
    findings: Sequence[Finding],
    survey: Sequence[SurveyPoint],
    thresholds: Thresholds,
    window: Window,
) -> ProvinceResult:
    """Each site's finding as it was, and the surveyed places tied to no site below threshold."""
    return ProvinceResult(findings, dead_zone_points=dead_zone_points(survey, thresholds))


RULE = RuleEntry(
    dead_zone,
    KINDS,
    frozenset({"min_download_mbps", "max_loss_ratio", "deadline"}),
    ProvincePass(dead_zone, province),
)
