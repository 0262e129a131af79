"""Events and journal cursors.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("site", sa.String(80), nullable=False),
        sa.Column("journal_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("boot_id", sa.String(64), nullable=False),
        sa.Column("wall_time", sa.Double, nullable=False),
        sa.Column("monotonic_ns", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("state", sa.String(64)),
        sa.Column("value", sa.Double),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("received_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("site", "journal_id", "seq", name="events_pkey"),
    )
    op.create_index("events_site_time", "events", ["site", "wall_time", "seq"])
    op.create_index("events_time", "events", ["wall_time"])
    op.create_index("events_state", "events", ["site", "kind", "subject", "wall_time"])
    op.create_table(
        "journals",
        sa.Column("site", sa.String(80), nullable=False),
        sa.Column("journal_id", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("received_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("site", "journal_id", name="journals_pkey"),
    )


def downgrade() -> None:
    op.drop_table("journals")
    op.drop_table("events")
