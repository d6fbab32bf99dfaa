"""Which handlers each Connect event type goes to.

A handler takes the event and its account, runs inside the agency's schema and transaction, and
may return a function to call once the transaction committed (a receipt text). Each feature
module declares `HANDLES = {event type: handler}`; several modules may handle one type (a
Checkout session may be a portal payment's or autopay's): each runs, and each leaves alone the
objects that are not its own.
"""

from __future__ import annotations

from collections.abc import Callable

from bbp.billing.sdk import stripe
from bbp.merchant import accounts, autopay, checkout, disputes, payouts, refunds

Handler = Callable[[stripe.Event, str], Callable[[], None] | None]
MODULES = (accounts, checkout, autopay, refunds, disputes, payouts)
HANDLERS: dict[str, tuple[Handler, ...]] = {}
for _module in MODULES:
    for _type, _handler in _module.HANDLES.items():
        HANDLERS[_type] = (*HANDLERS.get(_type, ()), _handler)


def dispatch(event: stripe.Event, account: str) -> Callable[[], None] | None:
    """Run the event's handlers; a type nobody handles is recorded and otherwise ignored."""
    afters = [
        after for handler in HANDLERS.get(event.type, ()) if (after := handler(event, account))
    ]
    if not afters:
        return None

    def after_commit() -> None:
        for after in afters:
            after()

    return after_commit
