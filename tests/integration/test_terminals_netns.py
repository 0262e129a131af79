"""The whole agent against real hosts: terminals and a service in network namespaces.

The agent runs in its own namespace, bridged to a LAN of host namespaces (see ``netlab``); the
test talks to it over a /30 veth from the default namespace, so scrapes are plain HTTP.  Hosts
that answer run ``python -m http.server`` in their namespace (TCP and HTTP) and the kernel
answers their ICMP echo; silent terminals are LAN addresses nobody owns; a refused one is a host
with nothing listening on the port.

Timing: checks run every ``INTERVAL`` with ``TIMEOUT``.  A terminal unplugged at time t must be
journalled down and show 0 by t + INTERVAL + TIMEOUT: the run in progress at t may still see it
up, the next starts at most INTERVAL after that one started and gives up after TIMEOUT.
``MARGIN`` (1 s) covers what is not the probe: the runner's wake-up, the journal's fsync, the
test's 50 ms polling and the scrape.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pytest

from agent.web.texts import HINTS
from sansang import i18n
from tests.integration.netlab import Host, Lab
from tests.support import wait_until
from tests.support.agent import AgentProcess
from tests.support.env import have
from tests.support.metrics import parse_metrics, value
from tests.support.net import http_get

pytestmark = [
    pytest.mark.integration,
    pytest.mark.netns,
    pytest.mark.skipif(not have("ip"), reason="needs iproute2's ip"),
]

INTERVAL = 2.0
TIMEOUT = 1.0
MARGIN = 1.0  # scheduling, journal fsync, polling and scrape; see the module docstring
DEADLINE = INTERVAL + TIMEOUT + MARGIN
AGENT_PORT = 9717
SILENT = ("10.200.1.98", "10.200.1.99")  # on the LAN, owned by nobody
QUAY1 = {"terminal": "quay-1", "kind": "counter_pc"}


@dataclass(frozen=True)
class T:
    """A terminal of the test site and what its first check must say."""

    id: str
    kind: str
    address: str
    method: str
    port: int | None
    up: bool
    name: str = ""

    def config(self) -> dict[str, Any]:
        check: dict[str, Any] = {"method": self.method}
        if self.port is not None:
            check["port"] = self.port
        return {
            "id": self.id,
            "name": self.name or self.id,
            "kind": self.kind,
            "address": self.address,
            "check": check,
        }


TERMINALS = (
    T("quay-1", "counter_pc", "10.200.1.11", "tcp", 8080, True, "Quầy 1"),
    T("quay-2", "counter_pc", "10.200.1.12", "tcp", 8080, True, "Quầy 2"),
    T("may-in", "printer", "10.200.1.13", "tcp", 9100, True),
    T("tra-cuu", "lookup_kiosk", "10.200.1.14", "tcp", 80, False),  # host up, port closed
    T("camera-sanh", "camera", SILENT[1], "tcp", 554, False),  # nobody there
    T("xep-hang", "queue_machine", "10.200.1.12", "icmp", None, True),
    T("switch-tang-2", "switch", SILENT[0], "icmp", None, False),
    T("hoi-nghi", "video_conference", "10.200.1.15", "http", 8000, True),
    T("camera-cong", "camera", "10.200.1.14", "http", 80, False),
)


@dataclass
class Site:
    lab: Lab
    agent: AgentProcess
    hosts: dict[str, Host]
    service_pid: int

    def metrics(self) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
        return parse_metrics(self.agent.metrics())

    def events(self) -> list[dict[str, Any]]:
        body = http_get(self.agent.base_url + "/api/v1/events?after=0&limit=5000")
        return json.loads(body)["events"]  # type: ignore[no-any-return]

    def page(self, query: str = "") -> str:
        return http_get(self.agent.base_url + "/" + query).decode()


def _config(lab: Lab, journal: Path) -> dict[str, Any]:
    return {
        "site": {
            "commune_code": "23527",
            "site_id": "netns",
            "name": "Bộ phận Một cửa (thử nghiệm)",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"{lab.agent_address}:{AGENT_PORT}"},
        "journal": {"path": str(journal)},
        "probes": {"interval": f"{INTERVAL:g}s", "timeout": f"{TIMEOUT:g}s", "start_spread": 0},
        "host": {"enabled": False},
        "services": [
            {
                "id": "mot-cua",
                "name": "Một cửa điện tử tỉnh",
                "role": "one_stop_system",
                "check": {"probe": "http", "url": "http://10.200.1.20:8080/"},
            },
        ],
        "terminals": [t.config() for t in TERMINALS],
    }


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    lab = Lab()
    agent: AgentProcess | None = None
    try:
        lab.build()
        www = tmp_path / "www"
        www.mkdir()
        (www / "index.html").write_text("<p>một cửa</p>\n", encoding="utf-8")
        hosts = {
            name: lab.host(name, octet)
            for name, octet in (
                ("pc1", 11),
                ("pc2", 12),
                ("printer", 13),
                ("kiosk", 14),
                ("vc", 15),
                ("svc", 20),
            )
        }
        for name, port in (("pc1", 8080), ("pc2", 8080), ("printer", 9100), ("vc", 8000)):
            lab.serve_http(hosts[name], port, www)
        service_pid = lab.serve_http(hosts["svc"], 8080, www)
        agent = AgentProcess(_config(lab, tmp_path / "journal.db"), tmp_path, netns=lab.agent_ns)
        agent.start()
        yield Site(lab, agent, hosts, service_pid)
    finally:
        if agent is not None:
            agent.stop()
        lab.close()


def _first_round(site: Site) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
    """Wait until every terminal and the service has been checked once (start_spread 0: all
    start at once; a silent one takes TIMEOUT)."""

    def complete() -> dict[str, dict[frozenset[tuple[str, str]], float]] | None:
        m = site.metrics()
        done = len(m.get("sansang_terminal_up", {})) == len(TERMINALS)
        return m if done and m.get("sansang_service_up") else None

    return wait_until(complete, DEADLINE, "the first round of checks")


def _state_events(site: Site, kind: str, subject: str) -> list[dict[str, Any]]:
    return [e for e in site.events() if e["kind"] == kind and e["subject"] == subject]


def test_first_round_reports_every_terminal(site: Site) -> None:
    assert {t.method for t in TERMINALS} == {"tcp", "icmp", "http"}
    m = _first_round(site)
    for t in TERMINALS:
        got = value(m, "sansang_terminal_up", terminal=t.id, kind=t.kind)
        assert got == float(t.up), f"{t.id} ({t.method} {t.address}) up={got}, want {t.up}"
    for kind in {t.kind for t in TERMINALS}:
        of_kind = [t for t in TERMINALS if t.kind == kind]
        assert value(m, "sansang_terminals_configured", kind=kind) == len(of_kind), kind
        assert value(m, "sansang_terminals_up", kind=kind) == sum(t.up for t in of_kind), kind
    assert set(m["sansang_terminals_configured"]) == {
        frozenset({("kind", k)}) for k in {t.kind for t in TERMINALS}
    }, "a kind with no terminal must not be reported"

    events = wait_until(
        lambda: (
            (ev := site.events())
            and {e["subject"] for e in ev if e["kind"] == "terminal_state"}
            == {t.id for t in TERMINALS}
            and ev
        ),
        DEADLINE,
        "an initial terminal_state event per terminal",
    )
    for t in TERMINALS:
        first = next(e for e in events if e["kind"] == "terminal_state" and e["subject"] == t.id)
        assert first["state"] == ("up" if t.up else "down"), first
        assert first["details"]["kind"] == t.kind
        assert "previous" not in first["details"], "an initial state has no previous state"
        if not t.up:
            assert first["details"]["reason"] in ("refused", "timeout", "unreachable"), first


def test_unplugged_terminal_goes_down_within_one_interval_and_comes_back(site: Site) -> None:
    _first_round(site)
    quay1 = TERMINALS[0]
    assert quay1.id == "quay-1" and quay1.up

    unplugged = time.monotonic()
    site.hosts["pc1"].unplug()
    seen: dict[str, float] = {}

    def down_everywhere() -> bool:
        m = site.metrics()
        if "metric" not in seen and value(m, "sansang_terminal_up", **QUAY1) == 0.0:
            seen["metric"] = time.monotonic() - unplugged
        if "event" not in seen and any(
            e["state"] == "down" for e in _state_events(site, "terminal_state", "quay-1")
        ):
            seen["event"] = time.monotonic() - unplugged
        return len(seen) == 2

    wait_until(down_everywhere, DEADLINE, f"quay-1 down in metric and journal; seen {seen}")
    print(
        f"\nunplugged -> metric 0 after {seen['metric']:.2f}s, journal event after "
        f"{seen['event']:.2f}s (deadline {DEADLINE:g}s)"
    )
    down = [e for e in _state_events(site, "terminal_state", "quay-1") if e["state"] == "down"]
    assert len(down) == 1
    assert down[0]["details"]["reason"] in ("timeout", "unreachable"), down[0]
    assert down[0]["details"]["previous"] == "up"
    m = site.metrics()
    assert value(m, "sansang_terminals_up", kind="counter_pc") == 1.0  # quay-2 still answers

    _assert_status_page_names(site, quay1)

    plugged = time.monotonic()
    site.hosts["pc1"].plug()
    ups = wait_until(
        lambda: [
            e
            for e in _state_events(site, "terminal_state", "quay-1")
            if e["seq"] > down[0]["seq"] and e["state"] == "up"
        ],
        DEADLINE,
        "quay-1 journalled up again",
    )
    print(f"plugged -> journal up event after {time.monotonic() - plugged:.2f}s")
    assert ups[0]["details"]["previous"] == "down"
    assert ups[0]["details"]["previous_duration_seconds"] > 0
    assert wait_until(
        lambda: value(site.metrics(), "sansang_terminal_up", **QUAY1) == 1.0,
        DEADLINE,
        "quay-1 up in the metric",
    )


def _assert_status_page_names(site: Site, terminal: T) -> None:
    """The banner lists the down terminal with its cause in words and since when."""
    vi = site.page()
    banner = re.search(r'<div class="banner bad">(.*?)</ul></div>', vi, re.S)
    assert banner, "no 'something is down' banner on the status page"
    label = f"{i18n.pick(i18n.TERMINAL_KINDS, terminal.kind, 'vi')} {terminal.name}"
    line = next((li for li in banner.group(1).split("<li>") if escape(label) in li), None)
    assert line is not None, f"{label!r} not in the banner: {banner.group(1)}"
    causes = {r: i18n.pick(i18n.REASONS, r, "vi") for r in ("timeout", "unreachable")}
    reason = next((r for r, text in causes.items() if escape(text) in line), None)
    assert reason is not None, f"no Vietnamese cause in {line!r}"
    assert escape(i18n.pick(HINTS, reason, "vi")) in line, f"no next step in {line!r}"
    assert " từ " in line, line
    assert '<html lang="vi">' in vi

    en = site.page("?lang=en")
    assert '<html lang="en">' in en
    assert escape(f"Counter PC {terminal.name}") in en
    assert " since " in en
    assert any(escape(i18n.pick(i18n.REASONS, r, "en")) in en for r in causes)
    assert "mất kết nối" not in en, "Vietnamese state words on the English page"


def test_service_goes_down_when_its_server_stops(site: Site) -> None:
    m = _first_round(site)
    assert value(m, "sansang_service_up", service="mot-cua", role="one_stop_system") == 1.0
    first = _state_events(site, "service_state", "mot-cua")
    assert [e["state"] for e in first] == ["up"]
    assert first[0]["details"]["role"] == "one_stop_system"

    site.lab.stop(site.service_pid)
    wait_until(
        lambda: (
            value(site.metrics(), "sansang_service_up", service="mot-cua", role="one_stop_system")
            == 0.0
        ),
        DEADLINE,
        "sansang_service_up to go to 0",
    )
    events = wait_until(
        lambda: [
            e for e in _state_events(site, "service_state", "mot-cua") if e["state"] == "down"
        ],
        DEADLINE,
        "a service_state down event",
    )
    assert events[0]["details"]["reason"] == "refused", events[0]
    assert events[0]["details"]["previous"] == "up"
    vi = site.page()
    assert escape(i18n.pick(i18n.SERVICE_ROLES, "one_stop_system", "vi")) in vi
    assert escape(i18n.pick(i18n.REASONS, "refused", "vi")) in vi
