"""job leases: one row per scheduled job; a process runs a job only while it holds its lease

Revision ID: 0018_job_leases
Revises: 0017_admin_pages (main's newest when this branch merged it)
"""

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0018_job_leases"
down_revision = "0017_admin_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("lease_until", storage.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("last_started_at", storage.tables.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_ended_at", storage.tables.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
