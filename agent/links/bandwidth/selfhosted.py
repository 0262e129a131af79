"""The ``selfhosted`` backend: the province's Speedtest-Mini endpoint (``sansang
speedtest-server``), measured with the speedtest-cli library entirely offline.

speedtest-cli's constructor downloads speedtest.net's config before anything else; here
:class:`agent.links.bandwidth.speedtestcli.Client` is given the config instead, so the only host it
talks to is the endpoint.  A link's ``source_address`` is bound as speedtest-cli's
``source_address``; a link given only by ``interface`` is bound to that interface's first IPv4
address (speedtest-cli cannot bind to a device), so the kernel's routing must send the
endpoint's traffic from that address over that interface (as it does for an address on the
link's own subnet, or with a source-based routing rule).
"""

from __future__ import annotations

import asyncio
import time

from agent.config.links import Link
from agent.links.bandwidth import speedtestcli
from agent.links.bandwidth.result import SpeedResult, SpeedtestError

SOCKET_TIMEOUT = 10.0  # at most, per connect or read; never more than the test's duration
SLACK = 5.0  # seconds over the transfers' bound before the whole test is abandoned


def socket_timeout(duration: float) -> float:
    return max(1.0, min(SOCKET_TIMEOUT, duration))


def time_bound(duration: float) -> float:
    """The longest a test may take: both directions, the page and three latency requests."""
    return 2 * duration + 4 * socket_timeout(duration) + SLACK


async def run(url: str, link: Link | None, *, duration: float, max_bytes: int) -> SpeedResult:
    """Latency, download and upload against the endpoint at ``url``."""
    shutdown = speedtestcli.Shutdown()
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(_blocking, url, link, duration, max_bytes, shutdown),
            time_bound(duration),
        )
    except TimeoutError:
        raise SpeedtestError(
            "timeout", f"{url}: no result within {time_bound(duration):.0f} s"
        ) from None
    finally:
        shutdown.set()  # a test cut short stops its transfers (speedtest-cli checks it)


def _blocking(
    url: str, link: Link | None, duration: float, max_bytes: int, shutdown: speedtestcli.Shutdown
) -> SpeedResult:
    started = time.monotonic()
    root = url.rstrip("/")
    source = speedtestcli.bind_address(link)
    tester = speedtestcli.Client(
        speedtestcli.offline_config(source),
        source_address=source,
        timeout=socket_timeout(duration),
        shutdown=shutdown,
    )
    # set_mini_server says only "Failed to connect": fetch the page first to learn why
    try:
        tester.fetch(root + "/")
        servers = tester.set_mini_server(root + "/")
        tester.get_best_server(servers)
    except Exception as err:
        raise speedtestcli.classify(err, root) from err
    latency = speedtestcli.idle_latency(root, source, socket_timeout(duration))
    measured = speedtestcli.measure(
        tester, root + "/speedtest", duration=duration, max_bytes=max_bytes
    )
    return SpeedResult(
        kind="selfhosted",
        server=root,
        download_bps=measured.download_bps,
        upload_bps=measured.upload_bps,
        latency_seconds=latency,
        bytes_used=measured.bytes_used,
        duration_seconds=time.monotonic() - started,
    )
