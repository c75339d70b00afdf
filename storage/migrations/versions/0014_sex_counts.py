"""funnel_event.sex and conversation.sex_question: the optional question on sex after the
result, answered into anonymous counts only (issue 16 item 5)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('funnel_event') as batch:
        batch.add_column(sa.Column('sex', sa.String(length=10), nullable=True))
    with op.batch_alter_table('conversation') as batch:
        batch.add_column(sa.Column('sex_question', sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversation') as batch:
        batch.drop_column('sex_question')
    with op.batch_alter_table('funnel_event') as batch:
        batch.drop_column('sex')
