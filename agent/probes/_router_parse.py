"""Readers of what a router prints to its fixed read-only commands (agent/probes/router.py).

Each reader takes one command's output and returns a :class:`Reading`: the interfaces it saw,
with whatever that command tells of them (admin and operational state, addresses, error
counters), and the uptime when the command gives it.  :func:`merge` folds the readings of a
profile's commands into one :class:`RouterFacts`.  The profiles (router_profiles.yaml) name a
reader per command by its key in :data:`READERS`.

A reader that recognises nothing in its output raises :class:`UnreadableOutput`: a router that
answered with an error message, a login banner or another device's syntax is not a router whose
interfaces are all down.  Readers are linear in their input (no backtracking regular expression
over a whole line), so a hostile or huge answer costs only its length.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sansang.errors import SansangError


class UnreadableOutput(SansangError):
    """A command's output is not what its reader expects."""


@dataclass(frozen=True)
class Interface:
    """One interface as the router describes it; None: this command did not say."""

    name: str
    admin_up: bool | None = None
    oper_up: bool | None = None
    addresses: tuple[str, ...] = ()
    rx_errors: int | None = None
    tx_errors: int | None = None


@dataclass(frozen=True)
class Reading:
    """What one command said."""

    interfaces: tuple[Interface, ...] = ()
    uptime_seconds: float | None = None


@dataclass(frozen=True)
class RouterFacts:
    """What the router said, all commands together; interfaces in the order first seen."""

    interfaces: dict[str, Interface] = field(default_factory=dict)
    uptime_seconds: float | None = None


def merge(readings: Iterable[Reading]) -> RouterFacts:
    """Fold readings: a field one command left unsaid is taken from another; addresses add up."""
    interfaces: dict[str, Interface] = {}
    uptime: float | None = None
    for reading in readings:
        uptime = reading.uptime_seconds if reading.uptime_seconds is not None else uptime
        for new in reading.interfaces:
            old = interfaces.get(new.name)
            interfaces[new.name] = new if old is None else _fold(old, new)
    return RouterFacts(interfaces, uptime)


def _fold(old: Interface, new: Interface) -> Interface:
    return replace(
        old,
        admin_up=new.admin_up if new.admin_up is not None else old.admin_up,
        oper_up=new.oper_up if new.oper_up is not None else old.oper_up,
        addresses=tuple(dict.fromkeys(old.addresses + new.addresses)),
        rx_errors=new.rx_errors if new.rx_errors is not None else old.rx_errors,
        tx_errors=new.tx_errors if new.tx_errors is not None else old.tx_errors,
    )


def _usable(address: str) -> str | None:
    """An address that can carry the centre's traffic (not loopback, not link-local)."""
    try:
        ip = ipaddress.ip_interface(address).ip
    except ValueError:
        return None
    return None if ip.is_loopback or ip.is_link_local or ip.is_unspecified else address


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


# --- Linux (OpenWrt): iproute2 JSON, /proc/uptime, netifd over ubus ----------------------------


def _json(text: str, kind: type) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise UnreadableOutput(f"not JSON ({err.msg} at {err.pos})") from None
    except (ValueError, RecursionError):  # a number too long, nesting too deep
        raise UnreadableOutput("not JSON") from None
    if not isinstance(value, kind):
        raise UnreadableOutput(f"JSON {type(value).__name__}, not {kind.__name__}")
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def ip_link_json(text: str) -> Reading:
    """``ip -j -s link``: admin state (flag ``UP``), operational state, error counters.  A PPP
    or tunnel device says ``UNKNOWN``; with ``LOWER_UP`` it carries traffic."""
    out = []
    for link in _json(text, list):
        if not isinstance(link, dict) or not isinstance(link.get("ifname"), str):
            continue
        flags = _list(link.get("flags"))
        state = link.get("operstate")
        oper = state == "UP" or (state == "UNKNOWN" and "LOWER_UP" in flags)
        stats = link.get("stats64") or link.get("stats") or {}
        rx = stats.get("rx", {}) if isinstance(stats, dict) else {}
        tx = stats.get("tx", {}) if isinstance(stats, dict) else {}
        out.append(
            Interface(
                link["ifname"],
                admin_up="UP" in flags,
                oper_up=oper,
                rx_errors=_count(rx.get("errors")) if isinstance(rx, dict) else None,
                tx_errors=_count(tx.get("errors")) if isinstance(tx, dict) else None,
            )
        )
    if not out:
        raise UnreadableOutput("no interface in the list")
    return Reading(tuple(out))


def ip_addr_json(text: str) -> Reading:
    """``ip -j addr``: the global addresses of each interface."""
    out = []
    for link in _json(text, list):
        if not isinstance(link, dict) or not isinstance(link.get("ifname"), str):
            continue
        infos = _list(link.get("addr_info"))
        addresses = [
            a
            for info in infos
            if isinstance(info, dict) and info.get("scope") == "global"
            if (a := _usable(f"{info.get('local')}/{info.get('prefixlen')}")) is not None
        ]
        out.append(Interface(link["ifname"], addresses=tuple(addresses)))
    if not out:
        raise UnreadableOutput("no interface in the list")
    return Reading(tuple(out))


def proc_uptime(text: str) -> Reading:
    """``cat /proc/uptime``: seconds since boot, then idle time."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    try:
        seconds = float(first)
    except ValueError:
        raise UnreadableOutput("not /proc/uptime") from None
    if not 0 <= seconds < 1e10:
        raise UnreadableOutput("uptime out of range")
    return Reading(uptime_seconds=seconds)


def ubus_interface(text: str, name: str) -> Reading:
    """``ubus call network.interface.<name> status`` (netifd): the logical interface ``name``,
    up or not, and its IPv4/IPv6 addresses."""
    status = _json(text, dict)
    if not isinstance(status.get("up"), bool):
        raise UnreadableOutput("no 'up' in the interface status")
    addresses = []
    for key in ("ipv4-address", "ipv6-address"):
        for entry in _list(status.get(key)):
            if isinstance(entry, dict):
                usable = _usable(f"{entry.get('address')}/{entry.get('mask')}")
                if usable is not None:
                    addresses.append(usable)
    return Reading((Interface(name, oper_up=status["up"], addresses=tuple(addresses)),))


# --- MikroTik RouterOS ------------------------------------------------------------------------

_TERSE_HEAD = re.compile(r"\s*(\d+)\s([A-Z ]*)")  # " 7  RS name=...": index, flags
_TERSE_KEY = re.compile(r"[a-z][\w-]*")
_LINE_MAX = 4096  # longer lines are no line of these commands (and are skipped unread)


def _lines(text: str) -> Iterable[str]:
    return (line for line in text.splitlines() if len(line) <= _LINE_MAX)


def _terse(text: str) -> Iterable[tuple[str, dict[str, str]]]:
    """``print terse`` lines: (flags, key=value pairs).  A value may hold spaces (a date and a
    time): a word without ``=`` belongs to the value before it."""
    for line in _lines(text):
        head = _TERSE_HEAD.match(line)
        if head is None or _TERSE_KEY.match(line, head.end()) is None:
            continue
        pairs: dict[str, str] = {}
        key = ""
        for word in line[head.end() :].split():
            name, eq, value = word.partition("=")
            if eq and _TERSE_KEY.fullmatch(name):
                key, pairs[name] = name, value
            elif key:
                pairs[key] += " " + word
        yield head.group(2), pairs


def routeros_interfaces(text: str) -> Reading:
    """``/interface print terse``: flag ``X`` disabled (admin down), ``R`` running (up)."""
    out = []
    for flags, pairs in _terse(text):
        if "name" not in pairs:
            continue
        out.append(
            Interface(
                pairs["name"],
                admin_up="X" not in flags,
                oper_up="R" in flags,
                rx_errors=_int(pairs.get("rx-error")),
                tx_errors=_int(pairs.get("tx-error")),
            )
        )
    if not out:
        raise UnreadableOutput("no interface line (' 0  R name=ether1 ...')")
    return Reading(tuple(out))


def routeros_addresses(text: str) -> Reading:
    """``/ip address print terse``: enabled, valid addresses by interface."""
    by_interface: dict[str, list[str]] = {}
    seen = False
    for flags, pairs in _terse(text):
        if "address" not in pairs or "interface" not in pairs:
            continue
        seen = True
        if "X" in flags or "I" in flags:
            continue  # disabled, or invalid (its interface is gone)
        usable = _usable(pairs["address"])
        if usable is not None:
            by_interface.setdefault(pairs["interface"], []).append(usable)
    if not seen and text.strip():
        raise UnreadableOutput("no address line (' 0   address=192.0.2.2/24 ...')")
    return Reading(tuple(Interface(n, addresses=tuple(a)) for n, a in by_interface.items()))


_ROUTEROS_UPTIME = re.compile(r"\s*uptime:\s*(\S+)\s*$")
_ROUTEROS_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def routeros_resource(text: str) -> Reading:
    """``/system resource print``: ``uptime: 6w5d11h55m45s``."""
    match = next(filter(None, map(_ROUTEROS_UPTIME.match, _lines(text))), None)
    if match is None:
        raise UnreadableOutput("no 'uptime:' line")
    parts = re.findall(r"(\d+)([wdhms])", match.group(1))
    if not parts or "".join(n + u for n, u in parts) != match.group(1):
        raise UnreadableOutput(f"uptime '{match.group(1)[:40]}' not in RouterOS form")
    return Reading(uptime_seconds=float(sum(int(n) * _ROUTEROS_UNITS[u] for n, u in parts)))


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


# --- Cisco IOS --------------------------------------------------------------------------------

_IOS_HEAD = re.compile(
    r"^(\S+) is (up|down|administratively down|deleted), line protocol is (up|down)"
)


def ios_interfaces(text: str) -> Reading:
    """``show interfaces``: states, ``Internet address is``, input and output errors."""
    out: list[Interface] = []
    for line in _lines(text):
        head = _IOS_HEAD.match(line)
        if head is not None:
            admin = head.group(2) not in ("administratively down", "deleted")
            out.append(Interface(head.group(1), admin_up=admin, oper_up=head.group(3) == "up"))
        elif out:
            out[-1] = _ios_detail(out[-1], line.strip())
    if not out:
        raise UnreadableOutput("no 'X is up, line protocol is up' line")
    return Reading(tuple(out))


def _ios_detail(interface: Interface, line: str) -> Interface:
    if line.startswith("Internet address is "):
        usable = _usable(line.removeprefix("Internet address is ").split()[0])
        if usable is not None:
            return replace(interface, addresses=(*interface.addresses, usable))
    elif (match := re.match(r"(\d+) input errors", line)) is not None:
        return replace(interface, rx_errors=int(match.group(1)))
    elif (match := re.match(r"(\d+) output errors", line)) is not None:
        return replace(interface, tx_errors=int(match.group(1)))
    return interface


_IOS_BRIEF = re.compile(
    r"^(\S+)\s+(\S+)\s+(?:YES|NO)\s+\S+\s+(up|down|administratively down|deleted)\s+(up|down)\s*$"
)


def ios_ip_brief(text: str) -> Reading:
    """``show ip interface brief``: states and the one primary address (``unassigned``: none)."""
    out = []
    for line in _lines(text):
        match = _IOS_BRIEF.match(line)
        if match is None:
            continue
        name, address, status, protocol = match.groups()
        # The brief table has no prefix length: /32 says "an address" without guessing one.
        usable = _usable(f"{address}/32") if address != "unassigned" else None
        out.append(
            Interface(
                name,
                admin_up=status not in ("administratively down", "deleted"),
                oper_up=protocol == "up",
                addresses=(usable,) if usable else (),
            )
        )
    if not out:
        raise UnreadableOutput("no interface row under 'Interface IP-Address OK? Method ...'")
    return Reading(tuple(out))


_IOS_UPTIME = re.compile(r"\S+ uptime is (.+)$")
_IOS_UNITS = {"year": 31536000, "week": 604800, "day": 86400, "hour": 3600, "minute": 60}


def ios_version(text: str) -> Reading:
    """``show version``: ``<host> uptime is 28 weeks, 1 day, 7 hours, 54 minutes``."""
    match = next(filter(None, map(_IOS_UPTIME.match, _lines(text))), None)
    if match is None:
        raise UnreadableOutput("no '<host> uptime is ...' line")
    seconds = 0
    for number, unit in re.findall(r"(\d+) (year|week|day|hour|minute|second)s?", match.group(1)):
        seconds += int(number) * _IOS_UNITS.get(unit, 1)
    return Reading(uptime_seconds=float(seconds))


_PLAIN: dict[str, Callable[[str], Reading]] = {
    "ip_link_json": ip_link_json,
    "ip_addr_json": ip_addr_json,
    "proc_uptime": proc_uptime,
    "routeros_interfaces": routeros_interfaces,
    "routeros_addresses": routeros_addresses,
    "routeros_resource": routeros_resource,
    "ios_interfaces": ios_interfaces,
    "ios_ip_brief": ios_ip_brief,
    "ios_version": ios_version,
}
# Readers that also take the name of what they read (the profile's ``subject``).
_NAMED: dict[str, Callable[[str, str], Reading]] = {"ubus_interface": ubus_interface}
READERS: frozenset[str] = frozenset(_PLAIN) | frozenset(_NAMED)


def read(reader: str, text: str, subject: str | None = None) -> Reading:
    """What ``text`` says, read by the reader named ``reader``; raises UnreadableOutput."""
    if reader in _NAMED:
        if subject is None:
            raise ValueError(f"reader '{reader}' needs a subject")
        return _NAMED[reader](text, subject)
    return _PLAIN[reader](text)
