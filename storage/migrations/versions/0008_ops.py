"""leases carry a token: heartbeats renew them, and only the holder records an outcome

Revision ID: 0008_ops
Revises: 0007_binding_guard
Depends on: 0004_invoices (the invoice_uploads table)
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_ops"
down_revision = "0007_binding_guard"
branch_labels = None
depends_on = ("0004_invoices",)

TABLES = ("outbox", "invoice_uploads")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("lease_token", sa.String(length=40), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_token")
