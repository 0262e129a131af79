"""The box's own battery and mains adapter (a laptop or mini PC), from Linux's power_supply class.

Read straight from sysfs (``spec.sysfs``, normally ``/sys/class/power_supply``), kernel ABI
``Documentation/ABI/testing/sysfs-class-power``:

- the battery: the first supply whose ``type`` is ``Battery`` and whose ``scope`` is not
  ``Device`` (a wireless mouse's battery is a power_supply too), or ``spec.battery`` by name;
  ``status`` (Charging / Discharging / Full / Not charging / Unknown), ``capacity`` (%),
  ``capacity_level`` (Critical / Low / Normal / High / Full), and for the runtime while
  discharging ``time_to_empty_now``, else ``energy_now`` / ``power_now`` (µWh, µW), else
  ``charge_now`` / ``current_now`` (µAh, µA);
- the adapters: every ``Mains`` or ``USB`` supply (not of a device), with ``online``.

Mapped onto NUT's flags: on mains (an adapter online; or, with no adapter to read, a status other
than Discharging) → ``OL``, plus ``CHRG`` while charging; discharging → ``OB DISCHRG``;
``capacity_level`` Critical/Low or ``capacity`` ≤ 10 % → ``LB``.

Not ``psutil.sensors_battery()``: it reads these same files, but always under the fixed
``/sys/class/power_supply`` (a test cannot point it at a fixture tree), picks the battery by its
name (``BAT*``) rather than its ``type``, looks only at ``AC0``/``AC`` for the adapter (an
``ADP1``, ``ACAD`` or USB-C adapter reads as unknown), and does not say which supply it read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field

from agent.power.reading import PowerReading
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec
from sansang.reasons import describe

POWER_SUPPLY = Path("/sys/class/power_supply")


class BatterySpec(ProbeSpec):
    """This machine's battery and mains adapter (laptop, mini PC with a battery)."""

    probe: Literal["battery"] = Field(default="battery", description="`battery`")
    battery: str | None = Field(
        default=None, description="power_supply name, e.g. `BAT0`; default: the first battery"
    )
    sysfs: Path = Field(
        default=POWER_SUPPLY, description="where the kernel's power_supply class is mounted"
    )


LOW_CAPACITY_PERCENT = 10  # at or below: LB, as a UPS's low-battery warning
_LOW_LEVELS = {"Critical", "Low"}
_ADAPTER_TYPES = {"Mains", "USB"}
# Without an adapter to read: what the battery's status says of mains (Unknown/garbage: nothing).
_MAINS_BY_STATUS = {"Charging": True, "Full": True, "Not charging": True, "Discharging": False}
# What one poll reads of the battery (the adapters: ``type``, ``scope``, ``online`` only).
_BATTERY_FILES = (
    "type",
    "scope",
    "present",
    "status",
    "capacity",
    "capacity_level",
    "time_to_empty_now",
    "energy_now",
    "energy_full",
    "power_now",
    "charge_now",
    "charge_full",
    "current_now",
    "manufacturer",
    "model_name",
    "serial_number",
)


@dataclass
class _Supplies:
    """What the power_supply directory said: the battery's files and the adapters' ``online``."""

    battery: str = ""
    files: dict[str, str] = field(default_factory=dict)
    adapters: dict[str, int | None] = field(default_factory=dict)
    missing: str = ""  # why there is no battery to read


async def run(spec: BatterySpec, ctx: ProbeContext) -> Outcome:
    try:
        async with asyncio.timeout(ctx.timeout):  # an ACPI battery read can stall in firmware
            found = await asyncio.to_thread(_scan, spec.sysfs, spec.battery)
    except TimeoutError:
        return Outcome.down("timeout", f"{spec.sysfs} not read within {ctx.timeout:g}s")
    except OSError as err:
        return Outcome.down("error", f"{spec.sysfs}: {describe(err)}")
    if found.missing:
        return Outcome.down("no_device", found.missing)
    return Outcome(True, reading=battery_reading(found.files, found.adapters))


def battery_reading(files: dict[str, str], adapters: dict[str, int | None]) -> PowerReading:
    """The battery's sysfs values (file name → text) and the adapters' ``online`` → a reading."""
    status = files.get("status", "Unknown")
    capacity = _number(files.get("capacity"))
    if capacity is not None and not 0 <= capacity <= 100:
        capacity = None
    online = [value for value in adapters.values() if value is not None]
    if online:
        mains: bool | None = any(online)
    else:  # no adapter to read: the battery's status says whether it is being drained
        mains = _MAINS_BY_STATUS.get(status)
    flags = set()
    if mains is not None:
        flags.add("OL" if mains else "OB")
    if status == "Charging":
        flags.add("CHRG")
    if status == "Discharging":
        flags.add("DISCHRG")
    if files.get("capacity_level") in _LOW_LEVELS or (
        capacity is not None and capacity <= LOW_CAPACITY_PERCENT
    ):
        flags.add("LB")
    return PowerReading(
        flags=frozenset(flags),
        battery_charge_ratio=None if capacity is None else capacity / 100.0,
        battery_runtime_seconds=_runtime(files) if status == "Discharging" else None,
        manufacturer=files.get("manufacturer", ""),
        model=files.get("model_name", ""),
        serial=files.get("serial_number", ""),
        raw={**files, **{f"{name}/online": str(v) for name, v in adapters.items()}},
    )


def _runtime(files: dict[str, str]) -> float | None:
    """Seconds left: the kernel's own estimate, else energy ÷ power, else charge ÷ current."""
    direct = _number(files.get("time_to_empty_now"))
    if direct is not None and direct > 0:
        return float(direct)
    for stock, rate in (("energy_now", "power_now"), ("charge_now", "current_now")):
        left, drain = _number(files.get(stock)), _number(files.get(rate))
        if left is not None and drain:  # some drivers report the discharge current negative
            return left / abs(drain) * 3600.0
    return None


def _scan(root: Path, wanted: str | None) -> _Supplies:
    """Read the power_supply directory (blocking: runs in a thread)."""
    if not root.is_dir():
        return _Supplies(missing=f"no power_supply class at {root}")
    found = _Supplies()
    for entry in sorted(root.iterdir()):
        kind, scope = _read(entry / "type"), _read(entry / "scope")
        if scope == "Device":
            continue  # a peripheral's battery or charger, not this box's
        if kind in _ADAPTER_TYPES:
            found.adapters[entry.name] = _number(_read(entry / "online"))
        elif kind == "Battery" and not found.battery and wanted in (None, entry.name):
            found.battery = entry.name
            found.files = _read_all(entry)
    if not found.battery:
        found.missing = (
            f"no battery named {wanted} (type Battery) in {root}"
            if wanted
            else f"no battery in {root}: this machine runs on mains only"
        )
    elif found.files.get("present") == "0":
        found.missing = f"{found.battery} is not present (battery removed)"
    return found


def _read_all(directory: Path) -> dict[str, str]:
    files = {}
    for name in _BATTERY_FILES:
        text = _read(directory / name)
        if text is not None:
            files[name] = text
    return files


def _read(path: Path) -> str | None:
    """A sysfs attribute's text, stripped; None when absent or unreadable (some are root-only,
    some drivers answer EIO/ENODATA for a value they do not have)."""
    try:
        return path.read_bytes().decode("utf-8", "replace").strip()
    except OSError:
        return None


def _number(text: str | None) -> int | None:
    """An integer attribute; anything else (garbage, empty, a float) is unknown."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def from_target(target: str) -> BatterySpec:
    """``-`` (the first battery) or a power_supply name such as ``BAT0``."""
    name = target.strip()
    return BatterySpec(battery=None if name in ("", "-") else name)


KIND = ProbeKind(
    "battery",
    BatterySpec,
    run,
    from_target,
    "this machine's battery and mains adapter (target '-' or BAT0)",
    category="power",
)
