"""The collector's config file (``collector.yaml``), loaded with file:line:field errors.

Paths are relative to the config file's directory.  Secrets (push credentials, API tokens) live in
their own files, never in this one, and are stored hashed (SHA-256 of a random 256-bit token: the
token carries its own entropy, so a slow hash buys nothing and would cost every request).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from sansang.configfile import load_model
from sansang.models import StrictModel
from sansang.units import ListenAddress, Seconds, listen_host, listen_port


class PullConfig(StrictModel):
    """Fetching the journals of agents the province can reach (`pull:` sites of the inventory)."""

    interval: Seconds = Field(default=60.0, description="between two fetches from one agent")
    timeout: Seconds = Field(default=10.0, description="for one page")
    page_size: int = Field(default=1000, ge=1, le=5000, description="events per request")
    ca_file: Path | None = Field(
        default=None, description="CA bundle for agents' TLS certificates (default: the system's)"
    )


class IngestConfig(StrictModel):
    """Accepting pushes (`push:` sites of the inventory)."""

    credentials_file: Path | None = Field(
        default=None,
        description="YAML: `credential_id: sha256-hex` of each site's push token "
        "(`sansang collector credential new ID` makes one)",
    )
    max_batch_events: int = Field(default=5000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)


class EvaluateConfig(StrictModel):
    interval: Seconds = Field(default=300.0, description="between two evaluations")
    window: Seconds = Field(default=30 * 86400.0, description="the span findings cover")


class PeriodsConfig(StrictModel):
    """Findings kept per calendar month (the trend, `?month=`, the monthly report)."""

    refresh: Seconds = Field(
        default=3600.0, gt=0, description="between two evaluations of the current month so far"
    )
    close_after_hours: float = Field(
        default=48.0,
        ge=0,
        le=24 * 27,
        description="hours into a new month when the previous one is evaluated a last time and "
        "closed (late pushes from agents that were offline still count)",
    )


class PrometheusConfig(StrictModel):
    """Where live values come from: any server with Prometheus' HTTP query API."""

    url: str | None = Field(default=None, description="e.g. `http://127.0.0.1:9090/`; none: off")
    timeout: Seconds = 10.0
    site_label: str = Field(default="site", description="target label holding the site key")
    refresh_interval: Seconds = Field(default=30.0, description="between two live snapshots")
    unreachable_after: Seconds = Field(
        default=300.0,
        description="a site is unreachable once every scrape of it failed for this long "
        "(keep it equal to the `for:` of the SansangSiteUnreachable rule)",
    )


class AlertmanagerConfig(StrictModel):
    url: str | None = Field(default=None, description="e.g. `http://127.0.0.1:9093/`; none: off")
    timeout: Seconds = 10.0
    resend_interval: Seconds = Field(default=60.0, description="firing alerts are re-sent")
    playbook_base_url: str = Field(
        default="https://github.com/sansang-vn/sansang/blob/main/playbooks/",
        description="where the playbook of each incident kind lives (`<base><kind>.md`); left "
        "at this default with `public_url` set, alerts link the collector's own page instead "
        "(`<public_url>/playbooks/<kind>#<section>`, reachable where a commune cannot reach "
        "github.com); set it to keep linking elsewhere",
    )
    certificate_warning_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="a registered signature certificate raises a warning this many days before "
        "its last valid day",
    )
    certificate_critical_days: int = Field(
        default=7,
        ge=0,
        le=366,
        description="... and a critical alert this many days before it (and once expired)",
    )

    @model_validator(mode="after")
    def _critical_after_warning(self) -> AlertmanagerConfig:
        if self.certificate_critical_days >= self.certificate_warning_days:
            raise ValueError(
                "certificate_critical_days must be fewer than certificate_warning_days"
            )
        return self


class ReportsConfig(StrictModel):
    """The monthly report (RPT-MONTHLY) and the central export (RPT-CENTRAL), written on `day`."""

    dir: Path | None = Field(
        default=None,
        description="where written reports are kept (default: `reports/` beside the SQLite "
        "database, or beside this file with PostgreSQL)",
    )
    day: int = Field(
        default=13,
        ge=1,
        le=28,
        description="day of the month the previous month's reports are written on (13: the "
        "earliest deadline of the plans, the communes')",
    )
    formats: list[Literal["docx", "xlsx", "pdf"]] = Field(
        default_factory=lambda: ["docx", "xlsx", "pdf"],  # type: ignore[arg-type]
        description="the report's formats written on `day`",
    )
    central_export: list[Literal["csv", "json"]] = Field(
        default_factory=lambda: ["csv", "json"],  # type: ignore[arg-type]
        description="the central export's formats written on `day` (RPT-CENTRAL)",
    )
    central_mapping: Path | None = Field(
        default=None,
        description="the province's mapping of targets to the central dashboard's indicators "
        "(default: the one shipped, collector/report/central_mapping.yaml)",
    )


class CollectorConfig(StrictModel):
    """The province collector's config file, e.g. `/etc/sansang/collector.yaml`."""

    listen: ListenAddress = Field(
        default="127.0.0.1:9718", description="`HOST:PORT` of the API and web UI"
    )
    database: str = Field(
        default="sqlite:///collector.db",
        description="SQLAlchemy URL: `sqlite:///PATH` (embedded) or "
        "`postgresql+psycopg://USER@HOST/DB` (shared)",
    )
    inventory: Path = Field(description="the province's inventory YAML")
    targets: Path | None = Field(default=None, description="threshold overrides (`targets.yaml`)")
    tokens_file: Path | None = Field(
        default=None, description="YAML list of API tokens: name, role, sha256, sites"
    )
    public_url: str | None = Field(
        default=None, description="how people reach the web UI (links in alerts)"
    )
    pull: PullConfig = Field(default_factory=PullConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    evaluate: EvaluateConfig = Field(default_factory=EvaluateConfig)
    periods: PeriodsConfig = Field(default_factory=PeriodsConfig)
    prometheus: PrometheusConfig = Field(default_factory=PrometheusConfig)
    alertmanager: AlertmanagerConfig = Field(default_factory=AlertmanagerConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)

    @property
    def host(self) -> str:
        return listen_host(self.listen, "127.0.0.1")

    @property
    def port(self) -> int:
        return listen_port(self.listen)


def load(path: Path | str) -> CollectorConfig:
    """Load and validate; relative paths become relative to the file's directory."""
    path = Path(path)
    config = load_model(CollectorConfig, path)
    base = path.parent

    def rel(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else base / p

    updates: dict[str, object] = {
        name: rel(getattr(config, name))
        for name in ("inventory", "targets", "tokens_file")
        if rel(getattr(config, name)) is not None
    }
    if config.ingest.credentials_file and not config.ingest.credentials_file.is_absolute():
        ingest = config.ingest.model_copy(
            update={"credentials_file": base / config.ingest.credentials_file}
        )
        updates["ingest"] = ingest
    rel_reports = {
        name: base / value
        for name in ("dir", "central_mapping")
        if (value := getattr(config.reports, name)) is not None and not value.is_absolute()
    }
    if rel_reports:
        updates["reports"] = config.reports.model_copy(update=rel_reports)
    if config.database.startswith("sqlite:///") and not config.database.startswith("sqlite:////"):
        updates["database"] = f"sqlite:///{base / config.database.removeprefix('sqlite:///')}"
    return config.model_copy(update=updates)
