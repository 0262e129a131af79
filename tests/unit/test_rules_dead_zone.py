"""INF-DZ: mobile dead zones at sites (slow or lossy mobile links) and at survey points, and the
province's list of surveyed places tied to no site.

A mobile link without power measures the power cut, not the coverage.  A mountain commune with
Internet and a 4G backup, afternoon power cuts that outlast its UPS: the rounds over 4G while the
site had no power lose every request.  They are left out of the loss figure (and counted in the
details), so the site is not called a coverage dead zone for them; a site whose 4G loses while
the power is on still is one.
"""

from __future__ import annotations

from collector.evaluate.model import Evidence, Finding
from collector.evaluate.rules.dead_zone import dead_zone, dead_zone_points
from collector.evaluate.timeline import site_index, unpowered_spans
from collector.survey import SurveyPoint
from tests.support.evaluate import HOUR, THRESHOLDS, WINDOW, Journal, at, site

DZ = THRESHOLDS["INF-DZ"]
CUT_DAYS = range(0, 30, 3)  # ten afternoons without mains
MOUNTAIN = site(0, links=["internet", "mobile"])  # a UPS in the inventory (ups-1)


def mobile_round(j: Journal, t: float, loss: float) -> None:
    """One quality round over the 4G link (16 requests)."""
    received = round(16 * (1 - loss))
    j.add(
        t,
        "link_quality",
        "dc",
        None,
        None if received == 0 else 0.08,
        link="lte",
        link_kind="mobile",
        role="backup",
        sent=16,
        received=received,
        loss_ratio=loss,
    )


def afternoon_cut(j: Journal, day: int, *, depleted_after: float | None) -> None:
    """Mains lost 13:00-18:00; the UPS runs out ``depleted_after`` seconds in (None: it holds)."""
    j.mains_lost(at(day, 13))
    if depleted_after is not None:
        j.add(
            at(day, 13) + depleted_after + 30,
            "ups_depleted",
            "ups-1",
            "depleted",
            depleted_after,
            how="output_off",
            duration_clock="monotonic",
        )
        j.add(at(day, 13.5), "link_state", "lte", "down", previous="up")
        j.add(at(day, 18.1), "link_state", "lte", "up", previous="down")
    j.mains_restored(at(day, 18), 5 * HOUR)


def mountain_month(*, depleted_after: float | None = 1500.0) -> Journal:
    """Hourly 4G rounds at :30 with 1 % loss, but 100 % while the power is out."""
    j = Journal()
    for day in range(30):
        if day in CUT_DAYS:
            afternoon_cut(j, day, depleted_after=depleted_after)
        for hour in range(24):
            out = day in CUT_DAYS and 13 <= hour < 18
            mobile_round(j, at(day, hour + 0.5), 1.0 if out else 0.01)
    return j.alive()


def test_rounds_after_the_ups_ran_out_are_left_out_and_the_site_is_no_dead_zone() -> None:
    f = dead_zone(mountain_month().inputs(MOUNTAIN), DZ, WINDOW)
    assert f.status == "met", f.vi
    assert f.details["mobile_loss_ratio"] == 0.01
    assert f.details["rounds_left_out_no_power"] == 50  # 13:30 .. 17:30 on ten afternoons
    assert f.details["rounds_left_out_power_cause"] == 0
    assert f.details["quality_rounds"] == 720 - 50
    assert "bỏ qua 50 lần đo khi mất điện" in f.vi
    assert "50 rounds during power cuts left out" in f.en
    left_out = _evidence(f, "Mobile rounds left out")
    assert "20 of 50" in left_out.en and len(left_out.refs) == 20


def test_rounds_that_lost_everything_while_mains_were_out_are_left_out_as_power() -> None:
    """No ups_depleted (a UPS that does not report it): the likely cause of the lost rounds is
    still power (mains out), so they are left out; the figures say why."""
    f = dead_zone(mountain_month(depleted_after=None).inputs(MOUNTAIN), DZ, WINDOW)
    assert f.status == "met", f.vi
    assert f.details["rounds_left_out_no_power"] == 0
    assert f.details["rounds_left_out_power_cause"] == 50


def test_a_site_without_a_ups_has_no_power_while_mains_are_out() -> None:
    j = Journal()
    afternoon_cut(j, 4, depleted_after=None)
    mobile_round(j, at(4, 14), 0.3)  # a partial loss, but nothing powers the modem
    for hour in (2, 8, 20):
        mobile_round(j, at(4, hour), 0.02)
    f = dead_zone(j.alive().inputs(site(0, links=["internet", "mobile"], ups=[])), DZ, WINDOW)
    assert f.details["rounds_left_out_no_power"] == 1
    assert f.details["mobile_loss_ratio"] == 0.02 and f.status == "met"


def test_a_partial_loss_on_ups_power_is_coverage_and_stays() -> None:
    j = Journal()
    afternoon_cut(j, 4, depleted_after=None)  # the UPS holds: the modem is powered
    mobile_round(j, at(4, 14), 0.5)
    mobile_round(j, at(4, 20), 0.1)
    f = dead_zone(j.alive().inputs(MOUNTAIN), DZ, WINDOW)
    assert f.details["rounds_left_out_power_cause"] == 0
    assert f.details["mobile_loss_ratio"] == 0.3 and f.status == "not_met"


def test_a_real_dead_zone_with_power_on_is_still_one() -> None:
    j = mountain_month()
    for day in range(1, 30, 2):  # lost rounds with the mains on: the coverage
        for hour in (9.75, 10.75, 11.75):
            mobile_round(j, at(day, hour), 1.0)
    f = dead_zone(j.inputs(MOUNTAIN), DZ, WINDOW)
    assert f.status == "not_met" and f.cause == "link"
    assert f.details["rounds_left_out_no_power"] == 50
    assert "mất gói" in f.vi and "bỏ qua 50 lần đo khi mất điện" in f.vi


def _evidence(f: Finding, starts: str) -> Evidence:
    found = [e for e in f.evidence if e.en.startswith(starts)]
    assert len(found) == 1, [e.en for e in f.evidence]
    return found[0]


def speed_tests(j: Journal, kind: str, figures: list[tuple[float, float]]) -> None:
    for i, (down, up) in enumerate(figures):
        j.speedtest(at(i * 7 + 1, 3), kind, down, up)


def test_a_slow_mobile_link_is_a_dead_zone_and_a_fast_one_is_not() -> None:
    j = Journal(site="21548-main")
    speed_tests(j, "mobile", [(3, 1), (4, 1), (12, 2)])
    f = dead_zone(j.inputs(site(1)), DZ, WINDOW)
    assert f.status == "not_met" and f.value == 4.0 and f.unit == "Mbit/s"
    assert f.vi.startswith("Điểm lõm sóng") and f.vi.endswith("quá hạn từ 30/11/2025")
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


def test_a_retracted_depletion_leaves_the_site_powered() -> None:
    j = Journal()
    afternoon_cut(j, 4, depleted_after=1500.0)
    inputs = j.alive().inputs(MOUNTAIN)
    ran_out = at(4, 13) + 1500.0
    assert unpowered_spans(site_index(inputs), WINDOW, has_ups=True) == [(ran_out, at(4, 18))]
    j.add(at(4, 13) + 1600, "ups_depletion_retracted", "ups-1", None, None,
          how="silent_after_low_battery")  # fmt: skip
    inputs = j.inputs(MOUNTAIN)
    assert unpowered_spans(site_index(inputs), WINDOW, has_ups=True) == []
