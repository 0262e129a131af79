"""The store's tables (SQLAlchemy Core).  The migrations in ``migrations/versions`` build exactly
these; ``tests/unit/test_store_sqlite.py`` checks that the two agree.

``events`` is keyed by (site, journal_id, seq): an event is stored once however often it arrives.
``journals`` is the cursor of each journal (the highest seq held, and the contiguous seq the agent
resumes after), kept with every batch so that "where do I resume" never scans the events.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite's rowid alias must be spelled INTEGER; PostgreSQL gets a 64-bit identity.
_ID = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("site", String(80), nullable=False),
    Column("journal_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("boot_id", String(64), nullable=False),
    Column("wall_time", Double, nullable=False),  # Unix seconds, the agent's wall clock
    Column("monotonic_ns", BigInteger, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("state", String(64)),
    Column("value", Double),
    Column("details", Text, nullable=False),  # JSON text
    Column("received_at", Double, nullable=False),
    PrimaryKeyConstraint("site", "journal_id", "seq", name="events_pkey"),
    Index("events_site_time", "site", "wall_time", "seq"),
    Index("events_time", "wall_time"),
    Index("events_state", "site", "kind", "subject", "wall_time"),
)

journals = Table(
    "journals",
    metadata,
    Column("site", String(80), nullable=False),
    Column("journal_id", String(64), nullable=False),
    Column("last_seq", BigInteger, nullable=False),  # the highest seq held
    Column("received_at", Double, nullable=False),
    # The end of the run without a hole from the journal's first seq: where the agent resumes.
    Column("contiguous_seq", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("site", "journal_id", name="journals_pkey"),
)

survey_points = Table(
    "survey_points",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("label", String(200), nullable=False),
    Column("latitude", Double, nullable=False),
    Column("longitude", Double, nullable=False),
    Column("wall_time", Double, nullable=False),
    Column("download_bps", Double),
    Column("upload_bps", Double),
    Column("loss_ratio", Double),
    Column("latency_seconds", Double),
    Column("operator", String(100)),
    Column("technology", String(40)),
    Column("site", String(80)),
    Column("rsrp_dbm", Double),  # 0004
    Column("rsrq_db", Double),
    UniqueConstraint("wall_time", "latitude", "longitude", "label", name="survey_points_once"),
    Index("survey_points_time", "wall_time"),
)

notes = Table(
    "notes",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("site", String(80), nullable=False),
    Column("at", Double, nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Index("notes_site_at", "site", "at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", Double, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("action", String(80), nullable=False),
    Column("target", String(200), nullable=False),
    Column("details", Text, nullable=False),  # JSON text
    Index("audit_log_at", "at"),
)

# 0005: findings kept per calendar month (collector.store.months): the month's evaluation, its
# findings in the order evaluated (the sites', then the province's: site "province"), and copies
# of its coverage dead-zone places (survey points tied to no site).
months = Table(
    "months",
    metadata,
    Column("month", String(7), primary_key=True),  # 2026-11
    Column("evaluated_at", Double, nullable=False),
    Column("window_start", Double, nullable=False),
    Column("window_end", Double, nullable=False),  # the month's end, or when it was evaluated
    Column("closed", Boolean, nullable=False),
    Column("inventory_version", String(64), nullable=False),  # sha256
    Column("catalogue_version", String(64), nullable=False),
    Column("extra", Text, nullable=False),  # JSON object
)

month_findings = Table(
    "month_findings",
    metadata,
    Column("month", String(7), nullable=False),
    Column("position", Integer, nullable=False),
    Column("target", String(40), nullable=False),
    Column("site", String(80), nullable=False),
    Column("status", String(16), nullable=False),
    Column("value", Double),
    Column("threshold", Text),  # JSON: a number, a string, a list of strings, true/false
    Column("unit", String(40), nullable=False),
    Column("window_start", Double, nullable=False),
    Column("window_end", Double, nullable=False),
    Column("vi", Text, nullable=False),
    Column("en", Text, nullable=False),
    Column("cause", String(16)),
    Column("details", Text, nullable=False),  # JSON object
    Column("evidence", Text, nullable=False),  # JSON list of {kind, vi, en, refs}
    PrimaryKeyConstraint("month", "position", name="month_findings_pkey"),
    Index("month_findings_site", "site", "month"),
)

month_dead_zones = Table(
    "month_dead_zones",
    metadata,
    Column("month", String(7), nullable=False),
    Column("position", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("latitude", Double, nullable=False),
    Column("longitude", Double, nullable=False),
    Column("wall_time", Double, nullable=False),
    Column("download_bps", Double),
    Column("upload_bps", Double),
    Column("loss_ratio", Double),
    Column("latency_seconds", Double),
    Column("operator", String(100)),
    Column("technology", String(40)),
    Column("site", String(80)),
    Column("rsrp_dbm", Double),
    Column("rsrq_db", Double),
    PrimaryKeyConstraint("month", "position", name="month_dead_zones_pkey"),
)

reports = Table(  # 0006: every report and central export written, the file kept with its hash
    "reports",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("month", String(7), nullable=False),  # 2026-11
    Column("format", String(8), nullable=False),  # docx, pdf, xlsx; csv, json (the export)
    Column("scope", String(40), nullable=False),  # "tinh" (every site) or "xa-<hash of sites>"
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("written_at", Double, nullable=False),
    Column("written_by", String(200), nullable=False),  # a token's name, or "schedule"
    Column("scheduled", Boolean, nullable=False),
    Column("evaluated_at", Double, nullable=False),  # of the month's findings it was made from
    Index("reports_month", "month", "format", "scope", "written_at"),
)

# 0007: incidents (sự cố, collector.incidents): one row each, the alerts that make it (by
# Alertmanager's identity of an alert: fingerprint and start, stored once however often it is
# notified) and people's notes.  ``open_key`` is the incident's key while it is open and NULL
# once restored: its UNIQUE constraint is what keeps two open incidents of one key from ever
# existing, whichever collector or request writes (NULLs are distinct in SQLite and PostgreSQL).
incidents = Table(
    "incidents",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
    Column("open_key", String(200)),
    Column("site", String(80)),  # NULL: province-wide
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("alertname", String(120), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("started_at", Double, nullable=False),
    Column("detected_at", Double, nullable=False),
    Column("acknowledged_at", Double),
    Column("acknowledged_by", String(200)),
    Column("restored_at", Double),
    Column("restored_by", String(200)),
    Column("reported_at", Double),
    Column("reported_by", String(200)),
    Column("report_ref", String(200)),
    Column("opened_by", String(200), nullable=False),
    UniqueConstraint("open_key", name="incidents_open_key"),
    Index("incidents_key", "key", "started_at"),
    Index("incidents_started", "started_at"),
    Index("incidents_site", "site", "started_at"),
)

incident_alerts = Table(
    "incident_alerts",
    metadata,
    Column("fingerprint", String(64), nullable=False),
    Column("starts_at", Double, nullable=False),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    Column("alertname", String(120), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("ends_at", Double),
    Column("received_at", Double, nullable=False),
    PrimaryKeyConstraint("fingerprint", "starts_at", name="incident_alerts_pkey"),
    Index("incident_alerts_incident", "incident_id"),
)

incident_notes = Table(
    "incident_notes",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    Column("at", Double, nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Index("incident_notes_incident", "incident_id", "at"),
)

incident_intake = Table(  # when each source (Alertmanager's webhook) was first and last heard
    "incident_intake",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    Column("notifications", BigInteger, nullable=False),
)

# 0008: readiness records edited in the web UI (collector.inventory.overlay), an overlay on the
# inventory YAML: ``kind`` plan (``target`` a site key, ``risk``), site_drill (site key, risk),
# province_drill (``target`` ""), team (``target`` a commune code); ``value`` the full record as
# JSON, as the inventory's models read it; never updated or deleted (the newest plan or team of
# a target wins, drills add up).
readiness_edits = Table(
    "readiness_edits",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("target", String(80), nullable=False),
    Column("risk", String(16), nullable=False),  # "" but for plans and a site's drills
    Column("value", Text, nullable=False),  # JSON object
    Column("at", Double, nullable=False),
    Column("author", String(200), nullable=False),  # the token's name
    Column("role", String(40), nullable=False),
    Index("readiness_edits_target", "kind", "target", "risk", "id"),
)

# 0009: handover records (biên bản bàn giao, sansang.handover) a technician uploaded: each is
# also a note on the site (``note_id``: the summary in words); ``record`` the record's JSON as
# received and verified, kept to render the collector's own page of it.  A record is stored once
# per site and content hash: the same upload again finds the row (and its note) already there.
handovers = Table(
    "handovers",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("site", String(80), nullable=False),
    Column("content_hash", String(71), nullable=False),  # sha256:<64 hex>
    Column("note_id", BigInteger, ForeignKey("notes.id"), nullable=False),
    Column("received_at", Double, nullable=False),
    Column("author", String(200), nullable=False),  # the token's name
    Column("technician", String(200), nullable=False),  # as the record names them
    Column("finished_at", Double, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("warned", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("first_failure_layer", String(16)),  # NULL: no layer failed
    Column("first_failure_name", String(200)),
    Column("record", Text, nullable=False),  # JSON object
    UniqueConstraint("site", "content_hash", name="handovers_once"),
    Index("handovers_site", "site", "received_at"),
)
