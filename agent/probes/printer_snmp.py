"""The SNMP side of the ``printer`` probe: which questions to ask a printer's agent, and its answers
turned into a :class:`agent.probes.printer_mib.PrinterState`.

Imported by the probe on its first run (it loads pysnmp), never at the agent's start.  The
questions go through :func:`agent.power.snmp.client.exchange`, the client the UPS cards use, so a
printer's credentials, timeouts and failures behave as a UPS card's.  Tables are read with
GETNEXT, column by column in one request per row (a printer has a handful of supplies and trays):
GETBULK would save a few round trips at the price of answers cut by the agent's PDU size.
"""

from __future__ import annotations

from typing import Any

from pyasn1.type import univ  # type: ignore[import-untyped]
from pysnmp.proto.rfc1905 import (  # type: ignore[import-untyped]
    EndOfMibView,
    NoSuchInstance,
    NoSuchObject,
)

from agent.power.snmp.client import Requester, SnmpFailure
from agent.probes import printer_mib as mib

MAX_ROWS = 64  # a table longer than this is not a printer's supplies or trays: stop there
Value = int | str | bytes | None


async def read(ask: Requester) -> mib.PrinterState:
    """The first printer of the agent's ``hrPrinterTable`` with its supplies and trays."""
    printers = await walk(ask, [mib.HR_PRINTER_STATUS, mib.HR_PRINTER_ERRORS], max_rows=8)
    rows = sorted({row for column in printers.values() for row in column if row.isdigit()}, key=int)
    if not rows:
        raise SnmpFailure(
            "unknown_device", "the agent has no hrPrinterTable (RFC 2790): not a printer"
        )
    row = rows[0]
    index = int(row)
    oids = [mib.SYS_OBJECT_ID, f"{mib.HR_DEVICE_STATUS}.{row}", f"{mib.HR_DEVICE_DESCR}.{row}"]
    varbinds = await ask.get(oids)
    if [oid for oid, _ in varbinds] != oids:
        raise SnmpFailure("protocol_error", "the answer's OIDs do not match the GET")
    sys_object_id, device_status, description = (value_of(v) for _, v in varbinds)
    tables = await walk(ask, [*mib.SUPPLY_COLUMNS, *mib.INPUT_COLUMNS])
    error_bits = printers[mib.HR_PRINTER_ERRORS].get(row)
    if isinstance(error_bits, str):  # an agent that typed it as a display string
        error_bits = error_bits.encode("latin-1", "replace")
    return mib.PrinterState(
        device_index=index,
        device_status=_int(device_status),
        printer_status=_int(printers[mib.HR_PRINTER_STATUS].get(row)),
        error_bits=error_bits if isinstance(error_bits, bytes) else None,
        description=_text(description),
        sys_object_id=_text(sys_object_id),
        supplies=mib.supplies(tables, index),
        trays=mib.trays(tables, index),
    )


async def walk(
    ask: Requester, columns: list[str], max_rows: int = MAX_ROWS
) -> dict[str, dict[str, Value]]:
    """Every row of ``columns`` (one GETNEXT per row, all columns at once): per column, the row
    index after the column's OID -> value."""
    result: dict[str, dict[str, Value]] = {column: {} for column in columns}
    current = {column: column for column in columns}
    for _ in range(max_rows + 1):
        if not current:
            return result
        asked = list(current)
        varbinds = await ask.next([current[column] for column in asked])
        if len(varbinds) != len(asked):
            raise SnmpFailure("protocol_error", "the GETNEXT answer has the wrong length")
        for column, (oid, value) in zip(asked, varbinds, strict=True):
            if isinstance(value, EndOfMibView) or not oid.startswith(column + "."):
                del current[column]  # past the column's end
                continue
            if _numeric(oid) <= _numeric(current[column]):
                raise SnmpFailure("protocol_error", f"the agent's GETNEXT went back to {oid}")
            result[column][oid[len(column) + 1 :]] = value_of(value)
            current[column] = oid
    return result  # more rows than max_rows: the rest is not read


def value_of(value: Any) -> Value:
    """pysnmp values → int / bytes / str / None; an OCTET STRING stays bytes (a bit field is
    one), an OBJECT IDENTIFIER becomes its dotted string."""
    if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView | univ.Null):
        return None
    if isinstance(value, univ.Integer):
        return int(value)
    if isinstance(value, univ.OctetString):
        return bytes(value)
    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(str(part) for part in value)
    return str(value.prettyPrint())


def _numeric(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.split(".") if part.isdigit())


def _int(value: Value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value.strip() if isinstance(value, str) else ""
