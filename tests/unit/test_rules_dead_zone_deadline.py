"""INF-DZ: the plans' deadline for clearing dead zones as people read a date, overdue once it
has passed; survey evidence naming the village with every figure the surveyor's laptop gave
(download, loss, the modem's RSRP and RSRQ)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from collector.evaluate.model import Window
from collector.evaluate.rules.dead_zone import dead_zone
from collector.survey import SurveyPoint
from sansang.i18n import ZONE
from tests.support.evaluate import DAY, THRESHOLDS, WINDOW, Journal, at, site

DZ = THRESHOLDS["INF-DZ"]  # deadline 2025-11-30


def slow_mobile(window: Window = WINDOW) -> Journal:
    """Three speed tests over the mobile link inside ``window`` (median 4 Mbit/s)."""
    j = Journal(site="21548-main")
    for i, down in enumerate((3.0, 4.0, 12.0)):
        j.speedtest(at(i * 7 + 1), "mobile", down, 1.0)
    shift = window.start - WINDOW.start  # the builder files events by WINDOW: move them after
    j.events = [replace(e, wall_time=e.wall_time + shift) for e in j.events]
    return j


def ending(year: int, month: int, day: int, hour: int = 9) -> Window:
    end = datetime(year, month, day, hour, tzinfo=ZONE).timestamp()
    return Window(end - 30 * DAY, end)


def test_a_dead_zone_past_the_deadline_is_overdue() -> None:
    """Evaluated in June 2026: the deadline of 30/11/2025 passed 213 days before the window's
    end (it printed "cần xoá trước 2025-11-30" then, with nothing saying it had passed)."""
    f = dead_zone(slow_mobile().inputs(site(1)), DZ, WINDOW)
    assert f.status == "not_met"
    assert f.vi.endswith(" — quá hạn từ 30/11/2025") and "cần xoá trước" not in f.vi
    assert f.en.endswith(" (overdue since 30/11/2025)")
    assert (f.details["overdue"], f.details["days_overdue"]) == (1, 213)
    assert f.details["deadline"] == "2025-11-30"


def test_before_the_deadline_and_on_its_day_it_is_due_not_overdue() -> None:
    for window in (ending(2025, 11, 10), ending(2025, 11, 30, 17)):
        f = dead_zone(slow_mobile(window).inputs(site(1)), DZ, window)
        assert f.status == "not_met"
        assert f.vi.endswith(" — cần xoá trước 30/11/2025") and "quá hạn" not in f.vi
        assert f.en.endswith(" (deadline 30/11/2025)")
        assert (f.details["overdue"], f.details["days_overdue"]) == (0, 0)
    window = ending(2025, 12, 1, 0)  # midnight: the first day after it
    f = dead_zone(slow_mobile(window).inputs(site(1)), DZ, window)
    assert (f.details["overdue"], f.details["days_overdue"]) == (1, 1)


def test_a_met_site_says_nothing_of_the_deadline() -> None:
    j = Journal(site="21548-main")
    for i in range(3):
        j.speedtest(at(i * 7 + 1, 3), "mobile", 30.0, 10.0)
    f = dead_zone(j.inputs(site(1)), DZ, WINDOW)
    assert f.status == "met" and "overdue" not in f.details and "30/11/2025" not in f.vi


def test_the_survey_evidence_names_the_village_and_its_signal() -> None:
    village = SurveyPoint(
        "Thôn Làng Rê", 14.4132, 107.7930, at(2, 10), 2.1e6 / 8, 1e5, 0.125, 0.31,
        operator="Viettel", technology="lte", rsrp_dbm=-117.0, rsrq_db=-16.5,
    )  # fmt: skip
    failed = SurveyPoint("Bản Đăk Tang", 14.42, 107.80, at(3, 9), None, None, 1.0, None)
    f = dead_zone(Journal().inputs(survey=[village, failed]), DZ, WINDOW)
    assert f.status == "not_met" and f.details["survey_points_dead"] == 2
    first, second = (e for e in f.evidence if e.kind == "survey")
    assert first.vi == (
        "Khảo sát tại Thôn Làng Rê (14.41320,107.79300) ngày 03/06/2026: tải xuống 2,1 Mbit/s, "
        "mất gói 12,5 %, RSRP -117 dBm, RSRQ -16,5 dB (Viettel, lte)"
    )
    assert first.en == (
        "Survey at Thôn Làng Rê (14.41320,107.79300) on 03/06/2026: download 2.1 Mbit/s, "
        "loss 12.5 %, RSRP -117 dBm, RSRQ -16.5 dB (Viettel, lte)"
    )
    assert second.vi.endswith("ngày 04/06/2026: tải xuống không đo được, mất gói 100 %")
