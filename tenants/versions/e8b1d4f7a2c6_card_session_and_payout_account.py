"""An autopay enrollment knows the Checkout session whose card it charges (a setup session, or
the payment that kept its card); a payout knows the Stripe account it paid out of, so it can be
refreshed after the agency connected another account.

Both columns are nullable with no default (nothing to add in four steps). The backfills are
exact: an active enrollment's card came from its setup session when it has one (only the Pay
page's agreement clears it), else from its latest card-keeping payment; a payout's account is
that of a payment it paid out, or the agency's only account. What stays NULL is found when a
payout is refreshed.

Revision ID: e8b1d4f7a2c6
Revises: c7a9e1d3f5b2
Create Date: 2026-11-30 09:30:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e8b1d4f7a2c6'
down_revision = 'c7a9e1d3f5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('autopay_enrollments', sa.Column('card_session_id', sa.String(length=255), nullable=True))
    op.execute(
        """
        UPDATE autopay_enrollments e
        SET card_session_id = COALESCE(e.setup_session_id, (
            SELECT p.checkout_session_id FROM online_payments p
            WHERE p.autopay_id = e.id AND p.save_card AND p.checkout_session_id IS NOT NULL
            ORDER BY p.id DESC LIMIT 1
        ))
        WHERE e.active_since IS NOT NULL
        """
    )
    op.add_column('payouts', sa.Column('stripe_account_id', sa.String(length=64), nullable=True))
    op.execute(
        """
        UPDATE payouts o
        SET stripe_account_id = COALESCE((
            SELECT p.stripe_account_id FROM payout_lines l
            JOIN online_payments p ON p.id = l.online_payment_id
            WHERE l.payout_id = o.id LIMIT 1
        ), (
            SELECT min(a.stripe_account_id) FROM merchant_accounts a
            HAVING count(*) = 1
        ))
        """
    )


def downgrade():
    op.drop_column('payouts', 'stripe_account_id')
    op.drop_column('autopay_enrollments', 'card_session_id')
