"""metered texts: the platform's meter, plans' and agencies' metered Price, the usage ledger

Revision ID: 8c5e1f3a7b92
Revises: 5a1c7e9b3d20
Create Date: 2026-11-30 02:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c5e1f3a7b92'
down_revision = '5a1c7e9b3d20'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('plans', sa.Column('stripe_overage_price_id', sa.String(length=64),
                                     nullable=True), schema='public')
    op.add_column('billing_accounts', sa.Column('stripe_overage_price_id', sa.String(length=64),
                                                nullable=True), schema='public')
    op.add_column('billing_accounts', sa.Column('texts_metered_through',
                                                sa.DateTime(timezone=True), nullable=True),
                  schema='public')
    op.create_table(
        'billing_meters',
        sa.Column('event_name', sa.String(length=100), nullable=False),
        sa.Column('stripe_meter_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('event_name', name=op.f('pk_billing_meters')),
        sa.UniqueConstraint('stripe_meter_id', name=op.f('uq_billing_meters_stripe_meter_id')),
        schema='public',
    )
    op.create_table(
        'text_usage_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('interval_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('segments', sa.Integer(), nullable=False),
        sa.Column('identifier', sa.String(length=100), nullable=False),
        sa.Column('stripe_customer_id', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('first_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('segments > 0', name=op.f('ck_text_usage_reports_segments')),
        sa.CheckConstraint("state IN ('pending', 'reported', 'expired')",
                           name=op.f('ck_text_usage_reports_state')),
        sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'], ondelete='CASCADE',
                                name=op.f('fk_text_usage_reports_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_text_usage_reports')),
        sa.UniqueConstraint('identifier', name=op.f('uq_text_usage_reports_identifier')),
        sa.UniqueConstraint('tenant_id', 'interval_start',
                            name=op.f('uq_text_usage_reports_tenant_id')),
        schema='public',
    )
    op.create_index('ix_text_usage_reports_pending', 'text_usage_reports', ['tenant_id'],
                    unique=False, schema='public', postgresql_where=sa.text("state = 'pending'"))


def downgrade():
    op.drop_index('ix_text_usage_reports_pending', table_name='text_usage_reports',
                  schema='public', postgresql_where=sa.text("state = 'pending'"))
    op.drop_table('text_usage_reports', schema='public')
    op.drop_table('billing_meters', schema='public')
    op.drop_column('billing_accounts', 'texts_metered_through', schema='public')
    op.drop_column('billing_accounts', 'stripe_overage_price_id', schema='public')
    op.drop_column('plans', 'stripe_overage_price_id', schema='public')
