"""binding guard: failed attempts, the openid an invite may replace, old codes retired

Revision ID: 0007_binding_guard
Revises: 0006_inbound_unanswered_index

Outstanding codes are brought under the new rules: an unused six-digit staff code (the old
shape, now guessable as a contact code is) ends at once, and an unused contact code lives at
most 72 hours from now. Downgrading keeps those shorter lifetimes.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0007_binding_guard"
down_revision = "0006_inbound_unanswered_index"
branch_labels = None
depends_on = None

CONTACT_CODE_TTL = timedelta(hours=72)


def upgrade() -> None:
    op.create_table(
        "binding_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("at", storage.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_binding_failures_firm_id_firms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_binding_failures")),
    )
    with op.batch_alter_table("binding_failures", schema=None) as batch_op:
        batch_op.create_index("ix_binding_failures_firm_at", ["firm_id", "at"], unique=False)
        batch_op.create_index(
            "ix_binding_failures_firm_openid_at", ["firm_id", "openid", "at"], unique=False
        )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces_openid", sa.String(length=64), nullable=True))

    invites = sa.table(
        "invites",
        sa.column("kind", sa.String()),
        sa.column("code", sa.String()),
        sa.column("used_at", storage.tables.base.UtcDateTime(timezone=True)),
        sa.column("expires_at", storage.tables.base.UtcDateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    cap = now + CONTACT_CODE_TTL
    unused = sa.and_(invites.c.used_at.is_(None), invites.c.expires_at > now)
    op.execute(
        invites.update()
        .where(unused, invites.c.kind == "staff", sa.func.length(invites.c.code) < 8)
        .values(expires_at=now)
    )
    op.execute(
        invites.update()
        .where(unused, invites.c.kind == "contact", invites.c.expires_at > cap)
        .values(expires_at=cap)
    )


def downgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_column("replaces_openid")
    with op.batch_alter_table("binding_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_binding_failures_firm_openid_at")
        batch_op.drop_index("ix_binding_failures_firm_at")
    op.drop_table("binding_failures")
