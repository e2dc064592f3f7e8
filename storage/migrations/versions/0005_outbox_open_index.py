"""outbox: a partial index of the rows still on their way

Revision ID: 0005_outbox_open_index
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_outbox_open_index"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_open", "outbox", ["recipient", "id"], sqlite_where=OPEN, postgresql_where=OPEN
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_open", table_name="outbox")
