"""request_events: the facts an event was about, for its wording at the edge

Revision ID: 0011_request_event_facts
Revises: 0010_message_templates
Depends on: 0003_requests (the request_events table)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_request_event_facts"
down_revision = "0010_message_templates"
branch_labels = None
depends_on = ("0003_requests",)


def upgrade() -> None:
    with op.batch_alter_table("request_events") as batch:
        batch.add_column(
            sa.Column(
                "facts",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("request_events") as batch:
        batch.drop_column("facts")
