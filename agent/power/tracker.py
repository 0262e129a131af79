"""From power readings to journal events: mains lost and restored, flapping, low battery, bypass,
forced shutdown, and a UPS running out.

The tracker is pure bookkeeping (no I/O; times are passed in) and is fed every poll of every
power source, up or down.  What it decides:

- **Site mains** come from every source that answers: present when one of them is on line, lost
  when none is and one is on battery.  A source that stops answering says nothing, so an outage in
  progress stays open until a source sees mains again (a UPS that ran flat and a box that died
  with it are the usual reason for the silence).
- **Durations** are measured on the monotonic clock (CLOCK_BOOTTIME) when the outage began in this
  boot, and by the wall clock only when the host rebooted in between (``duration_clock``).
- **Class**: longer than ``sustained_after`` (5 minutes) is sustained, else momentary: the split
  SAIDI/SAIFI and MAIFI use (Thông tư 05/2025/TT-BCT, Điều 15).
- **Running out** is each source's :class:`~agent.power.depletion.BatteryRun`: a silence after a
  low battery is unknown for ``silent_depletion_grace`` before it counts, and a UPS that answers
  again on battery retracts it; the outage's ``restored`` says ``depleted`` only for a depletion
  that stands.
- **Hysteresis** against a flapping input: ``flapping_changes`` mains changes within
  ``flapping_window`` start a flapping period.  It is one ``mains_flapping started`` event; the
  outages inside it are counted, not journalled one by one; when the mains have been steady for a
  whole window, one ``mains_flapping ended`` event carries the counts.  A ``mains_state lost`` that
  was journalled always gets its ``restored``, so a reader can pair them.
- **Order**: every event goes through the journal in the order it happened, so "mains lost, then
  battery low, then the UPS ran out, then the link went down" reads as exactly that.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from agent.power.depletion import RETRACTED, BatteryRun
from agent.power.reading import KNOWN_FLAGS, PowerReading
from sansang.events import Change, Event

SITE = "site"  # the subject of site-wide power events


@dataclass(frozen=True)
class PowerPolicy:
    """The ``power:`` settings the tracker decides by (defaults as in the config)."""

    sustained_after: float = 300.0
    flapping_changes: int = 6
    flapping_window: float = 600.0
    silent_depletion_grace: float = 30.0


@dataclass
class OpenOutage:
    """An outage in progress."""

    start_wall: float
    start_mono_ns: int
    start_boot: str
    source: str
    journaled: bool  # its `mains_state lost` is in the journal (so its `restored` must be too)
    battery_low_reached: bool = False
    depleted_by: set[str] = field(default_factory=set)  # sources whose running out stands

    @property
    def depleted(self) -> bool:
        return bool(self.depleted_by)


@dataclass
class FlapStats:
    """Outages counted while the input flaps (journalled together when it settles)."""

    start_wall: float
    start_mono_ns: int
    changes: int = 0
    sustained: int = 0
    momentary: int = 0
    sustained_seconds: float = 0.0
    momentary_seconds: float = 0.0
    longest: float = 0.0

    def add(self, seconds: float, sustained: bool) -> None:
        if sustained:
            self.sustained += 1
            self.sustained_seconds += seconds
        else:
            self.momentary += 1
            self.momentary_seconds += seconds
        self.longest = max(self.longest, seconds)


@dataclass
class SourcePower:
    """What the tracker remembers of one source."""

    reading: PowerReading | None = None  # the latest reading while the source answers
    up: bool | None = None
    manufacturer: str = ""  # as the device last said (kept while it is silent)
    model: str = ""
    flags_seen: set[str] = field(default_factory=set)  # exported as 0 once cleared
    conditions: dict[str, bool] = field(default_factory=dict)  # battery_low, bypass, fsd
    run: BatteryRun = field(default_factory=BatteryRun)


# (event kind, PowerReading property, state when set, state when cleared)
_CONDITIONS: tuple[tuple[str, str, str, str], ...] = (
    ("battery_low", "battery_low", "low", "normal"),
    ("ups_bypass", "bypass", "on", "off"),
    ("ups_forced_shutdown", "forced_shutdown", "on", "off"),
)


class PowerTracker:
    def __init__(self, sources: list[str], policy: PowerPolicy, boot_id: str) -> None:
        self.policy = policy
        self.boot_id = boot_id
        self.sources: dict[str, SourcePower] = {s: SourcePower() for s in sources}
        self.site_mains: bool | None = None  # last known: True present, False lost
        self.outage: OpenOutage | None = None
        self.flap: FlapStats | None = None
        self._recent_changes: deque[int] = deque()  # monotonic ns of recent mains changes

    # --- the view --------------------------------------------------------------------------------
    @property
    def flapping(self) -> bool:
        return self.flap is not None

    def mains_now(self) -> bool | None:
        """Mains as the sources that answer say now (None: none says)."""
        says = [
            s.reading.mains_present
            for s in self.sources.values()
            if s.reading is not None and s.reading.mains_present is not None
        ]
        if not says:
            return None
        return any(says)

    def outage_seconds(self, wall: float, mono_ns: int) -> float:
        return 0.0 if self.outage is None else self._duration(self.outage, wall, mono_ns)[0]

    # --- start-up --------------------------------------------------------------------------------
    def resume(
        self, last_mains: Event | None, previous_boot_end: Event | None, wall: float
    ) -> list[Change]:
        """Carry an outage over an agent restart or a host power-off.

        ``last_mains`` is the journal's newest ``mains_state`` event; ``previous_boot_end`` the
        newest event written in an earlier boot of the host (None when there is none).  When the
        outage was open and the host went down without the agent stopping cleanly, the UPS that
        fed it most likely ran out: journalled as ``ups_depleted`` (``host_lost_power``), its
        hold-up a lower bound (until the last event of that boot).
        """
        if last_mains is None or last_mains.state != "lost":
            return []
        source = str(last_mains.details.get("source", ""))
        self.outage = OpenOutage(
            start_wall=last_mains.wall_time,
            start_mono_ns=last_mains.monotonic_ns,
            start_boot=last_mains.boot_id,
            source=source,
            journaled=True,
        )
        self.site_mains = False
        died = (
            last_mains.boot_id != self.boot_id
            and previous_boot_end is not None
            and previous_boot_end.boot_id == last_mains.boot_id
            and previous_boot_end.kind != "agent_stopped"
        )
        if not died or previous_boot_end is None or source not in self.sources:
            return []
        self.outage.depleted_by.add(source)
        held = max(0.0, previous_boot_end.wall_time - last_mains.wall_time)
        details = {"how": "host_lost_power", "duration_clock": "wall", "lower_bound": True}
        return [Change("ups_depleted", source, "depleted", details, round(held, 3))]

    # --- every poll ------------------------------------------------------------------------------
    def update(
        self, source: str, reading: PowerReading | None, wall: float, mono_ns: int
    ) -> list[Change]:
        """Record one poll of ``source`` (``reading`` None: it did not answer)."""
        src = self.sources[source]
        src.reading, src.up = reading, reading is not None
        # The site first (mains lost, then what the battery did), so the journal reads in the
        # order a person would tell it.
        changes = self._site(source, reading, wall, mono_ns)
        if reading is None:
            grace = self.policy.silent_depletion_grace
            changes += self._ran_out(src.run.silent(source, mono_ns, grace))
        else:
            changes += self._conditions(source, src, reading)
            changes += self._ran_out(src.run.heard(source, reading, mono_ns))
            src.flags_seen |= _bounded(reading.flags, src.flags_seen)
            src.manufacturer = reading.manufacturer or src.manufacturer
            src.model = reading.model or src.model
        changes += self._settle(wall, mono_ns)
        return changes

    def close(self, wall: float, mono_ns: int) -> list[Change]:
        """On a clean stop: a flapping period in progress is journalled with what it counted."""
        if self.flap is None:
            return []
        return self._end_flapping(wall, mono_ns, interrupted=True)

    # --- per source ------------------------------------------------------------------------------
    def _conditions(self, source: str, src: SourcePower, reading: PowerReading) -> list[Change]:
        changes = []
        for kind, prop, set_state, clear_state in _CONDITIONS:
            now = bool(getattr(reading, prop))
            before = src.conditions.get(kind)
            src.conditions[kind] = now
            if now == before or (before is None and not now):
                continue  # no change; a first reading says "normal" silently
            details: dict[str, Any] = {}
            if kind == "battery_low":
                details = _battery_details(reading)
                if now and self.outage is not None:
                    self.outage.battery_low_reached = True
            changes.append(Change(kind, source, set_state if now else clear_state, details))
        return changes

    def _ran_out(self, changes: list[Change]) -> list[Change]:
        """Mark the outage in progress with the depletions that stand (and unmark retracted
        ones), so its ``restored`` says ``depleted`` only when a UPS really ran out."""
        for c in changes:
            if self.outage is None:
                break
            if c.kind == "ups_depleted":
                self.outage.depleted_by.add(c.subject)
            elif c.kind == RETRACTED:
                self.outage.depleted_by.discard(c.subject)
        return changes

    # --- the site --------------------------------------------------------------------------------
    def _site(
        self, source: str, reading: PowerReading | None, wall: float, mono_ns: int
    ) -> list[Change]:
        now = self.mains_now()
        if now is None or now == self.site_mains:
            return []
        if self.site_mains is None and now:  # first word after start: mains are on, as expected
            self.site_mains = True
            return []
        self._recent_changes.append(mono_ns)
        window_ns = int(self.policy.flapping_window * 1e9)
        while self._recent_changes and mono_ns - self._recent_changes[0] > window_ns:
            self._recent_changes.popleft()
        changes: list[Change] = []
        if self.flap is not None:
            self.flap.changes += 1
        elif len(self._recent_changes) >= self.policy.flapping_changes:
            self.flap = FlapStats(wall, mono_ns, changes=len(self._recent_changes))
            details = {
                "changes": len(self._recent_changes),
                "window_seconds": self.policy.flapping_window,
            }
            changes.append(Change("mains_flapping", SITE, "started", details))
        self.site_mains = now
        if now:
            changes += self._restored(wall, mono_ns)
        else:
            changes += self._lost(source, reading, wall, mono_ns)
        return changes

    def _lost(
        self, source: str, reading: PowerReading | None, wall: float, mono_ns: int
    ) -> list[Change]:
        journaled = self.flap is None
        self.outage = OpenOutage(wall, mono_ns, self.boot_id, source, journaled)
        if reading is not None and reading.battery_low:
            self.outage.battery_low_reached = True
        if not journaled:
            return []
        details: dict[str, Any] = {"source": source}
        if reading is not None:
            details.update(_battery_details(reading))
        return [Change("mains_state", SITE, "lost", details)]

    def _restored(self, wall: float, mono_ns: int) -> list[Change]:
        outage, self.outage = self.outage, None
        if outage is None:  # mains came back from a state never seen as lost (cannot happen)
            return []
        seconds, clock = self._duration(outage, wall, mono_ns)
        sustained = seconds > self.policy.sustained_after
        if not outage.journaled:
            assert self.flap is not None
            self.flap.add(seconds, sustained)
            return []
        details = {
            "class": "sustained" if sustained else "momentary",
            "duration_clock": clock,
            "started_wall_time_unix": outage.start_wall,
            "battery_low_reached": outage.battery_low_reached,
            "depleted": outage.depleted,
        }
        return [Change("mains_state", SITE, "restored", details, round(seconds, 3))]

    def _settle(self, wall: float, mono_ns: int) -> list[Change]:
        """End a flapping period once the mains have been steady for a whole window."""
        if self.flap is None or not self._recent_changes:
            return []
        if mono_ns - self._recent_changes[-1] < self.policy.flapping_window * 1e9:
            return []
        return self._end_flapping(wall, mono_ns, interrupted=False)

    def _end_flapping(self, wall: float, mono_ns: int, *, interrupted: bool) -> list[Change]:
        flap, self.flap = self.flap, None
        assert flap is not None
        self._recent_changes.clear()
        details: dict[str, Any] = {
            "changes": flap.changes,
            "outages_sustained": flap.sustained,
            "outages_momentary": flap.momentary,
            "sustained_seconds": round(flap.sustained_seconds, 3),
            "momentary_seconds": round(flap.momentary_seconds, 3),
            "longest_outage_seconds": round(flap.longest, 3),
            "started_wall_time_unix": flap.start_wall,
        }
        if interrupted:
            details["interrupted"] = True  # the agent stopped while the input still flapped
        seconds = round((mono_ns - flap.start_mono_ns) / 1e9, 3)
        changes = [Change("mains_flapping", SITE, "ended", details, seconds)]
        if self.outage is not None and not self.outage.journaled and not interrupted:
            # Mains are off as it settles: this outage is journalled like any other.
            self.outage.journaled = True
            lost = {"source": self.outage.source, "started_wall_time_unix": self.outage.start_wall}
            changes.append(Change("mains_state", SITE, "lost", lost))
        return changes

    def _duration(self, outage: OpenOutage, wall: float, mono_ns: int) -> tuple[float, str]:
        if outage.start_boot == self.boot_id:
            return max(0.0, (mono_ns - outage.start_mono_ns) / 1e9), "monotonic"
        return max(0.0, wall - outage.start_wall), "wall"


# Flags outside NUT's list that are remembered per source (exported as series once seen); a
# device that invents a new word every poll must not grow the label set without bound.
MAX_UNKNOWN_FLAGS = 16


def _bounded(flags: frozenset[str], seen: set[str]) -> set[str]:
    unknown = sorted(flags - seen - set(KNOWN_FLAGS))
    room = MAX_UNKNOWN_FLAGS - len(seen - set(KNOWN_FLAGS))
    return set(flags & set(KNOWN_FLAGS)) | set(unknown[: max(0, room)])


def _battery_details(reading: PowerReading) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if reading.battery_charge_ratio is not None:
        details["charge_ratio"] = reading.battery_charge_ratio
    if reading.battery_runtime_seconds is not None:
        details["runtime_seconds"] = reading.battery_runtime_seconds
    return details
