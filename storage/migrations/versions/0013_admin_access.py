"""admin panel access: staff passwords, one-time password links, failed logins, sessions

Revision ID: 0013_admin_access
Revises: 0012_books
"""

import sqlalchemy as sa
from alembic import op

import storage.tables.base

revision = "0013_admin_access"
down_revision = "0012_books"
branch_labels = None
depends_on = None

UtcDateTime = storage.tables.base.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "staff_credentials",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("set_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_credentials_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_credentials")),
    )
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_password_links_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
        sa.UniqueConstraint("digest", name=op.f("uq_password_links_digest")),
    )
    with op.batch_alter_table("password_links") as batch_op:
        batch_op.create_index("ix_password_links_staff", ["staff_id"], unique=False)

    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures") as batch_op:
        batch_op.create_index("ix_login_failures_account_at", ["account", "at"], unique=False)
        batch_op.create_index("ix_login_failures_address_at", ["address", "at"], unique=False)

    op.create_table(
        "panel_sessions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("data", storage.tables.base.JsonType, nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_panel_sessions")),
    )
    with op.batch_alter_table("panel_sessions") as batch_op:
        batch_op.create_index("ix_panel_sessions_expires", ["expires_at"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("panel_sessions", ("ix_panel_sessions_expires",)),
        ("login_failures", ("ix_login_failures_address_at", "ix_login_failures_account_at")),
        ("password_links", ("ix_password_links_staff",)),
        ("staff_credentials", ()),
    ):
        if indexes:
            with op.batch_alter_table(table) as batch_op:
                for index in indexes:
                    batch_op.drop_index(index)
        op.drop_table(table)
