"""The site's power summary over 24 hours, 7 days and 30 days, computed from journal events.

At start the agent reads the last 30 days of ``mains_state``, ``mains_flapping``,
``ups_depleted`` and ``ups_depletion_retracted`` events from its journal; after that every such
event it journals is added the same way, so the figures always equal what the journal holds (plus
the outage in progress, which counts once it is long enough to be sustained).  Outage time is
clipped to the window; an outage that overlaps the window counts in it.  A retraction takes back
the newest hold-up of its source: a UPS that had not run out gives no hold-up figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sansang.events import Change, Event

WINDOWS: dict[str, float] = {"24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}
LONGEST_WINDOW = max(WINDOWS.values())
KINDS = ("mains_state", "mains_flapping", "ups_depleted", "ups_depletion_retracted")
CLASSES = ("sustained", "momentary")


@dataclass(frozen=True)
class OutageRecord:
    """One outage, or the outages of one class counted together during a flapping period."""

    start_wall: float
    end_wall: float
    cls: str  # "sustained" / "momentary"
    count: int
    seconds: float
    longest: float


@dataclass(frozen=True)
class HoldupRecord:
    wall: float
    seconds: float
    source: str


@dataclass
class WindowFigures:
    outages: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0.0))
    longest: float = 0.0
    shortest_holdup: float | None = None

    @property
    def total_outages(self) -> int:
        return sum(self.outages.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


@dataclass(frozen=True)
class InProgress:
    """The outage going on now: its start (wall) and length so far."""

    start_wall: float
    seconds: float


class PowerHistory:
    def __init__(self, sustained_after: float) -> None:
        self.sustained_after = sustained_after
        self.outages: list[OutageRecord] = []
        self.holdups: list[HoldupRecord] = []

    def load(self, events: Iterable[Event]) -> None:
        for e in events:
            self.add(e.kind, e.subject, e.state, e.value, e.details, e.wall_time)

    def add_change(self, change: Change, wall: float) -> None:
        self.add(change.kind, change.subject, change.state, change.value, change.details, wall)

    def add(
        self,
        kind: str,
        subject: str,
        state: str | None,
        value: float | None,
        details: dict[str, Any],
        wall: float,
    ) -> None:
        if kind == "mains_state" and state == "restored" and value is not None:
            start = _number(details.get("started_wall_time_unix"), wall - value)
            cls = details.get("class")
            if cls not in CLASSES:
                cls = "sustained" if value > self.sustained_after else "momentary"
            self.outages.append(OutageRecord(start, wall, str(cls), 1, value, value))
        elif kind == "mains_flapping" and state == "ended":
            start = _number(details.get("started_wall_time_unix"), wall)
            longest = _number(details.get("longest_outage_seconds"), 0.0)
            for cls in CLASSES:
                count = int(_number(details.get(f"outages_{cls}"), 0))
                seconds = _number(details.get(f"{cls}_seconds"), 0.0)
                if count:
                    self.outages.append(
                        OutageRecord(start, wall, cls, count, seconds, min(longest, seconds))
                    )
        elif kind == "ups_depleted" and value is not None:
            self.holdups.append(HoldupRecord(wall, value, subject))
        elif kind == "ups_depletion_retracted":
            self._retract(subject)

    def _retract(self, source: str) -> None:
        for i in range(len(self.holdups) - 1, -1, -1):
            if self.holdups[i].source == source:
                del self.holdups[i]
                return

    def prune(self, now: float) -> None:
        horizon = now - LONGEST_WINDOW
        self.outages = [r for r in self.outages if r.end_wall >= horizon]
        self.holdups = [r for r in self.holdups if r.wall >= horizon]

    def summary(
        self,
        now: float,
        ongoing: InProgress | None = None,
        flapping: Iterable[OutageRecord] = (),
    ) -> dict[str, WindowFigures]:
        """Figures per window; ``ongoing`` is the outage in progress, ``flapping`` the outages
        counted so far in a flapping period that has not ended."""
        records = [*self.outages, *flapping]
        result = {}
        for name, width in WINDOWS.items():
            start = now - width
            fig = WindowFigures()
            for r in records:
                if r.end_wall < start or r.start_wall > now:
                    continue
                fig.outages[r.cls] += r.count
                if r.count == 1:  # one outage: only its part inside the window
                    overlap = min(r.end_wall, now) - max(r.start_wall, start)
                    fig.seconds[r.cls] += min(r.seconds, max(0.0, overlap))
                else:  # a flapping period's outages: their total
                    fig.seconds[r.cls] += r.seconds
                fig.longest = max(fig.longest, r.longest)
            if ongoing is not None and ongoing.seconds > self.sustained_after:
                fig.outages["sustained"] += 1
                fig.seconds["sustained"] += min(ongoing.seconds, width)
                fig.longest = max(fig.longest, ongoing.seconds)
            held = [h.seconds for h in self.holdups if start <= h.wall <= now]
            fig.shortest_holdup = min(held) if held else None
            result[name] = fig
        return result


def _number(value: Any, default: float) -> float:
    """A number from event details; the default when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)
