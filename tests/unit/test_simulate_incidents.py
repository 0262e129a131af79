"""The simulated province's incident log (simulate.alerts, simulate.incidents, simulate.webhook):
the collector's own alerts restated over the agents' journals, looked at every 30 s and
delivered after Alertmanager's group wait; the history imported with its own times, marked as
simulated, the same history twice adding nothing; live, the simulated Alertmanager's
notifications pass the collector's own webhook parser and find the imported incidents."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.journal.store import Journal
from collector.incidents import webhook
from collector.store import Store
from collector.web.incidents import ALERT_KINDS
from sansang.events import Event
from simulate.alerts import CHECK_SECONDS, GROUP_WAIT, SILENT_AFTER, Span, Tracker
from simulate.incidents import MARK, SIMULATED, seed
from simulate.scenario import Scenario, SitePlan
from simulate.webhook import SimulatedAlertmanager, alert_json, notification

T0 = 1_790_000_000.0
HOUR = 3600.0
_seq = itertools.count(1)


def ev(t: float, kind: str, subject: str, state: str, **details: object) -> Event:
    return Event(next(_seq), "boot", t, 0, kind, subject, state, None, dict(details))


def notified(tracker: Tracker, alertname: str) -> list[Span]:
    return [s for s in tracker.spans if s.alert.alertname == alertname and s.notified]


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.build(4, 3)


def test_a_cut_is_one_power_alert_held_until_the_router_is_back(scenario: Scenario) -> None:
    a, b = (s.key for s in scenario.sites[:2])
    link = scenario.sites[0].links[0].id
    tracker = Tracker(scenario)
    events = [
        (a, ev(T0 + 100, "mains_state", "site", "lost")),
        (a, ev(T0 + 1000, "link_state", link, "down")),  # the UPS ran flat
        (b, ev(T0 + 2000, "mains_state", "site", "lost")),  # a blip: over before it is sent
        (b, ev(T0 + 2020, "mains_state", "site", "restored")),
        (a, ev(T0 + 3 * HOUR, "mains_state", "site", "restored")),
        (a, ev(T0 + 3 * HOUR + 240, "link_state", link, "up")),
    ]
    tracker.advance(events, T0 + 5 * HOUR)
    [power] = notified(tracker, "SansangPowerLost")
    assert power.alert.site == a and power.starts_at == T0 + 100
    # Seen at the collector's first look after the push, received after the group wait.
    assert T0 + 100 + GROUP_WAIT < power.detected_at <= T0 + 105 + CHECK_SECONDS + GROUP_WAIT
    assert power.resolved_at is not None
    assert T0 + 3 * HOUR + 240 <= power.resolved_at <= T0 + 3 * HOUR + 245 + CHECK_SECONDS
    assert not notified(tracker, "SansangLinkDown")  # the cause is power: one alert
    assert not tracker.firing


def test_a_service_lost_at_most_sites_is_one_central_alert(scenario: Scenario) -> None:
    tracker = Tracker(scenario)
    start = T0 + 10 * HOUR
    details = {"role": "one_stop_system", "reason": "http_status"}
    events = [
        (s.key, ev(start + 10 * i, "service_state", "motcua", "down", **details))
        for i, s in enumerate(scenario.sites)
    ] + [
        (s.key, ev(start + HOUR, "service_state", "motcua", "up", role="one_stop_system"))
        for s in scenario.sites
    ]
    tracker.advance(events, start + 2 * HOUR)
    [central] = notified(tracker, "SansangCentralOutage")
    assert (central.alert.site, central.alert.subject) == ("", "motcua")
    assert central.starts_at == start + 20  # the third site: max(3, half of 4)
    assert not notified(tracker, "SansangServiceDown")  # the first sites' were never sent


def test_a_silent_site_is_unreachable_from_its_last_event_detected_late(
    scenario: Scenario,
) -> None:
    key = scenario.sites[2].key
    tracker = Tracker(scenario)
    tracker.heard(key, T0)
    tracker.update(T0 + SILENT_AFTER - 60)
    assert not tracker.firing
    tracker.update(T0 + 2 * HOUR)
    [span] = notified(tracker, "SansangSiteUnreachable")
    assert span.starts_at == T0 and span.detected_at >= T0 + SILENT_AFTER + GROUP_WAIT


@dataclass
class _Site:
    plan: SitePlan
    journal: Journal


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def wall(self) -> float:
        return self.now


@pytest.fixture
def sites(scenario: Scenario, tmp_path: Path) -> Iterator[tuple[list[_Site], _Clock]]:
    clock = _Clock()
    found = [
        _Site(plan, Journal(tmp_path / f"{plan.key}.db", boot_id="b", wall=clock.wall))
        for plan in scenario.sites
    ]
    yield found, clock
    for site in found:
        site.journal.close()


def _append(site: _Site, clock: _Clock, at: float, kind: str, state: str) -> None:
    clock.now = at
    site.journal.append(kind, "site", state)


def test_the_history_is_imported_as_simulated_and_the_live_end_restores_it(
    scenario: Scenario, sites: tuple[list[_Site], _Clock], store: Store
) -> None:
    found, clock = sites
    end = T0 + 6 * HOUR
    _append(found[0], clock, T0 + HOUR, "mains_state", "lost")
    _append(found[0], clock, T0 + HOUR + 600, "mains_state", "restored")
    _append(found[1], clock, end - 1800, "mains_state", "lost")  # still out at the end
    for site in found:  # every agent alive at the end
        _append(site, clock, end - 60, "agent_heartbeat", "ok")

    history = seed(store, scenario, found, T0, end, now=end)
    again = seed(store, scenario, found, T0, end, now=end)  # the same history: nothing new
    assert len(history.records) == len(again.records) == len(store.incidents()) == 3
    incidents = store.incidents()
    assert all(i.opened_by == SIMULATED and i.summary.endswith(MARK) for i in incidents)
    power = sorted((i for i in incidents if i.kind == "power_loss"), key=lambda i: i.started_at)
    assert [(i.site, i.started_at, i.open) for i in power] == [
        (found[0].plan.key, T0 + HOUR, False),
        (found[1].plan.key, end - 1800, True),
    ]
    assert power[0].time_to_detect <= 5 + CHECK_SECONDS + GROUP_WAIT
    [register] = [i for i in incidents if i.kind == "cyberattack"]  # from before the history
    assert register.started_at < T0 and register.reported_at is None
    intake = store.incident_intake()
    assert intake is not None and intake.first_at == T0 and intake.last_at <= end
    assert [e.action for e in store.audit_log()] == ["incident.import"] * 2

    # Live: the simulated Alertmanager reminds of what fires, then posts its end; both are
    # what the collector's webhook takes, and they find the imported incident.
    live = SimulatedAlertmanager(history, found, "http://127.0.0.1:1/", "token")
    keys = {s.plan.key for s in found}

    def deliver(now: float) -> list[str]:
        statuses = []
        for span, resolved, _before in live.due(now):
            body = notification(alert_json(span, history, resolved))
            parsed = webhook.parse(body, now=now, kinds=ALERT_KINDS, sites=keys)
            assert not parsed.skipped, parsed.skipped
            store.receive_alerts(parsed.signals, now)
            statuses.append(body["status"])
        return statuses

    assert deliver(end + 1) == ["firing"]  # the reminder of the open cut
    assert deliver(end + 60) == []
    _append(found[1], clock, end + 600, "mains_state", "restored")
    assert deliver(end + 700) == ["resolved"]
    restored = store.incident(power[1].id)
    assert restored is not None and restored.restored_at is not None
    assert end + 600 <= restored.restored_at <= end + 600 + CHECK_SECONDS
    assert len(store.incidents()) == 3
