"""plans and billing accounts: each agency's plan and Stripe ids (ids and dates only)

Revision ID: 3f9b2d7c1a84
Revises: d4e6f8a0b2c1
Create Date: 2026-11-29 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f9b2d7c1a84'
down_revision = 'd4e6f8a0b2c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('monthly_price_cents', sa.Integer(), nullable=False),
        sa.Column('included_seats', sa.Integer(), nullable=False),
        sa.Column('included_texts', sa.Integer(), nullable=False),
        sa.Column('text_overage_cents', sa.Numeric(10, 4), nullable=False),
        sa.Column('trial_days', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('stripe_product_id', sa.String(length=64), nullable=True),
        sa.Column('stripe_price_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint('monthly_price_cents >= 0', name=op.f('ck_plans_monthly_price')),
        sa.CheckConstraint('included_seats >= 1', name=op.f('ck_plans_included_seats')),
        sa.CheckConstraint('included_texts >= 0', name=op.f('ck_plans_included_texts')),
        sa.CheckConstraint('text_overage_cents >= 0', name=op.f('ck_plans_text_overage')),
        sa.CheckConstraint('trial_days BETWEEN 0 AND 730', name=op.f('ck_plans_trial_days')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
        sa.UniqueConstraint('name', name=op.f('uq_plans_name')),
        schema='public',
    )
    op.create_table(
        'billing_accounts',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('stripe_customer_id', sa.String(length=64), nullable=True),
        sa.Column('stripe_subscription_id', sa.String(length=64), nullable=True),
        sa.Column('stripe_price_id', sa.String(length=64), nullable=True),
        sa.Column('subscription_status', sa.String(length=24), nullable=True),
        sa.Column('trial_ends_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['public.plans.id'],
                                name=op.f('fk_billing_accounts_plan_id_plans')),
        sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'], ondelete='CASCADE',
                                name=op.f('fk_billing_accounts_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_billing_accounts')),
        sa.UniqueConstraint('stripe_customer_id',
                            name=op.f('uq_billing_accounts_stripe_customer_id')),
        sa.UniqueConstraint('stripe_subscription_id',
                            name=op.f('uq_billing_accounts_stripe_subscription_id')),
        schema='public',
    )
    op.create_index(op.f('ix_public_billing_accounts_plan_id'), 'billing_accounts', ['plan_id'],
                    unique=False, schema='public')


def downgrade():
    op.drop_index(op.f('ix_public_billing_accounts_plan_id'), table_name='billing_accounts',
                  schema='public')
    op.drop_table('billing_accounts', schema='public')
    op.drop_table('plans', schema='public')
