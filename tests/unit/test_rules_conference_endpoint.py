"""INF-HNTH: the communes the province lists have a video-conference endpoint, reachable in
service hours, answering on its call-signalling port, over a line able to carry a conference
(INF-BW's speed tests); the figure of each finding is the one that decided it."""

from __future__ import annotations

from datetime import date
from typing import Any

from collector.evaluate.rules.conference_endpoint import conference_endpoint
from collector.inventory import model
from collector.inventory.model import Site
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, _example, at, site

HN = THRESHOLDS["INF-HNTH"]
SA_THAY, LY_SON = 0, 1  # the example's sites: Sa Thầy with the endpoint `hnth`, Lý Sơn without


def with_list(index: int, *deadlines: date | None) -> Site:
    """Site ``index`` of the example inventory, the province's list holding its commune with
    each of ``deadlines`` (none: the list names other communes; ``None`` alone: no list)."""
    data = _example().model_dump()
    own = data["sites"][index]["commune_code"]
    if deadlines == (None,):
        data["video_conference_required"] = None
    else:
        lists: list[dict[str, Any]] = [{"deadline": date(2025, 8, 31), "communes": ["23530"]}]
        lists += [{"deadline": d, "communes": [own], "source": "CV 472"} for d in deadlines]
        data["video_conference_required"] = lists
    return model.Inventory.model_validate(data).sites[index]


def endpoint(signalling: str | None = "answered", port: int = 5060) -> Journal:
    """The endpoint ``hnth`` up from before the window; its signalling port as given (``None``:
    an agent that does not check it)."""
    j = Journal()
    said = {} if signalling is None else _said(signalling, port)
    j.add(at(-1), "terminal_state", "hnth", "up", kind="video_conference", **said)
    return j.alive()


def _said(signalling: str, port: int = 5060) -> dict[str, Any]:
    return {"signalling": signalling, "signalling_protocol": "sip", "signalling_port": port}


def fast(j: Journal, down: float = 40, up: float = 40, kind: str = "tslcd") -> Journal:
    for day in range(4):
        j.speedtest(at(day * 7 + 1), kind, down, up)
    return j


# -- registered and required -----------------------------------------------------------------


def test_on_the_list_without_an_endpoint_before_the_deadline_is_not_met_and_due() -> None:
    f = conference_endpoint(
        Journal().alive().inputs(with_list(LY_SON, date(2026, 8, 31))), HN, WINDOW
    )
    assert (f.status, f.cause) == ("not_met", "device")
    assert (f.value, f.threshold, f.unit) == (0, 1, "terminals")
    assert f.vi == "Chưa có thiết bị đầu cuối HNTH, hạn 31/08/2026"
    assert f.en == "No video-conference endpoint registered, due 31/08/2026"
    assert f.details["required"] == "yes" and f.details["deadline"] == "2026-08-31"
    assert f.evidence[0].kind == "inventory" and "CV 472" in f.evidence[0].vi


def test_on_the_list_after_the_deadline_says_since_when_it_is_overdue() -> None:
    f = conference_endpoint(Journal().inputs(with_list(LY_SON, date(2025, 8, 31))), HN, WINDOW)
    assert f.status == "not_met"
    assert f.vi == "Chưa có thiết bị đầu cuối HNTH, quá hạn từ 01/09/2025 (hạn 31/08/2025)"
    # The window ends at midnight starting 1/7/2026: a deadline of 30/6 has just passed, one of
    # 1/7 has not.
    last_day = with_list(LY_SON, date(2026, 6, 30))
    assert "quá hạn từ 01/07/2026" in conference_endpoint(Journal().inputs(last_day), HN, WINDOW).vi
    due = with_list(LY_SON, date(2026, 7, 1))
    assert conference_endpoint(Journal().inputs(due), HN, WINDOW).vi.endswith("hạn 01/07/2026")


def test_not_on_the_list_without_an_endpoint_is_not_required_and_not_counted_against() -> None:
    """Before, every commune without an endpoint was not met, listed or not."""
    f = conference_endpoint(Journal().alive().inputs(with_list(LY_SON)), HN, WINDOW)
    assert f.status == "met" and f.cause is None
    assert (f.value, f.threshold, f.unit) == (0, 0, "terminals")
    assert f.vi.startswith("Không bắt buộc: xã không có trong danh sách")
    assert f.details["required"] == "no"


def test_without_any_list_a_site_without_an_endpoint_is_unknown() -> None:
    f = conference_endpoint(Journal().inputs(with_list(LY_SON, None)), HN, WINDOW)
    assert f.status == "unknown" and f.details["required"] is None
    assert "video_conference_required" in f.vi


# -- reachable, signalling, carried ----------------------------------------------------------


def test_a_pingable_endpoint_whose_signalling_port_is_closed_is_not_met() -> None:
    """Before, an endpoint that answered ping over a fast line was met."""
    f = conference_endpoint(fast(endpoint("refused")).inputs(), HN, WINDOW)
    assert (f.status, f.cause) == ("not_met", "device")
    assert (f.value, f.threshold, f.unit) == (0.0, HN["min_signalling_in_service"], "ratio")
    assert "cổng báo hiệu SIP 5060/tcp trả lời 0 % giờ phục vụ (tối thiểu 95 %)" in f.vi
    assert "lần gần nhất: từ chối kết nối" in f.vi
    assert f.details["availability_in_service"] == 1.0
    assert f.details["signalling_in_service"] == 0.0


def test_an_endpoint_whose_signalling_is_not_checked_is_unknown_never_met() -> None:
    f = conference_endpoint(fast(endpoint(None)).inputs(), HN, WINDOW)
    assert f.status == "unknown"
    assert (f.value, f.threshold, f.unit) == (None, HN["min_signalling_in_service"], "ratio")
    assert "chưa kiểm tra cổng báo hiệu" in f.vi


def test_a_port_that_stops_answering_for_a_week_counts_its_service_hours() -> None:
    j = fast(endpoint())
    j.add(at(7, 7), "terminal_state", "hnth", "up", kind="video_conference", **_said("timeout"))
    j.add(at(14, 7), "terminal_state", "hnth", "up", kind="video_conference", **_said("answered"))
    f = conference_endpoint(j.inputs(), HN, WINDOW)
    assert f.status == "not_met" and f.unit == "ratio"
    assert f.value is not None and 0.6 < f.value < 0.85
    assert f.details["availability_in_service"] == 1.0  # it answered ping all along
    assert "không phản hồi (quá thời gian chờ)" in f.vi


def test_failing_on_bandwidth_gives_the_slow_direction_in_mbit_s() -> None:
    """Before, the value was the endpoint's availability: the board read "100 % ✖"."""
    f = conference_endpoint(fast(endpoint(), 30, 2, "internet").inputs(), HN, WINDOW)
    assert (f.status, f.cause) == ("not_met", "link")
    assert (f.value, f.threshold, f.unit) == (2.0, HN["min_upload_mbps"], "Mbit/s")
    assert "30,0/2,0 Mbit/s (cần 4,0/4,0), tải lên không đủ" in f.vi
    slow_down = conference_endpoint(fast(endpoint(), 3.96, 40).inputs(), HN, WINDOW)
    assert (slow_down.value, slow_down.threshold) == (3.96, HN["min_download_mbps"])
    assert "3,9/40,0 Mbit/s" in slow_down.vi  # cut, never rounded up to the need it misses


def test_without_speed_tests_the_line_is_unknown_with_its_threshold() -> None:
    f = conference_endpoint(endpoint().inputs(), HN, WINDOW)
    assert f.status == "unknown" and "chưa đo tốc độ" in f.vi
    assert (f.value, f.threshold, f.unit) == (None, HN["min_download_mbps"], "Mbit/s")
    assert conference_endpoint(Journal().inputs(), HN, WINDOW).status == "unknown"


def test_reachable_answering_and_carried_is_met_with_the_availability() -> None:
    f = conference_endpoint(fast(endpoint()).inputs(with_list(SA_THAY)), HN, WINDOW)
    assert f.status == "met"
    assert (f.value, f.threshold, f.unit) == (1.0, HN["min_availability_in_service"], "ratio")
    assert f.details["best_download_mbps"] == 40.0 and f.details["required"] == "no"
    assert f.evidence and f.evidence[0].kind == "events"


def test_an_endpoint_down_in_service_hours_is_not_met_on_its_availability() -> None:
    j = fast(endpoint())
    j.add(at(7, 7), "terminal_state", "hnth", "down", kind="video_conference", **_said("timeout"))
    j.add(at(14, 7), "terminal_state", "hnth", "up", kind="video_conference", **_said("answered"))
    f = conference_endpoint(j.inputs(), HN, WINDOW)
    assert f.status == "not_met" and f.cause == "device" and f.unit == "ratio"
    assert f.value is not None and f.value < 0.95
    assert round(f.value, 4) == f.details["availability_in_service"]


def test_with_two_endpoints_the_one_that_conforms_counts() -> None:
    s = site(SA_THAY)
    second = model.Terminal(id="hnth-2", kind="video_conference", address="10.200.0.9")
    s = s.model_copy(update={"terminals": [*s.terminals, second]})
    j = fast(endpoint())
    j.add(at(-1), "terminal_state", "hnth-2", "up", kind="video_conference", **_said("refused"))
    f = conference_endpoint(j.inputs(s), HN, WINDOW)
    assert f.status == "met" and f.details["endpoint"] == "hnth" and f.details["endpoints"] == 2
