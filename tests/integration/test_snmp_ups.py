"""The SNMP UPS source against a real SNMP agent (snmpsim): UPS-MIB and PowerNet-MIB, v2c and
v3 authPriv, live state changes, wrong credentials, a silent agent, and isolation between
sources."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.power.snmp import client as snmp_client
from agent.probes import snmp_ups
from agent.probes.base import Outcome, ProbeContext
from agent.probes.snmp_ups import SnmpUpsSpec
from tests.integration import snmplab
from tests.integration.snmplab import SnmpLab
from tests.support import NotYet, wait_until_async

pytestmark = pytest.mark.integration

TIMEOUT = 2.0
MARGIN = 0.25  # measured: a silent agent is reported 1.9-2.0 s into a 2 s timeout


@pytest.fixture(scope="module")
def lab_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpLab]:
    with snmplab.snmp_lab(tmp_path_factory.mktemp("snmpsim")) as lab:
        yield lab


@pytest.fixture
def lab(lab_process: SnmpLab) -> SnmpLab:
    lab_process.reset()
    snmp_client._answered.clear()  # each test starts without a remembered MIB
    return lab_process


def ctx(timeout: float = TIMEOUT) -> ProbeContext:
    return ProbeContext("ups-rack", timeout, logging.getLogger("test.snmp_ups"))


def v2c(lab: SnmpLab, community: str, **fields: Any) -> SnmpUpsSpec:
    return SnmpUpsSpec(host="127.0.0.1", port=lab.port, community=community, **fields)


def v3(
    lab: SnmpLab, keys: Path, context: str, auth: str = "", priv: str = "", **fields: Any
) -> SnmpUpsSpec:
    (keys / "auth").write_text((auth or snmplab.V3_AUTH_KEY) + "\n", encoding="utf-8")
    (keys / "priv").write_text((priv or snmplab.V3_PRIV_KEY) + "\n", encoding="utf-8")
    return SnmpUpsSpec(
        host="127.0.0.1",
        port=lab.port,
        version="3",
        user=fields.pop("user", snmplab.V3_USER),
        auth_key_file=keys / "auth",
        priv_key_file=keys / "priv",
        context_name=context,
        **fields,
    )


async def timed(spec: SnmpUpsSpec, timeout: float = TIMEOUT) -> tuple[Outcome, float]:
    started = time.perf_counter()
    outcome = await snmp_ups.run(spec, ctx(timeout))
    return outcome, time.perf_counter() - started


async def until(spec: SnmpUpsSpec, predicate: Any, deadline: float, what: str) -> Outcome:
    """Poll like the runner does until the reading satisfies ``predicate``; fail at the deadline."""

    async def satisfied() -> Outcome | NotYet:
        outcome = await snmp_ups.run(spec, ctx())
        ok = outcome.reading is not None and predicate(outcome.reading)
        return outcome if ok else NotYet(outcome)

    result: Outcome = await wait_until_async(satisfied, deadline, what, interval=0.1)
    return result


async def test_ups_mib_on_line_over_v2c(lab: SnmpLab) -> None:
    outcome, took = await timed(v2c(lab, "ietf", mib="ups-mib"))
    assert outcome.success, outcome
    r = outcome.reading
    assert r is not None
    assert r.flags == {"OL"} and r.mains_present is True and not r.battery_low
    assert r.battery_charge_ratio == 1.0
    assert r.battery_runtime_seconds == 42 * 60
    assert r.input_voltage_volts == 229.0
    assert r.load_ratio == pytest.approx(0.23)
    assert (r.manufacturer, r.model, r.alarm) == ("EATON", "Eaton 9PX 1500i", "")
    assert outcome.samples == []  # power probes leave the metrics to the exporter
    assert took < 1.0


async def test_ups_mib_on_battery_then_low_battery_seen_live(lab: SnmpLab) -> None:
    spec = v2c(lab, "ietf")
    assert (await snmp_ups.run(spec, ctx())).reading.flags == {"OL"}  # type: ignore[union-attr]
    lab.set("ietf", snmplab.UPS_OUTPUT_SOURCE, snmplab.INTEGER, 5)  # battery
    lab.set("ietf", snmplab.UPS_MINUTES_REMAINING, snmplab.INTEGER, 3)
    seen = await until(spec, lambda r: "OB" in r.flags, 5.0, "OB")
    assert seen.reading is not None and seen.reading.on_battery is True
    lab.set("ietf", snmplab.UPS_BATTERY_STATUS, snmplab.INTEGER, 3)  # batteryLow
    lab.set("ietf", snmplab.UPS_CHARGE_REMAINING, snmplab.INTEGER, 9)
    low = await until(spec, lambda r: r.battery_low, 5.0, "LB")
    assert low.reading is not None
    assert low.reading.flags == {"OB", "LB"}
    assert low.reading.battery_charge_ratio == pytest.approx(0.09)
    assert low.reading.battery_runtime_seconds == 180.0


async def test_missing_objects_are_unknown_not_zero(lab: SnmpLab) -> None:
    lab.remove("ietf", snmplab.UPS_MINUTES_REMAINING)
    lab.remove("ietf", snmplab.UPS_CHARGE_REMAINING)
    outcome = await until(
        v2c(lab, "ietf"), lambda r: r.battery_charge_ratio is None, 5.0, "charge gone"
    )
    assert outcome.success and outcome.reading is not None
    assert outcome.reading.battery_runtime_seconds is None
    assert outcome.reading.flags == {"OL"}


@pytest.mark.parametrize(
    ("status", "flags"),
    [(2, {"OL"}), (3, {"OB"}), (9, {"OL", "BYPASS"}), (12, {"OL", "TRIM"})],
    ids=["onLine", "onBattery", "switchedBypass", "onSmartTrim"],
)
async def test_powernet_states(lab: SnmpLab, status: int, flags: set[str]) -> None:
    lab.set("apc", snmplab.APC_OUTPUT_STATUS, snmplab.INTEGER, status)
    outcome = await until(v2c(lab, "apc", mib="powernet"), lambda r: r.flags == flags, 5.0, flags)
    r = outcome.reading
    assert r is not None
    assert (r.manufacturer, r.model, r.serial) == ("APC", "Smart-UPS 1500", "AS1935123456")
    assert r.battery_charge_ratio == 1.0  # upsHighPrecBatteryCapacity 1000 tenths
    assert r.input_voltage_volts == pytest.approx(230.4)  # the high-precision object wins
    assert r.load_ratio == pytest.approx(0.235)
    assert r.battery_runtime_seconds == 2460.0  # TimeTicks 246000 = 2460 s


async def test_powernet_low_battery_on_battery(lab: SnmpLab) -> None:
    lab.set("apc", snmplab.APC_OUTPUT_STATUS, snmplab.INTEGER, 3)
    lab.set("apc", snmplab.APC_BATTERY_STATUS, snmplab.INTEGER, 3)
    lab.set("apc", snmplab.APC_RUNTIME, snmplab.TIMETICKS, 12000)
    outcome = await until(v2c(lab, "apc"), lambda r: r.battery_low, 5.0, "APC LB")
    assert outcome.reading is not None
    assert outcome.reading.flags == {"OB", "LB"}
    assert outcome.reading.battery_runtime_seconds == 120.0


async def test_auto_falls_back_to_powernet_and_remembers(lab: SnmpLab) -> None:
    spec = v2c(lab, "apc")  # mib: auto; this card has no UPS-MIB
    first = await snmp_ups.run(spec, ctx())
    assert first.success and first.reading is not None and first.reading.manufacturer == "APC"
    assert snmp_client._answered[("127.0.0.1", lab.port, "")] == "powernet"
    # Remembered: PowerNet is asked first now, so a poll is one GET (about one round trip).
    second, took = await timed(spec)
    assert second.success and took < 0.5


async def test_agent_without_ups_mib_is_unknown_device(lab: SnmpLab) -> None:
    outcome, took = await timed(v2c(lab, "router"))
    assert (outcome.success, outcome.reason) == (False, "unknown_device")
    assert "upsOutputSource" in outcome.detail and "upsBasicOutputStatus" in outcome.detail
    assert took < 1.0


async def test_v3_auth_priv_sha_aes(lab: SnmpLab, tmp_path: Path) -> None:
    for context, model in (("ietf", "Eaton 9PX 1500i"), ("apc", "Smart-UPS 1500")):
        outcome = await snmp_ups.run(v3(lab, tmp_path, context), ctx())
        assert outcome.success, outcome
        assert outcome.reading is not None and outcome.reading.model == model


async def test_v3_key_rotated_in_the_file_is_used_at_the_next_poll(
    lab: SnmpLab, tmp_path: Path
) -> None:
    wrong = v3(lab, tmp_path, "ietf", priv="not-the-priv-key")
    outcome, took = await timed(wrong)
    assert (outcome.reason, took < TIMEOUT) == ("access_denied", True), outcome
    right = v3(lab, tmp_path, "ietf")  # the same files, now holding the right keys
    assert (await snmp_ups.run(right, ctx())).success


@pytest.mark.parametrize(
    ("auth", "priv", "user"),
    [
        ("not-the-auth-key", "", snmplab.V3_USER),
        ("", "not-the-priv-key", snmplab.V3_USER),
        ("", "", "nobody"),
    ],
    ids=["wrong-auth-key", "wrong-priv-key", "unknown-user"],
)
async def test_v3_wrong_credentials_are_access_denied_within_the_timeout(
    lab: SnmpLab, tmp_path: Path, auth: str, priv: str, user: str
) -> None:
    outcome, took = await timed(v3(lab, tmp_path, "ietf", auth=auth, priv=priv, user=user))
    assert (outcome.success, outcome.reason) == (False, "access_denied"), outcome
    assert took < TIMEOUT
    for secret in (auth, priv, snmplab.V3_AUTH_KEY, snmplab.V3_PRIV_KEY):
        assert not secret or secret not in outcome.detail


async def test_wrong_community_is_a_timeout_within_the_timeout(lab: SnmpLab) -> None:
    outcome, took = await timed(v2c(lab, "no-such-community"))
    assert (outcome.success, outcome.reason) == (False, "timeout")
    assert "wrong community or agent down" in outcome.detail
    assert "no-such-community" not in outcome.detail
    assert took <= TIMEOUT + MARGIN


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A bound UDP socket that never answers: an SNMP agent that hangs or drops everything."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


async def test_silent_agent_is_a_timeout_within_the_timeout(silent_port: int) -> None:
    spec = SnmpUpsSpec(host="127.0.0.1", port=silent_port)
    outcome, took = await timed(spec)
    assert (outcome.success, outcome.reason) == (False, "timeout")
    assert took <= TIMEOUT + MARGIN
    assert took >= TIMEOUT * 0.75  # it did wait (retried) rather than give up at once


async def test_key_file_problems_are_clear_and_keyless(tmp_path: Path) -> None:
    """Checked before any packet is sent; the detail names the file, never its content."""
    spec = v3_spec_for(tmp_path, auth="short", priv=snmplab.V3_PRIV_KEY)
    outcome = await snmp_ups.run(spec, ctx())
    assert outcome.reason == "error" and "shorter than 8" in outcome.detail
    assert "short" not in outcome.detail.replace("shorter", "")
    (tmp_path / "auth").unlink()
    outcome = await snmp_ups.run(spec, ctx())
    assert outcome.reason == "error" and str(tmp_path / "auth") in outcome.detail


def v3_spec_for(keys: Path, auth: str, priv: str) -> SnmpUpsSpec:
    (keys / "auth").write_text(auth, encoding="utf-8")
    (keys / "priv").write_text(priv, encoding="utf-8")
    return SnmpUpsSpec(
        host="127.0.0.1",
        port=9,
        version="3",
        user="u",
        auth_key_file=keys / "auth",
        priv_key_file=keys / "priv",
    )


async def test_silent_device_never_delays_another_source(lab: SnmpLab, silent_port: int) -> None:
    alone, normal = await timed(v2c(lab, "ietf"))  # this source's normal poll time
    assert alone.success

    async def finish_time(spec: SnmpUpsSpec) -> tuple[Outcome, float]:
        outcome = await snmp_ups.run(spec, ctx())
        return outcome, time.perf_counter()

    started = time.perf_counter()
    silent_task = asyncio.create_task(finish_time(SnmpUpsSpec(host="127.0.0.1", port=silent_port)))
    await asyncio.sleep(0.05)  # the silent poll is in flight first
    (ok, ok_end), (dead, dead_end) = await asyncio.gather(
        finish_time(v2c(lab, "ietf")), silent_task
    )
    assert ok.success and dead.reason == "timeout"
    # Delayed by the silent source, it would end with that source's timeout (2 s); on its own it
    # takes its normal time (~0.2 s).  Half the timeout tells the two apart on a loaded machine.
    assert ok_end - started < TIMEOUT / 2, f"normal {normal:.2f} s, took {ok_end - started:.2f} s"
    assert ok_end < dead_end
    assert dead_end - started >= TIMEOUT * 0.75


async def test_first_poll_of_a_source_is_cheap(lab: SnmpLab) -> None:
    """No MIB is loaded (numeric OIDs): a new source's first poll builds its SnmpEngine only."""
    snmp_client._sessions.clear()
    first, first_took = await timed(v2c(lab, "ietf"))
    second, second_took = await timed(v2c(lab, "ietf"))
    assert first.success and second.success
    assert first_took < 0.5, first_took
    assert second_took < first_took
