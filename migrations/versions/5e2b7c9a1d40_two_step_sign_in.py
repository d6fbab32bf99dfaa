"""two-step sign-in for platform admins: TOTP secret, last step, failures, recovery codes

Revision ID: 5e2b7c9a1d40
Revises: 5e7a9c3b1d20
Create Date: 2026-11-29 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5e2b7c9a1d40'
down_revision = '5e7a9c3b1d20'
branch_labels = None
depends_on = None


def upgrade():
    # Every admin enrolls at their next sign-in: nothing to backfill.
    op.add_column('platform_admins', sa.Column('totp_secret_encrypted', sa.LargeBinary(),
                                               nullable=True), schema='public')
    op.add_column('platform_admins', sa.Column('totp_enrolled_at', sa.DateTime(timezone=True),
                                               nullable=True), schema='public')
    op.add_column('platform_admins', sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
                  schema='public')
    op.add_column('platform_admins', sa.Column('totp_failures', sa.Integer(), nullable=False,
                                               server_default='0'), schema='public')
    op.add_column('platform_admins', sa.Column('recovery_hashes',
                                               postgresql.ARRAY(sa.String(length=64)),
                                               nullable=False, server_default='{}'),
                  schema='public')


def downgrade():
    for column in ('recovery_hashes', 'totp_failures', 'totp_last_step', 'totp_enrolled_at',
                   'totp_secret_encrypted'):
        op.drop_column('platform_admins', column, schema='public')
