"""Incidents (sự cố, SEC-EARLY): one row per incident, the alerts that make it, people's notes,
and when the incident intake (Alertmanager's webhook) was heard from.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("open_key", sa.String(200)),
        sa.Column("site", sa.String(80)),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("alertname", sa.String(120), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("started_at", sa.Double, nullable=False),
        sa.Column("detected_at", sa.Double, nullable=False),
        sa.Column("acknowledged_at", sa.Double),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("restored_at", sa.Double),
        sa.Column("restored_by", sa.String(200)),
        sa.Column("reported_at", sa.Double),
        sa.Column("reported_by", sa.String(200)),
        sa.Column("report_ref", sa.String(200)),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("open_key", name="incidents_open_key"),
    )
    op.create_index("incidents_key", "incidents", ["key", "started_at"])
    op.create_index("incidents_started", "incidents", ["started_at"])
    op.create_index("incidents_site", "incidents", ["site", "started_at"])
    op.create_table(
        "incident_alerts",
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("starts_at", sa.Double, nullable=False),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("alertname", sa.String(120), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("ends_at", sa.Double),
        sa.Column("received_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", "starts_at", name="incident_alerts_pkey"),
    )
    op.create_index("incident_alerts_incident", "incident_alerts", ["incident_id"])
    op.create_table(
        "incident_notes",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("incident_notes_incident", "incident_notes", ["incident_id", "at"])
    op.create_table(
        "incident_intake",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("first_at", sa.Double, nullable=False),
        sa.Column("last_at", sa.Double, nullable=False),
        sa.Column("notifications", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("incident_intake")
    op.drop_table("incident_notes")
    op.drop_table("incident_alerts")
    op.drop_table("incidents")
