"""The collector: fresh rows on every scrape, built from the catalogue.

Nothing here probes: a scrape only reads the latest results the runner recorded, so scraping is
cheap and never triggers traffic.  A value that is unknown is absent, never 0.  The rows are plain
:class:`agent.exposition.Family` objects: ``agent.exposition`` writes them as ``/metrics``, and
``agent.promclient`` turns them into prometheus_client families for tests and tools.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent import clock
from agent.catalogue import BY_NAME
from agent.config import TERMINAL_KINDS, Site
from agent.exposition import Family, Labels
from agent.journal import Journal
from agent.state import SiteState
from sansang import __version__

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric


class UnknownMetricError(KeyError):
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
        self, identity: AgentIdentity | None, state: SiteState, journal: Journal | None
    ) -> None:
        self.identity = identity
        self.state = state
        self.journal = journal

    def families(self) -> list[Family]:
        fams = _Families()
        self._agent(fams)
        self._jobs(fams)
        self._terminals(fams)
        self._journal(fams)
        return fams.build()

    def collect(self) -> list[Metric]:
        """The same rows as prometheus_client families, so that the collector can be registered
        in a ``CollectorRegistry``: for tests and tools only (prometheus_client is a development
        dependency; the agent itself never calls this)."""
        from agent import promclient  # imported here: keeps prometheus_client out of the agent

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
            for sample in rec.outcome.samples:
                labels = sample.labels if job.role == "host" else {"check": job.id, **sample.labels}
                fams.add(sample.name, sample.value, labels)
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
