"""The bond list and the bond page make a fixed number of queries, however long the book."""

from __future__ import annotations

from tests.factories import make_bond
from tests.support import counted

# The binding, the signed-in user, the page of bonds with their defendants, the count.
BOND_LIST = 4
# The bond page: the bond, its plan, timeline sources, charges, people, texts (a cap, not a goal).
BOND_PAGE = 21


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


def test_the_bond_page_queries_stay_capped(app, owner, tenant):
    bond_id = make_bond(app, tenant)
    with counted(app) as seen:
        assert owner.get(f"/bonds/{bond_id}").status_code == 200
    assert len(seen) <= BOND_PAGE, seen
