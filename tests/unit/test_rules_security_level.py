"""SEC-LEVEL from the inventory's systems: an approved dossier, a deployed protection plan and a
periodic check within its level's interval, as of the day the window ends (01/07/2026, Vietnam's
time); the finding names each system and what it lacks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from collector import figures as fmt
from collector.evaluate.model import Finding
from collector.evaluate.rules.security_level import security_level
from collector.inventory import model
from collector.inventory.systems import Dossier, System
from collector.targets import Overrides, effective_thresholds, load_catalogue
from sansang.configfile import ConfigError
from tests.support.evaluate import EXAMPLE, THRESHOLDS, WINDOW, Journal, site

LEVEL = THRESHOLDS["SEC-LEVEL"]
END = date(2026, 7, 1)


def system(**update: Any) -> System:
    fields: dict[str, Any] = {
        "id": "motcua",
        "name": "Hệ thống Một cửa điện tử",
        "security_level": 3,
        "dossier": Dossier(decision="125/QĐ-UBND", approved_on=date(2025, 3, 1), authority="UBND"),
        "protection_plan_deployed": True,
        "last_checked_on": END - timedelta(days=100),
    } | update
    return System(**fields)


def judged(*systems: System) -> Finding:
    return security_level(Journal().inputs(site(0), systems=list(systems)), LEVEL, WINDOW)


def test_a_system_with_all_three_parts_is_met() -> None:
    f = judged(system())
    assert (f.status, f.value, f.threshold, f.unit) == ("met", 1.0, 1, "systems")
    assert fmt.finding_figures(f, "vi")[0] == "1/1 hệ thống"
    assert "quyết định 125/QĐ-UBND ngày 01/03/2025 của UBND" in f.evidence[0].vi


def test_no_approved_dossier_is_not_met_and_a_later_decision_does_not_count_yet() -> None:
    for dossier in (None, Dossier(decision="9/QĐ", approved_on=END + timedelta(days=1))):
        f = judged(system(dossier=dossier))
        assert f.status == "not_met"
        assert "chưa phê duyệt hồ sơ đề xuất cấp độ" in f.vi


def test_plan_not_deployed_is_not_met_and_unreported_is_unknown() -> None:
    assert judged(system(protection_plan_deployed=False)).status == "not_met"
    f = judged(system(protection_plan_deployed=None))
    assert f.status == "unknown" and "phương án bảo vệ" in f.vi


@pytest.mark.parametrize(
    ("level", "days", "status"),
    [(3, 365, "met"), (3, 366, "not_met"), (2, 730, "met"), (2, 731, "not_met")],
)
def test_the_periodic_check_is_held_to_its_levels_interval(
    level: int, days: int, status: str
) -> None:
    f = judged(system(security_level=level, last_checked_on=END - timedelta(days=days)))
    assert f.status == status
    if status == "not_met":
        due = END - timedelta(days=days) + timedelta(days=365 if level == 3 else 730)
        assert f.details["overdue_since"] == due.isoformat()
        assert f"quá hạn từ {due:%d/%m/%Y}" in f.vi


def test_never_checked_is_overdue_from_approval_plus_the_interval_not_before() -> None:
    recent = system(
        last_checked_on=None, dossier=Dossier(decision="1/QĐ", approved_on=END - timedelta(30))
    )
    assert judged(recent).status == "met"
    old = system(last_checked_on=None)  # approved 01/03/2025, level 3: due 01/03/2026
    f = judged(old)
    assert f.status == "not_met" and f.details["overdue_since"] == "2026-03-01"
    assert "chưa kiểm tra, đánh giá định kỳ, quá hạn từ 01/03/2026" in f.vi


def test_a_check_dated_after_the_window_does_not_count() -> None:
    f = judged(system(last_checked_on=END + timedelta(days=3), dossier=None))
    assert f.status == "not_met" and "chưa kiểm tra" in f.vi


def test_one_failing_system_of_two_is_named_and_counted() -> None:
    f = judged(
        system(), system(id="hnth", name="Hội nghị truyền hình", protection_plan_deployed=False)
    )
    assert (f.status, f.value, f.threshold) == ("not_met", 1.0, 2)
    assert f.vi.startswith("Hội nghị truyền hình: chưa triển khai phương án bảo vệ")
    assert "Một cửa" not in f.vi  # only what fails is named
    assert len(f.evidence) == 2


def test_no_system_declared_is_unknown_not_met() -> None:
    f = judged()
    assert f.status == "unknown" and f.value is None


def test_a_province_sets_its_own_interval_per_level() -> None:
    catalogue = load_catalogue()
    overrides = Overrides(overrides={"SEC-LEVEL": {"check_every_days_level_3": 180}})
    thresholds = effective_thresholds(catalogue, overrides)["SEC-LEVEL"]
    checked = system(last_checked_on=END - timedelta(days=200))
    inputs = Journal().inputs(site(0), systems=[checked])
    assert security_level(inputs, thresholds, WINDOW).status == "not_met"
    assert security_level(inputs, LEVEL, WINDOW).status == "met"


def test_the_inventory_gives_each_site_the_systems_its_commune_uses(tmp_path: Any) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  - id: hnth\n", "  - id: hnth\n    communes: ['23527']\n", 1
    )
    path = tmp_path / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    inv = model.load(path)
    by_site = {s.key: [x.id for x in inv.systems_of(s)] for s in inv.sites}
    assert by_site["23527-main"] == ["motcua", "hnth"]
    assert all(ids == ["motcua"] for key, ids in by_site.items() if key != "23527-main")


def test_a_commune_of_another_province_is_refused_with_its_line(tmp_path: Any) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  - id: hnth\n", "  - id: hnth\n    communes: ['00004']\n", 1
    )
    path = tmp_path / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        model.load(path)
    assert "systems.1.communes.0" in str(err.value) and "inventory.yaml:" in str(err.value)
