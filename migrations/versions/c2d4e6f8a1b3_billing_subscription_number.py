"""billing accounts: which subscription of the agency this is (a returning agency's next)

Revision ID: c2d4e6f8a1b3
Revises: 8c5e1f3a7b92
Create Date: 2026-11-30 03:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2d4e6f8a1b3'
down_revision = '8c5e1f3a7b92'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'billing_accounts',
        sa.Column('subscription_number', sa.Integer(), nullable=False, server_default='1'),
        schema='public',
    )


def downgrade():
    op.drop_column('billing_accounts', 'subscription_number', schema='public')
