"""The site's power: the tracker (events) and the history (summary) kept in step.

Every change the tracker decides is also added to the history, so the summary shown on the
status page and in ``/metrics`` is exactly what the journal holds, without reading it back on
every scrape.
"""

from __future__ import annotations

from typing import Protocol

from agent.power.history import (
    KINDS,
    LONGEST_WINDOW,
    InProgress,
    OutageRecord,
    PowerHistory,
    WindowFigures,
)
from agent.power.reading import PowerReading
from agent.power.tracker import PowerPolicy, PowerTracker
from sansang.events import Change, Event


class JournalReader(Protocol):
    def of_kinds(self, kinds: tuple[str, ...], since_wall: float) -> list[Event]: ...
    def newest_of_kind(self, kind: str) -> Event | None: ...
    def newest_of_other_boot(self) -> Event | None: ...


class SitePower:
    def __init__(self, sources: list[str], policy: PowerPolicy, boot_id: str) -> None:
        self.tracker = PowerTracker(sources, policy, boot_id)
        self.history = PowerHistory(policy.sustained_after)

    def resume(self, journal: JournalReader, wall: float) -> list[Change]:
        """Read the last 30 days of power events, and carry an open outage over (see
        :meth:`PowerTracker.resume`); returns what that adds to the journal."""
        self.history.load(journal.of_kinds(KINDS, wall - LONGEST_WINDOW))
        changes = self.tracker.resume(
            journal.newest_of_kind("mains_state"), journal.newest_of_other_boot(), wall
        )
        self._remember(changes, wall)
        return changes

    def update(
        self, source: str, reading: PowerReading | None, wall: float, mono_ns: int
    ) -> list[Change]:
        changes = self.tracker.update(source, reading, wall, mono_ns)
        self._remember(changes, wall)
        return changes

    def close(self, wall: float, mono_ns: int) -> list[Change]:
        changes = self.tracker.close(wall, mono_ns)
        self._remember(changes, wall)
        return changes

    def summary(self, wall: float, mono_ns: int) -> dict[str, WindowFigures]:
        outage = self.tracker.outage
        ongoing = None
        if outage is not None:
            ongoing = InProgress(outage.start_wall, self.tracker.outage_seconds(wall, mono_ns))
        flap = self.tracker.flap
        counted = []
        if flap is not None:
            for cls, count, seconds in (
                ("sustained", flap.sustained, flap.sustained_seconds),
                ("momentary", flap.momentary, flap.momentary_seconds),
            ):
                if count:
                    longest = min(flap.longest, seconds)
                    record = OutageRecord(flap.start_wall, wall, cls, count, seconds, longest)
                    counted.append(record)
        return self.history.summary(wall, ongoing, counted)

    def _remember(self, changes: list[Change], wall: float) -> None:
        for change in changes:
            self.history.add_change(change, wall)
        if changes:
            self.history.prune(wall)
