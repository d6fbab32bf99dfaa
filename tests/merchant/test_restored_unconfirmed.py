"""A payment still processing when an agency's archive was made is the original's to confirm: the
restored copy ends it unconfirmed, shows it to staff, enters nothing, and pays again
(docs/payments-connect.md, "Restored copies")."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.billing import stripe_api
from bbp.extensions import db
from bbp.merchant import confirm
from bbp.messaging import emails
from bbp.messaging.models import Email
from bbp.platform import lifecycle
from bbp.platform.provisioning import drop_tenant
from bbp.tenancy import bound
from tests.merchant.checkout_support import (
    complete,
    connected,
    deliver,
    ledger,
    online,
    pay,
    session_of,
)
from tests.platform.archive_support import restored_copy
from tests.portal import conftest as portal
from tests.portal.conftest import sign_in
from tests.support import Agency

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # noon in New York: outside quiet hours
book, cosigner = portal.book, portal.cosigner  # fixtures: a bond, its cosigner signed in


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page))).replace(" ,", ",")


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


@pytest.fixture
def processing(app, tenant, book, cosigner):
    """The cosigner paid $500 by a method that settles later: the row is processing, nothing
    entered. Returns the account and the session id."""
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    assert set(deliver(app, complete(app, account, session_id, "later"))) == {200}
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["processing"]
    return account, session_id


@pytest.fixture
def copy(app, tenant, processing):
    """The tenant restored from an archive made while the payment was processing."""
    info = restored_copy(app, tenant)
    yield Agency(info, tenant.owner_email)
    with app.app_context():
        drop_tenant(info.slug)


@pytest.fixture
def owed_email(app, tenant, monkeypatch):
    """An email the original still owes (its hand-off not made yet) when the archive is made."""
    monkeypatch.setattr(emails, "hand_off", lambda tenant=None: None)
    with app.app_context(), bound(tenant.info, db.session):
        emails.queue("payer@example.com", "Your receipt", "Paid", "receipt", "receipt:1")
        db.session.commit()
    monkeypatch.undo()


def test_the_copy_leaves_the_originals_owed_emails_to_it(app, tenant, owed_email, copy):
    with app.app_context(), bound(copy.info, db.session):
        row = db.session.scalars(select(Email)).one()
        assert (row.status, row.last_error) == ("failed", emails.LEFT_TO_ORIGINAL)
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalars(select(Email.status)).all() == ["queued"]


def test_the_copy_ends_the_payment_unconfirmed_and_the_original_keeps_it_processing(
    app, tenant, book, processing, copy
):
    [row] = online(app, copy, book.bond_id)
    assert (row.status, row.payment_id) == ("unconfirmed", None)
    assert row.last_error.startswith(
        f"Started before this copy was restored from an archive of {tenant.slug}; not confirmed "
        "here. Check the original agency's Stripe Dashboard"
    )
    with app.app_context(), bound(copy.info, db.session):
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "merchant.payment_unconfirmed")
        ).all()
        assert (entry.actor_label, entry.target_id) == ("restore", str(row.id))
        assert entry.before == {"status": "processing"}
        assert entry.after == {"status": "unconfirmed", "reason": row.last_error}
    # The original's row is its own: untouched, still waiting for its webhook.
    [mine] = online(app, tenant, book.bond_id)
    assert (mine.status, mine.last_error) == ("processing", "")
    with app.app_context(), bound(tenant.info, db.session):
        assert not db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "merchant.payment_unconfirmed")
        ).all()


def test_the_copys_portal_offers_payment_again_and_staff_see_why(
    app, visit, tenant, book, processing, copy
):
    with app.app_context():
        lifecycle.reactivate(copy.info.id, "The original agency is purged", "cli")
    own = connected(app, copy)  # the copy's owner connects the agency's own account
    staff = visit(copy)
    assert staff.login(copy.owner_email).status_code == 302
    page = staff.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert 'id="payments-unconfirmed"' in page
    words = _words(page)
    assert "Online payments not confirmed in this copy" in words
    assert "$500.00 from Rosa Reyes through the portal" in words
    assert "not confirmed here. Check the original agency's Stripe Dashboard" in words
    assert f'href="/payments/bonds/{book.bond_id}/new">Record a payment by hand' in page

    payer = visit(copy)
    assert sign_in(payer, app, copy).status_code == 302
    bond_page = payer.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert 'id="pay-now"' in bond_page and "is processing" not in bond_page
    where, _ = session_of(pay(payer, book.bond_id))
    assert where == own
    assert [r.status for r in online(app, copy, book.bond_id)] == ["unconfirmed", "open"]


def test_a_late_webhook_settles_the_original_only(app, tenant, book, processing, copy):
    account, session_id = processing
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            fake.settle_later(session_id, succeed=True)
        settled = fake.take_pending()
    assert set(deliver(app, settled)) == {200}
    [(_, amount, intent_id)] = ledger(app, tenant, book.bond_id)
    assert amount == Decimal("500.00")
    assert [r.status for r in online(app, tenant, book.bond_id)] == ["succeeded"]
    assert ledger(app, copy, book.bond_id) == []
    assert [r.status for r in online(app, copy, book.bond_id)] == ["unconfirmed"]
    # Even handed the succeeded PaymentIntent, the copy enters nothing: staff enter it by hand.
    with app.app_context(), bound(copy.info, db.session):
        assert confirm.settle_intent(confirm.intent_of(intent_id, account), account) is None
        db.session.commit()
    assert ledger(app, copy, book.bond_id) == []
    [row] = online(app, copy, book.bond_id)
    assert (row.status, row.payment_id) == ("unconfirmed", None)
