"""ambassador: checks started in the street (field_check), the keyed hash of a phone
number shared by its SMS and WhatsApp addresses (channel_address.contact_key), and the
campaign messages held to the allowed hours (outbox_message.in_hours)

Revision ID: 0012_ambassador
Revises: 0010 (the merger re-chains it)
Create Date: 2026-11-29 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('field_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ambassador', sa.String(length=120), nullable=False),
    sa.Column('place', sa.String(length=80), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('consent_method', sa.String(length=12), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_by', sa.String(length=120), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('rights_found', sa.Boolean(), nullable=False),
    sa.Column('appointment', sa.Boolean(), nullable=False),
    sa.CheckConstraint("consent_method IS NULL OR consent_method IN ('sms', 'read_aloud', 'earlier')", name=op.f('ck_field_check_consent_method')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_field_check_conversation_id_conversation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_check'))
    )
    with op.batch_alter_table('field_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_check_ambassador'), ['ambassador'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_check_conversation_id'), ['conversation_id'], unique=False)

    with op.batch_alter_table('channel_address', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_channel_address_contact_key'), ['contact_key'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_hours', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('in_hours')
    with op.batch_alter_table('channel_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_address_contact_key'))
        batch_op.drop_column('contact_key')
    with op.batch_alter_table('field_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_check_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_field_check_ambassador'))
    op.drop_table('field_check')
