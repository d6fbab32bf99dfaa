"""Refunds, disputes and payouts: why a refund failed, why a payout failed, and what each payout
line stands for (the Stripe object and its PaymentIntent, matched to receipts when shown).

Revision ID: d2f4a6b8c0e1
Revises: b8e2f4a6c1d3
Create Date: 2026-11-30 06:40:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd2f4a6b8c0e1'
down_revision = 'b8e2f4a6c1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('refunds', sa.Column('failure', sa.Text(), nullable=False, server_default=''))
    op.add_column('payouts',
                  sa.Column('failure_message', sa.Text(), nullable=False, server_default=''))
    op.add_column('payout_lines', sa.Column('source_id', sa.String(length=255), nullable=True))
    op.add_column('payout_lines',
                  sa.Column('payment_intent_id', sa.String(length=255), nullable=True))
    op.create_index(op.f('ix_payout_lines_payment_intent_id'), 'payout_lines',
                    ['payment_intent_id'], unique=False)
    op.create_index(op.f('ix_payouts_created'), 'payouts', ['created'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_payouts_created'), 'payouts')
    op.drop_index(op.f('ix_payout_lines_payment_intent_id'), 'payout_lines')
    op.drop_column('payout_lines', 'payment_intent_id')
    op.drop_column('payout_lines', 'source_id')
    op.drop_column('payouts', 'failure_message')
    op.drop_column('refunds', 'failure')
