"""The host probe on readings recorded from a real machine, and once on this machine."""

from __future__ import annotations

import copy
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from agent.config import AgentConfig
from agent.jobs import Job, build_jobs
from agent.metrics.catalogue import BY_NAME
from agent.probes import PROBES
from agent.probes import _adjtimex as adjtimex
from agent.probes._hostsource import PsutilSource, RecordedSource
from agent.probes.base import Outcome, ProbeContext
from agent.probes.host import HostProbe, HostSpec, cpu_ratio, from_target, kind
from agent.runner import Runner
from agent.state import SiteState
from sansang.events import Change
from tests.support import wait_until_async

FIXTURES = Path(__file__).parent / "fixtures" / "host"
CTX = ProbeContext("host", 5.0, logging.getLogger("agent.probe.host"))


def recording(name: str = "linux-vm-1") -> dict[str, Any]:
    """A recording of a Debian VM: eth0 up, two ifb devices down, lo with operstate
    ``unknown``, /srv/data not mounted, clock not synchronised (no NTP daemon)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def values(outcome: Outcome) -> dict[tuple[str, str], float]:
    """Samples by (name, the one label value or "")."""
    return {(s.name, next(iter(s.labels.values()), "")): s.value for s in outcome.samples}


async def test_samples_from_a_recording() -> None:
    probe = HostProbe(RecordedSource(recording()))
    outcome = await probe.run(HostSpec(filesystems=["/", "/dev/shm"]), CTX)
    assert outcome.success and outcome.reason == "ok"
    v = values(outcome)
    assert v[("sansang_host_boot_timestamp_seconds", "")] == 1795363953.0
    assert v[("sansang_host_uptime_seconds", "")] == pytest.approx(630.163469104)
    assert v[("sansang_host_cpus", "")] == 2
    assert v[("sansang_host_load1", "")] == pytest.approx(0.03564453125)
    assert v[("sansang_host_memory_total_bytes", "")] == 25276502016
    assert v[("sansang_host_memory_available_bytes", "")] == 24897265664
    assert v[("sansang_host_filesystem_size_bytes", "/")] == 270553174016
    assert v[("sansang_host_filesystem_free_bytes", "/")] == 85131214848
    assert v[("sansang_host_filesystem_free_bytes", "/dev/shm")] == 25276502016
    # Every interface but loopback and the machine's own (the traffic shaper's ifb0/ifb1 are
    # down by nature: watched, they read as a link lost); operstate decides up.
    up = {k[1]: val for k, val in v.items() if k[0] == "sansang_host_network_up"}
    assert up == {"eth0": 1.0}
    assert v[("sansang_host_network_receive_bytes_total", "eth0")] == 106967892
    assert v[("sansang_host_network_transmit_bytes_total", "eth0")] == 164998
    assert v[("sansang_host_network_receive_errors_total", "eth0")] == 0
    assert v[("sansang_host_network_transmit_errors_total", "eth0")] == 0
    # Recorded adjtimex: TIME_ERROR with STA_UNSYNC, maxerror 16 s.
    assert v[("sansang_host_clock_synchronized", "")] == 0.0
    assert v[("sansang_host_clock_max_error_seconds", "")] == 16.0
    # First run: no CPU ratio yet (absent, not 0).
    assert ("sansang_host_cpu_usage_ratio", "") not in v


async def test_samples_are_catalogued_without_check_label() -> None:
    outcome = await HostProbe(RecordedSource(recording())).run(HostSpec(), CTX)
    for s in outcome.samples:
        assert s.name in BY_NAME, s.name
        assert BY_NAME[s.name].source == "probe:host"
        assert set(s.labels) <= set(BY_NAME[s.name].labels)
        assert "check" not in s.labels


async def test_observations_from_a_recording() -> None:
    outcome = await HostProbe(RecordedSource(recording())).run(HostSpec(), CTX)
    seen = {(o.kind, o.subject): o.state for o in outcome.observations}
    assert seen == {  # no ifb0/ifb1 "down": the collector would read it as a link lost
        ("interface_state", "eth0"): "up",
        ("clock_sync_state", "system"): "unsynchronized",
    }


async def test_unknown_values_are_absent() -> None:
    data = recording()
    data.update(clock=None, load1=None, cpu_count=None)
    data["interfaces"]["eth0"]["counters"] = None
    outcome = await HostProbe(RecordedSource(data)).run(HostSpec(interfaces=["eth0"]), CTX)
    names = {s.name for s in outcome.samples}
    for absent in (
        "sansang_host_clock_synchronized",
        "sansang_host_clock_max_error_seconds",
        "sansang_host_load1",
        "sansang_host_cpus",
        "sansang_host_network_receive_bytes_total",
        "sansang_host_cpu_usage_ratio",
    ):
        assert absent not in names
    assert "sansang_host_network_up" in names
    assert not [o for o in outcome.observations if o.kind == "clock_sync_state"]


async def test_missing_mountpoint_is_skipped_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = recording()
    probe = HostProbe(RecordedSource(data))
    spec = HostSpec(filesystems=["/", "/srv/data"])
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            outcome = await probe.run(spec, CTX)
            mounts = {s.labels.get("mountpoint") for s in outcome.samples} - {None}
            assert mounts == {"/"}
        warnings = [r for r in caplog.records if "/srv/data" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
        data["filesystems"]["/srv/data"] = {"size": 1000, "free": 400}  # mounted again
        outcome = await probe.run(spec, CTX)
    assert values(outcome)[("sansang_host_filesystem_free_bytes", "/srv/data")] == 400
    assert any("mounted again" in r.getMessage() for r in caplog.records)


async def test_a_virtual_interface_is_watched_when_the_config_names_it() -> None:
    outcome = await HostProbe(RecordedSource(recording())).run(HostSpec(interfaces=["ifb0"]), CTX)
    assert values(outcome)[("sansang_host_network_up", "ifb0")] == 0.0


async def test_loopback_only_when_asked_and_unknown_operstate_falls_back_to_isup() -> None:
    data = recording()
    probe = HostProbe(RecordedSource(data))
    outcome = await probe.run(HostSpec(interfaces=["lo", "wwan0"]), CTX)
    v = values(outcome)
    assert v[("sansang_host_network_up", "lo")] == 1.0  # operstate "unknown", isup True
    assert v[("sansang_host_network_up", "wwan0")] == 0.0  # watched but gone
    assert ("sansang_host_network_receive_bytes_total", "wwan0") not in v
    data["interfaces"]["lo"]["isup"] = False
    outcome = await probe.run(HostSpec(interfaces=["lo"]), CTX)
    assert values(outcome)[("sansang_host_network_up", "lo")] == 0.0


def host_job(probe_kind: Any, spec: HostSpec | None = None) -> Job:
    return Job("host", "host", probe_kind, spec or HostSpec(), 30.0, 5.0, "host")


async def test_interface_going_down_between_runs_is_a_change() -> None:
    data = recording()
    job = host_job(kind(RecordedSource(data)))
    state = SiteState([job], lambda _when: True)
    journalled: list[list[Change]] = []

    async def sink(changes: list[Change]) -> None:
        journalled.append(changes)

    runner = Runner([job], state, sink)
    await runner.run_once(job)
    first = {(c.kind, c.subject): c.state for c in journalled[0]}
    assert first[("interface_state", "eth0")] == "up"
    # The cable is pulled: the interface stays configured up, its operstate goes down.
    data["interfaces"]["eth0"]["operstate"] = "down"
    await runner.run_once(job)
    [changes] = journalled[1:]
    assert [(c.kind, c.subject, c.state) for c in changes] == [("interface_state", "eth0", "down")]
    assert changes[0].details["previous"] == "up"
    assert changes[0].details["previous_duration_seconds"] >= 0
    assert changes[0].details["operstate"] == "down"
    rec = state.records["host"]
    assert rec.outcome is not None and rec.outcome.success
    assert values(rec.outcome)[("sansang_host_network_up", "eth0")] == 0.0
    await runner.run_once(job)  # no further change
    assert len(journalled) == 2


async def test_cpu_ratio_from_two_recorded_snapshots() -> None:
    data = recording("linux-vm-1")
    probe = HostProbe(RecordedSource(data))
    await probe.run(HostSpec(), CTX)
    data.update(cpu_times=recording("linux-vm-2")["cpu_times"])
    outcome = await probe.run(HostSpec(), CTX)
    # Between the recordings, one of two CPUs ran a busy loop for about 1 s of 2 s:
    # busy = user 49.55->50.76 + system 20.08->20.16;  idle = idle 1182.23->1184.92
    # + iowait 3.91->3.93;  ratio = 1.29 / (1.29 + 2.71).
    assert values(outcome)[("sansang_host_cpu_usage_ratio", "")] == pytest.approx(1.29 / 4.00)


def test_cpu_ratio_counts_iowait_as_idle_and_guest_once() -> None:
    t0 = {"user": 10.0, "system": 0.0, "idle": 80.0, "iowait": 10.0, "guest": 5.0}
    # 30 s busy (of which 10 s guest, already inside user), 60 idle, 10 iowait.
    t1 = {"user": 40.0, "system": 0.0, "idle": 140.0, "iowait": 20.0, "guest": 15.0}
    assert cpu_ratio(t0, t1) == pytest.approx(30 / 100)
    assert cpu_ratio(t1, t1) is None  # no time passed: unknown
    assert cpu_ratio(t1, t0) is None  # counters went back: unknown


def test_cpu_ratio_is_clamped_to_one() -> None:
    # idle going back a little (seen on some kernels) must not give a ratio over 1
    t0 = {"user": 10.0, "idle": 100.0}
    t1 = {"user": 20.0, "idle": 99.0}
    assert cpu_ratio(t0, t1) == 1.0


@pytest.mark.parametrize(
    ("state", "status", "synchronized"),
    [
        (5, 0x0040, False),  # recorded: TIME_ERROR, STA_UNSYNC
        (5, 0x0000, False),  # TIME_ERROR alone
        (0, 0x0040, False),  # STA_UNSYNC alone
        (0, 0x2001, True),  # TIME_OK, STA_PLL | STA_NANO: chrony or ntpd disciplining
        (1, 0x2011, True),  # TIME_INS (leap second pending) is still synchronised
    ],
)
async def test_clock_sync_from_adjtimex_result(state: int, status: int, synchronized: bool) -> None:
    data = recording()
    data["clock"].update(state=state, status=status, maxerror_us=12500)
    outcome = await HostProbe(RecordedSource(data)).run(HostSpec(), CTX)
    v = values(outcome)
    assert v[("sansang_host_clock_synchronized", "")] == float(synchronized)
    assert v[("sansang_host_clock_max_error_seconds", "")] == pytest.approx(0.0125)
    [obs] = [o for o in outcome.observations if o.kind == "clock_sync_state"]
    assert obs.state == ("synchronized" if synchronized else "unsynchronized")


async def test_clock_becoming_synchronized_is_a_change() -> None:
    data = recording()
    job = host_job(kind(RecordedSource(data)), HostSpec(interfaces=[]))
    state = SiteState([job], lambda _when: True)
    changes: list[Change] = []

    async def sink(batch: list[Change]) -> None:
        changes.extend(batch)

    runner = Runner([job], state, sink)
    await runner.run_once(job)
    data["clock"] = {"state": 0, "status": 0x2001, "maxerror_us": 8000, "esterror_us": 100}
    await runner.run_once(job)
    assert [(c.kind, c.state) for c in changes] == [
        ("clock_sync_state", "unsynchronized"),
        ("clock_sync_state", "synchronized"),
    ]
    assert changes[1].details["previous"] == "unsynchronized"


def test_from_target() -> None:
    for target in ("-", "", "host"):
        assert from_target(target) == HostSpec()
    with pytest.raises(ValueError, match="no target"):
        from_target("10.0.0.1")


def test_registered_and_built_from_the_host_section() -> None:
    assert PROBES["host"].spec is HostSpec
    config = AgentConfig.model_validate(
        {
            "site": {"commune_code": "23527", "name": "x", "latitude": 14.4, "longitude": 107.8},
            "probes": {"interval": "30s", "timeout": "4s"},
            "host": {"interval": "15s", "filesystems": ["/", "/var"], "interfaces": ["eth0"]},
        }
    )
    [job] = build_jobs(config)
    assert (job.id, job.role, job.interval, job.timeout) == ("host", "host", 15.0, 4.0)
    assert job.spec == HostSpec(interval=15.0, filesystems=["/", "/var"], interfaces=["eth0"])
    disabled = config.model_copy(update={"host": config.host.model_copy(update={"enabled": False})})
    assert build_jobs(disabled) == []


# --- this machine, read for real -----------------------------------------------------------------


async def test_psutil_source_on_this_machine() -> None:
    probe = HostProbe(PsutilSource())
    spec = HostSpec(filesystems=["/"])
    first = await probe.run(spec, CTX)
    assert "sansang_host_cpu_usage_ratio" not in {s.name for s in first.samples}

    # The CPU counters tick every 10 ms: run again until they have moved (with a deadline).
    async def with_cpu_ratio() -> tuple[Outcome, dict[tuple[str, str], float]] | None:
        outcome = await probe.run(spec, CTX)
        v = values(outcome)
        return (outcome, v) if ("sansang_host_cpu_usage_ratio", "") in v else None

    outcome, v = await wait_until_async(with_cpu_ratio, 5, "a run with a CPU usage ratio")
    assert outcome.success
    now = time.time()
    boot = v[("sansang_host_boot_timestamp_seconds", "")]
    uptime = v[("sansang_host_uptime_seconds", "")]
    assert 0 < boot < now and uptime > 0
    assert abs((now - boot) - uptime) < 5  # btime and CLOCK_BOOTTIME agree
    assert 0.0 <= v[("sansang_host_cpu_usage_ratio", "")] <= 1.0  # second run has a ratio
    assert v[("sansang_host_cpus", "")] >= 1
    assert (
        0
        < v[("sansang_host_memory_available_bytes", "")]
        <= v[("sansang_host_memory_total_bytes", "")]
    )
    assert (
        0
        <= v[("sansang_host_filesystem_free_bytes", "/")]
        <= v[("sansang_host_filesystem_size_bytes", "/")]
    )
    watched = {k[1] for k in v if k[0] == "sansang_host_network_up"}
    assert "lo" not in watched
    assert {v[("sansang_host_network_up", name)] for name in watched} <= {0.0, 1.0}
    for s in outcome.samples:
        assert s.name in BY_NAME
    if sys.platform.startswith("linux"):
        assert v[("sansang_host_clock_synchronized", "")] in (0.0, 1.0)
        assert v[("sansang_host_clock_max_error_seconds", "")] >= 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="adjtimex(2) is Linux")
def test_adjtimex_reads_this_kernel() -> None:
    reading = adjtimex.read()
    assert reading is not None
    assert 0 <= reading.state <= 5
    assert reading.maxerror_us >= 0
    # The kernel's answer is consistent with itself: TIME_ERROR comes with STA_UNSYNC set
    # or unsynchronised otherwise flagged.
    if reading.state == adjtimex.TIME_ERROR:
        assert not reading.synchronized


async def test_the_registered_kind_reads_this_machine() -> None:
    outcome = await PROBES["host"].run(HostSpec(), CTX)
    assert outcome.success
    assert any(s.name == "sansang_host_uptime_seconds" for s in outcome.samples)


def test_recording_round_trip() -> None:
    """RecordedSource replays exactly what record() wrote (the fixtures stay faithful)."""
    from agent.probes._hostsource import record

    data = recording()
    replay = record(RecordedSource(copy.deepcopy(data)), ["/", "/dev/shm", "/srv/data"])
    replay.update(recorded_at=data["recorded_at"], platform=data["platform"])
    assert replay == data


async def test_only_a_failing_psutil_fails_the_probe() -> None:
    class Broken(RecordedSource):
        def memory(self) -> Any:
            raise psutil.AccessDenied(msg="/proc/meminfo")

    job = host_job(kind(Broken(recording())))
    state = SiteState([job], lambda _when: True)

    async def sink(_changes: list[Change]) -> None:
        return None

    outcome = await Runner([job], state, sink).run_once(job)
    assert (outcome.success, outcome.reason) == (False, "error")
    assert "AccessDenied" in outcome.detail
    assert state.records["host"].errors == 1  # counted by the runner, like any probe bug
