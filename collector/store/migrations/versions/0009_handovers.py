"""Handover records (biên bản bàn giao) uploaded by technicians, each tied to its note on the
site; once per site and content hash.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(80), nullable=False),
        sa.Column("content_hash", sa.String(71), nullable=False),
        sa.Column("note_id", sa.BigInteger, sa.ForeignKey("notes.id"), nullable=False),
        sa.Column("received_at", sa.Double, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("technician", sa.String(200), nullable=False),
        sa.Column("finished_at", sa.Double, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("warned", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("first_failure_layer", sa.String(16)),
        sa.Column("first_failure_name", sa.String(200)),
        sa.Column("record", sa.Text, nullable=False),
        sa.UniqueConstraint("site", "content_hash", name="handovers_once"),
    )
    op.create_index("handovers_site", "handovers", ["site", "received_at"])


def downgrade() -> None:
    op.drop_table("handovers")
