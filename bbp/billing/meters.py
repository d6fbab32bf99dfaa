"""The platform's one Stripe Billing Meter for texts, made once and remembered by event name.

Made on first use (the first plan's metered Price needs it): the id is read from
`public.billing_meters`; failing that, an active meter with our event name already in Stripe
(a database reset against the same account) is adopted; only then is one created.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from bbp.billing import stripe_api
from bbp.billing.models import BillingMeter
from bbp.extensions import db

TEXTS_EVENT = "bbp_texts"  # the meter events' name; each one's value is sent text segments
CUSTOMER_KEY = "stripe_customer_id"
VALUE_KEY = "value"


def texts_meter_id() -> str:
    """The texts meter's Stripe id, creating the meter the first time (inside the caller's
    transaction: its row commits with the caller's work)."""
    known = db.session.get(BillingMeter, TEXTS_EVENT)
    if known is not None:
        return known.stripe_meter_id
    client = stripe_api.client()
    meter = next(
        (
            m
            for m in client.v1.billing.meters.list(params={"status": "active", "limit": 100})
            if m.event_name == TEXTS_EVENT
        ),
        None,
    ) or client.v1.billing.meters.create(
        params={
            "display_name": "Texts sent (segments)",
            "event_name": TEXTS_EVENT,
            "default_aggregation": {"formula": "sum"},
            "customer_mapping": {"type": "by_id", "event_payload_key": CUSTOMER_KEY},
            "value_settings": {"event_payload_key": VALUE_KEY},
        },
        options={"idempotency_key": f"bbp-meter-{TEXTS_EVENT}"},
    )
    db.session.execute(
        insert(BillingMeter)
        .values(event_name=TEXTS_EVENT, stripe_meter_id=meter.id)
        .on_conflict_do_nothing()
    )
    return db.session.get(BillingMeter, TEXTS_EVENT).stripe_meter_id
