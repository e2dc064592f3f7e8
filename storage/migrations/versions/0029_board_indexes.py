"""board indexes: each column's first page read off an index, one status at a time; a
client's own ratings and complaints (its lifecycle stage)

Revision ID: 0029_board_indexes
Revises: 0027_performance_indexes (re-chained at merge)
"""

from alembic import op

revision = "0029_board_indexes"
down_revision = "0027_performance_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_requests_firm_status_urgency",
        "requests",
        ["firm_id", "status", "urgency", "created_at", "id", "due_at", "handler_id", "company_id"],
    )
    op.create_index(
        "ix_requests_firm_status_updated",
        "requests",
        ["firm_id", "status", "updated_at", "id", "handler_id", "company_id"],
    )
    op.create_index("ix_ratings_company_created", "ratings", ["company_id", "created_at"])
    op.create_index("ix_complaints_company_created", "complaints", ["company_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_complaints_company_created", table_name="complaints")
    op.drop_index("ix_ratings_company_created", table_name="ratings")
    op.drop_index("ix_requests_firm_status_updated", table_name="requests")
    op.drop_index("ix_requests_firm_status_urgency", table_name="requests")
