"""SEC-DRILL: regular cyberattack drills (định kỳ kiểm tra, diễn tập phòng chống tấn công mạng,
001 §2.2.6.b, 000 §V.4).

From the inventory only, as of the day the evaluation ends (Vietnam's time):

- The drills counted are those of the plans of ``risks`` (a draft plan's too: a drill rehearses
  the response, whether or not the plan is signed yet), and the province's drills (the
  inventory's top-level ``drills``) that covered the site's commune and rehearsed one of
  ``risks``: a drill Công an tỉnh held for many communes is written once and counts for each.
  ``cyberattack`` only by default, as the clause is about cyberattack drills (a province may
  widen it; a power or link drill does not rehearse the response to an attack).  Drills dated
  after the evaluation's end are not counted.
- The NEWEST drill decides: held at most ``max_age_days`` days before that day (the boundary day
  counts) with result ``passed``: met.  An older passed drill does not make up for a newer failed
  one: the last rehearsal showed the response does not work yet.
- ``partial`` (đạt một phần: a part of the response failed) is not met unless
  ``accept_partial`` is true: the gap it found needs fixing and a new drill.
- Not met, with the date and result of the newest drill, or "chưa diễn tập" when there is none;
  not met too when the site has no plan for the risk and no province drill covered it.

The evidence names the newest drill's participants (a count, never the names) and its minutes
(biên bản: the reference number); the details say ``overdue`` (``yes``/``no``: none held, or the
newest older than ``max_age_days``) and ``days_overdue`` for the police's list.

Value: the figure that decided.  The newest drill's age in days against ``max_age_days`` when the
age decides (met, or too old); when a recent drill fails on its result alone (``partial`` not
accepted, ``failed``) no number decided it: the value and threshold are none, the unit
``result`` and the sentence names the result, so a 60-day-old partial drill never shows "60
ngày" beside a met site's "61 ngày".  Drill notes are internal (``read_personal``) and never
copied into the finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector.evaluate.model import (
    Evidence,
    Finding,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import Details, finding, flag, number
from collector.evaluate.rules._plans import (
    age_days,
    day_en,
    day_vi,
    end_day,
    plan_path,
    plan_state,
    plans,
    province_drill_path,
    risk_words,
    risks_of,
)
from collector.inventory.model import Drill, Site

TARGET = "SEC-DRILL"
KINDS: tuple[str, ...] = ()  # the inventory only
RESULT_VI = {"passed": "đạt", "partial": "đạt một phần", "failed": "không đạt"}
_RANK = {"failed": 0, "partial": 1, "passed": 2}  # two drills on one day: the better counts


@dataclass(frozen=True)
class Held:
    """A drill counted for the site: its own plan's, or the province's."""

    held_on: date
    rank: int  # two drills on one day: the better counts
    ref: str  # where it is in the inventory
    drill: Drill
    province: bool


def held_drills(site: Site, risks: list[str], today: date) -> list[Held]:
    """The drills of ``risks`` held on or before ``today`` that count for ``site``."""
    by_risk = plans(site)
    held = [
        Held(d.held_on, _RANK.get(d.result, 0), plan_path(site, r, f"drills[{i}]"), d, False)
        for r in risks
        if r in by_risk
        for i, d in enumerate(by_risk[r].drills)
        if d.held_on <= today
    ]
    held += [
        Held(d.held_on, _RANK.get(d.result, 0), province_drill_path(i), d, True)
        for i, d in site.province_drills
        if d.held_on <= today and set(d.risks) & set(risks)
    ]
    return held


def drill(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    max_age = number(thresholds, "max_age_days")
    risks = risks_of(thresholds)
    accept_partial = flag(thresholds, "accept_partial")
    today = end_day(window)
    site = inputs.site
    held = held_drills(site, risks, today)
    words_vi, words_en = risk_words(risks)
    days = f"{max_age:g}"
    details: Details = {
        "drills": len(held),
        "province_drills": sum(h.province for h in held),
        "max_age_days": max_age,
    }
    if not held:
        return _none_held(inputs, window, risks, max_age, details)
    newest = max(held, key=lambda h: (h.held_on, h.rank))
    age = age_days(newest.held_on, today)
    result = newest.drill.result
    result_vi = RESULT_VI.get(result, result)
    recent = age <= max_age
    passed = result == "passed" or (accept_partial and result == "partial")
    status: Status = "met" if recent and passed else "not_met"
    details |= {
        "last_held_on": day_en(newest.held_on),
        "last_result": result,
        "age_days": age,
        "last_by": "province" if newest.province else "site",
        "overdue": "no" if recent else "yes",
        "days_overdue": 0 if recent else age - int(max_age),
    }
    whose_vi = ", diễn tập chung của tỉnh" if newest.province else ""
    whose_en = ", the province's drill" if newest.province else ""
    last_vi = f"lần diễn tập gần nhất {day_vi(newest.held_on)} ({result_vi}{whose_vi})"
    last_en = f"last drill {day_en(newest.held_on)} ({result}{whose_en})"
    if status == "met":
        vi = f"Đã diễn tập phòng chống {words_vi}: {last_vi}, trong {days} ngày"
        en = f"{words_en.capitalize()} drill held: {last_en}, within {days} days"
    else:
        why_vi = [] if recent else [f"đã quá {days} ngày ({age} ngày)"]
        why_en = [] if recent else [f"over {days} days ago ({age} days)"]
        if not passed:
            why_vi.append(f"kết quả {result_vi}, cần diễn tập lại")
            why_en.append(f"result {result}, to be drilled again")
        vi = f"Diễn tập phòng chống {words_vi} chưa đạt: {last_vi}, " + "; ".join(why_vi)
        en = f"{words_en.capitalize()} drill not met: {last_en}, " + "; ".join(why_en)
    record_vi, record_en = _record(newest.drill)
    details["participants"] = _participants(newest.drill)
    details["minutes"] = newest.drill.minutes.reference if newest.drill.minutes else None
    evidence = Evidence(
        "inventory",
        f"Danh mục: {len(held)} lần diễn tập, {last_vi}{record_vi}",
        f"Inventory: {len(held)} drills, {last_en}{record_en}",
        (newest.ref,),
    )
    by_result = recent and not passed  # the age would read as met: the result decided
    details["decided_by"] = "result" if by_result else "age"
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=None if by_result else float(age),
        threshold=None if by_result else max_age,
        unit="result" if by_result else "days",
        vi=vi,
        en=en,
        evidence=(evidence,),
        details=details,
    )


def _participants(d: Drill) -> int | None:
    return d.participants.total if d.participants else None


def _record(d: Drill) -> tuple[str, str]:
    """``, 25 người tham gia, biên bản 12/BB-CAT``: what the drill's record says (a count of
    people, never their names)."""
    vi: list[str] = []
    en: list[str] = []
    count = _participants(d)
    if count is not None:
        vi.append(f"{count} người tham gia")
        en.append(f"{count} taking part")
    if d.minutes is not None:
        vi.append(f"biên bản {d.minutes.reference}")
        en.append(f"minutes {d.minutes.reference}")
    else:
        vi.append("chưa ghi biên bản")
        en.append("no minutes recorded")
    return ", " + ", ".join(vi), ", " + ", ".join(en)


def _none_held(
    inputs: SiteInputs, window: Window, risks: list[str], max_age: float, details: Details
) -> Finding:
    site = inputs.site
    by_risk = plans(site)
    planned = [r for r in risks if plan_state(by_risk.get(r), end_day(window)) != "missing"]
    words_vi, words_en = risk_words(risks)
    no_plan = not planned
    vi = (
        f"Chưa có phương án ứng phó {words_vi}, chưa diễn tập"
        if no_plan
        else f"Chưa diễn tập phòng chống {words_vi}"
    )
    en = f"No {words_en} plan, no drill" if no_plan else f"No {words_en} drill held"
    refs = tuple(plan_path(site, r, "drills") for r in (planned or risks))
    evidence = Evidence(
        "inventory", "Danh mục: chưa ghi lần diễn tập nào", "Inventory: no drill listed", refs
    )
    details |= {"overdue": "yes", "days_overdue": None}
    return finding(
        TARGET,
        inputs,
        window,
        "not_met",
        value=None,
        threshold=max_age,
        unit="days",
        vi=vi,
        en=en,
        evidence=(evidence,),
        details=details,
    )


RULE = RuleEntry(drill, KINDS, frozenset({"max_age_days", "risks", "accept_partial"}))
