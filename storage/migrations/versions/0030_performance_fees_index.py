"""performance fees index: the bills paid in a period carry their company, so 绩效's fees
per accountant read the index alone (the period's bills, never the table rows)

Revision ID: 0030_performance_fees_index
Revises: 0029_board_indexes
"""

from alembic import op

revision = "0030_performance_fees_index"
down_revision = "0029_board_indexes"
branch_labels = None
depends_on = None

NARROW = ["firm_id", "paid_at", "amount_fen"]
WIDE = [*NARROW, "company_id"]


def upgrade() -> None:
    op.drop_index("ix_bills_firm_paid", table_name="bills")
    op.create_index("ix_bills_firm_paid", "bills", WIDE)


def downgrade() -> None:
    op.drop_index("ix_bills_firm_paid", table_name="bills")
    op.create_index("ix_bills_firm_paid", "bills", NARROW)
