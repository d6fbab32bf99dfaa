"""Autopay fixes from the security review: a pay link knows the installment whose failed autopay
charge it was texted for; an autopay row counts how often an interrupted attempt was taken
again; an enrollment knows its current authorization and the setup Checkout opened for it.

Revision ID: c7a9e1d3f5b2
Revises: d2f4a6b8c0e1
Create Date: 2026-11-30 07:00:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a9e1d3f5b2'
down_revision = 'd2f4a6b8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('pay_links', sa.Column('instalment_id', sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f('fk_pay_links_instalment_id_instalments'), 'pay_links', 'instalments',
        ['instalment_id'], ['id'], ondelete='SET NULL',
    )
    op.add_column('online_payments', sa.Column('resumes', sa.Integer(), nullable=True))
    op.alter_column('online_payments', 'resumes', server_default='0')
    op.execute('UPDATE online_payments SET resumes = 0')
    op.alter_column('online_payments', 'resumes', nullable=False)
    op.add_column('autopay_enrollments', sa.Column('authorization_id', sa.String(length=32), nullable=True))
    op.add_column('autopay_enrollments', sa.Column('setup_session_id', sa.String(length=255), nullable=True))


def downgrade():
    op.drop_column('autopay_enrollments', 'setup_session_id')
    op.drop_column('autopay_enrollments', 'authorization_id')
    op.drop_column('online_payments', 'resumes')
    op.drop_constraint(op.f('fk_pay_links_instalment_id_instalments'), 'pay_links', type_='foreignkey')
    op.drop_column('pay_links', 'instalment_id')
