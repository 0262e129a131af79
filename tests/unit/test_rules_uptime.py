"""INF-LINK: uptime to the province data centre and the national portal, outages and unknown
time (agent down, no data) that is never counted as up."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.evaluate.model import SiteInputs
from collector.evaluate.rules import RULES
from collector.evaluate.rules.service_availability import central_by_role, central_outages_of
from collector.evaluate.rules.uptime import uptime, uptime_view
from tests.support.evaluate import DAY, HOUR, THRESHOLDS, WINDOW, Journal, at, site

TH = THRESHOLDS["INF-LINK"]


def up_all_along() -> Journal:
    j = Journal()
    j.service(at(-2), "up")  # before the window: the state at its start
    j.service(at(-2), "up", subject="dc", role="province_datacenter")
    return j.alive()


def test_registered_under_the_catalogue_name() -> None:
    assert RULES["uptime"].evaluate is uptime


def test_up_the_whole_window_is_met() -> None:
    f = uptime(up_all_along().inputs(), TH, WINDOW)
    assert (f.status, f.value, f.unit, f.threshold) == ("met", 1.0, "ratio", 0.99)
    assert f.target == "INF-LINK" and f.site == "23527-main" and f.cause is None
    assert f.details["outages"] == 0
    assert f.vi == "Đường truyền thông suốt 100 % thời gian có dữ liệu (tối thiểu 99 %)"


def test_a_ten_hour_cut_of_the_link_is_not_met_with_the_outage_listed() -> None:
    j = up_all_along()
    j.add(at(3, 9.99), "link_state", "tslcd", "down")
    down = j.service(at(3, 10), "down", subject="dc", role="province_datacenter")
    up = j.service(at(3, 20), "up", subject="dc", role="province_datacenter")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "not_met" and f.cause == "link"
    assert f.value == 1 - 10 * HOUR / WINDOW.seconds
    assert f.details["outages"] == 1 and f.details["down_seconds"] == 10 * HOUR
    assert f.vi.endswith("; mất kết nối 1 lần, tổng 10 giờ, chủ yếu do mất đường truyền")
    assert f.evidence[0].refs == (down.ref, up.ref)
    assert f.evidence[0].vi == "Mất kết nối từ 04/06 10:00, 10 giờ (mất đường truyền)"
    assert f.evidence[0].en == "Down from 04/06 10:00, 10 h (link lost)"


def test_a_power_cut_before_the_link_loss_is_blamed_on_power() -> None:
    j = up_all_along()
    j.mains_lost(at(5, 14))
    j.service(at(5, 14.5), "down")
    j.service(at(5, 23), "up")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "not_met" and f.cause == "power" and "mất điện" in f.vi


def test_an_outage_across_the_window_start_counts_from_the_start() -> None:
    j = Journal()
    j.service(at(-1), "down")  # down since the day before the window
    j.service(at(0, 10), "up")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.details["down_seconds"] == 10 * HOUR
    assert f.details["outage_began_before_window"] == 1
    assert f.status == "not_met"


def test_time_the_agent_was_stopped_is_unknown_not_up() -> None:
    j = up_all_along()
    j.add(at(2), "agent_stopped", "agent")
    j.add(at(20), "agent_started", "agent")  # 18 days without the agent: > 50 % unknown
    j.service(at(20, 0.01), "up")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "unknown" and f.cause is None
    assert float(f.details["unknown_seconds"] or 0) >= 18 * DAY - 60
    assert "Chưa đủ dữ liệu" in f.vi


def test_a_short_agent_stop_only_shrinks_the_known_time() -> None:
    j = up_all_along()
    j.add(at(2), "agent_stopped", "agent")
    j.add(at(3), "agent_started", "agent")
    j.service(at(3), "up")
    j.service(at(3), "up", subject="dc", role="province_datacenter")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "met" and f.details["unknown_seconds"] == DAY


def test_a_crash_without_agent_stopped_is_unknown_from_the_last_event() -> None:
    j = up_all_along()
    j.service(at(4), "up", subject="other", role="other")  # the last sign of life
    j.add(at(6), "agent_started", "agent")
    j.service(at(6), "up")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.details["unknown_seconds"] == 2 * DAY


def test_no_event_at_all_is_unknown() -> None:
    f = uptime(Journal().inputs(), TH, WINDOW)
    assert f.status == "unknown" and f.value is None


def test_a_state_from_before_and_nothing_in_the_window_is_unknown() -> None:
    """The collector has nothing from the site for the whole window: up a month ago says
    nothing about now."""
    j = Journal()
    j.service(at(-2), "up")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "unknown" and f.details["unknown_seconds"] == WINDOW.seconds


def test_silent_quality_rounds_are_unknown() -> None:
    """A site that sends rounds every 5 minutes and then nothing for days: no data, not up."""
    j = Journal()
    t = WINDOW.start
    while t < at(10):
        j.add(
            t,
            "link_quality",
            "dc",
            None,
            0.02,
            role="province_datacenter",
            link="tslcd",
            received=20,
            loss_ratio=0.0,
        )
        t += 300
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "unknown" and float(f.details["up_seconds"] or 0) >= 10 * DAY - 300


def test_a_target_is_reachable_over_any_link() -> None:
    j = Journal()
    for t in range(0, int(WINDOW.seconds), 300):
        tt = WINDOW.start + t
        j.add(
            tt,
            "link_quality",
            "dc",
            None,
            0.02,
            role="province_datacenter",
            link="tslcd",
            received=20,
            loss_ratio=0.0,
        )
        j.add(
            tt,
            "link_quality",
            "dc",
            None,
            None,
            role="province_datacenter",
            link="mobile",
            received=0,
            loss_ratio=1.0,
        )
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "met" and f.value == 1.0


def test_a_site_without_role_targets_falls_back_to_link_state() -> None:
    j = Journal()
    j.add(at(-1), "link_state", "tslcd", "up")
    j.add(at(1), "link_state", "tslcd", "down")
    j.add(at(2), "link_state", "tslcd", "up")
    f = uptime(j.inputs(), TH, WINDOW)
    assert f.status == "not_met" and f.details["down_seconds"] == DAY


# -- properties ---------------------------------------------------------------------------------

flips = st.lists(st.floats(min_value=0, max_value=WINDOW.seconds - 1), min_size=0, max_size=30)


def journal_of(times: list[float], first_up: bool) -> Journal:
    j = Journal()
    j.service(at(-1), "up" if first_up else "down")
    state = first_up
    for t in sorted(times):
        state = not state
        j.service(WINDOW.start + t, "up" if state else "down")
    return j.alive()


@settings(max_examples=150, deadline=None)
@given(flips, st.booleans())
def test_uptime_is_a_ratio(times: list[float], first_up: bool) -> None:
    f = uptime(journal_of(times, first_up).inputs(), TH, WINDOW)
    assert f.value is not None and 0.0 <= f.value <= 1.0
    assert f.status in ("met", "not_met")


@settings(max_examples=150, deadline=None)
@given(
    flips,
    st.floats(min_value=0, max_value=WINDOW.seconds - 1),
    st.floats(min_value=1, max_value=5 * DAY),
)
def test_adding_an_outage_never_raises_uptime(
    times: list[float], start: float, length: float
) -> None:
    j = journal_of(times, True)
    first = uptime(j.inputs(), TH, WINDOW).value
    j.service(WINDOW.start + start, "down", subject="dc", role="province_datacenter")
    j.service(
        min(WINDOW.start + start + length, WINDOW.end - 0.5),
        "up",
        subject="dc",
        role="province_datacenter",
    )
    second = uptime(j.inputs(), TH, WINDOW).value
    assert first is not None and second is not None and second <= first + 1e-12


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=WINDOW.seconds - 1), max_size=20), st.data())
def test_removing_events_never_turns_unknown_into_met(
    times: list[float], data: st.DataObject
) -> None:
    j = Journal()
    j.add(at(0), "agent_stopped", "agent")
    j.add(at(16), "agent_started", "agent")
    state = True
    for t in sorted(times):
        j.service(WINDOW.start + t, "up" if state else "down")
        state = not state
    full = uptime(j.inputs(), TH, WINDOW)
    if full.status != "unknown":
        return
    keep = data.draw(st.lists(st.booleans(), min_size=len(j.events), max_size=len(j.events)))
    j.events = [e for e, k in zip(j.events, keep, strict=True) if k or e.kind.startswith("agent")]
    assert uptime(j.inputs(), TH, WINDOW).status != "met"


# --- central outages of the data centre: not the commune's link ---------------------------------
def dc_province(n: int, lose: int, *, local_cut: int | None = None) -> list[SiteInputs]:
    """``n`` sites watching the data centre and the portal; the first ``lose`` lose the data
    centre on day 7 from 10:00 to 18:00 with their mains and links up (the portal answers).  Site
    ``local_cut`` also loses its TSLCD link (and so the portal) from 12:00 to 13:00."""
    sites = []
    for i in range(n):
        j = Journal(site=f"23527-p{i}")
        j.service(at(-2), "up")
        j.service(at(-2), "up", subject="dc", role="province_datacenter")
        if i < lose:
            j.service(at(7, 10 + i * 0.01), "down", subject="dc", role="province_datacenter")
            j.service(at(7, 18), "up", subject="dc", role="province_datacenter")
        if i == local_cut:
            j.add(at(7, 12), "link_state", "tslcd", "down")
            j.service(at(7, 12), "down")
            j.service(at(7, 13), "up")
            j.add(at(7, 13), "link_state", "tslcd", "up")
        sites.append(j.alive().inputs(site(site_id=f"p{i}")))
    return sites


def with_central(sites: list[SiteInputs]) -> list[SiteInputs]:
    """The sites with the central outages found from all of them, as evaluate_all does."""
    views = [uptime_view(s, TH, WINDOW).targets for s in sites]
    central = central_by_role(central_outages_of(views, TH))
    return [dataclasses.replace(s, central=central) for s in sites]


def test_a_data_centre_down_for_most_sites_at_once_is_left_out_of_every_sites_uptime() -> None:
    sites = with_central(dc_province(6, 5))
    assert sites[0].central == {"province_datacenter": [(at(7, 10.02), at(7, 18))]}  # 3 of 6
    f = uptime(sites[4], TH, WINDOW)
    assert f.status == "met" and f.value == 1.0, f.vi
    assert f.details["central_seconds"] == pytest.approx(8 * HOUR - 0.04 * HOUR)  # from 10:02
    raw = f.details["raw_ratio"]
    assert isinstance(raw, float) and raw < 0.99  # 8 hours down: the raw figure is kept
    assert f.details["outages"] == 0
    assert f.vi.endswith(" (không tính 7 giờ 57 phút sự cố phía trung tâm, nhiều điểm cùng lúc)")
    assert [e.en.endswith("(central outage, many sites at once)") for e in f.evidence] == [True]
    assert uptime(sites[5], TH, WINDOW).value == 1.0  # the site that kept the data centre


def test_a_local_link_cut_inside_a_central_outage_still_counts_against_the_site() -> None:
    sites = with_central(dc_province(6, 5, local_cut=0))
    f = uptime(sites[0], TH, WINDOW)
    assert f.details["outages"] == 1 and f.details["main_cause"] == "link"
    assert f.details["central_seconds"] == pytest.approx(7 * HOUR - 0.02 * HOUR)
    local = HOUR + 0.02 * HOUR  # the cut, and 10:00-10:02 before the centre's outage began
    assert f.value == pytest.approx(1 - local / (WINDOW.seconds - f.details["central_seconds"]))


def test_a_data_centre_lost_by_a_few_sites_is_their_own_outage() -> None:
    sites = with_central(dc_province(6, 2))
    assert sites[0].central == {}
    f = uptime(sites[0], TH, WINDOW)
    assert f.status == "not_met" and f.details["central_seconds"] == 0
