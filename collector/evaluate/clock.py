"""One clock for a site's events: lengths from the agent's monotonic clock, the calendar from its
wall clock.

Every event carries the agent's wall time and its CLOCK_BOOTTIME reading with the boot id.  Wall
time can step (NTP after a boot with a flat clock battery, an operator setting the time); the
monotonic clock never does, but compares only within one boot.  Between two steps the two clocks
run together (the kernel slews both alike), so ``wall - monotonic`` (the *offset*) is constant
and a step shows as a change of it.

:func:`on_one_clock` puts the events of each journal and boot that saw a step onto one clock:
every stretch between steps (an *epoch*) is moved onto the boot's longest epoch, so the
difference of two events' times is their monotonic difference, and the timeline, the outages,
unknown time, the window's edges and service hours are all read on that one clock.  Which
epoch's wall time places the boot in the calendar cannot be known for sure; the longest is right
in both usual cases: a box that boots on a stale clock and is corrected by NTP a minute later,
and an hour an operator set the clock wrong; and it keeps the most events where the store's
wall-time selection of the window put them.

Only boots whose agent journalled a ``clock_step`` are moved: a step under the agent's threshold
(2 s) is left as it is, and so is a journal whose monotonic values are not a clock (hand-made
ones).  Between boots the monotonic clocks are unrelated and wall time is all there is.

The store picks a window's events by their wall time: the events a move would bring in across
an edge of the window were not read, so a clock that stays stepped can leave up to the step
without events at that edge (the changes a move takes out before the window's start are the
state at its start: :func:`collector.evaluate.timeline.sweep`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from collector.events import StoredEvent

STEP_KIND = "clock_step"
# Offsets of one epoch agree to microseconds; the agent journals steps over 2 s.
STEP_TOLERANCE_SECONDS = 1.0

Run = tuple[str, str]  # (journal_id, boot_id): events whose monotonic values compare


def run_of(e: StoredEvent) -> Run:
    return e.journal_id, e.boot_id


def started_at(closing: StoredEvent) -> float | None:
    """When the span a closing event reports began (a ``mains_state restored`` and its outage):
    the event's time less the seconds the agent measured on the monotonic clock
    (``duration_clock: monotonic``), so the span's length is the agent's and its end is where the
    event sits; else the wall time the agent noted at the start (``started_wall_time_unix``:
    the host rebooted in between); else None."""
    details = closing.details
    if closing.value is not None and details.get("duration_clock") == "monotonic":
        return closing.wall_time - closing.value
    started = details.get("started_wall_time_unix")
    if isinstance(started, int | float) and not isinstance(started, bool):
        return float(started)
    return None


def on_one_clock(
    events: Sequence[StoredEvent], before: Sequence[StoredEvent] = ()
) -> tuple[Sequence[StoredEvent], Sequence[StoredEvent]]:
    """``events`` (the window's, sorted by time then seq) and ``before`` (the state before it)
    with the steps of each boot that journalled one undone; the same objects when nothing
    moved, else sorted again by time then seq."""
    stepped = {run_of(e) for e in (*events, *before) if e.kind == STEP_KIND}
    if not stepped:
        return events, before
    runs: dict[Run, list[StoredEvent]] = {}
    for e in (*before, *events):
        if run_of(e) in stepped:
            runs.setdefault(run_of(e), []).append(e)
    moved: dict[int, float] = {}  # id(event) -> seconds added to its wall time
    for run in runs.values():
        run.sort(key=_seq)
        for e, correction in zip(run, _corrections(run), strict=True):
            if correction:
                moved[id(e)] = correction
    if not moved:
        return events, before
    return _moved(events, moved), _moved(before, moved)


def _seq(e: StoredEvent) -> int:
    return e.seq


def _corrections(run: Sequence[StoredEvent]) -> list[float]:
    """For each event of one boot (in seq order), the seconds that put it on the clock of the
    boot's longest epoch (0.0 for the events of that epoch)."""
    offsets = [e.wall_time - e.monotonic_ns / 1e9 for e in run]
    starts = [0] + [
        i
        for i, (a, b) in enumerate(pairwise(offsets), start=1)
        if abs(b - a) > STEP_TOLERANCE_SECONDS
    ]
    if len(starts) == 1:
        return [0.0] * len(run)
    # An epoch lasts from its first event to the next epoch's first (the last: to its last).
    ends = [*starts[1:], len(run) - 1]
    lengths = [
        run[end].monotonic_ns - run[start].monotonic_ns
        for start, end in zip(starts, ends, strict=True)
    ]
    anchor = offsets[starts[lengths.index(max(lengths))]]
    corrections: list[float] = []
    for k, start in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(run)
        corrections += [anchor - offsets[start]] * (stop - start)
    return corrections


def _moved(events: Sequence[StoredEvent], moved: dict[int, float]) -> Sequence[StoredEvent]:
    if not any(id(e) in moved for e in events):
        return events
    out = [
        replace(e, wall_time=e.wall_time + moved[id(e)]) if id(e) in moved else e for e in events
    ]
    out.sort(key=_time_then_seq)
    return out


def _time_then_seq(e: StoredEvent) -> tuple[float, int]:
    return e.wall_time, e.seq
