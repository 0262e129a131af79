"""Run many ICMP probes at once in this process and print what each one returned, as JSON.

Used by ``test_icmp_fanout.py`` inside a network namespace (as root or as ``nobody``), so the
probes share one process and one event loop, as they do in the agent::

    python -m tests.integration.icmp_fanout --timeout 2 --count 3 10.200.2.1 10.200.3.1 ...

Prints ``{"privileged": bool, "cpu_seconds": float, "wall_seconds": float, "results": {address:
{"success", "reason", "detail", "sent", "received", "took"}}}``.  ``cpu_seconds`` is the process
CPU time (user + system) spent while the probes ran, imports excluded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time
from typing import Any

from agent.probes import PROBES
from agent.probes.base import ProbeContext
from agent.probes.icmp import IcmpSpec


async def _one(address: str, count: int, timeout: float) -> dict[str, Any]:
    started = time.monotonic()
    ctx = ProbeContext("fanout", timeout, logging.getLogger("fanout"))
    outcome = await PROBES["icmp"].run(IcmpSpec(host=address, count=count), ctx)
    values = {s.name: s.value for s in outcome.samples}
    return {
        "success": outcome.success,
        "reason": outcome.reason,
        "detail": outcome.detail,
        "sent": values.get("sansang_icmp_packets_sent_total"),
        "received": values.get("sansang_icmp_packets_received_total"),
        "took": time.monotonic() - started,
    }


async def _all(addresses: list[str], count: int, timeout: float) -> dict[str, Any]:
    cpu, wall = time.process_time(), time.monotonic()
    results = await asyncio.gather(*(_one(a, count, timeout) for a in addresses))
    return {
        "privileged": os.geteuid() == 0,
        "cpu_seconds": time.process_time() - cpu,
        "wall_seconds": time.monotonic() - wall,
        "results": dict(zip(addresses, results, strict=True)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("addresses", nargs="+")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(_all(args.addresses, args.count, args.timeout))))


if __name__ == "__main__":
    main()
