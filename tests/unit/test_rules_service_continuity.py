"""OPS-CONT: the centre could serve in its service hours (Monday to Friday 07:30-11:30 and
13:30-17:00, Saturday morning, Vietnam time): power held, some link up, a terminal of every
required kind up and the one-stop e-system reachable, all at once."""

from __future__ import annotations

import pytest

from collector.evaluate.hours import service_spans
from collector.evaluate.model import Window
from collector.evaluate.rules.service_continuity import (
    continuity_view,
    province,
    service_continuity,
)
from collector.inventory.model import Site
from tests.support.evaluate import DAY, HOUR, T0, THRESHOLDS, Journal, at, site, terminal

CONT = THRESHOLDS["OPS-CONT"]
WEEK = Window(T0, T0 + 7 * DAY)  # Monday 01/06/2026 to the next Monday: 41.5 service hours
TERMINALS = {
    "counter-1": "counter_pc",
    "counter-2": "counter_pc",
    "scanner-1": "scanner",
    "printer-1": "printer",
    "queue-1": "queue_machine",
}


def full_site(**update: object) -> Site:
    """Sa Thầy (a UPS, internet and TSLCD) with a terminal of every required kind."""
    return site(0, terminals=[terminal(i, k) for i, k in TERMINALS.items()], **update)


def report_all_up(j: Journal, t: float) -> Journal:
    """What the agent reports when it starts with everything working."""
    j.add(t, "link_state", "internet", "up")
    j.add(t, "link_state", "tslcd", "up")
    for tid, kind in TERMINALS.items():
        j.terminal(t, tid, "up", kind)
    j.service(t, "up", "mot-cua", "one_stop_system")
    return j


def all_up(key: str = "23527-main") -> Journal:
    j = report_all_up(Journal(site=key), at(0))  # Monday 00:00, in the window
    j.add(WEEK.end - 60, "clock_sync_state", "system", "synchronized")  # a sign of life
    return j


def hours(seconds: float) -> float:
    return seconds / HOUR


def test_the_week_has_41_and_a_half_service_hours() -> None:
    assert hours(sum(b - a for a, b in service_spans(full_site(), WEEK))) == 41.5


def test_everything_up_is_met() -> None:
    f = service_continuity(all_up().inputs(full_site()), CONT, WEEK)
    assert (f.status, f.value, f.threshold, f.unit) == ("met", 1.0, 0.98, "ratio")
    assert f.evidence == () and f.cause is None
    assert f.vi == "Trung tâm phục vụ được 100 % giờ phục vụ có dữ liệu (tối thiểu 98 %)"


def ups_ran_flat(j: Journal, start: float) -> None:
    """Mains lost at ``start`` for 2 hours; the UPS (and the agent's box with it) runs flat after
    20 minutes; the box starts again with the mains and reports everything up."""
    j.mains_lost(start)
    j.add(start + 60, "link_state", "tslcd", "down")  # the TSLCD modem is not on the UPS
    j.add(start + 1200, "ups_depleted", "ups-1", "depleted", 1200.0, how="forced_shutdown")
    j.add(start + 2 * HOUR, "agent_started", "agent")  # no agent_stopped: it died
    j.mains_restored(start + 2 * HOUR, 2 * HOUR)
    report_all_up(j, start + 2 * HOUR)


def test_a_mains_cut_the_ups_could_not_hold_in_service_hours_is_not_met_with_its_span() -> None:
    j = all_up()
    ups_ran_flat(j, at(0, 9))  # Monday 09:00-11:00, flat from 09:20
    f = service_continuity(j.inputs(full_site()), CONT, WEEK)
    assert f.status == "not_met" and f.cause == "power"
    assert f.value == pytest.approx((41.5 - 100 / 60) / 41.5)  # served on the UPS till 09:20
    assert f.details["power_seconds"] == 100 * 60 and f.details["breaks"] == 1
    assert f.evidence[0].vi == (
        "Gián đoạn từ 01/06/2026 09:20, 1 giờ 40 phút: không có điện (mất điện lưới)"
    )
    assert f.evidence[0].en.startswith("Interrupted from 01/06/2026 09:20, 1 h 40 min: no power")
    assert "gián đoạn tổng 1 giờ 40 phút, chủ yếu do mất điện lưới" in f.vi
    # the states the agent reported again when it came back (the same "up" as before it died)
    # count from then on: the rest of the week is known, not unknown
    assert f.details["unknown_seconds"] == 0


def test_the_same_cut_at_night_is_met() -> None:
    j = all_up()
    ups_ran_flat(j, at(0, 19))  # Monday 19:00-21:00: outside service hours
    f = service_continuity(j.inputs(full_site()), CONT, WEEK)
    assert (f.status, f.value) == ("met", 1.0)


def test_a_cut_without_ups_breaks_service_from_its_first_minute() -> None:
    j = all_up()
    j.outage(at(0, 9), HOUR)
    f = service_continuity(j.inputs(full_site(ups=[])), CONT, WEEK)
    assert f.status == "not_met" and f.details["power_seconds"] == HOUR


def test_every_link_down_with_mains_on_is_cause_link() -> None:
    j = all_up()
    j.add(at(0, 9), "link_state", "internet", "down")
    j.add(at(0, 9.5), "link_state", "tslcd", "down")
    j.add(at(0, 11), "link_state", "internet", "up")
    j.add(at(0, 11), "link_state", "tslcd", "up")
    f = service_continuity(j.inputs(full_site()), CONT, WEEK)
    assert f.status == "not_met" and f.cause == "link"
    assert f.details["link_seconds"] == 1.5 * HOUR  # one link down alone still serves
    assert f.evidence[0].vi.startswith("Gián đoạn từ 01/06/2026 09:30, 1 giờ 30 phút: mất mọi")


def test_a_required_kind_with_no_terminal_up_is_cause_device() -> None:
    j = all_up()
    j.terminal(at(0, 8), "scanner-1", "down", "scanner")  # the only scanner: Monday 08:00
    j.terminal(at(1, 8), "scanner-1", "up", "scanner")  # to Tuesday 08:00
    j.terminal(at(0, 7), "counter-2", "down", "counter_pc")  # counter-1 still up: no break
    f = service_continuity(j.inputs(full_site()), CONT, WEEK)
    assert f.status == "not_met" and f.cause == "device"
    assert f.details["device_seconds"] == 7.5 * HOUR  # 3.5 + 3.5 on Monday, 0.5 on Tuesday
    assert [e.vi for e in f.evidence] == [
        "Gián đoạn từ 01/06/2026 08:00, 3 giờ 30 phút: không có máy quét nào hoạt động "
        "(bản thân thiết bị hoặc dịch vụ)",
        "Gián đoạn từ 01/06/2026 13:30, 3 giờ 30 phút: không có máy quét nào hoạt động "
        "(bản thân thiết bị hoặc dịch vụ)",
        "Gián đoạn từ 02/06/2026 07:30, 30 phút: không có máy quét nào hoạt động "
        "(bản thân thiết bị hoặc dịch vụ)",
    ]


def test_the_agent_silent_most_of_the_window_is_unknown() -> None:
    j = all_up()
    j.add(at(0, 12), "agent_stopped", "agent")  # Monday noon to Sunday
    j.add(at(6), "agent_started", "agent")
    report_all_up(j, at(6))
    f = service_continuity(j.inputs(full_site()), CONT, WEEK)
    assert f.status == "unknown" and f.value == 1.0
    assert f.details["unknown_seconds"] == 37.5 * HOUR
    assert f.vi == "Chưa đủ dữ liệu: không có số liệu 90,3 % giờ phục vụ"


def one_stop_down(j: Journal, start: float, end: float) -> None:
    j.service(start, "down", "mot-cua", "one_stop_system")
    j.service(end, "up", "mot-cua", "one_stop_system")


def test_the_one_stop_system_unreachable_from_the_site_breaks_service() -> None:
    j = all_up()
    one_stop_down(j, at(1, 8), at(1, 12))  # Tuesday 08:00-11:30 in service hours
    f = service_continuity(j.inputs(full_site()), CONT, WEEK)
    assert f.status == "not_met" and f.cause == "device"
    assert f.details["device_seconds"] == 3.5 * HOUR
    assert f.evidence[0].vi == (
        "Gián đoạn từ 02/06/2026 08:00, 3 giờ 30 phút: Hệ thống Một cửa điện tử không truy cập "
        "được (bản thân thiết bị hoặc dịch vụ)"
    )


def test_a_central_outage_of_the_one_stop_system_still_breaks_service_with_cause_central() -> None:
    """Three sites lose the one-stop system at once: the province's system was down, not the
    communes'; the citizens at each were not served all the same."""
    views = []
    for n in range(3):
        key = f"23527-p{n}"
        j = all_up(key)
        one_stop_down(j, at(1, 8), at(1, 12))
        views.append(continuity_view(j.inputs(full_site(site_id=f"p{n}")), CONT, WEEK))
    findings = province(views, [], CONT, WEEK).findings
    assert [f.site for f in findings] == ["23527-p0", "23527-p1", "23527-p2"]
    for f in findings:
        assert f.status == "not_met" and f.cause == "central"
        assert f.details["central_seconds"] == 3.5 * HOUR
        assert "sự cố phía trung tâm" in f.evidence[0].vi and "sự cố phía trung tâm" in f.vi


def test_a_required_kind_not_followed_is_unknown_unless_the_rest_already_fails() -> None:
    """Lý Sơn's inventory has a counter PC only: its scanners, printers and queue machines are
    not followed, so a perfect figure says nothing of them; a failing one fails anyway."""
    j = Journal(site="21548-main")
    j.add(at(0), "link_state", "mobile", "up")
    j.terminal(at(0), "counter-1", "up", "counter_pc")
    j.service(at(0), "up", "mot-cua", "one_stop_system")
    j.add(WEEK.end - 60, "clock_sync_state", "system", "synchronized")
    f = service_continuity(j.inputs(site(1)), CONT, WEEK)
    assert f.status == "unknown" and f.value == 1.0
    assert "chưa theo dõi máy quét, máy in, máy xếp hàng tự động" in f.vi
    assert f.details["not_followed"] == "device:scanner,device:printer,device:queue_machine"
    j.add(at(0, 8), "link_state", "mobile", "down")
    j.add(at(0, 12), "link_state", "mobile", "up")
    f = service_continuity(j.inputs(site(1)), CONT, WEEK)
    assert f.status == "not_met" and f.cause == "link"


def test_a_site_that_sent_nothing_is_unknown() -> None:
    f = service_continuity(Journal().inputs(full_site()), CONT, WEEK)
    assert f.status == "unknown" and f.value is None
