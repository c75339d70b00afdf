"""delivery: what kind of message each outbox row is (a WhatsApp template outside the 24-hour
window), the provider's error code from its status callback; a hand-off whose message to the
resident was not delivered, or that waits for a referent's look; a phone number a web
resident confirmed with a code (issue 28 items 1-3, issue 27 item 2)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("variables", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("error_code", sa.String(length=10), nullable=True))
    with op.batch_alter_table("handoff") as batch:
        batch.add_column(sa.Column("delivery_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("awaiting_review", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "person_phone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=200), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=True),
        sa.Column("code_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("codes_sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wrong_codes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_phone_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_phone")),
        sa.UniqueConstraint("person_id", name=op.f("uq_person_phone_person_id")),
    )


def downgrade() -> None:
    op.drop_table("person_phone")
    with op.batch_alter_table("handoff") as batch:
        batch.drop_column("awaiting_review")
        batch.drop_column("delivery_failed_at")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("error_code")
        batch.drop_column("variables")
        batch.drop_column("language")
        batch.drop_column("kind")
