"""From state events to spans of time: up, down or unknown (không có dữ liệu).

Shared bookkeeping of the rules (pure; no I/O):

- :func:`site_index` splits a site's events by kind once (the rules of one site share it),
  after putting each boot's events on one clock (:mod:`collector.evaluate.clock`): every time
  the rules read is an event's wall time with the boot's clock steps undone, so a difference of
  two times from one boot is the agent's monotonic measure.
- :func:`agent_gaps`: spans nobody was looking: the whole window when the site sent nothing in
  it; between ``agent_stopped`` and the next
  ``agent_started``; before an ``agent_started`` with no ``agent_stopped`` (a crash or a power
  cut), from the last event seen; and, at sites that send quality rounds, silences longer than
  ``max_silence`` or four rounds, whichever is longer.  Unknown time is never counted as up.
- :func:`sweep` turns state changes of *groups* of *members* into spans: a group is up when any
  of its known members is up (a target reachable over some link), down when every known member
  is down; the whole is down when any known group is down, up when every known group is up, and
  unknown when no group is known.  After a gap every state is unknown until its next event (the
  agent reports the first state of everything after it starts).
- :func:`tally` and :func:`tally_within` add the spans up, the latter only inside given intervals
  (service hours).
- :func:`unpowered_spans`: when the site had no power at all (mains lost, no UPS holding).
- :func:`depletions`: the UPS depletions that stand once their retractions are read.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from collector.evaluate.cause import likely_cause
from collector.evaluate.clock import STEP_KIND, on_one_clock, started_at
from collector.evaluate.depletion import DEPLETED, RETRACTED, Depletions, resolve
from collector.evaluate.model import Cause, SiteInputs, Window
from collector.events import StoredEvent

Span = tuple[float, float]  # [start, end), Unix seconds
State = bool | None  # up, down, unknown
Segment = tuple[float, float, State]
# A state change: (wall time, group, member, state); state None is "no longer known".
Change = tuple[float, str, str, State]

AGENT_KINDS = frozenset({"agent_started", "agent_stopped"})
CLOCK_KINDS = frozenset({STEP_KIND})  # read by every rule: durations across a step (clock.py)
HEARTBEAT_KIND = "link_quality"  # sent every round (default 5 min): silence means no data
DEFAULT_MAX_SILENCE = 1800.0


@dataclass(frozen=True)
class SiteIndex:
    """A site's events split by kind, in the store's order (wall time, seq)."""

    by_kind: Mapping[str, Sequence[StoredEvent]]
    before_by_kind: Mapping[str, Sequence[StoredEvent]]
    times: Sequence[float] = field(default_factory=list)  # every event's wall time, in order
    memo: dict[str, object] = field(default_factory=dict)  # what rules derive once per site

    def kind(self, kind: str) -> Sequence[StoredEvent]:
        return self.by_kind.get(kind, ())

    def before(self, kind: str) -> Sequence[StoredEvent]:
        return self.before_by_kind.get(kind, ())


_cache = threading.local()


def site_index(inputs: SiteInputs) -> SiteIndex:
    """The index of ``inputs``; the newest one per thread is kept, so the rules run one after
    the other on one site's inputs split its events once."""
    last = getattr(_cache, "last", None)
    if last is not None and last[0] is inputs:
        index: SiteIndex = last[1]
        return index
    events, before_events = inputs.events, inputs.before
    by_kind = _by_kind(events)
    if STEP_KIND in by_kind or any(e.kind == STEP_KIND for e in before_events):
        events, before_events = on_one_clock(events, before_events)
        by_kind = _by_kind(events)
    times = [e.wall_time for e in events]
    before: dict[str, list[StoredEvent]] = {}
    for e in sorted(before_events, key=_wall):
        before.setdefault(e.kind, []).append(e)
    index = SiteIndex(by_kind, before, times)
    _cache.last = (inputs, index)
    return index


def _by_kind(events: Iterable[StoredEvent]) -> dict[str, list[StoredEvent]]:
    by_kind: dict[str, list[StoredEvent]] = {}
    for e in events:
        found = by_kind.get(e.kind)
        if found is None:
            by_kind[e.kind] = [e]
        else:
            found.append(e)
    return by_kind


def _wall(e: StoredEvent) -> float:
    return e.wall_time


CAUSE_KINDS = (
    "mains_state",
    "mains_flapping",
    "ups_depleted",
    "ups_depletion_retracted",
    "agent_started",
    "agent_stopped",
    "link_state",
    "interface_state",
)


def cause_events(index: SiteIndex) -> list[StoredEvent]:
    """The events :func:`collector.evaluate.cause.likely_cause` looks at, with the newest power
    state before the window, sorted by wall time (a short list: the heartbeat rounds are left
    out but for those that lost every request)."""
    found = index.memo.get("cause_events")
    if isinstance(found, list):
        return found
    picked: list[StoredEvent] = []
    for kind in CAUSE_KINDS:
        picked += index.before(kind)
        picked += index.kind(kind)
    picked += [e for e in index.kind(HEARTBEAT_KIND) if e.value is None]
    picked.sort(key=_wall)
    index.memo["cause_events"] = picked
    return picked


def local_cause(index: SiteIndex, at: float) -> Cause:
    """:func:`likely_cause` of a loss at ``at`` that the site's own events show: with nothing
    else in the journal, the device or service alone."""
    cause = likely_cause(cause_events(index), at)
    return "device" if cause == "unknown" else cause


def unpowered_spans(index: SiteIndex, window: Window, *, has_ups: bool) -> list[Span]:
    """Spans with no power at the site (không có điện): mains lost and no UPS holding the load.

    Mains are lost from a ``mains_state lost`` (or the start of the ``restored`` that ends it:
    :func:`~collector.evaluate.clock.started_at`) to the ``restored``, or to the window's end.
    A site with no UPS in the inventory has no power for all of it; one with a UPS from the
    moment a UPS ran out (``ups_depleted`` during the outage, not retracted: the outage's start
    plus the hold-up it reports) to the mains' return.  Sorted, merged, clipped to the window."""
    memo = f"unpowered:{window.start}:{window.end}:{has_ups}"
    found = index.memo.get(memo)
    if isinstance(found, list):
        return found
    depleted = [e for e in depletions(index).standing if e.wall_time >= window.start]
    spans: list[Span] = []
    for start, end in _mains_off(index, window):
        if not has_ups:
            spans.append((start, end))
            continue
        moments = [_depleted_at(e, start) for e in depleted if start <= e.wall_time <= end]
        if moments:
            spans.append((max(start, min(moments)), end))
    clipped = merge(
        (max(a, window.start), min(b, window.end))
        for a, b in spans
        if min(b, window.end) > max(a, window.start)
    )
    index.memo[memo] = clipped
    return clipped


def depletions(index: SiteIndex) -> Depletions:
    """The site's ``ups_depleted`` events, before the window and in it, with the retractions
    read (:mod:`collector.evaluate.depletion`); once per site."""
    found = index.memo.get("depletions")
    if isinstance(found, Depletions):
        return found
    events = [e for k in (DEPLETED, RETRACTED) for e in (*index.before(k), *index.kind(k))]
    resolved = resolve(sorted(events, key=lambda e: (e.wall_time, e.seq)))
    index.memo["depletions"] = resolved
    return resolved


def _mains_off(index: SiteIndex, window: Window) -> list[Span]:
    before = index.before("mains_state")
    open_since = before[-1].wall_time if before and before[-1].state == "lost" else None
    spans: list[Span] = []
    for e in index.kind("mains_state"):
        if e.state == "lost":
            open_since = e.wall_time if open_since is None else open_since
        elif e.state == "restored":
            started = started_at(e)
            if started is not None:
                spans.append((started, e.wall_time))
            elif open_since is not None:
                spans.append((open_since, e.wall_time))
            open_since = None
    if open_since is not None:
        spans.append((open_since, window.end))
    return spans


def _depleted_at(e: StoredEvent, outage_start: float) -> float:
    """When the UPS ran out: the outage's start plus its hold-up (the event itself may come
    later, after the agent's host came back), else the event's time."""
    held = e.value
    if isinstance(held, int | float) and not isinstance(held, bool) and held >= 0:
        return min(e.wall_time, outage_start + float(held))
    return e.wall_time


def changes_of(
    events: Iterable[StoredEvent],
    key: Callable[[StoredEvent], tuple[str, str, State] | None],
    gaps: Sequence[Span] = (),
    picked: list[StoredEvent] | None = None,
) -> list[Change]:
    """State changes ``(time, group, member, state)`` of the events ``key`` picks, only where
    a member's state changes (a round every 5 minutes that says "up" again is not a change);
    across a gap's start or end every state is new again.  ``picked`` gets the events of the
    changes, for evidence."""
    out: list[Change] = []
    last: dict[tuple[str, str], State] = {}
    edges = [t for span in gaps for t in span]  # starts and ends, sorted (gaps are merged)
    gi, next_edge = 0, edges[0] if edges else math.inf
    for e in events:
        t = e.wall_time
        if t >= next_edge:
            last.clear()
            while gi < len(edges) and edges[gi] <= t:
                gi += 1
            next_edge = edges[gi] if gi < len(edges) else math.inf
        found = key(e)
        if found is None:
            continue
        group, member, state = found
        k = (group, member)
        if k in last and last[k] is state:
            continue
        last[k] = state
        out.append((t, group, member, state))
        if picked is not None:
            picked.append(e)
    return out


def agent_gaps(
    inputs: SiteInputs, window: Window, *, max_silence: float = DEFAULT_MAX_SILENCE
) -> list[Span]:
    """Spans of the window when the agent was not running or sent nothing (merged, sorted)."""
    index = site_index(inputs)
    memo = f"gaps:{window.start}:{window.end}:{max_silence}"
    found = index.memo.get(memo)
    if isinstance(found, list):
        return found
    if not index.times:  # nothing at all from the site in the window: nobody knows
        index.memo[memo] = [(window.start, window.end)]
        return [(window.start, window.end)]
    gaps = _stopped_spans(index, window)
    rounds = index.kind(HEARTBEAT_KIND)
    if rounds:
        limit = max(max_silence, 4 * _round_period(rounds))
        gaps += _silences(index.times, window, limit)
    merged = merge(gaps)
    index.memo[memo] = merged
    return merged


def _round_period(rounds: Sequence[StoredEvent]) -> float:
    """The usual time between two rounds of one target over one link (the median), so a site
    whose rounds are hourly is not silent between two of them."""
    first = rounds[0]
    link = first.details.get("link")
    times: list[float] = []
    for e in rounds:
        if e.subject == first.subject and e.details.get("link") == link:
            times.append(e.wall_time)
            if len(times) > 64:  # enough for a median
                break
    steps = sorted(b - a for a, b in pairwise(times))
    return steps[len(steps) // 2] if steps else 0.0


def _stopped_spans(index: SiteIndex, window: Window) -> list[Span]:
    started = [e.wall_time for e in index.before("agent_started")]
    stopped = [e.wall_time for e in index.before("agent_stopped")]
    running = not stopped or (bool(started) and max(started) > max(stopped))
    gap_from = window.start
    last_seen = max((e.wall_time for e in _all_before(index)), default=window.start)
    last_seen = max(last_seen, window.start)
    agent = sorted([*index.kind("agent_started"), *index.kind("agent_stopped")], key=_wall)
    gaps: list[Span] = []
    times = index.times
    for e in agent:
        if e.kind == "agent_stopped":
            if running:
                gap_from, running = e.wall_time, False
            continue
        if running:  # started without a stop: the agent died after the last event before
            gap_from = max(_last_before(times, e.wall_time, last_seen), window.start)
        gaps.append((gap_from, e.wall_time))
        running = True
    if not running:
        gaps.append((gap_from, window.end))
    return [(a, b) for a, b in gaps if b > a]


def _all_before(index: SiteIndex) -> Iterable[StoredEvent]:
    for events in index.before_by_kind.values():
        yield from events


def _last_before(times: Sequence[float], t: float, default: float) -> float:
    """The newest event time strictly before ``t`` (``times`` sorted), or ``default``."""
    i = bisect_left(times, t)
    return times[i - 1] if i > 0 else default


def _silences(times: Sequence[float], window: Window, max_silence: float) -> list[Span]:
    gaps: list[Span] = []
    previous = window.start
    for t in times:
        if t - previous > max_silence:
            gaps.append((previous, t))
        previous = t
    if window.end - previous > max_silence:
        gaps.append((previous, window.end))
    return gaps


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, overlapping or touching spans joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class _Groups:
    """Counts of known-up and known-down members per group, and of groups up and down."""

    def __init__(self) -> None:
        self.members: dict[str, dict[str, State]] = {}
        self.ups: dict[str, int] = {}
        self.downs: dict[str, int] = {}
        self.groups_up = 0
        self.groups_down = 0

    def _group_state(self, group: str) -> State:
        if self.ups.get(group, 0):
            return True
        return False if self.downs.get(group, 0) else None

    def set(self, group: str, member: str, state: State) -> None:
        members = self.members.setdefault(group, {})
        old = members.get(member)
        if old is state:
            return
        before = self._group_state(group)
        if old is True:
            self.ups[group] -= 1
        elif old is False:
            self.downs[group] -= 1
        if state is True:
            self.ups[group] = self.ups.get(group, 0) + 1
        elif state is False:
            self.downs[group] = self.downs.get(group, 0) + 1
        members[member] = state
        after = self._group_state(group)
        if before is not after:
            self.groups_up += (after is True) - (before is True)
            self.groups_down += (after is False) - (before is False)

    def reset(self) -> None:
        for group, members in self.members.items():
            for member in members:
                self.set(group, member, None)

    @property
    def state(self) -> State:
        if self.groups_down:
            return False
        return True if self.groups_up else None


def sweep(
    changes: Sequence[Change],
    initial: Sequence[Change],
    gaps: Sequence[Span],
    window: Window,
) -> list[Segment]:
    """The whole's state over the window as consecutive segments (equal states joined).

    ``changes`` are sorted by time; ``initial`` is the state at the window's start (from the
    events before it), and so are the changes a clock step undone put before the window's start;
    ``gaps`` (sorted, merged) make every state unknown."""
    groups = _Groups()
    for _t, group, member, state in initial:
        groups.set(group, member, state)
    for t, group, member, state in changes:
        if t >= window.start:
            break
        groups.set(group, member, state)
    segments: list[Segment] = []
    now = window.start
    gi = 0
    points = _with_gaps(changes, gaps, window)
    for t, group, member, state in points:
        if t > now:
            _push(segments, now, min(t, window.end), groups.state)
            now = t
        if group == _GAP_START:
            groups.reset()
            gi += 1
        elif group == _GAP_END:
            continue
        elif gi and _inside(gaps, gi - 1, t):
            continue  # nothing is known until the gap ends
        else:
            groups.set(group, member, state)
    if window.end > now:
        _push(segments, now, window.end, groups.state)
    return segments


_GAP_START = "\x00gap"
_GAP_END = "\x00end"


def _with_gaps(changes: Sequence[Change], gaps: Sequence[Span], window: Window) -> list[Change]:
    if not gaps:
        return [c for c in changes if window.start <= c[0] < window.end]
    marks: list[Change] = []
    for start, end in gaps:
        marks.append((start, _GAP_START, "", None))
        marks.append((end, _GAP_END, "", None))
    inside = [c for c in changes if window.start <= c[0] < window.end]
    # Gap marks sort before changes at the same instant: an event at a gap's end is known.
    return sorted([*marks, *inside], key=lambda c: (c[0], c[1] not in (_GAP_START, _GAP_END)))


def _inside(gaps: Sequence[Span], i: int, t: float) -> bool:
    start, end = gaps[i]
    return start <= t < end


def _push(segments: list[Segment], start: float, end: float, state: State) -> None:
    if end <= start:
        return
    if segments and segments[-1][2] is state and segments[-1][1] == start:
        segments[-1] = (segments[-1][0], end, state)
    else:
        segments.append((start, end, state))


@dataclass(frozen=True)
class Tally:
    up: float
    down: float
    unknown: float

    @property
    def known(self) -> float:
        return self.up + self.down

    @property
    def total(self) -> float:
        return self.up + self.down + self.unknown

    def ratio(self) -> float | None:
        """Up over known time; None when nothing is known."""
        return self.up / self.known if self.known > 0 else None


def tally(segments: Iterable[Segment]) -> Tally:
    up = down = unknown = 0.0
    for start, end, state in segments:
        if state is True:
            up += end - start
        elif state is False:
            down += end - start
        else:
            unknown += end - start
    return Tally(up, down, unknown)


def tally_within(segments: Sequence[Segment], spans: Sequence[Span]) -> Tally:
    """``tally`` of the parts of ``segments`` inside ``spans`` (both sorted): a linear merge."""
    return tally(clip(segments, spans))


def clip(segments: Sequence[Segment], spans: Sequence[Span]) -> list[Segment]:
    """The parts of ``segments`` inside ``spans`` (both sorted, each without overlaps)."""
    out: list[Segment] = []
    i = j = 0
    while i < len(segments) and j < len(spans):
        s_start, s_end, state = segments[i]
        w_start, w_end = spans[j]
        start, end = max(s_start, w_start), min(s_end, w_end)
        if end > start:
            out.append((start, end, state))
        if s_end <= w_end:
            i += 1
        else:
            j += 1
    return out


def down_spans(segments: Iterable[Segment]) -> list[Span]:
    return [(start, end) for start, end, state in segments if state is False]
