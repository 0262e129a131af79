"""Findings kept per calendar month (Asia/Ho_Chi_Minh): one row per month's evaluation, its
findings (the sites' and the province's) with their evidence, and the month's coverage dead-zone
places (copies of the survey points, so the month reads the same if a point is imported again).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "months",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("evaluated_at", sa.Double, nullable=False),
        sa.Column("window_start", sa.Double, nullable=False),
        sa.Column("window_end", sa.Double, nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("inventory_version", sa.String(64), nullable=False),
        sa.Column("catalogue_version", sa.String(64), nullable=False),
        sa.Column("extra", sa.Text, nullable=False),
    )
    op.create_table(
        "month_findings",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("site", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("value", sa.Double),
        sa.Column("threshold", sa.Text),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("window_start", sa.Double, nullable=False),
        sa.Column("window_end", sa.Double, nullable=False),
        sa.Column("vi", sa.Text, nullable=False),
        sa.Column("en", sa.Text, nullable=False),
        sa.Column("cause", sa.String(16)),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("month", "position", name="month_findings_pkey"),
    )
    op.create_index("month_findings_site", "month_findings", ["site", "month"])
    op.create_table(
        "month_dead_zones",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
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
        sa.Column("rsrp_dbm", sa.Double),
        sa.Column("rsrq_db", sa.Double),
        sa.PrimaryKeyConstraint("month", "position", name="month_dead_zones_pkey"),
    )


def downgrade() -> None:
    op.drop_table("month_dead_zones")
    op.drop_index("month_findings_site", table_name="month_findings")
    op.drop_table("month_findings")
    op.drop_table("months")
