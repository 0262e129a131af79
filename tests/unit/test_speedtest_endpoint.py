"""The Speedtest-Mini-compatible endpoint over real HTTP (aiohttp's test server on loopback), and
stock speedtest-cli against it (its upload sends fewer bytes than it declares)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent.links.bandwidth.speedtestcli import Client, Shutdown, offline_config
from tools import speedtest_endpoint as endpoint

BLOCK = os.urandom(1 << 16)


@pytest.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(endpoint.build_app(BLOCK), host="127.0.0.1")) as c:
        yield c


async def test_index_names_the_php_upload(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert 'upload_extension: "php"' in await resp.text()


async def test_latency_txt(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/speedtest/latency.txt?x=1700000000000.0")
    assert resp.status == 200
    assert await resp.text() == "test=test"


@pytest.mark.parametrize("side", [350, 1000, 4000])
async def test_random_jpg_weighs_two_n_squared(client: TestClient[Any, Any], side: int) -> None:
    resp = await client.get(f"/speedtest/random{side}x{side}.jpg?x=1.0")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "image/jpeg"
    body = await resp.read()
    assert len(body) == int(resp.headers["Content-Length"]) == 2 * side * side
    # cut from the one random buffer made at start, not generated per request
    assert body == (BLOCK * (len(body) // len(BLOCK) + 1))[: len(body)]


@pytest.mark.parametrize(
    "name", ["random349x349.jpg", "random4001x4001.jpg", "random350x500.jpg", "random.jpg", "x"]
)
async def test_other_sizes_are_404(client: TestClient[Any, Any], name: str) -> None:
    resp = await client.get(f"/speedtest/{name}")
    assert resp.status == 404


async def test_upload_reads_the_whole_body(client: TestClient[Any, Any]) -> None:
    resp = await client.post("/speedtest/upload.php", data=b"content1=" + b"A" * 100_000)
    assert resp.status == 200
    assert await resp.text() == "size=100009"


async def test_upload_short_of_its_declared_length_is_answered_at_once(
    client: TestClient[Any, Any],
) -> None:
    """What speedtest-cli does: Content-Length 65,536 and 65,529 bytes, then it waits."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    head = (
        "POST /speedtest/upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    )
    started = time.monotonic()
    writer.write(head.encode() + b"content1=" + b"0" * 65_520)
    await writer.drain()
    head_in = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), endpoint.IDLE_WAIT / 3)
    length = int(head_in.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    body = await asyncio.wait_for(reader.readexactly(length), 5)
    elapsed = time.monotonic() - started
    writer.close()
    await writer.wait_closed()
    assert head_in.startswith(b"HTTP/1.1 200")
    assert body == b"size=65529"
    assert elapsed < endpoint.SHORT_WAIT + 1.0


def _stock_upload(url: str, sizes: list[int]) -> tuple[int, float]:
    """speedtest-cli's own upload (its chunk sizes, pre-allocated data) against ``url``."""
    config = offline_config(None)
    config["sizes"]["upload"] = sizes
    config["counts"]["upload"] = 2
    config["upload_max"] = 2 * len(sizes)
    config["length"]["upload"] = 60.0
    tester = Client(config, source_address=None, timeout=10, shutdown=Shutdown())
    tester.get_best_server(tester.set_mini_server(url))
    started = time.monotonic()
    tester.upload(threads=2)
    return int(tester.results.bytes_sent), time.monotonic() - started


async def test_stock_speedtest_cli_upload_does_not_stall(client: TestClient[Any, Any]) -> None:
    url = f"http://{client.host}:{client.port}/"
    sent, elapsed = await asyncio.to_thread(_stock_upload, url, [32768, 65536, 131072])
    # speedtest-cli's body: "content1=" and whole 36-character alphabets, up to the size
    bodies = [min(36 * round(size / 36), size - 9) + 9 for size in (32768, 65536, 131072)]
    assert bodies == [32768, 65529, 131072]  # 65,536 is sent 7 bytes short
    assert sent == 2 * sum(bodies)
    # two short chunks: a short wait each, not an idle timeout each
    assert elapsed < 3 * endpoint.SHORT_WAIT + 2.0
    assert threading.active_count() < 20


def test_parse_listen() -> None:
    assert endpoint.parse_listen("10.0.0.1:8080") == ("10.0.0.1", 8080)
    assert endpoint.parse_listen("[::1]:80") == ("::1", 80)
    assert endpoint.parse_listen(":80") == ("0.0.0.0", 80)
    for bad in ("10.0.0.1", "h:0", "h:x", "h:70000"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            endpoint.parse_listen(bad)
