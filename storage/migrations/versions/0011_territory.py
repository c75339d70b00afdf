"""territory: conversations, hand-offs, accounts, campaigns and funnel counts carry theirs

One deployment serves many territories (TERRITORY_DIR). NULL in handoff, referent_account
and campaign means a row from before, which belongs to the first territory configured;
NULL in conversation and funnel_event means outside every territory (the national
fallback) or not known yet. outbox_message.sender: the territory's own number an SMS goes
out from (NULL: the deployment's sender).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('conversation', 'handoff', 'referent_account', 'campaign', 'funnel_event')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('territory_id', sa.String(length=40), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_territory_id'), ['territory_id'],
                                  unique=False)
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('sender')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_territory_id'))
            batch_op.drop_column('territory_id')
