"""Two-step sign-in for staff (TOTP, recovery codes) and the agency-wide requirement.

Revision ID: 7d1f3b5a9c20
Revises: c4e8a1f0d2b7
Create Date: 2026-11-29 23:00:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '7d1f3b5a9c20'
down_revision = 'c4e8a1f0d2b7'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('totp_secret_encrypted', sa.LargeBinary(), nullable=True))
    op.add_column('users', sa.Column('totp_enrolled_at', sa.DateTime(timezone=True),
                                     nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    # Defaults in four steps each (docs/development.md, "Migrations").
    for table, column, kind, default in (
        ('users', 'totp_failures', sa.Integer(), '0'),
        ('users', 'recovery_hashes', postgresql.ARRAY(sa.String(length=64)), '{}'),
        ('agency_settings', 'require_two_step', sa.Boolean(), 'false'),
    ):
        op.add_column(table, sa.Column(column, kind, nullable=True))
        op.alter_column(table, column, server_default=default)
        op.execute(f"UPDATE {table} SET {column} = DEFAULT")
        op.alter_column(table, column, nullable=False)


def downgrade():
    op.drop_column('agency_settings', 'require_two_step')
    for column in ('recovery_hashes', 'totp_failures', 'totp_last_step', 'totp_enrolled_at',
                   'totp_secret_encrypted'):
        op.drop_column('users', column)
