"""The staff autopay panel and the bond's timeline say when autopay went on and off, and who."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests.merchant import autopay_support as support
from tests.portal import conftest as portal
from tests.support import add_user

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # noon in New York
book, cosigner = portal.book, portal.cosigner  # fixtures: a bond, its cosigner signed in


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


@pytest.fixture
def enrolled(app, tenant, book) -> str:
    account = support.connect(app, tenant)
    support.add_plan(app, tenant, book.bond_id, "100.00", [(date(2026, 12, 10), "400.00")])
    payer = {"kind": "cosigner", "id": book.cosigner_id}
    support.enroll(app, tenant, book.bond_id, payer, account)
    return account


def words(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def timeline(visitor, bond_id: int) -> str:
    page = visitor.get(f"/bonds/{bond_id}").get_data(as_text=True)
    return words(page.split('id="timeline"', 1)[1])


def test_the_panel_and_timeline_say_the_payer_turned_it_off_in_the_portal(
    app, tenant, book, cosigner, enrolled, owner, clock
):
    assert "Autopay turned on with Visa ending in 4242" in timeline(owner, book.bond_id)
    clock.set(datetime(2026, 12, 1, 17, 5, tzinfo=UTC))  # 12:05 PM in New York
    cosigner.get(f"/portal/bonds/{book.bond_id}/autopay")
    assert cosigner.post(f"/portal/bonds/{book.bond_id}/autopay/off").status_code == 303
    panel = words(owner.get(f"/bonds/{book.bond_id}/autopay", htmx=True).get_data(as_text=True))
    assert (
        "Off since Dec 1, 2026 12:05 PM: Rosa Reyes in the client portal turned off autopay "
        "with the Visa ending in 4242." in panel
    )
    events = timeline(owner, book.bond_id)
    assert "Autopay turned off" in events and "Rosa Reyes in the client portal" in events
    assert events.index("Autopay turned off") < events.index("Autopay turned on")  # newest first


def test_staff_turning_it_off_are_named_and_the_page_without_js_has_a_heading(
    app, tenant, book, enrolled, visit
):
    agent_user = add_user(app, tenant.info, "agent")
    agent = visit(tenant)
    agent.login(agent_user.email)
    agent.get(f"/bonds/{book.bond_id}")
    assert agent.post(f"/bonds/{book.bond_id}/autopay/off").status_code == 303
    page = agent.get(f"/bonds/{book.bond_id}/autopay").get_data(as_text=True)
    assert "<h1>Autopay</h1>" in page and f"Bond {book.bond_number}" in page
    name = agent_user.name or agent_user.email
    assert f"{name} turned off autopay with the Visa ending in 4242" in words(page)
    assert name in timeline(agent, book.bond_id)


def test_the_other_agency_reads_no_autopay_history(
    app, tenant, other_tenant, book, enrolled, visit
):
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    for path in (f"/bonds/{book.bond_id}", f"/bonds/{book.bond_id}/autopay"):
        response = other.get(path)
        assert response.status_code == 404 and "4242" not in response.get_data(as_text=True)
