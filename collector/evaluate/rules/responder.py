"""SEC-TEAM: the commune's focal point and incident response team, and a named responder for every
approved plan, each confirmed recently (đầu mối phối hợp, đội ngũ ứng cứu sự cố chuyên trách hoặc
kiêm nhiệm, Tổ ứng cứu: 001 §2.2.6.a–b, 004 §I.4 and Phụ lục II.18, 000 §IV.5.2).

From the inventory only, as of the day the evaluation ends (Vietnam's time).  Met needs all of:

- the commune's focal point (``response_teams``' ``focal_point``), whose ``confirmed_on`` is at
  most ``contact_confirmed_max_age_days`` days before that day (the boundary day counts);
- a response team of at least ``min_team_members`` members;
- at least one plan of ``risks`` approved, and the responder of every approved plan confirmed
  within the same age.  A draft plan's responder is not required (the plan is not in force);
  the plans missing or in draft are SEC-CONTINGENCY's finding, not counted twice here.  A site
  with no approved plan at all is not met, not unknown: the plans demand them, and the
  inventory is the record that they exist.

A confirmation after the evaluation's end (a date mistyped into the future) does not count as
confirmed: it is listed with the old ones, so the finding never rests on a typo.  The finding
names each part that fails: no focal point, its old confirmation, no team or too few members,
the risks whose responder was not confirmed (grouped by date).

Value: the team's members against ``min_team_members`` (unit ``people``) when that count decided
(met, or too few); when the team is big enough but another part fails, no number decided it:
value and threshold are none (as SEC-DRILL does), and ``details.decided_by`` says which part.
PRIVACY: the names, phones and positions of the focal point, the members and the responders
never appear in the finding, its details or its evidence (the paths name the field, not its
value): findings are read by every role.
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
    plan_state,
    plans,
    risk_words,
    risks_of,
    team_path,
)

TARGET = "SEC-TEAM"
KINDS: tuple[str, ...] = ()  # the inventory only


def responder(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    max_age = number(thresholds, "contact_confirmed_max_age_days")
    min_members = int(number(thresholds, "min_team_members"))
    risks = risks_of(thresholds)
    today = end_day(window)
    site = inputs.site
    by_risk = plans(site)
    approved = [r for r in risks if plan_state(by_risk.get(r), today) == "approved"]
    stale: dict[date, list[str]] = {}
    confirmed: list[str] = []
    dates: list[date] = []
    for risk in approved:
        person = by_risk[risk].responder
        assert person is not None  # an approved plan names its responder (the model checks)
        if 0 <= age_days(person.confirmed_on, today) <= max_age:
            confirmed.append(risk)
            dates.append(person.confirmed_on)
        else:
            stale.setdefault(person.confirmed_on, []).append(risk)
    team = site.response_team
    focal = team.focal_point if team is not None else None
    members = len(team.members) if team is not None else 0
    focal_ok = focal is not None and 0 <= age_days(focal.confirmed_on, today) <= max_age
    team_ok = members >= min_members
    plans_ok = bool(approved) and not stale
    status: Status = "met" if focal_ok and team_ok and plans_ok else "not_met"
    if status == "met" or not team_ok:
        decided_by = "team"
    else:
        decided_by = "focal_point" if not focal_ok else "plans" if not approved else "responders"
    focal_state = "missing" if focal is None else "confirmed" if focal_ok else "stale"
    details: Details = {
        "focal_point": focal_state,
        "focal_point_confirmed_on": day_en(focal.confirmed_on) if focal else None,
        "team_members": members,
        "min_team_members": min_members,
        "approved_plans": len(approved),
        "confirmed": len(confirmed),
        "stale": sum(len(v) for v in stale.values()),
        "oldest_confirmed_on": day_en(min(dates)) if dates else None,
        "decided_by": decided_by,
    }
    days = f"{max_age:g}"
    if status == "met":
        vi, en = _met(focal.confirmed_on if focal else today, members, confirmed, dates, days)
    else:
        vi, en = _not_met(
            focal_state,
            focal.confirmed_on if focal else None,
            members,
            min_members,
            approved,
            stale,
            days,
        )
    refs = [team_path(site, "focal_point", "confirmed_on"), team_path(site, "members")]
    refs += [plan_path(site, r, "responder", "confirmed_on") for r in approved]
    evidence = Evidence(
        "inventory",
        f"Danh mục: đầu mối phối hợp, đội ứng cứu ({members} người) và người phụ trách của "
        f"{len(approved)} phương án đã phê duyệt",
        f"Inventory: the focal point, the response team ({members} members) and the responders "
        f"of {len(approved)} approved plans",
        tuple(refs),
    )
    by_team = decided_by == "team"
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=float(members) if by_team else None,
        threshold=min_members if by_team else None,
        unit="people",
        vi=vi,
        en=en,
        evidence=(evidence,),
        details=details,
    )


def _met(
    focal_on: date, members: int, confirmed: list[str], dates: list[date], days: str
) -> tuple[str, str]:
    oldest = min(dates)
    return (
        f"Có đầu mối phối hợp (xác nhận {day_vi(focal_on)}) và đội ứng cứu {members} người; "
        f"người phụ trách của {len(confirmed)} phương án đã phê duyệt xác nhận trong {days} "
        f"ngày (cũ nhất {day_vi(oldest)})",
        f"A focal point (confirmed {day_en(focal_on)}) and a response team of {members}; the "
        f"responders of {len(confirmed)} approved plans confirmed within {days} days (oldest "
        f"{day_en(oldest)})",
    )


def _not_met(
    focal_state: str,
    focal_on: date | None,
    members: int,
    min_members: int,
    approved: list[str],
    stale: dict[date, list[str]],
    days: str,
) -> tuple[str, str]:
    parts_vi: list[str] = []
    parts_en: list[str] = []
    if focal_state == "missing":
        parts_vi.append("chưa có đầu mối phối hợp")
        parts_en.append("no focal point")
    elif focal_state == "stale" and focal_on is not None:
        parts_vi.append(
            f"đầu mối phối hợp chưa xác nhận lại trong {days} ngày (xác nhận {day_vi(focal_on)})"
        )
        parts_en.append(
            f"focal point not confirmed within {days} days (confirmed {day_en(focal_on)})"
        )
    if not members:
        parts_vi.append("chưa có đội ứng cứu")
        parts_en.append("no response team")
    elif members < min_members:
        parts_vi.append(f"đội ứng cứu có {members} người, cần ít nhất {min_members}")
        parts_en.append(f"a response team of {members}, at least {min_members} needed")
    if not approved:
        parts_vi.append(
            "chưa có phương án ứng phó sự cố nào được phê duyệt, chưa có người phụ trách"
        )
        parts_en.append("no approved plan for any risk, so no responder")
    if stale:
        groups = sorted(stale.items())
        vi = "; ".join(f"{risk_words(r)[0]} (xác nhận {day_vi(d)})" for d, r in groups)
        en = "; ".join(f"{risk_words(r)[1]} (confirmed {day_en(d)})" for d, r in groups)
        parts_vi.append(f"người phụ trách chưa xác nhận lại trong {days} ngày: {vi}")
        parts_en.append(f"responders not confirmed within {days} days: {en}")
    return (
        "Đội ứng cứu sự cố chưa đạt: " + "; ".join(parts_vi),
        "Incident response team not met: " + "; ".join(parts_en),
    )


RULE = RuleEntry(
    responder, KINDS, frozenset({"contact_confirmed_max_age_days", "min_team_members", "risks"})
)
