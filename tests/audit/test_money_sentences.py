"""Online money in the audit log reads the right way round and names its bond and person."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from bbp.audit.services import record
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.merchant.models import AutopayEnrollment, OnlinePayment, Refund
from bbp.tenancy import bound
from tests.factories import make_bond

NOV = datetime(2026, 11, 1, tzinfo=UTC)


def _words(owner) -> str:
    page = owner.get("/audit/", htmx=True).get_data(as_text=True)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def _autopay_and_refund(app, agency) -> str:
    """An enrollment and a confirmed refund on a new bond, audited as the code records them."""
    bond_id = make_bond(app, agency, first_name="Ray", last_name="Doe")
    with app.app_context(), bound(agency.info, db.session):
        bond = db.session.get(Bond, bond_id)
        row = AutopayEnrollment(
            bond_id=bond_id,
            payer={"kind": "defendant", "id": 1},
            payer_name="Rosa Reyes",
            authorization_sha256="0" * 64,
            authorized_at=NOV,
            active_since=NOV,
        )
        online = OnlinePayment(
            bond_id=bond_id, source="portal", status="succeeded", amount_cents=10000,
            stripe_account_id="acct_1",
        )  # fmt: skip
        db.session.add_all([row, online])
        db.session.flush()
        refund = Refund(online_payment_id=online.id, amount_cents=4000, status="succeeded")
        db.session.add(refund)
        db.session.flush()
        portal = "portal: Rosa Reyes"
        after = {"card": "visa 4242", "payer": "Rosa Reyes"}
        record("autopay.turned_on", row, after=after, actor=portal)
        record("autopay.card_changed", row, after={**after, "card": "amex 0005"}, actor=portal)
        record("autopay.turned_off", row, before={"on": True, "card": "0005"}, actor=portal)
        record(
            "payment.recorded",
            None,
            after={
                "receipt": "R-000057", "kind": "refund", "method": "card_online",
                "amount": "40.00", "bond": bond.number, "stripe": "re_1",
            },
            actor="Stripe",
        )  # fmt: skip
        record("refund.succeeded", refund, after={"status": "succeeded"}, actor="Stripe")
        record("merchant.connected", None, after={"stripe_account": "acct_65fe1"}, actor="Seed")
        record("portal.language_changed", None, after={"language": "es"}, actor=portal)
        db.session.commit()
        return bond.number


def test_refunds_autopay_and_languages_read_as_people_say_them(owner, app, tenant):
    number = _autopay_and_refund(app, tenant)
    rows = _words(owner)
    bond = f"Ray Doe's bond {number}"
    assert f"Stripe refunded $40.00 to the card on bond {number}" in rows
    assert "took $40.00" not in rows
    assert f"Stripe confirmed the refund of $40.00 on {bond}" in rows
    portal = "Rosa Reyes (client portal)"
    assert f"{portal} turned on autopay for {bond} with Visa ending in 4242" in rows
    assert (
        f"{portal} changed the autopay card for {bond} to American Express ending in 0005" in rows
    )
    assert f"{portal} turned off autopay for {bond}" in rows
    assert "Card: ending in 0005" in rows
    assert "chose Spanish as the language" in rows and "chose Es " not in rows
    # The Stripe account's id stays in the details, out of the sentence.
    assert "Seed connected the agency's Stripe account Stripe account: acct_65fe1" in rows


def test_the_other_agency_reads_none_of_it(visit, app, tenant, other_tenant):
    _autopay_and_refund(app, tenant)
    other = visit(other_tenant)
    assert other.login(other_tenant.owner_email).status_code == 302
    rows = _words(other)
    assert "autopay" not in rows and "refund" not in rows and "Rosa Reyes" not in rows
