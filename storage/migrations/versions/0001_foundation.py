"""foundation: identities, inbound log, conversations, outbox

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-23 03:37:38.627707
"""

from alembic import op
import sqlalchemy as sa
import storage.tables.base
from sqlalchemy.dialects import postgresql

revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('conversations',
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('flow', sa.String(length=64), nullable=True),
    sa.Column('slots', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('requested_slot', sa.String(length=64), nullable=True),
    sa.Column('updated_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('appid', 'openid', name=op.f('pk_conversations'))
    )
    op.create_table('firms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firms')),
    sa.UniqueConstraint('appid', name=op.f('uq_firms_appid'))
    )
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('msg_type', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reply_xml', sa.Text(), nullable=True),
    sa.Column('received_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('appid', 'dedup_key', name=op.f('uq_inbound_messages_appid_dedup_key'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_openid_received', ['openid', 'received_at'], unique=False)
        batch_op.create_index('ix_inbound_status_received', ['status', 'received_at'], unique=False)

    op.create_table('kv',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('expires_at', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_kv'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_outbox_dedup_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_recipient', ['recipient', 'created_at'], unique=False)

    op.create_table('invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_invites_firm_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('firm_id', 'code', name=op.f('uq_invites_firm_id_code'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=True),
    sa.Column('working_hours', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_staff_firm_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('firm_id', 'name', name=op.f('uq_staff_firm_id_name')),
    sa.UniqueConstraint('firm_id', 'openid', name=op.f('uq_staff_firm_id_openid'))
    )
    op.create_table('client_companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('accountant_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accountant_id'], ['staff.id'], name=op.f('fk_client_companies_accountant_id_staff')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_client_companies_firm_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_companies')),
    sa.UniqueConstraint('firm_id', 'name', name=op.f('uq_client_companies_firm_id_name'))
    )
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['client_companies.id'], name=op.f('fk_contacts_company_id_client_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_openid', ['openid'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_openid')

    op.drop_table('contacts')
    op.drop_table('client_companies')
    op.drop_table('staff')
    op.drop_table('invites')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_recipient')
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    op.drop_table('kv')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_status_received')
        batch_op.drop_index('ix_inbound_openid_received')

    op.drop_table('inbound_messages')
    op.drop_table('firms')
    op.drop_table('conversations')

