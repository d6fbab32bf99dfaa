"""spare_schemas: tenant schemas made ahead, renamed into new agencies

Revision ID: 8b41c6e2d0a5
Revises: 5d2e7a91c4f0
Create Date: 2026-11-29 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b41c6e2d0a5'
down_revision = '5d2e7a91c4f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spare_schemas',
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('revision', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_spare_schemas')),
    schema='public'
    )


def downgrade():
    # Spare schemas hold no data; drop them with their index rows.
    conn = op.get_bind()
    for (name,) in conn.execute(sa.text('SELECT name FROM public.spare_schemas')):
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    op.drop_table('spare_schemas', schema='public')
