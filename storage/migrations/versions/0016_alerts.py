"""alerts: when the referents on duty were alerted of a hand-off (issue 28 item 4)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff") as batch:
        batch.add_column(sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff") as batch:
        batch.drop_column("alerted_at")
