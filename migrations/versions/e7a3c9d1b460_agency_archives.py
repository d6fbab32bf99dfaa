"""agency archives: exports of an agency (ids, progress, sizes, checksums; no agency data)

Revision ID: e7a3c9d1b460
Revises: 5e2b7c9a1d40
Create Date: 2026-11-29 22:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c9d1b460'
down_revision = '5e2b7c9a1d40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agency_archives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=120), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('storage_key', sa.String(length=200), nullable=True),
        sa.Column('size_bytes', sa.BigInteger(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('manifest_sha256', sa.String(length=64), nullable=True),
        sa.Column('schema_revision', sa.String(length=32), nullable=True),
        sa.Column('table_count', sa.Integer(), nullable=True),
        sa.Column('row_count', sa.BigInteger(), nullable=True),
        sa.Column('file_count', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'ready', 'failed', 'expired')",
                           name=op.f('ck_agency_archives_status')),
        sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'],
                                name=op.f('fk_agency_archives_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_archives')),
        schema='public',
    )
    op.create_index(op.f('ix_public_agency_archives_tenant_id'), 'agency_archives',
                    ['tenant_id'], unique=False, schema='public')


def downgrade():
    op.drop_index(op.f('ix_public_agency_archives_tenant_id'), table_name='agency_archives',
                  schema='public')
    op.drop_table('agency_archives', schema='public')
