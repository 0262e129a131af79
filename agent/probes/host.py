"""The machine the agent runs on: boot time, CPU, memory, disks, network interfaces, clock sync.

Configured in the config's ``host:`` section, not as a check; its series carry no ``check``
label.  It always succeeds unless reading the machine itself fails (then it raises, and the
runner counts and logs the error).  A value the OS does not give is absent, never 0.

Interface "up" is the operational state (``/sys/class/net/IF/operstate``: a cable pulled or a
modem gone is down even while the interface is configured up).  Where the OS says ``unknown``
(loopback, tun devices, some virtual NICs) or has no such file, psutil's ``isup`` decides.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import Field

from agent.probes._hostsource import HostSource, Interface, PsutilSource
from agent.probes.base import Observation, Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample

_DOWN_OPERSTATES = frozenset({"down", "lowerlayerdown", "notpresent", "dormant", "testing"})


# Interfaces the machine makes for itself (traffic shaping, containers, VPN tunnels): not a cable
# or a modem of the centre, so not watched by default and never read as a link lost (the
# collector reads an `interface_state` down as a cause).  A config that names one watches it.
VIRTUAL_PREFIXES = ("ifb", "veth", "docker", "virbr", "tun", "tap")


def virtual_interface(name: str) -> bool:
    return name.startswith(VIRTUAL_PREFIXES)


class HostSpec(ProbeSpec):
    probe: Literal["host"] = "host"
    filesystems: list[str] = Field(
        default_factory=lambda: ["/"], description="mount points to report size and free space of"
    )
    interfaces: list[str] | None = Field(
        default=None,
        description="interfaces to watch; default: every interface but loopback and the ones "
        "the machine makes for itself (ifb, veth, docker, virbr, tun, tap)",
    )


def cpu_busy_total(times: dict[str, float]) -> tuple[float, float]:
    """Busy and total CPU seconds from ``psutil.cpu_times()`` fields, as psutil.cpu_percent
    counts them: iowait is idle, and guest time (already inside user time on Linux) counts once."""
    total = sum(times.values()) - times.get("guest", 0.0) - times.get("guest_nice", 0.0)
    idle = times.get("idle", 0.0) + times.get("iowait", 0.0)
    return total - idle, total


def cpu_ratio(previous: dict[str, float], current: dict[str, float]) -> float | None:
    """Share of CPU time spent busy between two ``cpu_times`` snapshots; None when no time
    passed (or the counters went back, as after a CPU went offline)."""
    busy0, total0 = cpu_busy_total(previous)
    busy1, total1 = cpu_busy_total(current)
    if total1 <= total0:
        return None
    return min(1.0, max(0.0, (busy1 - busy0) / (total1 - total0)))


def interface_up(reading: Interface) -> bool:
    if reading.operstate == "up":
        return True
    if reading.operstate in _DOWN_OPERSTATES:
        return False
    return reading.isup  # "unknown", or no operstate file


class HostProbe:
    """The host probe over one source.  Keeps the previous CPU times (for the usage ratio) and
    which mount points are missing (to log each disappearance once)."""

    def __init__(self, source: HostSource | None = None) -> None:
        self.source: HostSource = source or PsutilSource()
        self._previous_cpu: dict[str, dict[str, float]] = {}
        self._missing_mounts: set[str] = set()
        # One worker: a reading stuck in the kernel (a hung network mount) makes later runs time
        # out instead of piling up threads, and never blocks the event loop.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="host-probe")

    async def run(self, spec: HostSpec, ctx: ProbeContext) -> Outcome:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(ctx.timeout):
                return await loop.run_in_executor(self._executor, self.collect, spec, ctx)
        except TimeoutError:
            return Outcome.down("timeout", f"reading the host took over {ctx.timeout:g}s")

    def collect(self, spec: HostSpec, ctx: ProbeContext) -> Outcome:
        """One reading of the host (blocking: psutil reads /proc and sysfs)."""
        src = self.source
        samples = [
            Sample("sansang_host_boot_timestamp_seconds", src.boot_time()),
            Sample("sansang_host_uptime_seconds", src.uptime()),
        ]
        samples += self._cpu(ctx)
        memory = src.memory()
        samples.append(Sample("sansang_host_memory_total_bytes", memory.total))
        samples.append(Sample("sansang_host_memory_available_bytes", memory.available))
        samples += self._filesystems(spec, ctx)
        observations: list[Observation] = []
        self._interfaces(spec, samples, observations)
        self._clock(samples, observations)
        return Outcome(True, samples=samples, observations=observations)

    def _cpu(self, ctx: ProbeContext) -> list[Sample]:
        samples = []
        times = self.source.cpu_times()
        previous = self._previous_cpu.get(ctx.check_id)
        self._previous_cpu[ctx.check_id] = times
        ratio = cpu_ratio(previous, times) if previous is not None else None
        if ratio is not None:  # the first run has nothing to compare with: absent
            samples.append(Sample("sansang_host_cpu_usage_ratio", ratio))
        count = self.source.cpu_count()
        if count is not None:
            samples.append(Sample("sansang_host_cpus", count))
        load1 = self.source.load1()
        if load1 is not None:
            samples.append(Sample("sansang_host_load1", load1))
        return samples

    def _filesystems(self, spec: HostSpec, ctx: ProbeContext) -> list[Sample]:
        samples = []
        for mountpoint in spec.filesystems:
            fs = self.source.filesystem(mountpoint)
            if fs is None:
                if mountpoint not in self._missing_mounts:
                    self._missing_mounts.add(mountpoint)
                    ctx.logger.warning("nothing is mounted at %s: not reported", mountpoint)
                continue
            if mountpoint in self._missing_mounts:
                self._missing_mounts.discard(mountpoint)
                ctx.logger.info("%s is mounted again", mountpoint)
            labels = {"mountpoint": mountpoint}
            samples.append(Sample("sansang_host_filesystem_size_bytes", fs.size, labels))
            samples.append(Sample("sansang_host_filesystem_free_bytes", fs.free, labels))
        return samples

    def _interfaces(
        self, spec: HostSpec, samples: list[Sample], observations: list[Observation]
    ) -> None:
        found = self.source.interfaces()
        names = (
            spec.interfaces
            if spec.interfaces is not None
            else sorted(
                name for name, i in found.items() if not i.loopback and not virtual_interface(name)
            )
        )
        for name in names:
            labels = {"interface": name}
            reading = found.get(name)
            if reading is None:  # a watched interface that is gone (a USB modem unplugged)
                samples.append(Sample("sansang_host_network_up", 0.0, labels))
                observations.append(
                    Observation("interface_state", name, "down", {"present": False})
                )
                continue
            up = interface_up(reading)
            samples.append(Sample("sansang_host_network_up", float(up), labels))
            observations.append(
                Observation(
                    "interface_state",
                    name,
                    "up" if up else "down",
                    {"operstate": reading.operstate, "isup": reading.isup},
                )
            )
            c = reading.counters
            if c is not None:
                samples += [
                    Sample("sansang_host_network_receive_bytes_total", c.bytes_recv, labels),
                    Sample("sansang_host_network_transmit_bytes_total", c.bytes_sent, labels),
                    Sample("sansang_host_network_receive_errors_total", c.errin, labels),
                    Sample("sansang_host_network_transmit_errors_total", c.errout, labels),
                ]

    def _clock(self, samples: list[Sample], observations: list[Observation]) -> None:
        clock = self.source.clock()
        if clock is None:  # the OS does not say: absent
            return
        samples.append(Sample("sansang_host_clock_synchronized", float(clock.synchronized)))
        samples.append(Sample("sansang_host_clock_max_error_seconds", clock.max_error_seconds))
        state = "synchronized" if clock.synchronized else "unsynchronized"
        observations.append(
            Observation(
                "clock_sync_state",
                "system",
                state,
                {"max_error_seconds": clock.max_error_seconds, "status": clock.status},
            )
        )


def from_target(target: str) -> HostSpec:
    """The host probe has no target: ``-`` (or an empty string, or ``host``)."""
    if target.strip() not in ("", "-", "host"):
        raise ValueError(f"the host probe takes no target, give '-' (not '{target}')")
    return HostSpec()


def kind(source: HostSource | None = None) -> ProbeKind[HostSpec]:
    """A registry entry for the host probe over ``source`` (default: this machine)."""
    return ProbeKind(
        "host",
        HostSpec,
        HostProbe(source).run,
        from_target,
        "this machine: uptime, CPU, memory, disks, network interfaces, clock sync (target '-')",
        category="host",
    )


KIND = kind()
