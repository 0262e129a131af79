"""The reports written (RPT-MONTHLY, RPT-CENTRAL): one row per file kept, with its hash.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("written_at", sa.Double, nullable=False),
        sa.Column("written_by", sa.String(200), nullable=False),
        sa.Column("scheduled", sa.Boolean, nullable=False),
        sa.Column("evaluated_at", sa.Double, nullable=False),
    )
    op.create_index("reports_month", "reports", ["month", "format", "scope", "written_at"])


def downgrade() -> None:
    op.drop_table("reports")
