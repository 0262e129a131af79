"""INF-BW: medians of throughput tests (bytes/s in, Mbit/s out), Internet and TSLCD apart."""

from __future__ import annotations

from collector.evaluate.rules.bandwidth_median import bandwidth_median
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, at, site

BW = THRESHOLDS["INF-BW"]


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
