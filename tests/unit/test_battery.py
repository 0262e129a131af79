"""The box-battery source on fake power_supply trees, modelled on real laptops' sysfs files
(a ThinkPad's energy-based BAT0 + AC, an ASUS's charge-based BAT0 + ADP1, an HP's BAT1 + ACAD,
a USB-C-only ultrabook, a mouse's battery)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agent.probes.base import Outcome, ProbeContext
from agent.probes.battery import BatterySpec, run

CTX = ProbeContext("box-battery", 3.0, logging.getLogger("test.battery"))

THINKPAD_BAT0 = {
    "type": "Battery",
    "present": "1",
    "technology": "Li-poly",
    "status": "Charging",
    "capacity": "84",
    "capacity_level": "Normal",
    "energy_full": "45020000",
    "energy_full_design": "51000000",
    "energy_now": "37816800",
    "power_now": "9480000",
    "voltage_now": "12754000",
    "manufacturer": "SMP",
    "model_name": "5B10W13930",
    "serial_number": "  1234",
}

ASUS_BAT0 = {
    "type": "Battery",
    "present": "1",
    "status": "Discharging",
    "capacity": "50",
    "capacity_level": "Normal",
    "charge_full": "4000000",
    "charge_now": "2000000",
    "current_now": "-1000000",
    "manufacturer": "ASUSTeK",
    "model_name": "ASUS Battery",
}


def supply(root: Path, name: str, files: dict[str, str]) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (root / name / file).write_text(text + "\n", encoding="utf-8")


async def probe(root: Path, battery: str | None = None) -> Outcome:
    return await run(BatterySpec(sysfs=root, battery=battery), CTX)


async def test_thinkpad_charging_on_mains(tmp_path: Path) -> None:
    supply(tmp_path, "AC", {"type": "Mains", "online": "1"})
    supply(tmp_path, "BAT0", THINKPAD_BAT0)
    outcome = await probe(tmp_path)
    assert outcome.success and outcome.samples == []
    r = outcome.reading
    assert r is not None
    assert r.flags == {"OL", "CHRG"} and r.mains_present is True
    assert r.battery_charge_ratio == 0.84
    assert r.battery_runtime_seconds is None  # no runtime while charging
    assert (r.manufacturer, r.model, r.serial) == ("SMP", "5B10W13930", "1234")
    assert r.input_voltage_volts is None and r.load_ratio is None
    assert r.raw["AC/online"] == "1"


async def test_thinkpad_discharging_runtime_from_energy_and_power(tmp_path: Path) -> None:
    supply(tmp_path, "AC", {"type": "Mains", "online": "0"})
    supply(tmp_path, "BAT0", {**THINKPAD_BAT0, "status": "Discharging"})
    r = (await probe(tmp_path)).reading
    assert r is not None
    assert r.flags == {"OB", "DISCHRG"} and r.on_battery is True
    assert r.battery_runtime_seconds == pytest.approx(37816800 / 9480000 * 3600)


async def test_asus_runtime_from_charge_and_negative_current(tmp_path: Path) -> None:
    supply(tmp_path, "ADP1", {"type": "Mains", "online": "0"})
    supply(tmp_path, "BAT0", ASUS_BAT0)
    r = (await probe(tmp_path)).reading
    assert r is not None
    assert r.flags == {"OB", "DISCHRG"}
    assert r.battery_runtime_seconds == 7200.0
    assert r.battery_charge_ratio == 0.5


async def test_kernel_time_to_empty_is_preferred(tmp_path: Path) -> None:
    supply(tmp_path, "BAT0", {**ASUS_BAT0, "time_to_empty_now": "5400"})
    r = (await probe(tmp_path)).reading
    assert r is not None and r.battery_runtime_seconds == 5400.0


@pytest.mark.parametrize("status", ["Full", "Not charging"])
async def test_full_or_not_charging_is_on_line_without_chrg(tmp_path: Path, status: str) -> None:
    supply(tmp_path, "ACAD", {"type": "Mains", "online": "1"})
    supply(tmp_path, "BAT1", {**THINKPAD_BAT0, "status": status, "capacity": "100"})
    r = (await probe(tmp_path)).reading
    assert r is not None
    assert r.flags == {"OL"} and r.battery_charge_ratio == 1.0


@pytest.mark.parametrize(
    ("level", "capacity", "low"),
    [
        ("Low", "15", True),
        ("Critical", "4", True),
        ("Normal", "10", True),  # at the 10 % threshold
        ("Normal", "11", False),
        ("Unknown", "", False),
    ],
)
async def test_low_battery(tmp_path: Path, level: str, capacity: str, low: bool) -> None:
    supply(tmp_path, "AC", {"type": "Mains", "online": "0"})
    supply(
        tmp_path,
        "BAT0",
        {**THINKPAD_BAT0, "status": "Discharging", "capacity": capacity, "capacity_level": level},
    )
    r = (await probe(tmp_path)).reading
    assert r is not None
    assert r.battery_low is low
    assert {"OB", "DISCHRG"} <= r.flags


async def test_usb_c_adapter_counts_as_mains(tmp_path: Path) -> None:
    supply(tmp_path, "ucsi-source-psy-USBC000:001", {"type": "USB", "online": "1"})
    supply(tmp_path, "ucsi-source-psy-USBC000:002", {"type": "USB", "online": "0"})
    supply(tmp_path, "BAT0", {**THINKPAD_BAT0, "status": "Full"})
    r = (await probe(tmp_path)).reading
    assert r is not None and r.mains_present is True


async def test_adapter_online_wins_over_a_discharging_status(tmp_path: Path) -> None:
    """A weak charger: mains is there, the battery still drains (NUT writes "OL DISCHRG")."""
    supply(tmp_path, "AC", {"type": "Mains", "online": "1"})
    supply(tmp_path, "BAT0", {**THINKPAD_BAT0, "status": "Discharging"})
    r = (await probe(tmp_path)).reading
    assert r is not None and r.flags == {"OL", "DISCHRG"}


@pytest.mark.parametrize(
    ("status", "flags"),
    [("Discharging", {"OB", "DISCHRG"}), ("Charging", {"OL", "CHRG"}), ("Unknown", set())],
)
async def test_without_an_adapter_the_status_decides(
    tmp_path: Path, status: str, flags: set[str]
) -> None:
    supply(tmp_path, "BAT0", {**THINKPAD_BAT0, "status": status})
    r = (await probe(tmp_path)).reading
    assert r is not None and r.flags == flags


async def test_peripheral_batteries_are_not_the_box_battery(tmp_path: Path) -> None:
    supply(tmp_path, "AC", {"type": "Mains", "online": "1"})
    mouse = {"type": "Battery", "scope": "Device", "status": "Discharging", "capacity": "5"}
    supply(tmp_path, "hidpp_battery_0", mouse)
    outcome = await probe(tmp_path)
    assert (outcome.success, outcome.reason) == (False, "no_device")
    assert "mains only" in outcome.detail
    supply(tmp_path, "BAT0", THINKPAD_BAT0)
    r = (await probe(tmp_path)).reading
    assert r is not None and r.model == "5B10W13930"


async def test_named_battery(tmp_path: Path) -> None:
    supply(tmp_path, "BAT0", THINKPAD_BAT0)
    supply(tmp_path, "BAT1", {**ASUS_BAT0, "model_name": "second pack"})
    r = (await probe(tmp_path, "BAT1")).reading
    assert r is not None and r.model == "second pack"
    missing = await probe(tmp_path, "BAT7")
    assert missing.reason == "no_device" and "BAT7" in missing.detail


async def test_no_battery(tmp_path: Path) -> None:
    supply(tmp_path, "AC", {"type": "Mains", "online": "1"})  # a desktop
    assert (await probe(tmp_path)).reason == "no_device"
    assert (await probe(tmp_path / "absent")).reason == "no_device"  # no power_supply class
    supply(tmp_path, "BAT0", {**THINKPAD_BAT0, "present": "0"})  # the pack is pulled out
    removed = await probe(tmp_path)
    assert removed.reason == "no_device" and "not present" in removed.detail


async def test_garbage_contents_are_unknown_not_a_crash(tmp_path: Path) -> None:
    supply(tmp_path, "AC", {"type": "Mains", "online": "yes?"})
    supply(
        tmp_path,
        "BAT0",
        {
            "type": "Battery",
            "status": "Discharging\x00\xff",
            "capacity": "abc",
            "capacity_level": "",
            "energy_now": "",
            "power_now": "0",
        },
    )
    (tmp_path / "BAT0" / "manufacturer").write_bytes(b"\xff\xfe SMP\n")  # not UTF-8
    (tmp_path / "BAT0" / "model_name").mkdir()  # unreadable as a file (EISDIR)
    outcome = await probe(tmp_path)
    assert outcome.success
    r = outcome.reading
    assert r is not None
    assert r.battery_charge_ratio is None and r.battery_runtime_seconds is None
    assert r.flags == set()  # neither the adapter nor the status says anything sure
    assert r.model == ""
    assert r.manufacturer.endswith("SMP")  # undecodable bytes replaced, the rest kept


async def test_capacity_out_of_range_is_unknown(tmp_path: Path) -> None:
    supply(tmp_path, "BAT0", {**THINKPAD_BAT0, "capacity": "150"})
    r = (await probe(tmp_path)).reading
    assert r is not None and r.battery_charge_ratio is None and not r.battery_low
