"""What the site page shows of the site's incident readiness, as plain lines for the template:
each risk's plan (Chưa có / Dự thảo / Đã phê duyệt số ... ngày ...), its risk level and drills,
the province's drills that included the commune, the commune's focal point and response team.

Every role reads the statuses, levels, dates, counts and document numbers (the findings say as
much).  Names, phones, positions, the fallbacks' texts, drill notes and participants' names are
for ``read_personal`` only (``collector.web.auth``): without it they are left out here, not
hidden by the template, so no page can show them by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector.inventory.model import RISKS, Site
from collector.inventory.readiness import (
    PLAN_STATUS_NAMES,
    RISK_LEVEL_NAMES,
    ContingencyPlan,
    Drill,
    ProvinceDrill,
)
from collector.web import texts
from sansang.i18n import Lang, pick

Tone = str  # a status class of the page: "met", "not_met", "unknown"


@dataclass(frozen=True)
class PlanRow:
    risk: str  # "Tấn công mạng"
    status: str  # "Đã phê duyệt số 125/QĐ-UBND ngày 15/08/2025", "Dự thảo", "Chưa có"
    tone: Tone
    level: str  # "Cao", "—"
    fallback: str  # "" without read_personal
    drills: tuple[str, ...]
    responder: str  # "Nguyễn Văn An, 0912 345 678"; "" without read_personal


@dataclass(frozen=True)
class TeamView:
    focal: str  # "Đỗ Văn Hùng (Phó Chủ tịch UBND xã), 0905 222 333, xác nhận 01/10/2025"
    size: str  # "3 người"
    members: tuple[str, ...]  # empty without read_personal
    decision: str


@dataclass(frozen=True)
class Readiness:
    plans: tuple[PlanRow, ...]
    approved: int  # plans approved, of every risk
    province_drills: tuple[str, ...]
    team: TeamView | None
    personal: bool


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def view(site: Site, lang: Lang, personal: bool) -> Readiness:
    rows = tuple(
        _plan_row(risk, site.contingency.get(risk), lang, personal)  # type: ignore[call-overload]
        for risk in RISKS
    )
    approved = sum(
        1 for p in site.contingency.values() if p.status == "approved" and p.approved_on is not None
    )
    drills = tuple(_drill_line(d, lang, personal) for _i, d in site.province_drills)
    return Readiness(rows, approved, drills, _team(site, lang, personal), personal)


def _plan_row(risk: str, plan: ContingencyPlan | None, lang: Lang, personal: bool) -> PlanRow:
    name = pick(texts.RISKS, risk, lang)
    if plan is None or plan.status == "missing":
        level = pick(RISK_LEVEL_NAMES, plan.risk_level, lang) if plan and plan.risk_level else "—"
        return PlanRow(name, pick(PLAN_STATUS_NAMES, "missing", lang), "not_met", level, "", (), "")
    if plan.status == "approved" and plan.approved_on is not None:
        decision = texts.t("plan_decision", lang, decision=plan.decision) if plan.decision else ""
        status = texts.t("plan_approved", lang, decision=decision, day=_day(plan.approved_on))
        tone = "met"
    else:
        status, tone = pick(PLAN_STATUS_NAMES, plan.status, lang), "unknown"
    level = pick(RISK_LEVEL_NAMES, plan.risk_level, lang) if plan.risk_level else "—"
    fallback = plan.fallback.text if personal and plan.fallback else ""
    person = plan.responder
    responder = f"{person.name}, {person.phone}" if personal and person else ""
    drills = tuple(_drill_line(d, lang, personal) for d in plan.drills)
    return PlanRow(name, status, tone, level, fallback, drills, responder)


def _drill_line(d: Drill, lang: Lang, personal: bool) -> str:
    """``12/03/2026: đạt — Công an tỉnh; 18 người tham gia; biên bản 27/BB-CAT-ANM``."""
    parts: list[str] = []
    if isinstance(d, ProvinceDrill):
        parts += [d.organiser] if d.organiser else []
        parts.append(", ".join(pick(texts.RISKS, r, lang) for r in d.risks))
    if d.participants is not None:
        parts.append(texts.t("drill_people", lang, n=d.participants.total))
        if personal and d.participants.names:
            parts[-1] += f" ({', '.join(d.participants.names)})"
    if d.minutes is not None:
        parts.append(texts.t("drill_minutes", lang, ref=d.minutes.reference))
    if d.scope:
        parts.append(d.scope)
    if personal and d.notes:
        parts.append(d.notes)
    head = f"{_day(d.held_on)}: {pick(texts.DRILL_RESULTS, d.result, lang)}"
    return head + (" — " + "; ".join(parts) if parts else "")


def _team(site: Site, lang: Lang, personal: bool) -> TeamView | None:
    team = site.response_team
    if team is None:
        return None
    focal = texts.t("focal_none", lang)
    if team.focal_point is not None:
        point = team.focal_point
        confirmed = texts.t("focal_confirmed", lang, day=_day(point.confirmed_on))
        focal = f"{point.name} ({point.role}), {point.phone}, " if personal else ""
        focal += confirmed
    members = tuple(f"{m.name}{f' ({m.role})' if m.role else ''}, {m.phone}" for m in team.members)
    return TeamView(
        focal=focal,
        size=texts.t("team_size", lang, n=len(team.members)),
        members=members if personal else (),
        decision=team.decision,
    )


def form_values(site: Site) -> dict[str, dict[str, str]]:
    """What each risk's form starts with: the plan as it is (``""`` for what it lacks)."""
    values: dict[str, dict[str, str]] = {}
    for risk in RISKS:
        plan = site.contingency.get(risk)  # type: ignore[call-overload]
        v = dict.fromkeys(FORM_FIELDS, "")
        v["status"] = plan.status if plan else "missing"
        if plan is not None:
            v["approved_on"] = plan.approved_on.isoformat() if plan.approved_on else ""
            v["decision"] = plan.decision or ""
            v["file_sha256"] = plan.file_sha256 or ""
            v["risk_level"] = plan.risk_level or ""
            if plan.fallback:
                v["fallback_kind"], v["fallback_text"] = plan.fallback.kind, plan.fallback.text
            if plan.responder:
                v["responder_name"] = plan.responder.name
                v["responder_phone"] = plan.responder.phone
                v["responder_confirmed_on"] = plan.responder.confirmed_on.isoformat()
        values[risk] = v
    return values


def team_form_values(site: Site) -> dict[str, str]:
    team = site.response_team
    v = {k: "" for k in ("name", "phone", "role", "confirmed_on", "members", "decision")}
    if team is None:
        return v
    if team.focal_point is not None:
        point = team.focal_point
        v.update(name=point.name, phone=point.phone, role=point.role)
        v["confirmed_on"] = point.confirmed_on.isoformat()
    v["members"] = "\n".join(
        ", ".join(p for p in (m.name, m.role, m.phone) if p) for m in team.members
    )
    v["decision"] = team.decision
    return v


FORM_FIELDS = (
    "status",
    "approved_on",
    "decision",
    "file_sha256",
    "risk_level",
    "fallback_kind",
    "fallback_text",
    "responder_name",
    "responder_phone",
    "responder_confirmed_on",
)
