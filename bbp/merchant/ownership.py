"""Which Stripe accounts are the bound agency's own: those `public.connected_accounts` maps to it.

An agency's own rows are not enough: a copy restored from an archive holds the original's
`merchant_accounts` and payments, and their accounts stay mapped to the original, so every call
to Stripe on an agency's behalf asks this map first (docs/payments-connect.md, "Restored copies").
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select

from bbp.extensions import db
from bbp.merchant.models import ConnectedAccount
from bbp.tenancy import require_tenant


def owned() -> set[str]:
    """The Stripe accounts mapped to the bound agency, released ones included."""
    return set(
        db.session.scalars(
            select(ConnectedAccount.stripe_account_id).where(
                ConnectedAccount.tenant_id == require_tenant().id
            )
        )
    )


def owns(account_id: str | None) -> bool:
    """Whether the Stripe account is mapped to the bound agency."""
    return account_id is not None and account_id in owned()


def mapped(account_id: ColumnElement) -> ColumnElement[bool]:
    """A condition: the Stripe account in `account_id` is mapped to the bound agency."""
    return exists().where(
        ConnectedAccount.stripe_account_id == account_id,
        ConnectedAccount.tenant_id == require_tenant().id,
    )
