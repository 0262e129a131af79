"""The box's own battery and mains adapter (a laptop or mini PC), from Linux's power_supply class.

STUB: being written (issue 3).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec

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


async def run(spec: BatterySpec, ctx: ProbeContext) -> Outcome:
    raise NotImplementedError


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
