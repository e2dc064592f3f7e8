"""paid renewals stop period billing at the old end (contracts.bills_until); refunds asked
by an admin are keyed by the ask and sent to WeChat Pay by the pay worker

Revision ID: 0021_renewals_refund_asks
Revises: 0024_panel_layouts
"""

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0021_renewals_refund_asks"
down_revision = "0024_panel_layouts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bills_until", sa.Date(), nullable=True))
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("submitted_at", storage.tables.base.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_payment_refunds_bill_id_request_key"), ["bill_id", "request_key"]
        )
    # Refunds made before this revision were sent to WeChat Pay when they were recorded.
    op.execute("UPDATE payment_refunds SET submitted_at = created_at WHERE submitted_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_payment_refunds_bill_id_request_key"), type_="unique"
        )
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("request_key")
    with op.batch_alter_table("service_contracts", schema=None) as batch_op:
        batch_op.drop_column("bills_until")
