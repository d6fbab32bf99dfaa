"""A bond the cosigner pays online: the agency connected, the portal signed in, the fake's
Checkout completed as its page's buttons would, and the events delivered in any order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bbp.billing import fake_delivery, stripe_api
from bbp.extensions import db
from bbp.kernel.clock import agency_today
from bbp.merchant.models import OnlinePayment
from bbp.payments.models import Instalment, Payment, PaymentPlan
from tests.merchant.support import connected
from tests.portal.conftest import inside


def session_of(response) -> tuple[str, str]:
    """The (account, session id) of the fake Checkout page a Pay button redirected to."""
    assert response.status_code == 303, response.get_data(as_text=True)
    parts = urlsplit(response.headers["Location"]).path.split("/")
    assert parts[1:4] == ["dev", "stripe", "checkout"], response.headers["Location"]
    return parts[4], parts[5]


def pay(visitor, bond_id: int, **form):
    """Press Pay on the portal's Pay page (the next amount due unless told)."""
    visitor.get(f"/portal/bonds/{bond_id}/pay")
    return visitor.post(f"/portal/bonds/{bond_id}/pay", {"choice": "due", **form})


def complete(app, account: str, session_id: str, outcome: str = "succeed") -> list[str]:
    """Complete the session on the fake's page; returns the events it made, oldest first."""
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            fake.complete(session_id, outcome)
        return fake.take_pending()


def types(app, event_ids: list[str]) -> list[str]:
    with app.app_context():
        fake = stripe_api.fake()
        return [fake.get("events", event_id)["type"] for event_id in event_ids]


def pick(app, event_ids: list[str], *wanted: str) -> list[str]:
    """The events of the types wanted, in the order wanted."""
    kinds = dict(zip(event_ids, types(app, event_ids), strict=True))
    return [e for kind in wanted for e in event_ids if kinds[e] == kind]


def deliver(app, event_ids: list[str]) -> list[int]:
    return fake_delivery.deliver(event_ids, app)


def ledger(app, agency, bond_id: int) -> list[tuple[str, Decimal, str | None]]:
    """The bond's ledger: (receipt, amount, Stripe id), oldest first."""
    with inside(app, agency):
        rows = db.session.scalars(
            select(Payment).where(Payment.bond_id == bond_id).order_by(Payment.id)
        )
        return [(p.receipt_number, p.amount, p.external_id) for p in rows]


def online(app, agency, bond_id: int) -> list[OnlinePayment]:
    with inside(app, agency):
        rows = list(
            db.session.scalars(
                select(OnlinePayment)
                .where(OnlinePayment.bond_id == bond_id)
                .order_by(OnlinePayment.id)
            )
        )
        db.session.expunge_all()
        return rows


def success_path(app, account: str, session_id: str) -> str:
    """Where the fake's page sends the payer after paying (the success url, filled in)."""
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            url = fake.get("checkout_sessions", session_id)["success_url"]
    url = url.replace("{CHECKOUT_SESSION_ID}", session_id)
    parts = urlsplit(url)
    assert parse_qs(parts.query)["session_id"] == [session_id]
    return f"{parts.path}?{parts.query}"


__all__ = ["connected"]


def two_installments(app, agency, bond_id: int, down: str, each: str) -> None:
    """A payment plan on the bond: `down` now, then two installments of `each`, due 10 and 40
    days from the agency's today."""
    with inside(app, agency):
        today = agency_today()
        plan = PaymentPlan(bond_id=bond_id, down_payment=Decimal(down))
        plan.instalments = [
            Instalment(due_on=today + timedelta(days=days), amount=Decimal(each))
            for days in (10, 40)
        ]
        db.session.add(plan)
        db.session.commit()
