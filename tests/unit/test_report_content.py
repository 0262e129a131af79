"""What the monthly report says, built from the simulated province's real findings (two months
of agent journals in a real SQLite store, evaluated month by month): every part of the report
traced back to the findings, the inventory and the survey points it comes from."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter
from collections.abc import Mapping

from collector.figures import finding_figures
from collector.report.content import Tally, build, change, plain
from collector.targets import Target
from sansang.i18n import CAUSES
from tests.support.report import GENERATED_AT, MONTH, simulated_province, simulated_report


def _evaluated(targets: list[Target]) -> list[str]:
    return [t.id for t in targets if t.status == "evaluated"]


def test_targets_follow_the_catalogue_with_this_month_and_the_previous() -> None:
    report, p = simulated_report(), simulated_province()
    ids = [s.target for s in report.targets]
    assert ids == [t for t in _evaluated(p.catalogue.targets) if t in ids]
    assert {"INF-PWR", "INF-DZ", "INF-HNTH", "OPS-247"} <= set(ids)
    for s in report.targets:
        now = Counter(f.status for f in p.current.findings if f.target == s.target)
        before = Counter(f.status for f in p.previous.findings if f.target == s.target)
        assert s.tally == Tally(now["met"], now["not_met"], now["unknown"])
        assert s.previous == Tally(before["met"], before["not_met"], before["unknown"])
        assert s.tally.total == len(p.inventory.sites)
        assert s.change == change(s.tally, s.previous, MONTH.previous())
        assert s.name and s.title and s.owner  # Vietnamese names, the owner named
    assert any(s.change.startswith(("+", "-")) for s in report.targets)


def test_the_change_since_the_previous_month_in_words() -> None:
    assert change(Tally(5, 1, 0), Tally(3, 3, 0), MONTH.previous()) == (
        "+2 xã đạt so với tháng 10/2026"
    )
    assert change(Tally(2, 4, 0), Tally(3, 3, 0), MONTH.previous()) == (
        "-1 xã đạt so với tháng 10/2026"
    )
    assert change(Tally(3, 2, 1), Tally(3, 3, 0), MONTH.previous()) == "không đổi"
    assert change(Tally(3, 2, 1), None, MONTH.previous()) == "chưa có số liệu tháng trước"
    p = simulated_province()
    alone = build(p.current, None, p.inventory, p.catalogue, p.survey, GENERATED_AT)
    assert {s.change for s in alone.targets} == {"chưa có số liệu tháng trước"}
    assert all(s.previous is None for s in alone.targets)


def test_every_commune_is_a_row_by_name_with_a_cell_per_target() -> None:
    report, p = simulated_report(), simulated_province()
    assert sorted(r.key for r in report.sites) == sorted(s.key for s in p.inventory.sites)
    names = [r.commune for r in report.sites]
    assert names == sorted(names, key=lambda n: (plain(n), n))
    assert plain("Xã Đăk Rơ Wa") == "xa dak ro wa"
    sites = {s.key: s for s in p.inventory.sites}
    found = {(f.site, f.target): f for f in p.current.findings}
    targets = [s.target for s in report.targets]
    for row in report.sites:
        assert row.commune == sites[row.key].commune.name
        assert unicodedata.is_normalized("NFC", row.commune)
        assert list(row.cells) == targets
        for target, cell in row.cells.items():
            f = found[(row.key, target)]
            assert (cell.status, cell.value, cell.unit, cell.sentence) == (
                f.status,
                f.value,
                f.unit,
                f.vi,
            )
            assert cell.figure == finding_figures(f, "vi")[0]
    figures = [c.figure for r in report.sites for c in r.cells.values()]
    assert any(f.endswith(" %") for f in figures) and any("Mbit/s" in f for f in figures)


def test_the_not_met_list_gives_cause_sentence_and_evidence() -> None:
    report, p = simulated_report(), simulated_province()
    not_met = [f for f in p.current.findings if f.status == "not_met"]
    assert len(report.not_met) == len(not_met) > 0
    by_key = {(n.key, n.target): n for n in report.not_met}
    for f in not_met:
        n = by_key[(f.site, f.target)]
        assert n.sentence == f.vi
        assert n.cause == f.cause
        assert n.cause_text == (CAUSES[f.cause][0] if f.cause else "")
        assert list(n.evidence) == [e.vi for e in f.evidence]
        assert list(n.refs) == [r for e in f.evidence for r in e.refs]
    order = [s.target for s in report.targets]
    assert [order.index(n.target) for n in report.not_met] == sorted(
        order.index(n.target) for n in report.not_met
    )
    assert any(n.evidence for n in report.not_met)
    assert any(n.cause_text == "mất điện lưới" for n in report.not_met)


def test_the_province_lines_are_the_shared_systems() -> None:
    report, p = simulated_report(), simulated_province()
    assert len(report.province) == len(p.current.province_findings)
    one_stop = [line for line in report.province if line.name == "Hệ thống Một cửa điện tử"]
    assert one_stop and one_stop[0].target == "OPS-247"
    # The simulated outage of the one-stop system before opening hours: not met, in words.
    assert one_stop[0].status == "not_met" and one_stop[0].evidence
    assert one_stop[0].reading.startswith(one_stop[0].figure)


def test_power_dead_zones_for_the_power_company() -> None:
    report, p = simulated_report(), simulated_province()
    expected = {
        f.site: f
        for f in p.current.findings
        if f.target == "INF-PWR" and f.status == "not_met" and f.details.get("dead_zone") == 1
    }
    assert expected, "the simulated mountain communes lose power in the afternoons"
    assert {z.key for z in report.power_dead_zones} == set(expected)
    for z in report.power_dead_zones:
        f = expected[z.key]
        assert z.sustained_outages == f.details["sustained"]
        assert z.minutes_without_mains == f.details["outage_minutes"]
        assert z.ups_ran_flat == (int(f.details["ups_depleted"] or 0) > 0)
        assert z.commune and z.sentence == f.vi
    assert any(z.ups_ran_flat for z in report.power_dead_zones)


def test_coverage_dead_zones_per_operator_with_the_surveyed_villages() -> None:
    report = simulated_report()
    places = {c.place: c for c in report.coverage_dead_zones}
    # Below INF-DZ's threshold, tied to a commune or to none; above it: left out.
    assert set(places) == {"Thôn Đăk Ne", "Làng Tu Rét", "Bản Xốp Dụi", "Thôn Tà Pók"}
    tied = places["Thôn Đăk Ne"]
    assert tied.commune.startswith(("Xã ", "Phường ")) and tied.operator == "Viettel"
    assert (tied.rsrp_dbm, tied.rsrq_db, tied.loss_ratio) == (-118.0, -16.5, 0.12)
    assert tied.download_mbps is not None and abs(tied.download_mbps - 1.2) < 1e-9
    assert places["Bản Xốp Dụi"].commune == ""
    assert places["Thôn Tà Pók"].download_mbps is None  # the test failed: no throughput
    assert str(places["Bản Xốp Dụi"].surveyed_on) == "2026-11-01"
    operators = [c.operator for c in report.coverage_dead_zones]
    assert operators == sorted(operators, key=plain)
    assert "Các doanh nghiệp viễn thông Viettel, VNPT, MobiFone (điểm lõm sóng)" in (
        report.recipients
    )


def test_communes_without_the_conference_endpoint_and_deadlines_overdue() -> None:
    report, p = simulated_report(), simulated_province()
    missing = {
        f.site
        for f in p.current.findings
        if f.target == "INF-HNTH" and f.details.get("required") == "yes"
        if f.details.get("endpoints") == 0
    }
    assert missing
    assert {m.key for m in report.conference_missing} == missing
    assert {str(m.deadline) for m in report.conference_missing} == {"2025-08-31"}
    overdue = {(o.target, o.key) for o in report.overdue}
    assert {("INF-HNTH", key) for key in missing} <= overdue
    dz = {
        f.site for f in p.current.findings if f.target == "INF-DZ" and f.details.get("overdue") == 1
    }
    assert dz and {("INF-DZ", key) for key in dz} <= overdue
    assert len(overdue) == len(missing) + len(dz)


def test_the_issuer_place_and_recipients_default_from_the_province() -> None:
    report = simulated_report()
    assert (report.province_code, report.province_name, report.place) == (
        "51",
        "Quảng Ngãi",
        "Quảng Ngãi",
    )
    assert report.managing_body == "UBND tỉnh Quảng Ngãi"
    assert report.issuer == "Sở Khoa học và Công nghệ"
    assert report.recipients[0] == "UBND tỉnh (để báo cáo)"
    assert "Công an tỉnh" in report.recipients
    assert "Sở Công Thương, Công ty Điện lực Quảng Ngãi (điểm lõm điện)" in report.recipients
    assert report.recipients[-1] == "Lưu: VT"
    assert (report.month, report.generated_at) == (MONTH, GENERATED_AT)
    assert report.window == simulated_province().current.window


def test_build_is_pure() -> None:
    p = simulated_province()
    again = build(p.current, p.previous, p.inventory, p.catalogue, p.survey, GENERATED_AT)
    assert again == simulated_report()
    later = build(p.current, p.previous, p.inventory, p.catalogue, p.survey, GENERATED_AT + 60)
    assert dataclasses.replace(later, generated_at=GENERATED_AT) == again


def test_the_police_part_lists_what_their_findings_say_is_overdue() -> None:
    report, p = simulated_report(), simulated_province()
    s = report.security
    assert [t.target for t in s.targets] == [
        t.target for t in report.targets if t.target.startswith("SEC-")
    ]

    def overdue(target: str, details: Mapping[str, object]) -> bool:
        if target in ("SEC-CONTINGENCY", "SEC-DRILL"):
            return details.get("overdue") == "yes"
        if target == "SEC-TEAM":
            return details.get("focal_point") == "stale" or bool(details.get("stale"))
        return target == "SEC-LEVEL" and details.get("overdue_since") is not None

    expected = {
        (f.site, f.target)
        for f in p.current.findings
        if f.status == "not_met" and overdue(f.target, f.details)
    }
    assert {t for _, t in expected} >= {"SEC-CONTINGENCY", "SEC-DRILL", "SEC-TEAM"}
    assert {(o.key, o.target) for o in s.overdue} == expected
    assert all(o.commune and o.what for o in s.overdue)
    machines = [n.key for n in report.not_met if n.target == "SEC-MEASURES"]
    assert [n.key for n in s.machines] == machines
