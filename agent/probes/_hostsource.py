"""Where the host probe reads this machine from: psutil and sysfs, or a recording of them.

The probe takes its source as a constructor argument (like client_python's
``ProcessCollector(proc=...)``), so unit tests run it on readings recorded from real machines.
Record a machine with ``python -m tests.unit.record_host [MOUNTPOINT...] > FILE.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import psutil

from agent.probes import _adjtimex as adjtimex
from agent.probes._adjtimex import ClockReading

_SYS_CLASS_NET = Path("/sys/class/net")


@dataclass(frozen=True)
class Memory:
    total: int
    available: int


@dataclass(frozen=True)
class Filesystem:
    size: int
    free: int  # free to unprivileged users (statvfs f_bavail)


@dataclass(frozen=True)
class NetCounters:
    bytes_recv: int
    bytes_sent: int
    errin: int
    errout: int


@dataclass(frozen=True)
class Interface:
    isup: bool  # psutil.net_if_stats().isup
    operstate: str | None  # /sys/class/net/IF/operstate; None where the OS has no such file
    loopback: bool
    counters: NetCounters | None


class HostSource(Protocol):
    def boot_time(self) -> float: ...
    def uptime(self) -> float: ...
    def cpu_times(self) -> dict[str, float]: ...
    def cpu_count(self) -> int | None: ...
    def load1(self) -> float | None: ...
    def memory(self) -> Memory: ...
    def filesystem(self, mountpoint: str) -> Filesystem | None: ...
    def interfaces(self) -> dict[str, Interface]: ...
    def clock(self) -> ClockReading | None: ...


class PsutilSource:
    """This machine, read through psutil, sysfs and adjtimex(2)."""

    def boot_time(self) -> float:
        return psutil.boot_time()

    def uptime(self) -> float:
        # CLOCK_BOOTTIME is the uptime itself and ignores wall-clock steps; elsewhere derive it.
        if hasattr(time, "CLOCK_BOOTTIME"):
            return time.clock_gettime(time.CLOCK_BOOTTIME)
        return time.time() - psutil.boot_time()

    def cpu_times(self) -> dict[str, float]:
        return dict(psutil.cpu_times()._asdict())

    def cpu_count(self) -> int | None:
        return psutil.cpu_count(logical=True)

    def load1(self) -> float | None:
        try:
            return os.getloadavg()[0]
        except (OSError, AttributeError):  # Windows has none; psutil only emulates it there
            return None

    def memory(self) -> Memory:
        vm = psutil.virtual_memory()
        return Memory(vm.total, vm.available)

    def filesystem(self, mountpoint: str) -> Filesystem | None:
        """None when nothing is mounted there (statvfs would report the parent filesystem)."""
        if not os.path.ismount(mountpoint):
            return None
        try:
            usage = psutil.disk_usage(mountpoint)
        except OSError:
            return None
        return Filesystem(usage.total, usage.free)

    def interfaces(self) -> dict[str, Interface]:
        stats = psutil.net_if_stats()
        counters = psutil.net_io_counters(pernic=True)
        found: dict[str, Interface] = {}
        for name, st in stats.items():
            c = counters.get(name)
            found[name] = Interface(
                isup=st.isup,
                operstate=_operstate(name),
                loopback="loopback" in st.flags.split(",") or name == "lo",
                counters=NetCounters(c.bytes_recv, c.bytes_sent, c.errin, c.errout) if c else None,
            )
        return found

    def clock(self) -> ClockReading | None:
        return adjtimex.read()


def _operstate(name: str) -> str | None:
    try:
        return (_SYS_CLASS_NET / name / "operstate").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


class RecordedSource:
    """Readings recorded by :func:`record` (a dict as loaded from JSON)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def load(cls, path: Path) -> RecordedSource:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def boot_time(self) -> float:
        return float(self.data["boot_time"])

    def uptime(self) -> float:
        return float(self.data["uptime"])

    def cpu_times(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.data["cpu_times"].items()}

    def cpu_count(self) -> int | None:
        return self.data["cpu_count"]  # type: ignore[no-any-return]

    def load1(self) -> float | None:
        return self.data["load1"]  # type: ignore[no-any-return]

    def memory(self) -> Memory:
        return Memory(**self.data["memory"])

    def filesystem(self, mountpoint: str) -> Filesystem | None:
        fs = self.data["filesystems"].get(mountpoint)
        return Filesystem(**fs) if fs else None

    def interfaces(self) -> dict[str, Interface]:
        found = {}
        for name, i in self.data["interfaces"].items():
            c = i["counters"]
            found[name] = Interface(
                i["isup"], i["operstate"], i["loopback"], NetCounters(**c) if c else None
            )
        return found

    def clock(self) -> ClockReading | None:
        c = self.data["clock"]
        return ClockReading(**c) if c else None


def record(source: HostSource, mountpoints: list[str]) -> dict[str, Any]:
    """Every reading of ``source`` once, as plain data for :class:`RecordedSource`."""
    clock = source.clock()
    return {
        "recorded_at": time.time(),
        "platform": sys.platform,
        "boot_time": source.boot_time(),
        "uptime": source.uptime(),
        "cpu_times": source.cpu_times(),
        "cpu_count": source.cpu_count(),
        "load1": source.load1(),
        "memory": asdict(source.memory()),
        "filesystems": {
            mp: (asdict(fs) if (fs := source.filesystem(mp)) else None) for mp in mountpoints
        },
        "interfaces": {name: asdict(i) for name, i in sorted(source.interfaces().items())},
        "clock": asdict(clock) if clock else None,
    }
