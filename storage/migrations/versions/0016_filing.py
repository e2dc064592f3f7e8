"""filing: monthly checklists and their items, tax profiles, book warnings, book viewers

Revision ID: 0016_filing
Revises: 0015_catalogue_reminders
Create Date: 2026-11-30 05:00:00
"""

from alembic import op
import sqlalchemy as sa
import storage.tables.base
from sqlalchemy.dialects import postgresql

revision = '0016_filing'
down_revision = '0015_catalogue_reminders'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('filing_checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('created_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('filed_at', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['client_companies.id'], name=op.f('fk_filing_checklists_company_id_client_companies')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_filing_checklists_firm_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_checklists')),
    sa.UniqueConstraint('company_id', 'period', name=op.f('uq_filing_checklists_company_id_period'))
    )
    with op.batch_alter_table('filing_checklists', schema=None) as batch_op:
        batch_op.create_index('ix_filing_checklists_firm_period', ['firm_id', 'period'], unique=False)

    op.create_table('filing_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('party', sa.String(length=8), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('files', sa.Boolean(), nullable=False),
    sa.Column('books', sa.Boolean(), nullable=False),
    sa.Column('done_at', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=50), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['checklist_id'], ['filing_checklists.id'], name=op.f('fk_filing_items_checklist_id_filing_checklists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_items')),
    sa.UniqueConstraint('checklist_id', 'key', name=op.f('uq_filing_items_checklist_id_key'))
    )
    op.create_table('tax_profiles',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('industry', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['client_companies.id'], name=op.f('fk_tax_profiles_company_id_client_companies')),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_tax_profiles'))
    )
    op.create_table('book_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=24), nullable=False),
    sa.Column('key', sa.String(length=10), nullable=False),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['client_companies.id'], name=op.f('fk_book_warnings_company_id_client_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_book_warnings')),
    sa.UniqueConstraint('company_id', 'rule', 'key', name=op.f('uq_book_warnings_company_id_rule_key'))
    )
    op.create_table('book_viewers',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.Boolean(), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['client_companies.id'], name=op.f('fk_book_viewers_company_id_client_companies')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_book_viewers_contact_id_contacts')),
    sa.PrimaryKeyConstraint('company_id', 'contact_id', name=op.f('pk_book_viewers'))
    )


def downgrade() -> None:
    op.drop_table('book_viewers')
    op.drop_table('book_warnings')
    op.drop_table('tax_profiles')
    op.drop_table('filing_items')
    with op.batch_alter_table('filing_checklists', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_checklists_firm_period')

    op.drop_table('filing_checklists')
