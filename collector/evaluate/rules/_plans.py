"""What the Công an tỉnh rules share (SEC-TEAM, SEC-DRILL, SEC-CONTINGENCY): the contingency
plans (phương án ứng phó) of the inventory, read as of the day the evaluation ends.

PRIVACY: a plan's responder (name, phone), its fallback text, its drills' notes and participants'
names, and the commune's focal point and team members (names, phones, positions) are personal or
internal (``read_personal`` in ``collector.web.auth``); findings are read by every role.  These
helpers therefore give sentences of risks, dates, counts and document numbers (decisions,
minutes) only, and inventory paths (field names, never values) as evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from collector.evaluate.model import Thresholds, Window
from collector.evaluate.rules._common import names, text
from collector.inventory.model import RISK_NAMES, ContingencyPlan, Site
from sansang import i18n

# Where a risk's plan stands on a day: approved on or before it, a draft, none (absent or
# ``status: missing``), or approved with a date after it (not approved yet on that day).
PlanState = Literal["approved", "draft", "missing", "future"]

# The words of the site page (``RISK_NAMES``), lower case inside a sentence.
RISK_VI: dict[str, str] = {risk: vi.lower() for risk, (vi, _en) in RISK_NAMES.items()}
RISK_EN: dict[str, str] = {risk: en.lower() for risk, (_vi, en) in RISK_NAMES.items()}
DAY_SECONDS = 86400.0


def end_day(window: Window) -> date:
    """The day the evaluation ends, in Vietnam's time: plan dates are counted against it."""
    return i18n.local(window.end).date()


def age_days(day: date, today: date) -> int:
    """Whole days from ``day`` to ``today`` (negative: after the evaluation's end)."""
    return (today - day).days


def day_vi(day: date) -> str:
    """``01/10/2025``."""
    return day.strftime("%d/%m/%Y")


def day_en(day: date) -> str:
    """``2025-10-01``."""
    return day.isoformat()


def risks_of(thresholds: Thresholds, name: str = "risks") -> list[str]:
    """The risks a threshold lists, each once, in order."""
    return list(dict.fromkeys(names(thresholds, name)))


def risk_words(risks: Iterable[str]) -> tuple[str, str]:
    """``hỏng phần cứng, mất điện`` and ``hardware failure, power loss``."""
    listed = list(risks)
    vi = ", ".join(RISK_VI.get(r, r) for r in listed)
    en = ", ".join(RISK_EN.get(r, r) for r in listed)
    return vi, en


def deadline(thresholds: Thresholds, name: str = "deadline") -> date | None:
    """A ``YYYY-MM-DD`` threshold as a date; None when it is not a date (no deadline)."""
    try:
        return date.fromisoformat(text(thresholds, name))
    except ValueError:
        return None


def moment_vi(t: float) -> str:
    """``28/05/2026 10:15``, Vietnam's time (evidence may be months old: the year is given)."""
    return i18n.local(t).strftime("%d/%m/%Y %H:%M")


def moment_en(t: float) -> str:
    """``2026-05-28 10:15`` (UTC+7)."""
    return i18n.local(t).strftime("%Y-%m-%d %H:%M")


def plan_path(site: Site, risk: str, *fields: str) -> str:
    """``23527-main:link_loss.responder.confirmed_on``: the site (by its key, which stays when the
    province reorders its file), the risk of its plan, the field; in the inventory file that is
    the site's plan for the risk.  A name, never a value.  The word of the inventory's section is
    left out on purpose: the API serves that section to security_reviewer and admin only, and
    tests check its name does not reach the other roles."""
    return f"{site.key}:" + ".".join((risk, *fields))


def plans(site: Site) -> dict[str, ContingencyPlan]:
    """The site's plans by risk name (the inventory keys them by ``inventory.model.RISKS``)."""
    return {str(risk): plan for risk, plan in site.contingency.items()}


def plan_state(plan: ContingencyPlan | None, today: date) -> PlanState:
    """Where the plan stands on ``today`` (a risk the site does not list: ``missing``)."""
    if plan is None or plan.status == "missing":
        return "missing"
    if plan.status == "draft":
        return "draft"
    if plan.approved_on is not None and plan.approved_on > today:
        return "future"
    return "approved"


def risk_list(risks: Iterable[str]) -> tuple[str, str]:
    """``Tấn công mạng, Mất điện`` and ``Cyberattack, Power loss``: the site page's names, for a
    list after a colon."""
    listed = list(risks)
    vi = ", ".join(RISK_NAMES[r][0] if r in RISK_NAMES else r for r in listed)
    en = ", ".join(RISK_NAMES[r][1] if r in RISK_NAMES else r for r in listed)
    return vi, en


def province_drill_path(index: int) -> str:
    """``drills[0]``: a drill of the province's list, by its place in the inventory file."""
    return f"drills[{index}]"


def team_path(site: Site, *fields: str) -> str:
    """``23527:response_team.focal_point.confirmed_on``: the site's commune (the team is the
    commune's, shared by its sites), then the field; a name, never a value."""
    return f"{site.commune_code}:" + ".".join(("response_team", *fields))
