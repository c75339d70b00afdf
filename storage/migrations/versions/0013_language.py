"""language: the language of each conversation, and of each funnel count

Existing conversations and counts were all in French: the server default says so.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='fr',
                                      nullable=False))
    with op.batch_alter_table('funnel_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='fr',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('funnel_event', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('language')
