"""Readiness records edited in the web UI (collector.inventory.overlay): one row per edit, the
full new value as JSON, who and when; the inventory YAML plus these rows is what the collector
evaluates.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "readiness_edits",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("risk", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
    )
    op.create_index("readiness_edits_target", "readiness_edits", ["kind", "target", "risk", "id"])


def downgrade() -> None:
    op.drop_table("readiness_edits")
