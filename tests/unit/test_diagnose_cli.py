"""``sansang agent diagnose`` end to end, as a subprocess of the installed script, on loopback
only: a config whose checks point at a port that listens and one that is closed, and no config
with the gateway, a DNS server (a one-zone answerer started here) and the portal given on the
command line.  Exit codes, the JSON's first failure, the plain output a pipe gets."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import dns.message
import dns.rcode
import dns.rrset
import pytest
from aiohttp import web

from agent.journal.store import Journal

SANSANG = Path(sys.executable).with_name("sansang")
KNOWN = "portal.example."  # the one name the answerer knows
# With a config: a loopback address of its own, so the checks of 127.0.0.1 stay WAN checks (a
# check of the gateway's address is a LAN check).
GATEWAY = "127.0.0.2"


class _Zone(asyncio.DatagramProtocol):
    """A DNS server for one name: A 127.0.0.1 for ``portal.example``, NXDOMAIN for the rest."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        question = query.question[0]
        if question.name.to_text().lower() == KNOWN:
            reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.1"))
        else:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        self.transport.sendto(reply.to_wire(), addr)


@pytest.fixture
async def dns_server() -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(_Zone, local_addr=("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{transport.get_extra_info('sockname')[1]}"
    finally:
        transport.close()


@pytest.fixture
def open_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield int(server.getsockname()[1])


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as bound:  # bound and never listening: a connect is refused
        bound.bind(("127.0.0.1", 0))
        yield int(bound.getsockname()[1])


@pytest.fixture
async def portal() -> AsyncIterator[str]:
    async def index(_: web.Request) -> web.Response:
        return web.Response(text="Cổng dịch vụ công\n")

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


def write_config(directory: Path, checks: dict[str, int]) -> Path:
    """A site whose only checks are TCP connects to loopback ports, its journal made."""
    journal = directory / "journal.db"
    Journal(journal, boot_id="test").close()
    lines = [
        "site:",
        '  commune_code: "23527"',
        "  site_id: lab",
        '  name: "Bộ phận một cửa thử nghiệm"',
        "  latitude: 14.4",
        "  longitude: 107.8",
        "server: {listen: '127.0.0.1:19717'}",
        f"journal: {{path: '{journal}'}}",
        "host: {enabled: false}",
        "checks:",
    ]
    for name, port in checks.items():
        lines += [
            f"  - id: {name}",
            f'    name: "Máy chủ tỉnh ({name})"',
            f"    check: {{probe: tcp, host: 127.0.0.1, port: {port}}}",
        ]
    path = directory / "agent.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Run:
    def __init__(self, code: int, stdout: str, stderr: str, seconds: float) -> None:
        self.code, self.stdout, self.stderr, self.seconds = code, stdout, stderr, seconds

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)  # stdout holds the JSON and nothing else
        return data


async def diagnose(*args: str) -> Run:
    assert SANSANG.exists(), f"{SANSANG} is not installed (pip install -e .)"
    loop = asyncio.get_running_loop()
    started = loop.time()
    proc = await asyncio.create_subprocess_exec(
        str(SANSANG), "agent", "diagnose", "--timeout", "2", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode(), loop.time() - started)


async def test_a_closed_port_is_the_first_failure_exit_4(
    tmp_path: Path, open_port: int, closed_port: int, dns_server: str
) -> None:
    config = write_config(tmp_path, {"listening": open_port, "closed": closed_port})
    run = await diagnose(
        "--config", str(config), "--json", "--no-speedtest", "--gateway", GATEWAY,
        "--dns-server", dns_server, "--name", "portal.example",
    )  # fmt: skip
    assert run.code == 4, run.stderr
    data = run.json
    assert data["exit_code"] == 4 and data["source"] == "config" and data["site"] == "23527-lab"
    first = data["first_failure"]
    assert (first["layer"], first["id"], first["reason"]) == ("wan", "closed", "refused")
    # a reset came back: not the link's fault, the far end's (advice that fits where it is)
    assert first["advice"]["playbook"] == "service_down"
    assert first["advice"]["vi"].startswith("127.0.0.1 trả lời nhưng không có dịch vụ ở cổng")
    statuses = {r["id"]: r["status"] for r in data["results"]}
    assert statuses["listening"] == "ok" and statuses["gateway"] == "ok"
    assert statuses[f"dns@{dns_server}"] == "ok" and statuses["journal"] == "ok"
    assert statuses["power"] == "skip" and statuses["push"] == "skip"
    assert data["layers"]["wan"] == "fail" and data["layers"]["lan"] == "ok"
    assert "Mạng nội bộ" not in run.stderr  # stderr is no terminal: no progress
    print(f"diagnose --config (closed port): {run.seconds:.2f} s wall")


async def test_a_site_where_everything_answers_exits_0(
    tmp_path: Path, open_port: int, dns_server: str
) -> None:
    config = write_config(tmp_path, {"listening": open_port})
    run = await diagnose(
        "--config", str(config), "--json", "--no-speedtest", "--gateway", GATEWAY,
        "--dns-server", dns_server, "--name", "portal.example",
    )  # fmt: skip
    assert run.code == 0, run.stdout
    assert run.json["first_failure"] is None
    print(f"diagnose --config (all up): {run.seconds:.2f} s wall")


async def test_the_plain_output_piped_names_the_layer_step_and_playbook(
    tmp_path: Path, open_port: int, closed_port: int, dns_server: str
) -> None:
    config = write_config(tmp_path, {"listening": open_port, "closed": closed_port})
    run = await diagnose(
        "--config", str(config), "--no-speedtest", "--gateway", GATEWAY,
        "--dns-server", dns_server, "--name", "portal.example",
    )  # fmt: skip
    assert run.code == 4
    assert "\r" not in run.stdout and "\x1b" not in run.stdout
    lines = run.stdout.splitlines()
    assert "✘ Đường truyền (WAN) / WAN link" in lines
    assert "    ✔ Máy chủ tỉnh (listening): kết nối TCP sau" in "\n".join(lines)
    assert (
        "Lớp hỏng đầu tiên / first failing layer: Đường truyền (WAN) — Máy chủ tỉnh (closed): "
        "từ chối kết nối (dịch vụ không chạy?)"
    ) in lines
    assert "Việc cần làm / next step: 127.0.0.1 trả lời nhưng không có dịch vụ ở cổng này " in (
        run.stdout
    )
    assert lines[-1] == (
        "Xem / see: http://127.0.0.1:19717/playbooks/service_down#kiem-tra-dau-tien-tai-xa"
    )


async def test_without_a_config_on_loopback(dns_server: str, portal: str) -> None:
    run = await diagnose(
        "--json", "--no-speedtest", "--gateway", "127.0.0.1", "--dns-server", dns_server,
        "--name", "portal.example", "--portal", portal,
    )  # fmt: skip
    data = run.json
    assert data["source"] == "discovered" and data["site"] is None
    assert data["first_failure"] is None, data["first_failure"]
    assert run.code == data["exit_code"] and run.code in (0, 1)
    statuses = {r["id"]: r["status"] for r in data["results"]}
    assert statuses == {
        "power": "skip", "host": statuses["host"], "journal": "skip", "push": "skip",
        "gateway": "ok", "wan:portal": "ok", f"dns@{dns_server}": "ok", "portal": "ok",
    }  # fmt: skip
    assert statuses["host"] in ("ok", "warn")  # this machine's own clock and disks
    print(f"diagnose without config (all up): {run.seconds:.2f} s wall")


async def test_without_a_config_a_name_that_does_not_resolve_is_the_dns_layer(
    dns_server: str, closed_port: int
) -> None:
    run = await diagnose(
        "--json", "--no-speedtest", "--gateway", "127.0.0.1", "--dns-server", dns_server,
        "--name", "missing.example", "--portal", f"http://127.0.0.1:{closed_port}/",
    )  # fmt: skip
    assert run.code == 4
    data = run.json
    first = data["first_failure"]
    assert (first["layer"], first["reason"]) == ("dns", "name_not_resolved")
    assert data["layers"]["services"] == "fail"  # the portal too, but DNS is below it
    assert first["advice"]["vi"].startswith(f"Máy chủ DNS {dns_server}")
    print(f"diagnose without config (DNS down): {run.seconds:.2f} s wall")


async def test_the_handover_record_is_written_and_said_on_stderr_with_json(
    tmp_path: Path, dns_server: str, portal: str
) -> None:
    out = tmp_path / "bien-ban.html"
    run = await diagnose(
        "--json", "--no-speedtest", "--gateway", "127.0.0.1", "--dns-server", dns_server,
        "--name", "portal.example", "--portal", portal, "--out", str(out),
        "--technician", "Nguyễn Văn An", "--done", "Thay dây mạng quầy 1",
    )  # fmt: skip
    assert run.json["source"] == "discovered"  # stdout: still the JSON alone
    assert f"Biên bản bàn giao / handover record: {out} (sha256 " in run.stderr
    assert out.exists() and "Nguyễn Văn An" in out.read_text(encoding="utf-8")


async def test_a_record_that_cannot_be_written_is_not_a_silent_success(
    tmp_path: Path, dns_server: str, portal: str
) -> None:
    """The checks all pass, but --out names a directory that does not exist: exit 2 with the
    reason, never 0 (the technician would leave without the record)."""
    out = tmp_path / "khong-co" / "bien-ban.html"
    run = await diagnose(
        "--no-speedtest", "--gateway", "127.0.0.1", "--dns-server", dns_server,
        "--name", "portal.example", "--portal", portal, "--out", str(out),
        "--technician", "Nguyễn Văn An",
    )  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    assert "không ghi được biên bản / cannot write the record" in run.stderr
    assert "Phân giải tên (DNS)" in run.stdout  # the checks ran and were shown
    assert any(s in run.stdout for s in ("Tất cả đều tốt", "Không có lớp hỏng"))
    assert not out.exists()


async def test_usage_and_config_errors_exit_2(tmp_path: Path) -> None:
    no_name = await diagnose("--out", str(tmp_path / "x.html"))
    assert no_name.code == 2 and "--technician" in no_name.stderr
    bad = tmp_path / "agent.yaml"
    bad.write_text("site:\n  commune_code: '23527'\n  site_id: Lab!\n", encoding="utf-8")
    run = await diagnose("--config", str(bad))
    assert run.code == 2
    assert str(bad) in run.stderr and "site_id" in run.stderr
    assert not (tmp_path / "x.html").exists()
