"""The shape every power source reports in: NUT's status flags plus a few numbers.

NUT's ``ups.status`` flags are the common language (networkupstools docs, "new-drivers":
status data).  The SNMP probe maps UPS-MIB and PowerNet-MIB values onto them and the battery
probe maps the Linux power_supply class onto them, so the tracker, the metrics and the status
page have one vocabulary.  ``None`` everywhere means "the source does not say": unknown is shown
as absent, never as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Flags NUT documents for ups.status; each is exported as its own 0/1 series while the source
# answers.  A flag outside this list is kept as it is (exported once seen), never dropped.
KNOWN_FLAGS: tuple[str, ...] = (
    "OL",  # on line (mains present)
    "OB",  # on battery
    "LB",  # low battery
    "HB",  # high battery
    "RB",  # battery needs replacing
    "CHRG",  # charging
    "DISCHRG",  # discharging
    "BYPASS",  # on bypass: mains feeds the load unprotected
    "CAL",  # runtime calibration
    "OFF",  # output off
    "OVER",  # overloaded
    "TRIM",  # trimming a high input voltage
    "BOOST",  # boosting a low input voltage
    "FSD",  # forced shutdown: upsmon told the load to shut down
    "ALARM",  # an alarm is active (ups.alarm says which)
    "TEST",  # battery test running
    "ECO",  # economy / high-efficiency mode
)


def parse_status(text: str) -> frozenset[str]:
    """``"OL CHRG"`` → ``{"OL", "CHRG"}``; any run of whitespace separates flags, case is kept
    upper (drivers write upper case; a lower-case flag is the same flag)."""
    return frozenset(part.upper() for part in text.split())


@dataclass(frozen=True)
class PowerReading:
    """What one power source said in one poll."""

    flags: frozenset[str] = frozenset()
    battery_charge_ratio: float | None = None  # 0..1
    battery_runtime_seconds: float | None = None
    input_voltage_volts: float | None = None
    load_ratio: float | None = None  # output load, share of the rated load (may exceed 1)
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    alarm: str = ""  # ups.alarm text when the source gives one
    # variables as the device gave them (NUT names, or the SNMP object names): for --debug only
    raw: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def mains_present(self) -> bool | None:
        """True on line, False on battery, None when the source says neither (or both)."""
        online, on_battery = "OL" in self.flags, "OB" in self.flags
        if online == on_battery:
            return None
        return online

    @property
    def on_battery(self) -> bool | None:
        present = self.mains_present
        return None if present is None else not present

    @property
    def battery_low(self) -> bool:
        return "LB" in self.flags

    @property
    def bypass(self) -> bool:
        return "BYPASS" in self.flags

    @property
    def forced_shutdown(self) -> bool:
        return "FSD" in self.flags

    @property
    def output_off(self) -> bool:
        return "OFF" in self.flags
