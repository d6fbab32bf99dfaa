"""pg_trgm for fast substring search in every agency

Revision ID: 69b30854adeb
Revises: b3c0789a2651
Create Date: 2026-11-22 08:24:06.947759

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '69b30854adeb'
down_revision = 'b3c0789a2651'
branch_labels = None
depends_on = None


def upgrade():
    # Trusted extension (PostgreSQL 13+): the database owner may create it. Tenant indexes name
    # public.gin_trgm_ops explicitly, since agency transactions search only their own schema.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")


def downgrade():
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
