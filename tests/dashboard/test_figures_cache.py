"""The dashboard's figures are held per agency: fresh after any write, never another agency's."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bbp.bonds.models import Bond
from bbp.dashboard import figures
from bbp.extensions import db
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import counted

# Queries of a dashboard built from nothing held, and of one served from what is held: the
# session's user, the change counter is Redis. A test fails if either grows back.
QUERIES_BUILT = 18  # was 21: the bonds and the ledger are now summed in one pass each
QUERIES_HELD = 2


@pytest.fixture(autouse=True)
def nothing_held():
    figures.forget()
    yield
    figures.forget()


def test_a_new_bond_shows_on_the_next_view(app, owner, tenant):
    make_bond(app, tenant, status="active", bail="1000")
    assert "$1,000" in owner.get("/dashboard/").get_data(as_text=True)
    make_bond(app, tenant, status="active", bail="2345")
    assert "$3,345" in owner.get("/dashboard/").get_data(as_text=True)


def test_a_bulk_update_shows_on_the_next_view(app, owner, tenant):
    bond_id = make_bond(app, tenant, status="active", bail="4000")
    assert "$4,000" in owner.get("/dashboard/").get_data(as_text=True)
    with app.app_context(), bound(tenant.info, db.session):
        db.session.execute(update(Bond).where(Bond.id == bond_id).values(status="exonerated"))
        db.session.commit()
    assert "$4,000" not in owner.get("/dashboard/").get_data(as_text=True)


def test_held_figures_are_never_another_agencys(app, owner, visit, tenant, other_tenant):
    make_bond(app, tenant, status="active", bail="7777")
    assert "$7,777" in owner.get("/dashboard/").get_data(as_text=True)
    bravo = visit(other_tenant)
    assert bravo.login(other_tenant.owner_email).status_code == 302
    page = bravo.get("/dashboard/").get_data(as_text=True)
    assert "$7,777" not in page
    assert other_tenant.name in page


def test_the_page_says_how_fresh_the_figures_are(owner):
    page = owner.get("/dashboard/").get_data(as_text=True)
    assert "Figures as of" in page
    assert "at least every 60 seconds" in page


def test_dashboard_queries_stay_few(app, owner, tenant):
    make_bond(app, tenant, status="forfeited", bail="2500")
    with counted(app) as built:
        assert owner.get("/dashboard/").status_code == 200
    with counted(app) as held:
        assert owner.get("/dashboard/").status_code == 200
    assert len(built) <= QUERIES_BUILT, built
    assert len(held) <= QUERIES_HELD, held


def test_dashboard_queries_do_not_grow_with_the_book(app, owner, tenant):
    make_bond(app, tenant, status="active", bail="1000")
    with counted(app) as short:
        assert owner.get("/dashboard/").status_code == 200
    for n in range(12):
        make_bond(app, tenant, status="forfeited" if n % 2 else "active", bail="250")
    with counted(app) as long:
        assert "$4,000" in owner.get("/dashboard/").get_data(as_text=True)
    assert len(short) == len(long) <= QUERIES_BUILT, long
