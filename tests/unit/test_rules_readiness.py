"""What a province has on day one, read by SEC-CONTINGENCY, SEC-DRILL and SEC-TEAM: communes with
no plan or a draft, a drill the province held once for many communes, the commune's focal point
and response team (WINDOW ends on 01/07/2026, Vietnam's time; the plans' deadline is
31/12/2025)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from collector.alerts import texts as alert_texts
from collector.evaluate.rules.contingency import contingency
from collector.evaluate.rules.drill import drill
from collector.evaluate.rules.responder import responder
from collector.inventory import model, readiness
from collector.inventory.model import RISKS, Site
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, site

TEAM = THRESHOLDS["SEC-TEAM"]
DRILL = THRESHOLDS["SEC-DRILL"]
CONT = THRESHOLDS["SEC-CONTINGENCY"]
END = date(2026, 7, 1)
FIXTURES = Path(__file__).parent / "fixtures" / "inventory"
SA_THAY, LY_SON = "23527", "21548"


def approved(risk_level: str | None = None) -> readiness.ContingencyPlan:
    return readiness.ContingencyPlan(
        approved_on=date(2025, 8, 15),
        decision="125/QĐ-UBND",
        risk_level=risk_level,  # type: ignore[arg-type]
        fallback=readiness.Fallback(kind="spare_device", text="Máy dự phòng"),
        responder=readiness.Responder(
            name="Nguyễn Văn An", phone="0912 345 678", confirmed_on=END - timedelta(days=30)
        ),
    )


def draft(**fields: object) -> readiness.ContingencyPlan:
    return readiness.ContingencyPlan.model_validate({"status": "draft", **fields})


def crew(
    code: str = SA_THAY, members: int = 3, focal_age: int | None = 30
) -> readiness.ResponseTeam:
    """A commune's team; ``focal_age`` None: no focal point."""
    focal = None
    if focal_age is not None:
        focal = readiness.FocalPoint(
            name="Đỗ Văn Hùng", phone="0905 222 333", role="Phó Chủ tịch UBND xã",
            confirmed_on=END - timedelta(days=focal_age),
        )  # fmt: skip
    people = [
        readiness.TeamMember(name=f"Thành viên {i}", phone=f"0913 000 00{i}")
        for i in range(members)
    ]
    return readiness.ResponseTeam(commune_code=code, focal_point=focal, members=people)


def province(
    sites: list[Site],
    teams: list[readiness.ResponseTeam] | None = None,
    drills: list[readiness.ProvinceDrill] | None = None,
) -> list[Site]:
    """The sites as their inventory gives them, each with its commune's team and drills."""
    inv = model.Inventory(
        province=model.ProvinceRef(code="51", name="Quảng Ngãi"),
        sites=sites,
        response_teams=teams if teams is not None else [crew()],
        drills=drills or [],
    )
    return inv.sites


def plans(**by_risk: readiness.ContingencyPlan | None) -> dict[str, readiness.ContingencyPlan]:
    """Every risk approved, except those given (None: left out)."""
    found = {r: approved() for r in RISKS}
    for risk, p in by_risk.items():
        if p is None:
            found.pop(risk)
        else:
            found[risk] = p
    return found


def sa_thay(**by_risk: readiness.ContingencyPlan | None) -> Site:
    return province([site(0, contingency=plans(**by_risk))])[0]


def proven() -> Journal:
    j = Journal()
    j.add(WINDOW.start + 3 * 86400, "backup_link_working", "4g", None, None, evidence="speedtest")
    j.mains_restored(WINDOW.start + 10 * 86400, 600)
    return j.alive()


# --- the inventory ------------------------------------------------------------------------------


def test_a_commune_without_any_plan_loads_and_is_not_met_naming_every_risk() -> None:
    inv = model.load(FIXTURES / "valid-day-one.yaml")
    bare = next(s for s in inv.sites if not s.contingency)
    f = contingency(proven().inputs(bare), CONT, WINDOW)
    assert (f.status, f.value) == ("not_met", 0.0)
    assert f.vi == (
        "Chưa đủ phương án dự phòng: 0/5 rủi ro sẵn sàng; chưa có phương án: Hỏng phần cứng, "
        "Lỗi phần mềm, Tấn công mạng, Mất đường truyền, Mất điện; quá hạn từ 01/01/2026 "
        "(hạn 31/12/2025)"
    )
    assert f.details["missing_risks"] == ",".join(RISKS) and f.details["overdue"] == "yes"
    assert f.details["days_overdue"] == 182


def test_an_old_inventory_reads_as_approved() -> None:
    inv = model.load(FIXTURES / "valid-minimal.yaml")
    for plan in inv.sites[0].contingency.values():
        assert plan.status == "approved" and plan.approved_on == date(2025, 8, 15)


def test_the_day_one_fixture_keeps_each_kind_of_record() -> None:
    inv = model.load(FIXTURES / "valid-day-one.yaml")
    first = inv.sites[0]
    assert first.contingency["software"].status == "draft"
    assert first.contingency["hardware"].file_sha256 == "a" * 64  # upper case read as lower
    assert first.response_team is not None and len(first.response_team.members) == 2
    assert [i for i, _d in first.province_drills] == [0]
    drill_0 = inv.drills[0]
    assert drill_0.participants is not None and drill_0.participants.total == 25
    assert drill_0.minutes is not None and drill_0.minutes.reference == "27/BB-CAT"
    assert inv.sites[1].province_drills == ()  # 21548 did not take part
    assert inv.sites[1].response_team is None


# --- SEC-CONTINGENCY ----------------------------------------------------------------------------


def test_a_draft_is_not_met_and_named_apart_from_missing_plans() -> None:
    s = sa_thay(software=draft(risk_level="medium"), cyberattack=None, power_loss=None)
    f = contingency(proven().inputs(s), CONT, WINDOW)
    assert f.status == "not_met"
    assert (
        "chưa có phương án: Tấn công mạng, Mất điện; dự thảo, chưa phê duyệt: Lỗi phần mềm; "
        "quá hạn từ 01/01/2026 (hạn 31/12/2025)"
    ) in f.vi
    assert "no plan: Cyberattack, Power loss; draft, not approved: Software failure" in f.en
    details = f.details
    assert (details["draft_risks"], details["missing_risks"]) == (
        "software",
        "cyberattack,power_loss",
    )
    assert (details["draft"], details["missing"], details["not_approved"]) == (1, 2, 3)
    assert "23527-main:software.status" in f.evidence[0].refs
    assert "1 dự thảo, 2 chưa có; quyết định phê duyệt: 125/QĐ-UBND" in f.evidence[0].vi


def test_before_the_deadline_the_gap_is_due_not_overdue() -> None:
    s = sa_thay(software=draft())
    f = contingency(proven().inputs(s), {**CONT, "deadline": "2026-12-31"}, WINDOW)
    assert f.status == "not_met" and f.vi.endswith(
        "dự thảo, chưa phê duyệt: Lỗi phần mềm; hạn 31/12/2026; mất đường truyền: "
        "đường truyền dự phòng hoạt động lúc 04/06/2026 00:00; mất điện: UPS giữ điện qua lần "
        "mất điện gần nhất (11/06/2026 00:00)"
    )
    assert (f.details["overdue"], f.details["days_overdue"], f.details["overdue_since"]) == (
        "no",
        0,
        None,
    )


def test_every_plan_approved_is_met_and_counts_plans_without_a_level() -> None:
    s = sa_thay(hardware=approved("high"))
    f = contingency(proven().inputs(s), CONT, WINDOW)
    assert f.status == "met" and f.details["overdue"] == "no"
    assert f.details["unleveled"] == 4


# --- SEC-DRILL ----------------------------------------------------------------------------------


def cyber_drill(
    days_ago: int, *communes: str, result: str = "passed", risks: tuple[str, ...] = ("cyberattack",)
) -> readiness.ProvinceDrill:
    return readiness.ProvinceDrill.model_validate(
        {
            "held_on": END - timedelta(days=days_ago),
            "result": result,
            "risks": list(risks),
            "communes": list(communes) or None,
            "all_sites": not communes,
            "participants": {"count": 25, "names": ["Lý Thị Hoa"]},
            "minutes": {"reference": "27/BB-CAT"},
        }
    )


def test_a_province_drill_counts_for_the_communes_it_covered_only() -> None:
    covered, other = province(
        [site(0, contingency=plans()), site(1, contingency=plans())],
        teams=[],
        drills=[cyber_drill(40, SA_THAY)],
    )
    f = drill(Journal().inputs(covered), DRILL, WINDOW)
    assert (f.status, f.value) == ("met", 40.0)
    assert "lần diễn tập gần nhất 22/05/2026 (đạt, diễn tập chung của tỉnh)" in f.vi
    assert f.evidence[0].refs == ("drills[0]",)
    assert f.evidence[0].vi.endswith("25 người tham gia, biên bản 27/BB-CAT")
    assert (f.details["province_drills"], f.details["last_by"], f.details["minutes"]) == (
        1,
        "province",
        "27/BB-CAT",
    )
    assert "Lý Thị Hoa" not in f.evidence[0].vi + f.vi  # names are personal: the count only
    f = drill(Journal(site="21548-main").inputs(other), DRILL, WINDOW)
    assert f.status == "not_met" and f.vi == "Chưa diễn tập phòng chống tấn công mạng"
    assert (f.details["overdue"], f.details["province_drills"]) == ("yes", 0)


def test_a_province_drill_for_all_sites_and_the_newest_of_site_and_province_decides() -> None:
    own = approved().model_copy(
        update={"drills": [readiness.Drill(held_on=END - timedelta(days=10), result="partial")]}
    )
    both = province(
        [site(0, contingency=plans(cyberattack=own)), site(1, contingency=plans())],
        teams=[],
        drills=[cyber_drill(100)],
    )
    first = drill(Journal().inputs(both[0]), DRILL, WINDOW)
    assert first.status == "not_met" and first.details["last_by"] == "site"  # the newer, partial
    assert "chưa ghi biên bản" in first.evidence[0].vi
    second = drill(Journal(site="21548-main").inputs(both[1]), DRILL, WINDOW)
    assert second.status == "met" and second.evidence[0].refs == ("drills[0]",)


def test_a_province_drill_of_another_risk_does_not_count_by_default() -> None:
    power = cyber_drill(10, SA_THAY, risks=("power_loss",))
    (s,) = province([site(0, contingency=plans())], teams=[], drills=[power])
    assert drill(Journal().inputs(s), DRILL, WINDOW).status == "not_met"
    widened = {**DRILL, "risks": ["cyberattack", "power_loss"]}
    assert drill(Journal().inputs(s), widened, WINDOW).status == "met"


def test_an_old_drill_is_overdue_by_the_days_past_the_limit() -> None:
    (s,) = province([site(0, contingency=plans())], teams=[], drills=[cyber_drill(400, SA_THAY)])
    f = drill(Journal().inputs(s), DRILL, WINDOW)
    assert (f.status, f.details["overdue"], f.details["days_overdue"]) == ("not_met", "yes", 35)


def test_a_draft_plans_drill_counts() -> None:
    rehearsed = draft(drills=[{"held_on": END - timedelta(days=5), "result": "passed"}])
    f = drill(Journal().inputs(sa_thay(cyberattack=rehearsed)), DRILL, WINDOW)
    assert f.status == "met"


def test_a_province_drill_without_its_plan_still_counts_as_a_drill() -> None:
    """The drill happened; the missing plan is SEC-CONTINGENCY's finding."""
    (s,) = province([site(0, contingency={})], teams=[], drills=[cyber_drill(20, SA_THAY)])
    assert drill(Journal().inputs(s), DRILL, WINDOW).status == "met"


# --- SEC-TEAM -----------------------------------------------------------------------------------


def test_no_focal_point_is_not_met_and_named() -> None:
    (s,) = province([site(0, contingency=plans())], teams=[crew(focal_age=None)])
    f = responder(Journal().inputs(s), TEAM, WINDOW)
    assert (f.status, f.value, f.details["decided_by"]) == ("not_met", None, "focal_point")
    assert f.vi == "Đội ứng cứu sự cố chưa đạt: chưa có đầu mối phối hợp"
    assert f.en == "Incident response team not met: no focal point"
    assert f.details["focal_point"] == "missing"


def test_a_focal_point_confirmed_too_long_ago_is_not_met() -> None:
    (s,) = province([site(0, contingency=plans())], teams=[crew(focal_age=181)])
    f = responder(Journal().inputs(s), TEAM, WINDOW)
    assert f.status == "not_met"
    assert "đầu mối phối hợp chưa xác nhận lại trong 180 ngày (xác nhận 01/01/2026)" in f.vi
    (edge,) = province([site(0, contingency=plans())], teams=[crew(focal_age=180)])
    assert responder(Journal().inputs(edge), TEAM, WINDOW).status == "met"


def test_too_small_a_team_shows_its_size_against_the_minimum() -> None:
    (s,) = province([site(0, contingency=plans())], teams=[crew(members=2)])
    f = responder(Journal().inputs(s), TEAM, WINDOW)
    assert (f.status, f.value, f.threshold, f.unit) == ("not_met", 2.0, 3, "people")
    assert f.vi == "Đội ứng cứu sự cố chưa đạt: đội ứng cứu có 2 người, cần ít nhất 3"
    assert responder(Journal().inputs(s), {**TEAM, "min_team_members": 2}, WINDOW).status == "met"


def test_a_commune_without_a_team_entry_names_every_gap() -> None:
    (s,) = province([site(0, contingency=plans())], teams=[])
    f = responder(Journal().inputs(s), TEAM, WINDOW)
    assert (f.status, f.value) == ("not_met", 0.0)
    assert f.vi == "Đội ứng cứu sự cố chưa đạt: chưa có đầu mối phối hợp; chưa có đội ứng cứu"


def test_a_draft_needs_no_responder_and_a_missing_plan_is_not_counted_twice() -> None:
    s = sa_thay(software=draft(), cyberattack=None)
    f = responder(Journal().inputs(s), TEAM, WINDOW)
    assert f.status == "met" and f.details["approved_plans"] == 3


def test_the_team_is_the_communes_shared_by_its_sites() -> None:
    push = model.Push(credential_id="sa-thay-2")
    second = site(0, site_id="diem-2", pull=None, push=push, contingency=plans())
    main, point = province([site(0, contingency=plans()), second])
    assert (main.key, point.key) == ("23527-main", "23527-diem-2")
    assert main.response_team is point.response_team is not None
    assert responder(Journal().inputs(point), TEAM, WINDOW).status == "met"


# --- alerts -------------------------------------------------------------------------------------


def test_an_alert_names_the_focal_point_when_the_plan_names_no_one() -> None:
    s = sa_thay(power_loss=None, link_loss=draft())
    vi, en = alert_texts.responder(s, "power_loss")
    assert vi == " Đầu mối phối hợp của xã: Đỗ Văn Hùng, 0905 222 333."
    assert en == " The commune's focal point: Đỗ Văn Hùng, 0905 222 333."
    vi, _en = alert_texts.responder(s, "hardware")
    assert vi == " Người phụ trách: Nguyễn Văn An, 0912 345 678. Phương án dự phòng: Máy dự phòng"
    (alone,) = province([site(0, contingency={})], teams=[])
    assert alert_texts.responder(alone, "power_loss") == ("", "")
