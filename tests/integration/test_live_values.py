"""Live values through the Prometheus query API, against a real Prometheus and a real
VictoriaMetrics scraping the same static exporter (the same test functions for both)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from collector.evaluate.model import LiveSite
from collector.live import refresh_forever, snapshot
from collector.live.promapi import Matrix, PromClient, PromError, Scalar, Vector
from tests.integration.promlab import (
    MetricsServer,
    Tsdb,
    running_tsdb,
    tsdb_missing,
    tsdb_params,
)
from tests.support import wait_until_async
from tests.support.agent import running_agent
from tests.support.alerts import collector
from tests.support.net import free_port

pytestmark = pytest.mark.integration

ON_BATTERY = "23527-main"  # mains lost, on battery; internet up, TSLCD down
ON_LINE = "23530-main"  # all well
DEAD = "23536-main"  # its target does not answer: up 0
OTHER = "99999-x"  # not in the inventory: ignored

PAGES = {
    ON_BATTERY: (
        "sansang_power_site_mains_present 0\n"
        'sansang_power_on_battery{source="ups1"} 1\n'
        'sansang_link_up{link="internet"} 1\n'
        'sansang_link_up{link="tslcd"} 0\n'
        'sansang_tls_certificate_expiry_timestamp_seconds{check="motcua"} 1.8e+09\n'
    ),
    ON_LINE: (
        "sansang_power_site_mains_present 1\n"
        'sansang_power_on_battery{source="ups1"} 0\n'
        'sansang_link_up{link="internet"} 1\n'
    ),
    OTHER: "sansang_power_site_mains_present 1\n",
}
KEYS = (ON_BATTERY, ON_LINE, DEAD)


@pytest.fixture(params=tsdb_params())
def lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Tsdb, MetricsServer]]:
    with MetricsServer() as exporter:
        for key, text in PAGES.items():
            exporter.set(key, text)
        targets = {key: exporter.url(key) for key in (*KEYS, OTHER)}
        with running_tsdb(request.param, tmp_path, targets) as tsdb:
            yield tsdb, exporter


async def settled(tsdb: Tsdb, prom: PromClient) -> dict[str, LiveSite]:
    """A snapshot once every target has been scraped (and, for VM, flushed)."""

    async def complete() -> dict[str, LiveSite] | None:
        await asyncio.to_thread(tsdb.flush)
        live = await snapshot(prom, "site", KEYS)
        ready = live[DEAD].up is False and live[ON_BATTERY].links_up and live[ON_LINE].up
        return live if ready else None

    return await wait_until_async(complete, 30, f"{tsdb.kind} to have scraped every target")


async def test_snapshot_per_site(lab: tuple[Tsdb, MetricsServer]) -> None:
    tsdb, _ = lab
    async with PromClient(tsdb.url, timeout=5) as prom:
        live = await settled(tsdb, prom)
        t0 = time.perf_counter()
        live = await snapshot(prom, "site", KEYS)
        elapsed = time.perf_counter() - t0
    print(f"\n{tsdb.kind}: snapshot of {len(KEYS)} sites (5 queries) in {elapsed * 1000:.1f} ms")
    assert set(live) == set(KEYS)  # OTHER is not in the inventory
    battery, line, dead = live[ON_BATTERY], live[ON_LINE], live[DEAD]
    assert (battery.up, battery.mains_present, battery.on_battery) == (True, False, True)
    assert battery.links_up == {"internet": True, "tslcd": False}
    assert (line.up, line.mains_present, line.on_battery) == (True, True, False)
    assert line.links_up == {"internet": True}
    assert battery.tls_expiry == {"motcua": 1.8e9} and line.tls_expiry == {}
    assert (dead.up, dead.mains_present, dead.on_battery, dict(dead.links_up)) == (
        False,
        None,
        None,
        {},
    )
    assert any("sansang_power_site_mains_present" in q for q in battery.queries)
    assert elapsed < 2.0


async def test_stale_series_are_unknown(lab: tuple[Tsdb, MetricsServer]) -> None:
    """When an agent stops answering, its values vanish (staleness): unknown, not the old ones."""
    tsdb, exporter = lab
    async with PromClient(tsdb.url, timeout=5) as prom:
        await settled(tsdb, prom)
        exporter.drop(ON_LINE)

        async def gone() -> LiveSite | None:
            await asyncio.to_thread(tsdb.flush)
            site = (await snapshot(prom, "site", KEYS, unreachable_after=1))[ON_LINE]
            return site if site.up is False else None

        site = await wait_until_async(gone, 30, "the dropped target to be down")
        assert site.mains_present is None and site.on_battery is None and not site.links_up
        # Hysteresis: with the default 5 minutes, one failed scrape is not "unreachable" yet.
        held = (await snapshot(prom, "site", KEYS))[ON_LINE]
        assert held.up is True and held.mains_present is None


async def test_query_result_types(lab: tuple[Tsdb, MetricsServer]) -> None:
    tsdb, _ = lab
    async with PromClient(tsdb.url, timeout=5) as prom:
        await settled(tsdb, prom)
        assert await prom.scalar("1 + 1") == 2.0
        answer = await prom.query("scalar(vector(3))")  # VictoriaMetrics: a vector
        assert isinstance(answer, Scalar | Vector)
        with pytest.raises(PromError) as caught:
            await prom.scalar("up")  # several series: not one number
        assert caught.value.kind == "malformed"
        vector = await prom.vector(f'up{{site="{ON_BATTERY}"}}')
        assert isinstance(vector, Vector) and [s.value for s in vector.samples] == [1.0]
        assert vector.samples[0].labels["site"] == ON_BATTERY
        now = time.time()
        t0 = time.perf_counter()
        matrix = await prom.query_range(f'up{{site="{DEAD}"}}', now - 60, now, step=1)
        elapsed = time.perf_counter() - t0
        print(f"\n{tsdb.kind}: query_range in {elapsed * 1000:.1f} ms")
        assert isinstance(matrix, Matrix) and len(matrix.series) == 1
        assert matrix.series[0].points and {v for _t, v in matrix.series[0].points} == {0.0}


async def test_bad_query_is_an_api_error(lab: tuple[Tsdb, MetricsServer]) -> None:
    tsdb, _ = lab
    async with PromClient(tsdb.url, timeout=5) as prom:
        with pytest.raises(PromError) as caught:
            await prom.query("max by (site (up")
    assert caught.value.kind == "api"
    assert caught.value.error_type  # Prometheus: bad_data; VictoriaMetrics: 422
    assert caught.value.status is not None and 400 <= caught.value.status < 500
    assert "max by (site (up" in str(caught.value)


async def test_wrong_path_is_an_http_error(lab: tuple[Tsdb, MetricsServer]) -> None:
    tsdb, _ = lab
    async with PromClient(tsdb.url + "no/such/prefix/", timeout=5) as prom:
        with pytest.raises(PromError) as caught:
            await prom.query("up")
    assert caught.value.kind == "http"
    assert caught.value.status in (400, 404)  # Prometheus: 404; VictoriaMetrics: 400


async def test_refresh_forever_replaces_then_drops_stale(
    lab: tuple[Tsdb, MetricsServer], tmp_path: Path
) -> None:
    tsdb, _ = lab
    c = collector(tmp_path, prometheus=tsdb.url, codes=("23527", "23530", "23536"))
    task = asyncio.create_task(refresh_forever(c, interval=0.2, stale_after=1.0))
    try:

        async def live_up() -> bool:
            await asyncio.to_thread(tsdb.flush)
            site = c.live.get(ON_BATTERY)
            return site is not None and site.up is True and site.mains_present is False

        await wait_until_async(live_up, 30, "c.live to show the site on battery")
        assert set(c.live) == set(KEYS)
        tsdb.stop()  # the server is gone: values are kept a while, then dropped

        async def dropped() -> bool:
            return c.live == {}

        t0 = time.monotonic()
        await wait_until_async(dropped, 10, "stale live values to be dropped")
        assert time.monotonic() - t0 >= 0.5  # not at the first failure
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        c.store.close()


# --- failures a real server does not produce on demand ------------------------------------------


async def test_refused_is_a_connection_error() -> None:
    async with PromClient(f"http://127.0.0.1:{free_port()}/", timeout=2) as prom:
        with pytest.raises(PromError) as caught:
            await prom.query("up")
    assert caught.value.kind == "connection"


async def test_silent_server_is_a_timeout() -> None:
    with socket.socket() as sock:  # accepts connections (kernel backlog), never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        async with PromClient(f"http://127.0.0.1:{port}/", timeout=0.3) as prom:
            t0 = time.monotonic()
            with pytest.raises(PromError) as caught:
                await prom.query("up")
    assert caught.value.kind == "timeout"
    assert time.monotonic() - t0 < 2.0


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (200, b"<html>login</html>", "malformed"),
        (200, b'{"status": "success", "data": {"resultType": "vector"}}', "malformed"),
        (
            200,
            b'{"status": "success", "data": {"resultType": "vector", "result": [{}]}}',
            "malformed",
        ),
        (502, b"Bad Gateway", "http"),
        (503, b'{"status": "error", "errorType": "unavailable", "error": "busy"}', "api"),
    ],
)
async def test_unusable_answers(status: int, body: bytes, kind: str) -> None:
    async def handler(_request: web.Request) -> web.Response:
        return web.Response(status=status, body=body)

    app = web.Application()
    app.router.add_get("/api/v1/query", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with PromClient(f"http://127.0.0.1:{port}", timeout=2) as prom:
            with pytest.raises(PromError) as caught:
                await prom.query("up")
        assert caught.value.kind == kind
        if kind == "api":
            assert caught.value.error_type == "unavailable" and "busy" in str(caught.value)
    finally:
        await runner.cleanup()


# --- a real agent, scraped by a real Prometheus ----------------------------------------------


@pytest.mark.skipif(tsdb_missing("prometheus") is not None, reason="needs prometheus")
async def test_real_agent_through_prometheus(tmp_path: Path) -> None:
    """The agent's own series (no site label) get the site from the scrape config."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = free_port()
        config = {
            "site": {
                "commune_code": "23527",
                "name": "Xã Sa Thầy",
                "latitude": 14.4,
                "longitude": 107.8,
            },
            "server": {"listen": f"127.0.0.1:{port}"},
            "journal": {"path": str(tmp_path / "journal.db")},
            "probes": {"interval": "2s", "timeout": "1s", "start_spread": 0},
            "quality": {
                "interval": "1s",
                "count": 2,
                "spacing": "0.1s",
                "timeout": "0.5s",
                "targets": [
                    {
                        "id": "gateway",
                        "role": "gateway",
                        "check": {
                            "method": "tcp",
                            "host": "127.0.0.1",
                            "port": listener.getsockname()[1],
                        },
                    }
                ],
            },
        }
        with (
            running_agent(config, tmp_path) as agent,
            running_tsdb("prometheus", tmp_path, {ON_BATTERY: agent.base_url + "/metrics"}) as tsdb,
        ):
            async with PromClient(tsdb.url, timeout=5) as prom:

                async def linked() -> LiveSite | None:
                    site = (await snapshot(prom, "site", [ON_BATTERY]))[ON_BATTERY]
                    return site if site.links_up else None

                site = await wait_until_async(linked, 30, "the agent's link state in Prometheus")
    assert site.up is True and site.links_up == {"default": True}
    assert site.mains_present is None  # no power source configured: unknown, not present
