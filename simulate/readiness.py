"""The simulated province's incident readiness records (Công an tỉnh's targets SEC-CONTINGENCY,
SEC-DRILL, SEC-TEAM), as a province has them some months after the plans' deadline: a mix to show.

- Plans: most sites have all five approved; one site in sixteen lacks two (cyberattack, power
  loss), one more in sixteen lacks one (hardware), one in sixteen has its software plan in draft.
- Drills: Công an tỉnh's cyberattack drill 100 days ago covered three communes in four, written
  once in the inventory's ``drills``; of the rest, one site in eight never drilled and one in
  eight drilled alone 18 months ago.  One covered site in eight drilled again 60 days ago on its
  own, "partial" (the newest decides); a few others drilled on their own within the year too.
- Teams: one commune in eight has no team entry, one in sixteen a team of two; the others three
  or four members and a focal point confirmed 20–230 days ago, the day the site's responders
  confirmed too (about a quarter are past SEC-TEAM's 180 days).

Each share is taken on the sites ranked by an order-independent draw (the ranks spread evenly
from 0 to 1), so it holds for any number of sites, not only on average.  Dates are relative to
``today``, so the demo never ages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from simulate.scenario import Scenario, SitePlan, _unit

FALLBACKS = {
    "hardware": ("spare_device", "Máy dự phòng tại kho xã"),
    "software": ("restore_procedure", "Cài lại từ ảnh đĩa chuẩn của tỉnh"),
    "cyberattack": ("isolation_procedure", "Ngắt máy khỏi mạng, báo Sở KH&CN"),
    "link_loss": ("backup_link", "Chuyển sang bộ phát 4G"),
    "power_loss": ("ups_generator", "UPS và máy phát của UBND xã"),
}
LEVELS = {
    "hardware": "medium",
    "software": "low",
    "cyberattack": "high",
    "link_loss": "medium",
    "power_loss": "medium",
}
PROVINCE_DRILL_DAYS = 100  # Công an tỉnh's drill, days before today
MEMBERS = (
    ("Cán bộ Văn phòng UBND xã", "tổ trưởng"),
    ("Cán bộ CNTT xã", "quản trị hệ thống"),
    ("Công an xã", "phối hợp điều tra, xử lý"),
    ("Nhân viên Bưu điện văn hoá xã", "hỗ trợ thiết bị"),
)


@dataclass(frozen=True)
class Readiness:
    plans: dict[str, dict[str, Any]]  # each site's contingency, by site key
    drills: list[dict[str, Any]]  # the province's drills (the inventory's ``drills``)
    teams: list[dict[str, Any]]  # the communes' teams (``response_teams``)


def ranks(scenario: Scenario, salt: str) -> dict[str, float]:
    """Each site's place in the draws of ``salt``, evenly spread in (0, 1)."""
    order = sorted(scenario.sites, key=lambda x: _unit(scenario.seed, x.key, salt))
    return {x.key: (i + 0.5) / len(order) for i, x in enumerate(order)}


def build(scenario: Scenario, today: date) -> Readiness:
    drill_rank, plan_rank, team_rank = (ranks(scenario, s) for s in ("drill", "plans", "team"))
    plans = {
        s.key: site_plans(s, scenario.seed, today, drill_rank[s.key], plan_rank[s.key])
        for s in scenario.sites
    }
    covered = [s.code for s in scenario.sites if drill_rank[s.key] >= 2 / 8]
    drills = [province_drill(list(dict.fromkeys(covered)), today)] if covered else []
    return Readiness(plans, drills, teams(scenario.sites, scenario.seed, today, team_rank))


def _confirmed(seed: int, key: str, today: date) -> date:
    return today - timedelta(days=20 + int(_unit(seed, key, "confirmed") * 210))


def site_plans(
    s: SitePlan, seed: int, today: date, drill: float, rank: float
) -> dict[str, dict[str, Any]]:
    """The site's plans: all five approved but at the few sites missing or drafting some."""
    left_out: tuple[str, ...] = ()
    if rank < 1 / 16:
        left_out = ("cyberattack", "power_loss")
    elif rank < 2 / 16:
        left_out = ("hardware",)
    drafting = ("software",) if 2 / 16 <= rank < 3 / 16 else ()
    found: dict[str, dict[str, Any]] = {}
    for risk in FALLBACKS:
        if risk in left_out:
            continue
        plan = _draft(risk) if risk in drafting else _approved(risk, s, seed, today)
        own = _own_drill(today, drill, seed, s.key) if risk == "cyberattack" else None
        if own is not None:
            plan["drills"] = [own]
        found[risk] = plan
    return found


def _draft(risk: str) -> dict[str, Any]:
    kind, text = FALLBACKS[risk]
    return {"status": "draft", "risk_level": LEVELS[risk], "fallback": {"kind": kind, "text": text}}


def _approved(risk: str, s: SitePlan, seed: int, today: date) -> dict[str, Any]:
    """Approved by the commune's one decision for its five plans, its file's hash kept."""
    kind, text = FALLBACKS[risk]
    signed = hashlib.sha256(f"{s.key}/{risk}/phuong-an.pdf".encode()).hexdigest()
    return {
        "approved_on": "2025-08-15",
        "decision": f"{100 + s.index}/QĐ-UBND",
        "file_sha256": signed,
        "risk_level": LEVELS[risk],
        "fallback": {"kind": kind, "text": text},
        "responder": {"name": "Cán bộ CNTT xã", "phone": "0912 345 678",
                      "confirmed_on": _confirmed(seed, s.key, today).isoformat()},
    }  # fmt: skip


def _own_drill(today: date, draw: float, seed: int, key: str) -> dict[str, Any] | None:
    """The site's own cyberattack drill, if any (the province's is :func:`province_drill`)."""
    if draw < 1 / 8:
        return None  # never drilled, and not in the province's drill
    if draw < 2 / 8:
        ago, result = 540, "passed"  # drilled alone, too long ago
    elif draw < 3 / 8:
        ago, result = 60, "partial"  # drilled again after the province's drill: a gap found
    elif draw < 4 / 8:
        ago, result = 30 + int(_unit(seed, key, "drill age") * 300), "passed"
    else:
        return None  # the province's drill is its drill
    return {
        "held_on": (today - timedelta(days=ago)).isoformat(),
        "result": result,
        "participants": 4 + int(_unit(seed, key, "drill people") * 5),
        "minutes": {"reference": f"{int(_unit(seed, key, 'minutes') * 90) + 10}/BB-UBND"},
    }


def province_drill(communes: list[str], today: date) -> dict[str, Any]:
    """Công an tỉnh's cyberattack drill for ``communes``, written once."""
    return {
        "held_on": (today - timedelta(days=PROVINCE_DRILL_DAYS)).isoformat(),
        "result": "passed",
        "risks": ["cyberattack"],
        "organiser": "Công an tỉnh",
        "scope": "ứng cứu sự cố mã độc tống tiền trên máy tiếp nhận hồ sơ của Bộ phận Một cửa",
        "communes": communes,
        "participants": {"count": 2 * len(communes) + 12},
        "minutes": {
            "reference": "27/BB-CAT-ANM",
            "sha256": hashlib.sha256(b"bien-ban-dien-tap-27.pdf").hexdigest(),
        },
    }


def teams(
    sites: Sequence[SitePlan], seed: int, today: date, rank: dict[str, float]
) -> list[dict[str, Any]]:
    """A team per commune (the draw of its first site), but at the communes without one."""
    found: dict[str, dict[str, Any]] = {}
    for s in sites:
        draw = rank[s.key]
        if s.code in found or draw < 1 / 8:
            continue
        size = 2 if draw < 3 / 16 else 3 + int(_unit(seed, s.code, "team size") * 2)
        found[s.code] = {
            "commune_code": s.code,
            "decision": f"{40 + s.index}/QĐ-UBND",
            "focal_point": {
                "name": "Phó Chủ tịch UBND xã",
                "phone": f"0905 222 {300 + s.index:03d}",
                "role": "Phó Chủ tịch UBND xã, đầu mối phối hợp",
                "confirmed_on": _confirmed(seed, s.key, today).isoformat(),
            },
            "members": [
                {"name": name, "phone": f"0913 {s.index:03d} {i:03d}", "role": role}
                for i, (name, role) in enumerate(MEMBERS[:size])
            ],
        }
    return list(found.values())
