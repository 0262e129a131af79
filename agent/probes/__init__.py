"""Probe kinds, one module each, registered in one dict.

Adding a probe: write ``agent/probes/<kind>.py`` with a spec model, ``run`` and ``from_target``,
export ``KIND``, and add it here.  Its spec then becomes a valid ``check:`` in the config.
"""

from __future__ import annotations

from typing import Any

from agent.probes import dns, host, http, icmp, tcp
from agent.probes.base import ProbeKind

PROBES: dict[str, ProbeKind[Any]] = {
    host.KIND.name: host.KIND,
    tcp.KIND.name: tcp.KIND,
    icmp.KIND.name: icmp.KIND,
    http.KIND.name: http.KIND,
    dns.KIND.name: dns.KIND,
}
