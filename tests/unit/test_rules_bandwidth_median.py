"""INF-BW: medians of throughput tests (bytes/s in, Mbit/s out), Internet and TSLCD apart."""

from __future__ import annotations

from collector.evaluate.rules.bandwidth_median import bandwidth_median
from collector.figures import finding_figures
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
    assert f.status == "met"
    assert f.details["internet_download_mbps"] == 155.0
    assert f.details["internet_upload_mbps"] == 32.5
    assert f.details["tslcd_download_mbps"] == 50.0 and f.details["internet_tests"] == 4
    # the figure closest to its minimum: internet download 155 against 100 (32.5 up against 20
    # is further above its own)
    assert (f.value, f.threshold, f.unit) == (155.0, 100, "Mbit/s")
    assert f.details["decided_by"] == "internet_download"
    assert "Internet: tải xuống 155,0" in f.vi and len(f.evidence[0].refs) == 8


def test_a_slow_tslcd_line_is_not_met_even_with_fast_internet() -> None:
    j = Journal()
    speed_tests(j, "internet", [(200, 50)] * 4)
    speed_tests(j, "tslcd", [(10, 10)] * 5)
    f = bandwidth_median(j.inputs(), BW, WINDOW)
    assert f.status == "not_met" and f.cause == "link"
    assert (f.value, f.threshold, f.unit) == (10.0, 20, "Mbit/s")
    assert "Băng thông thấp" in f.vi and "mạng TSLCD" in f.vi


def test_too_few_tests_is_unknown() -> None:
    j = Journal()
    speed_tests(j, "internet", [(200, 50)] * 3)
    speed_tests(j, "tslcd", [(50, 50)] * 4)
    f = bandwidth_median(j.inputs(), BW, WINDOW)
    assert f.status == "unknown" and "mới có 3 lần đo (cần 4)" in f.vi
    # the count decided, not a speed: 3 tests against 4 (the board showed "100 %")
    assert (f.value, f.threshold, f.unit) == (3.0, 4, "tests")
    shown, bound = finding_figures(f, "vi")
    assert shown == "3 lần đo" and bound.startswith("4") and "%" not in bound


def test_a_mobile_only_site_is_held_against_the_internet_figures() -> None:
    j = Journal(site="21548-main")
    speed_tests(j, "mobile", [(120, 25)] * 4)
    f = bandwidth_median(j.inputs(site(1)), BW, WINDOW)
    assert f.status == "met" and f.details["internet_download_mbps"] == 120.0


def test_a_slow_upload_decides_in_mbits_beside_a_fast_download() -> None:
    """Download 150 (minimum 100), upload 12 (minimum 20): the upload decided.  The value was the
    ratio 0.6 against 1.0, which the board read as the download, 150 Mbit/s against 100 (met),
    beside a red cell."""
    j = Journal(site="21548-main")
    speed_tests(j, "mobile", [(150, 12)] * 4)
    f = bandwidth_median(j.inputs(site(1)), BW, WINDOW)
    assert f.status == "not_met" and f.details["decided_by"] == "internet_upload"
    assert (f.value, f.threshold, f.unit) == (12.0, 20, "Mbit/s")
    assert finding_figures(f, "vi") == ("12 Mbit/s", "20 Mbit/s")


def test_a_median_just_under_its_minimum_never_reads_as_the_minimum() -> None:
    j = Journal(site="21548-main")
    speed_tests(j, "mobile", [(99.96, 30)] * 4)
    f = bandwidth_median(j.inputs(site(1)), BW, WINDOW)
    assert f.status == "not_met" and f.value == 99.96 and f.threshold == 100
    assert "tải xuống 99,9, tải lên 30,0 Mbit/s (tối thiểu 100,0/20,0)" in f.vi


def test_every_finding_is_in_the_unit_of_the_figure_that_decided_it() -> None:
    """Whatever the lines and their tests, the value and threshold are Mbit/s or tests, never a
    ratio (the board printed such a threshold as "100 %")."""
    cases: dict[str, list[tuple[float, float]]] = {
        "met": [(150, 30)] * 4,
        "slow": [(50, 30)] * 4,
        "few": [(150, 30)] * 2,
        "none": [],
    }
    for name, figures in cases.items():
        j = Journal()
        speed_tests(j, "internet", figures)
        speed_tests(j, "tslcd", [(40, 40)] * 4)
        f = bandwidth_median(j.inputs(), BW, WINDOW)
        assert f.unit in ("Mbit/s", "tests"), name
        assert isinstance(f.threshold, int | float) and f.threshold > 1, name
        assert all("%" not in shown for shown in finding_figures(f, "vi")), name
