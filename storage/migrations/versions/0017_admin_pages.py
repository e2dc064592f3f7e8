"""admin panel pages: client tags, the audit log, and the indexes the panel's lists need

Revision ID: 0017_admin_pages
Revises: 0015_catalogue_reminders (main's head when the panel's pages merged it)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.tables.base

revision = "0017_admin_pages"
down_revision = "0016_filing"
branch_labels = None
depends_on = None

UtcDateTime = storage.tables.base.UtcDateTime
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "client_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_client_tags_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_tags")),
        sa.UniqueConstraint("firm_id", "name", name=op.f("uq_client_tags_firm_id_name")),
    )
    op.create_table(
        "company_tags",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["client_companies.id"],
            name=op.f("fk_company_tags_company_id_client_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["client_tags.id"], name=op.f("fk_company_tags_tag_id_client_tags")
        ),
        sa.PrimaryKeyConstraint("company_id", "tag_id", name=op.f("pk_company_tags")),
    )
    op.create_index("ix_company_tags_tag", "company_tags", ["tag_id", "company_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("before", Json, nullable=True),
        sa.Column("after", Json, nullable=True),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_audit_log_firm_id_firms")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_audit_log_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_firm_at", "audit_log", ["firm_id", "at"])
    # What the panel's pages read on a firm of 10 000 clients (bench/admin.py).
    op.create_index(
        "ix_requests_firm_status_due",
        "requests",
        ["firm_id", "status", "due_at", "urgency", "created_at", "id"],
    )
    op.create_index("ix_requests_firm_updated", "requests", ["firm_id", "updated_at"])
    op.create_index("ix_requests_firm_claimed", "requests", ["firm_id", "claimed_at", "handler_id", "created_at"])
    op.create_index("ix_requests_firm_completed", "requests", ["firm_id", "completed_at", "handler_id"])
    op.create_index(
        "ix_ratings_firm_created",
        "ratings",
        ["firm_id", "created_at", "staff_id", "attitude", "speed"],
    )
    op.create_index("ix_complaints_firm_created", "complaints", ["firm_id", "created_at"])
    op.create_index("ix_client_companies_firm_accountant", "client_companies", ["firm_id", "accountant_id"])
    op.create_index("ix_contacts_company", "contacts", ["company_id"])
    op.create_index("ix_bills_firm_paid", "bills", ["firm_id", "paid_at", "amount_fen"])
    op.create_index(
        "ix_bills_firm_status_amount", "bills", ["firm_id", "status", "due_on", "amount_fen"]
    )


def downgrade() -> None:
    op.drop_index("ix_requests_firm_status_due", table_name="requests")
    op.drop_index("ix_requests_firm_updated", table_name="requests")
    op.drop_index("ix_requests_firm_claimed", table_name="requests")
    op.drop_index("ix_requests_firm_completed", table_name="requests")
    op.drop_index("ix_ratings_firm_created", table_name="ratings")
    op.drop_index("ix_complaints_firm_created", table_name="complaints")
    op.drop_index("ix_client_companies_firm_accountant", table_name="client_companies")
    op.drop_index("ix_contacts_company", table_name="contacts")
    op.drop_index("ix_bills_firm_status_amount", table_name="bills")
    op.drop_index("ix_bills_firm_paid", table_name="bills")
    op.drop_index("ix_audit_log_firm_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_company_tags_tag", table_name="company_tags")
    op.drop_table("company_tags")
    op.drop_table("client_tags")
