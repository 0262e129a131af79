"""The power summary per window, from journal events (pure)."""

from __future__ import annotations

from agent.power.history import InProgress, PowerHistory
from sansang.events import Change, Event

NOW = 1.8e9
H = 3600.0
D = 86400.0


def restored(end: float, seconds: float, cls: str | None = None) -> Event:
    details: dict[str, object] = {"started_wall_time_unix": end - seconds}
    if cls:
        details["class"] = cls
    return Event(1, "b", end, 0, "mains_state", "site", "restored", seconds, details)


def history(*events: Event) -> PowerHistory:
    h = PowerHistory(sustained_after=300)
    h.load(events)
    return h


def test_outages_fall_in_the_windows_they_overlap() -> None:
    h = history(
        restored(NOW - 2 * H, 120),  # 24h, 7d, 30d
        restored(NOW - 3 * D, 2 * H),  # 7d, 30d
        restored(NOW - 20 * D, 600),  # 30d
        restored(NOW - 40 * D, 600),  # none
    )
    s = h.summary(NOW)
    assert (s["24h"].outages, s["24h"].seconds["momentary"]) == (
        {"sustained": 0, "momentary": 1},
        120,
    )
    assert s["7d"].outages == {"sustained": 1, "momentary": 1}
    assert s["7d"].seconds == {"sustained": 2 * H, "momentary": 120}
    assert s["30d"].outages == {"sustained": 2, "momentary": 1}
    assert s["30d"].longest == 2 * H
    assert s["30d"].total_seconds == 2 * H + 120 + 600


def test_an_outage_across_the_window_edge_counts_only_its_part_inside() -> None:
    s = history(restored(NOW - 23 * H, 2 * H)).summary(NOW)  # began 25 h ago, ended 23 h ago
    assert s["24h"].outages["sustained"] == 1
    assert s["24h"].seconds["sustained"] == H
    assert s["24h"].longest == 2 * H


def test_class_is_taken_from_the_event_or_from_the_threshold() -> None:
    s = history(restored(NOW - H, 300), restored(NOW - H, 301)).summary(NOW)
    assert s["24h"].outages == {"sustained": 1, "momentary": 1}
    s = history(restored(NOW - H, 30, cls="sustained")).summary(NOW)
    assert s["24h"].outages["sustained"] == 1


def test_flapping_summary_and_holdups_and_the_outage_in_progress() -> None:
    flap = Event(
        2, "b", NOW - H, 0, "mains_flapping", "site", "ended", 1800.0,
        {"outages_momentary": 12, "momentary_seconds": 240.0, "outages_sustained": 1,
         "sustained_seconds": 400.0, "longest_outage_seconds": 400.0,
         "started_wall_time_unix": NOW - H - 1800},
    )  # fmt: skip
    depleted = [
        Event(3, "b", NOW - 2 * D, 0, "ups_depleted", "ups", "depleted", 1500.0),
        Event(4, "b", NOW - 10 * H, 0, "ups_depleted", "ups", "depleted", 2400.0),
    ]
    h = history(flap, *depleted)
    s = h.summary(NOW, InProgress(NOW - 400, 400))
    assert s["24h"].outages == {"sustained": 2, "momentary": 12}
    assert s["24h"].seconds == {"sustained": 800.0, "momentary": 240.0}
    assert s["24h"].shortest_holdup == 2400.0
    assert s["7d"].shortest_holdup == 1500.0
    # an outage still going on counts only once it is sustained
    assert h.summary(NOW, InProgress(NOW - 200, 200))["24h"].outages["sustained"] == 1


def test_nothing_seen_is_zero_outages_and_no_holdup() -> None:
    s = history().summary(NOW)
    assert s["30d"].total_outages == 0 and s["30d"].longest == 0
    assert s["30d"].shortest_holdup is None


def test_malformed_details_do_not_break_the_summary() -> None:
    odd = Event(1, "b", NOW - H, 0, "mains_state", "site", "restored", 50.0, {"class": 7})
    flap = Event(2, "b", NOW - H, 0, "mains_flapping", "site", "ended", 5.0, {"x": "y"})
    s = history(odd, flap).summary(NOW)
    assert s["24h"].outages == {"sustained": 0, "momentary": 1}


def test_prune_drops_what_no_window_needs() -> None:
    h = history(restored(NOW - 31 * D, 60), restored(NOW - D, 60))
    h.prune(NOW)
    assert len(h.outages) == 1


def test_a_retracted_depletion_gives_no_holdup() -> None:
    def depleted(seq: int, when: float, held: float, source: str) -> Event:
        return Event(seq, "b", when, 0, "ups_depleted", source, "depleted", held)

    def retracted(seq: int, when: float, source: str) -> Event:
        return Event(seq, "b", when, 0, "ups_depletion_retracted", source, None, None)

    h = history(
        depleted(1, NOW - 3 * D, 2400.0, "ups"),
        depleted(2, NOW - 2 * H, 900.0, "ups-b"),
        depleted(3, NOW - H, 600.0, "ups"),  # a silence guessed as running out...
        retracted(4, NOW - H + 40, "ups"),  # ...and the UPS answered again on battery
    )
    s = h.summary(NOW)
    assert s["24h"].shortest_holdup == 900.0  # ups-b's stands, ups's newest is taken back
    assert s["7d"].shortest_holdup == 900.0
    h.add_change(Change("ups_depletion_retracted", "ups-b", None, {}), NOW)
    s = h.summary(NOW)
    assert s["24h"].shortest_holdup is None and s["7d"].shortest_holdup == 2400.0
