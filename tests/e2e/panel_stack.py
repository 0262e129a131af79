"""The stack behind tests/e2e/test_dashboard_panels.py: every component whose series a dashboard
panel reads, real and on loopback.

- **NUT**: upsd + dummy-ups (:class:`~tests.integration.nutlab.NutLab`), polled by the agent as
  power source ``ups-1``; a second source ``ups-2`` names a UPS upsd does not serve (the network
  card of the rack UPS is gone: *UPS communication lost*).  Before the rest starts, ``ups-1``
  goes through a power cut that drains it: on battery, then a forced shutdown (the UPS ran out:
  ``ups_depleted``, the shortest hold-up), then mains back (one momentary outage).
- **The centre's network**, one loopback HTTP server (:class:`Centre`): the one-stop e-system
  answers 200, the national portal's web answers 503 (it is reachable by TCP, so the link rounds
  see it, but the service check fails: OPS-247 is not met at the site), the data centre is a TCP
  port; the counter PC and the video-conference endpoint are TCP connects to it, the printer a
  closed port (down).
- **Speed test**: ``sansang speedtest-server`` on loopback, tested by the agent's schedule over the
  link ``fibre``.
- **The agent** (``sansang agent run``): link ``fibre`` with ICMP and TCP rounds to 127.0.0.1
  every second, services, terminals, the two UPS, the speed test.
- **The collector** (``sansang collector run``): an inventory of three sites of Xã Sa Thầy: two
  pulled, the agent (``23527-main``) and a reception point whose agent does not answer
  (``23527-tiep-nhan``: unreachable), and a push site (``23527-buu-dien``, never scraped, so not
  unreachable either); it fetches the journals every second and evaluates a 30-second window
  every second.
- **Prometheus** (Debian): the agents from the file_sd file ``collector.file_sd`` writes from that
  inventory, the collector's ``/metrics`` with a viewer token, the deployed
  ``deploy/prometheus/sansang.rules.yml``; scrape and evaluation every second.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from collector import file_sd
from collector.inventory import model
from tests.integration.nutlab import NutLab
from tests.integration.promlab import Tsdb, province_prometheus
from tests.support import wait_until
from tests.support.agent import AgentProcess, running_agent
from tests.support.collector import CollectorProcess, inventory_of, running_collector, site
from tests.support.env import SANSANG, stop_process
from tests.support.net import ThreadedServer, free_port, http_get

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "sansang.rules.yml"
PROVINCE = ("51", "Quảng Ngãi")
COMMUNE = "23527"  # Xã Sa Thầy
LIVE_SITE = f"{COMMUNE}-main"
DEAD_SITE = f"{COMMUNE}-tiep-nhan"


class Centre(ThreadedServer):
    """The province's systems on one loopback port: ``/motcua`` answers 200, ``/dvcqg`` 503."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status = 503 if self.path.startswith("/dvcqg") else 200
                body = b"ok\n" if status == 200 else b"overloaded\n"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self) -> None:
                self.send_response(503 if self.path.startswith("/dvcqg") else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        super().__init__(Handler)


@dataclass
class PanelStack:
    ups: NutLab
    agent: AgentProcess
    collector: CollectorProcess
    prometheus: Tsdb
    prometheus_started: float  # monotonic
    built_in: float  # seconds from the first component to Prometheus answering


def agent_config(
    ups: NutLab, centre: int, closed: int, speedtest: str, workdir: Path
) -> dict[str, Any]:
    web = f"http://127.0.0.1:{centre}"
    return {
        "site": {
            "commune_code": COMMUNE,
            "name": "Bộ phận Một cửa xã Sa Thầy (thử nghiệm)",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        "probes": {"interval": "1s", "timeout": "1s", "start_spread": 0},
        "services": [
            {"id": "motcua", "name": "Hệ thống Một cửa điện tử tỉnh", "role": "one_stop_system",
             "check": {"probe": "http", "url": f"{web}/motcua"}},
            {"id": "dvcqg", "name": "Cổng Dịch vụ công quốc gia", "role": "national_portal",
             "check": {"probe": "http", "url": f"{web}/dvcqg"}},
            {"id": "ttdl", "name": "Trung tâm dữ liệu tỉnh", "role": "province_datacenter",
             "check": {"probe": "tcp", "host": "127.0.0.1", "port": centre}},
        ],
        "terminals": [
            {"id": "counter-1", "name": "Quầy 1", "kind": "counter_pc", "address": "127.0.0.1",
             "check": {"method": "tcp", "port": centre}},
            {"id": "vc-1", "name": "Điểm cầu họp trực tuyến", "kind": "video_conference",
             "address": "127.0.0.1", "check": {"method": "tcp", "port": centre}},
            {"id": "printer-1", "name": "Máy in quầy 1", "kind": "printer",
             "address": "127.0.0.1", "check": {"method": "tcp", "port": closed}},
        ],
        "power": {
            "interval": "1s",
            "timeout": "1s",
            "sources": [
                {"id": "ups-1", "name": "UPS quầy", "source": {"probe": "nut", **ups.spec()}},
                {"id": "ups-2", "name": "UPS tủ mạng",
                 "source": {"probe": "nut", **ups.spec(ups="tu-mang")}},
            ],
        },
        "links": [{"id": "fibre", "name": "Cáp quang Internet", "kind": "internet"}],
        "quality": {
            "interval": "1s",
            "count": 5,
            "spacing": "20ms",
            "timeout": "500ms",
            "targets": [
                {"id": "ttdl", "role": "province_datacenter", "links": ["fibre"],
                 "check": {"method": "icmp", "host": "127.0.0.1"}},
                {"id": "portal", "role": "national_portal", "links": ["fibre"],
                 "check": {"method": "tcp", "host": "127.0.0.1", "port": centre}},
            ],
        },
        "speedtest": {
            "mean_interval": "6s",
            "duration": "250ms",
            "monthly_budget_mib": 1_000_000,
            "backends": [
                {"id": "province", "kind": "selfhosted", "url": speedtest, "links": ["fibre"]}
            ],
        },
    }  # fmt: skip


def drain_ups(ups: NutLab, agent: AgentProcess) -> None:
    """A power cut that drains ``ups-1``: on battery, forced shutdown (it ran out), mains back."""

    def on_battery(value: float) -> bool:
        return agent.sample("sansang_power_on_battery", source="ups-1") == value

    wait_until(lambda: on_battery(0.0), 20, "the agent's first poll of ups-1 (on line)")
    ups.set_status("OB DISCHRG", charge=40, runtime=300)
    wait_until(lambda: on_battery(1.0), 20, "ups-1 on battery")
    ups.set_status("OB LB FSD", charge=3, runtime=0)
    wait_until(
        lambda: agent.sample("sansang_power_ups_holdup_shortest_seconds", window="30d") is not None,
        20,
        "the agent to record that ups-1 ran out (ups_depleted)",
    )
    ups.set_status("OL CHRG", charge=5, runtime=60)
    wait_until(lambda: on_battery(0.0), 20, "mains back on ups-1")


@contextmanager
def speedtest_server(workdir: Path) -> Iterator[str]:
    """``sansang speedtest-server`` on a free loopback port; its base URL."""
    listen = f"127.0.0.1:{free_port()}"
    with (workdir / "speedtest-server.log").open("ab") as log:
        proc = subprocess.Popen(
            [str(SANSANG), "speedtest-server", "--listen", listen],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{listen}/"
    try:
        wait_until(lambda: http_get(url, timeout=1.0) is not None, 15, "the speed test endpoint")
        yield url
    finally:
        stop_process(proc)


def inventory(agent_url: str) -> dict[str, Any]:
    """Three sites of Xã Sa Thầy: the agent and the reception point (its agent does not answer)
    are pulled; the post-office point pushes (behind 4G: never scraped, not unreachable)."""
    dead = f"http://127.0.0.1:{free_port()}/"
    inv: dict[str, Any] = inventory_of(
        site(COMMUNE, name="Bộ phận Một cửa xã Sa Thầy", pull=agent_url),
        site(COMMUNE, "tiep-nhan", name="Điểm tiếp nhận thôn 3, xã Sa Thầy", pull=dead),
        site(COMMUNE, "buu-dien", name="Điểm tiếp nhận tại bưu điện xã Sa Thầy"),
        province=PROVINCE,
    )
    return inv


@contextmanager
def panel_stack(tmp_path: Path) -> Iterator[PanelStack]:
    dirs = {name: tmp_path / name for name in ("nut", "agent", "collector", "prom")}
    for path in dirs.values():
        path.mkdir()
    began = time.monotonic()
    with ExitStack() as stack:
        ups = stack.enter_context(NutLab(dirs["nut"], poll_interval=1))
        centre = stack.enter_context(Centre())
        speedtest = stack.enter_context(speedtest_server(tmp_path))
        config = agent_config(ups, centre.port, free_port(), speedtest, dirs["agent"])
        agent = stack.enter_context(running_agent(config, dirs["agent"]))
        drain_ups(ups, agent)
        collector = stack.enter_context(
            running_collector(
                {"evaluate": {"interval": "1s", "window": "30s"}, "pull": {"interval": "1s"}},
                inventory(agent.base_url + "/"),
                dirs["collector"],
            )
        )
        inv = model.load(collector.inventory_path)
        _path, _sd = file_sd.write(inv, dirs["prom"] / "file_sd")
        prom = Tsdb(
            "prometheus",
            dirs["prom"],
            province_prometheus(
                RULES,
                dirs["prom"] / "file_sd",
                collector=(collector.config["listen"], collector.tokens["viewer"]),
            ),
        )
        stack.callback(prom.stop)
        prom.start()
        started = time.monotonic()
        yield PanelStack(ups, agent, collector, prom, started, started - began)
