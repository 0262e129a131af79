"""When a UPS on battery ran out, and when that turns out to be wrong.

A UPS gives up in ways the agent sees differently:

- it raises FSD (forced shutdown) or reports its output off: its own word, journalled at once as
  ``ups_depleted``;
- it stops answering after it reported a low battery: a guess from silence.  upsd restarting or
  stalling for a few seconds, the driver reconnecting after a USB hiccup, upsd calling the
  driver's data stale (NUT's ``MAXAGE``, 15 s by default) all look exactly like a UPS that ran
  flat for a while.  So the silence is *unknown* for ``grace`` (``power.silent_depletion_grace``)
  and only then journalled as ``ups_depleted`` (``silent_after_low_battery``), its hold-up measured
  to the first silent poll;
- if a source whose depletion was guessed answers again on battery (without FSD or output off), it
  had not run out: ``ups_depletion_retracted`` says so, and readers count that depletion as if it
  never happened.  The UPS's own words (FSD, output off) are never retracted.

One :class:`BatteryRun` per source; pure bookkeeping, times passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent.power.reading import PowerReading
from sansang.events import Change

SILENT = "silent_after_low_battery"
RETRACTED = "ups_depletion_retracted"


@dataclass
class BatteryRun:
    """One source's time on battery, as far as running out goes."""

    since_mono_ns: int | None = None  # on battery since (None: not seen on battery in this run)
    last_heard: PowerReading | None = None  # what it said last time it answered
    silent_since_mono_ns: int | None = None  # first poll of the silence going on now
    last_silence_seconds: float | None = None  # how long the latest silence lasted, once over
    depleted_how: str | None = None  # how this run was journalled as run out, if it was

    def heard(self, source: str, reading: PowerReading, mono_ns: int) -> list[Change]:
        """An answer: it ends a silence (retracting a depletion guessed from it when the UPS is
        still on battery), and FSD or output off on battery is a depletion."""
        if self.silent_since_mono_ns is not None:
            self.last_silence_seconds = (mono_ns - self.silent_since_mono_ns) / 1e9
        self.last_heard, self.silent_since_mono_ns = reading, None
        changes = self._retraction(source, reading)
        if reading.on_battery is False:
            self.since_mono_ns, self.depleted_how = None, None
            return changes
        if reading.on_battery and self.since_mono_ns is None:
            self.since_mono_ns = mono_ns
        how = (
            "forced_shutdown"
            if reading.forced_shutdown
            else ("output_off" if reading.output_off else None)
        )
        if how is not None:
            changes += self._depleted(source, how, mono_ns, {})
        return changes

    def silent(self, source: str, mono_ns: int, grace: float) -> list[Change]:
        """A poll it did not answer: a depletion only once the silence has outlasted ``grace``
        and only after a low battery on battery."""
        if self.silent_since_mono_ns is None:
            self.silent_since_mono_ns = mono_ns
        last = self.last_heard
        if last is None or not last.battery_low or self.since_mono_ns is None:
            return []
        silent = (mono_ns - self.silent_since_mono_ns) / 1e9
        if silent < grace:
            return []  # unknown: an upsd restart or a USB hiccup looks the same for a while
        extra = {"silent_seconds": round(silent, 3)}
        return self._depleted(source, SILENT, self.silent_since_mono_ns, extra)

    def _retraction(self, source: str, reading: PowerReading) -> list[Change]:
        if self.depleted_how != SILENT or reading.on_battery is not True:
            return []  # on line again, or not saying: the guess stands
        if reading.forced_shutdown or reading.output_off:
            return []  # it gave up after all, in its own words
        self.depleted_how = None
        details: dict[str, object] = {"how": SILENT}
        if self.last_silence_seconds is not None:
            details["silent_seconds"] = round(self.last_silence_seconds, 3)
        return [Change(RETRACTED, source, None, details)]

    def _depleted(
        self, source: str, how: str, at_mono_ns: int, extra: Mapping[str, object]
    ) -> list[Change]:
        if self.depleted_how is not None or self.since_mono_ns is None:
            return []
        self.depleted_how = how
        held = max(0.0, (at_mono_ns - self.since_mono_ns) / 1e9)
        details = {"how": how, "duration_clock": "monotonic", **extra}
        return [Change("ups_depleted", source, "depleted", details, round(held, 3))]
