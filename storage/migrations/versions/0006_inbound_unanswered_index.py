"""inbound: index only the messages still being handled

Revision ID: 0006_inbound_unanswered_index
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_inbound_unanswered_index"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

UNANSWERED = sa.text("status IN ('processing', 'recovering')")


def upgrade() -> None:
    op.drop_index("ix_inbound_status_received", table_name="inbound_messages")
    op.create_index(
        "ix_inbound_unanswered",
        "inbound_messages",
        ["received_at"],
        sqlite_where=UNANSWERED,
        postgresql_where=UNANSWERED,
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_unanswered", table_name="inbound_messages")
    op.create_index(
        "ix_inbound_status_received", "inbound_messages", ["status", "received_at"]
    )
