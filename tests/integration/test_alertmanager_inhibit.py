"""deploy/alertmanager/alertmanager.yml in a real Alertmanager (0.25, Debian): its routes,
templates and inhibitions load, and mains lost at a site silences that site's link alert but
not another site's."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.integration.amlab import Alertmanager, WebhookRecorder, skip_without_am
from tests.support import wait_until
from tests.support.net import http_get

pytestmark = [pytest.mark.integration, skip_without_am]

AM_DIR = Path(__file__).resolve().parents[2] / "deploy" / "alertmanager"
A, B, C, D = "23527-main", "23530-main", "23533-main", "23536-main"


COLLECTOR_WEBHOOK = "/api/v1/alertmanager/webhook"  # every receiver's copy to the collector


def deployed_config(webhook_url: str, collector: tuple[str, Path] | None = None) -> dict[str, Any]:
    """The deployed config with every receiver's webhook pointed at ``webhook_url``, the
    templates by absolute path and the group timers shortened to a second.  The receivers' copy
    to the collector's incident log goes to ``collector`` (its base URL and the credentials file
    of its token) when given, else it is left out."""
    config: dict[str, Any] = YAML(typ="safe", pure=True).load(
        (AM_DIR / "alertmanager.yml").read_text(encoding="utf-8")
    )
    config["templates"] = [str(AM_DIR / "templates" / "*.tmpl")]
    config["route"] |= {"group_wait": "1s", "group_interval": "1s"}
    for receiver in config["receivers"]:
        assert receiver["webhook_configs"], receiver["name"]
        hooks = []
        for hook in receiver["webhook_configs"]:
            if not hook["url"].endswith(COLLECTOR_WEBHOOK):
                hooks.append({**hook, "url": webhook_url})
            elif collector is not None:
                base, credentials = collector
                auth = {"type": "Bearer", "credentials_file": str(credentials)}
                url = base.rstrip("/") + COLLECTOR_WEBHOOK
                hooks.append({**hook, "url": url, "http_config": {"authorization": auth}})
        receiver["webhook_configs"] = hooks
    return config


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[WebhookRecorder, Alertmanager]]:
    with WebhookRecorder() as hook:
        am = Alertmanager(tmp_path, deployed_config(hook.url))
        try:
            yield hook, am.start()
        finally:
            am.stop()


def post_alerts(am: Alertmanager, alerts: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    body = [
        {
            "labels": labels,
            "annotations": {"summary": labels["alertname"] + " " + labels["site"]},
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(minutes=10)).isoformat(),
        }
        for labels in alerts
    ]
    req = urllib.request.Request(
        am.url + "api/v2/alerts",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200


def labels(alertname: str, site: str, agency: str) -> dict[str, str]:
    return {"alertname": alertname, "site": site, "agency": agency, "severity": "critical"}


def am_alert(am: Alertmanager, alertname: str, site: str) -> dict[str, Any]:
    query = f'?filter=alertname="{alertname}"&filter=site="{site}"'
    found = json.loads(http_get(am.url + "api/v2/alerts" + query.replace('"', "%22")))
    assert len(found) == 1, found
    return dict(found[0])


def inhibited_by(am: Alertmanager, alertname: str, site: str) -> list[str]:
    """Fingerprints of the alerts that inhibit this one."""
    return list(am_alert(am, alertname, site)["status"]["inhibitedBy"])


def test_power_lost_silences_the_link_alert_of_its_site_only(
    lab: tuple[WebhookRecorder, Alertmanager],
) -> None:
    hook, am = lab
    post_alerts(
        am,
        [
            labels("SansangPowerLost", A, "so_cong_thuong"),
            labels("SansangLinkDown", A, "so_khcn"),
            labels("SansangLinkDown", B, "so_khcn"),
            labels("SansangPowerLost", D, "so_cong_thuong"),
            labels("SansangSiteUnreachable", D, "so_khcn"),
        ],
    )
    wait_until(
        lambda: (
            hook.alerts("firing", alertname="SansangPowerLost", site=A)
            and hook.alerts("firing", alertname="SansangLinkDown", site=B)
        ),
        15,
        "power alerts of A and D, link alert of B at the webhook",
    )
    # The positive proof: Alertmanager names the power alert as what silences each one.
    power_a = am_alert(am, "SansangPowerLost", A)["fingerprint"]
    power_d = am_alert(am, "SansangPowerLost", D)["fingerprint"]
    assert inhibited_by(am, "SansangLinkDown", A) == [power_a]
    assert inhibited_by(am, "SansangSiteUnreachable", D) == [power_d]
    assert inhibited_by(am, "SansangLinkDown", B) == []
    # A sentinel posted now reaches the webhook after any group created before it: by then A's
    # link alert would have arrived, were it not inhibited.
    post_alerts(am, [labels("SansangLinkDown", C, "so_khcn")])
    wait_until(lambda: hook.alerts("firing", alertname="SansangLinkDown", site=C), 15, "sentinel")
    assert hook.alerts(alertname="SansangLinkDown", site=A) == []
    assert hook.alerts(alertname="SansangSiteUnreachable", site=D) == []
    assert hook.alerts("firing", alertname="SansangPowerLost", site=D)
