"""SEC-LEVEL: the information systems a centre uses are protected by their security level (bảo
đảm an toàn hệ thống thông tin theo cấp độ: seed 004 §III.7 and Phụ lục II.23, seed 003 §4.a, seed
001 §2.2.6.a; NĐ 85/2016/NĐ-CP).

From the inventory only (``SiteInputs.systems``: the systems of ``inventory.systems`` whose
communes include the site's, or every site when a system lists none), as of the day the
evaluation ends (Vietnam's time).  Each system needs:

1. its level dossier approved: a decision (number and day) on or before that day; a decision
   dated later does not count yet;
2. the dossier's protection plan deployed (``protection_plan_deployed: true``); ``false`` is not
   met, absent is unknown (nobody said);
3. its periodic check (kiểm tra, đánh giá) no older than the interval of its level, the
   thresholds ``check_every_days_level_1`` ... ``_5`` (the boundary day counts); never checked is
   not met, and the finding names the day the check fell overdue (approval + interval when never
   checked, so a dossier approved last month is not yet overdue).

A system: not met when a part is not met, else unknown when a part is unknown, else met.  The
site: not met naming each system and what it lacks, else unknown, else met; a site whose
inventory lists no system it uses is unknown ("no system declared"): the plans require every
system to have a level, so an empty list says nothing about protection.  Value: the systems that
meet all three, out of the systems the site uses (unit ``systems``).  ``details`` carries
``overdue_since`` (the earliest day a check fell overdue, ``YYYY-MM-DD``) for the police's list
of what is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

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
from collector.evaluate.rules._plans import day_en, day_vi, end_day
from collector.inventory.systems import System

TARGET = "SEC-LEVEL"
KINDS: tuple[str, ...] = ()  # the inventory only
LEVELS = range(1, 6)
THRESHOLDS = frozenset(f"check_every_days_level_{level}" for level in LEVELS)


@dataclass
class SystemVerdict:
    system: System
    status: Status = "met"
    problems_vi: list[str] = field(default_factory=list)
    problems_en: list[str] = field(default_factory=list)
    overdue_since: date | None = None

    def fail(self, status: Status, vi: str, en: str) -> None:
        if status == "not_met" or self.status == "met":
            self.status = status
        self.problems_vi.append(vi)
        self.problems_en.append(en)


def judge(system: System, today: date, every_days: int) -> SystemVerdict:
    """One system against the three parts, as of ``today``."""
    verdict = SystemVerdict(system)
    approved = system.approved_on
    if approved is None or approved > today:
        verdict.fail("not_met", "chưa phê duyệt hồ sơ đề xuất cấp độ", "level dossier not approved")
    if system.protection_plan_deployed is False:
        verdict.fail("not_met", "chưa triển khai phương án bảo vệ", "protection plan not deployed")
    elif system.protection_plan_deployed is None:
        verdict.fail(
            "unknown",
            "chưa rõ đã triển khai phương án bảo vệ chưa",
            "protection plan deployment not reported",
        )
    last = system.last_checked_on
    checked = last if last is not None and last <= today else None  # a later day: not yet
    due = (checked or approved or today) + timedelta(days=every_days)
    if checked is None and (approved is None or due < today):
        since = due if approved is not None else None
        verdict.overdue_since = since
        when_vi = f", quá hạn từ {day_vi(since)}" if since else ""
        when_en = f", overdue since {day_en(since)}" if since else ""
        verdict.fail(
            "not_met",
            f"chưa kiểm tra, đánh giá định kỳ{when_vi}",
            f"never checked{when_en}",
        )
    elif checked is not None and due < today:
        verdict.overdue_since = due
        verdict.fail(
            "not_met",
            f"kiểm tra gần nhất {day_vi(checked)}, quá hạn từ {day_vi(due)} "
            f"(cấp độ {system.security_level}: {every_days} ngày/lần)",
            f"last checked {day_en(checked)}, overdue since {day_en(due)} "
            f"(level {system.security_level}: every {every_days} days)",
        )
    return verdict


def security_level(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    intervals = {
        level: int(number(thresholds, f"check_every_days_level_{level}")) for level in LEVELS
    }
    today = end_day(window)
    systems = list(inputs.systems)
    if not systems:
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=None,
            threshold=None,
            unit="systems",
            vi="Danh mục chưa khai báo hệ thống thông tin nào xã sử dụng (cấp độ, hồ sơ)",
            en="The inventory declares no information system this site uses (level, dossier)",
            evidence=(
                Evidence("inventory", "Danh mục: systems trống", "Inventory: no systems", ()),
            ),
        )
    verdicts = [judge(s, today, intervals[s.security_level]) for s in systems]
    met = sum(v.status == "met" for v in verdicts)
    failing = [v for v in verdicts if v.status == "not_met"]
    unknown = [v for v in verdicts if v.status == "unknown"]
    status: Status = "not_met" if failing else "unknown" if unknown else "met"
    shown = failing or unknown
    if status == "met":
        vi = f"{met}/{len(systems)} hệ thống được bảo đảm an toàn theo cấp độ"
        en = f"{met}/{len(systems)} systems protected by their security level"
    else:
        vi = "; ".join(f"{v.system.name}: " + ", ".join(v.problems_vi) for v in shown)
        en = "; ".join(f"{v.system.name}: " + ", ".join(v.problems_en) for v in shown)
    evidence = tuple(
        Evidence(
            "inventory",
            f"{v.system.name} (cấp độ {v.system.security_level}): "
            + (", ".join(v.problems_vi) or "đạt")
            + _dossier_vi(v.system),
            f"{v.system.name} (level {v.system.security_level}): "
            + (", ".join(v.problems_en) or "met"),
            (f"systems[id={v.system.id}]",),
        )
        for v in verdicts
    )
    overdue = [v.overdue_since for v in verdicts if v.overdue_since is not None]
    details: Details = {"systems": len(systems), "systems_met": met}
    if overdue:
        details["overdue_since"] = day_en(min(overdue))
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=float(met),
        threshold=len(systems),
        unit="systems",
        vi=vi,
        en=en,
        evidence=evidence,
        details=details,
    )


def _dossier_vi(system: System) -> str:
    d = system.dossier
    if d is None:
        return ""
    by = f" của {d.authority}" if d.authority else ""
    return f"; hồ sơ cấp độ: quyết định {d.decision} ngày {day_vi(d.approved_on)}{by}"


RULE = RuleEntry(security_level, KINDS, THRESHOLDS)
