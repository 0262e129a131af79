"""Alerts (cảnh báo) to Alertmanager: what fires now (``build``), sent through API v2.

:func:`run_forever` looks every ``check_interval`` s (at most ``resend_interval``, default 30 s)
at what should fire (:func:`collector.alerts.build.build_alerts` over the newest evaluation, the
live values and the store's recent events), and POSTs:

- a new alert at once, with ``startsAt`` the incident's start;
- every firing alert again each ``resend_interval`` (same ``startsAt``), with ``endsAt`` =
  now + 4 × ``resend_interval``: if the collector stops sending, Alertmanager resolves the
  alert by itself at that time (as Prometheus does);
- an alert that stopped firing once more with ``endsAt`` = now: resolved.

What was sent is kept in memory only (:class:`Sender`).  Across a collector restart: alerts
still firing are sent again at the first check (Alertmanager merges them with the ones it holds,
by label set, and notifies nothing new); alerts that stopped firing while the collector was down
are not resolved explicitly: Alertmanager resolves them at their last ``endsAt``, at most
4 × ``resend_interval`` after the last send.  When a POST fails, nothing is marked sent: the
next check tries the same alerts again (resolved ones included).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from collector.alerts.alert import Alert, AlertInputs, AlertKey
from collector.alerts.alertmanager import (
    AlertmanagerClient,
    AlertmanagerError,
    PostableAlert,
    postable,
)
from collector.alerts.build import build_alerts
from collector.alerts.recent import RecentReader
from collector.events import StoredEvent

if TYPE_CHECKING:
    from collector.context import Collector

__all__ = ["Alert", "AlertInputs", "RecentReader", "Sender", "build_alerts", "run_forever"]

log = logging.getLogger(__name__)

ENDS_AFTER_RESENDS = 4


@dataclass(frozen=True)
class Sent:
    alert: Alert
    starts_at: float
    last_sent: float


class Sender:
    """Which alerts Alertmanager has from us, and when each was last sent (in memory)."""

    def __init__(self, resend_interval: float) -> None:
        self.resend_interval = resend_interval
        self.sent: dict[AlertKey, Sent] = {}

    def plan(
        self, firing: Iterable[Alert], now: float
    ) -> tuple[list[PostableAlert], dict[AlertKey, Sent]]:
        """What to POST now, and the record once it is accepted."""
        out: list[PostableAlert] = []
        record: dict[AlertKey, Sent] = {}
        ends = now + ENDS_AFTER_RESENDS * self.resend_interval
        for alert in firing:
            if alert.key in record:
                continue  # the same label set twice: Alertmanager would merge them anyway
            before = self.sent.get(alert.key)
            starts = before.starts_at if before else min(alert.starts_at, now)
            due = (
                before is None
                or before.alert.annotations != alert.annotations
                or now - before.last_sent >= self.resend_interval
            )
            last_sent = now
            if due:
                out.append(_payload(alert, starts, ends))
            elif before is not None:
                last_sent = before.last_sent
            record[alert.key] = Sent(alert, starts, last_sent)
        for key, gone in self.sent.items():
            if key not in record:
                out.append(_payload(gone.alert, gone.starts_at, max(now, gone.starts_at)))
        return out, record

    async def send(self, client: AlertmanagerClient, firing: Iterable[Alert], now: float) -> int:
        """POST what is due; the record changes only when Alertmanager accepted it."""
        payload, record = self.plan(firing, now)
        await client.post(payload)
        self.sent = record
        return len(payload)


def _payload(alert: Alert, starts_at: float, ends_at: float) -> PostableAlert:
    return postable(alert.labels, alert.annotations, starts_at, ends_at, alert.generator_url)


def current_inputs(
    c: Collector,
    now: float,
    recent: Mapping[str, Sequence[StoredEvent]],
    received: Mapping[str, float],
) -> AlertInputs:
    heard = dict(received)
    for site, at in c.ingest.last_received.items():
        heard[site] = max(heard.get(site, 0.0), at)
    return AlertInputs(
        now=now,
        inventory=c.inventory,
        catalogue=c.catalogue,
        evaluation=c.evaluation,
        live=dict(c.live),
        recent=recent,
        last_received=heard,
        thresholds=c.thresholds,
        playbook_base_url=c.config.alertmanager.playbook_base_url,
        public_url=c.config.public_url,
        certificate_days=(
            float(c.config.alertmanager.certificate_warning_days),
            float(c.config.alertmanager.certificate_critical_days),
        ),
    )


async def run_forever(
    c: Collector,
    *,
    check_interval: float | None = None,
    clock: Callable[[], float] = time.time,
) -> None:
    """Send the firing alerts to ``alertmanager.url`` for as long as the collector runs (see the
    module docstring); returns at once when no URL is set."""
    cfg = c.config.alertmanager
    if cfg.url is None:
        log.info("alertmanager.url not set: no alerts are sent")
        return
    interval = check_interval or min(cfg.resend_interval, 30.0)
    sender = Sender(cfg.resend_interval)
    reader = RecentReader(c.store, [site.key for site in c.inventory.sites])
    async with AlertmanagerClient(cfg.url, timeout=cfg.timeout) as client:
        while True:
            await _check(c, reader, sender, client, clock())
            await asyncio.sleep(interval)


async def _check(
    c: Collector, reader: RecentReader, sender: Sender, client: AlertmanagerClient, now: float
) -> None:
    try:
        recent, received = await asyncio.to_thread(reader.read, now)
        firing = build_alerts(current_inputs(c, now, recent, received))
        sent = await sender.send(client, firing, now)
    except AlertmanagerError as err:
        log.warning("alerts not sent to %s: %s", c.config.alertmanager.url, err)
        return
    except Exception:  # a store error must not stop the alerts for good
        log.exception("alerts: checking what fires failed")
        return
    if sent:
        log.debug("alerts: %d sent, %d firing", sent, len(sender.sent))
