"""INF-HNTH: a registered video-conference endpoint, reachable in service hours, over a link able
to carry a conference (INF-BW's speed tests)."""

from __future__ import annotations

from collector.evaluate.rules.conference_endpoint import conference_endpoint
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, at, site

HN = THRESHOLDS["INF-HNTH"]


def endpoint_up() -> Journal:
    """The endpoint (``hnth`` of the example's Sa Thầy) up from before the window."""
    j = Journal()
    j.terminal(at(-1), "hnth", "up", "video_conference")
    return j.alive()


def test_no_conference_endpoint_is_not_met_with_cause_device() -> None:
    f = conference_endpoint(endpoint_up().inputs(site(1)), HN, WINDOW)
    assert (f.status, f.cause, f.vi) == ("not_met", "device", "Chưa có thiết bị đầu cuối HNTH")


def test_an_endpoint_up_over_a_fast_link_is_met_and_a_slow_link_is_not() -> None:
    j = endpoint_up()
    for day in range(4):
        j.speedtest(at(day * 7 + 1), "tslcd", 40, 40)
    f = conference_endpoint(j.inputs(), HN, WINDOW)
    assert f.status == "met" and f.value == 1.0 and f.details["best_download_mbps"] == 40.0
    j = endpoint_up()
    for day in range(4):
        j.speedtest(at(day * 7 + 1), "internet", 30, 2)
    f = conference_endpoint(j.inputs(), HN, WINDOW)
    assert f.status == "not_met" and f.cause == "link" and "cần 4,0/4,0" in f.vi


def test_an_endpoint_without_speed_tests_or_data_is_unknown() -> None:
    f = conference_endpoint(endpoint_up().inputs(), HN, WINDOW)
    assert f.status == "unknown" and "chưa đo tốc độ" in f.vi
    f = conference_endpoint(Journal().inputs(), HN, WINDOW)
    assert f.status == "unknown"


def test_an_endpoint_down_in_service_hours_is_not_met() -> None:
    j = endpoint_up()
    j.terminal(at(7, 7), "hnth", "down", "video_conference")
    j.terminal(at(14, 7), "hnth", "up", "video_conference")
    for day in range(4):
        j.speedtest(at(day * 7 + 1), "tslcd", 40, 40)
    f = conference_endpoint(j.inputs(), HN, WINDOW)
    assert f.status == "not_met" and f.cause == "device" and f.value is not None
    assert f.value < 0.95
