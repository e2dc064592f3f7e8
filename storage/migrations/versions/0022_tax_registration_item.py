"""tax registration item: 税务登记 becomes a catalogue item of every firm that has a catalogue

Until now the business types clients could ask for were a hard-coded list, and 税务登记 was on
it without being an item of the seed catalogue. The catalogue is now their one source of truth,
so a firm keeps offering 税务登记 only if its catalogue has an item for it: one is added (last,
active, priced as the seed has it) where the firm has neither that type nor that name. Data
only; a firm without a catalogue gets the whole seed, 税务登记 included, on its next start.

Revision ID: 0022_tax_registration_item
Revises: 0021_renewals_refund_asks
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_tax_registration_item"
down_revision = "0021_renewals_refund_asks"
branch_labels = None
depends_on = None

NAME = "税务登记"


def upgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "INSERT INTO catalogue_items (firm_id, category, name, description, price_fen,"
            " duration, materials, request_type, display_order, active)"
            " SELECT f.firm_id, :category, :name, :description, :price_fen, :duration,"
            " :materials, :name, f.top + 1, :active"
            " FROM (SELECT firm_id, MAX(display_order) AS top FROM catalogue_items"
            " GROUP BY firm_id) f"
            " WHERE NOT EXISTS (SELECT 1 FROM catalogue_items c WHERE c.firm_id = f.firm_id"
            " AND (c.request_type = :name OR c.name = :name))"
        ).bindparams(
            category="财税服务",
            name=NAME,
            description="新公司税务报到、税种核定、签三方协议",
            price_fen=30000,
            duration="3-5个工作日",
            materials="营业执照、法人及财务负责人身份证、银行开户许可",
            active=True,
        )
    )


def downgrade() -> None:
    # The item may have been edited, ordered from or deactivated since: it stays.
    pass
