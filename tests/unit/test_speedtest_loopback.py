"""The throughput backends on loopback: selfhosted against the real endpoint, ookla against a
stand-in speedtest.net (reached as speedtest-cli's proxy, never the real one), iperf3's output.

No shaping here (the integration tests shape links): these check the plumbing, the data budget
and that every failure is a SpeedtestError with a reason."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from agent.config.links import Link
from agent.links.bandwidth import iperf3, ookla, selfhosted, speedtestcli
from agent.links.bandwidth.result import SpeedtestError
from tests.support.net import free_port
from tests.support.speedtestnet import CONFIG_XML, FakeSpeedtestNet, fake_speedtestnet, servers_xml
from tools import speedtest_endpoint as endpoint

MB = 1_000_000


@pytest.fixture
async def site() -> AsyncIterator[tuple[TestServer, list[str]]]:
    """The endpoint on 127.0.0.1, and the peer address of every request it served."""
    peers: list[str] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        peers.append(request.remote or "")
        return await handler(request)  # type: ignore[no-any-return]

    app = endpoint.build_app()
    app.middlewares.append(record)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server, peers


def _url(server: TestServer) -> str:
    return f"http://127.0.0.1:{server.port}"


async def serve(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def test_selfhosted_measures_within_the_budget(site: tuple[TestServer, list[str]]) -> None:
    server, _ = site
    url = f"http://127.0.0.1:{server.port}/"
    result = await selfhosted.run(url, None, duration=4, max_bytes=30 * MB)
    assert result.kind == "selfhosted"
    assert result.server == url.rstrip("/")
    assert result.download_bps and result.download_bps > 5 * MB  # loopback: far above any link
    assert result.upload_bps and result.upload_bps > 5 * MB
    assert result.latency_seconds is not None and 0 < result.latency_seconds < 0.5
    # probes (2 × 245,000 down, 2 × 262,161 up) at least; never over the budget
    assert 2 * 245_000 + 2 * 262_161 < result.bytes_used <= 30 * MB
    assert result.duration_seconds < selfhosted.time_bound(4)


async def test_selfhosted_binds_the_links_source_address(
    site: tuple[TestServer, list[str]],
) -> None:
    server, peers = site
    link = Link(id="lo2", kind="other", source_address="127.0.0.2")
    await selfhosted.run(f"http://127.0.0.1:{server.port}", link, duration=2, max_bytes=4 * MB)
    assert peers and set(peers) == {"127.0.0.2"}


def test_interface_alone_binds_its_address() -> None:
    assert speedtestcli.bind_address(Link(id="lo", kind="other", interface="lo")) == "127.0.0.1"
    with pytest.raises(SpeedtestError) as caught:
        speedtestcli.bind_address(Link(id="x", kind="other", interface="nosuch0"))
    assert caught.value.reason == "unreachable"
    assert "nosuch0" in caught.value.detail


async def test_selfhosted_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SpeedtestError) as caught:
        await selfhosted.run(url, None, duration=2, max_bytes=10 * MB)
    assert caught.value.reason == "refused"
    assert url in caught.value.detail


async def test_selfhosted_http_status_and_not_a_mini_server() -> None:
    empty = await serve(web.Application())
    hello = web.Application()
    hello.router.add_get("/", _answer("hello"))  # no upload extension, no upload.*
    other = await serve(hello)
    try:
        with pytest.raises(SpeedtestError) as caught:
            await selfhosted.run(
                f"http://127.0.0.1:{empty.port}", None, duration=2, max_bytes=10 * MB
            )
        assert caught.value.reason == "http_status"
        assert "HTTP 404" in caught.value.detail
        with pytest.raises(SpeedtestError) as caught:
            await selfhosted.run(
                f"http://127.0.0.1:{other.port}", None, duration=2, max_bytes=10 * MB
            )
        assert caught.value.reason == "protocol_error"
        assert "Speedtest Mini" in caught.value.detail
    finally:
        await empty.close()
        await other.close()


def _answer(text: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=text)

    return handler


async def test_selfhosted_without_download_files_says_which_url() -> None:
    """speedtest-cli swallows a failed download: the backend asks again to say why."""
    partial = web.Application()
    partial.router.add_get("/", _answer(endpoint.INDEX))
    partial.router.add_get("/speedtest/latency.txt", _answer("test=test"))
    server = await serve(partial)
    try:
        with pytest.raises(SpeedtestError) as caught:
            await selfhosted.run(
                f"http://127.0.0.1:{server.port}", None, duration=2, max_bytes=10 * MB
            )
    finally:
        await server.close()
    assert caught.value.reason == "http_status"
    assert "random350x350.jpg" in caught.value.detail


async def test_budget_below_the_smallest_test(site: tuple[TestServer, list[str]]) -> None:
    server, _ = site
    with pytest.raises(SpeedtestError) as caught:
        await selfhosted.run(f"http://127.0.0.1:{server.port}", None, duration=2, max_bytes=1000)
    assert caught.value.reason == "error"
    assert "budget" in caught.value.detail


def test_upload_chunks_are_sent_whole() -> None:
    for size in (65_536, 100_000, 333_333, 5_000_000):
        chunk = speedtestcli.exact_chunk(size)
        data = speedtestcli.speedtest.HTTPUploaderData(chunk, 0, 10)
        assert len(data.data.getvalue()) == chunk
    assert speedtestcli.exact_chunk(1) == speedtestcli.MIN_CHUNK
    assert speedtestcli.exact_chunk(1e12) == speedtestcli.MAX_CHUNK


# --- ookla: a stand-in speedtest.net as speedtest-cli's proxy -------------------------------


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSpeedtestNet]:
    with fake_speedtestnet(FakeSpeedtestNet()) as fake:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", fake.proxy)
        monkeypatch.setenv("no_proxy", "127.0.0.1")  # the lab's "Ookla server" is direct
        # speedtest.net's name goes to the stand-in, never resolved, never contacted
        assert urllib.request.getproxies()["http"] == fake.proxy
        yield fake


async def _ookla_error(server_id: int | None = None) -> SpeedtestError:
    with pytest.raises(SpeedtestError) as caught:
        await ookla.run(server_id, None, duration=2, max_bytes=10 * MB)
    return caught.value


async def test_ookla_403(net: FakeSpeedtestNet) -> None:
    net.config = (403, b"Forbidden")
    err = await _ookla_error()
    assert (err.reason, err.detail) == ("http_status", "speedtest.net config: HTTP 403 Forbidden")
    assert any("speedtest-config.php" in path for path in net.requests)


async def test_ookla_garbage_config(net: FakeSpeedtestNet) -> None:
    net.config = (200, b"<html>not the config")
    err = await _ookla_error()
    assert err.reason == "protocol_error"
    assert err.detail.startswith("speedtest.net config:")
    net.config = (200, b"<settings><client/></settings>")  # XML, but not speedtest.net's
    assert (await _ookla_error()).reason == "protocol_error"


async def test_ookla_no_server_list(net: FakeSpeedtestNet) -> None:
    net.servers = (200, b"garbage")
    err = await _ookla_error()
    assert err.reason == "protocol_error"
    assert "server list" in err.detail
    net.servers = (403, b"Forbidden")
    err = await _ookla_error(server_id=1234)
    assert err.reason == "error"
    assert "no server with id 1234" in err.detail


async def test_ookla_proxy_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    err = await _ookla_error()
    assert err.reason == "refused"
    assert err.detail.startswith("speedtest.net config:")


async def test_ookla_measures_against_the_best_server(
    net: FakeSpeedtestNet, site: tuple[TestServer, list[str]]
) -> None:
    server, _ = site
    upload = f"http://127.0.0.1:{server.port}/speedtest/upload.php"
    net.servers = (200, servers_xml(upload, 4242))
    result = await ookla.run(4242, None, duration=2, max_bytes=6 * MB)
    assert result.kind == "ookla"
    assert result.server == "Lab (sansang), 4242"
    assert result.download_bps and result.upload_bps
    assert result.bytes_used <= 6 * MB


def test_fake_config_is_speedtest_nets_defaults() -> None:
    assert b'maxchunkcount="50"' in CONFIG_XML and b'ratio="5"' in CONFIG_XML


# --- iperf3's JSON --------------------------------------------------------------------------


def _report(**end: Any) -> bytes:
    return json.dumps({"start": {}, "intervals": [], "end": end}).encode()


def test_iperf3_reads_rates_and_the_bytes_that_crossed_the_link() -> None:
    out = _report(
        streams=[{"sender": {"min_rtt": 1500}}],
        sum_sent={"bytes": 10_000_000, "seconds": 4.0},
        sum_received={"bytes": 9_800_000, "seconds": 4.0},
    )
    got = iperf3.parse(out, b"", "iperf3 upload")
    assert got.rate == 9_800_000 / 4.0  # what the far end received
    assert got.bytes == 10_000_000  # what the sender wrote: its tail crosses after the count
    # The omitted seconds are not in iperf3's sums: counted at the measured rate.
    assert iperf3.parse(out, b"", "iperf3 upload", omitted=2).bytes == 10_000_000 + 4_900_000
    # ... and never less than the rate over the whole time the client ran
    assert iperf3.parse(out, b"", "iperf3 upload", omitted=2, ran=6.5).bytes == 15_925_000


def test_iperf3_counts_retransmitted_segments_again() -> None:
    """A segment sent again crosses the link again: in the omitted seconds and after them."""
    out = json.dumps(
        {
            "start": {"tcp_mss_default": 1448},
            "intervals": [
                {"sum": {"bytes": 900_000, "retransmits": 30, "omitted": True}},
                {"sum": {"bytes": 1_000_000, "retransmits": 5, "omitted": False}},
            ],
            "end": {
                "sum_sent": {"bytes": 1_000_000, "seconds": 1.0, "retransmits": 5},
                "sum_received": {"bytes": 1_000_000, "seconds": 1.0},
            },
        }
    ).encode()
    got = iperf3.parse(out, b"", "iperf3 upload", omitted=1)
    assert got.bytes == 2_000_000 + (30 + 5) * 1448


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("unable to connect to server: Connection refused", "refused"),
        ("unable to connect to server: No route to host", "unreachable"),
        ("unable to connect to server: Network is unreachable", "unreachable"),
        ("unable to connect to server: Connection timed out", "timeout"),
        ("the server is busy running a test. try again later", "error"),
        ("something else", "error"),
    ],
)
def test_iperf3_errors(message: str, reason: str) -> None:
    out = json.dumps({"start": {"connected": []}, "end": {}, "error": message}).encode()
    with pytest.raises(SpeedtestError) as caught:
        iperf3.parse(out, b"", "iperf3 upload h:5201")
    assert caught.value.reason == reason
    assert message in caught.value.detail
    if "busy" in message:
        assert "server busy" in caught.value.detail
    # refused and busy are runs the server did not take: worth starting again
    not_taken = "refused" in message or "busy" in message
    assert isinstance(caught.value, iperf3.NotTaken) == not_taken


def test_iperf3_a_run_cut_after_data_moved_is_not_started_again() -> None:
    out = json.dumps(
        {
            "intervals": [{"sum": {"bytes": 400_000}}, {"sum": {"bytes": 300_000}}],
            "end": {},
            "error": "control socket has closed unexpectedly",
        }
    ).encode()
    with pytest.raises(SpeedtestError) as caught:
        iperf3.parse(out, b"", "iperf3 download h:5201")
    assert not isinstance(caught.value, iperf3.NotTaken)
    assert caught.value.bytes_used == 700_000  # counted in the budget


def test_iperf3_interrupted_keeps_its_result_and_garbage_is_an_error() -> None:
    out = json.dumps(
        {
            "error": iperf3.INTERRUPTED,
            "end": {"sum_sent": {"bytes": 0}, "sum_received": {"bytes": 900, "seconds": 3.0}},
        }
    ).encode()
    assert iperf3.parse(out, b"", "x", interrupted=True).rate == 300.0
    with pytest.raises(SpeedtestError):
        iperf3.parse(out, b"", "x", interrupted=False)
    with pytest.raises(SpeedtestError) as caught:
        iperf3.parse(b"", b"iperf3: error - unable to connect: Connection refused\n", "x")
    assert caught.value.reason == "refused"


def test_iperf3_command() -> None:
    link = Link(id="4g", kind="mobile", interface="wwan0", source_address="10.0.0.2")
    argv = iperf3.command("h", 5201, link, seconds=3, cap=None, reverse=True)
    assert argv[:6] == ["iperf3", "-c", "h", "-p", "5201", "-J"]
    assert argv[argv.index("-t") + 1] == "3" and "-R" in argv and "-n" not in argv
    assert argv[argv.index("-B") + 1] == "10.0.0.2"
    assert argv[argv.index("--bind-dev") + 1] == "wwan0"
    assert "-O" not in argv
    capped = iperf3.command("h", 5201, None, seconds=3, cap=1000, reverse=False)
    assert capped[capped.index("-n") + 1] == "1000" and "-t" not in capped and "-R" not in capped
    omitting = iperf3.command("h", 5201, None, seconds=3, cap=None, reverse=False, omit=2)
    assert omitting[omitting.index("-O") + 1] == "2"


def test_iperf3_omits_two_seconds_when_the_duration_has_room() -> None:
    assert iperf3.omit_seconds(8.0, 3) == 2  # the default duration: -O 2 -t 3
    assert iperf3.omit_seconds(3.0, 2) == 1
    assert iperf3.omit_seconds(2.0, 2) == 0
