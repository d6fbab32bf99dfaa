"""The card an online payment was made with (brand and last four digits, as Stripe reports
them), so the staff ledger can name it instead of showing a Stripe id.

Revision ID: f0c2e4a6b8d0
Revises: e5b7d9f1a3c6
Create Date: 2026-11-30 09:20:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'f0c2e4a6b8d0'
down_revision = 'e5b7d9f1a3c6'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('online_payments', sa.Column('card_brand', sa.String(length=20), nullable=True))
    op.add_column('online_payments', sa.Column('card_last4', sa.String(length=4), nullable=True))


def downgrade():
    op.drop_column('online_payments', 'card_last4')
    op.drop_column('online_payments', 'card_brand')
