"""UPS-MIB and PowerNet-MIB values → NUT flags and numbers (agent/power/snmp/mibs.py)."""

from __future__ import annotations

import re

import pytest

from agent.power.snmp import mibs as snmp_mibs
from agent.power.snmp.mibs import (
    MIBS,
    POWERNET,
    UPS_MIB,
    MibValueError,
    Value,
    powernet_reading,
    ups_mib_reading,
)

UPS_ON_LINE: dict[str, Value] = {
    "upsIdentManufacturer": "EATON ",
    "upsIdentModel": "Eaton 9PX 1500i",
    "upsBatteryStatus": 2,
    "upsEstimatedMinutesRemaining": 42,
    "upsEstimatedChargeRemaining": 100,
    "upsInputVoltage.1": 229,
    "upsOutputSource": 3,
    "upsOutputPercentLoad.1": 23,
    "upsAlarmsPresent": 0,
}

APC_ON_LINE: dict[str, Value] = {
    "upsBasicIdentModel": "Smart-UPS 1500",
    "upsAdvIdentSerialNumber": "AS1935123456",
    "upsBasicBatteryStatus": 2,
    "upsAdvBatteryCapacity": 100,
    "upsAdvBatteryRunTimeRemaining": 246000,
    "upsAdvBatteryReplaceIndicator": 1,
    "upsHighPrecBatteryCapacity": 995,
    "upsAdvInputLineVoltage": 230,
    "upsHighPrecInputLineVoltage": 2304,
    "upsBasicOutputStatus": 2,
    "upsAdvOutputLoad": 24,
    "upsHighPrecOutputLoad": 235,
    "upsAdvTestCalibrationResults": 1,
}


def test_oids_are_numeric_and_in_their_mib_subtree() -> None:
    """Numeric OIDs only: the probe never asks pysnmp to resolve a MIB name."""
    for oid in snmp_mibs.UPS_MIB_OBJECTS.values():
        assert re.fullmatch(r"1\.3\.6\.1\.2\.1\.33\.1(\.\d+)+", oid), oid
    for oid in snmp_mibs.POWERNET_OBJECTS.values():
        assert re.fullmatch(r"1\.3\.6\.1\.4\.1\.318\.1\.1\.1(\.\d+)+", oid), oid
    # the ones most easily mistyped, checked against RFC 1628 and NUT's apc-mib.c
    assert snmp_mibs.UPS_MIB_OBJECTS["upsOutputSource"] == "1.3.6.1.2.1.33.1.4.1.0"
    assert snmp_mibs.UPS_MIB_OBJECTS["upsInputVoltage.1"] == "1.3.6.1.2.1.33.1.3.3.1.3.1"
    assert snmp_mibs.UPS_MIB_OBJECTS["upsOutputPercentLoad.1"] == "1.3.6.1.2.1.33.1.4.4.1.5.1"
    assert snmp_mibs.POWERNET_OBJECTS["upsBasicOutputStatus"] == "1.3.6.1.4.1.318.1.1.1.4.1.1.0"
    assert snmp_mibs.POWERNET_OBJECTS["upsAdvBatteryRunTimeRemaining"] == (
        "1.3.6.1.4.1.318.1.1.1.2.2.3.0"
    )
    assert set(MIBS) == {"ups-mib", "powernet"}


def test_ups_mib_on_line() -> None:
    r = ups_mib_reading(UPS_ON_LINE)
    assert r.flags == {"OL"}
    assert r.battery_charge_ratio == 1.0
    assert r.battery_runtime_seconds == 2520.0  # minutes → seconds
    assert r.input_voltage_volts == 229.0
    assert r.load_ratio == 0.23
    assert (r.manufacturer, r.model, r.serial, r.alarm) == ("EATON", "Eaton 9PX 1500i", "", "")
    assert r.raw["upsOutputSource"] == "3"


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        (1, set()),  # other
        (2, {"OFF"}),  # none
        (3, {"OL"}),  # normal
        (4, {"OL", "BYPASS"}),  # bypass
        (5, {"OB"}),  # battery
        (6, {"OL", "BOOST"}),  # booster
        (7, {"OL", "TRIM"}),  # reducer
        (99, set()),  # not in RFC 1628: no guess
    ],
)
def test_ups_mib_output_source(source: int, flags: set[str]) -> None:
    assert ups_mib_reading({**UPS_ON_LINE, "upsOutputSource": source}).flags == flags


@pytest.mark.parametrize(
    ("status", "low", "alarm"),
    [(1, False, ""), (2, False, ""), (3, True, ""), (4, True, "battery depleted")],
    ids=["unknown", "batteryNormal", "batteryLow", "batteryDepleted"],
)
def test_ups_mib_battery_status(status: int, low: bool, alarm: str) -> None:
    r = ups_mib_reading({**UPS_ON_LINE, "upsOutputSource": 5, "upsBatteryStatus": status})
    assert r.battery_low is low
    assert "OB" in r.flags
    assert r.alarm == alarm and ("ALARM" in r.flags) is bool(alarm)


def test_ups_mib_alarms_present() -> None:
    r = ups_mib_reading({**UPS_ON_LINE, "upsAlarmsPresent": 2})
    assert r.flags == {"OL", "ALARM"}
    assert r.alarm == "2 alarms present (upsAlarmsPresent)"


def test_ups_mib_missing_values_are_none_not_zero() -> None:
    r = ups_mib_reading(
        {"upsOutputSource": 3, **dict.fromkeys(UPS_ON_LINE.keys() - {"upsOutputSource"})}
    )
    assert r.flags == {"OL"}
    assert r.battery_charge_ratio is None
    assert r.battery_runtime_seconds is None
    assert r.input_voltage_volts is None
    assert r.load_ratio is None
    assert (r.manufacturer, r.model) == ("", "")
    assert set(r.raw) == {"upsOutputSource"}
    assert ups_mib_reading({}).flags == frozenset()
    assert ups_mib_reading({}).mains_present is None


def test_ups_mib_out_of_range_and_wrong_types_are_unknown() -> None:
    r = ups_mib_reading(
        {
            **UPS_ON_LINE,
            "upsEstimatedChargeRemaining": 101,  # 0..100 in RFC 1628
            "upsInputVoltage.1": -1,
            "upsOutputPercentLoad.1": "23",  # a string where an integer belongs
            "upsEstimatedMinutesRemaining": "soon",
        }
    )
    assert r.battery_charge_ratio is None
    assert r.input_voltage_volts is None
    assert r.load_ratio is None
    assert r.battery_runtime_seconds is None
    assert ups_mib_reading({**UPS_ON_LINE, "upsOutputPercentLoad.1": 130}).load_ratio == 1.3


def test_a_string_status_is_a_broken_device() -> None:
    with pytest.raises(MibValueError, match="upsOutputSource"):
        ups_mib_reading({**UPS_ON_LINE, "upsOutputSource": "normal"})
    with pytest.raises(MibValueError, match="upsBasicOutputStatus"):
        powernet_reading({**APC_ON_LINE, "upsBasicOutputStatus": ""})


def test_powernet_on_line_prefers_high_precision() -> None:
    r = powernet_reading(APC_ON_LINE)
    assert r.flags == {"OL"}
    assert r.battery_charge_ratio == pytest.approx(0.995)  # 995 tenths, not the whole 100
    assert r.input_voltage_volts == pytest.approx(230.4)
    assert r.load_ratio == pytest.approx(0.235)
    assert r.battery_runtime_seconds == 2460.0
    assert (r.manufacturer, r.model, r.serial) == ("APC", "Smart-UPS 1500", "AS1935123456")


def test_powernet_falls_back_to_whole_units() -> None:
    without = {k: v for k, v in APC_ON_LINE.items() if not k.startswith("upsHighPrec")}
    r = powernet_reading(without)
    assert (r.battery_charge_ratio, r.input_voltage_volts, r.load_ratio) == (1.0, 230.0, 0.24)
    invalid = {**APC_ON_LINE, "upsHighPrecInputLineVoltage": -1, "upsHighPrecOutputLoad": -1}
    r = powernet_reading(invalid)  # negative high-precision = invalid (NUT's NEGINVALID)
    assert (r.input_voltage_volts, r.load_ratio) == (230.0, 0.24)


@pytest.mark.parametrize(
    ("ticks", "seconds"),
    [(246000, 2460.0), (0, 0.0), (1, 0.01), (0xFFFFFFFF, None), (None, None), ("x", None)],
)
def test_powernet_runtime_is_timeticks(ticks: Value, seconds: float | None) -> None:
    r = powernet_reading({**APC_ON_LINE, "upsAdvBatteryRunTimeRemaining": ticks})
    assert r.battery_runtime_seconds == seconds


POWERNET_OUTPUT = {
    1: set(),  # unknown
    2: {"OL"},  # onLine
    3: {"OB"},  # onBattery
    4: {"OL", "BOOST"},  # onSmartBoost
    5: {"OFF"},  # timedSleeping
    6: {"OL", "BYPASS"},  # softwareBypass
    7: {"OFF"},  # off
    8: set(),  # rebooting
    9: {"OL", "BYPASS"},  # switchedBypass
    10: {"OL", "BYPASS"},  # hardwareFailureBypass
    11: {"OFF"},  # sleepingUntilPowerReturn
    12: {"OL", "TRIM"},  # onSmartTrim
    13: {"OL", "ECO"},  # ecoMode
    14: {"OL"},  # hotStandby
    15: {"OL", "TEST"},  # onBatteryTest
    16: {"OL", "BYPASS"},  # emergencyStaticBypass
    17: {"OL", "BYPASS"},  # staticBypassStandby
    18: set(),  # powerSavingMode
    19: {"OL"},  # spotMode
    20: {"OL", "ECO"},  # eConversion
    21: {"OL"},  # chargerSpotmode
    22: {"OL"},  # inverterSpotmode
    23: set(),  # activeLoad
    24: {"OL"},  # batteryDischargeSpotmode
    25: {"OL"},  # inverterStandby
    26: set(),  # chargerOnly
    27: set(),  # distributedEnergyReserve
    28: {"OL", "TEST"},  # selfTest
    29: set(),  # beyond the MIB: no guess
}


@pytest.mark.parametrize(("status", "flags"), sorted(POWERNET_OUTPUT.items()))
def test_powernet_output_status(status: int, flags: set[str]) -> None:
    assert powernet_reading({**APC_ON_LINE, "upsBasicOutputStatus": status}).flags == flags


@pytest.mark.parametrize(
    ("status", "low", "alarm"),
    [
        (1, False, ""),
        (2, False, ""),
        (3, True, ""),
        (4, True, "battery in fault condition"),
        (5, True, "no battery present"),
    ],
    ids=["unknown", "batteryNormal", "batteryLow", "inFaultCondition", "noBatteryPresent"],
)
def test_powernet_battery_status(status: int, low: bool, alarm: str) -> None:
    r = powernet_reading(
        {**APC_ON_LINE, "upsBasicOutputStatus": 3, "upsBasicBatteryStatus": status}
    )
    assert r.battery_low is low and r.alarm == alarm
    assert "OB" in r.flags and ("ALARM" in r.flags) is bool(alarm)


def test_powernet_replace_battery_and_calibration() -> None:
    r = powernet_reading(
        {**APC_ON_LINE, "upsAdvBatteryReplaceIndicator": 2, "upsAdvTestCalibrationResults": 3}
    )
    assert r.flags == {"OL", "RB", "CAL"}


def test_powernet_missing_values_are_none_not_zero() -> None:
    r = powernet_reading({"upsBasicOutputStatus": 3})
    assert r.flags == {"OB"}
    assert (r.battery_charge_ratio, r.battery_runtime_seconds) == (None, None)
    assert (r.input_voltage_volts, r.load_ratio) == (None, None)
    assert (r.model, r.serial) == ("", "")


def test_which_mib_answered() -> None:
    assert UPS_MIB.answered(UPS_ON_LINE) and not POWERNET.answered(UPS_ON_LINE)
    assert POWERNET.answered(APC_ON_LINE)
    assert not UPS_MIB.answered({"upsOutputSource": None, "upsIdentModel": "x"})
