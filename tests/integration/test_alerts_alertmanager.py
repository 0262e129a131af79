"""Alerts through a real Alertmanager to a webhook: firing with Vietnamese annotations, kept
firing while re-sent, resolved once the incident ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from collector.alerts import run_forever
from collector.alerts.alertmanager import AlertmanagerClient, AlertmanagerError, rfc3339
from collector.context import Collector
from collector.store import Store
from tests.integration.amlab import (
    Alertmanager,
    WebhookRecorder,
    running_alertmanager,
    skip_without_am,
)
from tests.support import wait_until_async
from tests.support.alerts import collector, event, store_events
from tests.support.net import free_port

pytestmark = [pytest.mark.integration, skip_without_am]

SITE = "23527-main"
RESEND = 1.0


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[WebhookRecorder, Alertmanager]]:
    with WebhookRecorder() as hook, running_alertmanager(tmp_path, hook.url) as am:
        yield hook, am


@asynccontextmanager
async def alerts_loop(c: Collector) -> AsyncIterator[None]:
    """``run_forever(c)`` in the background for the block."""
    task = asyncio.create_task(run_forever(c, check_interval=0.1))
    try:
        yield
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def am_alerts(am: Alertmanager, alertname: str) -> list[dict[str, Any]]:
    async with AlertmanagerClient(am.url, timeout=2) as client:
        return await client.alerts([f'alertname="{alertname}"'])


async def test_power_alert_fires_stays_and_resolves(
    lab: tuple[WebhookRecorder, Alertmanager], tmp_path: Path
) -> None:
    hook, am = lab
    c = collector(tmp_path, alertmanager=am.url, resend_interval=RESEND)  # SQLite store
    store = c.store
    now = time.time()
    lost_at = now - 120
    incident = [
        event(SITE, "mains_state", "site", "lost", lost_at, charge_ratio=0.8),
        event(SITE, "link_state", "internet", "down", now - 60),
        event(SITE, "link_state", "tslcd", "down", now - 60),
    ]
    store_events(store, incident, received_at=now)

    t0 = time.monotonic()
    try:
        async with alerts_loop(c):
            await fires_stays_resolves(hook, am, store, now, lost_at, t0)
    finally:
        store.close()


async def test_new_link_loss_reaches_the_webhook_after_group_wait(
    lab: tuple[WebhookRecorder, Alertmanager], tmp_path: Path
) -> None:
    """An incident that starts now waits for Alertmanager's group_wait (1 s here)."""
    hook, am = lab
    c = collector(tmp_path, alertmanager=am.url, resend_interval=RESEND)
    now = time.time()
    links = [
        event(SITE, "link_state", "tslcd", "up", now - 3600),
        event(SITE, "link_state", "internet", "down", now),
    ]
    store_events(c.store, links, received_at=now)
    t0 = time.monotonic()
    try:
        async with alerts_loop(c):

            async def firing() -> list[tuple[float, dict[str, Any]]]:
                return hook.alerts("firing", alertname="SansangLinkDown", site=SITE)

            (arrived, alert), *_ = await wait_until_async(firing, 15, "the link alert")
    finally:
        c.store.close()
    print(f"\nnew incident: webhook {(arrived - t0) * 1000:.0f} ms after the loop started")
    assert 0.9 <= arrived - t0 < 5.0  # group_wait, not more
    assert alert["labels"]["severity"] == "warning"  # TSLCD still up
    assert alert["annotations"]["cause"] == "link"
    assert alert["annotations"]["summary"].startswith("Mất đường truyền internet")
    assert hook.alerts(alertname="SansangPowerLost") == []


async def fires_stays_resolves(
    hook: WebhookRecorder,
    am: Alertmanager,
    store: Store,
    now: float,
    lost_at: float,
    t0: float,
) -> None:

    async def firing() -> list[tuple[float, dict[str, Any]]]:
        return hook.alerts("firing", alertname="SansangPowerLost", site=SITE)

    (arrived, alert), *_ = await wait_until_async(firing, 15, "the power alert at the webhook")
    print(f"\nfirst POST to webhook: {(arrived - t0) * 1000:.0f} ms (group_wait 1s)")
    labels, notes = alert["labels"], alert["annotations"]
    assert labels["commune_code"] == "23527" and labels["commune"] == "Xã Sa Thầy"
    assert labels["province"] == "Quảng Ngãi" and labels["target"] == "INF-PWR"
    assert labels["severity"] == "critical" and labels["agency"] == "so_cong_thuong"
    assert notes["summary"].startswith("Mất điện lưới tại")
    assert "80 %" in notes["description"] and notes["cause"] == "power"
    assert notes["runbook_url"] == "https://sansang.example/playbooks/power_loss.md"
    assert alert["startsAt"].startswith(rfc3339(lost_at)[:19])
    assert hook.alerts(alertname="SansangLinkDown") == []  # power, not link

    # Still firing after the first endsAt (sent + 4 resends) has passed: it was re-sent.
    (held,) = await am_alerts(am, "SansangPowerLost")
    first_end = held["endsAt"]

    async def still_firing_later() -> dict[str, Any] | None:
        found = await am_alerts(am, "SansangPowerLost")
        if found and found[0]["endsAt"] > first_end and time.time() > now + 4 * RESEND + 1:
            return found[0]
        return None

    later = await wait_until_async(still_firing_later, 20, "re-sends to keep the alert firing")
    assert later["status"]["state"] == "active"
    assert later["startsAt"] == held["startsAt"]  # same startsAt on every re-send
    assert hook.alerts("resolved") == []

    # Mains back, links back: the next check sends it resolved (endsAt = now).
    back = time.time()
    restored = [
        event(SITE, "mains_state", "site", "restored", back, started_wall_time_unix=lost_at),
        event(SITE, "link_state", "internet", "up", back),
        event(SITE, "link_state", "tslcd", "up", back),
    ]
    store_events(store, restored, received_at=back)
    t1 = time.monotonic()

    async def resolved() -> list[tuple[float, dict[str, Any]]]:
        return hook.alerts("resolved", alertname="SansangPowerLost", site=SITE)

    (arrived, alert), *_ = await wait_until_async(resolved, 15, "the resolved notification")
    print(f"resolved at the webhook {(arrived - t1) * 1000:.0f} ms after the restore")
    assert alert["endsAt"] >= rfc3339(back)[:19]
    assert await am_alerts(am, "SansangPowerLost") == []


async def test_alertmanager_refuses_a_bad_alert(lab: tuple[WebhookRecorder, Alertmanager]) -> None:
    _hook, am = lab
    bad = {"labels": {"bad-name": "x"}, "startsAt": rfc3339(time.time())}
    async with AlertmanagerClient(am.url, timeout=2) as client:
        with pytest.raises(AlertmanagerError) as caught:
            await client.post([bad])
    assert caught.value.status == 400


async def test_unreachable_alertmanager_is_an_error() -> None:
    async with AlertmanagerClient(f"http://127.0.0.1:{free_port()}/", timeout=2) as client:
        with pytest.raises(AlertmanagerError) as caught:
            await client.post([{"labels": {"alertname": "X"}}])
    assert caught.value.status is None and "127.0.0.1" in str(caught.value)
