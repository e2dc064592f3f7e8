"""message_templates: a firm's own wording per kind of notice, versioned

Revision ID: 0010_message_templates
Revises: 0009_inbound_owner
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_message_templates"
down_revision = "0009_inbound_owner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("remark", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_message_templates_firm_id_firms")
        ),
        sa.ForeignKeyConstraint(
            ["saved_by"], ["staff.id"], name=op.f("fk_message_templates_saved_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint(
            "firm_id", "kind", "version", name=op.f("uq_message_templates_firm_id_kind_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("message_templates")
