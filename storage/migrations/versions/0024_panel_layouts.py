"""panel layouts: versioned menu and home page, home-page images, complaint reopening

Revision ID: 0024_panel_layouts
Revises: 0020_archive_documents (re-chained at merge)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.tables.base

revision = "0024_panel_layouts"
down_revision = "0020_archive_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "panel_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("saved_by", sa.String(length=50), nullable=False),
        sa.Column("saved_at", storage.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_panel_documents_firm_id_firms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_documents")),
        sa.UniqueConstraint(
            "firm_id", "kind", "version", name=op.f("uq_panel_documents_firm_id_kind_version")
        ),
    )
    op.create_table(
        "home_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", storage.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_home_images_firm_id_firms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_images")),
        sa.UniqueConstraint("firm_id", "sha256", name=op.f("uq_home_images_firm_id_sha256")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reopened_at", storage.tables.base.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reopened_by", sa.String(length=50), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("reopen_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("reopen_note")
        batch_op.drop_column("reopened_by")
        batch_op.drop_column("reopened_at")
    op.drop_table("home_images")
    op.drop_table("panel_documents")
