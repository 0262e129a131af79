"""What a printer's SNMP agent says, and whether it can print: the Host Resources MIB (RFC 2790)
and the Printer MIB (RFC 3805) read as plain values.

A printer that answers ping may still be unable to print (out of paper, jammed, a door open), so
the ``printer`` probe (``agent/probes/printer.py``) reads:

- ``hrDeviceStatus`` and ``hrPrinterStatus`` of the printer's row in ``hrDeviceTable``;
- ``hrPrinterDetectedErrorState``: an OCTET STRING used as a bit field, bit 0 being the MOST
  significant bit of the first octet (RFC 2790's "bit 0 ... in the first octet's high-order
  bit"); an agent may send fewer octets than it has bits (a one-octet string carries bits 0-7,
  the rest are then clear) and later revisions of the MIB add bits past 14, which are ignored;
- ``prtMarkerSuppliesTable`` (toner, drums, waste toner): description, class, max capacity and
  level, where a negative level or capacity is a code (-1 other, -2 unknown, -3 "some remaining");
- ``prtInputTable`` (paper trays): name, max capacity and current level, coded the same way.

Pure: the SNMP client hands in decoded values (``int``, ``bytes`` for the bit field, ``str``),
and the verdict is a function of them, so every rule here is tested on fixtures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sansang.errors import SansangError

# --- OIDs -----------------------------------------------------------------------------------------
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
HR_DEVICE_DESCR = "1.3.6.1.2.1.25.3.2.1.3"  # .hrDeviceIndex
HR_DEVICE_STATUS = "1.3.6.1.2.1.25.3.2.1.5"  # .hrDeviceIndex
HR_PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1"  # .hrDeviceIndex (hrPrinterTable: printers only)
HR_PRINTER_ERRORS = "1.3.6.1.2.1.25.3.5.1.2"  # .hrDeviceIndex
_SUPPLIES = "1.3.6.1.2.1.43.11.1.1"  # prtMarkerSuppliesEntry .column.hrDeviceIndex.index
SUPPLY_CLASS = f"{_SUPPLIES}.4"
SUPPLY_DESCRIPTION = f"{_SUPPLIES}.6"
SUPPLY_MAX_CAPACITY = f"{_SUPPLIES}.8"
SUPPLY_LEVEL = f"{_SUPPLIES}.9"
_INPUT = "1.3.6.1.2.1.43.8.2.1"  # prtInputEntry .column.hrDeviceIndex.index
INPUT_MAX_CAPACITY = f"{_INPUT}.9"
INPUT_CURRENT_LEVEL = f"{_INPUT}.10"
INPUT_NAME = f"{_INPUT}.13"

SUPPLY_COLUMNS = (SUPPLY_CLASS, SUPPLY_DESCRIPTION, SUPPLY_MAX_CAPACITY, SUPPLY_LEVEL)
INPUT_COLUMNS = (INPUT_MAX_CAPACITY, INPUT_CURRENT_LEVEL, INPUT_NAME)

# --- hrPrinterDetectedErrorState ------------------------------------------------------------------
# Bit n of RFC 2790 / RFC 3805's PrinterDetectedErrorState, as the agent's error codes.
ERROR_BITS: tuple[str, ...] = (
    "low_paper",  # 0
    "no_paper",  # 1
    "low_toner",  # 2
    "no_toner",  # 3
    "door_open",  # 4
    "jammed",  # 5
    "offline",  # 6
    "service_requested",  # 7
    "input_tray_missing",  # 8
    "output_tray_missing",  # 9
    "marker_supply_missing",  # 10
    "output_near_full",  # 11
    "output_full",  # 12
    "input_tray_empty",  # 13
    "overdue_prevent_maint",  # 14
)
# Not a bit: hrDeviceStatus says down(5) while no bit says why.
DEVICE_DOWN = "device_down"
ERROR_CODES: tuple[str, ...] = (*ERROR_BITS, DEVICE_DOWN)
# Errors that stop a print job: the printer is then down.  input_tray_empty stops it only when
# no tray has paper (one empty tray of two is a warning); the others are warnings.
STOPPING = frozenset(
    {"no_paper", "jammed", "door_open", "offline", "no_toner", "marker_supply_missing", DEVICE_DOWN}
)

# hrDeviceStatus (RFC 2790)
DEVICE_STATUSES = {1: "unknown", 2: "running", 3: "warning", 4: "testing", 5: "down"}
_DEVICE_STATUS_DOWN = 5
# hrPrinterStatus (RFC 2790)
PRINTER_STATUSES = {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"}

# Levels and capacities below 0 are codes (RFC 3805 prtMarkerSuppliesLevel, prtInputCurrentLevel).
LEVEL_OTHER, LEVEL_UNKNOWN, LEVEL_SOME_REMAINING = -1, -2, -3
# prtMarkerSuppliesClass receptacleThatIsFilled(4): a waste-toner box, full is the bad end.
SUPPLY_CLASS_FILLED = 4


class PrinterMibError(SansangError, ValueError):
    """The agent answered an object that decides the verdict with a value of the wrong kind."""


def detected_errors(value: bytes | None) -> tuple[str, ...]:
    """The error codes set in a ``hrPrinterDetectedErrorState`` value, in bit order.

    ``None`` (the agent has no such object) and an empty string mean no error reported; a
    string shorter than two octets carries only its own bits; bits past 14 are unknown to this
    revision and ignored."""
    if value is None:
        return ()
    if not isinstance(value, bytes | bytearray):
        raise PrinterMibError(
            f"hrPrinterDetectedErrorState is {type(value).__name__} {value!r}, not an OCTET STRING"
        )
    found = []
    for bit, code in enumerate(ERROR_BITS):
        octet = bit // 8
        if octet < len(value) and value[octet] & (0x80 >> (bit % 8)):
            found.append(code)
    return tuple(found)


def ratio(level: int | None, capacity: int | None) -> float | None:
    """``level / capacity`` in [0, 1]; ``None`` when either is a code (-1/-2/-3), missing, or the
    capacity is 0 (RFC 3805 allows it for "no restriction"), so unknown is never 0."""
    if level is None or capacity is None or level < 0 or capacity <= 0:
        return None
    return min(level / capacity, 1.0)


@dataclass(frozen=True)
class Supply:
    """One row of ``prtMarkerSuppliesTable``."""

    index: str  # hrDeviceIndex.prtMarkerSuppliesIndex
    description: str
    max_capacity: int | None
    level: int | None
    supply_class: int | None = None

    @property
    def ratio(self) -> float | None:
        return ratio(self.level, self.max_capacity)

    @property
    def some_remaining(self) -> bool:
        return self.level == LEVEL_SOME_REMAINING

    @property
    def label(self) -> str:
        return self.description or f"supply {self.index}"


@dataclass(frozen=True)
class Tray:
    """One row of ``prtInputTable``."""

    index: str  # hrDeviceIndex.prtInputIndex
    name: str
    max_capacity: int | None
    level: int | None

    @property
    def ratio(self) -> float | None:
        return ratio(self.level, self.max_capacity)

    @property
    def has_paper(self) -> bool | None:
        """True with paper (a level above 0, or -3 "at least one sheet"), False when empty,
        None when the tray does not say (-1, -2, missing)."""
        if self.level is None or self.level in (LEVEL_OTHER, LEVEL_UNKNOWN):
            return None
        return self.level > 0 or self.level == LEVEL_SOME_REMAINING

    @property
    def label(self) -> str:
        return self.name or f"tray {self.index}"


@dataclass(frozen=True)
class PrinterState:
    """What the agent answered for one printer (its ``hrDeviceIndex``)."""

    device_index: int
    device_status: int | None = None
    printer_status: int | None = None
    error_bits: bytes | None = None
    description: str = ""
    sys_object_id: str = ""
    supplies: tuple[Supply, ...] = ()
    trays: tuple[Tray, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Can the printer print, and what is wrong with it."""

    up: bool
    errors: tuple[str, ...]  # every active error code, in bit order (DEVICE_DOWN last)
    stopping: tuple[str, ...]  # the errors that make it down
    notes: list[str] = field(default_factory=list)  # technical detail (English, no secret)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(e for e in self.errors if e not in self.stopping)


def assess(state: PrinterState) -> Verdict:
    """The verdict on a printer from its MIB values."""
    errors = list(detected_errors(state.error_bits))
    if state.device_status == _DEVICE_STATUS_DOWN and not any(e in STOPPING for e in errors):
        errors.append(DEVICE_DOWN)
    stopping = [e for e in errors if e in STOPPING]
    if "input_tray_empty" in errors and not _some_tray_has_paper(state.trays):
        stopping.append("input_tray_empty")
    notes = []
    if state.error_bits:
        notes.append(f"hrPrinterDetectedErrorState 0x{bytes(state.error_bits).hex()}")
    if state.device_status is not None:
        notes.append(
            "hrDeviceStatus "
            + DEVICE_STATUSES.get(state.device_status, f"value {state.device_status}")
        )
    notes += [f"{t.label} empty" for t in state.trays if t.has_paper is False]
    ordered = tuple(e for e in ERROR_CODES if e in stopping)
    return Verdict(not ordered, tuple(e for e in ERROR_CODES if e in errors), ordered, notes)


def _some_tray_has_paper(trays: Iterable[Tray]) -> bool:
    return any(t.has_paper for t in trays)


# --- tables from walked columns -------------------------------------------------------------------
Column = dict[str, int | str | bytes | None]  # row index (after the column OID) -> value


def supplies(columns: dict[str, Column], device_index: int) -> tuple[Supply, ...]:
    """``prtMarkerSuppliesTable`` rows of one printer from its walked columns."""
    return tuple(
        Supply(
            index=row,
            description=_text(columns.get(SUPPLY_DESCRIPTION, {}).get(row)),
            max_capacity=_int(columns.get(SUPPLY_MAX_CAPACITY, {}).get(row)),
            level=_int(columns.get(SUPPLY_LEVEL, {}).get(row)),
            supply_class=_int(columns.get(SUPPLY_CLASS, {}).get(row)),
        )
        for row in _rows(columns, SUPPLY_COLUMNS, device_index)
    )


def trays(columns: dict[str, Column], device_index: int) -> tuple[Tray, ...]:
    """``prtInputTable`` rows of one printer from its walked columns."""
    return tuple(
        Tray(
            index=row,
            name=_text(columns.get(INPUT_NAME, {}).get(row)),
            max_capacity=_int(columns.get(INPUT_MAX_CAPACITY, {}).get(row)),
            level=_int(columns.get(INPUT_CURRENT_LEVEL, {}).get(row)),
        )
        for row in _rows(columns, INPUT_COLUMNS, device_index)
    )


def _rows(columns: dict[str, Column], names: Iterable[str], device_index: int) -> list[str]:
    """Row indexes of one printer (``hrDeviceIndex.n``), in numeric order."""
    prefix = f"{device_index}."
    found = {row for name in names for row in columns.get(name, {}) if row.startswith(prefix)}
    return sorted(found, key=lambda row: tuple(int(p) for p in row.split(".") if p.isdigit()))


def _int(value: int | str | bytes | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: int | str | bytes | None) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value.strip().strip("\x00").strip() if isinstance(value, str) else ""
