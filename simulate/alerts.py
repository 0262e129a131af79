"""Which of the collector's own alerts the simulated sites' journals raise, and when they reach
Alertmanager's webhook: the alert source of the simulated province's incident log
(:mod:`simulate.incidents`, :mod:`simulate.webhook`).

The simulated province has no Prometheus (nothing scrapes the simulated sites), so its alerts are
the collector's own, computed from the events the agents journal (``collector.alerts.build``):

- ``SansangPowerLost``: mains lost (``mains_state`` lost, or ``mains_flapping`` started), held
  while a link that went down during the loss is still down (the router came back after mains:
  the likely cause of that loss is power);
- ``SansangSiteUnreachable``: nothing from the site for :data:`SILENT_AFTER` (the agent's box
  died), starting at its last event: detected half an hour late, by construction;
- ``SansangLinkDown``: a link down (``link_state``), critical when every link of the site is;
- ``SansangServiceDown``: a service down at one site that neither power nor the links explain
  and that is not down at most sites at once;
- ``SansangCentralOutage``: a service down (the server answering with an error, no local cause)
  at :data:`CENTRAL_SHARE` of the sites that check it, at least :data:`CENTRAL_MIN`: one alert
  for the province, from the moment that many had lost it.

One alert per site for its connectivity, power first (as the collector).  The collector looks
every :data:`CHECK_SECONDS` (its phase drawn from the seed: deterministic) and Alertmanager waits
:data:`GROUP_WAIT` before a group's first notification: an alert is received that long after
the look that found it, and one over by then is never sent (Alertmanager does not notify a group
whose alerts all ended before its first flush).
This is the collector's logic restated over a journal, not the collector's code: the incidents
it gives are the simulator's, and say so (:data:`simulate.incidents.SIMULATED`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from collector.alerts.catalogue import (
    CENTRAL_OUTAGE,
    LINK_DOWN,
    POWER_LOST,
    SERVICE_DOWN,
    SITE_UNREACHABLE,
    AlertDef,
)
from sansang.events import Event
from simulate.scenario import Scenario, _unit

KINDS = ("mains_state", "mains_flapping", "link_state", "service_state")
SILENT_AFTER = 1800.0  # collector.alerts.alert.AlertInputs.silent_after (its default)
PUSH_SECONDS = 5.0  # the simulated agents push every 5 s (simulate.files)
CHECK_SECONDS = 30.0  # the collector's alert loop looks this often (collector.alerts)
GROUP_WAIT = 30.0  # deploy/alertmanager/alertmanager.yml: a new group's first notification
REPEAT_INTERVAL = 4 * 3600.0  # ... and its reminders while it fires
CENTRAL_SHARE, CENTRAL_MIN = 0.5, 3  # OPS-247's central_outage_share; CENTRAL_MIN_SITES
ROLES = ("one_stop_system", "national_portal")  # OPS-247's roles
BY_NAME: dict[str, AlertDef] = {
    a.name: a for a in (POWER_LOST, SITE_UNREACHABLE, LINK_DOWN, SERVICE_DOWN, CENTRAL_OUTAGE)
}


@dataclass(frozen=True)
class AlertId:
    """An alert as Alertmanager knows it: its label set (severity is a label: a link alert
    turning critical is another alert)."""

    alertname: str
    site: str  # "" for the province
    subject: str  # the service of a service or central alert; "" for the site as a whole
    severity: str

    @property
    def kind(self) -> str:
        """Its incident kind: the catalogue's playbook (as ``collector.web.incidents``)."""
        return BY_NAME[self.alertname].playbook.removesuffix(".md")

    def labels(self) -> dict[str, str]:
        found = BY_NAME[self.alertname]
        labels = {"alertname": self.alertname, "severity": self.severity}
        labels |= {"agency": found.agency or "", "target": found.target or ""}
        if self.site:
            labels |= {"site": self.site, "commune_code": self.site.split("-")[0]}
        if self.subject:
            labels["service"] = self.subject
        return labels

    @property
    def fingerprint(self) -> str:
        """Alertmanager's is a hash of the label set; this one is too (16 hex digits)."""
        text = ",".join(f"{k}={v}" for k, v in sorted(self.labels().items()))
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass
class Span:
    """One alert from the moment it fires to its end: ``starts_at`` as the collector sends it,
    ``seen_at`` when the collector's condition became true, ``detected_at`` when the
    notification reached the webhook; ``resolved_at`` the ``endsAt`` of its end (the collector's
    check after the condition ended); None while it fires."""

    alert: AlertId
    starts_at: float
    seen_at: float
    detected_at: float
    resolved_at: float | None = None

    @property
    def notified(self) -> bool:
        """Still firing when its first notification went out (else nobody heard of it)."""
        return self.resolved_at is None or self.resolved_at > self.detected_at


Wanted = dict[AlertId, tuple[float, float | None]]  # alert -> (startsAt, seen at; None: now)


@dataclass
class _Site:
    """What the collector knows of one site's connectivity, from its events."""

    key: str
    links: frozenset[str]
    mains_lost: float | None = None
    loss: tuple[float, float | None] | None = None  # the latest mains loss (lost, restored)
    links_down: dict[str, float] = field(default_factory=dict)
    services: dict[str, tuple[str, bool, float]] = field(default_factory=dict)  # role, up, since
    last_event: float | None = None  # None: not known (the history's sweep, until its end)

    def feed(self, e: Event) -> None:
        if e.kind == "mains_state":
            if e.state == "lost":
                self.mains_lost = e.wall_time
                self.loss = (e.wall_time, None)
            elif e.state == "restored":
                self._restored(e.wall_time)
        elif e.kind == "mains_flapping":
            if e.state == "started":
                self.mains_lost = e.wall_time
                self.loss = (e.wall_time, None)
            else:
                self._restored(e.wall_time)
        elif e.kind == "link_state":
            if e.state == "down":
                self.links_down.setdefault(e.subject, e.wall_time)
            else:
                self.links_down.pop(e.subject, None)
        elif e.kind == "service_state":
            role = str(e.details.get("role") or "other")
            self.services[e.subject] = (role, e.state != "down", e.wall_time)

    def _restored(self, at: float) -> None:
        self.mains_lost = None
        if self.loss is not None and self.loss[1] is None:
            self.loss = (self.loss[0], at)

    def _by_power(self, t: float) -> bool:
        """A loss at ``t`` during the latest mains loss: its likely cause is power."""
        if self.loss is None:
            return False
        lost, restored = self.loss
        return lost <= t <= (restored if restored is not None else math.inf)

    def wanted(self, now: float, central: Collection[str]) -> Wanted:
        power = self.mains_lost is not None or any(
            self._by_power(t) for t in self.links_down.values()
        )
        if power and self.loss is not None:
            return {
                AlertId(POWER_LOST.name, self.key, "", POWER_LOST.severity): (self.loss[0], None)
            }
        if self.last_event is not None and now - self.last_event > SILENT_AFTER:
            alert = AlertId(SITE_UNREACHABLE.name, self.key, "", SITE_UNREACHABLE.severity)
            return {alert: (self.last_event, self.last_event + SILENT_AFTER)}
        found: Wanted = {}
        if self.links_down:
            every = bool(self.links) and self.links <= set(self.links_down)
            severity = (LINK_DOWN.worst or LINK_DOWN.severity) if every else LINK_DOWN.severity
            found[AlertId(LINK_DOWN.name, self.key, "", severity)] = (
                min(self.links_down.values()),
                None,
            )
            if every:
                return found
        for service, (role, up, since) in self.services.items():
            if not up and role in ROLES and service not in central:
                found[AlertId(SERVICE_DOWN.name, self.key, service, SERVICE_DOWN.severity)] = (
                    since,
                    None,
                )
        return found


class Tracker:
    """The simulated province's alerts over time.  The collector looks every
    :data:`CHECK_SECONDS` (a phase drawn from the seed): :meth:`update` at each look opens the
    spans of the alerts it finds firing (received :data:`GROUP_WAIT` later) and ends those it no
    longer finds (``endsAt`` that look).  ``spans`` holds every alert that fired, the open ones
    in ``firing`` too."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.sites = {
            s.key: _Site(s.key, frozenset(link.id for link in s.links)) for s in scenario.sites
        }
        # service -> site -> since: down with the server's own error (no local cause)
        self._down: dict[str, dict[str, float]] = {}
        self._reporting: dict[str, set[str]] = {}
        self.firing: dict[AlertId, Span] = {}
        self.spans: list[Span] = []
        self.phase = CHECK_SECONDS * _unit(scenario.seed, "collector alert check")
        self.since = -math.inf  # when the agents started (the history's start)
        self.next_look: float | None = None  # the collector's next look (None: none yet)

    def look_at_or_after(self, t: float) -> float:
        """The collector's first look at or after ``t``."""
        return self.phase + math.ceil((t - self.phase) / CHECK_SECONDS) * CHECK_SECONDS

    def feed(self, key: str, e: Event) -> None:
        site = self.sites[key]
        if e.kind in KINDS:
            site.feed(e)
        if e.kind == "service_state" and e.details.get("role") in ROLES:
            self._reporting.setdefault(e.subject, set()).add(key)
            down = self._down.setdefault(e.subject, {})
            if e.state == "down" and e.details.get("reason") == "http_status":
                down.setdefault(key, e.wall_time)
            else:
                down.pop(key, None)

    def heard(self, key: str, at: float) -> None:
        """The newest event of the site (any kind): what its silence counts from."""
        site = self.sites[key]
        site.last_event = at if site.last_event is None else max(site.last_event, at)

    def _alive(self, key: str, now: float) -> bool:
        return self.scenario.silent_from.get(key, math.inf) > now

    def _central(self, now: float) -> Wanted:
        found: Wanted = {}
        for service, down in self._down.items():
            watching = sum(1 for k in self._reporting.get(service, ()) if self._alive(k, now))
            need = max(CENTRAL_MIN, math.ceil(CENTRAL_SHARE * watching))
            if len(down) >= need:
                since = sorted(down.values())[need - 1]  # when enough sites had lost it
                alert = AlertId(CENTRAL_OUTAGE.name, "", service, CENTRAL_OUTAGE.severity)
                found[alert] = (since, None)
        return found

    def update(self, now: float) -> None:
        """A look of the collector at ``now``: open the spans of the alerts firing, end those
        that stopped."""
        wanted = self._central(now)
        central = {a.subject for a in wanted}
        for site in self.sites.values():
            wanted |= site.wanted(now, central)
        for alert, (starts, seen) in wanted.items():
            if alert not in self.firing:
                seen_at = now if seen is None else min(now, self.look_at_or_after(seen))
                span = Span(alert, starts, seen_at, seen_at + GROUP_WAIT)
                self.firing[alert] = span
                self.spans.append(span)
        for alert in [a for a in self.firing if a not in wanted]:
            self.firing.pop(alert).resolved_at = now

    def advance(
        self, events: Iterable[tuple[str, Event]], until: float, *, live: bool = False
    ) -> None:
        """Every site's events in time order, each reaching the collector
        :data:`PUSH_SECONDS` after it was journalled, the collector looking every
        :data:`CHECK_SECONDS` until ``until``.  ``live``: each event is the site's newest (in
        the history, its silence is judged at the end only: :meth:`heard`)."""
        stream = iter(events)
        pending = next(stream, None)
        if self.next_look is None:
            if pending is None:
                return
            self.next_look = self.look_at_or_after(pending[1].wall_time + PUSH_SECONDS)
        while self.next_look <= until:
            while pending is not None and pending[1].wall_time + PUSH_SECONDS <= self.next_look:
                self._take(*pending, live)
                pending = next(stream, None)
            self.update(self.next_look)
            self.next_look += CHECK_SECONDS
        while pending is not None:  # seen at the next look
            self._take(*pending, live)
            pending = next(stream, None)

    def _take(self, key: str, e: Event, live: bool) -> None:
        self.feed(key, e)
        if live:
            self.heard(key, e.wall_time)
