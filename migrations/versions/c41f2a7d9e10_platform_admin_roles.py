"""platform admin roles: superadmin, support, finance

Revision ID: c41f2a7d9e10
Revises: 8b41c6e2d0a5
Create Date: 2026-11-29 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41f2a7d9e10'
down_revision = '8b41c6e2d0a5'
branch_labels = None
depends_on = None


def upgrade():
    # Admins made before roles existed ran everything: they become superadmins.
    op.add_column('platform_admins', sa.Column('role', sa.String(length=16), nullable=False,
                                               server_default='superadmin'), schema='public')
    op.alter_column('platform_admins', 'role', server_default=None, schema='public')
    op.create_check_constraint(op.f('ck_platform_admins_role'), 'platform_admins',
                               "role IN ('superadmin', 'support', 'finance')", schema='public')


def downgrade():
    op.drop_constraint(op.f('ck_platform_admins_role'), 'platform_admins', schema='public')
    op.drop_column('platform_admins', 'role', schema='public')
