"""tenant lifecycle: deleting and purged statuses, the purge date, the legal hold

Revision ID: e7a4c2d9b513
Revises: a7c3e9b1d2f4
Create Date: 2026-11-29 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a4c2d9b513'
down_revision = 'a7c3e9b1d2f4'
branch_labels = None
depends_on = None

COLUMNS = (
    ('status_before_deletion', sa.String(length=16)),
    ('deletion_requested_at', sa.DateTime(timezone=True)),
    ('deletion_requested_by', sa.String(length=254)),
    ('deletion_reason', sa.String(length=500)),
    ('purge_after', sa.DateTime(timezone=True)),
    ('purged_at', sa.DateTime(timezone=True)),
    ('legal_hold_reason', sa.String(length=500)),
    ('legal_hold_set_at', sa.DateTime(timezone=True)),
    ('legal_hold_set_by', sa.String(length=254)),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('tenants', sa.Column(name, type_, nullable=True), schema='public')
    op.add_column('tenants', sa.Column('legal_hold', sa.Boolean(), nullable=False,
                                       server_default=sa.false()), schema='public')
    op.drop_constraint(op.f('ck_tenants_status'), 'tenants', schema='public')
    op.create_check_constraint(
        op.f('ck_tenants_status'), 'tenants',
        "status IN ('active', 'suspended', 'deleting', 'purged')", schema='public')
    op.create_check_constraint(
        op.f('ck_tenants_deleting_has_purge_date'), 'tenants',
        "status <> 'deleting' "
        "OR (purge_after IS NOT NULL AND status_before_deletion IS NOT NULL)", schema='public')


def downgrade():
    # Agencies waiting for their purge go back to suspended; purged tombstones cannot be kept.
    op.execute("UPDATE public.tenants SET status = 'suspended' WHERE status = 'deleting'")
    op.execute("DELETE FROM public.tenants WHERE status = 'purged'")
    op.drop_constraint(op.f('ck_tenants_deleting_has_purge_date'), 'tenants', schema='public')
    op.drop_constraint(op.f('ck_tenants_status'), 'tenants', schema='public')
    op.create_check_constraint(op.f('ck_tenants_status'), 'tenants',
                               "status IN ('active', 'suspended')", schema='public')
    op.drop_column('tenants', 'legal_hold', schema='public')
    for name, _ in reversed(COLUMNS):
        op.drop_column('tenants', name, schema='public')
