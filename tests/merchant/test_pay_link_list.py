"""The staff list of pay links: each link's recipient by name, what it asked (or the amount due
and what that was), when it was sent and expires, and whether it was opened, paid, expired or
canceled; "Send to" lists people by name however long; the other agency sees none of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.merchant.models import PayLink
from tests.merchant.checkout_support import complete, connected, deliver, session_of
from tests.merchant.test_pay_links import _link_path, _send
from tests.merchant.test_pay_links import agent as agent
from tests.portal import conftest as portal
from tests.portal.conftest import inside, make_book

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # noon in New York
book = portal.book
LONG = "Maximiliana Esperanza de la Concepción Villanueva-Hernández"


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


def text_of(page: str) -> str:
    inline = re.sub(r"</?(span|strong)[^>]*>", "", page)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def panel(agent, bond_id: int) -> str:
    response = agent.get(f"/bonds/{bond_id}/pay-links", htmx=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def row_of(page: str, link_id: int) -> str:
    found = re.search(
        rf'<div class="court-row pay-link-row" id="pay-link-{link_id}">(.+?)</div>\s*(<form|</div>)',
        page,
        re.S,
    )
    return text_of(found.group(1))


def link_ids(app, agency) -> list[int]:
    with inside(app, agency):
        return list(db.session.scalars(select(PayLink.id).order_by(PayLink.id)))


def test_each_link_names_its_recipient_amount_dates_and_state(
    app, tenant, book, agent, visit, daytime
):
    account = connected(app, tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="125.50", days="3")
    _send(agent, book.bond_id, recipient="defendant")
    fixed, due = link_ids(app, tenant)
    page = panel(agent, book.bond_id)
    assert row_of(page, fixed) == (
        "Sent $125.50 To Rosa Reyes (cosigner) · (305) 555-0177 "
        "Sent Dec 1, 2026 12:00 PM · expires Dec 4, 2026 12:00 PM"
    )
    assert row_of(page, due).startswith(
        "Sent Amount due ($500.00 when sent) To Marcus Reyes (defendant) · (305) 555-0"
    )
    assert "Cancel link" in page

    daytime.advance(hours=1)
    payer = visit(tenant)
    path = _link_path(app, tenant)
    assert payer.get(path).status_code == 200
    assert row_of(panel(agent, book.bond_id), fixed).startswith("Opened $125.50")
    assert "opened Dec 1, 2026 1:00 PM" in row_of(panel(agent, book.bond_id), fixed)
    _, session_id = session_of(payer.post(path))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    assert row_of(panel(agent, book.bond_id), fixed).startswith("Paid $125.50")

    agent.post(f"/bonds/{book.bond_id}/pay-links/{due}/revoke")
    page = panel(agent, book.bond_id)
    assert row_of(page, due).startswith("Canceled Amount due ($500.00 when sent)")
    assert "canceled Dec 1, 2026 1:00 PM" in row_of(page, due)
    assert "Cancel link" not in page  # neither link opens a payment now


def test_an_unopened_link_expires_and_opening_a_dead_link_is_not_counted(
    app, tenant, book, agent, visit, daytime
):
    connected(app, tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, days="1")
    [link_id] = link_ids(app, tenant)
    daytime.advance(days=1, seconds=1)
    assert visit(tenant).get(_link_path(app, tenant)).status_code == 410
    row = row_of(panel(agent, book.bond_id), link_id)
    assert row.startswith("Expired Amount due") and "expired Dec 2, 2026 12:00 PM" in row
    assert "opened" not in row


def test_canceling_says_the_link_no_longer_opens_a_payment(app, tenant, book, agent):
    connected(app, tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id)
    [link_id] = link_ids(app, tenant)
    response = agent.post(f"/bonds/{book.bond_id}/pay-links/{link_id}/revoke", htmx=True)
    assert "Pay link canceled: it no longer opens a payment." in response.get_data(as_text=True)


def test_send_to_lists_everyone_by_full_name_as_radios(app, tenant, book, agent):
    connected(app, tenant)
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).first_name = LONG
        db.session.commit()
    page = panel(agent, book.bond_id)
    assert "<select" not in page
    assert re.search(
        r'<input checked id="recipient-0" name="recipient" required type="radio" value="defendant">',
        page,
    )
    assert f"{LONG} Reyes (cosigner) · (305) 555-0177" in text_of(page)
    response = _send(agent, book.bond_id, cosigner_id=book.cosigner_id)
    assert response.status_code == 303
    [link_id] = link_ids(app, tenant)
    assert f"To {LONG} Reyes (cosigner)" in row_of(panel(agent, book.bond_id), link_id)


def test_no_choice_is_refused_beside_send_to(app, tenant, book, agent):
    connected(app, tenant)
    agent.get(f"/bonds/{book.bond_id}/pay-links")
    response = agent.post(f"/bonds/{book.bond_id}/pay-links", {"amount": "", "days": "7"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="recipient-error" class="field-error">Choose who gets the link.</small>' in page
    assert link_ids(app, tenant) == []


def test_the_other_agency_lists_only_its_own_links(app, tenant, other_tenant, book, agent, visit):
    connected(app, tenant)
    connected(app, other_tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="125.50")
    theirs = make_book(app, other_tenant, number="B-2026-0909")
    assert theirs.bond_id == book.bond_id  # the same id in both agencies: only the host differs
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    page = other.get(f"/bonds/{theirs.bond_id}/pay-links", htmx=True).get_data(as_text=True)
    assert "No pay links sent." in page and "pay-link-row" not in page and "$125.50" not in page
    assert other.get(f"/bonds/{book.bond_id + 1}/pay-links").status_code == 404


def test_the_panel_shows_the_newest_links_and_the_page_of_its_own_pages_through_all(
    app, tenant, other_tenant, book, agent, visit, daytime
):
    connected(app, tenant)
    with inside(app, tenant):
        db.session.add_all(
            PayLink(
                bond_id=book.bond_id,
                amount_cents=1000 + n,
                sent_to=f"+1{portal.COSIGNER_PHONE}",
                recipient={"kind": "cosigner", "id": book.cosigner_id},
                expires_at=NOON,
            )
            for n in range(23)
        )
        db.session.commit()
    ids = link_ids(app, tenant)

    page = panel(agent, book.bond_id)
    assert page.count('class="court-row pay-link-row"') == 20
    assert f'id="pay-link-{ids[-1]}"' in page and f'id="pay-link-{ids[2]}"' not in page
    assert "Older pay links (23 in all)" in text_of(page)
    assert f"/bonds/{book.bond_id}/pay-links?page=2" in page

    older = agent.get(f"/bonds/{book.bond_id}/pay-links?page=2").get_data(as_text=True)
    assert older.count('class="court-row pay-link-row"') == 3
    assert all(f'id="pay-link-{i}"' in older for i in ids[:3])
    assert "Page 2 of 2 · 23 in all" in text_of(older)
    assert 'rel="prev"' in older and 'rel="next"' not in older
    assert 'class="court-row pay-link-row"' not in agent.get(
        f"/bonds/{book.bond_id}/pay-links?page=9999999"
    ).get_data(as_text=True)

    stranger = visit(other_tenant)
    stranger.login(other_tenant.owner_email)
    assert stranger.get(f"/bonds/{book.bond_id}/pay-links?page=2").status_code == 404
