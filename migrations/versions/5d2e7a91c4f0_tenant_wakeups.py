"""tenant_wakeups: when the scheduler next runs each periodic task for each agency

Revision ID: 5d2e7a91c4f0
Revises: 69b30854adeb
Create Date: 2026-11-29 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2e7a91c4f0'
down_revision = '69b30854adeb'
branch_labels = None
depends_on = None


def upgrade():
    # Only ids and times: the tick finds due agencies with one range scan on due_at. Existing
    # agencies need no backfill: `flask tenants migrate` and the tick's hourly repair (run at the
    # first tick after a deploy) enrol every active agency's missing rows, due now.
    op.create_table('tenant_wakeups',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=40), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'], name=op.f('fk_tenant_wakeups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'task', name=op.f('pk_tenant_wakeups')),
    schema='public'
    )
    op.create_index(op.f('ix_public_tenant_wakeups_due_at'), 'tenant_wakeups', ['due_at'], schema='public')


def downgrade():
    op.drop_index(op.f('ix_public_tenant_wakeups_due_at'), table_name='tenant_wakeups', schema='public')
    op.drop_table('tenant_wakeups', schema='public')
