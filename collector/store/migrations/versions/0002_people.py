"""What people add: coverage survey points, notes on sites, the audit log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "survey_points",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("latitude", sa.Double, nullable=False),
        sa.Column("longitude", sa.Double, nullable=False),
        sa.Column("wall_time", sa.Double, nullable=False),
        sa.Column("download_bps", sa.Double),
        sa.Column("upload_bps", sa.Double),
        sa.Column("loss_ratio", sa.Double),
        sa.Column("latency_seconds", sa.Double),
        sa.Column("operator", sa.String(100)),
        sa.Column("technology", sa.String(40)),
        sa.Column("site", sa.String(80)),
        sa.UniqueConstraint(
            "wall_time", "latitude", "longitude", "label", name="survey_points_once"
        ),
    )
    op.create_index("survey_points_time", "survey_points", ["wall_time"])
    op.create_table(
        "notes",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(80), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("notes_site_at", "notes", ["site", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("notes")
    op.drop_table("survey_points")
