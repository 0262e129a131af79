"""How a throughput test is put together: the iperf3 run started again while the server is not
taking it, the idle round trip before the load, the backoff between attempts, and the budget
and bytes in link bytes, not payload."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from agent.config.links import SpeedtestBackend
from agent.links.bandwidth import backends, idle_rtt, iperf3, selfhosted, wire
from agent.links.bandwidth.backoff import Backoff
from agent.links.bandwidth.result import SpeedResult, SpeedtestError

REFUSED = json.dumps({"end": {}, "error": "unable to connect to server: Connection refused"})
BUSY = json.dumps({"end": {}, "error": "the server is busy running a test. try again later"})
DONE = json.dumps(
    {
        "intervals": [],
        "end": {
            "sum_sent": {"bytes": 3_100_000, "seconds": 3.0},
            "sum_received": {"bytes": 3_000_000, "seconds": 3.0},
        },
    }
)


class FakeIperf3:
    """``iperf3._execute`` answering with the outputs given, one per run, and recording argv."""

    def __init__(self, outputs: list[str]) -> None:
        self.outputs = outputs
        self.runs: list[list[str]] = []

    async def __call__(self, argv: list[str], limit: float) -> tuple[bytes, bytes, bool]:
        self.runs.append(argv)
        out = self.outputs.pop(0) if len(self.outputs) > 1 else self.outputs[0]
        return out.encode(), b"", False


async def _no_rtt(host: str, port: int, link: Any) -> float:
    return 0.001


@pytest.fixture
def fake_iperf3(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIperf3]:
    fake = FakeIperf3([DONE])
    monkeypatch.setattr(iperf3, "_execute", fake)
    monkeypatch.setattr(iperf3, "_idle_rtt", _no_rtt)
    yield fake


async def test_iperf3_starts_a_refused_or_busy_run_again(fake_iperf3: FakeIperf3) -> None:
    """The server re-opens after the upload, then another client holds it: the download waits."""
    fake_iperf3.outputs = [DONE, REFUSED, REFUSED, BUSY, DONE]
    result = await iperf3.run("h", 5201, None, duration=8.0, max_bytes=10**9)
    assert len(fake_iperf3.runs) == 5
    assert ["-R" in argv for argv in fake_iperf3.runs] == [False, True, True, True, True]
    assert result.download_bps == result.upload_bps == 1_000_000
    # both directions: what the sender wrote, plus the two omitted seconds at the rate counted
    assert result.bytes_used == 2 * (3_100_000 + 2_000_000)
    assert all(argv[argv.index("-O") + 1] == "2" for argv in fake_iperf3.runs)


async def test_iperf3_gives_up_on_a_server_that_never_takes_the_run(
    fake_iperf3: FakeIperf3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(iperf3, "ACCEPT_WAIT", 0.3)
    fake_iperf3.outputs = [DONE, REFUSED]
    started = time.monotonic()
    with pytest.raises(SpeedtestError) as caught:
        await iperf3.run("h", 5201, None, duration=8.0, max_bytes=10**9)
    assert time.monotonic() - started < 2.0
    assert caught.value.reason == "refused" and "attempts in 0.3 s" in caught.value.detail
    assert caught.value.bytes_used == 5_100_000  # the upload's, counted in the budget
    assert 3 <= len(fake_iperf3.runs) <= 6  # 0.05, 0.1, 0.2 s apart: a few, not a busy loop


async def test_iperf3_capped_runs_no_omitted_seconds(fake_iperf3: FakeIperf3) -> None:
    """iperf3 starts its -n count again after -O: a capped run omits nothing."""
    await iperf3.run("h", 5201, None, duration=8.0, max_bytes=20_000_000)
    up = fake_iperf3.runs[0]
    assert "-O" not in up and up[up.index("-n") + 1] == str(10_000_000 - iperf3.BLOCK)


def test_iperf3_time_bound_fits_the_runners() -> None:
    """The runner stops a backend after 4 × duration + 60 s: iperf3's own bound is within."""
    for duration in (1.0, 3.0, 8.0, 30.0):
        assert iperf3.time_bound(duration) < 4 * duration + 60


def test_backoff_doubles_and_stops_at_the_limit() -> None:
    now = [0.0]
    backoff = Backoff(1.0, clock=lambda: now[0])
    delays = []
    while (delay := backoff.next_delay()) is not None:
        delays.append(delay)
        now[0] += delay
    assert delays == [0.05, 0.1, 0.2, 0.4]  # the next one, 0.8 s, would end past 1 s
    assert backoff.attempts == 5


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.create_server(("127.0.0.1", 0))
    yield sock
    sock.close()


def test_idle_rtt_is_the_median_connect_time(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    rtt = idle_rtt.measure("127.0.0.1", port, timeout=2.0, source="127.0.0.1")
    assert 0 < rtt < 0.05


def test_idle_rtt_waits_for_a_server_that_reopens() -> None:
    """Refused at first (an iperf3 server re-opening), listening 0.2 s later."""
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    opened = threading.Event()
    server: list[socket.socket] = []

    def reopen() -> None:
        time.sleep(0.2)
        server.append(socket.create_server(("127.0.0.1", port)))
        opened.set()

    thread = threading.Thread(target=reopen)
    thread.start()
    try:
        assert idle_rtt.measure("127.0.0.1", port, timeout=2.0, refused_wait=3.0) > 0
        assert opened.is_set()
    finally:
        thread.join()
        for sock in server:
            sock.close()
    with pytest.raises(ConnectionRefusedError):  # closed for good: refused after the wait
        idle_rtt.measure("127.0.0.1", port, timeout=2.0, refused_wait=0.2)


def test_idle_rtt_address_of_a_url() -> None:
    assert idle_rtt.address_of("http://192.0.2.10:8080/speedtest") == ("192.0.2.10", 8080)
    assert idle_rtt.address_of("https://speed.tinh.example/") == ("speed.tinh.example", 443)
    assert idle_rtt.address_of("http://speed.tinh.example") == ("speed.tinh.example", 80)


async def test_run_backend_counts_link_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget given to a backend is the payload that fits; the bytes it reports, the link's."""
    given: list[int] = []

    async def payload_test(url: str, link: Any, *, duration: float, max_bytes: int) -> SpeedResult:
        given.append(max_bytes)
        return SpeedResult("selfhosted", url, 1e6, 1e6, 0.001, 1_000_000, 3.0)

    monkeypatch.setattr(selfhosted, "run", payload_test)
    backend = SpeedtestBackend(id="p", kind="selfhosted", url="http://192.0.2.10:8080/")
    result = await backends.run_backend(backend, None, duration=8.0, max_bytes=11_000_000)
    assert given == [10_000_000]
    assert result.bytes_used == 1_100_000 == wire.on_wire(1_000_000)

    async def failing(url: str, link: Any, *, duration: float, max_bytes: int) -> SpeedResult:
        raise SpeedtestError("protocol_error", "upload: no byte accepted", 2_000_000)

    monkeypatch.setattr(selfhosted, "run", failing)
    with pytest.raises(SpeedtestError) as caught:
        await backends.run_backend(backend, None, duration=8.0, max_bytes=10**9)
    assert caught.value.bytes_used == 2_200_000
