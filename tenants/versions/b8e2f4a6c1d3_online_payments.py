"""Online payments: the agency's Stripe account, payment attempts, pay links, autopay, refunds,
disputes and payouts; online entries in the ledger.

Revision ID: b8e2f4a6c1d3
Revises: 7d1f3b5a9c20
Create Date: 2026-11-30 06:00:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'b8e2f4a6c1d3'
down_revision = '7d1f3b5a9c20'
branch_labels = None
depends_on = None

NOW = sa.text('now()')


def _stamp(name, nullable=True, default=None):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=default)


def upgrade():
    op.drop_constraint(op.f('ck_payments_method'), 'payments')
    op.create_check_constraint(
        op.f('ck_payments_method'), 'payments',
        "method IN ('cash', 'check', 'card_terminal', 'money_order', 'card_online')")
    op.add_column('payments', sa.Column('external_id', sa.String(length=255), nullable=True))
    op.create_unique_constraint(op.f('uq_payments_external_id'), 'payments', ['external_id'])

    op.create_table(
        'merchant_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stripe_account_id', sa.String(length=64), nullable=False),
        sa.Column('charges_enabled', sa.Boolean(), nullable=False),
        sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
        sa.Column('details_submitted', sa.Boolean(), nullable=False),
        sa.Column('currently_due', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('past_due', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('eventually_due', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('disabled_reason', sa.String(length=100), nullable=True),
        _stamp('current_deadline'),
        _stamp('connected_at', False, NOW),
        sa.Column('connected_by_id', sa.Integer(), nullable=True),
        _stamp('disconnected_at'),
        _stamp('synced_at'),
        sa.ForeignKeyConstraint(['connected_by_id'], ['users.id'],
                                name=op.f('fk_merchant_accounts_connected_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_accounts')),
        sa.UniqueConstraint('stripe_account_id', name=op.f('uq_merchant_accounts_stripe_account_id')),
    )
    op.create_table(
        'pay_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bond_id', sa.Integer(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=True),
        sa.Column('sent_to', sa.String(length=254), nullable=False),
        sa.Column('recipient', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        _stamp('created_at', False, NOW),
        _stamp('expires_at', False),
        _stamp('revoked_at'),
        sa.CheckConstraint('amount_cents IS NULL OR amount_cents > 0', name=op.f('ck_pay_links_amount')),
        sa.ForeignKeyConstraint(['bond_id'], ['bonds.id'], name=op.f('fk_pay_links_bond_id_bonds')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_pay_links_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_links')),
    )
    op.create_index(op.f('ix_pay_links_bond_id'), 'pay_links', ['bond_id'], unique=False)
    op.create_table(
        'autopay_enrollments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bond_id', sa.Integer(), nullable=False),
        sa.Column('payer', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('payer_name', sa.String(length=120), nullable=False),
        sa.Column('contact', sa.String(length=254), nullable=False),
        sa.Column('stripe_customer_id', sa.String(length=255), nullable=True),
        sa.Column('stripe_payment_method_id', sa.String(length=255), nullable=True),
        sa.Column('card_brand', sa.String(length=20), nullable=False),
        sa.Column('card_last4', sa.String(length=4), nullable=False),
        sa.Column('card_exp_month', sa.Integer(), nullable=True),
        sa.Column('card_exp_year', sa.Integer(), nullable=True),
        sa.Column('authorization_sha256', sa.String(length=64), nullable=False),
        _stamp('authorized_at', False),
        sa.Column('authorized_ip', sa.String(length=64), nullable=True),
        sa.Column('authorized_user_agent', sa.String(length=400), nullable=True),
        _stamp('active_since'),
        _stamp('turned_off_at'),
        sa.Column('turned_off_by', sa.String(length=120), nullable=False),
        _stamp('created_at', False, NOW),
        sa.ForeignKeyConstraint(['bond_id'], ['bonds.id'],
                                name=op.f('fk_autopay_enrollments_bond_id_bonds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_autopay_enrollments')),
    )
    op.create_index(op.f('ix_autopay_enrollments_bond_id'), 'autopay_enrollments', ['bond_id'],
                    unique=False)
    op.create_index('uq_autopay_enrollments_active', 'autopay_enrollments', ['bond_id'],
                    unique=True, postgresql_where='turned_off_at IS NULL')
    op.create_table(
        'online_payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bond_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=True),
        sa.Column('application_fee_cents', sa.Integer(), nullable=False),
        sa.Column('stripe_account_id', sa.String(length=64), nullable=False),
        sa.Column('checkout_session_id', sa.String(length=255), nullable=True),
        sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
        sa.Column('payer', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('payer_name', sa.String(length=120), nullable=False),
        sa.Column('receipt_to', sa.String(length=254), nullable=False),
        sa.Column('pay_link_id', sa.Integer(), nullable=True),
        sa.Column('instalment_id', sa.Integer(), nullable=True),
        sa.Column('autopay_id', sa.Integer(), nullable=True),
        sa.Column('save_card', sa.Boolean(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_on', sa.Date(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        _stamp('created_at', False, NOW),
        _stamp('updated_at', False, NOW),
        sa.CheckConstraint("source IN ('portal', 'pay_link', 'autopay')",
                           name=op.f('ck_online_payments_source')),
        sa.CheckConstraint("mode IN ('payment', 'setup')", name=op.f('ck_online_payments_mode')),
        sa.CheckConstraint(
            "status IN ('open', 'processing', 'retrying', 'requires_action', 'succeeded', "
            "'failed', 'expired', 'cancelled')", name=op.f('ck_online_payments_status')),
        sa.CheckConstraint('amount_cents IS NULL OR amount_cents > 0',
                           name=op.f('ck_online_payments_amount')),
        sa.CheckConstraint('application_fee_cents >= 0',
                           name=op.f('ck_online_payments_application_fee')),
        sa.ForeignKeyConstraint(['bond_id'], ['bonds.id'],
                                name=op.f('fk_online_payments_bond_id_bonds')),
        sa.ForeignKeyConstraint(['pay_link_id'], ['pay_links.id'],
                                name=op.f('fk_online_payments_pay_link_id_pay_links')),
        sa.ForeignKeyConstraint(['instalment_id'], ['instalments.id'], ondelete='SET NULL',
                                name=op.f('fk_online_payments_instalment_id_instalments')),
        sa.ForeignKeyConstraint(['autopay_id'], ['autopay_enrollments.id'],
                                name=op.f('fk_online_payments_autopay_id_autopay_enrollments')),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'],
                                name=op.f('fk_online_payments_payment_id_payments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_online_payments')),
        sa.UniqueConstraint('checkout_session_id',
                            name=op.f('uq_online_payments_checkout_session_id')),
        sa.UniqueConstraint('payment_intent_id', name=op.f('uq_online_payments_payment_intent_id')),
        sa.UniqueConstraint('payment_id', name=op.f('uq_online_payments_payment_id')),
    )
    op.create_index(op.f('ix_online_payments_bond_id'), 'online_payments', ['bond_id'],
                    unique=False)
    op.create_index('uq_online_payments_in_flight', 'online_payments', ['bond_id'], unique=True,
                    postgresql_where="status IN ('open', 'processing')")
    op.create_index('uq_online_payments_autopay_instalment', 'online_payments',
                    ['instalment_id'], unique=True, postgresql_where="source = 'autopay'")
    op.create_table(
        'refunds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('online_payment_id', sa.Integer(), nullable=False),
        sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        _stamp('created_at', False, NOW),
        _stamp('updated_at', False, NOW),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_refunds_amount')),
        sa.ForeignKeyConstraint(['online_payment_id'], ['online_payments.id'],
                                name=op.f('fk_refunds_online_payment_id_online_payments')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_refunds_requested_by_id_users')),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'],
                                name=op.f('fk_refunds_payment_id_payments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
        sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_refunds_stripe_refund_id')),
        sa.UniqueConstraint('payment_id', name=op.f('uq_refunds_payment_id')),
    )
    op.create_index(op.f('ix_refunds_online_payment_id'), 'refunds', ['online_payment_id'],
                    unique=False)
    op.create_table(
        'disputes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stripe_dispute_id', sa.String(length=255), nullable=False),
        sa.Column('online_payment_id', sa.Integer(), nullable=True),
        sa.Column('bond_id', sa.Integer(), nullable=True),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        _stamp('evidence_due_by'),
        _stamp('created_at', False, NOW),
        _stamp('updated_at', False, NOW),
        sa.ForeignKeyConstraint(['online_payment_id'], ['online_payments.id'],
                                name=op.f('fk_disputes_online_payment_id_online_payments')),
        sa.ForeignKeyConstraint(['bond_id'], ['bonds.id'], name=op.f('fk_disputes_bond_id_bonds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
        sa.UniqueConstraint('stripe_dispute_id', name=op.f('uq_disputes_stripe_dispute_id')),
    )
    op.create_index(op.f('ix_disputes_bond_id'), 'disputes', ['bond_id'], unique=False)
    op.create_table(
        'payouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stripe_payout_id', sa.String(length=255), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('arrival_date', sa.Date(), nullable=True),
        _stamp('created', False),
        _stamp('lines_synced_at'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
        sa.UniqueConstraint('stripe_payout_id', name=op.f('uq_payouts_stripe_payout_id')),
    )
    op.create_table(
        'payout_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payout_id', sa.Integer(), nullable=False),
        sa.Column('balance_transaction_id', sa.String(length=255), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('fee_cents', sa.Integer(), nullable=False),
        sa.Column('net_cents', sa.Integer(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('online_payment_id', sa.Integer(), nullable=True),
        _stamp('created', False),
        sa.ForeignKeyConstraint(['payout_id'], ['payouts.id'], ondelete='CASCADE',
                                name=op.f('fk_payout_lines_payout_id_payouts')),
        sa.ForeignKeyConstraint(['online_payment_id'], ['online_payments.id'],
                                name=op.f('fk_payout_lines_online_payment_id_online_payments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_lines')),
        sa.UniqueConstraint('balance_transaction_id',
                            name=op.f('uq_payout_lines_balance_transaction_id')),
    )
    op.create_index(op.f('ix_payout_lines_payout_id'), 'payout_lines', ['payout_id'], unique=False)


def downgrade():
    for table in ('payout_lines', 'payouts', 'disputes', 'refunds', 'online_payments',
                  'autopay_enrollments', 'pay_links', 'merchant_accounts'):
        op.drop_table(table)
    op.drop_constraint(op.f('uq_payments_external_id'), 'payments')
    op.drop_column('payments', 'external_id')
    op.drop_constraint(op.f('ck_payments_method'), 'payments')
    op.create_check_constraint(
        op.f('ck_payments_method'), 'payments',
        "method IN ('cash', 'check', 'card_terminal', 'money_order')")
