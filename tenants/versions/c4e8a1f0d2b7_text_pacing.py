"""Texts wait for a busy sender in order of usefulness; an agency's own sender rate.

Revision ID: c4e8a1f0d2b7
Revises: a7d3e2c41b90
Create Date: 2026-11-29 17:05:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e8a1f0d2b7'
down_revision = 'a7d3e2c41b90'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('messages', sa.Column('useful_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('messages', sa.Column('send_by', sa.DateTime(timezone=True), nullable=True))
    # Texts still waiting keep their place: first come, first served among themselves.
    op.execute("UPDATE messages SET send_by = created_at WHERE status = 'queued'")
    op.create_index('ix_messages_send_by', 'messages', ['status', 'send_by'], unique=False)
    op.add_column('agency_settings', sa.Column('sms_sender_rate', sa.Float(), nullable=True))


def downgrade():
    op.drop_column('agency_settings', 'sms_sender_rate')
    op.drop_index('ix_messages_send_by', table_name='messages')
    op.drop_column('messages', 'send_by')
    op.drop_column('messages', 'useful_until')
