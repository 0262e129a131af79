"""The province stack end to end, for the e2e tests and the detection-latency benchmark.

One commune centre and the province, every part real:

* the site is a network namespace: its uplink ``eth0`` is a veth to the default namespace (the
  province); cutting the link is ``ip link set eth0 down`` inside it.  Its UPS hangs on a cable
  of its own (a second veth, as the USB or serial cable of a real UPS), so a link cut does not
  cut the agent off its UPS: NUT's ``upsd`` with ``dummy-ups`` listens on the province end of
  that cable.
* the agent runs in the namespace (``sansang agent run``): a ``nut`` power source polled every
  second, and the loss rounds of its ``internet`` link to the province's gateway (the other end
  of ``eth0``) every second;
* the province: the Debian Prometheus scraping the agent through the file_sd file
  ``collector.file_sd`` writes from the inventory, with ``deploy/prometheus/sansang.rules.yml``;
  a real collector (``sansang collector run``) pulling the agent's journal, reading Prometheus'
  live values and sending its alerts; the Debian Alertmanager with
  ``deploy/alertmanager/alertmanager.yml``, every receiver's webhook pointed at a recorder.

What the stack changes in the deployed files, and only this (time is short in a test):

* the rules: a copy in which every ``for:`` is divided by :data:`FOR_SCALE` (``1m`` becomes
  ``2s``, ``5m`` becomes ``10s``); expressions, labels and annotations are untouched;
* Prometheus: scrape, evaluation and file_sd refresh intervals of 1 s;
* Alertmanager: ``group_wait`` and ``group_interval`` of 1 s, receivers' URLs, templates by
  absolute path (:func:`tests.integration.test_alertmanager_inhibit.deployed_config`);
* the collector: pull, live refresh and alert checks every second, and ``unreachable_after``
  equal to the shortened ``for:`` of ``SansangSiteUnreachable`` (as its docs ask).

:data:`LIMITS` is the sum of those configured intervals for each kind of event: the longest a
detection may take when every step waits its full interval.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from collector import file_sd
from collector.inventory import model
from tests.integration.amlab import Alertmanager, WebhookRecorder
from tests.integration.netns import ip, veth_neighbour
from tests.integration.nutlab import NutLab
from tests.integration.promlab import Tsdb, province_prometheus
from tests.integration.test_alertmanager_inhibit import deployed_config
from tests.support import wait_until, yaml_writer
from tests.support.agent import AgentProcess
from tests.support.collector import CollectorProcess, inventory_of, site
from tests.support.net import free_port, http_get

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "sansang.rules.yml"
SITE = "23527-main"
COMMUNE = "Xã Sa Thầy"
FOR_SCALE = 30
BUDGET = 60.0  # seconds, from the event to the webhook
UPLINK = "eth0"
VIETNAMESE = re.compile(
    r"[ăâđêôơưĂÂĐÊÔƠƯàáạảãằắặẳẵầấậẩẫèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]"
)
DURATION = re.compile(r"^(\d+)([smh])$")
UNIT = {"s": 1, "m": 60, "h": 3600}
UNREACHABLE_FOR = 300 // FOR_SCALE  # SansangSiteUnreachable's for: 5m, shortened

# Sum of the configured intervals from the event to the webhook (seconds), per path: the longest
# a detection may take when every step waits its full interval.  A failed scrape costs the
# scrape interval plus the scrape timeout.  Prometheus' and the collector's
# SansangSiteUnreachable share one Alertmanager group (alertname, site): the second to arrive
# waits for the group's next flush, group_interval after the first notification.
SCRAPE, SCRAPE_TIMEOUT, EVALUATION, GROUP_WAIT, GROUP_INTERVAL = 1, 1, 1, 1, 1
LIMITS = {
    # dummy-ups re-reads its file (1) + the agent's UPS poll (1) + scrape + evaluation +
    # SansangOnBattery's shortened for: (2) + group_wait.
    "mains cut, Prometheus (SansangOnBattery)": 1 + 1 + SCRAPE + EVALUATION + 2 + GROUP_WAIT,
    # dummy-ups (1) + agent poll (1) + the collector's pull (1) + alert check (1) + group_wait.
    "mains cut, collector (SansangPowerLost)": 1 + 1 + 1 + 1 + GROUP_WAIT,
    # failed scrape + evaluation + SansangSiteUnreachable's shortened for: + group_wait or
    # group_interval.
    "link cut, Prometheus (SansangSiteUnreachable)": SCRAPE
    + SCRAPE_TIMEOUT
    + EVALUATION
    + UNREACHABLE_FOR
    + max(GROUP_WAIT, GROUP_INTERVAL),
    # failed scrape + every scrape failed for unreachable_after + live refresh (1) + alert
    # check (1) + group_wait or group_interval.
    "link cut, collector (SansangSiteUnreachable)": SCRAPE
    + SCRAPE_TIMEOUT
    + UNREACHABLE_FOR
    + 1
    + 1
    + max(GROUP_WAIT, GROUP_INTERVAL),
}
# The same chains with the deployed defaults (for the record: what a province would see; scrape
# 30 s, timeout 10 s, evaluation 30 s, group_wait 30 s, group_interval 2 min, agent power poll
# 5 s, NUT driver poll 2 s, pull 60 s, live refresh and alert check 30 s).
PRODUCTION_LIMITS = {
    "mains cut, Prometheus (SansangOnBattery)": 2 + 5 + 30 + 30 + 60 + 30,
    "mains cut, collector (SansangPowerLost)": 2 + 5 + 60 + 30 + 30,
    "link cut, Prometheus (SansangSiteUnreachable)": 30 + 10 + 30 + 300 + 120,
    "link cut, collector (SansangSiteUnreachable)": 30 + 10 + 300 + 30 + 30 + 120,
}


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def shortened(duration: str) -> str:
    """``for:`` divided by :data:`FOR_SCALE`, in whole seconds (at least 1 s)."""
    match = DURATION.match(duration)
    assert match, f"unexpected for: {duration!r}"
    seconds = int(match.group(1)) * UNIT[match.group(2)]
    return f"{max(1, seconds // FOR_SCALE)}s"


def rules_copy(out: Path) -> Path:
    """The deployed rules with every ``for:`` shortened (see the module docstring)."""
    doc: dict[str, Any] = load_yaml(RULES)
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = shortened(rule["for"])
    out.write_text(yaml_writer.dump(doc), encoding="utf-8")
    return out


def query(base: str, expr: str) -> list[dict[str, Any]]:
    """An instant query against Prometheus at ``base``: the result vector."""
    body = http_get(base + "api/v1/query?query=" + urllib.parse.quote(expr), timeout=5.0)
    result: list[dict[str, Any]] = json.loads(body)["data"]["result"]
    return result


@dataclass(frozen=True)
class Arrival:
    """An alert as it reached the webhook: when (monotonic), at which receiver, the alert."""

    at: float
    receiver: str
    alert: dict[str, Any]

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.alert.get("labels", {}))

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self.alert.get("annotations", {}))

    @property
    def from_prometheus(self) -> bool:
        """Prometheus' alerts carry the scrape's ``job``; the collector's never do."""
        return "job" in self.alert.get("labels", {})


def arrivals(
    hook: WebhookRecorder,
    *,
    status: str,
    alertname: str,
    after: float,
    prometheus: bool | None = None,
) -> list[Arrival]:
    """Every alert of that status and name for :data:`SITE` that arrived after ``after``;
    ``prometheus`` True or False keeps only the alerts of that source."""
    found = []
    for at, body in list(hook.posts):
        for alert in body.get("alerts", []):
            arrival = Arrival(at, str(body.get("receiver")), alert)
            labels = arrival.labels
            if (
                at >= after
                and alert.get("status") == status
                and labels.get("alertname") == alertname
                and labels.get("site") == SITE
                and (prometheus is None or arrival.from_prometheus == prometheus)
            ):
                found.append(arrival)
    return found


def first_arrival(
    hook: WebhookRecorder,
    *,
    status: str,
    alertname: str,
    after: float,
    what: str,
    prometheus: bool | None = None,
    timeout: float = BUDGET,
) -> Arrival:
    """The first of :func:`arrivals`, waited for within ``timeout``."""

    def found() -> Arrival | None:
        hits = arrivals(
            hook, status=status, alertname=alertname, after=after, prometheus=prometheus
        )
        return min(hits, key=lambda a: a.at) if hits else None

    return wait_until(found, timeout, what)


@dataclass
class Province:
    """The running stack (see the module docstring)."""

    ups: NutLab
    agent: AgentProcess
    collector: CollectorProcess
    prometheus: Tsdb
    alertmanager: Alertmanager
    hook: WebhookRecorder
    netns: str  # the site's namespace

    def cut_mains(self) -> None:
        self.ups.set_status("OB DISCHRG", charge=90, runtime=1500)

    def restore_mains(self) -> None:
        self.ups.set_status("OL", charge=90, runtime=1500)

    def cut_link(self) -> None:
        ip("-n", self.netns, "link", "set", UPLINK, "down")

    def restore_link(self) -> None:
        ip("-n", self.netns, "link", "set", UPLINK, "up")

    def query(self, expr: str) -> list[dict[str, Any]]:
        return query(self.prometheus.url, expr)

    def am_alerts(self, alertname: str) -> list[dict[str, Any]]:
        """Alertmanager's own view (API v2) of that alert for :data:`SITE`, inhibited ones too."""
        filters = urllib.parse.urlencode(
            [("filter", f'alertname="{alertname}"'), ("filter", f'site="{SITE}"')]
        )
        body = http_get(f"{self.alertmanager.url}api/v2/alerts?{filters}", timeout=5.0)
        alerts: list[dict[str, Any]] = json.loads(body)
        return alerts

    def wait_settled(self, timeout: float = 60.0) -> None:
        """Mains on and the site reachable, as Prometheus and the collector both see it, and no
        alert of the site firing in Alertmanager: a fresh start for the next cut."""
        wait_until(
            lambda: (
                self.query(f'sansang_power_on_battery{{site="{SITE}"}} == 0')
                and self.query(f'up{{site="{SITE}"}} == 1')
                and self.query(f'sansang_link_up{{site="{SITE}"}} == 1')
            ),
            timeout,
            "Prometheus to scrape the site on mains with its link up",
        )

        def quiet() -> bool:
            names = ("SansangOnBattery", "SansangPowerLost", "SansangSiteUnreachable")
            return not any(self.am_alerts(name) for name in names)

        wait_until(quiet, timeout, "every alert of the site to be resolved")


def agent_config(
    workdir: Path, address: str, ups: NutLab, gateway: str | None = None
) -> dict[str, Any]:
    """The site's agent on ``address``: its UPS polled every second and, with ``gateway``, the
    loss rounds of its ``internet`` link to that address every second."""
    config: dict[str, Any] = {
        "site": {
            "commune_code": "23527",
            "name": "Bộ phận Một cửa xã Sa Thầy (thử nghiệm)",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"{address}:{free_port()}"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        "power": {
            "interval": "1s",
            "timeout": "1s",
            "sources": [
                {"id": "ups-1", "name": "UPS quầy", "source": {"probe": "nut", **ups.spec()}}
            ],
        },
    }
    if gateway is None:
        return config
    return config | {
        "links": [{"id": "cap-quang", "name": "Cáp quang", "kind": "internet"}],
        "quality": {
            "interval": "1s",
            "count": 3,
            "spacing": "100ms",
            "timeout": "300ms",
            "targets": [
                {
                    "id": "gateway",
                    "name": "Cổng mạng tỉnh",
                    "role": "gateway",
                    "check": {"method": "icmp", "host": gateway},
                    "links": ["cap-quang"],
                }
            ],
        },
    }


def collector_config(prometheus: Tsdb, am: Alertmanager) -> dict[str, Any]:
    return {
        "pull": {"interval": "1s", "timeout": "2s"},
        "evaluate": {"interval": "1h"},
        "prometheus": {
            "url": prometheus.url,
            "refresh_interval": "1s",
            "unreachable_after": f"{UNREACHABLE_FOR}s",
        },
        "alertmanager": {"url": am.url, "resend_interval": "1s"},
    }


@contextmanager
def ups_cable(netns: str, subnet: str = "10.200.249") -> Iterator[str]:
    """A veth from the default namespace into ``netns`` (the UPS's own cable); yields the
    default namespace's address on it, where upsd listens."""
    pid = os.getpid()
    veth, first = f"vu{pid}", 8 * (pid % 32)
    local, far = f"{subnet}.{first + 1}", f"{subnet}.{first + 2}"
    ip("link", "add", veth, "type", "veth", "peer", "name", "ups0", "netns", netns)
    try:
        ip("addr", "add", f"{local}/29", "dev", veth)
        ip("link", "set", veth, "up")
        ip("-n", netns, "addr", "add", f"{far}/29", "dev", "ups0")
        ip("-n", netns, "link", "set", "ups0", "up")
        yield local
    finally:
        ip("link", "del", veth)


@contextmanager
def province_stack(workdir: Path) -> Iterator[Province]:
    """The whole stack, started and settled (:meth:`Province.wait_settled`); stopped on the way
    out whatever happened."""
    dirs = {name: workdir / name for name in ("nut", "agent", "collector", "prom", "am")}
    for path in dirs.values():
        path.mkdir()
    with ExitStack() as stack:
        nb = stack.enter_context(veth_neighbour("e2e", "10.200.250"))
        cable = stack.enter_context(ups_cable(nb.netns))
        ups = stack.enter_context(NutLab(dirs["nut"], poll_interval=1, host=cable))
        config = agent_config(dirs["agent"], nb.address, ups, gateway=nb.local)
        agent = AgentProcess(config, dirs["agent"], nb.netns).start()
        stack.callback(agent.stop)
        hook = stack.enter_context(WebhookRecorder())
        am = Alertmanager(dirs["am"], deployed_config(hook.url))
        stack.callback(am.stop)
        inventory = inventory_of(site("23527", name=COMMUNE, pull=agent.base_url + "/"))
        inventory_path = workdir / "inventory.yaml"
        inventory_path.write_text(yaml_writer.dump(inventory), encoding="utf-8")
        sd_dir = dirs["prom"] / "file_sd"
        file_sd.write(model.load(inventory_path), sd_dir)
        prom = Tsdb(
            "prometheus",
            dirs["prom"],
            province_prometheus(
                rules_copy(dirs["prom"] / "sansang.rules.yml"), sd_dir, alertmanager_port=am.port
            ),
        )
        stack.callback(prom.stop)
        collector = CollectorProcess(collector_config(prom, am), inventory_path, dirs["collector"])
        stack.callback(collector.stop)
        am.start()
        prom.start()
        collector.start()
        province = Province(ups, agent, collector, prom, am, hook, nb.netns)
        province.wait_settled()
        yield province


def timed(action: Callable[[], None]) -> float:
    """Run ``action`` and return the monotonic time just before it (the event's moment)."""
    at = time.monotonic()
    action()
    return at
