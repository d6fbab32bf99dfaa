"""The platform's one Stripe Billing Meter for texts, made once and remembered by event name.

Made on first use (the first plan's metered Price needs it): the id is read from
`public.billing_meters` and checked with Stripe (a meter deactivated in the dashboard takes no
new Price); failing that, an active meter with our event name already in Stripe (a database
reset against the same account) is adopted; only then is one created.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from bbp.billing import stripe_api
from bbp.billing.models import BillingMeter
from bbp.billing.sdk import stripe
from bbp.extensions import db

TEXTS_EVENT = "bbp_texts"  # the meter events' name; each one's value is sent text segments
CUSTOMER_KEY = "stripe_customer_id"
VALUE_KEY = "value"


def _still_active(meter_id: str) -> bool:
    try:
        return stripe_api.client().v1.billing.meters.retrieve(meter_id).status == "active"
    except stripe.InvalidRequestError as exc:
        if exc.code == "resource_missing":
            return False
        raise


def texts_meter_id() -> str:
    """The texts meter's Stripe id, creating the meter the first time (inside the caller's
    transaction: its row commits with the caller's work)."""
    known = db.session.scalar(
        select(BillingMeter.stripe_meter_id).where(BillingMeter.event_name == TEXTS_EVENT)
    )
    if known is not None and _still_active(known):
        return known
    replaced = known or "first"
    db.session.execute(delete(BillingMeter).where(BillingMeter.event_name == TEXTS_EVENT))
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
        options={"idempotency_key": f"bbp-meter-{TEXTS_EVENT}-after-{replaced}"},
    )
    db.session.execute(
        insert(BillingMeter)
        .values(event_name=TEXTS_EVENT, stripe_meter_id=meter.id)
        .on_conflict_do_nothing()
    )
    # A concurrent first use may have saved its meter first: both then use the one saved.
    return db.session.scalar(
        select(BillingMeter.stripe_meter_id).where(BillingMeter.event_name == TEXTS_EVENT)
    )
