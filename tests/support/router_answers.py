"""A router's answers to its profile's commands, from the recordings in
tests/unit/fixtures/routers/ (whose README says where each comes from), for three states of the
WAN interface: ``up``, ``wan_down`` and ``no_address``.

Where a state has no recording of its own, it is derived here from a recorded one by changing
only the WAN interface's lines (IOS), so everything else a router prints stays real.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "routers"
SCENARIOS = ("up", "wan_down", "no_address")

# The WAN interface of each profile's recordings (the terminal's `ssh.wan_interface`).
WAN = {"openwrt": "wan", "routeros": "ether1", "ios": "FastEthernet0/1/0.50"}


def _text(path: str) -> str:
    return (FIXTURES / path).read_text(encoding="utf-8")


def answers(profile: str, scenario: str) -> dict[str, str]:
    """Command line → what the router prints, for ``profile`` with its WAN in ``scenario``."""
    if scenario not in SCENARIOS:
        raise ValueError(scenario)
    return {"openwrt": _openwrt, "routeros": _routeros, "ios": _ios}[profile](scenario)


def _openwrt(scenario: str) -> dict[str, str]:
    name = {"up": "up", "wan_down": "wandown", "no_address": "noaddr"}[scenario]
    ubus = {"up": "up", "wan_down": "down", "no_address": "noaddr"}[scenario]
    return {
        "ip -j -s link": _text(f"openwrt/ip-link-{name}.json"),
        "ip -j addr": _text(f"openwrt/ip-addr-{name}.json"),
        "cat /proc/uptime": _text("openwrt/proc-uptime.txt"),
        "ubus call network.interface.wan status": _text(f"openwrt/ubus-wan-{ubus}.json"),
    }


def _routeros(scenario: str) -> dict[str, str]:
    interfaces = "wandown" if scenario == "wan_down" else "up"
    addresses = "up" if scenario == "up" else "nowan"
    return {
        "/interface print terse": _text(f"routeros/interface-terse-{interfaces}.txt"),
        "/ip address print terse": _text(f"routeros/ip-address-terse-{addresses}.txt"),
        "/system resource print": _text("routeros/system-resource-print.ntc1.raw"),
    }


def _ios(scenario: str) -> dict[str, str]:
    interfaces = _text("ios/show-interfaces.ntc3.raw")
    brief = _text("ios/show-ip-interface-brief.ntc3.txt")
    if scenario == "wan_down":
        for name in ("FastEthernet0/1/0", "FastEthernet0/1/0.50"):
            interfaces = _swap(
                interfaces,
                f"{name} is up, line protocol is up",
                f"{name} is down, line protocol is down",
            )
        brief = _swap(
            brief,
            "FastEthernet0/1/0.50       192.20.194.29   YES NVRAM  up                    up",
            "FastEthernet0/1/0.50       192.20.194.29   YES NVRAM  down                  down",
        )
    elif scenario == "no_address":
        interfaces = _swap(interfaces, "  Internet address is 192.20.194.29/30\n", "")
        brief = _swap(
            brief,
            "FastEthernet0/1/0.50       192.20.194.29   YES NVRAM",
            "FastEthernet0/1/0.50       unassigned      YES unset",
        )
    return {
        "terminal length 0": "",
        "show interfaces": interfaces,
        "show ip interface brief": brief,
        "show version": _text("ios/show-version.ntc1.raw"),
    }


def _swap(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise AssertionError(f"the recording changed: {old!r} found {text.count(old)} times")
    return text.replace(old, new)
