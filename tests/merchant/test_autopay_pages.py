"""Autopay's pages: the payer's opt-in and turning it off in the portal, the staff bond page's
panel and the dashboard's list; roles and the other agency's side."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.merchant import autopay_charges, autopay_terms, enrollment
from bbp.merchant.models import AutopayEnrollment, OnlinePayment
from tests.factories import make_bond
from tests.merchant import autopay_support as support
from tests.portal import conftest as portal
from tests.portal.conftest import inside
from tests.support import add_user

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # noon in New York
book, cosigner = portal.book, portal.cosigner  # fixtures: a bond, its cosigner signed in


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


@pytest.fixture
def account(app, tenant, book) -> str:
    """The agency takes charges; the bond's $400 left is three installments from December 10."""
    account = support.connect(app, tenant)
    support.add_plan(
        app,
        tenant,
        book.bond_id,
        "100.00",
        [
            (date(2026, 12, 10), "133.33"),
            (date(2027, 1, 10), "133.33"),
            (date(2027, 2, 10), "133.34"),
        ],
    )
    support.pay_cash(app, tenant, book.bond_id, "100.00")
    return account


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def enrollments(app, agency) -> list[AutopayEnrollment]:
    with inside(app, agency):
        rows = list(db.session.scalars(select(AutopayEnrollment).order_by(AutopayEnrollment.id)))
        db.session.expunge_all()
        return rows


def audit(app, agency, action: str) -> list[AuditEntry]:
    with inside(app, agency):
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        db.session.expunge_all()
        return rows


def opt_in(app, cosigner, bond_id: int) -> str:
    """Agree on the portal's page; returns where it sent the payer (Checkout)."""
    page = cosigner.get(f"/portal/bonds/{bond_id}/autopay").get_data(as_text=True)
    shown = re.search(r'name="shown" type="hidden" value="([0-9a-f]{64})"', page)
    shown = shown or re.search(
        r'id="shown" name="shown" type="hidden" value="([0-9a-f]{64})"', page
    )
    response = cosigner.post(
        f"/portal/bonds/{bond_id}/autopay", {"agree": "y", "shown": shown.group(1)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def finish_checkout(app, account: str, url: str) -> None:
    stub = support.fake(app)
    with app.app_context(), stub.acting_as(account):
        stub.complete(url.rsplit("/", 1)[1])
    assert set(support.deliver_pending(app)) == {200}


def test_the_payer_agrees_saves_a_card_and_autopay_turns_on_only_with_stripes_word(
    app, tenant, book, cosigner, account
):
    bond_page = cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    assert "Set up autopay" in bond_page
    page = text_of(cosigner.get(f"/portal/bonds/{book.bond_id}/autopay").get_data(as_text=True))
    assert f"I, Rosa Reyes, authorize {tenant.name} to charge the card" in page
    assert "$133.33 on December 10, 2026" in page and "$133.34 on February 10, 2027" in page
    assert "turn autopay off at any time" in page
    url = opt_in(app, cosigner, book.bond_id)
    assert "/dev/stripe/checkout/" in url
    [row] = enrollments(app, tenant)
    with inside(app, tenant):
        shown = autopay_terms.text(
            "Rosa Reyes",
            tenant.name,
            book.bond_number,
            [
                (date(2026, 12, 10), Decimal("133.33")),
                (date(2027, 1, 10), Decimal("133.33")),
                (date(2027, 2, 10), Decimal("133.34")),
            ],
            "en",
        )
    assert row.authorization_sha256 == autopay_terms.fingerprint(shown)
    assert row.authorized_ip and row.authorized_at == NOON and row.active_since is None
    assert row.payer == {"kind": "cosigner", "id": book.cosigner_id}
    waiting = cosigner.get(f"/portal/bonds/{book.bond_id}/autopay?saved=1").get_data(as_text=True)
    assert "Your card is being saved" in waiting  # the redirect back turns nothing on
    finish_checkout(app, account, url)
    [row] = enrollments(app, tenant)
    assert row.active_since is not None and row.card_last4 == "4242"
    page = text_of(cosigner.get(f"/portal/bonds/{book.bond_id}/autopay").get_data(as_text=True))
    assert "Autopay is on. Visa ending in 4242" in page
    assert [e.actor_label for e in audit(app, tenant, "autopay.turned_on")] == [
        "portal: Rosa Reyes"
    ]


def test_not_agreeing_is_refused_beside_the_box(app, tenant, book, cosigner, account):
    cosigner.get(f"/portal/bonds/{book.bond_id}/autopay")
    response = cosigner.post(f"/portal/bonds/{book.bond_id}/autopay", {"shown": "x"})
    assert response.status_code == 422
    assert "Tick the box to agree" in response.get_data(as_text=True)
    assert enrollments(app, tenant) == []


def test_an_authorization_read_before_the_plan_changed_is_refused(
    app, tenant, book, cosigner, account
):
    cosigner.get(f"/portal/bonds/{book.bond_id}/autopay")
    response = cosigner.post(
        f"/portal/bonds/{book.bond_id}/autopay", {"agree": "y", "shown": "0" * 64}
    )
    assert response.status_code == 409
    assert "read it again" in response.get_data(as_text=True)
    assert enrollments(app, tenant) == []


def test_the_payer_turns_autopay_off_and_the_job_stops(app, tenant, book, cosigner, account, clock):
    finish_checkout(app, account, opt_in(app, cosigner, book.bond_id))
    cosigner.get(f"/portal/bonds/{book.bond_id}/autopay")
    response = cosigner.post(f"/portal/bonds/{book.bond_id}/autopay/off")
    assert response.status_code == 303
    [row] = enrollments(app, tenant)
    assert row.turned_off_at is not None and row.turned_off_by == "portal: Rosa Reyes"
    [entry] = audit(app, tenant, "autopay.turned_off")
    assert entry.actor_label == "portal: Rosa Reyes"
    clock.set(datetime(2026, 12, 10, 17, 0, tzinfo=UTC))
    with inside(app, tenant):
        assert autopay_charges.run() == {}


def test_staff_see_the_card_and_failures_and_agents_turn_it_off(
    app, tenant, book, cosigner, account, visit, clock
):
    support.enroll(
        app,
        tenant,
        book.bond_id,
        {"kind": "cosigner", "id": book.cosigner_id},
        account,
        "pm_card_chargeDeclined",
    )
    clock.set(datetime(2026, 12, 10, 17, 0, tzinfo=UTC))
    with inside(app, tenant):
        assert autopay_charges.run() == {"retrying": 1}
    viewer = visit(tenant)
    viewer.login(add_user(app, tenant.info, "viewer").email)
    panel = viewer.get(f"/bonds/{book.bond_id}/autopay", htmx=True).get_data(as_text=True)
    assert "<html" not in panel and "Visa ending in 4242" in panel
    assert "Autopay declined: $133.33 ; next try December 11, 2026" in text_of(panel)
    assert "Turn off autopay" not in panel
    full = viewer.get(f"/bonds/{book.bond_id}/autopay").get_data(as_text=True)  # the fallback
    assert "<html" in full and f"Back to bond {book.bond_number}" in full
    assert viewer.post(f"/bonds/{book.bond_id}/autopay/off").status_code == 403
    dashboard = viewer.get("/dashboard/autopay", htmx=True).get_data(as_text=True)
    assert f'href="/bonds/{book.bond_id}#autopay"' in dashboard and "retry" in dashboard
    assert 'hx-get="/dashboard/autopay"' in viewer.get("/dashboard/").get_data(as_text=True)
    assert f'hx-get="/bonds/{book.bond_id}/autopay"' in viewer.get(
        f"/bonds/{book.bond_id}"
    ).get_data(as_text=True)

    agent_user = add_user(app, tenant.info, "agent")
    agent = visit(tenant)
    agent.login(agent_user.email)
    agent.get(f"/bonds/{book.bond_id}")
    response = agent.post(f"/bonds/{book.bond_id}/autopay/off", htmx=True)
    assert response.status_code == 200 and "Autopay turned off." in response.get_data(as_text=True)
    [row] = enrollments(app, tenant)
    assert row.turned_off_by == f"staff: {agent_user.email}"
    [entry] = audit(app, tenant, "autopay.turned_off")
    assert entry.actor_id == agent_user.id
    [charge] = support.rows(app, tenant, book.bond_id)
    assert charge.status == "cancelled"  # the retry not made yet is called off


def test_the_dashboard_list_is_empty_without_failures(app, tenant, owner):
    page = owner.get("/dashboard/autopay").get_data(as_text=True)
    assert "No autopay charge has failed." in page and "<html" in page


@pytest.mark.parametrize(
    "path",
    ["/bonds/{bond}/autopay", "/portal/bonds/{bond}/autopay", "/dashboard/autopay"],
)
def test_the_other_agency_sees_none_of_it(app, tenant, other_tenant, book, account, visit, path):
    support.enroll(app, tenant, book.bond_id, {"kind": "cosigner", "id": book.cosigner_id}, account)
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    response = other.get(path.format(bond=book.bond_id))
    body = response.get_data(as_text=True)
    assert "4242" not in body and book.bond_number not in body
    assert response.status_code in (302, 404) or "No autopay charge has failed." in body


def test_the_other_agencys_staff_cannot_turn_it_off(
    app, tenant, other_tenant, book, account, visit
):
    support.enroll(app, tenant, book.bond_id, {"kind": "cosigner", "id": book.cosigner_id}, account)
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    other.get("/dashboard/")
    assert other.post(f"/bonds/{book.bond_id}/autopay/off").status_code == 404
    [row] = enrollments(app, tenant)
    assert row.turned_off_at is None


def test_a_signed_in_payer_of_another_bond_cannot_open_this_ones_autopay(
    app, tenant, book, account, visit
):
    stranger = portal.make_book(
        app,
        tenant,
        defendant_phone="3055550999",
        cosigner_phone="3055550998",
        cosigner_email="x@example.com",
        number="B-2026-0999",
        last_name="Other",
    )
    visitor = visit(tenant)
    portal.sign_in(visitor, app, tenant, phone="3055550998")
    assert stranger.bond_id != book.bond_id
    assert visitor.get(f"/portal/bonds/{book.bond_id}/autopay").status_code == 404
    assert visitor.post(f"/portal/bonds/{book.bond_id}/autopay", {"agree": "y"}).status_code == 404
    assert visitor.post(f"/portal/bonds/{book.bond_id}/autopay/off").status_code == 404


def test_another_visitor_on_the_bond_sees_who_set_autopay_up_but_not_the_card(
    app, tenant, book, cosigner, account, visit
):
    """Security review finding 7: the defendant, signed in on the same bond, sees that autopay is
    on and who set it up, but not the cosigner's card, and cannot turn it off."""
    finish_checkout(app, account, opt_in(app, cosigner, book.bond_id))
    defendant = visit(tenant)
    portal.sign_in(defendant, app, tenant, portal.DEFENDANT_PHONE)
    for path in (f"/portal/bonds/{book.bond_id}", f"/portal/bonds/{book.bond_id}/autopay"):
        page = text_of(defendant.get(path).get_data(as_text=True))
        assert "Autopay is on (set up by Rosa)." in page
        assert "4242" not in page and "Turn off autopay" not in page
    assert defendant.post(f"/portal/bonds/{book.bond_id}/autopay/off").status_code == 403
    [row] = enrollments(app, tenant)
    assert row.turned_off_at is None
    mine = text_of(cosigner.get(f"/portal/bonds/{book.bond_id}/autopay").get_data(as_text=True))
    assert "Visa ending in 4242" in mine and "Turn off autopay" in mine


def _authorize(app, agency, bond_id: int, payer: dict, name: str, account: str) -> str:
    """A payer agrees and is sent to a setup Checkout; returns its URL."""
    with inside(app, agency):
        bond = db.session.get(Bond, bond_id)
        shown = autopay_terms.text(name, agency.name, bond.number, [], "en")
        row = enrollment.authorize(bond, payer, name, "+13055550100", shown)
        return enrollment.setup_checkout(row, account, support.SUCCESS, support.SUCCESS)


def test_a_card_saved_under_an_earlier_payers_authorization_never_turns_autopay_on(
    app, tenant, book, account
):
    """Security review finding 3: the cosigner agreed and opened Checkout; the defendant then
    agreed too. The cosigner's session is expired; a card it saved just before (its events late)
    does not turn autopay on under the defendant's authorization; the defendant's own card does,
    on the defendant's own Stripe customer."""
    stub = support.fake(app)
    rosa = {"kind": "cosigner", "id": book.cosigner_id}
    first = _authorize(app, tenant, book.bond_id, rosa, "Rosa Reyes", account)
    rosas_customer = enrollments(app, tenant)[0].stripe_customer_id
    with app.app_context(), stub.acting_as(account):
        stub.complete(first.rsplit("/", 1)[1])  # saved at Stripe; its events not delivered yet
    held = support.take(app)
    ray = {"kind": "defendant", "id": book.defendant_id}
    second = _authorize(app, tenant, book.bond_id, ray, "Ray Reyes", account)
    [row] = enrollments(app, tenant)
    assert row.payer == ray and row.stripe_customer_id not in (None, rosas_customer)
    assert set(support.deliver(app, held)) == {200}
    [row] = enrollments(app, tenant)
    assert row.active_since is None and row.stripe_payment_method_id is None
    # An earlier session still open is expired by the next authorization.
    third = _authorize(app, tenant, book.bond_id, rosa, "Rosa Reyes", account)
    with app.app_context(), stub.acting_as(account):
        assert stub.get("checkout_sessions", second.rsplit("/", 1)[1])["status"] == "expired"
        stub.complete(third.rsplit("/", 1)[1])
    assert set(support.deliver_pending(app)) == {200}
    [row] = enrollments(app, tenant)
    assert row.active_since is not None and row.payer == rosa


def _pay_page_shown(cosigner, bond_id: int) -> str:
    page = cosigner.get(f"/portal/bonds/{bond_id}/pay").get_data(as_text=True)
    assert "Save this card and pay my installments automatically" in page
    assert "authorize" in text_of(page) and "turn autopay off at any time" in text_of(page)
    return re.search(r'name="shown" type="hidden" value="([0-9a-f]{64})"', page).group(1)


def test_paying_can_save_the_card_for_autopay_under_the_same_authorization(
    app, tenant, book, cosigner, account
):
    """Security review finding 10: the Pay page's opt-in records the authorization shown (its
    SHA-256, as the setup path does), opens Checkout keeping the card for off-session use on the
    payer's customer, and the completed session turns autopay on with that card."""
    shown = _pay_page_shown(cosigner, book.bond_id)
    response = cosigner.post(
        f"/portal/bonds/{book.bond_id}/pay", {"choice": "due", "save_card": "y", "shown": shown}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    [row] = enrollments(app, tenant)
    assert row.authorization_sha256 == shown and row.active_since is None
    assert row.payer == {"kind": "cosigner", "id": book.cosigner_id} and row.authorization_id
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    stub = support.fake(app)
    with app.app_context(), stub.acting_as(account):
        session = stub.get("checkout_sessions", session_id)
        assert session["customer"] == row.stripe_customer_id
        assert session["_intent_data"]["setup_future_usage"] == "off_session"
        stub.complete(session_id)
    assert set(support.deliver_pending(app)) == {200}
    [row] = enrollments(app, tenant)
    assert row.active_since is not None and row.card_last4 == "4242"
    [entry] = support.online_entries(app, tenant, book.bond_id)
    assert entry.amount == Decimal("133.33")
    page = text_of(cosigner.get(f"/portal/bonds/{book.bond_id}/autopay").get_data(as_text=True))
    assert "Autopay is on. Visa ending in 4242" in page


def test_the_save_card_opt_in_refuses_a_stale_authorization_and_paying_alone_saves_nothing(
    app, tenant, book, cosigner, account
):
    _pay_page_shown(cosigner, book.bond_id)
    stale = cosigner.post(
        f"/portal/bonds/{book.bond_id}/pay", {"choice": "due", "save_card": "y", "shown": "0" * 64}
    )
    assert stale.status_code == 409
    assert "The schedule changed since you opened this page" in stale.get_data(as_text=True)
    assert enrollments(app, tenant) == []
    plain = cosigner.post(f"/portal/bonds/{book.bond_id}/pay", {"choice": "due"})
    assert plain.status_code == 303 and enrollments(app, tenant) == []
    session_id = plain.headers["Location"].rsplit("/", 1)[1]
    stub = support.fake(app)
    with app.app_context(), stub.acting_as(account):
        assert "setup_future_usage" not in stub.get("checkout_sessions", session_id)["_intent_data"]


def test_the_dashboard_shows_the_newest_troubles_and_the_list_pages_through_all(
    app, tenant, other_tenant, owner, visit, clock
):
    bonds = [make_bond(app, tenant, last_name=f"Payer{n:02}") for n in range(22)]
    with inside(app, tenant):
        for n, bond_id in enumerate(bonds):
            on = AutopayEnrollment(
                bond_id=bond_id,
                payer={"kind": "defendant", "id": db.session.get(Bond, bond_id).defendant_id},
                payer_name=f"Payer{n:02}",
                authorization_sha256="0" * 64,
                authorized_at=clock.now,
                active_since=clock.now,
            )
            db.session.add(on)
            db.session.flush()
            db.session.add(
                OnlinePayment(
                    bond_id=bond_id,
                    source="autopay",
                    status="requires_action",
                    amount_cents=10000 + n,
                    stripe_account_id="acct_1",
                    autopay_id=on.id,
                    updated_at=clock.now + timedelta(minutes=n),
                )
            )
        db.session.commit()

    panel = owner.get("/dashboard/autopay", htmx=True).get_data(as_text=True)
    assert panel.count('class="breakdown"') == 20
    assert "Payer21" in panel and "Payer01" not in panel  # newest trouble first
    assert "More (22 bonds in all)" in text_of(panel) and "/dashboard/autopay?page=2" in panel

    older = owner.get("/dashboard/autopay?page=2").get_data(as_text=True)
    assert older.count('class="breakdown"') == 2 and "Payer00" in older and "Payer01" in older
    assert "Page 2 of 2 · 22 in all" in text_of(older)

    stranger = visit(other_tenant)
    stranger.login(other_tenant.owner_email)
    page = stranger.get("/dashboard/autopay?page=2").get_data(as_text=True)
    assert "Payer" not in page and 'class="breakdown"' not in page
