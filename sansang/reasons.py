"""Why a check failed: one reason code per failure, shared by every probe, the journal's events and
the texts that explain them (``sansang.i18n.REASONS``)."""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "ok",
    "timeout",
    "refused",
    "unreachable",
    "name_not_resolved",
    "tls_error",
    "certificate_invalid",
    "http_status",
    "protocol_error",
    "no_answer",
    "permission_denied",
    "access_denied",  # the device refused our credentials (NUT login, SNMP user or community)
    "driver_not_connected",  # NUT: upsd runs but its driver lost the UPS (USB cable, driver down)
    "data_stale",  # NUT: the driver stopped getting fresh data from the UPS
    "unknown_device",  # NUT: no such UPS on that upsd; SNMP: the agent has no UPS MIB
    "no_device",  # battery: the machine has no battery or mains adapter to read
    "budget_exhausted",  # throughput test skipped: the month's data budget is used up
    # A machine asked over SSH (agent/probes/security.py):
    "auth_failed",  # it refused the agent's key
    "host_key_mismatch",  # its host key differs from the pinned one
    "host_key_unknown",  # it offered a key type nobody pinned
    "command_failed",  # it did not answer the fixed commands
    "key_unreadable",  # the agent cannot read its own private key
    # A printer asked over SNMP (agent/probes/printer.py): it answers but cannot print (no paper,
    # jammed, door open...; the codes are in the event's ``printer_errors``).
    "printer_error",
    # A router asked over SSH (agent/probes/router.py): the WAN interface is missing, disabled or
    # without link; or it is up but has no address (the provider gave none: PPPoE, DHCP).
    "wan_down",
    "no_wan_address",
    # A server that accepts the connection and never sends a byte (a hung speed-test endpoint).
    "endpoint_silent",
    "error",
]


def reason_for_os_error(err: OSError) -> Reason:
    """Translate a socket error into a reason code (once, at the boundary)."""
    import errno
    import socket
    import ssl

    if isinstance(err, ssl.SSLCertVerificationError):
        return "certificate_invalid"
    if isinstance(err, ssl.SSLError):
        return "tls_error"
    if isinstance(err, socket.gaierror):
        return "name_not_resolved"
    if isinstance(err, ConnectionRefusedError) or err.errno == errno.ECONNREFUSED:
        return "refused"
    if isinstance(err, PermissionError):
        return "permission_denied"
    if err.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN):
        return "unreachable"
    if isinstance(err, TimeoutError):
        return "timeout"
    return "error"


def describe(err: BaseException) -> str:
    """A short, single-line description of an error for ``Outcome.detail``."""
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:200]
