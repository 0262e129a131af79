"""End to end: cutting a site's link, with mains on and with mains off.

The stack is :mod:`tests.e2e.stack`: the site in its own network namespace (agent, UPS on its own
cable), the province outside it (Prometheus with the deployed rules, the collector, Alertmanager
with the deployed routes and inhibitions, a webhook recorder).  The link cut is the site's
uplink going down inside its namespace, as when a modem dies or a fibre is cut.

* Mains on: the network team gets a link alert (``SansangSiteUnreachable``, target INF-LINK,
  the collector's likely cause "link"), and no power alert.  When the link returns the alert is
  resolved and the journal kept during the cut (the agent's own ``link_state down``) reaches
  the collector.
* Mains off first, then the link (the router had no UPS): the alert that reaches anyone is the
  power one, with the power cause; ``SansangSiteUnreachable`` fires in Prometheus and is
  inhibited in Alertmanager (``equal: [site]``), so the network team is not sent for a power
  cut.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import clock
from collector.store import Store
from tests.e2e.stack import (
    BUDGET,
    LIMITS,
    SITE,
    VIETNAMESE,
    Province,
    arrivals,
    first_arrival,
    province_stack,
    timed,
)
from tests.integration.amlab import skip_without_am
from tests.integration.nutlab import skip_without_nut
from tests.integration.promlab import tsdb_missing
from tests.support import wait_until
from tests.support.env import have, have_root

pytestmark = [
    pytest.mark.integration,
    pytest.mark.netns,
    skip_without_nut,
    skip_without_am,
    pytest.mark.skipif(tsdb_missing("prometheus") is not None, reason="needs prometheus"),
    pytest.mark.skipif(not have_root() or not have("ip"), reason="needs root and iproute2's ip"),
]

UNREACHABLE = "SansangSiteUnreachable"


@pytest.fixture
def province(tmp_path: Path) -> Iterator[Province]:
    with province_stack(tmp_path) as p:
        yield p


def link_events(p: Province, since: float) -> list[str]:
    """States of the site's ``link_state`` events in the collector's store since ``since``."""
    store = Store.open(str(p.collector.config["database"]), migrate=False)
    try:
        events = store.iter_events(since, clock.wall() + 60, kinds=["link_state"], sites=[SITE])
        return [e.state for e in events]
    finally:
        store.close()


def test_link_cut_with_mains_on_is_a_link_alert_for_the_network_team(province: Province) -> None:
    p = province
    wall_before = clock.wall()
    cut = timed(p.cut_link)

    collector = first_arrival(
        p.hook, status="firing", alertname=UNREACHABLE, after=cut, prometheus=False,
        what="the collector's SansangSiteUnreachable at the webhook",
    )  # fmt: skip
    prometheus = first_arrival(
        p.hook, status="firing", alertname=UNREACHABLE, after=cut, prometheus=True,
        what="Prometheus' SansangSiteUnreachable at the webhook",
    )  # fmt: skip
    for arrival in (collector, prometheus):
        assert arrival.receiver == "so-khcn", arrival.receiver  # the network team
        assert arrival.labels["agency"] == "so_khcn"
        assert arrival.labels["target"] == "INF-LINK"
        assert VIETNAMESE.search(arrival.annotations["summary"]), arrival.annotations
        assert "Không liên lạc được" in arrival.annotations["summary"]
    assert collector.annotations["cause"] == "link"
    assert "mất đường truyền" in collector.annotations["description"]
    # Mains were on: no power alert anywhere.
    for name in ("SansangOnBattery", "SansangPowerLost"):
        assert p.hook.alerts(alertname=name) == [], name
        assert p.am_alerts(name) == [], name

    restored = timed(p.restore_link)
    for source in (False, True):
        first_arrival(
            p.hook, status="resolved", alertname=UNREACHABLE, after=restored, prometheus=source,
            what=f"the {'Prometheus' if source else 'collector'} alert resolved",
        )  # fmt: skip
    # Store and forward: what the agent journalled while cut off reaches the collector.
    wait_until(
        lambda: "down" in link_events(p, wall_before), 30, "the agent's link_state down event"
    )
    print(
        f"\nlink cut (mains on) -> webhook: collector {collector.at - cut:.1f} s "
        f"(limit {LIMITS['link cut, collector (SansangSiteUnreachable)']} s), Prometheus "
        f"{prometheus.at - cut:.1f} s "
        f"(limit {LIMITS['link cut, Prometheus (SansangSiteUnreachable)']} s)"
    )
    assert max(collector.at, prometheus.at) - cut < BUDGET


def test_link_cut_with_mains_off_gives_the_power_cause(province: Province) -> None:
    p = province
    mains_cut = timed(p.cut_mains)
    power = first_arrival(
        p.hook, status="firing", alertname="SansangPowerLost", after=mains_cut, prometheus=False,
        what="the collector's power alert",
    )  # fmt: skip
    assert power.receiver == "so-cong-thuong" and power.annotations["cause"] == "power"
    # Prometheus has seen the UPS on battery before the link goes (the order of a real cut:
    # mains first, the router without UPS a moment later).
    wait_until(lambda: p.query(f'sansang_power_on_battery{{site="{SITE}"}} == 1'), 15, "on battery")
    link_cut = timed(p.cut_link)

    def inhibited() -> list[str] | None:
        """Alertmanager holds Prometheus' SansangSiteUnreachable, suppressed by a power alert."""
        for alert in p.am_alerts(UNREACHABLE):
            status = alert.get("status", {})
            if status.get("state") == "suppressed" and status.get("inhibitedBy"):
                return list(status["inhibitedBy"])
        return None

    by = wait_until(inhibited, BUDGET, "SansangSiteUnreachable to fire and be inhibited")
    assert by

    def explained() -> dict[str, str] | None:
        """The collector's power alert now says the link went after the power."""
        for alert in p.am_alerts("SansangPowerLost"):
            if "sau khi mất điện" in alert["annotations"].get("description", ""):
                return dict(alert["annotations"])
        return None

    annotations = wait_until(explained, BUDGET, "the power alert to explain the link loss")
    assert annotations["cause"] == "power"
    # Prometheus' power alert still fires although its series went stale with the scrape.
    assert p.am_alerts("SansangOnBattery"), "SansangOnBattery resolved by the link cut"
    # Nobody was sent to the link: no unreachable alert reached the webhook, from either source.
    assert arrivals(p.hook, status="firing", alertname=UNREACHABLE, after=mains_cut) == []
    assert p.hook.alerts(alertname="SansangLinkDown") == []
    print(
        f"\nmains cut -> power alert at the webhook {power.at - mains_cut:.1f} s; link cut -> "
        f"SansangSiteUnreachable inhibited in Alertmanager after {time.monotonic() - link_cut:.1f}"
        " s or less"
    )

    p.restore_link()
    p.restore_mains()
    restored = time.monotonic()
    first_arrival(
        p.hook, status="resolved", alertname="SansangPowerLost", after=restored,
        what="the power alert resolved", prometheus=False,
    )  # fmt: skip
