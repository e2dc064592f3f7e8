"""performance indexes: the completions index also holds when each request was raised and
for which company, so 绩效's median time to complete and its clients served read the index
alone (a month of a large firm's completions, never the table rows)

Revision ID: 0027_performance_indexes
Revises: 0026_invoice_scout
"""

from alembic import op

revision = "0027_performance_indexes"
down_revision = "0026_invoice_scout"
branch_labels = None
depends_on = None

NARROW = ["firm_id", "completed_at", "handler_id"]
WIDE = [*NARROW, "created_at", "company_id"]


def upgrade() -> None:
    op.drop_index("ix_requests_firm_completed", table_name="requests")
    op.create_index("ix_requests_firm_completed", "requests", WIDE)


def downgrade() -> None:
    op.drop_index("ix_requests_firm_completed", table_name="requests")
    op.create_index("ix_requests_firm_completed", "requests", NARROW)
