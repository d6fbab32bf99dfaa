"""Pay link details for the staff list: what was due when an amount-due link was sent, and when
the payer first opened it.

Revision ID: e5b7d9f1a3c6
Revises: e8b1d4f7a2c6
Create Date: 2026-11-30 09:10:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b7d9f1a3c6'
down_revision = 'e8b1d4f7a2c6'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('pay_links', sa.Column('due_cents_when_sent', sa.Integer(), nullable=True))
    op.add_column('pay_links', sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('pay_links', 'opened_at')
    op.drop_column('pay_links', 'due_cents_when_sent')
