"""Which handler each Connect event type goes to.

A handler takes the event and its account, runs inside the agency's schema and transaction, and
may return a function to call once the transaction committed (a receipt text). Each feature
module declares `HANDLES = {event type: handler}`.
"""

from __future__ import annotations

from collections.abc import Callable

from bbp.billing.sdk import stripe
from bbp.merchant import accounts, autopay, checkout, disputes, payouts, refunds

Handler = Callable[["stripe.Event", str], Callable[[], None] | None]
HANDLERS: dict[str, Handler] = {
    **accounts.HANDLES,
    **checkout.HANDLES,
    **autopay.HANDLES,
    **refunds.HANDLES,
    **disputes.HANDLES,
    **payouts.HANDLES,
}


def dispatch(event: stripe.Event) -> Callable[[], None] | None:
    """Run the event's handler on the event's account; a type nobody handles is recorded and
    otherwise ignored."""
    handler = HANDLERS.get(event.type)
    return handler(event, event.account) if handler is not None else None
