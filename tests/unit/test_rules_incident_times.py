"""SEC-EARLY from the incidents kept: each incident of the site held to the time to detect, to
restore and to report as of the window's end (WINDOW: 30 days from 01/06/2026, Vietnam's time);
no incident is met only while the site reported and Alertmanager's webhook was heard."""

from __future__ import annotations

from collector import figures as fmt
from collector.evaluate.model import Finding, SiteInputs
from collector.evaluate.rules.incident_times import incident_times
from collector.incidents.model import Incident, Intake, SiteIncidents
from tests.support.evaluate import DAY, HOUR, THRESHOLDS, WINDOW, Journal, at

EARLY = THRESHOLDS["SEC-EARLY"]
SITE = "23527-main"
HEARD = Intake(first_at=WINDOW.start - 10 * DAY, last_at=WINDOW.end - HOUR)


def incident(
    id_: int = 1,
    started: float = at(10, 9),
    *,
    detect: float = 60.0,
    restore: float | None = 2 * HOUR,
    report: float | None = 1 * DAY,
    site: str | None = SITE,
    kind: str = "power_loss",
) -> Incident:
    """An incident of ``site`` that began at ``started``; the other times after its start."""
    return Incident(
        id=id_,
        key=f"{kind}|{site}|",
        site=site,
        kind=kind,
        subject="",
        alertname="SansangPowerLost",
        fingerprint="f",
        severity="critical",
        summary="Mất điện lưới",
        started_at=started,
        detected_at=started + detect,
        restored_at=None if restore is None else started + restore,
        restored_by=None if restore is None else "alertmanager",
        reported_at=None if report is None else started + report,
        report_ref=None if report is None else "12/BC-CAT",
    )


def judge(*found: Incident, intake: Intake | None = HEARD, alive: bool = True) -> Finding:
    journal = Journal().alive() if alive else Journal()
    inputs: SiteInputs = journal.inputs(incidents=SiteIncidents(found, intake))
    return incident_times(inputs, EARLY, WINDOW)


def test_incidents_within_every_limit_are_met() -> None:
    f = judge(incident(1), incident(2, at(20, 15), detect=300, restore=4 * HOUR, report=4 * DAY))
    assert f.status == "met", f.vi
    assert (f.value, f.threshold, f.unit) == (2.0, None, "incidents")
    assert f.vi.startswith("2 sự cố, không sự cố nào vượt ngưỡng (phát hiện trong 5 phút")
    assert fmt.figure(f.value, f.unit, "vi") == "2 sự cố"
    assert f.evidence[0].kind == "incident" and f.evidence[0].refs == (
        "/incidents/1",
        "/incidents/2",
    )


def test_late_detection_names_the_incident_and_by_how_much() -> None:
    f = judge(incident(1), incident(7, at(12, 10), detect=12 * 60))
    assert f.status == "not_met"
    assert "1/2 sự cố chưa đạt: Mất điện lưới bắt đầu 10:00 13/06/2026 (sự cố #7): " in f.vi
    assert "phát hiện sau 12 phút" in f.vi and "detected after 12 min" in f.en
    assert f.evidence[0].refs[0] == "/incidents/7"
    assert f.details["not_meeting"] == 1 and f.details["worst_detect_minutes"] == 12


def test_a_slow_restore_and_one_still_open_past_the_limit_are_not_met() -> None:
    slow = incident(1, restore=4 * HOUR + 60)
    open_long = incident(2, WINDOW.end - 5 * HOUR, restore=None, report=None)
    f = judge(slow, open_long)
    assert f.status == "not_met"
    assert "khôi phục sau 4 giờ 1 phút" in f.vi
    assert "chưa khôi phục sau 5 giờ" in f.vi


def test_an_open_incident_within_its_limits_is_met_and_said_to_be_handled() -> None:
    fresh = incident(1, WINDOW.end - 2 * HOUR, restore=None, report=None)
    f = judge(fresh)
    assert f.status == "met", f.vi
    assert "1 sự cố đang xử lý, còn trong hạn" in f.vi


def test_the_report_is_due_by_the_end_of_the_fifth_day() -> None:
    began = at(10, 23.5)  # 23:30 on 11/06: due by the end of 16/06
    on_time = incident(1, began, report=at(15, 23.9) - began)
    late = incident(2, began, report=at(16, 0.1) - began)
    assert judge(on_time).status == "met"
    f = judge(late)
    assert f.status == "not_met"
    assert "báo cáo muộn (00:06 17/06/2026, hạn 16/06/2026)" in f.vi


def test_not_reported_past_the_deadline_is_overdue() -> None:
    f = judge(incident(3, at(2, 8), report=None))
    assert f.status == "not_met"
    assert "quá hạn báo cáo (hạn 08/06/2026)" in f.vi and "report overdue" in f.en


def test_what_happened_after_the_window_does_not_count() -> None:
    """A closed window is judged as it stood at its end: a report written later is not in it,
    and an incident detected after it is not either."""
    late_report = incident(1, WINDOW.end - 6 * DAY, report=7 * DAY)
    assert "quá hạn báo cáo" in judge(late_report).vi
    after = incident(2, WINDOW.end - 60, detect=120)
    f = judge(after)
    assert (f.status, f.value) == ("met", 0.0), f.vi


def test_settled_incidents_before_the_window_and_other_sites_are_left_out() -> None:
    settled = incident(1, WINDOW.start - 9 * DAY, report=DAY)
    other = incident(2, site="21548-main", detect=3600)
    province = incident(3, site=None, kind="central_outage", detect=3600)
    f = judge(settled, other, province)
    assert f.status == "met" and f.value == 0 and "Không có sự cố trong kỳ" in f.vi


def test_an_incident_begun_before_the_window_still_unreported_is_judged() -> None:
    f = judge(incident(1, WINDOW.start - 9 * DAY, report=None))
    assert f.status == "not_met" and "quá hạn báo cáo" in f.vi


def test_no_incident_is_evidence_only_while_sansang_was_listening() -> None:
    assert judge().status == "met"
    never = judge(intake=None)
    assert never.status == "unknown"
    assert "bộ thu chưa nhận cảnh báo từ Alertmanager suốt kỳ" in never.vi
    started_late = judge(intake=Intake(WINDOW.start + DAY, WINDOW.end))
    assert started_late.status == "unknown" and "(từ " in started_late.vi
    stale = judge(intake=Intake(WINDOW.start - DAY, WINDOW.end - 3 * DAY))
    assert stale.status == "unknown" and "không nhận cảnh báo nào" in stale.vi
    silent = judge(alive=False)
    assert silent.status == "unknown" and "không nhận được sự kiện nào của điểm" in silent.vi


def test_incidents_are_judged_even_when_the_intake_is_unknown() -> None:
    """An incident kept is evidence by itself (it may have been recorded by hand)."""
    assert judge(incident(1, detect=3600), intake=None).status == "not_met"


def test_the_log_not_read_is_unknown() -> None:
    inputs = Journal().alive().inputs()
    f = incident_times(inputs, EARLY, WINDOW)
    assert f.status == "unknown" and f.value is None


def test_many_broken_incidents_name_three_and_count_the_rest() -> None:
    found = [incident(i, at(i, 8), report=None) for i in range(1, 7)]
    f = judge(*found)
    assert f.vi.startswith("6/6 sự cố chưa đạt: ")
    assert f.vi.count("(sự cố #") == 3 and f.vi.endswith("và 3 sự cố khác")


def test_thresholds_come_from_the_catalogue_block() -> None:
    strict = {**EARLY, "max_detect_minutes": 0.5}
    inputs = Journal().alive().inputs(incidents=SiteIncidents([incident(1)], HEARD))
    assert incident_times(inputs, strict, WINDOW).status == "not_met"
    lax = {**EARLY, "report_within_days": 40}
    late = incident(1, at(2, 8), report=None)
    inputs = Journal().alive().inputs(incidents=SiteIncidents([late], HEARD))
    assert incident_times(inputs, lax, WINDOW).status == "met"
