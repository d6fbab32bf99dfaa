"""stripe events: each webhook event's id and dates, so each is processed exactly once

Revision ID: 5a1c7e9b3d20
Revises: 9c4e1b7d2a35
Create Date: 2026-11-30 01:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c7e9b3d20'
down_revision = '9c4e1b7d2a35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stripe_events',
        sa.Column('id', sa.String(length=255), nullable=False),
        sa.Column('type', sa.String(length=100), nullable=False),
        sa.Column('created', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events')),
        schema='public',
    )


def downgrade():
    op.drop_table('stripe_events', schema='public')
