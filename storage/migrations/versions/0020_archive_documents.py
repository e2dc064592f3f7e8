"""archive documents: filing receipts and other files staff upload for a company and month

Revision ID: 0020_archive_documents
Revises: 0019_contact_unfollowed (re-chained at merge)
"""

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0020_archive_documents"
down_revision = "0019_contact_unfollowed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_type", sa.String(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=50), nullable=False),
        sa.Column(
            "uploaded_at", storage.tables.base.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["client_companies.id"],
            name=op.f("fk_archive_documents_company_id_client_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_archive_documents_firm_id_firms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_documents")),
    )
    with op.batch_alter_table("archive_documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_archive_documents_company_period", ["company_id", "period"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("archive_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_archive_documents_company_period")
    op.drop_table("archive_documents")
