"""restored status: an agency made from an archive stays closed until activated

Revision ID: b8d2f4a6c013
Revises: e7a3c9d1b460
Create Date: 2026-11-29 23:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8d2f4a6c013'
down_revision = 'e7a3c9d1b460'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint(op.f('ck_tenants_status'), 'tenants', schema='public')
    op.create_check_constraint(
        op.f('ck_tenants_status'), 'tenants',
        "status IN ('active', 'suspended', 'deleting', 'purged', 'restored')", schema='public')


def downgrade():
    # A restored agency not yet activated becomes suspended: closed to staff, as before.
    op.execute("UPDATE public.tenants SET status = 'suspended' WHERE status = 'restored'")
    op.drop_constraint(op.f('ck_tenants_status'), 'tenants', schema='public')
    op.create_check_constraint(
        op.f('ck_tenants_status'), 'tenants',
        "status IN ('active', 'suspended', 'deleting', 'purged')", schema='public')
