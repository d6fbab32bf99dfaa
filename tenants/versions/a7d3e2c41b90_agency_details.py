"""The agency's address, phone and state license number.

Revision ID: a7d3e2c41b90
Revises: 35cd8af7831a
Create Date: 2026-11-23 09:00:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7d3e2c41b90'
down_revision = '35cd8af7831a'
branch_labels = None
depends_on = None

COLUMNS = (
    ('address_line1', 120),
    ('address_line2', 120),
    ('city', 80),
    ('state', 2),
    ('postal_code', 10),
    ('phone', 10),
    ('license_number', 40),
)


def upgrade():
    # Four steps, not `ADD COLUMN … DEFAULT '' NOT NULL`: PostgreSQL 15 answers a column added
    # with a default by reading every index of every agency (docs/development.md, "Migrations").
    for name, length in COLUMNS:
        op.add_column('agency_settings', sa.Column(name, sa.String(length=length), nullable=True))
        op.alter_column('agency_settings', name, server_default='')
    op.execute(
        'UPDATE agency_settings SET ' + ', '.join(f"{name} = ''" for name, _length in COLUMNS)
    )
    for name, _length in COLUMNS:
        op.alter_column('agency_settings', name, nullable=False)


def downgrade():
    for name, _length in reversed(COLUMNS):
        op.drop_column('agency_settings', name)
