"""INF-EQUIP: terminals registered and available in service hours (Monday to Friday 07:30-11:30,
13:30-17:00, Saturday morning, Vietnam time)."""

from __future__ import annotations

from collector.evaluate.hours import service_spans
from collector.evaluate.rules.terminal_availability import terminal_availability
from collector.inventory.model import Site
from tests.support.evaluate import HOUR, THRESHOLDS, WINDOW, Journal, at, site, terminal

EQ = THRESHOLDS["INF-EQUIP"]
KINDS = {
    "counter-1": "counter_pc",
    "scanner-1": "scanner",
    "printer-1": "printer",
    "queue-1": "queue_machine",
    "hnth": "video_conference",
}


def full_site() -> Site:
    return site(terminals=[terminal(i, k) for i, k in KINDS.items()])


def all_up() -> Journal:
    j = Journal()
    for tid, kind in KINDS.items():
        j.terminal(at(-1), tid, "up", kind)
    return j.alive()


def test_service_hours_of_the_window() -> None:
    hours = sum(b - a for a, b in service_spans(site(), WINDOW)) / HOUR
    assert hours == 4 * 41.5 + 2 * 7.5  # four weeks and a Monday and Tuesday


def test_every_required_kind_up_is_met() -> None:
    f = terminal_availability(all_up().inputs(full_site()), EQ, WINDOW)
    assert (f.status, f.value, f.threshold) == ("met", 1.0, 0.95)


def test_a_printer_down_two_working_days_is_not_met_and_named() -> None:
    j = all_up()
    j.terminal(at(0, 7), "printer-1", "down")
    j.terminal(at(2, 7), "printer-1", "up")
    f = terminal_availability(j.inputs(full_site()), EQ, WINDOW)
    assert f.status == "not_met" and f.cause == "device"
    assert f.value == 1 - 15 / 181
    assert f.vi.startswith("Máy in (printer-1) chỉ hoạt động 91,7 % giờ phục vụ")
    assert f.details["worst_terminal"] == "printer-1"


def test_down_only_at_night_and_on_sunday_does_not_count() -> None:
    j = all_up()
    j.terminal(at(0, 18), "printer-1", "down")
    j.terminal(at(1, 7), "printer-1", "up")
    j.terminal(at(6, 0), "scanner-1", "down", "scanner")  # Sunday
    j.terminal(at(7, 7), "scanner-1", "up", "scanner")
    f = terminal_availability(j.inputs(full_site()), EQ, WINDOW)
    assert f.status == "met" and f.value == 1.0


def test_a_power_cut_before_the_terminal_went_down_is_the_cause() -> None:
    j = all_up()
    j.mains_lost(at(0, 8))
    j.terminal(at(0, 8.2), "counter-1", "down", "counter_pc")
    j.terminal(at(3, 8), "counter-1", "up", "counter_pc")
    f = terminal_availability(j.inputs(full_site()), EQ, WINDOW)
    assert f.status == "not_met" and f.cause == "power"


def test_a_missing_required_kind_is_not_met_with_cause_device() -> None:
    f = terminal_availability(all_up().inputs(site()), EQ, WINDOW)  # no scanner, no queue machine
    assert f.status == "not_met" and f.cause == "device"
    assert f.vi.startswith("Thiếu thiết bị: máy quét, máy xếp hàng tự động")


def test_terminals_without_data_are_unknown() -> None:
    f = terminal_availability(Journal().inputs(full_site()), EQ, WINDOW)
    assert f.status == "unknown" and f.value is None
