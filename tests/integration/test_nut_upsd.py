"""The NUT probe against a real upsd + dummy-ups (tests/integration/nutlab.py).

Each UPS state written to the dummy-ups file must come back through the probe within ~2 s
(the driver's poll interval), checked with a deadline; the driver killed and restarted, logins
and unknown UPS names give the documented reasons.  nut-ddl dumps served by the real driver
read back as our dummy-ups reader reads them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.power.nut.protocol import read_dummy_ups_file
from agent.power.reading import PowerReading
from agent.probes import nut
from agent.probes.base import Outcome, ProbeContext
from tests.integration.nutlab import DEFAULT_VARS, NutLab, skip_without_nut
from tests.support import wait_until
from tests.support.net import free_port

pytestmark = [pytest.mark.integration, skip_without_nut]

DDL = Path(__file__).resolve().parent.parent / "fixtures" / "nut-ddl"
DEADLINE = 2.0 + 2.0  # the driver's 2 s poll + upsd's pickup, with a margin for a loaded CI box
USERS = {"monitor": "s3cret pass#1"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NutLab]:
    with NutLab(tmp_path_factory.mktemp("nut"), users=USERS) as running:
        yield running


def poll(spec: dict[str, Any], timeout: float = 2.0) -> Outcome:
    ctx = ProbeContext("ups", timeout, logging.getLogger("test.nut"))
    return asyncio.run(nut.run(nut.NutSpec(**spec), ctx))


def reading_when(lab: NutLab, what: str, cond: Any, **spec: Any) -> PowerReading:
    """Poll the probe until ``cond(reading)``; returns that reading."""

    def check() -> PowerReading | None:
        outcome = poll(lab.spec(**spec))
        return (
            outcome.reading
            if outcome.success and outcome.reading and cond(outcome.reading)
            else None
        )

    return wait_until(check, DEADLINE, what, interval=0.1)


STATES = [
    ("OL", {"OL"}, dict(charge=100, runtime=1800)),
    ("OB", {"OB"}, dict(charge=90, runtime=1500)),
    ("OB LB", {"OB", "LB"}, dict(charge=8, runtime=60)),
    ("OL CHRG", {"OL", "CHRG"}, dict(charge=40, runtime=700)),
    ("OB DISCHRG", {"OB", "DISCHRG"}, dict(charge=75, runtime=1200, voltage=0)),
    ("OL BYPASS", {"OL", "BYPASS"}, dict(charge=100, runtime=1800)),
    ("FSD OB LB", {"FSD", "OB", "LB"}, dict(charge=3, runtime=20)),
    ("OL", {"OL"}, dict(charge=100, runtime=1800, voltage=231.5, load=42)),
]


def test_each_state_reads_back_within_the_deadline(lab: NutLab) -> None:
    latencies = []
    for status, flags, numbers in STATES:
        lab.set_status(status, **numbers)
        started = time.monotonic()
        reading = reading_when(lab, f"status {status}", lambda r, f=flags: r.flags == f)
        latencies.append(time.monotonic() - started)
        assert latencies[-1] < DEADLINE
        assert reading.battery_charge_ratio == pytest.approx(numbers["charge"] / 100)
        assert reading.battery_runtime_seconds == numbers["runtime"]
        if "voltage" in numbers:
            assert reading.input_voltage_volts == numbers["voltage"]
        assert (reading.manufacturer, reading.model, reading.serial) == (
            "Sansang Test",
            "Dummy 1000",
            "SS-0001",
        )
    assert reading.load_ratio == pytest.approx(0.42)
    assert reading.mains_present is True
    latencies.sort()
    print(
        f"\n.dev rewritten -> probe sees it: median {latencies[len(latencies) // 2]:.2f} s,"
        f" max {latencies[-1]:.2f} s over {len(latencies)} changes"
    )


def test_status_flags_helpers_on_fsd_and_bypass(lab: NutLab) -> None:
    lab.set_status("OL BYPASS")
    assert reading_when(lab, "bypass", lambda r: r.bypass).mains_present is True
    lab.set_status("FSD OB LB", charge=2)
    reading = reading_when(lab, "FSD", lambda r: r.forced_shutdown)
    assert reading.on_battery and reading.battery_low
    lab.set_status("OL", charge=100)
    reading_when(lab, "back on line", lambda r: r.flags == {"OL"})


def test_driver_killed_then_restarted(lab: NutLab) -> None:
    lab.set_status("OL", charge=100)
    reading_when(lab, "OL", lambda r: r.flags == {"OL"})
    lab.kill_driver()
    try:
        down = wait_until(
            lambda: (o := poll(lab.spec())) and not o.success and o,
            DEADLINE,
            "the probe to see the driver gone",
        )
        assert down.reason in ("driver_not_connected", "data_stale"), down
        assert "ERR DRIVER-NOT-CONNECTED" in down.detail or "ERR DATA-STALE" in down.detail
    finally:
        lab.start_driver()
    lab.wait_ready()
    started = time.monotonic()
    reading_when(lab, "up again", lambda r: r.flags == {"OL"})
    assert time.monotonic() - started < DEADLINE


def test_unknown_ups_name(lab: NutLab) -> None:
    outcome = poll(lab.spec(ups="nosuch"))
    assert (outcome.success, outcome.reason) == (False, "unknown_device")
    assert "ERR UNKNOWN-UPS" in outcome.detail


def test_the_only_ups_is_picked_without_a_name(lab: NutLab) -> None:
    outcome = poll(lab.spec(ups=None))
    assert outcome.success and outcome.reading is not None


def test_login_with_the_right_password(lab: NutLab, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text(USERS["monitor"] + "\n")
    outcome = poll(lab.spec(username="monitor", password_file=tmp_path / "pw"))
    assert outcome.success, outcome


def test_wrong_password_is_not_checked_by_upsd_for_reading(lab: NutLab, tmp_path: Path) -> None:
    """NUT 2.8's upsd stores USERNAME/PASSWORD and checks them only for commands that change
    something (LOGIN, SET, INSTCMD, FSD): a read-only poll with a wrong password still reads.
    This pins that behaviour (the access_denied mapping of upsd's ERR replies is tested against
    the fake upsd in tests/unit/test_nut_fake_upsd.py)."""
    (tmp_path / "pw").write_text("wrong\n")
    outcome = poll(lab.spec(username="monitor", password_file=tmp_path / "pw"))
    assert outcome.success, outcome


def test_nothing_listening_is_refused(lab: NutLab) -> None:
    outcome = poll(lab.spec(port=free_port()))
    assert outcome.reason == "refused"


def test_starttls_on_a_upsd_without_certificate_is_tls_error(lab: NutLab) -> None:
    """Debian's upsd is built with TLS (Mozilla NSS) but has no certificate configured here:
    upsd refuses STARTTLS, and the probe says so instead of reading in clear text."""
    outcome = poll(lab.spec(tls=True))
    assert outcome.reason == "tls_error", outcome
    assert "ERR FEATURE-NOT-CONFIGURED" in outcome.detail


def test_poll_time(lab: NutLab) -> None:
    """One poll (connect, LIST VAR, LOGOUT) against the real upsd on loopback."""
    lab.set_status("OL", charge=100)
    reading_when(lab, "OL", lambda r: r.flags == {"OL"})
    times = []
    for _ in range(20):
        started = time.perf_counter()
        assert poll(lab.spec()).success
        times.append(time.perf_counter() - started)
    times.sort()
    median = times[len(times) // 2]
    print(f"\nNUT poll, real upsd: median {median * 1e3:.1f} ms, max {times[-1] * 1e3:.1f} ms")
    assert median < 0.25


@pytest.mark.parametrize("dump", sorted(DDL.rglob("*.dev")), ids=lambda p: p.parent.name)
def test_ddl_dump_served_by_the_real_driver_reads_like_our_reader(lab: NutLab, dump: Path) -> None:
    """dummy-ups reads a nut-ddl dump; upsd's LIST VAR holds every value our reader found."""
    expected = read_dummy_ups_file(dump.read_text(encoding="utf-8"))
    lab.load_dev_file(dump)
    try:

        def served() -> dict[str, str] | None:
            outcome = poll(lab.spec())
            raw = outcome.reading.raw if outcome.success and outcome.reading else {}
            return (
                raw
                if raw.get("ups.status") == expected["ups.status"]
                and all(raw.get(k) == v for k, v in expected.items() if v)
                else None
            )

        wait_until(served, DEADLINE, f"upsd to serve {dump.name}", interval=0.2)
    finally:
        lab.write_vars(DEFAULT_VARS)
