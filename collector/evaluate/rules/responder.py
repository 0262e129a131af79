"""SEC-TEAM: a named responder (người phụ trách, đầu mối phối hợp) for every risk, whose duty was
confirmed recently (001 §2.2.6.a–b, 004 Phụ lục II.18, 000 §IV.5.2).

From the inventory only, as of the day the evaluation ends (Vietnam's time):

- Every risk of ``risks`` (the five of the plans) has a plan with a responder whose
  ``confirmed_on`` is at most ``contact_confirmed_max_age_days`` days before that day (the
  boundary day counts): met.
- A risk without a plan or responder, or whose confirmation is older, is not met, and the
  finding names those risks (and the confirmation dates).  A site with no plan at all is not met,
  not unknown: the plans demand them, and the inventory is the record that they exist.
- A ``confirmed_on`` after the evaluation's end (a date mistyped into the future) does not count
  as confirmed: it is listed with the old ones, so the finding never rests on a typo.

Value: the risks with a confirmed responder (unit ``risks``) against the number required.
PRIVACY: the responders' names and phones never appear in the finding, its details or its
evidence (the paths name the field, not its value): findings are read by every role.
"""

from __future__ import annotations

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
from collector.evaluate.rules._common import Details, finding, number
from collector.evaluate.rules._plans import (
    age_days,
    day_en,
    day_vi,
    end_day,
    plan_path,
    plans,
    risk_words,
    risks_of,
)

TARGET = "SEC-TEAM"
KINDS: tuple[str, ...] = ()  # the inventory only


def responder(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    max_age = number(thresholds, "contact_confirmed_max_age_days")
    risks = risks_of(thresholds)
    today = end_day(window)
    site = inputs.site
    by_risk = plans(site)
    missing: list[str] = []
    stale: dict[date, list[str]] = {}
    confirmed: list[str] = []
    dates: list[date] = []
    for risk in risks:
        plan = by_risk.get(risk)
        person = plan.responder if plan is not None else None
        if person is None:
            missing.append(risk)
        elif 0 <= age_days(person.confirmed_on, today) <= max_age:
            confirmed.append(risk)
            dates.append(person.confirmed_on)
        else:
            stale.setdefault(person.confirmed_on, []).append(risk)
    details: Details = {
        "risks": len(risks),
        "confirmed": len(confirmed),
        "missing": len(missing),
        "stale": sum(len(v) for v in stale.values()),
        "oldest_confirmed_on": day_en(min(dates)) if dates else None,
    }
    days = f"{max_age:g}"
    status: Status = "met" if not missing and not stale else "not_met"
    if status == "met":
        oldest_vi = f" (cũ nhất {day_vi(min(dates))})" if dates else ""
        oldest_en = f" (oldest {day_en(min(dates))})" if dates else ""
        vi = (
            f"Có người phụ trách cho {len(confirmed)} rủi ro, xác nhận trong {days} ngày{oldest_vi}"
        )
        en = f"A responder for {len(confirmed)} risks, confirmed within {days} days{oldest_en}"
        refs = [plan_path(site, r, "responder", "confirmed_on") for r in confirmed]
    else:
        vi, en = _not_met(missing, stale, days, no_plan=not site.contingency)
        refs = [plan_path(site, r, "responder") for r in missing]
        refs += [
            plan_path(site, r, "responder", "confirmed_on")
            for risks_on in stale.values()
            for r in risks_on
        ]
    evidence = Evidence(
        "inventory",
        f"Danh mục: người phụ trách của {len(risks)} phương án ứng phó",
        f"Inventory: the responders of the plans for {len(risks)} risks",
        tuple(refs),
    )
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=float(len(confirmed)),
        threshold=len(risks),
        unit="risks",
        vi=vi,
        en=en,
        evidence=(evidence,),
        details=details,
    )


def _not_met(
    missing: list[str], stale: dict[date, list[str]], days: str, *, no_plan: bool
) -> tuple[str, str]:
    if no_plan:
        return (
            "Chưa có phương án ứng phó sự cố nào, chưa có người phụ trách",
            "No plan for any risk, so no responder",
        )
    parts_vi: list[str] = []
    parts_en: list[str] = []
    if missing:
        vi, en = risk_words(missing)
        parts_vi.append(f"chưa có người phụ trách: {vi}")
        parts_en.append(f"no responder for: {en}")
    if stale:
        groups = sorted(stale.items())
        vi = "; ".join(f"{risk_words(r)[0]} (xác nhận {day_vi(d)})" for d, r in groups)
        en = "; ".join(f"{risk_words(r)[1]} (confirmed {day_en(d)})" for d, r in groups)
        parts_vi.append(f"chưa xác nhận lại trong {days} ngày: {vi}")
        parts_en.append(f"not confirmed within {days} days: {en}")
    vi_text = "; ".join(parts_vi)
    return (
        "Đầu mối ứng cứu sự cố chưa đạt: " + vi_text,
        "Incident contacts not met: " + "; ".join(parts_en),
    )


RULE = RuleEntry(responder, KINDS, frozenset({"contact_confirmed_max_age_days", "risks"}))
