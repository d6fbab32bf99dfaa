"""billing accounts: the amount of the price each agency pays, and how long it is comped

Revision ID: 9c4e1b7d2a35
Revises: 3f9b2d7c1a84
Create Date: 2026-11-30 01:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4e1b7d2a35'
down_revision = '3f9b2d7c1a84'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('billing_accounts', sa.Column('price_cents', sa.Integer(), nullable=True),
                  schema='public')
    op.add_column('billing_accounts',
                  sa.Column('comped_until', sa.DateTime(timezone=True), nullable=True),
                  schema='public')
    # Rows on their plan's current price know its amount; an older price stays unknown (NULL)
    # until the agency is moved, and the console's MRR says how many it left out.
    op.execute(
        "UPDATE public.billing_accounts AS a SET price_cents = p.monthly_price_cents "
        "FROM public.plans AS p WHERE a.plan_id = p.id AND a.stripe_price_id = p.stripe_price_id"
    )


def downgrade():
    op.drop_column('billing_accounts', 'comped_until', schema='public')
    op.drop_column('billing_accounts', 'price_cents', schema='public')
