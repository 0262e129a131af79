"""The contiguous cursor of each journal: what an agent resumes after.

``journals.last_seq`` is the highest seq held; a collector restored from a backup, or a stray
far-ahead event, leaves holes below it that the agent must fill.  ``contiguous_seq`` is the end
of the run without a hole that starts at the journal's first seq; an existing journal gets the
end of the run starting at the lowest seq it holds.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The lowest seq with no successor is where the first run ends.
_BACKFILL = """
UPDATE journals SET contiguous_seq = COALESCE((
    SELECT MIN(e.seq) FROM events e
    WHERE e.site = journals.site AND e.journal_id = journals.journal_id
      AND NOT EXISTS (
          SELECT 1 FROM events n
          WHERE n.site = e.site AND n.journal_id = e.journal_id AND n.seq = e.seq + 1
      )
), 0)
"""


def upgrade() -> None:
    with op.batch_alter_table("journals") as batch:
        batch.add_column(
            sa.Column("contiguous_seq", sa.BigInteger, nullable=False, server_default="0")
        )
    op.execute(_BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("journals") as batch:
        batch.drop_column("contiguous_seq")
