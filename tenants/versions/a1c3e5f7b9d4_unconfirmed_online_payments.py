"""An online payment can be `unconfirmed`: it was processing when the archive a restored copy came
from was made, and its webhook reaches the original agency only (docs/payments-connect.md,
"Restored copies").

Revision ID: a1c3e5f7b9d4
Revises: b3d5f7a9c1e2
Create Date: 2026-11-30 11:30:00.000000

Runs inside one tenant schema: the search_path is already set, so use unqualified names.
"""
from alembic import op


revision = 'a1c3e5f7b9d4'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None

BEFORE = ("'open', 'processing', 'retrying', 'requires_action', 'succeeded', 'failed', "
          "'expired', 'cancelled'")


def upgrade():
    op.drop_constraint(op.f('ck_online_payments_status'), 'online_payments')
    op.create_check_constraint(
        op.f('ck_online_payments_status'), 'online_payments',
        f"status IN ({BEFORE}, 'unconfirmed')")


def downgrade():
    # Cancelled is terminal too and keeps the reason in last_error; processing would block the
    # bond's payments again.
    op.execute("UPDATE online_payments SET status = 'cancelled' WHERE status = 'unconfirmed'")
    op.drop_constraint(op.f('ck_online_payments_status'), 'online_payments')
    op.create_check_constraint(
        op.f('ck_online_payments_status'), 'online_payments', f"status IN ({BEFORE})")
