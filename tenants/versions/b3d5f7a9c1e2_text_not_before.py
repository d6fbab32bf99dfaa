"""A text may be held until a moment (a payer's receipt confirmed in quiet hours waits for them to
end), so it can be written in the transaction that owes it and still go out on time.

Revision ID: b3d5f7a9c1e2
Revises: f0c2e4a6b8d0
Create Date: 2026-11-30 10:00:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b3d5f7a9c1e2'
down_revision = 'f0c2e4a6b8d0'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('messages', sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('messages', 'not_before')
