"""agency usage snapshots; custom-domain verification tokens

Revision ID: a7c3e9b1d2f4
Revises: c41f2a7d9e10
Create Date: 2026-11-29 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9b1d2f4'
down_revision = 'c41f2a7d9e10'
branch_labels = None
depends_on = None


def upgrade():
    # Counts, sizes and times per agency only: platform metadata, never an agency's rows.
    op.create_table('tenant_usage',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('bonds_active', sa.Integer(), nullable=False),
    sa.Column('bonds_total', sa.Integer(), nullable=False),
    sa.Column('owners', sa.Integer(), nullable=False),
    sa.Column('staff', sa.Integer(), nullable=False),
    sa.Column('texts_this_month', sa.Integer(), nullable=False),
    sa.Column('segments_this_month', sa.Integer(), nullable=False),
    sa.Column('texts_last_month', sa.Integer(), nullable=False),
    sa.Column('segments_last_month', sa.Integer(), nullable=False),
    sa.Column('storage_bytes', sa.BigInteger(), nullable=False),
    sa.Column('database_bytes', sa.BigInteger(), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('measured_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['public.tenants.id'], name=op.f('fk_tenant_usage_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_tenant_usage')),
    schema='public'
    )
    # Subdomains are ours and need no proof; custom domains made before verification existed
    # were added by hand on the command line, so they count as verified when this runs.
    op.add_column('tenant_domains', sa.Column('verify_token', sa.String(length=64), nullable=True), schema='public')
    op.add_column('tenant_domains', sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True), schema='public')
    op.add_column('tenant_domains', sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False), schema='public')
    op.execute("UPDATE public.tenant_domains SET verified_at = now() WHERE kind = 'custom'")


def downgrade():
    op.drop_column('tenant_domains', 'created_at', schema='public')
    op.drop_column('tenant_domains', 'verified_at', schema='public')
    op.drop_column('tenant_domains', 'verify_token', schema='public')
    op.drop_table('tenant_usage', schema='public')
