"""The reachability probes (tcp, icmp, http, dns) against real servers on loopback and in
network namespaces the tests create: an asyncio TCP listener, aiohttp HTTP and HTTPS servers with
a CA made by trustme, dnsmasq, and hosts in namespaces that answer or stay silent."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dns.resolver
import pytest
import trustme
from aiohttp import web
from cryptography import x509

from agent.jobs import Job
from agent.probes import PROBES
from agent.probes.base import Outcome, ProbeContext
from agent.probes.dns import DnsSpec
from agent.probes.http import HttpSpec
from agent.probes.icmp import IcmpSpec
from agent.probes.tcp import TcpSpec
from agent.runner import Runner
from agent.state import SiteState
from tests.integration.netns import (
    Neighbour,
    in_netns,
    namespace,
    stop_process,
    veth_neighbour,
    write_sysctl,
)
from tests.support import wait_until
from tests.support.env import SANSANG
from tests.support.net import free_port

pytestmark = pytest.mark.integration

DNSMASQ = "/usr/sbin/dnsmasq"
NOT_AFTER = datetime(2031, 5, 17, 8, 30, 0, tzinfo=UTC)


def ctx(timeout: float = 3.0) -> ProbeContext:
    return ProbeContext("test", timeout, logging.getLogger("test.probe"))


def names(outcome: Outcome) -> dict[str, float]:
    return {s.name: s.value for s in outcome.samples}


async def timed(coro: Awaitable[Outcome]) -> tuple[Outcome, float]:
    started = time.monotonic()
    outcome = await coro
    return outcome, time.monotonic() - started


# --- certificates ------------------------------------------------------------------------------
@dataclass
class Pki:
    ca_file: Path
    good: ssl.SSLContext  # for 127.0.0.1 and localhost
    wrong_name: ssl.SSLContext  # for another name only
    not_after: float  # of the good certificate, read back from the certificate itself


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("pki") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    good = ca.issue_cert("127.0.0.1", "localhost", not_after=NOT_AFTER)
    wrong = ca.issue_cert("elsewhere.sansang.test")
    contexts = []
    for leaf in (good, wrong):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)
        contexts.append(context)
    cert = x509.load_pem_x509_certificate(good.cert_chain_pems[0].bytes())
    return Pki(ca_file, contexts[0], contexts[1], cert.not_valid_after_utc.timestamp())


# --- HTTP(S) servers ---------------------------------------------------------------------------
@dataclass
class Web:
    http: int
    https: int
    https_wrong_name: int

    def url(self, path: str, port: int | None = None, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{port or self.http}{path}"


@pytest.fixture
async def web_servers(pki: Pki) -> AsyncIterator[Web]:
    release = asyncio.Event()  # lets the slow handler finish at teardown

    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="xin chào\n")

    async def slow(_request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="late\n")

    async def big(_request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 300_000)

    async def moved(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/")

    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/slow", slow)
    app.router.add_get("/big", big)
    app.router.add_get("/moved", moved)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    ports: list[int] = []
    try:
        # Port 0 and the kernel's choice read back: three free_port() calls can give one port
        # twice (each is released before the next is asked), and a failed start leaked its socket.
        for context in (None, pki.good, pki.wrong_name):
            await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
            ports.append(int(runner.addresses[-1][1]))
        yield Web(*ports)
    finally:
        release.set()
        await runner.cleanup()


# --- tcp ---------------------------------------------------------------------------------------
async def test_tcp_open_refused_and_tls(web_servers: Web, pki: Pki) -> None:
    async def accept(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    tcp = PROBES["tcp"]
    try:
        opened = await tcp.run(TcpSpec(host="127.0.0.1", port=port), ctx())
    finally:
        listener.close()
        await listener.wait_closed()
    assert opened.success and 0 < names(opened)["sansang_tcp_connect_duration_seconds"] < 1

    refused = await tcp.run(TcpSpec(host="127.0.0.1", port=free_port()), ctx())
    assert (refused.success, refused.reason) == (False, "refused")

    tls = TcpSpec(host="127.0.0.1", port=web_servers.https, tls=True, ca_file=pki.ca_file)
    trusted = await tcp.run(tls, ctx())
    assert trusted.success, trusted.detail
    assert names(trusted)["sansang_tls_certificate_expiry_timestamp_seconds"] == pki.not_after

    untrusted = await tcp.run(tls.model_copy(update={"ca_file": None}), ctx())
    assert untrusted.reason == "certificate_invalid"


# --- http --------------------------------------------------------------------------------------
async def test_http_200_with_status_duration_and_size(web_servers: Web) -> None:
    outcome = await PROBES["http"].run(HttpSpec(url=web_servers.url("/")), ctx())
    assert outcome.success, outcome.detail
    values = names(outcome)
    assert values["sansang_http_status_code"] == 200
    assert values["sansang_http_content_length_bytes"] == len("xin chào\n".encode())
    assert 0 < values["sansang_http_duration_seconds"] < 1
    assert "sansang_tls_certificate_expiry_timestamp_seconds" not in values  # plain HTTP


async def test_http_404_is_http_status_unless_listed(web_servers: Web) -> None:
    spec = HttpSpec(url=web_servers.url("/missing"))
    outcome = await PROBES["http"].run(spec, ctx())
    assert (outcome.success, outcome.reason, outcome.detail) == (False, "http_status", "HTTP 404")
    assert names(outcome)["sansang_http_status_code"] == 404
    listed = await PROBES["http"].run(spec.model_copy(update={"valid_status": (404,)}), ctx())
    assert listed.success


async def test_http_redirects_followed_or_reported(web_servers: Web) -> None:
    spec = HttpSpec(url=web_servers.url("/moved"))
    followed = await PROBES["http"].run(spec, ctx())
    assert names(followed)["sansang_http_status_code"] == 200
    kept = await PROBES["http"].run(spec.model_copy(update={"follow_redirects": False}), ctx())
    assert kept.success and names(kept)["sansang_http_status_code"] == 302
    only_200 = spec.model_copy(update={"follow_redirects": False, "valid_status": (200,)})
    assert (await PROBES["http"].run(only_200, ctx())).reason == "http_status"


async def test_http_body_is_cut_at_max_body_bytes(web_servers: Web) -> None:
    spec = HttpSpec(url=web_servers.url("/big"), max_body_bytes=100_000)
    outcome = await PROBES["http"].run(spec, ctx())
    assert outcome.success
    assert names(outcome)["sansang_http_content_length_bytes"] == 100_000
    head = await PROBES["http"].run(spec.model_copy(update={"method": "HEAD"}), ctx())
    assert names(head)["sansang_http_content_length_bytes"] == 0


async def test_http_slow_handler_times_out_within_the_timeout(web_servers: Web) -> None:
    spec = HttpSpec(url=web_servers.url("/slow"))
    outcome, took = await timed(PROBES["http"].run(spec, ctx(timeout=1.0)))
    assert (outcome.success, outcome.reason) == (False, "timeout")
    assert 1.0 <= took < 1.5


async def test_http_refused(web_servers: Web) -> None:
    outcome = await PROBES["http"].run(HttpSpec(url=web_servers.url("/", free_port())), ctx())
    assert (outcome.success, outcome.reason) == (False, "refused")


async def test_https_trusted_through_ca_file_reports_certificate_expiry(
    web_servers: Web, pki: Pki
) -> None:
    spec = HttpSpec(url=web_servers.url("/", web_servers.https, "https"), ca_file=pki.ca_file)
    outcome = await PROBES["http"].run(spec, ctx())
    assert outcome.success, outcome.detail
    values = names(outcome)
    assert values["sansang_tls_certificate_expiry_timestamp_seconds"] == pki.not_after
    assert pki.not_after == NOT_AFTER.timestamp()
    assert values["sansang_http_status_code"] == 200


async def test_https_without_ca_file_is_certificate_invalid(web_servers: Web) -> None:
    spec = HttpSpec(url=web_servers.url("/", web_servers.https, "https"))
    outcome = await PROBES["http"].run(spec, ctx())
    assert (outcome.success, outcome.reason) == (False, "certificate_invalid")
    assert "unable to get local issuer certificate" in outcome.detail


async def test_https_hostname_mismatch_is_certificate_invalid(web_servers: Web, pki: Pki) -> None:
    url = web_servers.url("/", web_servers.https_wrong_name, "https")
    outcome = await PROBES["http"].run(HttpSpec(url=url, ca_file=pki.ca_file), ctx())
    assert (outcome.success, outcome.reason) == (False, "certificate_invalid")
    assert "mismatch" in outcome.detail.lower()


async def test_https_to_a_plain_http_port_is_tls_error(web_servers: Web, pki: Pki) -> None:
    spec = HttpSpec(url=web_servers.url("/", web_servers.http, "https"), ca_file=pki.ca_file)
    outcome = await PROBES["http"].run(spec, ctx())
    assert (outcome.success, outcome.reason) == (False, "tls_error")


async def test_https_with_a_missing_ca_file_says_so(web_servers: Web, tmp_path: Path) -> None:
    missing = tmp_path / "province-ca.pem"
    spec = HttpSpec(url=web_servers.url("/", web_servers.https, "https"), ca_file=missing)
    outcome = await PROBES["http"].run(spec, ctx())
    assert (outcome.success, outcome.reason) == (False, "error")
    assert outcome.detail.startswith(f"CA file {missing}: ")


async def test_http_ignores_proxy_environment(
    web_servers: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(var, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    outcome = await PROBES["http"].run(HttpSpec(url=web_servers.url("/")), ctx())
    assert outcome.success, outcome.detail


async def test_cli_probe_http_prints_result_logs_and_metrics(web_servers: Web) -> None:
    # the server runs in this test's event loop, so the CLI waits in a thread
    url = web_servers.url("/")
    done = await asyncio.to_thread(
        subprocess.run,
        [str(SANSANG), "agent", "probe", "http", url, "--debug", "--metrics", "--timeout", "5"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"Probe http {url}: THÀNH CÔNG / success (reason=ok)" in out
    assert f"DEBUG agent.probe.cli: GET {url}: 200, 10 body bytes" in out
    assert 'sansang_http_status_code{check="cli"} 200\n' in out  # an int, written exactly
    assert 'sansang_http_content_length_bytes{check="cli"} 10\n' in out
    assert 'sansang_probe_success{check="cli",probe="http"} 1.0' in out


# --- icmp --------------------------------------------------------------------------------------
async def test_icmp_loopback_reports_rtt_and_counters_that_add_up() -> None:
    kind = PROBES["icmp"]
    job = Job("loopback", "check", kind, IcmpSpec(host="127.0.0.1", count=3), 30.0, 3.0)
    state = SiteState([job], lambda _when: True)

    async def ignore(_changes: object) -> None:
        return None

    runner = Runner([job], state, ignore)
    for expected in (3, 6):
        outcome = await runner.run_once(job)
        assert outcome.success, outcome.detail
        recorded = state.records["loopback"].outcome
        assert recorded is not None
        values = names(recorded)
        assert values["sansang_icmp_packets_sent_total"] == expected
        assert values["sansang_icmp_packets_received_total"] == expected
        assert 0 < values["sansang_icmp_rtt_seconds"] < 0.1


def _open_sockets() -> set[str]:
    """This process's open sockets (``socket:[inode]``)."""
    found = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed meanwhile
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


async def test_icmp_probes_at_once_share_one_socket_per_family_and_close_it() -> None:
    """20 probes to 127.0.0.1 and ::1 at once: all answered, at most one new socket per address
    family open meanwhile, none left open afterwards."""
    before = _open_sockets()
    hosts = ["127.0.0.1", "::1"] * 10
    runs = asyncio.gather(*(PROBES["icmp"].run(IcmpSpec(host=h), ctx()) for h in hosts))
    most = 0
    while not runs.done():
        most = max(most, len(_open_sockets() - before))
        await asyncio.wait([runs], timeout=0.05)
    outcomes = runs.result()
    assert all(o.success for o in outcomes), [o.detail for o in outcomes if not o.success]
    assert all(names(o)["sansang_icmp_packets_received_total"] == 3 for o in outcomes)
    assert 1 <= most <= 2
    assert _open_sockets() - before == set()


@pytest.fixture
def neighbour() -> Iterator[Neighbour]:
    """A host in its own namespace on a veth link from this (default) namespace, /29."""
    with veth_neighbour("icmp", "10.200.251") as host:
        yield host


@pytest.mark.netns
async def test_icmp_neighbour_answers_then_stays_silent(neighbour: Neighbour) -> None:
    spec = IcmpSpec(host=neighbour.address, count=3)
    answered = await PROBES["icmp"].run(spec, ctx(timeout=2.0))
    assert answered.success, answered.detail
    assert "sansang_icmp_rtt_seconds" in names(answered)

    write_sysctl(neighbour.netns, "net.ipv4.icmp_echo_ignore_all", "1")
    silent, took = await timed(PROBES["icmp"].run(spec, ctx(timeout=2.0)))
    assert (silent.success, silent.reason) == (False, "timeout")
    assert "sansang_icmp_rtt_seconds" not in names(silent)
    assert names(silent)["sansang_icmp_packets_sent_total"] == 3
    assert names(silent)["sansang_icmp_packets_received_total"] == 0
    assert 2.0 <= took < 3.0


@pytest.mark.netns
async def test_icmp_address_nobody_owns_is_unreachable(neighbour: Neighbour) -> None:
    # the kernel gives up ARP after ~3 s and reports "host unreachable" for the queued packets
    outcome, took = await timed(PROBES["icmp"].run(IcmpSpec(host=neighbour.unowned), ctx(5.0)))
    assert (outcome.success, outcome.reason) == (False, "unreachable"), outcome.detail
    assert "unreachable" in outcome.detail.lower()
    assert took < 6.0


@pytest.mark.netns
def test_icmp_without_root_uses_the_unprivileged_socket_where_allowed(tmp_path: Path) -> None:
    """As `nobody` in a namespace of its own (ping_group_range is per namespace): refused with
    a clear reason until the range includes nobody's group, then answered."""
    with namespace(f"ssping{os.getpid()}") as netns:
        write_sysctl(netns, "net.ipv4.ping_group_range", "1 0")
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = [str(SANSANG), "agent", "probe", "icmp", "127.0.0.1", "--debug", "--metrics"]
        denied = in_netns(netns, *as_nobody, *probe)
        assert denied.returncode == 1, denied.stdout + denied.stderr
        assert "reason=permission_denied" in denied.stdout
        assert "net.ipv4.ping_group_range (now '1 0')" in denied.stdout

        write_sysctl(netns, "net.ipv4.ping_group_range", "65534 65534")
        allowed = in_netns(netns, *as_nobody, *probe)
        assert allowed.returncode == 0, allowed.stdout + allowed.stderr
        assert "unprivileged datagram socket" in allowed.stdout
        assert 'sansang_icmp_packets_received_total{check="cli"} 3.0' in allowed.stdout


# --- dns ---------------------------------------------------------------------------------------
DNSMASQ_RECORDS = [
    "--local=/sansang.test/",  # answered here only: an unknown name is NXDOMAIN
    "--address=/site.sansang.test/10.200.0.5",
    "--host-record=printer.sansang.test,10.200.0.7",  # A and PTR, no AAAA
    "--mx-host=sansang.test,mail1.sansang.test,10",
    "--mx-host=sansang.test,mail2.sansang.test,20",
]


def _dnsmasq(workdir: Path, port: int) -> list[str]:
    return [
        DNSMASQ, "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
        "--listen-address=127.0.0.1", f"--port={port}", f"--pid-file={workdir / 'dnsmasq.pid'}",
        "--conf-file=/dev/null", *DNSMASQ_RECORDS,
    ]  # fmt: skip


def _answers(port: int) -> bool:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = ["127.0.0.1"], port
    return bool(resolver.resolve("site.sansang.test", "A", lifetime=0.5))


@pytest.fixture
def dnsmasq(tmp_path: Path) -> Iterator[str]:
    """A real dnsmasq on 127.0.0.1 at a free port; yields ``127.0.0.1:PORT``."""
    if not Path(DNSMASQ).exists():
        pytest.fail("dnsmasq is missing: `scripts/bootstrap.sh test` installs dnsmasq-base")
    port = free_port()
    log = (tmp_path / "dnsmasq.log").open("wb")
    proc = subprocess.Popen(_dnsmasq(tmp_path, port), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: proc.poll() is None and _answers(port), 10, "dnsmasq to answer")
        yield f"127.0.0.1:{port}"
    finally:
        stop_process(proc)
        log.close()


@pytest.mark.parametrize(
    ("name", "record_type", "records"),
    [
        ("site.sansang.test", "A", 1),
        ("sansang.test", "MX", 2),
        ("10.200.0.7", "PTR", 1),
    ],
)
async def test_dns_answers(dnsmasq: str, name: str, record_type: str, records: int) -> None:
    spec = DnsSpec.model_validate({"name": name, "record_type": record_type, "server": dnsmasq})
    outcome = await PROBES["dns"].run(spec, ctx())
    assert outcome.success, outcome.detail
    values = names(outcome)
    assert values["sansang_dns_answer_records"] == records
    assert 0 < values["sansang_dns_lookup_duration_seconds"] < 1


@pytest.mark.parametrize(
    ("target", "reason", "detail"),
    [
        ("nothing.sansang.test", "name_not_resolved", "no such name (NXDOMAIN)"),
        ("AAAA:printer.sansang.test", "no_answer", "has no AAAA record"),
        ("portal.other.test", "protocol_error", "answered REFUSED"),
    ],
)
async def test_dns_failures(dnsmasq: str, target: str, reason: str, detail: str) -> None:
    outcome = await PROBES["dns"].run(PROBES["dns"].from_target(f"{target}@{dnsmasq}"), ctx())
    assert (outcome.success, outcome.reason) == (False, reason)
    assert detail in outcome.detail


async def test_dns_silent_server_times_out_within_the_timeout() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        spec = DnsSpec(name="site.sansang.test", server=f"127.0.0.1:{port}")
        outcome, took = await timed(PROBES["dns"].run(spec, ctx(timeout=1.0)))
    assert (outcome.success, outcome.reason) == (False, "timeout")
    assert 1.0 <= took < 1.5


@pytest.mark.netns
def test_dns_without_server_uses_the_system_resolver(tmp_path: Path) -> None:
    """`ip netns exec` puts /etc/netns/NS/resolv.conf in place of /etc/resolv.conf: the probe
    without `server` must ask the DNS server it names (dnsmasq on port 53 in the namespace)."""
    name = f"ssdns{os.getpid()}"
    etc = Path("/etc/netns") / name
    etc.mkdir(parents=True)
    (etc / "resolv.conf").write_text("nameserver 127.0.0.1\n", encoding="ascii")
    try:
        with namespace(name) as netns:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", netns, *_dnsmasq(tmp_path, 53)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                _system_resolver_answers(netns)
            finally:
                stop_process(proc)
    finally:
        shutil.rmtree(etc)


def _system_resolver_answers(netns: str) -> None:
    def probe() -> subprocess.CompletedProcess[str] | None:
        done = in_netns(
            netns, str(SANSANG), "agent", "probe", "dns", "site.sansang.test", "--metrics"
        )
        return done if done.returncode == 0 else None

    done = wait_until(probe, 15, "the system resolver in the namespace to answer")
    assert 'sansang_dns_answer_records{check="cli"} 1\n' in done.stdout
    missing = in_netns(netns, str(SANSANG), "agent", "probe", "dns", "gone.sansang.test")
    assert "reason=name_not_resolved" in missing.stdout
