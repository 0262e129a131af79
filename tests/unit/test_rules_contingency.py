"""SEC-TEAM, SEC-DRILL and SEC-CONTINGENCY (Công an tỉnh): the inventory's contingency plans, as of
the day the evaluation ends (WINDOW ends on 01/07/2026, Vietnam's time), and the journal's
evidence that the link and power fallbacks work.  And: no responder's name or phone in any of
their findings (findings are read by every role)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from collector import figures as fmt
from collector.alerts.build import AlertInputs, build_alerts
from collector.evaluate.model import Evaluation, Finding, SiteInputs
from collector.evaluate.rules import RULES, kinds_for
from collector.evaluate.rules._plans import RISK_VI, end_day
from collector.evaluate.rules.contingency import contingency
from collector.evaluate.rules.drill import drill
from collector.evaluate.rules.responder import responder
from collector.inventory import model, readiness
from collector.inventory.model import RISKS, Site
from collector.targets import effective_thresholds, load_catalogue
from collector.web import texts
from tests.support.alerts import inventory as alert_inventory
from tests.support.evaluate import DAY, THRESHOLDS, WINDOW, Journal, at, site

TEAM = THRESHOLDS["SEC-TEAM"]
DRILL = THRESHOLDS["SEC-DRILL"]
CONT = THRESHOLDS["SEC-CONTINGENCY"]
END = date(2026, 7, 1)
NAMES = ("Phạm Thị Dung", "Hoàng Văn Em")
PHONES = ("0987 654 321", "+84 911 222 333")
FOCAL = ("Đỗ Văn Hùng", "0905 222 333")


def days_before_end(n: int) -> date:
    return END - timedelta(days=n)


def plan(
    approved: date = date(2025, 8, 15),
    confirmed: date | None = None,
    drills: list[tuple[date, str]] | None = None,
    who: int = 0,
) -> model.ContingencyPlan:
    return model.ContingencyPlan(
        approved_on=approved,
        fallback=model.Fallback(kind="spare_device", text="Máy dự phòng tại kho xã"),
        drills=[
            model.Drill(held_on=d, result=r, notes="ghi chú nội bộ")  # type: ignore[arg-type]
            for d, r in drills or []
        ],
        responder=model.Responder(
            name=NAMES[who], phone=PHONES[who], confirmed_on=confirmed or days_before_end(30)
        ),
    )


def team(
    confirmed: date | None = None, members: int = 3, focal: bool = True
) -> readiness.ResponseTeam:
    """Sa Thầy's response team: a focal point confirmed 30 days before the end, 3 members."""
    point = readiness.FocalPoint(
        name=FOCAL[0], phone=FOCAL[1], role="Phó Chủ tịch UBND xã",
        confirmed_on=confirmed or days_before_end(30),
    )  # fmt: skip
    return readiness.ResponseTeam(
        commune_code="23527",
        focal_point=point if focal else None,
        members=[readiness.TeamMember(name=f"Thành viên {i}", phone=f"0913 000 00{i}") for i in
                 range(members)],
    )  # fmt: skip


def in_province(
    s: Site,
    crew: readiness.ResponseTeam | None = None,
    drills: list[readiness.ProvinceDrill] | None = None,
) -> Site:
    """The site as its inventory gives it: with its commune's team and the province's drills."""
    inv = model.Inventory(
        province=model.ProvinceRef(code="51", name="Quảng Ngãi"),
        sites=[s],
        response_teams=[crew] if crew is not None else [],
        drills=drills or [],
    )
    return inv.sites[0]


def with_plans(**by_risk: model.ContingencyPlan | None) -> Site:
    """Every risk planned (recent confirmation, no drill) except those given (None: no plan),
    with a response team of 3 and a focal point confirmed 30 days before the end."""
    plans: dict[str, Any] = {r: plan(who=i % 2) for i, r in enumerate(RISKS)}
    for risk, p in by_risk.items():
        if p is None:
            plans.pop(risk)
        else:
            plans[risk] = p
    return in_province(site(contingency=plans), team())


def inputs(s: Site, j: Journal | None = None) -> SiteInputs:
    return (j or Journal()).inputs(s)


def test_the_evaluation_day_is_the_windows_end_in_vietnam() -> None:
    assert end_day(WINDOW) == END


def test_the_rules_are_registered_with_their_kinds() -> None:
    assert {"responder", "drill", "contingency"} <= set(RULES)
    assert RULES["responder"].kinds == RULES["drill"].kinds == ()
    assert {"backup_link_working", "mains_state", "ups_depleted", "ups_depletion_retracted"} <= (
        kinds_for(["contingency"])
    )


def test_risk_words_are_the_site_pages() -> None:
    for risk in RISKS:
        assert texts.RISKS[risk][0].lower() == RISK_VI[risk]


# --- SEC-TEAM ------------------------------------------------------------------------------------


def test_team_focal_point_team_and_every_responder_confirmed_recently_is_met() -> None:
    f = responder(inputs(with_plans()), TEAM, WINDOW)
    assert (f.status, f.value, f.threshold, f.unit) == ("met", 3.0, 3, "people")
    assert f.vi == (
        "Có đầu mối phối hợp (xác nhận 01/06/2026) và đội ứng cứu 3 người; người phụ trách của "
        "5 phương án đã phê duyệt xác nhận trong 180 ngày (cũ nhất 01/06/2026)"
    )
    assert f.evidence[0].kind == "inventory"
    assert "23527-main:hardware.responder.confirmed_on" in f.evidence[0].refs
    assert "23527:response_team.focal_point.confirmed_on" in f.evidence[0].refs
    assert fmt.finding_figures(f, "vi") == ("3 người", "3")


def test_team_the_boundary_day_counts_and_the_day_after_does_not() -> None:
    edge = with_plans(hardware=plan(confirmed=days_before_end(180)))
    assert responder(inputs(edge), TEAM, WINDOW).status == "met"
    old = with_plans(hardware=plan(confirmed=days_before_end(181)))
    f = responder(inputs(old), TEAM, WINDOW)
    # The team is big enough: its size did not decide, so no figure is shown.
    assert (f.status, f.value, f.threshold) == ("not_met", None, None)
    assert f.details["decided_by"] == "responders"
    assert f.vi == (
        "Đội ứng cứu sự cố chưa đạt: người phụ trách chưa xác nhận lại trong 180 ngày: "
        "hỏng phần cứng (xác nhận 01/01/2026)"
    )
    assert f.en.endswith(
        "responders not confirmed within 180 days: hardware failure (confirmed 2026-01-01)"
    )


def test_team_stale_responders_grouped_by_date_and_missing_plans_left_to_contingency() -> None:
    s = with_plans(
        power_loss=None,
        software=plan(confirmed=date(2025, 10, 1)),
        cyberattack=plan(confirmed=date(2025, 10, 1)),
    )
    f = responder(inputs(s), TEAM, WINDOW)
    assert f.status == "not_met"
    assert "mất điện" not in f.vi  # no plan: SEC-CONTINGENCY's finding, not counted twice
    assert "lỗi phần mềm, tấn công mạng (xác nhận 01/10/2025)" in f.vi
    assert (f.details["approved_plans"], f.details["stale"], f.details["confirmed"]) == (4, 2, 2)


def test_team_a_future_confirmation_does_not_count() -> None:
    s = with_plans(hardware=plan(confirmed=END + timedelta(days=3)))
    f = responder(inputs(s), TEAM, WINDOW)
    assert f.status == "not_met" and "04/07/2026" in f.vi


def test_team_no_plan_at_all_is_not_met_not_unknown() -> None:
    f = responder(inputs(in_province(site(contingency={}), team())), TEAM, WINDOW)
    assert (f.status, f.value) == ("not_met", None)
    assert f.details["decided_by"] == "plans"
    assert f.vi == (
        "Đội ứng cứu sự cố chưa đạt: chưa có phương án ứng phó sự cố nào được phê duyệt, "
        "chưa có người phụ trách"
    )


def test_team_a_province_may_ask_for_fewer_risks_and_a_longer_age() -> None:
    s = with_plans(software=plan(confirmed=days_before_end(300)), link_loss=None)
    th = {**TEAM, "risks": ["hardware", "power_loss"], "contact_confirmed_max_age_days": 365}
    assert responder(inputs(s), th, WINDOW).status == "met"


# --- SEC-DRILL -----------------------------------------------------------------------------------


def test_drill_a_recent_passed_cyberattack_drill_is_met() -> None:
    s = with_plans(cyberattack=plan(drills=[(days_before_end(100), "passed")]))
    f = drill(inputs(s), DRILL, WINDOW)
    assert (f.status, f.value, f.threshold, f.unit) == ("met", 100.0, 365, "days")
    assert "lần diễn tập gần nhất 23/03/2026 (đạt)" in f.vi
    assert f.evidence[0].refs == ("23527-main:cyberattack.drills[0]",)


def test_drill_none_held_is_not_met_and_says_so() -> None:
    f = drill(inputs(with_plans()), DRILL, WINDOW)
    assert (f.status, f.value) == ("not_met", None)
    assert f.vi == "Chưa diễn tập phòng chống tấn công mạng"


def test_drill_other_risks_drills_do_not_count() -> None:
    s = with_plans(power_loss=plan(drills=[(days_before_end(10), "passed")]))
    assert drill(inputs(s), DRILL, WINDOW).status == "not_met"
    widened = {**DRILL, "risks": ["cyberattack", "power_loss"]}
    assert drill(inputs(s), widened, WINDOW).status == "met"


def test_drill_the_boundary_day_counts() -> None:
    edge = with_plans(cyberattack=plan(drills=[(days_before_end(365), "passed")]))
    assert drill(inputs(edge), DRILL, WINDOW).status == "met"
    old = with_plans(cyberattack=plan(drills=[(days_before_end(366), "passed")]))
    f = drill(inputs(old), DRILL, WINDOW)
    assert f.status == "not_met" and "đã quá 365 ngày (366 ngày)" in f.vi


def test_drill_the_newest_decides_and_partial_is_not_met_by_default() -> None:
    drills = [(days_before_end(200), "passed"), (days_before_end(20), "partial")]
    s = with_plans(cyberattack=plan(drills=drills))
    f = drill(inputs(s), DRILL, WINDOW)
    assert f.status == "not_met"
    assert "(đạt một phần)" in f.vi and "cần diễn tập lại" in f.vi
    assert f.details["last_result"] == "partial"
    assert drill(inputs(s), {**DRILL, "accept_partial": True}, WINDOW).status == "met"
    failed = with_plans(cyberattack=plan(drills=[*drills, (days_before_end(5), "failed")]))
    f = drill(inputs(failed), {**DRILL, "accept_partial": True}, WINDOW)
    assert f.status == "not_met" and "không đạt" in f.vi


def test_drill_a_future_drill_is_not_counted() -> None:
    s = with_plans(cyberattack=plan(drills=[(END + timedelta(days=1), "passed")]))
    assert drill(inputs(s), DRILL, WINDOW).status == "not_met"


def test_drill_without_a_cyberattack_plan_is_not_met() -> None:
    f = drill(inputs(with_plans(cyberattack=None)), DRILL, WINDOW)
    assert f.status == "not_met" and f.vi.startswith("Chưa có phương án ứng phó tấn công mạng")


# --- SEC-CONTINGENCY -----------------------------------------------------------------------------


def proven_journal() -> Journal:
    """A backup link seen working and an outage the UPS held, both in the window."""
    j = Journal()
    j.add(at(3), "backup_link_working", "4g", None, None, evidence="quality_round")
    j.mains_restored(at(10), 600)
    return j.alive()


def test_contingency_approved_and_proven_is_met_with_event_evidence() -> None:
    f = contingency(inputs(with_plans(), proven_journal()), CONT, WINDOW)
    assert (f.status, f.value, f.threshold, f.unit) == ("met", 5.0, 5, "risks")
    assert "đường truyền dự phòng hoạt động lúc 04/06/2026 00:00" in f.vi
    assert "UPS giữ điện qua lần mất điện gần nhất (11/06/2026 00:00)" in f.vi
    kinds = [e.kind for e in f.evidence]
    assert kinds == ["inventory", "events", "events"]
    assert "23527-main:power_loss.approved_on" in f.evidence[0].refs
    assert all(ref.startswith("23527-main/j1/") for e in f.evidence[1:] for ref in e.refs)


def test_contingency_a_missing_plan_is_named() -> None:
    f = contingency(inputs(with_plans(software=None), proven_journal()), CONT, WINDOW)
    assert (f.status, f.value) == ("not_met", 4.0)
    assert f.vi.startswith(
        "Chưa đủ phương án dự phòng: 4/5 rủi ro sẵn sàng; chưa có phương án: Lỗi phần mềm; "
        "quá hạn từ 01/01/2026 (hạn 31/12/2025); mất đường truyền: "
    )
    assert "no plan: Software failure; overdue since 2026-01-01 (deadline 2025-12-31)" in f.en
    assert "23527-main:software" in f.evidence[0].refs
    assert (f.details["missing_risks"], f.details["overdue"], f.details["days_overdue"]) == (
        "software",
        "yes",
        182,  # 01/01/2026 to 01/07/2026, both counted
    )


def test_contingency_a_plan_dated_after_the_end_is_not_approved_yet() -> None:
    s = with_plans(hardware=plan(approved=END + timedelta(days=1)))
    assert contingency(inputs(s, proven_journal()), CONT, WINDOW).status == "not_met"


def test_contingency_late_approval_counts_and_is_noted() -> None:
    s = with_plans(hardware=plan(approved=date(2026, 2, 10)))
    f = contingency(inputs(s, proven_journal()), CONT, WINDOW)
    assert f.status == "met" and f.details["approved_late"] == 1
    assert "phê duyệt muộn (hỏng phần cứng: đến 10/02/2026, hạn 31/12/2025)" in f.vi


def test_contingency_a_reporting_site_without_evidence_is_unproven() -> None:
    f = contingency(inputs(with_plans(), Journal().alive()), CONT, WINDOW)
    assert f.status == "not_met" and f.cause == "link"
    assert "mất đường truyền: chưa thấy đường truyền dự phòng hoạt động trong 180 ngày" in f.vi
    assert "mất điện: chưa thấy UPS giữ điện qua lần mất điện nào trong 180 ngày" in f.vi
    assert (f.value, f.details["unproven"]) == (3.0, 2)


def test_contingency_the_figure_and_the_sentence_agree_and_name_the_risks_not_ready() -> None:
    """Plans approved for all five risks, the backup link never seen and the UPS run out: the
    value (3 risks ready of 5) is the figure the sentence gives, and the two risks that are not
    ready are named with why; it used to say "plans for 5 risks" beside a figure of 3."""
    j = Journal()
    j.add(at(20), "ups_depleted", "ups-1", "depleted", 900.0, how="output_off")
    f = contingency(inputs(with_plans(), j.alive()), CONT, WINDOW)
    assert (f.status, f.value, f.threshold, f.unit) == ("not_met", 3.0, 5, "risks")
    assert f.vi.startswith("Chưa đủ phương án dự phòng: 3/5 rủi ro sẵn sàng; ")
    assert f.en.startswith("Contingency plans not ready: 3 of 5 risks ready; ")
    assert "cho 5 rủi ro" not in f.vi and "for 5 risks" not in f.en  # the old contradiction
    assert "mất đường truyền: chưa thấy đường truyền dự phòng hoạt động" in f.vi
    assert "mất điện: UPS cạn pin trong lần mất điện gần nhất (21/06/2026" in f.vi
    assert "link loss: no backup link seen working" in f.en
    assert f.details["not_ready"] == "link_loss,power_loss"
    # Every risk named once: the three ready by the count, the two not ready by name.
    named = [w for w in RISK_VI.values() if f"{w}:" in f.vi]
    assert named == [RISK_VI["link_loss"], RISK_VI["power_loss"]]


def test_contingency_met_gives_the_full_count_and_the_fallbacks_seen() -> None:
    f = contingency(inputs(with_plans(), proven_journal()), CONT, WINDOW)
    assert f.vi.startswith("Đủ phương án dự phòng: 5/5 rủi ro sẵn sàng; mất đường truyền: ")
    assert f.en.startswith("Contingency plans ready: 5 of 5 risks ready; link loss: ")


def test_contingency_a_silent_site_is_unknown_unless_plans_are_missing() -> None:
    f = contingency(inputs(with_plans()), CONT, WINDOW)
    assert f.status == "unknown" and "điểm không gửi nhật ký trong kỳ" in f.vi
    assert f.value is None  # no figure decided it: 3 of 5 beside "unknown" would read not met
    assert f.vi.startswith("Chưa rõ phương án dự phòng: 3/5 rủi ro sẵn sàng; mất đường truyền:")
    assert contingency(inputs(with_plans(hardware=None)), CONT, WINDOW).status == "not_met"


def test_contingency_evidence_before_the_window_is_read_up_to_its_age() -> None:
    j = Journal()
    j.add(WINDOW.end - 170 * DAY, "backup_link_working", "4g", None, None, evidence="speedtest")
    j.mains_restored(WINDOW.end - 180 * DAY, 60)  # exactly at the boundary: counts
    f = contingency(inputs(with_plans(), j.alive()), CONT, WINDOW)
    assert f.status == "met", f.vi
    old = Journal()
    old.add(WINDOW.end - 181 * DAY, "backup_link_working", "4g", None, None, evidence="speedtest")
    old.mains_restored(at(2), 60)
    f = contingency(inputs(with_plans(), old.alive()), CONT, WINDOW)
    assert f.status == "not_met" and "(lần cuối 01/01/2026 00:00)" in f.vi


def test_contingency_a_ups_that_ran_out_last_is_not_met_cause_power() -> None:
    j = proven_journal()
    j.add(at(20), "ups_depleted", "ups-1", "depleted", 900.0, how="output_off")
    f = contingency(inputs(with_plans(), j), CONT, WINDOW)
    assert f.status == "not_met" and f.cause == "power"
    assert "UPS cạn pin trong lần mất điện gần nhất (21/06/2026 00:00)" in f.vi
    held_again = proven_journal()
    held_again.add(at(1), "mains_state", "site", "restored", 7200.0, depleted=True)
    assert contingency(inputs(with_plans(), held_again), CONT, WINDOW).status == "met"


def test_contingency_a_retracted_depletion_is_as_if_the_ups_held() -> None:
    """The agent guessed from a stalled upsd that the UPS ran out, then took it back when the
    UPS answered again on battery: the outage was held, the fallback proven."""
    j = proven_journal()
    j.mains_lost(at(20))
    j.add(at(20) + 600, "ups_depleted", "ups-1", "depleted", 600.0,
          how="silent_after_low_battery", silent_seconds=30.0)  # fmt: skip
    j.add(at(20) + 610, "ups_depletion_retracted", "ups-1", None, None,
          how="silent_after_low_battery", silent_seconds=40.0)  # fmt: skip
    f = contingency(inputs(with_plans(), j), CONT, WINDOW)
    assert f.status == "met" and f.cause is None  # the newest standing is the restored at 11/06
    j.mains_restored(at(20) + 1800, 1800)  # the agent's restored: depleted false
    f = contingency(inputs(with_plans(), j), CONT, WINDOW)
    assert f.status == "met" and "UPS giữ điện qua lần mất điện gần nhất (21/06/2026" in f.vi
    # Without the retraction the same outage is a failed fallback.
    failed = proven_journal()
    failed.mains_lost(at(20))
    failed.add(at(20) + 600, "ups_depleted", "ups-1", "depleted", 600.0,
               how="silent_after_low_battery")  # fmt: skip
    f = contingency(inputs(with_plans(), failed), CONT, WINDOW)
    assert f.status == "not_met" and f.cause == "power"


def test_contingency_a_retraction_after_the_restored_clears_its_depleted() -> None:
    """Another source saw the mains back while the silent UPS still said nothing, so the
    restored says depleted; the UPS then answered on battery and the depletion was taken back."""
    j = proven_journal()
    start = at(20)
    j.add(start + 600, "ups_depleted", "ups-1", "depleted", 600.0,
          how="silent_after_low_battery")  # fmt: skip
    j.add(start + 900, "mains_state", "site", "restored", 900.0,
          started_wall_time_unix=start, depleted=True)  # fmt: skip
    assert contingency(inputs(with_plans(), j), CONT, WINDOW).status == "not_met"
    j.add(start + 905, "ups_depletion_retracted", "ups-1", None, None,
          how="silent_after_low_battery")  # fmt: skip
    f = contingency(inputs(with_plans(), j), CONT, WINDOW)
    assert f.status == "met", f.vi
    # A second source's depletion in the same outage still stands.
    j.add(start + 700, "ups_depleted", "ups-2", "depleted", 700.0, how="output_off")
    f = contingency(inputs(with_plans(), j), CONT, WINDOW)
    assert f.status == "not_met" and f.cause == "power"


def test_contingency_a_province_may_prove_fewer_risks() -> None:
    th = {**CONT, "proven_in_journal": ["power_loss"]}
    j = Journal()
    j.mains_restored(at(10), 600)
    assert contingency(inputs(with_plans(), j.alive()), th, WINDOW).status == "met"


# --- privacy -------------------------------------------------------------------------------------


def texts_of(f: Finding) -> str:
    parts = [f.vi, f.en, *(str(v) for v in f.details.values())]
    for e in f.evidence:
        parts += [e.vi, e.en, *e.refs]
    return "\n".join(parts)


def personal(s: Site) -> set[str]:
    """Every person's name, phone (and the phone's digits alone) and position of the site:
    responders, the focal point, the team, drill participants; fallback texts and drill notes."""
    people: list[Any] = []
    texts_: set[str] = set()
    drills = [d for p in s.contingency.values() for d in p.drills]
    drills += [d for _i, d in s.province_drills]
    for p in s.contingency.values():
        people += [p.responder] if p.responder else []
        texts_ |= {p.fallback.text} if p.fallback else set()
    crew = s.response_team
    if crew is not None:
        people += [crew.focal_point] if crew.focal_point else []
        people += crew.members
        texts_ |= {x.role for x in people if getattr(x, "role", "")}
    for d in drills:
        texts_ |= {d.notes} if d.notes else set()
        texts_ |= set(d.participants.names) if d.participants else set()
    found = {x.name for x in people} | {x.phone for x in people}
    found |= {x.phone.replace(" ", "") for x in people}
    return found | texts_


@pytest.mark.parametrize("index", [0, 1])
def test_no_name_phone_or_note_in_any_finding(index: int) -> None:
    cases = [site(index), with_plans(software=None), site(contingency={})]
    drilled = with_plans(
        cyberattack=plan(drills=[(days_before_end(3), "partial"), (date(2024, 1, 1), "failed")])
    )
    cases.append(drilled)
    province_drill = readiness.ProvinceDrill(
        held_on=days_before_end(10), result="passed", communes=["23527"], notes="ghi chú nội bộ",
        participants=readiness.Participants(count=20, names=["Lý Thị Hoa", "Đinh Văn Sơn"]),
        minutes=readiness.Minutes(reference="27/BB-CAT"),
    )  # fmt: skip
    cases.append(in_province(site(contingency={}), team(members=1), [province_drill]))
    cases.append(in_province(site(), team(confirmed=date(2025, 1, 1)), [province_drill]))
    journals = [Journal(), Journal().alive(), proven_journal()]
    for s in cases:
        secrets = personal(s) | set(NAMES) | set(PHONES) | set(FOCAL)
        for j in journals:
            for rule, th in ((responder, TEAM), (drill, DRILL), (contingency, CONT)):
                f = rule(j.inputs(s), th, WINDOW)
                text = texts_of(f)
                leaked = [x for x in secrets if x and x in text]
                assert not leaked, (f.target, leaked, text)


def test_not_met_findings_alert_the_police_without_names_or_phones() -> None:
    """SansangTargetNotMet for these targets goes to Công an tỉnh (the catalogue's owner) and its
    texts, built from the finding, name no person."""
    catalogue = load_catalogue()
    inv = alert_inventory()
    findings = [
        rule(Journal(site=s.key).alive().inputs(s), th, WINDOW)
        for s in inv.sites
        for rule, th in ((responder, TEAM), (drill, DRILL), (contingency, CONT))
    ]
    assert {f.status for f in findings} == {"not_met"}  # 2025 confirmations, no drill, no proof
    evaluation = Evaluation(WINDOW.end, WINDOW, findings, ())
    inputs_ = AlertInputs(
        now=WINDOW.end,
        inventory=inv,
        catalogue=catalogue,
        evaluation=evaluation,
        thresholds=effective_thresholds(catalogue),
    )
    alerts = [a for a in build_alerts(inputs_) if a.labels["alertname"] == "SansangTargetNotMet"]
    assert len(alerts) == 3 * len(inv.sites)
    assert {a.labels["agency"] for a in alerts} == {"cong_an_tinh"}
    assert {a.labels["target"] for a in alerts} == {"SEC-TEAM", "SEC-DRILL", "SEC-CONTINGENCY"}
    secrets = set().union(*(personal(s) for s in inv.sites))
    for a in alerts:
        text = "\n".join(a.annotations.values())
        assert not [x for x in secrets if x in text], text
