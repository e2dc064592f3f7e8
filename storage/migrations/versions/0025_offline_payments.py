"""offline payments: bills an admin settled as paid outside WeChat Pay (线下收款), and an
index for arrears by client

Revision ID: 0025_offline_payments
Revises: 0022_tax_registration_item
"""

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0025_offline_payments"
down_revision = "0022_tax_registration_item"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offline_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=50), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_offline_payments_bill_id_bills")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_offline_payments_firm_id_firms")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_offline_payments_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_payments")),
        sa.UniqueConstraint("bill_id", name=op.f("uq_offline_payments_bill_id")),
    )
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bills_firm_status_company",
            ["firm_id", "status", "company_id", "due_on", "amount_fen"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.drop_index("ix_bills_firm_status_company")
    op.drop_table("offline_payments")
