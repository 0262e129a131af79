"""An injected wall clock for tests."""

from __future__ import annotations


class FakeWall:
    """An injected wall clock that a test sets and steps, backwards too.

    It comes with a monotonic clock: moving ``now`` forward is time passing (both advance);
    moving it backwards is a clock step (the monotonic clock stays)."""

    T0 = 1_780_000_000.0  # a fixed wall time (2026)

    def __init__(self, now: float = T0) -> None:
        self._now = now
        self._mono_ns = 10**12

    @property
    def now(self) -> float:
        return self._now

    @now.setter
    def now(self, value: float) -> None:
        self._mono_ns += max(0, int((value - self._now) * 1e9))
        self._now = value

    def __call__(self) -> float:
        return self._now

    def monotonic_ns(self) -> int:
        self._mono_ns += 1000  # a real monotonic clock never reads the same twice here
        return self._mono_ns
