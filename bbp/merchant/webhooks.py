"""The Connect webhook endpoint's work: events from agencies' connected accounts.

Each event is checked like the platform's (signature with the Connect endpoint's own secret, age,
mode), routed to its agency by the event's `account` through `connected_accounts`, and
processed exactly once inside that agency's schema: the event's id and the agency's change commit
together. Handlers fetch the object as it is now rather than trusting the event's snapshot, so
events may arrive in any order (docs/payments.md, "Connect webhooks").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from bbp.billing import stripe_api, webhooks
from bbp.billing.sdk import stripe
from bbp.billing.webhooks import Refused
from bbp.extensions import db
from bbp.merchant import events
from bbp.merchant.models import ConnectedAccount, ConnectEvent
from bbp.tenancy.context import bound
from bbp.tenancy.models import Tenant
from bbp.tenancy.resolver import tenant_by_slug

__all__ = ["Refused", "receive"]


def receive(payload: bytes, header: str | None) -> str:
    """Check, route and process one delivery: "processed", "duplicate", or raises Refused."""
    secret = stripe_api.connect_webhook_secret()
    return webhooks.receive(
        payload, header, secret=secret, model=ConnectEvent, dispatch=events.dispatch, route=_agency
    )


@contextmanager
def _agency(event: stripe.Event) -> Iterator[dict[str, str]]:
    """Bound to the agency whose connected account the event is about; the account is recorded
    with the event's id."""
    account = getattr(event, "account", None)
    if not isinstance(account, str) or not account.startswith("acct_"):
        raise Refused("A Connect event names the connected account it is about.")
    slug = _agency_of(account)
    if slug is None:  # unknown (or not committed yet): Stripe retries, nothing changed
        raise Refused(f"No agency takes payments through {account}.")
    info = tenant_by_slug(slug)
    db.session.close()  # the lookup's transaction ends before the agency's begins
    with bound(info):
        yield {"account": account}


def _agency_of(account: str) -> str | None:
    """The slug of the agency an account is mapped to (released accounts too: late refunds and
    disputes still reach the ledger)."""
    with db.engine.connect() as connection:
        return connection.execute(
            select(Tenant.slug)
            .join(ConnectedAccount, ConnectedAccount.tenant_id == Tenant.id)
            .where(ConnectedAccount.stripe_account_id == account)
        ).scalar()
