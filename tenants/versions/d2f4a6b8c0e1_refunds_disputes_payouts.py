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
    # Nullable first, backfilled, then NOT NULL (docs/development.md, "Migrations"); new rows
    # get '' from the models.
    op.add_column('refunds', sa.Column('failure', sa.Text(), nullable=True))
    op.add_column('payouts', sa.Column('failure_message', sa.Text(), nullable=True))
    op.execute("UPDATE refunds SET failure = '' WHERE failure IS NULL")
    op.execute("UPDATE payouts SET failure_message = '' WHERE failure_message IS NULL")
    op.alter_column('refunds', 'failure', nullable=False)
    op.alter_column('payouts', 'failure_message', nullable=False)
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
