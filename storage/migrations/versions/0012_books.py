"""books: a row per company-month, every imported version, the printed lines of each

Revision ID: 0012_books
Revises: 0011_request_event_facts
Create Date: 2026-11-30 01:53:40.635704
"""

from alembic import op
import sqlalchemy as sa
import storage.tables.base
from sqlalchemy.dialects import postgresql

revision = '0012_books'
down_revision = '0011_request_event_facts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('book_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['client_companies.id'], name=op.f('fk_book_months_company_id_client_companies')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_book_months_firm_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_book_months')),
    sa.UniqueConstraint('company_id', 'period', name=op.f('uq_book_months_company_id_period'))
    )
    op.create_table('book_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('month_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('standard', sa.String(length=8), nullable=False),
    sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('imported_at', storage.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=50), nullable=False),
    sa.Column('replaced_at', storage.tables.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['client_companies.id'], name=op.f('fk_book_versions_company_id_client_companies')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_book_versions_firm_id_firms')),
    sa.ForeignKeyConstraint(['month_id'], ['book_months.id'], name=op.f('fk_book_versions_month_id_book_months')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_book_versions')),
    sa.UniqueConstraint('company_id', 'period', 'version', name=op.f('uq_book_versions_company_id_period_version'))
    )
    with op.batch_alter_table('book_versions', schema=None) as batch_op:
        batch_op.create_index('ix_book_versions_current', ['company_id', 'replaced_at', 'period'], unique=False)

    op.create_table('book_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=48), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=True),
    sa.Column('month_fen', sa.BigInteger(), nullable=True),
    sa.Column('ytd_fen', sa.BigInteger(), nullable=True),
    sa.Column('prior_year_fen', sa.BigInteger(), nullable=True),
    sa.Column('end_fen', sa.BigInteger(), nullable=True),
    sa.Column('begin_fen', sa.BigInteger(), nullable=True),
    sa.Column('payable_fen', sa.BigInteger(), nullable=True),
    sa.Column('paid_fen', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['book_versions.id'], name=op.f('fk_book_lines_version_id_book_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_book_lines'))
    )
    with op.batch_alter_table('book_lines', schema=None) as batch_op:
        batch_op.create_index('ix_book_lines_version', ['version_id', 'statement', 'seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('book_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_book_lines_version')

    op.drop_table('book_lines')
    with op.batch_alter_table('book_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_book_versions_current')

    op.drop_table('book_versions')
    op.drop_table('book_months')
