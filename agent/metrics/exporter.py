"""The agent's Prometheus exporter: fresh rows on every scrape of ``/metrics``, built from the
metric catalogue (agent/metrics/catalogue.py) and the site's latest state.

Nothing here probes: a scrape only reads the latest results the runner recorded, so scraping is
cheap and never triggers traffic.  A value that is unknown is absent, never 0.  The rows are plain
:class:`sansang.exposition.Family` objects: ``sansang.exposition`` writes them as ``/metrics``, and
``agent.metrics.promclient`` turns them into prometheus_client families for tests and tools.
(``AgentCollector`` is named after prometheus_client's "collector" interface; it has nothing to
do with the province collector.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent import clock
from agent.config import Site
from agent.jobs import DEFAULT_LINK, Job
from agent.journal.push import REASONS as PUSH_REASONS
from agent.journal.push import PushStats
from agent.journal.store import Journal
from agent.metrics.catalogue import BY_NAME
from agent.power.history import CLASSES
from agent.power.reading import KNOWN_FLAGS, PowerReading
from agent.state import SiteState
from sansang import __version__
from sansang.errors import SansangError
from sansang.exposition import Family, Labels
from sansang.kinds import TERMINAL_KINDS

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric


class UnknownMetricError(SansangError, KeyError):
    """A probe emitted a name that is not in the catalogue (a bug, caught by the tests)."""


@dataclass(frozen=True)
class AgentIdentity:
    site: Site
    boot_id: str
    started_at: float


_NO_LABELS: Labels = {}


class _Families:
    """Collects rows per family name, in the order the names first appear."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Labels, float]]] = {}

    def add(self, name: str, value: float, labels: Labels | None = None) -> None:
        rows = self.rows.get(name)
        if rows is None:
            if name not in BY_NAME:
                raise UnknownMetricError(name)
            rows = self.rows[name] = []
        rows.append((labels or _NO_LABELS, value))

    def build(self) -> list[Family]:
        return [Family(BY_NAME[name], rows) for name, rows in self.rows.items()]


class AgentCollector:
    """Reads the identity, the state and the journal; :meth:`families` is one scrape's rows."""

    def __init__(
        self,
        identity: AgentIdentity | None,
        state: SiteState,
        journal: Journal | None,
        push: PushStats | None = None,
    ) -> None:
        self.identity = identity
        self.state = state
        self.journal = journal
        self.push = push

    def families(self) -> list[Family]:
        fams = _Families()
        self._agent(fams)
        self._jobs(fams)
        self._terminals(fams)
        self._power(fams)
        self._links(fams)
        self._speedtest(fams)
        self._journal(fams)
        self._push(fams)
        return fams.build()

    def collect(self) -> list[Metric]:
        """The same rows as prometheus_client families, so that the collector can be registered
        in a ``CollectorRegistry``: for tests and tools only (the agent itself never calls this:
        ``sansang/exposition.py`` writes its /metrics)."""
        from agent.metrics import (
            promclient,  # imported here: keeps prometheus_client out of the agent
        )

        return promclient.metrics(self.families())

    def _agent(self, fams: _Families) -> None:
        if self.identity is None:  # a one-off probe from the CLI: no site
            return
        site = self.identity.site
        commune = site.commune
        fams.add(
            "sansang_site_info",
            1,
            {
                "commune_code": site.commune_code,
                "commune_name": commune.name,
                "province_code": commune.province_code,
                "province_name": commune.province_name,
                "site_id": site.site_id,
                "site_name": site.name,
                "latitude": f"{site.latitude:.6f}",
                "longitude": f"{site.longitude:.6f}",
            },
        )
        fams.add(
            "sansang_agent_info", 1, {"version": __version__, "boot_id": self.identity.boot_id}
        )
        fams.add("sansang_agent_start_timestamp_seconds", self.identity.started_at)
        fams.add("sansang_site_open", float(self.state.service_hours_open(clock.wall())))

    def _jobs(self, fams: _Families) -> None:
        for rec in self.state.records.values():
            if rec.outcome is None:
                continue  # not run yet: unknown, so absent
            job = rec.job
            ids = {"check": job.id, "probe": job.probe.name}
            fams.add("sansang_probe_success", float(rec.outcome.success), ids)
            fams.add("sansang_probe_duration_seconds", rec.duration, ids)
            fams.add("sansang_probe_last_run_timestamp_seconds", rec.last_run_wall, ids)
            fams.add("sansang_probe_runs_total", rec.runs, ids)
            fams.add("sansang_probe_errors_total", rec.errors, ids)
            own = _own_labels(job)
            for sample in rec.outcome.samples:
                fams.add(
                    sample.name, sample.value, {**own, **sample.labels} if own else sample.labels
                )
            if job.role == "service":
                fams.add(
                    "sansang_service_up",
                    float(rec.outcome.success),
                    {"service": job.id, "role": job.attributes["role"]},
                )

    def _terminals(self, fams: _Families) -> None:
        configured: Counter[str] = Counter()
        checked: Counter[str] = Counter()
        up: Counter[str] = Counter()
        for rec in self.state.jobs_of("terminal"):
            job = rec.job
            kind = job.attributes["kind"]
            ids = {"terminal": job.id, "kind": kind}
            configured[kind] += 1
            fams.add(
                "sansang_terminal_info",
                1,
                {
                    **ids,
                    "name": job.name,
                    "address": job.attributes["address"],
                    "method": job.attributes["method"],
                },
            )
            if rec.outcome is None:
                continue
            checked[kind] += 1
            up[kind] += int(rec.outcome.success)
            fams.add("sansang_terminal_up", float(rec.outcome.success), ids)
            fams.add("sansang_terminal_up_in_service_seconds_total", rec.service_up_seconds, ids)
            fams.add(
                "sansang_terminal_observed_in_service_seconds_total",
                rec.service_observed_seconds,
                ids,
            )
        for kind in TERMINAL_KINDS:
            if configured[kind]:
                fams.add("sansang_terminals_configured", configured[kind], {"kind": kind})
            if checked[kind]:  # no terminal of this kind checked yet: unknown, so absent
                fams.add("sansang_terminals_up", up[kind], {"kind": kind})

    def _power(self, fams: _Families) -> None:
        records = self.state.jobs_of("power")
        if not records:
            return
        tracker = self.state.power.tracker
        for rec in records:
            job = rec.job
            src = tracker.sources[job.id]
            ids = {"source": job.id}
            info = {"probe": job.probe.name, "name": job.name}
            info |= {"manufacturer": src.manufacturer, "model": src.model}
            fams.add("sansang_power_source_info", 1, ids | info)
            if rec.outcome is None:
                continue  # not polled yet: unknown, so absent
            up = float(rec.outcome.success)
            fams.add("sansang_power_source_up", up, ids | {"probe": job.probe.name})
            if src.reading is not None:
                _power_reading(fams, ids, src.reading, src.flags_seen)
        mains = tracker.mains_now()
        if mains is not None:
            fams.add("sansang_power_site_mains_present", float(mains))
        fams.add("sansang_power_flapping", float(tracker.flapping))
        wall, mono_ns = clock.wall(), clock.monotonic_ns()
        for window, fig in self.state.power.summary(wall, mono_ns).items():
            for cls in CLASSES:
                labels = {"window": window, "class": cls}
                fams.add("sansang_power_outages", fig.outages[cls], labels)
                fams.add("sansang_power_outage_duration_seconds", fig.seconds[cls], labels)
            fams.add("sansang_power_outage_longest_seconds", fig.longest, {"window": window})
            if fig.shortest_holdup is not None:
                fams.add(
                    "sansang_power_ups_holdup_shortest_seconds",
                    fig.shortest_holdup,
                    {"window": window},
                )

    def _speedtest(self, fams: _Families) -> None:
        if self.state.speedtest is not None:
            for name, value, labels in self.state.speedtest.rows():
                fams.add(name, value, labels)

    def _links(self, fams: _Families) -> None:
        """The configured links, and whether the last rounds over each got a reply."""
        for link in self.state.link_config.values():
            info = {"link": link.id, "name": link.name, "kind": link.kind, "role": link.role}
            info |= {"interface": link.interface or "", "source_address": link.source_address or ""}
            fams.add("sansang_link_info", 1, info)
        for link_id, status in self.state.links.links.items():
            if status.up is not None:
                fams.add("sansang_link_up", float(status.up), {"link": link_id})

    def _journal(self, fams: _Families) -> None:
        if self.journal is None:
            return
        j = self.journal
        fams.add("sansang_journal_last_sequence", j.newest_seq)
        fams.add("sansang_journal_events_appended_total", j.stats.appended)
        fams.add("sansang_journal_events_pruned_total", j.stats.pruned)
        fams.add("sansang_journal_write_errors_total", j.stats.write_errors)
        fams.add("sansang_journal_events_dropped_total", j.stats.dropped)
        fams.add("sansang_journal_pending_events", j.pending())
        fams.add("sansang_journal_size_bytes", j.size_bytes())

    def _push(self, fams: _Families) -> None:
        if self.push is None or self.journal is None:
            return
        p = self.push
        fams.add("sansang_push_acknowledged_seq", p.acknowledged_seq)
        fams.add("sansang_push_pending_events", p.pending(self.journal.newest_seq))
        if p.last_success is not None:
            fams.add("sansang_push_last_success_timestamp_seconds", p.last_success)
        for reason in PUSH_REASONS:
            fams.add("sansang_push_failures_total", p.failures[reason], {"reason": reason})


def _own_labels(job: Job) -> Labels:
    """The labels a job adds to its probe's samples: ``check`` (the job id), none for the host
    probe, ``target`` and ``link`` for a quality round (its series are per target and link; a
    round from the CLI has neither: ``cli`` over ``default``)."""
    if job.role == "host":
        return _NO_LABELS
    if job.probe.category == "quality":
        attrs = job.attributes
        return {"target": attrs.get("target", job.id), "link": attrs.get("link", DEFAULT_LINK)}
    return {"check": job.id}


_READING_VALUES = (
    ("sansang_power_battery_charge_ratio", "battery_charge_ratio"),
    ("sansang_power_battery_runtime_seconds", "battery_runtime_seconds"),
    ("sansang_power_input_voltage_volts", "input_voltage_volts"),
    ("sansang_power_load_ratio", "load_ratio"),
)


def _power_reading(
    fams: _Families, ids: Labels, reading: PowerReading, flags_seen: set[str]
) -> None:
    """One source's reading; a value the source does not give is absent."""
    if reading.mains_present is not None:
        fams.add("sansang_power_mains_present", float(reading.mains_present), ids)
        fams.add("sansang_power_on_battery", float(not reading.mains_present), ids)
    fams.add("sansang_power_battery_low", float(reading.battery_low), ids)
    for name, attribute in _READING_VALUES:
        value = getattr(reading, attribute)
        if value is not None:
            fams.add(name, value, ids)
    # Every known flag, and any other flag this source has ever shown: 0/1, always present.
    for flag in (*KNOWN_FLAGS, *sorted(flags_seen - set(KNOWN_FLAGS))):
        fams.add("sansang_power_ups_status", float(flag in reading.flags), {**ids, "flag": flag})
