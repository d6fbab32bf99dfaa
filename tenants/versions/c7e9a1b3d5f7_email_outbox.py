"""The email outbox: an email owed by an event (a payer's receipt, a notice to the owners) is a
row written in the event's own transaction and sent by a worker after the commit.

Revision ID: c7e9a1b3d5f7
Revises: a1c3e5f7b9d4
Create Date: 2026-11-30 11:40:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7e9a1b3d5f7'
down_revision = 'a1c3e5f7b9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name=op.f('ck_emails_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_emails')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_emails_dedupe_key')),
    )
    op.create_index(
        'ix_emails_waiting', 'emails', ['next_attempt_at'],
        postgresql_where=sa.text("status IN ('queued', 'sending')"),
    )


def downgrade():
    op.drop_index('ix_emails_waiting', table_name='emails')
    op.drop_table('emails')
