"""Clocks: wall time for people, a monotonic clock for durations, and the host's boot id.

Durations are always computed from the monotonic clock (CLOCK_BOOTTIME on Linux: it counts time
spent suspended and is never stepped), within one boot id.  Wall time is recorded for people and
may jump when NTP steps the clock.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

_BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")


def wall() -> float:
    return time.time()


def monotonic_ns() -> int:
    clock = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)
    return time.clock_gettime_ns(clock)


def boot_id() -> str:
    """The kernel's boot id; a fresh random id where the OS has none (then every agent start
    counts as a new boot, which is the safe side: no duration spans two of them)."""
    try:
        return _BOOT_ID_FILE.read_text(encoding="ascii").strip()
    except OSError:
        return str(uuid.uuid4())
