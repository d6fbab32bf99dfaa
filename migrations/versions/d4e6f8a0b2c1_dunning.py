"""dunning: each agency's payment standing, apart from its lifecycle status

Revision ID: d4e6f8a0b2c1
Revises: b8d2f4a6c013
Create Date: 2026-11-29 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c1'
down_revision = 'b8d2f4a6c013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dunning',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('past_due_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('read_only_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('active', 'past_due', 'read_only', 'billing_suspended')",
            name=op.f('ck_dunning_state')),
        sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'],
                                name=op.f('fk_dunning_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_dunning')),
        schema='public',
    )
    op.create_index(op.f('ix_public_dunning_state'), 'dunning', ['state'], unique=False,
                    schema='public')


def downgrade():
    op.drop_index(op.f('ix_public_dunning_state'), table_name='dunning', schema='public')
    op.drop_table('dunning', schema='public')
