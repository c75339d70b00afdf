"""campaigns: invitation campaigns, their households (invited or control) and the outbox
rows that carried their messages

Revision ID: 0009
Revises: 0007 (the lead re-chains it after 0008 when merging)
Create Date: 2026-11-29 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('invitation', sa.Text(), nullable=False),
    sa.Column('reminder', sa.Text(), nullable=False),
    sa.Column('control_percent', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('per_hour', sa.Integer(), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evaluation_until', sa.Date(), nullable=False),
    sa.Column('identities_erased', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'finished')", name=op.f('ck_campaign_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    op.create_table('campaign_household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('grp', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('address_key', sa.String(length=64), nullable=True),
    sa.Column('moment', sa.String(length=20), nullable=True),
    sa.Column('source', sa.String(length=80), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_completed', sa.Boolean(), nullable=False),
    sa.Column('rights_found', sa.Boolean(), nullable=False),
    sa.Column('appointment', sa.Boolean(), nullable=False),
    sa.Column('claim_filed', sa.Boolean(), nullable=False),
    sa.Column('right_opened', sa.Boolean(), nullable=False),
    sa.CheckConstraint("grp IN ('invited', 'control')", name=op.f('ck_campaign_household_grp')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_household_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_household'))
    )
    with op.batch_alter_table('campaign_household', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_household_address_key', ['address_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_household_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('campaign_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('invitation', 'reminder')", name=op.f('ck_campaign_message_kind')),
    sa.ForeignKeyConstraint(['household_id'], ['campaign_household.id'], name=op.f('fk_campaign_message_household_id_campaign_household'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_message'))
    )
    with op.batch_alter_table('campaign_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_message_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_message_outbox_id'), ['outbox_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('campaign_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_message_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_message_household_id'))

    op.drop_table('campaign_message')
    with op.batch_alter_table('campaign_household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_household_campaign_id'))
        batch_op.drop_index('ix_campaign_household_address_key')

    op.drop_table('campaign_household')
    op.drop_table('campaign')
