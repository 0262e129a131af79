"""The SNMP objects a UPS network card is read through, and what their values mean in NUT's terms.

Two MIBs cover the cards a commune centre meets:

- **UPS-MIB** (RFC 1628, ``1.3.6.1.2.1.33``): the standard one, answered by most vendors' cards
  (Eaton, Santak, Socomec, Vertiv, Delta, APC cards with the RFC 1628 option on).
- **PowerNet-MIB** (APC, ``1.3.6.1.4.1.318.1.1.1``): what APC's Network Management Cards answer
  by default.

The OIDs and the enum → flag tables follow NUT's own SNMP driver, which has been mapping these
MIBs onto ``ups.status`` for twenty years: ``drivers/ietf-mib.c`` (``ietf_battery_info``,
``ietf_power_source_info``) and ``drivers/apc-mib.c`` (``apcc_pwr_info``, ``apcc_batt_info``,
``apcc_battrepl_info``, ``apcc_cal_info``, the ``upsHighPrec*`` entries) in
networkupstools/nut.  Where this module departs from them it says so.

Pure: values come in already decoded (``int`` for every integer type, TimeTicks included;
``str`` for strings; ``None`` for an object the agent does not have, which pysnmp reports as a
``NoSuchObject``/``NoSuchInstance`` value and not as an error).  Unknown stays ``None``, never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from agent.power.reading import PowerReading
from sansang.errors import SansangError

Value = int | str | None
MibName = Literal["ups-mib", "powernet"]


class MibValueError(SansangError, ValueError):
    """The device answered with a value of the wrong kind for an object that decides the state."""


# --- UPS-MIB (RFC 1628) ---------------------------------------------------------------------------
_UPS = "1.3.6.1.2.1.33.1"
UPS_MIB_OBJECTS: dict[str, str] = {
    "upsIdentManufacturer": f"{_UPS}.1.1.0",
    "upsIdentModel": f"{_UPS}.1.2.0",
    "upsBatteryStatus": f"{_UPS}.2.1.0",
    "upsEstimatedMinutesRemaining": f"{_UPS}.2.3.0",
    "upsEstimatedChargeRemaining": f"{_UPS}.2.4.0",
    "upsInputVoltage.1": f"{_UPS}.3.3.1.3.1",  # upsInputTable, input line 1
    "upsOutputSource": f"{_UPS}.4.1.0",
    "upsOutputPercentLoad.1": f"{_UPS}.4.4.1.5.1",  # upsOutputTable, output line 1
    "upsAlarmsPresent": f"{_UPS}.6.1.0",
}

# upsOutputSource: ietf_power_source_info in NUT's ietf-mib.c.
UPS_OUTPUT_SOURCE_FLAGS: dict[int, tuple[str, ...]] = {
    1: (),  # other
    2: ("OFF",),  # none: the output is off
    3: ("OL",),  # normal
    4: ("OL", "BYPASS"),  # bypass: mains feeds the load, unprotected
    5: ("OB",),  # battery
    6: ("OL", "BOOST"),  # booster: raising a low input voltage
    7: ("OL", "TRIM"),  # reducer: lowering a high input voltage
}

# upsBatteryStatus: ietf_battery_info in NUT's ietf-mib.c.
UPS_BATTERY_STATUS_FLAGS: dict[int, tuple[str, ...]] = {
    1: (),  # unknown
    2: (),  # batteryNormal
    3: ("LB",),  # batteryLow
    4: ("LB",),  # batteryDepleted
}
_UPS_BATTERY_ALARM = {4: "battery depleted"}


# --- APC PowerNet-MIB -----------------------------------------------------------------------------
_APC = "1.3.6.1.4.1.318.1.1.1"
POWERNET_OBJECTS: dict[str, str] = {
    "upsBasicIdentModel": f"{_APC}.1.1.1.0",
    "upsAdvIdentSerialNumber": f"{_APC}.1.2.3.0",
    "upsBasicBatteryStatus": f"{_APC}.2.1.1.0",
    "upsAdvBatteryCapacity": f"{_APC}.2.2.1.0",  # percent
    "upsAdvBatteryRunTimeRemaining": f"{_APC}.2.2.3.0",  # TimeTicks: hundredths of a second
    "upsAdvBatteryReplaceIndicator": f"{_APC}.2.2.4.0",
    "upsHighPrecBatteryCapacity": f"{_APC}.2.3.1.0",  # tenths of a percent
    "upsAdvInputLineVoltage": f"{_APC}.3.2.1.0",  # volts
    "upsHighPrecInputLineVoltage": f"{_APC}.3.3.1.0",  # tenths of a volt
    "upsBasicOutputStatus": f"{_APC}.4.1.1.0",
    "upsAdvOutputLoad": f"{_APC}.4.2.3.0",  # percent
    "upsHighPrecOutputLoad": f"{_APC}.4.3.3.0",  # tenths of a percent
    "upsAdvTestCalibrationResults": f"{_APC}.7.2.6.0",
}

# upsBasicOutputStatus: apcc_pwr_info in NUT's apc-mib.c (PowerNet 4.x values up to 28).
# Departures from NUT: the bypass states also carry OL (the load runs on mains through the
# bypass, so mains is present; NUT's bare "BYPASS" would leave mains unknown here), and
# softwareBypass is a bypass state, as its name says, where NUT has "OFF".  onBatteryTest and
# selfTest carry TEST next to NUT's OL.
APC_OUTPUT_STATUS_FLAGS: dict[int, tuple[str, ...]] = {
    1: (),  # unknown
    2: ("OL",),  # onLine
    3: ("OB",),  # onBattery
    4: ("OL", "BOOST"),  # onSmartBoost
    5: ("OFF",),  # timedSleeping
    6: ("OL", "BYPASS"),  # softwareBypass
    7: ("OFF",),  # off
    8: (),  # rebooting
    9: ("OL", "BYPASS"),  # switchedBypass
    10: ("OL", "BYPASS"),  # hardwareFailureBypass
    11: ("OFF",),  # sleepingUntilPowerReturn
    12: ("OL", "TRIM"),  # onSmartTrim
    13: ("OL", "ECO"),  # ecoMode
    14: ("OL",),  # hotStandby
    15: ("OL", "TEST"),  # onBatteryTest
    16: ("OL", "BYPASS"),  # emergencyStaticBypass
    17: ("OL", "BYPASS"),  # staticBypassStandby
    18: (),  # powerSavingMode
    19: ("OL",),  # spotMode
    20: ("OL", "ECO"),  # eConversion
    21: ("OL",),  # chargerSpotmode
    22: ("OL",),  # inverterSpotmode
    23: (),  # activeLoad
    24: ("OL",),  # batteryDischargeSpotmode
    25: ("OL",),  # inverterStandby
    26: (),  # chargerOnly
    27: (),  # distributedEnergyReserve
    28: ("OL", "TEST"),  # selfTest
}

# upsBasicBatteryStatus: apcc_batt_info in NUT's apc-mib.c.
APC_BATTERY_STATUS_FLAGS: dict[int, tuple[str, ...]] = {
    1: (),  # unknown
    2: (),  # batteryNormal
    3: ("LB",),  # batteryLow
    4: ("LB",),  # batteryInFaultCondition
    5: ("LB",),  # noBatteryPresent
}
_APC_BATTERY_ALARM = {4: "battery in fault condition", 5: "no battery present"}
_APC_REPLACE_BATTERY = 2  # upsAdvBatteryReplaceIndicator batteryNeedsReplacing(2) -> RB
_APC_CALIBRATING = 3  # upsAdvTestCalibrationResults inProgress(3) -> CAL
_TIMETICKS_UNSUPPORTED = 0xFFFFFFFF  # some cards answer all ones for "not supported"


# --- the mapping ----------------------------------------------------------------------------------
def ups_mib_reading(values: Mapping[str, Value]) -> PowerReading:
    """UPS-MIB values (keys: the names in ``UPS_MIB_OBJECTS``) → a reading."""
    source = _status(values, "upsOutputSource")
    battery = _int(values.get("upsBatteryStatus"))
    flags = set(UPS_OUTPUT_SOURCE_FLAGS.get(source, ()) if source is not None else ())
    flags.update(UPS_BATTERY_STATUS_FLAGS.get(battery, ()) if battery is not None else ())
    alarms = []
    if battery in _UPS_BATTERY_ALARM:
        alarms.append(_UPS_BATTERY_ALARM[battery])
    present = _int(values.get("upsAlarmsPresent"))
    if present:
        alarms.append(f"{present} alarm{'s' if present > 1 else ''} present (upsAlarmsPresent)")
    if alarms:
        flags.add("ALARM")
    minutes = _int(values.get("upsEstimatedMinutesRemaining"))
    return PowerReading(
        flags=frozenset(flags),
        battery_charge_ratio=_percent(values.get("upsEstimatedChargeRemaining"), 1, 100),
        battery_runtime_seconds=None if minutes is None else minutes * 60.0,
        input_voltage_volts=_scaled(values.get("upsInputVoltage.1"), 1),
        load_ratio=_percent(values.get("upsOutputPercentLoad.1"), 1, None),
        manufacturer=_text(values.get("upsIdentManufacturer")),
        model=_text(values.get("upsIdentModel")),
        alarm="; ".join(alarms),
        raw=_raw(values),
    )


def powernet_reading(values: Mapping[str, Value]) -> PowerReading:
    """PowerNet-MIB values (keys: the names in ``POWERNET_OBJECTS``) → a reading.

    The high-precision objects (tenths) are preferred when the card has them; a negative value
    there means "invalid" (NUT's SU_FLAG_NEGINVALID) and the whole-unit object is used instead.
    """
    status = _status(values, "upsBasicOutputStatus")
    battery = _int(values.get("upsBasicBatteryStatus"))
    flags = set(APC_OUTPUT_STATUS_FLAGS.get(status, ()) if status is not None else ())
    flags.update(APC_BATTERY_STATUS_FLAGS.get(battery, ()) if battery is not None else ())
    if _int(values.get("upsAdvBatteryReplaceIndicator")) == _APC_REPLACE_BATTERY:
        flags.add("RB")
    if _int(values.get("upsAdvTestCalibrationResults")) == _APC_CALIBRATING:
        flags.add("CAL")
    alarm = _APC_BATTERY_ALARM.get(battery, "") if battery is not None else ""
    if alarm:
        flags.add("ALARM")
    return PowerReading(
        flags=frozenset(flags),
        battery_charge_ratio=_first(
            _percent(values.get("upsHighPrecBatteryCapacity"), 10, 100),
            _percent(values.get("upsAdvBatteryCapacity"), 1, 100),
        ),
        battery_runtime_seconds=_timeticks_seconds(values.get("upsAdvBatteryRunTimeRemaining")),
        input_voltage_volts=_first(
            _scaled(values.get("upsHighPrecInputLineVoltage"), 10),
            _scaled(values.get("upsAdvInputLineVoltage"), 1),
        ),
        load_ratio=_first(
            _percent(values.get("upsHighPrecOutputLoad"), 10, None),
            _percent(values.get("upsAdvOutputLoad"), 1, None),
        ),
        manufacturer="APC",  # PowerNet has no manufacturer object: enterprise 318 is APC
        model=_text(values.get("upsBasicIdentModel")),
        serial=_text(values.get("upsAdvIdentSerialNumber")),
        alarm=alarm,
        raw=_raw(values),
    )


@dataclass(frozen=True)
class Mib:
    """One MIB the probe can read: its objects (one GET), the object that says the card speaks
    it, and the mapping."""

    name: MibName
    objects: Mapping[str, str]
    status_object: str
    to_reading: Callable[[Mapping[str, Value]], PowerReading]

    def answered(self, values: Mapping[str, Value]) -> bool:
        """The card has this MIB's status object (``mib: auto`` picks the MIB on it)."""
        return values.get(self.status_object) is not None


UPS_MIB = Mib("ups-mib", UPS_MIB_OBJECTS, "upsOutputSource", ups_mib_reading)
POWERNET = Mib("powernet", POWERNET_OBJECTS, "upsBasicOutputStatus", powernet_reading)
MIBS: dict[MibName, Mib] = {"ups-mib": UPS_MIB, "powernet": POWERNET}


# --- value helpers --------------------------------------------------------------------------------
def _status(values: Mapping[str, Value], name: str) -> int | None:
    """The object that decides OL/OB: absent is None, but a string there is a broken device."""
    value = values.get(name)
    if value is None or isinstance(value, int):
        return value
    raise MibValueError(f"{name} is {value!r}, not an integer")


def _int(value: Value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _scaled(value: Value, divisor: int) -> float | None:
    """A non-negative measurement in 1/divisor units; negative means invalid."""
    number = _int(value)
    return None if number is None or number < 0 else number / divisor


def _percent(value: Value, divisor: int, maximum: int | None) -> float | None:
    """A percentage (in 1/divisor percent) as a ratio; out of range is unknown, not clamped."""
    percent = _scaled(value, divisor)
    if percent is None or (maximum is not None and percent > maximum):
        return None
    return percent / 100.0


def _timeticks_seconds(value: Value) -> float | None:
    ticks = _int(value)
    if ticks is None or ticks < 0 or ticks == _TIMETICKS_UNSUPPORTED:
        return None
    return ticks / 100.0


def _first(*candidates: float | None) -> float | None:
    return next((c for c in candidates if c is not None), None)


def _text(value: Value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _raw(values: Mapping[str, Value]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items() if value is not None}
