"""inbound: which instance accepted a message still being handled

Revision ID: 0009_inbound_owner
Revises: 0008_ops
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_inbound_owner"
down_revision = "0008_ops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("owner")
