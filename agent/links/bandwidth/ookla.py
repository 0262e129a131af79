"""The ``ookla`` backend: speedtest.net's public servers through speedtest-cli (the Internet view).

speedtest-cli fetches speedtest.net's config and server list, picks the nearest servers by
distance and the best of them by latency (or the configured ``server_id``), then this module
runs the same sized test as the selfhosted backend
(:func:`agent.links.bandwidth.speedtestcli.measure`) instead of speedtest.net's default sizes.
speedtest.net answers speedtest-cli with HTTP 403 at times, and a site without Internet has no
route or no DNS: every such failure is a :class:`SpeedtestError` with a clear detail, never a
crash.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from agent.config.links import Link
from agent.links.bandwidth import speedtestcli
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from agent.links.bandwidth.selfhosted import socket_timeout, time_bound
from sansang.reasons import describe

# speedtest-cli's complaints about what it read, and what its parsers raise on XML it does not
# expect (an XML config without its elements ends in a NameError inside speedtest-cli)
UNREADABLE = (
    speedtestcli.speedtest.SpeedtestConfigError,
    speedtestcli.speedtest.SpeedtestServersError,
    LookupError,
    AttributeError,
    NameError,
    TypeError,
    ValueError,
)
CONFIG, SERVERS, BEST = "speedtest.net config", "speedtest.net server list", "speedtest.net servers"


async def run(
    server_id: int | None, link: Link | None, *, duration: float, max_bytes: int
) -> SpeedResult:
    shutdown = speedtestcli.Shutdown()
    # the config, the server list and up to five servers × three latency requests come first
    bound = time_bound(duration) + 6 * socket_timeout(duration)
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(_blocking, server_id, link, duration, max_bytes, shutdown), bound
        )
    except TimeoutError:
        raise SpeedtestError("timeout", f"speedtest.net: no result within {bound:.0f} s") from None
    finally:
        shutdown.set()


def _step(what: str, call: Any, *args: Any) -> Any:
    """``call(*args)``, its failure a :class:`SpeedtestError` naming ``what`` failed."""
    try:
        return call(*args)
    except speedtestcli.speedtest.NoMatchedServers:
        raise SpeedtestError(
            "error", f"{what}: no server with id {args[0][0]} (or no list could be fetched)"
        ) from None
    except speedtestcli.speedtest.SpeedtestBestServerFailure as err:
        raise SpeedtestError("unreachable", f"{what}: none answered ({describe(err)})") from None
    except UNREADABLE as err:
        raise SpeedtestError("protocol_error", f"{what}: unreadable ({describe(err)})") from None
    except Exception as err:
        raise speedtestcli.classify(err, what) from err


def _blocking(
    server_id: int | None,
    link: Link | None,
    duration: float,
    max_bytes: int,
    shutdown: speedtestcli.Shutdown,
) -> SpeedResult:
    started = time.monotonic()
    source = speedtestcli.bind_address(link)
    tester = _step(
        CONFIG,
        lambda: speedtestcli.Client(
            None, source_address=source, timeout=socket_timeout(duration), shutdown=shutdown
        ),
    )
    found = _step(SERVERS, tester.get_servers, [server_id] if server_id is not None else [])
    if not found:
        raise SpeedtestError("protocol_error", f"{SERVERS}: empty (or every list unreachable)")
    best = _step(BEST, tester.get_best_server)
    if float(best.get("latency", 0)) >= 600_000:  # every latency request failed
        raise SpeedtestError("unreachable", f"{BEST}: {_name(best)} did not answer latency.txt")
    root = os.path.dirname(best["url"])
    latency = speedtestcli.idle_latency(root, source, socket_timeout(duration))
    measured = speedtestcli.measure(tester, root, duration=duration, max_bytes=max_bytes)
    return SpeedResult(
        kind="ookla",
        server=_name(best),
        download_bps=measured.download_bps,
        upload_bps=measured.upload_bps,
        latency_seconds=latency,
        bytes_used=measured.bytes_used,
        duration_seconds=time.monotonic() - started,
    )


def _name(server: dict[str, Any]) -> str:
    """``name (sponsor), id`` as SpeedResult.server says."""
    return f"{server.get('name', '?')} ({server.get('sponsor', '?')}), {server.get('id', '?')}"
