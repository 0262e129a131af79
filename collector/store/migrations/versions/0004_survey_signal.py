"""The modem's signal at a survey point: RSRP (dBm) and RSRQ (dB), null when the record had none
(and for every point stored before).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_points") as batch:
        batch.add_column(sa.Column("rsrp_dbm", sa.Double))
        batch.add_column(sa.Column("rsrq_db", sa.Double))


def downgrade() -> None:
    with op.batch_alter_table("survey_points") as batch:
        batch.drop_column("rsrq_db")
        batch.drop_column("rsrp_dbm")
