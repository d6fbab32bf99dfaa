"""The bond list and the bond page make a fixed number of queries, however long the book."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from bbp.auth.models import User
from bbp.bonds import services as bonds
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate
from bbp.dev.book import seed_book
from bbp.extensions import db
from bbp.messaging import services as messaging
from bbp.payments.models import Payment, PaymentPlan
from bbp.signatures import services as signatures
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import counted

# The binding, the signed-in user, the page of bonds with their defendants and their count.
BOND_LIST = 3
# The bond page: the binding, the signed-in user, the bond with its defendant, power and
# charges, its cosigners and history, then once each the plan with its installments, payments,
# court dates, forfeitures, collateral, signature requests, texts, notes, autopay
# enrollments (its timeline entries) and online payments a restore left unconfirmed (was 21,
# then 14, then 13 before autopay's, 14 before the unconfirmed list's).
BOND_PAGE = 15
# With staff names to show and signature requests out: their names and their steps, once each.
FULL_BOND_PAGE = BOND_PAGE + 2


def test_the_bond_list_does_not_query_per_row(app, owner, tenant):
    make_bond(app, tenant)
    with counted(app) as few:
        assert owner.get("/bonds/").status_code == 200
    for n in range(12):
        make_bond(app, tenant, last_name=f"Doe{n}")
    with counted(app) as many:
        assert owner.get("/bonds/").status_code == 200
    with counted(app) as searched:
        assert owner.get("/bonds/?q=doe", htmx=True).status_code == 200
    assert len(few) == len(many) <= BOND_LIST, many
    assert len(searched) <= BOND_LIST, searched


def test_the_live_search_makes_the_same_queries_for_one_match_or_many(app, owner, tenant):
    make_bond(app, tenant, last_name="Searchable")
    with counted(app) as one:
        assert "Searchable" in owner.get("/bonds/?q=search", htmx=True).get_data(as_text=True)
    for n in range(12):
        make_bond(app, tenant, last_name=f"Searchable{n}")
    with counted(app) as many:
        body = owner.get("/bonds/?q=search", htmx=True).get_data(as_text=True)
    assert "13 in all" in body
    assert len(one) == len(many) <= BOND_LIST, many


def test_the_bond_page_makes_the_same_queries_in_a_long_book(app, owner, tenant):
    bond_id = make_bond(app, tenant)
    with counted(app) as short:
        assert owner.get(f"/bonds/{bond_id}").status_code == 200
    for n in range(12):
        make_bond(app, tenant, last_name=f"Other{n}")
    with counted(app) as long:
        assert owner.get(f"/bonds/{bond_id}").status_code == 200
    assert len(short) == len(long) <= BOND_PAGE, long


def test_the_bond_page_queries_stay_capped(app, owner, tenant):
    bond_id = make_bond(app, tenant)
    with counted(app) as seen:
        assert owner.get(f"/bonds/{bond_id}").status_code == 200
    assert len(seen) <= BOND_PAGE, seen


def _has(model, bond_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).where(model.bond_id == bond_id)))


def test_a_full_bond_page_loads_each_kind_of_row_once(app, owner, tenant):
    """Payments, court dates, collateral, the plan, signatures and texts: one query each, shared
    by the timeline and the sections, however many rows each has."""
    with app.app_context(), bound(tenant.info, db.session):
        seed_book(tenant.info)
        staff = db.session.scalars(select(User).where(User.role == "owner")).first()
        full = [
            bond
            for bond in db.session.scalars(select(Bond).order_by(Bond.id))
            if all(
                _has(model, bond.id)
                for model in (Payment, PaymentPlan, CourtDate, Collateral, BondIndemnitor)
            )
        ]
        assert full, "the demo book has a bond with payments, a plan, court dates and collateral"
        bond = full[0]
        bonds.add_note(bond, "Called the cosigner", staff)
        cosigner = bond.cosigners[0].indemnitor
        signatures.create(bond, "indemnity", f"cosigner:{cosigner.id}", "sms", staff)
        messaging.queue("5550100199", "Court is Thursday", "one_off", bond_id=bond.id, by=staff)
        bond_id = bond.id
    # Seeding the book can outlast the process's memory of the agency (TENANT_CACHE_SECONDS):
    # another page looks it up again first, so the count below is the bond page's alone.
    assert owner.get("/bonds/").status_code == 200
    with counted(app) as seen:
        page = owner.get(f"/bonds/{bond_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Called the cosigner" in body
    assert "Court is Thursday" in body
    assert "Indemnity agreement" in body
    assert len(seen) <= FULL_BOND_PAGE, seen
    assert [s for s, n in Counter(seen).items() if n > 1] == []
