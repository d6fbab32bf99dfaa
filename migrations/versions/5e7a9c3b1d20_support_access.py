"""support access: grants and each agency's support policy

Revision ID: 5e7a9c3b1d20
Revises: e7a4c2d9b513
Create Date: 2026-11-29 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a9c3b1d20'
down_revision = 'e7a4c2d9b513'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'support_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('admin_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('auto_approved', sa.Boolean(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by', sa.String(length=16), nullable=True),
        sa.Column('session_version', sa.Integer(), nullable=False),
        sa.Column('link_nonce', sa.String(length=32), nullable=True),
        sa.CheckConstraint("status IN ('requested', 'approved', 'denied', 'withdrawn', 'ended')",
                           name=op.f('ck_support_grants_status')),
        sa.CheckConstraint('minutes BETWEEN 5 AND 60', name=op.f('ck_support_grants_minutes')),
        sa.ForeignKeyConstraint(['admin_id'], ['public.platform_admins.id'],
                                name=op.f('fk_support_grants_admin_id_platform_admins'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'],
                                name=op.f('fk_support_grants_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_support_grants')),
        schema='public',
    )
    op.create_index(op.f('ix_public_support_grants_admin_id'), 'support_grants', ['admin_id'],
                    unique=False, schema='public')
    op.create_index(op.f('ix_public_support_grants_tenant_id'), 'support_grants', ['tenant_id'],
                    unique=False, schema='public')
    op.create_table(
        'support_policies',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('without_approval', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'],
                                name=op.f('fk_support_policies_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_support_policies')),
        schema='public',
    )


def downgrade():
    op.drop_table('support_policies', schema='public')
    op.drop_index(op.f('ix_public_support_grants_tenant_id'), table_name='support_grants',
                  schema='public')
    op.drop_index(op.f('ix_public_support_grants_admin_id'), table_name='support_grants',
                  schema='public')
    op.drop_table('support_grants', schema='public')
