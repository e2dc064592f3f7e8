"""contacts remember when they unfollowed the account (their reminders then go by SMS)

Revision ID: 0019_contact_unfollowed
Revises: 0018_job_leases
"""

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0019_contact_unfollowed"
down_revision = "0018_job_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "unfollowed_at", storage.tables.base.UtcDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("unfollowed_at")
