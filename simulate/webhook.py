"""The simulated province's Alertmanager, live: it posts webhook notifications (version 4, as
Alertmanager's ``webhook_configs`` do) to the collector's ``/api/v1/alertmanager/webhook`` with
the ``alertmanager`` token the simulator wrote (:mod:`simulate.files`), so the live run's
incidents open and restore through the collector's own path: the live central outage, the live
fibre cut, a mountain commune's afternoon cut when the run reaches it, the silent site's
reminders.

What it sends comes from the journals the simulated agents write (:mod:`simulate.alerts`,
continuing the history's :class:`~simulate.alerts.Tracker`): an alert's first notification once
the collector would have seen it and the group waited (``group_wait``), a reminder every
:data:`~simulate.alerts.REPEAT_INTERVAL` while it fires (the first at the live run's start, for
the alerts the history left firing), its end with ``endsAt``.  Summaries end "(mô phỏng)".

Only at real speed (``--speed 1``): the collector takes the receipt as the detection, and faster
the events' times run ahead of its clock.  A refused post (the collector not started yet, a
collector with other tokens) is logged once and tried again at the next round: Alertmanager
retries too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp

from collector.alerts.alertmanager import rfc3339
from sansang.events import Event
from simulate.alerts import REPEAT_INTERVAL, Span
from simulate.incidents import History, Journalled, delivered, summary

log = logging.getLogger(__name__)

ROUND_SECONDS = 2.0  # between two looks at the journals
TIMEOUT = 10.0
ZERO_TIME = "0001-01-01T00:00:00Z"  # a firing alert's endsAt, as Alertmanager sends it
EXTERNAL_URL = "http://alertmanager.mo-phong.example/"  # never contacted: it is the simulator
RECEIVERS = {
    "so_khcn": "so-khcn",
    "cong_an_tinh": "cong-an-tinh",
    "so_cong_thuong": "so-cong-thuong",
}


def alert_json(span: Span, history: History, resolved: bool) -> dict[str, Any]:
    """One alert of a notification."""
    ends = span.resolved_at if resolved and span.resolved_at is not None else None
    text = summary(span.alert, history.tracker.scenario)
    return {
        "status": "resolved" if ends is not None else "firing",
        "labels": span.alert.labels(),
        "annotations": {"summary": text, "description": text},
        "startsAt": rfc3339(span.starts_at),
        "endsAt": rfc3339(ends) if ends is not None else ZERO_TIME,
        "generatorURL": "",
        "fingerprint": span.alert.fingerprint,
    }


def notification(alert: dict[str, Any]) -> dict[str, Any]:
    """A notification of one alert's group (the deploy's routes group by alert name and site)."""
    labels = alert["labels"]
    group = {k: labels[k] for k in ("alertname", "site") if k in labels}
    group_key = "{}:{" + ", ".join(f'{k}="{v}"' for k, v in group.items()) + "}"
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": alert["status"],
        "receiver": RECEIVERS.get(labels.get("agency", ""), "mac-dinh"),
        "groupLabels": group,
        "commonLabels": labels,
        "commonAnnotations": alert["annotations"],
        "externalURL": EXTERNAL_URL,
        "alerts": [alert],
    }


class SimulatedAlertmanager:
    """Posts the live run's alerts; the history's were imported (:mod:`simulate.incidents`)."""

    def __init__(
        self,
        history: History,
        sites: Sequence[Journalled],
        url: str,
        token: str,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.history = history
        self.sites = sites
        self.url = url
        self.token = token
        self.now = now
        self.read = {site.plan.key: site.journal.newest_seq for site in sites}
        # Each span of the tracker (one firing of an alert: the same alert firing again with the
        # same start is another span, and the collector reopens its incident): when its firing
        # was last sent (None: not yet), and whether its end was.  The history's imported count
        # as sent, their reminder due at once.
        self.sent: dict[int, float | None] = {}
        self.ended: set[int] = set()
        horizon = history.horizon
        for span in history.tracker.spans:
            if delivered(span, history.tracker) and span.detected_at <= horizon:
                self.sent[_identity(span)] = horizon - REPEAT_INTERVAL
                if span.resolved_at is not None and span.resolved_at <= horizon:
                    self.ended.add(_identity(span))
        self.posted = 0
        self._complained: set[str] = set()

    def _new_events(self) -> list[tuple[str, Event]]:
        """The events the agents journalled since the last round, all sites in time order."""
        found: list[tuple[str, Event]] = []
        for site in self.sites:
            key = site.plan.key
            while events := site.journal.read(self.read[key], 1000):
                found.extend((key, e) for e in events)
                self.read[key] = events[-1].seq
        return sorted(found, key=lambda item: item[1].wall_time)

    def due(self, now: float) -> list[tuple[Span, bool, float | None]]:
        """The alerts to post now: (span, its end?, when its firing was sent before), each
        marked sent (a failed post puts it back: :meth:`_undo`)."""
        tracker = self.history.tracker
        tracker.advance(self._new_events(), now, live=True)
        found: list[tuple[Span, bool, float | None]] = []
        for span in tracker.spans:
            ident = _identity(span)
            if ident in self.ended or not delivered(span, tracker):
                continue
            last = self.sent.get(ident)
            if span.resolved_at is not None and span.resolved_at <= now:
                if last is not None:  # never notified firing: nobody is told it ended
                    found.append((span, True, last))
                self.ended.add(ident)
            elif span.detected_at <= now and (last is None or now - last >= REPEAT_INTERVAL):
                found.append((span, False, last))
                self.sent[ident] = now
        return found

    async def run(self, stop: asyncio.Event) -> None:
        """Every :data:`ROUND_SECONDS` until ``stop`` is set."""
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            while not stop.is_set():
                for span, resolved, before in self.due(self.now()):
                    body = notification(alert_json(span, self.history, resolved))
                    if not await self._post(session, body):
                        self._undo(span, resolved, before)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=ROUND_SECONDS)

    async def _post(self, session: aiohttp.ClientSession, body: dict[str, Any]) -> bool:
        try:
            async with session.post(self.url, json=body) as resp:
                if resp.status == 200:
                    self.posted += 1
                    return True
                self._complain(f"HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as err:
            self._complain(type(err).__name__)
        return False

    def _undo(self, span: Span, resolved: bool, before: float | None) -> None:
        """A post that failed: the alert is due again at the next round."""
        if resolved:
            self.ended.discard(_identity(span))
        else:
            self.sent[_identity(span)] = before

    def _complain(self, why: str) -> None:
        if why not in self._complained:
            self._complained.add(why)
            log.warning(
                "Alertmanager mô phỏng / simulated Alertmanager: %s refused (%s); retrying",
                self.url,
                why,
            )


def _identity(span: Span) -> int:
    """A span kept in ``Tracker.spans`` for the whole run: its object is its identity."""
    return id(span)
