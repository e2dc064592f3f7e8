"""invoice uploads remember the QR scout: when it took the photo and the bytes it stored

Revision ID: 0026_invoice_scout
Revises: 0025_offline_payments
"""

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0026_invoice_scout"
down_revision = "0025_offline_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both nullable: rows queued before this revision are simply not scouted yet (the scout
    # takes them if still pending; the full read downloads them as before).
    with op.batch_alter_table("invoice_uploads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scouted_at", storage.tables.base.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("blob_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoice_uploads", schema=None) as batch_op:
        batch_op.drop_column("blob_sha256")
        batch_op.drop_column("scouted_at")
