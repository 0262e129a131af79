"""INF-PWR: outages counted from the journal, the power dead-zone list, and unknown when nothing
watches the power."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from collector.evaluate.rules.power_outages import power_dead_zones, power_outages
from tests.support.evaluate import DAY, HOUR, THRESHOLDS, WINDOW, Journal, at, site

TH = THRESHOLDS["INF-PWR"]


def watched() -> Journal:
    j = Journal()
    j.add(at(-3), "power_source_state", "ups-1", "up", probe="nut")
    return j.alive()


def test_six_sustained_outages_make_a_power_dead_zone() -> None:
    j = watched()
    for day in range(6):
        j.outage(at(day * 4 + 1, 14), 20 * 60)  # afternoon cuts of 20 minutes
    j.outage(at(27, 9), 60)  # and one momentary
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.status, f.value, f.unit, f.threshold) == ("not_met", 6.0, "outages", 4)
    assert f.vi.startswith("Mất điện 6 lần kéo dài trên 5 phút") and "điểm lõm điện" in f.vi
    assert "(tối đa 4 lần" in f.vi and "1 lần chập chờn" in f.vi
    assert f.details["momentary"] == 1 and f.details["outage_minutes"] == 121.0
    assert f.cause == "power" and f.details["dead_zone"] == 1
    assert len(f.evidence[0].refs) == 14
    assert power_dead_zones([f]) == [f]


def test_too_many_minutes_alone_is_a_dead_zone_and_the_minutes_are_its_figure() -> None:
    """One outage of 5 hours: it fails on the minutes, so the figure is the minutes against the
    240 allowed, not "1 outage" against "4 outages" (which read as met)."""
    j = watched()
    j.outage(at(3, 8), 5 * HOUR)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.status == "not_met" and f.details["sustained"] == 1
    assert (f.value, f.threshold, f.unit) == (300.0, 240, "minutes")
    assert f.details["failed_on"] == "minutes" and f.details["dead_zone"] == 1


def test_a_few_short_cuts_are_met() -> None:
    j = watched()
    j.outage(at(2, 15), 10 * 60)
    j.outage(at(9, 15), 200)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.status == "met" and f.cause is None
    assert (f.details["sustained"], f.details["momentary"]) == (1, 1)
    assert "điểm lõm điện" not in f.vi and power_dead_zones([f]) == []


def test_an_outage_in_progress_at_the_end_is_counted_up_to_the_end() -> None:
    j = watched()
    lost = j.mains_lost(WINDOW.end - 2 * HOUR)
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.details["in_progress_since"] == lost.wall_time
    assert f.details["outage_minutes"] == 120.0 and f.details["sustained"] == 1
    assert "đang mất điện" in f.vi


def test_an_outage_across_the_window_start_counts_only_its_part_inside() -> None:
    j = watched()
    j.mains_lost(at(-0.5))  # 12 hours before the window
    j.add(
        at(0, 2),
        "mains_state",
        "site",
        "restored",
        14 * HOUR,
        **{"class": "sustained", "started_wall_time_unix": at(-0.5)},
    )
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.details["outage_minutes"] == 120.0 and f.details["sustained"] == 1


def test_flapping_summaries_and_a_ups_that_ran_out_early() -> None:
    j = watched()
    j.add(at(4, 13), "mains_flapping", "site", "started", changes=6)
    j.add(
        at(4, 15),
        "mains_flapping",
        "site",
        "ended",
        7200,
        outages_sustained=3,
        outages_momentary=9,
        sustained_seconds=1800,
        momentary_seconds=600,
    )
    # inside the flapping period (no single mains events there): the UPS gave up after 6 min
    j.add(at(4, 14), "ups_depleted", "ups-1", "depleted", 6 * 60, how="forced_shutdown")
    f = power_outages(j.inputs(), TH, WINDOW)
    assert (f.details["sustained"], f.details["momentary"]) == (3, 9)
    assert f.details["flapping_periods"] == 1 and f.details["outage_minutes"] == 40.0
    assert f.details["ups_short_holdup"] == 1
    assert (f.status, f.value, f.threshold, f.unit) == ("not_met", 6.0, 15, "minutes")
    assert f.vi == (
        "Mất điện 3 lần kéo dài trên 5 phút, tổng 40 phút trong 30 ngày (tối đa 4 lần, 4 giờ); "
        "9 lần chập chờn ngắn; UPS cạn sau 6 phút (định mức 25 phút, tối thiểu 15 phút)"
    )


def test_a_retracted_depletion_gives_no_hold_up_figure() -> None:
    """upsd stalled while the UPS was on battery with a low battery: the agent guessed it ran
    out after 3 minutes, then the UPS answered again on battery and the agent took it back."""
    j = watched()
    j.mains_lost(at(5, 9))
    guessed = j.add(
        at(5, 9) + 180, "ups_depleted", "ups-1", "depleted", 180.0,
        how="silent_after_low_battery", silent_seconds=30.0,
    )  # fmt: skip
    j.add(at(5, 9) + 200, "ups_depletion_retracted", "ups-1", None, None,
          how="silent_after_low_battery", silent_seconds=50.0)  # fmt: skip
    j.mains_restored(at(5, 9) + 1200, 1200)
    j.add(at(12, 10), "ups_depleted", "ups-2", "depleted", 20 * 60, how="output_off")
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.details["ups_depleted"] == 1 and f.details["ups_depleted_retracted"] == 1
    assert f.details["ups_short_holdup"] == 0
    assert f.details["shortest_holdup_minutes"] == 20.0  # ups-2's, not the 3 minutes taken back
    assert "UPS cạn" not in f.vi and f.status == "met"
    assert guessed.ref not in {ref for e in f.evidence for ref in e.refs}
    # Without the retraction the guess would count: 3 minutes, under the 15 required.
    unretracted = watched()
    unretracted.mains_lost(at(5, 9))
    unretracted.add(at(5, 9) + 180, "ups_depleted", "ups-1", "depleted", 180.0,
                    how="silent_after_low_battery")  # fmt: skip
    f = power_outages(unretracted.inputs(), TH, WINDOW)
    assert f.details["ups_short_holdup"] == 1 and f.details["shortest_holdup_minutes"] == 3.0
    assert f.status == "not_met"


def test_a_retraction_takes_back_only_the_newest_depletion_of_its_source() -> None:
    j = watched()
    j.add(at(2), "ups_depleted", "ups-1", "depleted", 240.0, how="output_off")
    j.add(at(9), "ups_depleted", "ups-1", "depleted", 600.0, how="silent_after_low_battery")
    j.add(at(9) + 60, "ups_depletion_retracted", "ups-1", None, None,
          how="silent_after_low_battery")  # fmt: skip
    # ups-2 has nothing to take back: its retraction changes nothing
    j.add(at(9) + 90, "ups_depletion_retracted", "ups-2", None, None,
          how="silent_after_low_battery")  # fmt: skip
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.details["ups_depleted"] == 1 and f.details["shortest_holdup_minutes"] == 4.0


def test_no_power_events_is_unknown_even_with_a_ups_registered() -> None:
    f = power_outages(Journal().inputs(), TH, WINDOW)
    assert f.status == "unknown" and "đã khai báo" in f.vi
    f = power_outages(Journal().inputs(site(ups=[])), TH, WINDOW)
    assert f.status == "unknown" and "chưa khai báo bộ lưu điện" in f.vi


def test_a_ups_that_does_not_answer_most_of_the_time_is_unknown() -> None:
    j = watched()
    j.add(at(1), "power_source_state", "ups-1", "down", reason="driver_not_connected")
    f = power_outages(j.inputs(), TH, WINDOW)
    assert f.status == "unknown" and f.details["sustained"] == 0


def test_the_dead_zone_list_puts_the_most_minutes_first() -> None:
    a, b = watched(), Journal(site="21548-main")
    b.add(at(-3), "power_source_state", "ups-1", "up")
    a.outage(at(1), 5 * HOUR)
    b.outage(at(1), 9 * HOUR)
    fa = power_outages(a.inputs(), TH, WINDOW)
    fb = power_outages(b.inputs(site(1)), TH, WINDOW)
    assert [f.site for f in power_dead_zones([fa, fb])] == ["21548-main", "23527-main"]


outages = st.lists(
    st.tuples(st.floats(min_value=0, max_value=29 * DAY), st.floats(min_value=1, max_value=DAY)),
    max_size=25,
)


def _journal(cuts: list[tuple[float, float]]) -> Journal:
    j = watched()
    end = WINDOW.start
    for start, length in sorted(cuts):
        start = max(WINDOW.start + start, end + 1)  # one outage at a time, as the mains are
        j.outage(start, length)
        end = start + length
    return j


@settings(max_examples=100, deadline=None)
@given(outages)
def test_counts_and_minutes_stay_in_bounds(cuts: list[tuple[float, float]]) -> None:
    f = power_outages(_journal(cuts).inputs(), TH, WINDOW)
    assert f.status in ("met", "not_met")  # watched: never unknown for lack of data
    assert 0 <= float(f.details["outage_minutes"] or 0) <= WINDOW.seconds / 60 + 1e-6
    counted = int(f.details["sustained"] or 0) + int(f.details["momentary"] or 0)
    assert counted == len(cuts)


@settings(max_examples=100, deadline=None)
@given(outages, st.floats(min_value=301, max_value=DAY))
def test_one_more_outage_never_makes_a_site_better(
    cuts: list[tuple[float, float]], length: float
) -> None:
    j = _journal(cuts)
    first = power_outages(j.inputs(), TH, WINDOW)
    last_end = max((e.wall_time for e in j.events if e.kind == "mains_state"), default=WINDOW.start)
    if last_end + 1 + length >= WINDOW.end:
        return
    j.outage(last_end + 1, length)
    second = power_outages(j.inputs(), TH, WINDOW)
    assert int(second.details["sustained"] or 0) >= int(first.details["sustained"] or 0)
    assert float(second.details["outage_minutes"] or 0) >= float(
        first.details["outage_minutes"] or 0
    )
    assert not (first.status == "not_met" and second.status == "met")
