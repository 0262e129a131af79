"""The power tracker: readings in, journal events out (pure, times passed in)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.power.reading import PowerReading, parse_status
from agent.power.tracker import PowerPolicy, PowerTracker
from sansang.events import Change, Event

S = 1_000_000_000  # ns per second
BOOT = "boot-a"


def reading(status: str, charge: float | None = None, runtime: float | None = None) -> PowerReading:
    return PowerReading(
        parse_status(status), battery_charge_ratio=charge, battery_runtime_seconds=runtime
    )


class Clock:
    """Wall and monotonic time moving together (wall starts at a plausible 2026 date)."""

    def __init__(self) -> None:
        self.t = 0.0

    def at(self, seconds: float) -> tuple[float, int]:
        self.t = seconds
        return 1.79e9 + seconds, int(seconds * S)


def feed(
    tracker: PowerTracker, steps: list[tuple[float, str, str | None]]
) -> list[tuple[float, Change]]:
    """Feed (time, source, status or None for silence); returns (time, change) in order."""
    out = []
    for t, source, status in steps:
        wall, mono = 1.79e9 + t, int(t * S)
        r = None if status is None else reading(status)
        out += [(t, c) for c in tracker.update(source, r, wall, mono)]
    return out


def kinds(changes: list[tuple[float, Change]]) -> list[tuple[str, str | None]]:
    return [(c.kind, c.state) for _, c in changes]


def tracker(*sources: str, **policy: float) -> PowerTracker:
    return PowerTracker(list(sources) or ["ups"], PowerPolicy(**policy), BOOT)  # type: ignore[arg-type]


def test_mains_lost_low_battery_restored_in_order() -> None:
    tr = tracker()
    out = feed(
        tr,
        [
            (0, "ups", "OL CHRG"),
            (5, "ups", "OB DISCHRG"),
            (65, "ups", "OB DISCHRG LB"),
            (125, "ups", "OL CHRG"),
        ],
    )
    assert kinds(out) == [
        ("mains_state", "lost"),
        ("battery_low", "low"),
        ("mains_state", "restored"),
        ("battery_low", "normal"),
    ]
    restored = out[2][1]
    assert restored.value == 120.0
    assert restored.details["class"] == "momentary"
    assert restored.details["duration_clock"] == "monotonic"
    assert restored.details["battery_low_reached"] is True
    assert restored.details["started_wall_time_unix"] == 1.79e9 + 5


def test_first_reading_on_line_is_silent_and_on_battery_is_an_outage() -> None:
    assert feed(tracker(), [(0, "ups", "OL")]) == []
    out = feed(tracker(), [(0, "ups", "OB LB")])
    assert kinds(out) == [("mains_state", "lost"), ("battery_low", "low")]


def test_five_minutes_is_momentary_and_longer_is_sustained() -> None:
    for seconds, expected in ((300.0, "momentary"), (300.5, "sustained")):
        out = feed(tracker(), [(0, "ups", "OL"), (10, "ups", "OB"), (10 + seconds, "ups", "OL")])
        assert out[-1][1].details["class"] == expected, seconds
        assert out[-1][1].value == seconds


def test_bypass_and_forced_shutdown_are_events_of_their_own() -> None:
    out = feed(
        tracker(),
        [(0, "ups", "OL"), (1, "ups", "OL BYPASS"), (2, "ups", "OL"), (3, "ups", "OB FSD")],
    )
    assert kinds(out) == [
        ("ups_bypass", "on"),
        ("ups_bypass", "off"),
        ("mains_state", "lost"),
        ("ups_forced_shutdown", "on"),
        ("ups_depleted", "depleted"),
    ]
    depleted = out[4][1]
    assert depleted.details["how"] == "forced_shutdown"


def silence(start: float, end: float, every: float = 5.0) -> list[tuple[float, str, str | None]]:
    """Polls of ``ups`` it does not answer, from ``start`` to ``end`` inclusive."""
    n = int((end - start) / every)
    return [(start + i * every, "ups", None) for i in range(n + 1)]


ON_BATTERY_LOW: list[tuple[float, str, str | None]] = [
    (0, "ups", "OL"),
    (100, "ups", "OB DISCHRG"),
    (700, "ups", "OB DISCHRG LB"),
]


def depletions(out: list[tuple[float, Change]]) -> list[Change]:
    return [c for _, c in out if c.kind in ("ups_depleted", "ups_depletion_retracted")]


def test_ups_that_stays_silent_past_the_grace_after_low_battery_ran_out() -> None:
    tr = tracker()  # the shipped grace: 30 s
    out = feed(tr, [*ON_BATTERY_LOW, *silence(760, 785)])  # 25 s of silence: unknown
    assert depletions(out) == []
    out = feed(tr, silence(790, 800))  # 30 s of silence: past the grace
    depleted = depletions(out)
    assert [(c.kind, c.state, c.subject) for c in depleted] == [("ups_depleted", "depleted", "ups")]
    assert depleted[0].value == 660.0  # on battery at 100 s, first silent poll at 760 s
    assert depleted[0].details == {
        "how": "silent_after_low_battery",
        "duration_clock": "monotonic",
        "silent_seconds": 30.0,
    }
    # Silence keeps the outage open: no restored until a source sees mains again.
    assert tr.outage is not None and tr.outage.depleted
    out = feed(tr, [(4000, "ups", "OL CHRG")])
    restored = next(c for _, c in out if c.kind == "mains_state")
    assert restored.state == "restored" and restored.value == 3900.0
    assert restored.details["class"] == "sustained" and restored.details["depleted"] is True
    assert depletions(out) == []  # back on line is no proof it had not run out


def test_silence_within_the_grace_is_unknown_not_depletion() -> None:
    tr = tracker()
    out = feed(tr, [*ON_BATTERY_LOW, *silence(760, 785), (790, "ups", "OB DISCHRG LB")])
    assert depletions(out) == []
    out = feed(tr, [(900, "ups", "OL CHRG")])
    assert out[0][1].details["depleted"] is False


def test_the_grace_is_the_configured_one() -> None:
    out = feed(tracker(silent_depletion_grace=10), [*ON_BATTERY_LOW, *silence(760, 765)])
    assert depletions(out) == []
    out = feed(tracker(silent_depletion_grace=10), [*ON_BATTERY_LOW, *silence(760, 770)])
    assert [c.details["silent_seconds"] for c in depletions(out)] == [10.0]


def test_answering_again_on_battery_retracts_the_depletion() -> None:
    tr = tracker()
    out = feed(tr, [*ON_BATTERY_LOW, *silence(760, 800), (802.5, "ups", "OB DISCHRG LB")])
    assert [(c.kind, c.state) for c in depletions(out)] == [
        ("ups_depleted", "depleted"),
        ("ups_depletion_retracted", None),
    ]
    retracted = depletions(out)[1]
    assert retracted.subject == "ups" and retracted.value is None
    assert retracted.details == {"how": "silent_after_low_battery", "silent_seconds": 42.5}
    assert tr.outage is not None and not tr.outage.depleted
    out = feed(tr, [(900, "ups", "OL CHRG")])
    restored = next(c for _, c in out if c.kind == "mains_state")
    assert restored.details["depleted"] is False and restored.details["battery_low_reached"]


def test_after_a_retraction_a_real_silence_is_a_depletion_again_measured_from_the_start() -> None:
    tr = tracker()
    feed(tr, [*ON_BATTERY_LOW, *silence(760, 800), (805, "ups", "OB LB")])
    out = feed(tr, silence(900, 930))
    depleted = depletions(out)
    assert [(c.kind, c.value) for c in depleted] == [("ups_depleted", 800.0)]  # 100 s → 900 s
    assert tr.outage is not None and tr.outage.depleted


def test_an_answer_that_is_not_on_battery_keeps_the_depletion() -> None:
    for answer in ("OB LB FSD", "OB LB OFF", "LB"):  # gave up in its own words, or says neither
        tr = tracker()
        out = feed(tr, [*ON_BATTERY_LOW, *silence(760, 800), (805, "ups", answer)])
        assert [c.kind for c in depletions(out)] == ["ups_depleted"], answer
        assert tr.outage is not None and tr.outage.depleted, answer


def test_a_retraction_keeps_another_sources_depletion() -> None:
    tr = tracker("ups", "ups-b")
    steps: list[tuple[float, str, str | None]] = [
        (0, "ups", "OL"),
        (0, "ups-b", "OL"),
        (10, "ups", "OB"),
        (10, "ups-b", "OB"),
        (20, "ups-b", "OB FSD"),  # ups-b gives up in its own words
        (30, "ups", "OB LB"),
        *silence(40, 80),
        (85, "ups", "OB LB"),  # ups answers again: only its own depletion is retracted
        (90, "ups", "OL"),
    ]
    out = feed(tr, steps)
    assert [(c.kind, c.subject) for c in depletions(out)] == [
        ("ups_depleted", "ups-b"),
        ("ups_depleted", "ups"),
        ("ups_depletion_retracted", "ups"),
    ]
    restored = next(c for _, c in out if c.kind == "mains_state" and c.state == "restored")
    assert restored.details["depleted"] is True


def test_silence_without_low_battery_is_not_depletion() -> None:
    out = feed(tracker(), [(0, "ups", "OL"), (10, "ups", "OB"), (20, "ups", None)])
    assert "ups_depleted" not in [k for k, _ in kinds(out)]


def test_site_mains_are_present_while_any_source_is_on_line() -> None:
    tr = tracker("ups-a", "ups-b")
    out = feed(tr, [(0, "ups-a", "OL"), (0, "ups-b", "OL"), (5, "ups-a", "OB")])
    assert out == []  # ups-b still on line: ups-a's own input failed, not the site's mains
    assert tr.mains_now() is True
    out = feed(tr, [(6, "ups-b", "OB"), (9, "ups-a", "OL")])
    assert kinds(out) == [("mains_state", "lost"), ("mains_state", "restored")]
    assert out[0][1].details["source"] == "ups-b"


def test_flapping_input_gives_two_events_instead_of_a_flood() -> None:
    tr = tracker(flapping_changes=6, flapping_window=600)
    steps: list[tuple[float, str, str | None]] = [(0, "ups", "OL")]
    for i in range(20):  # 20 outages of 10 s, one a minute
        steps += [(60 * i + 30, "ups", "OB"), (60 * i + 40, "ups", "OL")]
    out = feed(tr, steps)
    # Changes 1-5 journalled as usual (lost, restored, lost, restored, lost); the 6th starts
    # flapping; the open outage's restored is still journalled so the pairs stay complete.
    assert kinds(out) == [
        ("mains_state", "lost"),
        ("mains_state", "restored"),
        ("mains_state", "lost"),
        ("mains_state", "restored"),
        ("mains_state", "lost"),
        ("mains_flapping", "started"),
        ("mains_state", "restored"),
    ]
    assert tr.flapping
    last_change = 60 * 19 + 40
    assert feed(tr, [(last_change + 599, "ups", "OL")]) == []  # not yet steady for a window
    out = feed(tr, [(last_change + 600, "ups", "OL")])
    assert kinds(out) == [("mains_flapping", "ended")]
    ended = out[0][1]
    assert ended.details["outages_momentary"] == 17  # outages 4 to 20
    assert ended.details["momentary_seconds"] == 170.0
    assert ended.details["outages_sustained"] == 0
    assert not tr.flapping


def test_flapping_that_settles_with_mains_off_journals_the_outage_in_progress() -> None:
    tr = tracker(flapping_changes=4, flapping_window=100)
    steps: list[tuple[float, str, str | None]] = [(0, "ups", "OL")]
    steps += [(10, "ups", "OB"), (12, "ups", "OL"), (14, "ups", "OB"), (16, "ups", "OL")]
    steps += [(18, "ups", "OB"), (200, "ups", "OB")]  # off, and stays off
    out = feed(tr, steps)
    assert kinds(out)[-2:] == [("mains_flapping", "ended"), ("mains_state", "lost")]
    assert out[-1][1].details["started_wall_time_unix"] == 1.79e9 + 18
    out = feed(tr, [(400, "ups", "OL")])
    assert kinds(out) == [("mains_state", "restored")]
    assert out[0][1].value == 382.0


def _event(kind: str, state: str, boot: str, wall: float, **details: object) -> Event:
    return Event(1, boot, wall, 5 * S, kind, "site", state, None, dict(details))


def test_outage_carried_over_a_host_power_off() -> None:
    tr = PowerTracker(["ups"], PowerPolicy(), "boot-b")
    lost = _event("mains_state", "lost", "boot-a", 1.79e9, source="ups")
    last_of_old_boot = Event(9, "boot-a", 1.79e9 + 1500, 9 * S, "battery_low", "ups", "low")
    changes = tr.resume(lost, last_of_old_boot, 1.79e9 + 7200)
    assert [(c.kind, c.state, c.value) for c in changes] == [("ups_depleted", "depleted", 1500.0)]
    assert changes[0].details["how"] == "host_lost_power"
    out = tr.update("ups", reading("OL CHRG"), 1.79e9 + 7200, 30 * S)
    assert [(c.kind, c.state) for c in out] == [("mains_state", "restored")]
    assert out[0].value == 7200.0
    assert out[0].details["duration_clock"] == "wall"
    assert out[0].details["depleted"] is True


def test_agent_restart_in_the_same_boot_keeps_the_monotonic_clock() -> None:
    tr = PowerTracker(["ups"], PowerPolicy(), BOOT)
    lost = _event("mains_state", "lost", BOOT, 1.79e9, source="ups")
    assert tr.resume(lost, None, 1.79e9 + 50) == []
    out = tr.update("ups", reading("OL"), 1.79e9 + 9999, 65 * S)  # wall clock stepped meanwhile
    assert out[0].value == 60.0 and out[0].details["duration_clock"] == "monotonic"


def test_clean_stop_during_outage_does_not_claim_depletion() -> None:
    tr = PowerTracker(["ups"], PowerPolicy(), "boot-b")
    lost = _event("mains_state", "lost", "boot-a", 1.79e9, source="ups")
    stopped = Event(9, "boot-a", 1.79e9 + 100, 9 * S, "agent_stopped", "agent")
    assert tr.resume(lost, stopped, 1.79e9 + 200) == []
    assert tr.resume(_event("mains_state", "restored", "boot-a", 1.79e9), None, 0) == []


STATUSES = st.sampled_from(["OL", "OL CHRG", "OB", "OB DISCHRG", "OB LB", None])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0.5, 400), st.sampled_from(["a", "b"]), STATUSES), max_size=80))
def test_journal_stays_consistent_and_counts_every_outage(
    steps: list[tuple[float, str, str | None]],
) -> None:
    """Whatever the sources say: journalled mains events alternate lost/restored, durations are
    never negative, and every outage that ended is in the journal, alone or in a flapping
    summary."""
    tr = tracker("a", "b", flapping_changes=4, flapping_window=300)
    t, timeline = 0.0, []
    for gap, source, status in steps:
        t += gap
        timeline.append((t, source, status))
    out = feed(tr, timeline)
    close = tr.close(1.79e9 + t, int(t * S))
    mains = [c for _, c in out if c.kind == "mains_state"]
    for i, c in enumerate(mains):
        assert c.state == ("lost" if i % 2 == 0 else "restored")
        if c.state == "restored":
            assert c.value is not None and c.value >= 0
    # every site outage that ended, counted once
    site_restorations = 0
    previous = None
    views: dict[str, bool | None] = {"a": None, "b": None}
    for _, source, status in timeline:
        views[source] = None if status is None else reading(status).mains_present
        known = [v for v in views.values() if v is not None]
        now = any(known) if known else None
        if now is not None and now != previous:
            if now and previous is False:
                site_restorations += 1
            previous = now
    # A retraction always takes back a depletion of its source guessed from silence, in the same
    # battery run (a run ends when the source says it is on line).
    standing: dict[str, list[str]] = {"a": [], "b": []}
    for t, source, status in timeline:
        if status is not None and reading(status).mains_present:
            standing[source].clear()
        for c in (c for t_c, c in out if t_c == t):
            if c.kind == "ups_depleted":
                assert not standing[c.subject], "depleted twice in one battery run"
                standing[c.subject].append(c.details["how"])
            elif c.kind == "ups_depletion_retracted":
                assert standing[c.subject].pop() == "silent_after_low_battery"
    journalled = sum(1 for c in mains if c.state == "restored")
    ended = [c for _, c in out if c.kind == "mains_flapping" and c.state == "ended"] + close
    flapped = sum(c.details["outages_momentary"] + c.details["outages_sustained"] for c in ended)
    assert journalled + flapped == site_restorations
