"""INF-PWR judged on the UPS's hold-up (thời gian lưu điện) during mains outages, and the figure
of a finding that fails: the part that decided it, with its own unit."""

from __future__ import annotations

from collector.evaluate.rules.power_outages import power_dead_zones, power_outages
from tests.support.evaluate import HOUR, THRESHOLDS, WINDOW, Journal, at, site

TH = THRESHOLDS["INF-PWR"]  # min_ups_holdup_minutes 15; the example site's ups-1 is rated 25


def watched() -> Journal:
    j = Journal()
    j.add(at(-3), "power_source_state", "ups-1", "up", probe="nut")
    return j.alive()


def test_a_ups_flat_after_3_minutes_of_an_outage_is_not_met() -> None:
    """One outage of 40 minutes (well under 4 outages and 4 hours); the UPS, rated 25 minutes,
    switched its output off 3 minutes after the mains went: the site had no power for 37."""
    j = watched()
    lost = j.mains_lost(at(5, 14))
    flat = j.add(at(5, 14) + 180, "ups_depleted", "ups-1", "depleted", 180.0, how="output_off")
    j.mains_restored(at(5, 14) + 40 * 60, 40 * 60)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.status, f.cause) == ("not_met", "power")
    assert (f.value, f.threshold, f.unit) == (3.0, 15, "minutes")
    assert f.details["ups_rated_minutes"] == 25 and f.details["ups_holdup_seen_minutes"] == 3.0
    assert f.details["failed_on"] == "holdup" and f.details["ups_short_holdup"] == 1
    assert "UPS cạn sau 3 phút (định mức 25 phút, tối thiểu 15 phút)" in f.vi
    assert "the UPS ran flat after 3 min (rated 25 min, minimum 15 min)" in f.en
    assert f.evidence[0].refs == (lost.ref, flat.ref)
    assert "UPS ups-1" in f.evidence[0].vi and "Mất điện lúc 06/06 14:00" in f.evidence[0].vi
    # the commune's UPS, not the grid: not on the power company's list
    assert f.details["dead_zone"] == 0 and power_dead_zones([f]) == []


def test_the_rated_minutes_of_the_only_ups_when_the_agent_names_it_otherwise() -> None:
    j = watched()
    j.mains_lost(at(2, 9))
    j.add(at(2, 9) + 420, "ups_depleted", "ups-usb", "depleted", 420.0, how="forced_shutdown")
    j.mains_restored(at(2, 10), HOUR)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.details["ups_rated_minutes"] == 25 and f.value == 7.0 and f.status == "not_met"


def test_a_ups_that_held_past_the_minimum_is_met() -> None:
    j = watched()
    j.mains_lost(at(5, 14))
    j.add(at(5, 14) + 20 * 60, "ups_depleted", "ups-1", "depleted", 1200.0, how="output_off")
    j.mains_restored(at(5, 14) + 40 * 60, 40 * 60)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.status, f.value, f.unit) == ("met", 1.0, "outages")
    assert f.details["ups_holdup_seen_minutes"] == 20.0 and f.details["ups_short_holdup"] == 0


def test_an_outage_that_ended_before_the_ups_ran_flat_is_no_holdup_failure() -> None:
    """A 4-minute cut with a low battery at the end, then the mains back: the UPS never ran flat,
    4 minutes is not its hold-up.  A depletion journalled an hour after the mains came back
    (a battery that failed its self-test) is outside any outage: not a hold-up either."""
    j = watched()
    j.mains_lost(at(3, 10))
    j.add(at(3, 10) + 200, "battery_low", "ups-1", "low", charge_ratio=0.2)
    j.mains_restored(at(3, 10) + 240, 240)
    j.add(at(3, 11) + 240, "ups_depleted", "ups-1", "depleted", 60.0, how="output_off")
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.status == "met" and f.details["ups_short_holdup"] == 0
    assert f.details["ups_depleted_outside_outage"] == 1 and "UPS cạn" not in f.vi


def test_an_outage_in_progress_with_a_flat_ups_fails_before_it_ends() -> None:
    j = watched()
    j.mains_lost(WINDOW.end - 2 * HOUR)
    j.add(WINDOW.end - 2 * HOUR + 300, "ups_depleted", "ups-1", "depleted", 300.0,
          how="silent_after_low_battery", silent_seconds=31.0)  # fmt: skip
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.status, f.value, f.unit) == ("not_met", 5.0, "minutes")
    assert "đang mất điện" in f.vi and "UPS cạn sau 5 phút" in f.vi


def test_the_first_failing_part_gives_the_figure_in_its_own_unit() -> None:
    """Counts first, then minutes, then the hold-up: six outages with a flat UPS fail on the
    count; two long ones with a flat UPS on the minutes."""
    many = watched()
    for day in range(6):
        many.outage(at(day * 4 + 1, 14), 20 * 60)
    many.add(at(1, 14) + 120, "ups_depleted", "ups-1", "depleted", 120.0, how="output_off")
    f = power_outages(many.inputs(), TH, WINDOW)
    assert (f.value, f.threshold, f.unit, f.details["failed_on"]) == (6.0, 4, "outages",
                                                                      "sustained")  # fmt: skip
    long = watched()
    long.outage(at(2, 8), 3 * HOUR)
    long.outage(at(9, 8), 2 * HOUR)
    long.add(at(2, 8) + 120, "ups_depleted", "ups-1", "depleted", 120.0, how="output_off")
    f = power_outages(long.inputs(), TH, WINDOW)
    assert f.details["sustained"] == 2 and f.status == "not_met"
    assert (f.value, f.threshold, f.unit, f.details["failed_on"]) == (300.0, 240, "minutes",
                                                                      "minutes")  # fmt: skip
    assert "UPS cạn sau 2 phút" in f.vi  # still said, though the minutes decided


def test_a_lower_bound_under_the_minimum_is_undecided_not_a_failure() -> None:
    """The agent's box went down with the UPS: its last event was a minute into the outage, and
    it came back 2 hours later.  The UPS held between 1 minute and 2 hours: met would be a
    guess, and so would not met."""
    j = watched()
    j.mains_lost(at(6, 13))
    j.add(at(6, 15), "ups_depleted", "ups-1", "depleted", 60.0,
          how="host_lost_power", duration_clock="wall", lower_bound=True)  # fmt: skip
    j.mains_restored(at(6, 15) + 30, 2 * HOUR + 30)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.status, f.value, f.threshold, f.unit) == ("unknown", 1.0, 15, "minutes")
    assert f.details["ups_holdup_undecided"] == 1 and f.details["ups_short_holdup"] == 0
    assert "UPS cạn sau ít nhất 1 phút, muộn nhất 2 giờ" in f.vi


def test_a_lower_bound_whose_latest_is_still_short_fails() -> None:
    """The box came back 10 minutes after the mains went, the UPS already flat: it held at most
    10 minutes."""
    j = watched()
    j.mains_lost(at(6, 13))
    j.add(at(6, 13) + 600, "ups_depleted", "ups-1", "depleted", 30.0,
          how="host_lost_power", duration_clock="wall", lower_bound=True)  # fmt: skip
    j.mains_restored(at(6, 13) + 900, 900)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.status, f.value, f.unit) == ("not_met", 10.0, "minutes")
    assert "UPS cạn trong vòng 10 phút (định mức 25 phút" in f.vi


def test_a_flat_ups_fails_even_when_the_ups_was_silent_most_of_the_window() -> None:
    """More data could not undo a UPS that ran flat: not met, not unknown."""
    j = watched()
    j.add(at(1), "power_source_state", "ups-1", "down", reason="driver_not_connected")
    j.mains_lost(at(20, 9))
    j.add(at(20, 9) + 240, "ups_depleted", "ups-1", "depleted", 240.0, how="forced_shutdown")
    j.mains_restored(at(20, 10), HOUR)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.status, f.value, f.unit) == ("not_met", 4.0, "minutes")


def test_no_rated_minutes_when_the_site_has_several_ups_and_none_is_named() -> None:
    two = site(
        ups=[
            *site().ups,
            site().ups[0].model_copy(update={"id": "ups-2", "rated_minutes": 40}),
        ]
    )
    j = watched()
    j.mains_lost(at(5, 14))
    j.add(at(5, 14) + 180, "ups_depleted", "ups-rack", "depleted", 180.0, how="output_off")
    f = power_outages(j.inputs(two), TH, WINDOW)
    assert f.details["ups_rated_minutes"] is None and f.status == "not_met"
    assert "UPS cạn sau 3 phút (tối thiểu 15 phút)" in f.vi
    j = watched()
    j.mains_lost(at(5, 14))
    j.add(at(5, 14) + 180, "ups_depleted", "ups-2", "depleted", 180.0, how="output_off")
    assert power_outages(j.inputs(two), TH, WINDOW).details["ups_rated_minutes"] == 40


def test_a_hold_up_a_second_short_is_not_rounded_up_to_the_minimum() -> None:
    j = watched()
    j.mains_lost(at(5, 14))
    j.add(at(5, 14) + 899, "ups_depleted", "ups-1", "depleted", 899.0, how="output_off")
    j.mains_restored(at(5, 14) + 40 * 60, 40 * 60)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.status == "not_met" and f.value is not None and f.value * 60 == 899.0
    assert "UPS cạn sau 14 phút 59 giây (định mức 25 phút, tối thiểu 15 phút)" in f.vi
