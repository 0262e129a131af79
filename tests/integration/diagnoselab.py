"""A whole commune centre in network namespaces, for ``sansang agent diagnose`` with one fault at
a time: every layer it checks answers from a real server, and each fault is one real change.

Topology (``K`` = the test process id mod 250, so parallel runs never share addresses)::

    site ns (the monitoring box: diagnose runs here)
      lan0 10.231.K.10/24 ---- lan0 10.231.K.1/24   gw ns (the centre's router, forwarding)
        default route via 10.231.K.1                wan0 10.233.K.1/30 ---- wan0 10.233.K.2/30
      dev0 10.232.K.2/30 ---+                                               isp ns ("Internet"):
                            |                                               dnsmasq :53, HTTPS :443
      default namespace: d<PID>s 10.232.K.1/30, the devices on the centre's LAN:
        upsd + dummy-ups (nutlab), snmpsim printer (snmplab), the router's sshd (routerlab)

The site namespace's ``/etc/resolv.conf`` is ``/etc/netns/<site>/resolv.conf`` (``ip netns
exec`` puts it in place) naming the ISP's dnsmasq, which answers ``motcua.tinh.example`` with the
ISP's address, where an HTTPS server holds a certificate for that name from a trustme CA.  Nothing
routes off the machine: the ISP namespace is a dead end, and nothing is ever resolved outside it.

Faults (each a context manager that restores the lab on the way out, whatever happened):
:meth:`DiagnoseLab.link_cut` (the ISP's end of the uplink down), :meth:`~DiagnoseLab.dns_down`
(dnsmasq stopped), :meth:`~DiagnoseLab.on_battery` (dummy-ups says ``OB DISCHRG``),
:meth:`~DiagnoseLab.paper_out` (the printer's recording swapped for a no-paper one),
:meth:`~DiagnoseLab.router_wan_down` (the router's recorded answers show its WAN port down).
Each waits, with a deadline, until the fault (and its repair) can be seen from the site.

Processes started inside a namespace keep it alive after ``ip netns del``: every process is
stopped before the namespaces go (one ``ExitStack``, unwound in reverse).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.journal.store import Journal
from tests.integration.linklab import linklab_missing
from tests.integration.netns import in_netns, ip, link_exists, namespace, write_sysctl
from tests.integration.nutlab import NutLab, nut_missing
from tests.integration.routerlab import RouterLab
from tests.integration.snmplab import (
    _GET_SYSDESCR_ROUTER,
    RESPONDER,
    V3_AUTH_KEY,
    V3_PRIV_KEY,
    V3_USER,
    SnmpLab,
)
from tests.integration.sshlab import USER, sshd_missing
from tests.support import NotYet, wait_until
from tests.support.env import SANSANG, stop_process
from tests.support.net import free_port
from tests.support.router_answers import WAN, answers

DNSMASQ = Path("/usr/sbin/dnsmasq")
PRINTERS = Path(__file__).resolve().parents[1] / "fixtures" / "printers"
PORTAL_NAME = "motcua.tinh.example"
PORTAL_URL = f"https://{PORTAL_NAME}/"
PRINTER_COMMUNITY = "may-in-quay-1"  # the snmprec file the lab swaps: the printer's own state
PRINTER_READY = PRINTERS / "hp-m404-ready.snmprec"
PRINTER_PAPER_OUT = PRINTERS / "hp-m404-paper-out.snmprec"
ROUTER_PROFILE = "routeros"

# The ISP's HTTPS server: a one-page "one-stop system" with the lab's certificate, run inside the
# ISP namespace; it prints "ready" once it listens.
_HTTPS_SERVER = r"""
import http.server, ssl, sys

class Portal(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = "Hệ thống giải quyết thủ tục hành chính (phòng thí nghiệm)\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

httpd = http.server.ThreadingHTTPServer((sys.argv[1], 443), Portal)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(sys.argv[2])
httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
print("ready", flush=True)
httpd.serve_forever()
"""

# From the site: can a TCP connection reach host:port within a second?  (No ping binary here.)
_CONNECTS = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()\n"
    "except OSError as err:\n"
    "    sys.exit(str(err))\n"
)

# From the site: the A records dnsmasq gives for a name (dnspython, as the dns probe uses).
_RESOLVES = (
    "import sys, dns.resolver\n"
    "r = dns.resolver.Resolver(configure=False)\n"
    "r.nameservers = [sys.argv[1]]\n"
    "print(' '.join(a.to_text() for a in r.resolve(sys.argv[2], 'A', lifetime=1)))\n"
)


def diagnoselab_missing() -> str | None:
    """Why the lab cannot run here, or None."""
    for reason in (linklab_missing(), nut_missing(), sshd_missing()):
        if reason:
            return reason
    if not DNSMASQ.exists():
        return f"{DNSMASQ} not found: apt-get install -y dnsmasq-base"
    if not RESPONDER.exists():
        return f"{RESPONDER} not found: pip install snmpsim pysmi"
    if not SANSANG.exists():
        return f"{SANSANG} not found: pip install -e ."
    return None


class LanSnmpLab(SnmpLab):
    """snmplab's snmpsim, listening on ``host`` (an address of the centre's LAN) instead of
    127.0.0.1: the site namespace has its own loopback."""

    def __init__(self, workdir: Path, host: str) -> None:
        super().__init__(workdir)
        self.host = host
        self.port = free_port(host)

    def start(self, timeout: float = 30.0) -> LanSnmpLab:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.reset()
        cmd = [
            str(RESPONDER),
            f"--data-dir={self.data_dir}",
            f"--cache-dir={self.workdir / 'cache'}",
            f"--agent-udpv4-endpoint={self.host}:{self.port}",
            f"--v3-user={V3_USER}",
            f"--v3-auth-key={V3_AUTH_KEY}",
            "--v3-auth-proto=SHA",
            f"--v3-priv-key={V3_PRIV_KEY}",
            "--v3-priv-proto=AES",
        ]
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_until(self._answers_here, timeout, f"snmpsim on {self.host}:{self.port}")
        except BaseException:
            self.stop()
            raise
        return self

    def _answers_here(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"snmpsim exited with {self.proc.returncode}:\n{self.log()}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.2)
            sock.sendto(_GET_SYSDESCR_ROUTER, (self.host, self.port))
            try:
                return len(sock.recv(2048)) > 0
            except TimeoutError:
                return False

    def serve_file(self, community: str, recording: Path) -> None:
        """Serve ``recording`` as the device ``community`` (atomically, with a newer mtime:
        snmpsim re-reads a file whose whole-second mtime changed)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / f"{community}.snmprec"
        tmp = path.with_suffix(".tmp")
        shutil.copyfile(recording, tmp)
        self._mtime = max(self._mtime + 1, int(time.time()))
        os.utime(tmp, (self._mtime, self._mtime))
        os.replace(tmp, path)


@dataclass
class Diagnosed:
    """One run of ``sansang agent diagnose --json``: what it printed and how long it took."""

    exit_code: int
    report: dict[str, Any]
    stderr: str
    seconds: float

    def layer(self, name: str) -> str:
        return str(self.report["layers"][name])

    def results(self, layer: str) -> list[dict[str, Any]]:
        return [r for r in self.report["results"] if r["layer"] == layer]

    def summary(self) -> str:
        """For assertion messages: the layers, the first failure, every failed or warned check."""
        first = self.report.get("first_failure") or {}
        bad = [
            f"{r['layer']}/{r['id']}: {r['status']} {r['reason']} {r['en']}"
            for r in self.report.get("results", [])
            if r["status"] in ("fail", "warn")
        ]
        playbook = (first.get("advice") or {}).get("path")
        return (
            f"exit {self.exit_code}, layers {self.report.get('layers')}, first "
            f"{first.get('layer')}/{first.get('id')}/{first.get('reason')} {playbook} "
            f"{first.get('vi')!r}; {bad}; stderr {self.stderr[-800:]!r}"
        )


@dataclass
class DiagnoseLab:
    root: Path
    k: int = field(default_factory=lambda: os.getpid() % 250)
    site_ns: str = ""
    gw_ns: str = ""
    isp_ns: str = ""
    nut: NutLab | None = None
    snmp: LanSnmpLab | None = None
    router: RouterLab | None = None
    ca_file: Path = field(init=False)
    _dnsmasq: subprocess.Popen[bytes] | None = None
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ca_file = self.root / "ca.pem"

    # ---- addresses -----------------------------------------------------------------------------

    @property
    def gateway(self) -> str:
        return f"10.231.{self.k}.1"

    @property
    def site_address(self) -> str:
        return f"10.231.{self.k}.10"

    @property
    def devices(self) -> str:
        """The default namespace's address on the centre's LAN: the UPS, printer and router."""
        return f"10.232.{self.k}.1"

    @property
    def isp(self) -> str:
        """The ISP's address: DNS, the one-stop system, the quality target."""
        return f"10.233.{self.k}.2"

    @property
    def resolv_dir(self) -> Path:
        return Path("/etc/netns") / self.site_ns

    # ---- building ------------------------------------------------------------------------------

    def build(self, stack: ExitStack) -> DiagnoseLab:
        pid = os.getpid()
        self.site_ns = stack.enter_context(namespace(f"ssdg{pid}s"))
        self.gw_ns = stack.enter_context(namespace(f"ssdg{pid}g"))
        self.isp_ns = stack.enter_context(namespace(f"ssdg{pid}i"))
        k, site, gw, isp = self.k, self.site_ns, self.gw_ns, self.isp_ns
        # the centre's LAN: the box and its router
        ip("link", "add", f"d{pid}a", "type", "veth", "peer", "name", f"d{pid}b")
        ip("link", "set", f"d{pid}a", "netns", site, "name", "lan0")
        ip("link", "set", f"d{pid}b", "netns", gw, "name", "lan0")
        ip("-n", site, "addr", "add", f"{self.site_address}/24", "dev", "lan0")
        ip("-n", gw, "addr", "add", f"{self.gateway}/24", "dev", "lan0")
        # the uplink: the router's WAN port to the ISP
        ip("link", "add", f"d{pid}c", "type", "veth", "peer", "name", f"d{pid}d")
        ip("link", "set", f"d{pid}c", "netns", gw, "name", "wan0")
        ip("link", "set", f"d{pid}d", "netns", isp, "name", "wan0")
        ip("-n", gw, "addr", "add", f"10.233.{k}.1/30", "dev", "wan0")
        ip("-n", isp, "addr", "add", f"{self.isp}/30", "dev", "wan0")
        for ns, dev in ((site, "lan0"), (gw, "lan0"), (gw, "wan0"), (isp, "wan0")):
            ip("-n", ns, "link", "set", dev, "up")
        ip("-n", site, "route", "add", "default", "via", self.gateway, "dev", "lan0")
        self._route_back()
        write_sysctl(gw, "net.ipv4.ip_forward", "1")
        # the devices on the LAN, served from the default namespace
        local = f"d{pid}s"
        ip("link", "add", local, "type", "veth", "peer", "name", "dev0", "netns", site)
        stack.callback(_delete_link, local)
        ip("addr", "add", f"{self.devices}/30", "dev", local)
        ip("link", "set", local, "up")
        ip("-n", site, "addr", "add", f"10.232.{k}.2/30", "dev", "dev0")
        ip("-n", site, "link", "set", "dev0", "up")
        # the site's resolver: the ISP's dnsmasq
        self.resolv_dir.mkdir(parents=True, exist_ok=True)
        stack.callback(shutil.rmtree, self.resolv_dir, True)
        (self.resolv_dir / "resolv.conf").write_text(f"nameserver {self.isp}\n", encoding="ascii")
        stack.callback(self._stop_processes)
        self._pki()
        self._start_https()
        self.start_dns()
        self.nut = stack.enter_context(NutLab(self.root / "nut", host=self.devices))
        self.snmp = LanSnmpLab(self.root / "snmp", self.devices)
        self.snmp.serve_file(PRINTER_COMMUNITY, PRINTER_READY)
        self.snmp.start()
        stack.callback(self.snmp.stop)
        self.router = RouterLab()
        self.router.host = self.devices
        stack.enter_context(self.router)
        self.router.answer(answers(ROUTER_PROFILE, "up"))
        wait_until(lambda: self.reaches(self.isp, 443), 10, "the site to reach the ISP's HTTPS")
        return self

    def _route_back(self) -> None:
        """The ISP's route to the centre's LAN (it goes when the ISP's port goes down)."""
        ip("-n", self.isp_ns, "route", "replace", f"10.231.{self.k}.0/24", "via",
           f"10.233.{self.k}.1")  # fmt: skip

    def _pki(self) -> None:
        import trustme

        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(self.ca_file))
        leaf = ca.issue_cert(PORTAL_NAME)
        leaf.private_key_and_cert_chain_pem.write_to_path(str(self.root / "portal.pem"))

    def _start_https(self) -> None:
        script = self.root / "portal.py"
        script.write_text(_HTTPS_SERVER, encoding="utf-8")
        cmd = [sys.executable, "-u", str(script), self.isp, str(self.root / "portal.pem")]
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.isp_ns, *cmd],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._procs.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        line = proc.stdout.readline().decode() if ready else ""
        if line.strip() != "ready":
            raise RuntimeError(f"the ISP's HTTPS server did not start: {line!r}")

    def _stop_processes(self) -> None:
        self.stop_dns()
        for proc in self._procs:
            stop_process(proc)

    # ---- the agent's config --------------------------------------------------------------------

    def config(self, name: str = "agent.yaml") -> Path:
        """The site's agent config: every layer pointed at the lab."""
        assert self.nut is not None and self.snmp is not None and self.router is not None
        journal = self.root / "journal.db"
        if not journal.exists():  # the agent has run here: its journal exists (empty is fine)
            Journal(journal, boot_id="diagnoselab").close()
        text = f"""\
site:
  commune_code: "23527"
  site_id: main
  name: "Bộ phận một cửa Xã Sa Thầy (phòng thí nghiệm)"
  latitude: 14.4167
  longitude: 107.7833
journal:
  path: {journal}
probes:
  timeout: 3s
host:
  enabled: true
  filesystems: ["/"]
checks:
  - id: dns
    name: "DNS của nhà mạng"
    check:
      probe: dns
      name: {PORTAL_NAME}
      record_type: A
      server: {self.isp}
      timeout: 2s
services:
  - id: motcua
    name: "Hệ thống một cửa tỉnh"
    role: one_stop_system
    check:
      probe: http
      url: {PORTAL_URL}
      ca_file: {self.ca_file}
      timeout: 3s
terminals:
  - id: router
    name: "Router của xã"
    kind: router
    address: {self.gateway}
    check: {{timeout: 5s}}
    ssh:
      host: {self.devices}
      port: {self.router.port}
      user: {USER}
      key_file: {self.router.client_key}
      host_key: "{self.router.host_key}"
      profile: {ROUTER_PROFILE}
      wan_interface: {WAN[ROUTER_PROFILE]}
  - id: quay-1
    name: "Quầy 1 — máy tính cán bộ"
    kind: counter_pc
    address: {self.devices}
    check: {{method: icmp}}
  - id: may-in-1
    name: "Máy in quầy 1"
    kind: printer
    address: {self.devices}
    snmp: {{version: "2c", community: {PRINTER_COMMUNITY}, port: {self.snmp.port}}}
power:
  sources:
    - id: ups
      name: "UPS quầy một cửa"
      source:
        probe: nut
        host: {self.devices}
        port: {self.nut.port}
        ups: {self.nut.ups}
links:
  - id: fibre
    name: "Cáp quang Internet"
    kind: internet
    role: primary
quality:
  count: 5
  spacing: 100ms
  timeout: 1s
  targets:
    - id: isp
      name: "Máy chủ nhà mạng"
      role: other
      check: {{method: icmp, host: {self.isp}}}
"""
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    # ---- running diagnose ----------------------------------------------------------------------

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 90) -> Diagnosed:
        """``sansang agent diagnose --json ARGS`` inside the site's namespace."""
        started = time.monotonic()
        done = subprocess.run(
            ["ip", "netns", "exec", self.site_ns, str(SANSANG), "agent", "diagnose", "--json",
             *args],
            capture_output=True, text=True, timeout=timeout, check=False,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        seconds = time.monotonic() - started
        try:
            report = json.loads(done.stdout)
        except json.JSONDecodeError as err:
            raise AssertionError(
                f"diagnose printed no JSON (exit {done.returncode}): {err}\n"
                f"stdout {done.stdout[-2000:]!r}\nstderr {done.stderr[-2000:]!r}"
            ) from err
        return Diagnosed(done.returncode, report, done.stderr, seconds)

    # ---- what the site sees --------------------------------------------------------------------

    def reaches(self, host: str, port: int) -> bool | NotYet:
        done = in_netns(self.site_ns, sys.executable, "-c", _CONNECTS, host, str(port))
        return True if done.returncode == 0 else NotYet(done.stderr.strip())

    def resolves(self) -> str | NotYet:
        done = in_netns(self.site_ns, sys.executable, "-c", _RESOLVES, self.isp, PORTAL_NAME)
        return done.stdout.strip() if done.returncode == 0 else NotYet(done.stderr.strip()[-200:])

    # ---- DNS -----------------------------------------------------------------------------------

    def start_dns(self) -> None:
        cmd = [
            str(DNSMASQ), "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
            f"--listen-address={self.isp}", "--port=53", "--conf-file=/dev/null",
            f"--pid-file={self.root / 'dnsmasq.pid'}", "--local=/tinh.example/",
            f"--address=/{PORTAL_NAME}/{self.isp}",
        ]  # fmt: skip
        with (self.root / "dnsmasq.log").open("ab") as log:
            self._dnsmasq = subprocess.Popen(
                ["ip", "netns", "exec", self.isp_ns, *cmd],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_until(lambda: self.resolves() == self.isp, 10, "dnsmasq to answer the site")

    def stop_dns(self) -> None:
        if self._dnsmasq is not None:
            stop_process(self._dnsmasq)
            self._dnsmasq = None

    # ---- faults --------------------------------------------------------------------------------

    @contextmanager
    def link_cut(self) -> Iterator[None]:
        """The ISP's end of the uplink goes down (the fibre cut beyond the router)."""
        ip("-n", self.isp_ns, "link", "set", "wan0", "down")
        try:
            wait_until(lambda: not self.reaches(self.isp, 443), 10, "the uplink to be cut")
            yield
        finally:
            ip("-n", self.isp_ns, "link", "set", "wan0", "up")
            self._route_back()
            wait_until(lambda: self.reaches(self.isp, 443), 15, "the uplink to come back")

    @contextmanager
    def dns_down(self) -> Iterator[None]:
        """dnsmasq stopped; the network itself fine."""
        self.stop_dns()
        try:
            wait_until(lambda: not self.resolves(), 10, "DNS to stop answering")
            yield
        finally:
            self.start_dns()

    @contextmanager
    def on_battery(self) -> Iterator[None]:
        """Mains lost: the UPS runs on its battery (dummy-ups flipped to OB)."""
        assert self.nut is not None
        self.nut.set_status("OB DISCHRG", charge=80, runtime=900)
        try:
            self.nut.wait_status("OB DISCHRG", timeout=10)
            yield
        finally:
            self.nut.set_status("OL", charge=100, runtime=1800)
            self.nut.wait_status("OL", timeout=10)

    @contextmanager
    def paper_out(self) -> Iterator[None]:
        """The printer runs out of paper (its recording swapped for the no-paper one)."""
        assert self.snmp is not None
        self.snmp.serve_file(PRINTER_COMMUNITY, PRINTER_PAPER_OUT)
        try:
            yield
        finally:
            self.snmp.serve_file(PRINTER_COMMUNITY, PRINTER_READY)

    @contextmanager
    def router_wan_down(self) -> Iterator[None]:
        """The router says its WAN port is down (recorded answers); the network itself fine."""
        assert self.router is not None
        self.router.answer(answers(ROUTER_PROFILE, "wan_down"))
        try:
            yield
        finally:
            self.router.answer(answers(ROUTER_PROFILE, "up"))


def _delete_link(dev: str) -> None:
    if link_exists(dev):  # deleting one end removes both, at once
        ip("link", "del", dev)


@contextmanager
def diagnose_lab(root: Path) -> Iterator[DiagnoseLab]:
    """The whole lab, started; everything stopped and deleted on the way out."""
    with ExitStack() as stack:
        yield DiagnoseLab(root).build(stack)
