"""A printer read through its SNMP agent (Printer MIB, RFC 3805; Host Resources MIB, RFC 2790):
up only while it can print.

A printer out of paper, jammed or with a door open still answers ping, and the counter's citizens
still wait for their papers.  For a ``printer`` terminal with ``snmp:`` the agent asks the
printer itself (:mod:`agent.probes.printer_mib` has the objects and the verdict):

- up/down: down with reason ``printer_error`` while an error stops printing (no paper, jammed,
  door open, offline, no toner, a marker supply missing, every tray empty, hrDeviceStatus down);
  down with the SNMP reason (``timeout``, ``access_denied``, ``unknown_device``...) when the
  agent does not answer as a printer; up otherwise, warnings (low toner, low paper) included;
- ``Outcome.state_details``: ``printer_errors``, the active error codes in bit order
  (``no_paper,jammed``; empty when none), so a new error journals ``terminal_state`` again even
  while the printer stays up or down (agent/state.py), and the collector can say why;
- samples: ``sansang_printer_error`` (1/0 for every error code), ``sansang_printer_supply_ratio``
  and ``sansang_printer_input_ratio`` (only where the printer gives a level and a capacity).

Built by :meth:`agent.config.Terminal.spec` for a ``printer`` terminal with ``snmp:``; never a
``check:`` of its own.  For a technician: ``sansang agent probe printer 10.0.0.40`` (v2c,
community ``public``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from agent.probes.printer_mib import ERROR_CODES, PrinterMibError, PrinterState, Verdict, assess
from agent.probes.snmp_access import SNMP_PORT, SnmpAccess

ERRORS_DETAIL = "printer_errors"  # the state_details key (TerminalDetails.printer_errors)


class PrinterSpec(ProbeSpec):
    """A printer's SNMP agent."""

    probe: Literal["printer"] = Field(default="printer", description="`printer`")
    host: str = Field(min_length=1, description="the printer's host name or address")
    snmp: SnmpAccess = Field(
        default_factory=SnmpAccess, description="port and credentials of its SNMP agent"
    )


async def run(spec: PrinterSpec, ctx: ProbeContext) -> Outcome:
    from agent.power.snmp import client  # imported here: keeps pysnmp out of agents without SNMP
    from agent.probes import printer_snmp

    try:
        state = await client.exchange(
            spec.snmp.snmp_target(spec.host), ctx.timeout, ctx.logger, printer_snmp.read
        )
    except client.SnmpFailure as failure:
        return Outcome.down(failure.reason, failure.detail)
    try:
        return outcome(state)
    except PrinterMibError as err:
        return Outcome.down("protocol_error", str(err))


def outcome(state: PrinterState) -> Outcome:
    """The outcome of one answer (pure: the unit tests call it on fixtures)."""
    verdict = assess(state)
    details: dict[str, str | int | bool] = {ERRORS_DETAIL: ",".join(verdict.errors)}
    detail = _detail(verdict)
    if verdict.up:
        return Outcome(True, detail=detail, samples=samples(state, verdict), state_details=details)
    return Outcome(False, "printer_error", detail, samples(state, verdict), state_details=details)


def _detail(verdict: Verdict) -> str:
    """Codes first (the status page and the collector word them), then what the MIB said."""
    parts = []
    if verdict.stopping:
        parts.append(", ".join(verdict.stopping))
    if verdict.warnings:
        parts.append("warning: " + ", ".join(verdict.warnings))
    if parts:
        parts += verdict.notes
    return "; ".join(parts)


def samples(state: PrinterState, verdict: Verdict) -> list[Sample]:
    """Every error code as 1/0, and the supplies' and trays' fill ratios where known."""
    out = [
        Sample("sansang_printer_error", 1.0 if code in verdict.errors else 0.0, {"error": code})
        for code in ERROR_CODES
    ]
    seen: set[str] = set()
    for supply in state.supplies:
        label = _unique(supply.label, supply.index, seen)
        if supply.ratio is not None:
            out.append(Sample("sansang_printer_supply_ratio", supply.ratio, {"supply": label}))
    seen.clear()
    for tray in state.trays:
        label = _unique(tray.label, tray.index, seen)
        if tray.ratio is not None:
            out.append(Sample("sansang_printer_input_ratio", tray.ratio, {"tray": label}))
    return out


def _unique(label: str, index: str, seen: set[str]) -> str:
    """Two supplies with one description (two identical toners) get their index added."""
    if label in seen:
        label = f"{label} ({index})"
    seen.add(label)
    return label


def from_target(target: str) -> PrinterSpec:
    """``HOST[:PORT]`` with community ``public`` (v2c); other settings need a config file."""
    host, colon, port = target.rpartition(":")
    if not colon or not port.isdigit():
        host, port = target, ""
    return PrinterSpec(host=host, snmp=SnmpAccess(port=int(port) if port else SNMP_PORT))


KIND = ProbeKind(
    "printer",
    PrinterSpec,
    run,
    from_target,
    "a printer over SNMP (Printer MIB): paper, jams, doors, toner (HOST[:PORT], v2c public)",
    category="terminal",
)
