"""End to end: a mains cut at a site reaches the agency's webhook.

The whole chain is real: NUT's upsd with dummy-ups (the UPS), the agent (``running_agent``)
polling it with a ``nut`` power source, the Debian Prometheus scraping the agent through the
file_sd file ``collector.file_sd`` writes from an inventory where the agent is a pull site, the
rules of ``deploy/prometheus/sansang.rules.yml``, and the Debian Alertmanager with
``deploy/alertmanager/alertmanager.yml`` and its Vietnamese templates, every receiver's webhook
pointed at the test's recorder.

What the test changes in the deployed files, and only this:

* the rules: a copy in which every ``for:`` is divided by :data:`FOR_SCALE` (30: ``1m`` becomes
  ``2s``, ``5m`` becomes ``10s``), since a 1-minute hysteresis alone would exceed the 60 s
  budget; expressions, labels and annotations are untouched;
* Prometheus: scrape, evaluation and file_sd refresh intervals of 1 s;
* Alertmanager: ``group_wait`` and ``group_interval`` of 1 s, receivers' URLs, templates by
  absolute path (as in tests/integration/test_alertmanager_inhibit.py).

Latencies are measured from the rewrite of the dummy-ups file (the cut) to the webhook's
arrival time, and printed (``pytest -s``).  The limit, the sum of the configured intervals,
is far under the 60 s the issue allows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from collector import file_sd
from collector.inventory import model
from tests.e2e.stack import (
    BUDGET,
    ROOT,
    SITE,
    VIETNAMESE,
    agent_config,
    load_yaml,
    query,
    rules_copy,
)
from tests.integration.amlab import Alertmanager, WebhookRecorder, skip_without_am
from tests.integration.nutlab import NutLab, skip_without_nut
from tests.integration.promlab import Tsdb, province_prometheus, tsdb_missing
from tests.integration.test_alertmanager_inhibit import deployed_config
from tests.support import wait_until, yaml_writer
from tests.support.agent import AgentProcess, running_agent

pytestmark = [
    pytest.mark.integration,
    skip_without_nut,
    skip_without_am,
    pytest.mark.skipif(tsdb_missing("prometheus") is not None, reason="needs prometheus"),
]

EXAMPLE = ROOT / "deploy" / "examples" / "inventory.yaml"
# The chain's configured intervals: dummy-ups re-read (1 s) + the agent's UPS poll (1 s) +
# scrape (1 s) + rule evaluation (1 s) + SansangOnBattery's shortened for: (2 s) +
# Alertmanager's group_wait (1 s).  Printed beside the measured latency, not asserted.
CHAIN_LIMIT = 1 + 1 + 1 + 1 + 2 + 1
# Agent stopped: failed scrape (interval 1 s + timeout 1 s) + evaluation (1 s) +
# SansangSiteUnreachable's for: (10 s) + group_wait (1 s).
UNREACHABLE_LIMIT = 1 + 1 + 1 + 10 + 1


def write_file_sd(workdir: Path, agent_url: str) -> Path:
    """The inventory's first site as a pull site at ``agent_url``, through collector.file_sd."""
    doc: dict[str, Any] = load_yaml(EXAMPLE)
    doc["sites"][0]["pull"] = {"url": agent_url}
    path = workdir / "inventory.yaml"
    path.write_text(yaml_writer.dump(doc), encoding="utf-8")
    inv = model.load(path)
    assert inv.sites[0].key == SITE
    sd_dir = workdir / "file_sd"
    file_sd.write(inv, sd_dir)
    return sd_dir


@dataclass
class Stack:
    ups: NutLab
    agent: AgentProcess
    prometheus: Tsdb
    alertmanager: Alertmanager
    hook: WebhookRecorder


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    dirs = {name: tmp_path / name for name in ("nut", "agent", "prom", "am")}
    for path in dirs.values():
        path.mkdir()
    with (
        NutLab(dirs["nut"], poll_interval=1) as ups,
        running_agent(agent_config(dirs["agent"], "127.0.0.1", ups), dirs["agent"]) as agent,
        WebhookRecorder() as hook,
    ):
        am = Alertmanager(dirs["am"], deployed_config(hook.url))
        prom = Tsdb(
            "prometheus",
            dirs["prom"],
            province_prometheus(
                rules_copy(dirs["prom"] / "sansang.rules.yml"),
                write_file_sd(dirs["prom"], agent.base_url + "/"),
                alertmanager_port=am.port,
            ),
        )
        try:
            am.start()
            prom.start()
            yield Stack(ups, agent, prom, am, hook)
        finally:
            prom.stop()
            am.stop()


def wait_scraped(stack: Stack) -> None:
    """Prometheus has the agent's UPS on mains (the target is up, the series is there)."""
    wait_until(
        lambda: stack.agent.sample("sansang_power_source_up", source="ups-1", probe="nut") == 1.0,
        15,
        "the agent's first poll of the UPS",
    )
    wait_until(
        lambda: query(stack.prometheus.url, f'sansang_power_on_battery{{site="{SITE}"}} == 0'),
        30,
        "Prometheus to scrape the agent's power series through file_sd",
    )


def first_alert(
    hook: WebhookRecorder, status: str, alertname: str, after: float, what: str
) -> tuple[float, str, dict[str, Any]]:
    """The first webhook alert of that status and name for :data:`SITE` arriving after
    ``after`` (monotonic), waited for within :data:`BUDGET`: (arrival, receiver, alert)."""

    def found() -> tuple[float, str, dict[str, Any]] | None:
        for at, body in list(hook.posts):
            for alert in body.get("alerts", []):
                labels = alert.get("labels", {})
                if (
                    at >= after
                    and alert.get("status") == status
                    and labels.get("alertname") == alertname
                    and labels.get("site") == SITE
                ):
                    return at, str(body.get("receiver")), alert
        return None

    return wait_until(found, BUDGET, what)


def test_mains_cut_reaches_the_webhook_in_vietnamese_and_resolves(stack: Stack) -> None:
    wait_scraped(stack)
    assert stack.hook.alerts(alertname="SansangOnBattery") == []

    cut = time.monotonic()
    stack.ups.set_status("OB DISCHRG", charge=90, runtime=1500)
    at, receiver, alert = first_alert(
        stack.hook, "firing", "SansangOnBattery", cut, "the firing power alert"
    )
    detection = at - cut
    assert receiver == "so-cong-thuong"  # routed to the power agency

    labels, annotations = alert["labels"], alert["annotations"]
    assert labels["site"] == SITE
    assert labels["agency"] == "so_cong_thuong" and labels["severity"] == "critical"
    assert labels["commune"] == "Xã Sa Thầy"
    summary = annotations["summary"]
    assert "Mất điện lưới" in summary and "Sa Thầy" in summary, summary
    assert VIETNAMESE.search(summary), summary
    assert annotations["runbook_url"].endswith("playbooks/power_loss.md")

    restored = time.monotonic()
    stack.ups.set_status("OL", charge=90, runtime=1500)
    at, receiver, alert = first_alert(
        stack.hook, "resolved", "SansangOnBattery", restored, "the resolved power alert"
    )
    resolution = at - restored
    assert receiver == "so-cong-thuong" and alert["labels"]["site"] == SITE

    print(
        f"\nmains cut -> webhook firing: {detection:.1f} s; "
        f"mains back -> webhook resolved: {resolution:.1f} s "
        f"(sum of the configured intervals {CHAIN_LIMIT:g} s, budget {BUDGET:g} s)"
    )
    assert detection < BUDGET and resolution < BUDGET
    # Nothing else reached the webhook: mains on battery is not a site down.
    assert stack.hook.alerts(alertname="SansangSiteUnreachable") == []


def test_agent_stopped_while_mains_on_gives_site_unreachable(stack: Stack) -> None:
    wait_scraped(stack)
    stopped = time.monotonic()
    stack.agent.stop()
    at, receiver, alert = first_alert(
        stack.hook, "firing", "SansangSiteUnreachable", stopped, "SansangSiteUnreachable"
    )
    latency = at - stopped
    print(
        f"\nagent stopped -> webhook SansangSiteUnreachable: {latency:.1f} s "
        f"(sum of the configured intervals {UNREACHABLE_LIMIT:g} s)"
    )
    assert receiver == "so-khcn" and alert["labels"]["agency"] == "so_khcn"
    assert VIETNAMESE.search(alert["annotations"]["summary"]), alert["annotations"]
    assert "Không liên lạc được" in alert["annotations"]["summary"]
    # Mains were on: no power alert, and so nothing inhibited the unreachable one.
    assert stack.hook.alerts(alertname="SansangOnBattery") == []
    assert latency < BUDGET
