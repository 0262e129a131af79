"""INF-BW and INF-DZ: medians of throughput tests (bytes/s in, Mbit/s out), Internet and TSLCD
apart; mobile dead zones at sites and survey points."""

from __future__ import annotations

from collector.evaluate.model import SurveyPoint
from collector.evaluate.rules import dead_zone_points
from collector.evaluate.rules.bandwidth_median import bandwidth_median
from collector.evaluate.rules.dead_zone import dead_zone
from tests.unit.evaluate_support import THRESHOLDS, WINDOW, Journal, at, site

BW = THRESHOLDS["INF-BW"]
DZ = THRESHOLDS["INF-DZ"]


def speed_tests(j: Journal, kind: str, figures: list[tuple[float, float]]) -> None:
    for i, (down, up) in enumerate(figures):
        j.speedtest(at(i * 7 + 1, 3), kind, down, up)


def test_medians_above_both_lines_minimums_are_met() -> None:
    j = Journal()
    speed_tests(j, "internet", [(150, 30), (180, 40), (90, 25), (160, 35)])  # median 155 / 32.5
    speed_tests(j, "tslcd", [(50, 50)] * 4)
    j.speedtest(at(3), "internet", 1, 1, state="failed")  # failed tests do not count
    f = bandwidth_median(j.inputs(), BW, WINDOW)
    assert f.status == "met" and f.unit == "ratio"
    assert f.details["internet_download_mbps"] == 155.0
    assert f.details["internet_upload_mbps"] == 32.5
    assert f.details["tslcd_download_mbps"] == 50.0 and f.details["internet_tests"] == 4
    assert f.value == 1.55  # the worst ratio: internet download 155 / 100
    assert "Internet: tải xuống 155,0" in f.vi and len(f.evidence[0].refs) == 8


def test_a_slow_tslcd_line_is_not_met_even_with_fast_internet() -> None:
    j = Journal()
    speed_tests(j, "internet", [(200, 50)] * 4)
    speed_tests(j, "tslcd", [(10, 10)] * 5)
    f = bandwidth_median(j.inputs(), BW, WINDOW)
    assert f.status == "not_met" and f.value == 0.5 and f.cause == "link"
    assert "Băng thông thấp" in f.vi and "mạng TSLCD" in f.vi


def test_too_few_tests_is_unknown() -> None:
    j = Journal()
    speed_tests(j, "internet", [(200, 50)] * 3)
    speed_tests(j, "tslcd", [(50, 50)] * 4)
    f = bandwidth_median(j.inputs(), BW, WINDOW)
    assert f.status == "unknown" and "mới có 3 lần đo (cần 4)" in f.vi


def test_a_mobile_only_site_is_held_against_the_internet_figures() -> None:
    j = Journal(site="21548-main")
    speed_tests(j, "mobile", [(120, 25)] * 4)
    f = bandwidth_median(j.inputs(site(1)), BW, WINDOW)
    assert f.status == "met" and f.details["internet_download_mbps"] == 120.0


def test_a_slow_mobile_link_is_a_dead_zone_and_a_fast_one_is_not() -> None:
    j = Journal(site="21548-main")
    speed_tests(j, "mobile", [(3, 1), (4, 1), (12, 2)])
    f = dead_zone(j.inputs(site(1)), DZ, WINDOW)
    assert f.status == "not_met" and f.value == 4.0 and f.unit == "Mbit/s"
    assert f.vi.startswith("Điểm lõm sóng") and "2025-11-30" in f.vi
    j = Journal(site="21548-main")
    speed_tests(j, "mobile", [(30, 10)] * 3)
    assert dead_zone(j.inputs(site(1)), DZ, WINDOW).status == "met"


def test_loss_over_the_mobile_link_is_a_dead_zone() -> None:
    j = Journal(site="21548-main")
    for i in range(10):
        j.add(
            at(1, i),
            "link_quality",
            "dc",
            None,
            0.1,
            link="lte",
            link_kind="mobile",
            loss_ratio=0.2,
            received=16,
        )
    f = dead_zone(j.inputs(site(1)), DZ, WINDOW)
    assert f.status == "not_met" and f.details["mobile_loss_ratio"] == 0.2 and "mất gói" in f.vi


def point(
    label: str,
    mbps: float | None,
    site_key: str | None = None,
    lat: float = 14.4132,
    lon: float = 107.7930,
) -> SurveyPoint:
    return SurveyPoint(
        label,
        lat,
        lon,
        at(2),
        None if mbps is None else mbps * 1e6 / 8,
        None,
        0.0,
        0.05,
        site=site_key,
    )


def test_no_mobile_data_and_no_survey_is_unknown_and_a_bad_survey_point_is_not_met() -> None:
    assert dead_zone(Journal().inputs(), DZ, WINDOW).status == "unknown"
    f = dead_zone(Journal().inputs(survey=[point("Thôn 3", None)]), DZ, WINDOW)
    assert f.status == "not_met" and f.details["survey_points_dead"] == 1
    assert any("không đo được" in e.vi for e in f.evidence)
    f = dead_zone(Journal().inputs(survey=[point("Thôn 4", 25.0)]), DZ, WINDOW)
    assert f.status == "met"


def test_survey_points_of_no_site_below_threshold_make_the_province_list() -> None:
    points = [point("Làng A", 2.0), point("Làng B", 40.0), point("Trụ sở", 1.0, "23527-main")]
    assert [p.label for p in dead_zone_points(points, DZ)] == ["Làng A"]
