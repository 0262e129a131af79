"""Probe kinds, one module each, registered in one dict.

Adding a probe: write ``agent/probes/<kind>.py`` with a spec model, ``run`` and ``from_target``,
export ``KIND``, and add it here.  Its spec then becomes a valid ``check:`` in the config
(``category="network"``) or a valid ``source:`` of ``power.sources`` (``category="power"``);
``category="quality"`` is the loss/latency/jitter rounds that ``agent/jobs.py`` builds from
``quality.targets``; ``category="terminal"`` a probe the config builds from a terminal's own fields
(``conference``: a video-conference endpoint with ``signalling``; ``printer``: a printer with
``snmp:``; ``router``: a router with ``ssh:``); ``category="security"`` the
checks of ``security.hosts`` (a machine's security measures over SSH).
"""

from __future__ import annotations

from typing import Any

from agent.probes import (
    battery,
    conference,
    dns,
    host,
    http,
    icmp,
    nut,
    printer,
    quality,
    router,
    security,
    snmp_ups,
    tcp,
)
from agent.probes.base import ProbeKind

PROBES: dict[str, ProbeKind[Any]] = {
    host.KIND.name: host.KIND,
    tcp.KIND.name: tcp.KIND,
    icmp.KIND.name: icmp.KIND,
    http.KIND.name: http.KIND,
    dns.KIND.name: dns.KIND,
    nut.KIND.name: nut.KIND,
    snmp_ups.KIND.name: snmp_ups.KIND,
    battery.KIND.name: battery.KIND,
    quality.KIND.name: quality.KIND,
    conference.KIND.name: conference.KIND,
    printer.KIND.name: printer.KIND,
    router.KIND.name: router.KIND,
    security.KIND.name: security.KIND,
}
