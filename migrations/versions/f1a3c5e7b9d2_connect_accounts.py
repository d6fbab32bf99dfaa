"""online payments: connected accounts, Connect events and each plan's application fee

Revision ID: f1a3c5e7b9d2
Revises: c2d4e6f8a1b3
Create Date: 2026-11-30 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a3c5e7b9d2'
down_revision = 'c2d4e6f8a1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'connected_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stripe_account_id', sa.String(length=64), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'], ondelete='CASCADE',
                                name=op.f('fk_connected_accounts_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_connected_accounts')),
        sa.UniqueConstraint('stripe_account_id', name=op.f('uq_connected_accounts_stripe_account_id')),
        schema='public',
    )
    op.create_index(op.f('ix_public_connected_accounts_tenant_id'), 'connected_accounts',
                    ['tenant_id'], unique=False, schema='public')
    op.create_index('uq_connected_accounts_tenant_active', 'connected_accounts', ['tenant_id'],
                    unique=True, schema='public', postgresql_where='released_at IS NULL')
    op.create_table(
        'connect_events',
        sa.Column('id', sa.String(length=255), nullable=False),
        sa.Column('account', sa.String(length=64), nullable=False),
        sa.Column('type', sa.String(length=100), nullable=False),
        sa.Column('created', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_connect_events')),
        schema='public',
    )
    op.create_index(op.f('ix_public_connect_events_account'), 'connect_events', ['account'],
                    unique=False, schema='public')
    for column in ('application_fee_bps', 'application_fee_cents'):
        op.add_column('plans', sa.Column(column, sa.Integer(), nullable=False,
                                         server_default='0'), schema='public')
    op.create_check_constraint(op.f('ck_plans_application_fee_bps'), 'plans',
                               'application_fee_bps BETWEEN 0 AND 2000', schema='public')
    op.create_check_constraint(op.f('ck_plans_application_fee_cents'), 'plans',
                               'application_fee_cents BETWEEN 0 AND 1000', schema='public')


def downgrade():
    op.drop_constraint(op.f('ck_plans_application_fee_cents'), 'plans', schema='public')
    op.drop_constraint(op.f('ck_plans_application_fee_bps'), 'plans', schema='public')
    op.drop_column('plans', 'application_fee_cents', schema='public')
    op.drop_column('plans', 'application_fee_bps', schema='public')
    op.drop_index(op.f('ix_public_connect_events_account'), table_name='connect_events',
                  schema='public')
    op.drop_table('connect_events', schema='public')
    op.drop_index('uq_connected_accounts_tenant_active', table_name='connected_accounts',
                  schema='public')
    op.drop_index(op.f('ix_public_connected_accounts_tenant_id'), table_name='connected_accounts',
                  schema='public')
    op.drop_table('connected_accounts', schema='public')
